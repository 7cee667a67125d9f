/* filter.c: the filter language compiled to SQL (recursive descent) */
/*
 * Fragments and bound values over flows or series rows; the primitives are in
 * filter_prim.c.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter_int.h"

#define FILTER_SQL_MAX 8192	/* our share of QUERY_SQL_MAX */
#define FILTER_DEPTH_MAX 64	/* nested 'not' and '(' */
#define FILTER_SHOW_MAX 40	/* bytes of a token quoted in an error */

/* Invariant: sql[len] == 0; vals[i].p points into mem[i] (or is NULL). */
struct filter {
	char sql[FILTER_SQL_MAX];
	size_t len;
	struct query_value vals[QUERY_WHERE_MAX];
	void *mem[QUERY_WHERE_MAX];
	size_t n_vals;
	bool not_const;		/* a primitive reads what may change within
				 * a flow, or the client port */
	struct query_where where;
};

static bool
is_op_char(char c)
{
	return c == '<' || c == '>' || c == '=' || c == '!';
}

static bool
is_word_char(char c)
{
	return c && !isspace((unsigned char)c) && c != '(' && c != ')' &&
	    !is_op_char(c);
}

void
filter_lex(struct parser *p)
{
	const char *s = p->text;
	size_t i = p->pos, n = 0;

	while (s[i] && isspace((unsigned char)s[i]))
		i++;
	p->token.offset = i;
	if (!s[i]) {
		p->token.kind = TOKEN_END;
	} else if (s[i] == '(' || s[i] == ')') {
		p->token.kind = s[i] == '(' ? TOKEN_OPEN : TOKEN_CLOSE;
		n = 1;
	} else if (is_op_char(s[i])) {
		p->token.kind = TOKEN_OPERATOR;
		while (is_op_char(s[i + n]))
			n++;
	} else {
		p->token.kind = TOKEN_WORD;
		while (is_word_char(s[i + n]))
			n++;
	}
	p->token.len = n;
	p->pos = i + n;
}

bool
filter_token_is(const struct parser *p, const struct token *t, const char *word)
{
	return t->kind != TOKEN_END && strlen(word) == t->len &&
	    strncasecmp(p->text + t->offset, word, t->len) == 0;
}

const char *
filter_token_show(const struct parser *p, const struct token *t, char *buf,
    size_t cap)
{
	int n = t->len > FILTER_SHOW_MAX ? FILTER_SHOW_MAX : (int)t->len;

	if (t->kind == TOKEN_END)
		return "end of input";
	snprintf(buf, cap, "'%.*s%s'", n, p->text + t->offset,
	    t->len > FILTER_SHOW_MAX ? "..." : "");
	return buf;
}

int
filter_error(struct parser *p, const struct token *t, const char *fmt, ...)
{
	char msg[224];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ft_err_set(p->err, FT_EPARSE, "filter: column %zu: %s",
	    t->offset + 1, msg);
}

int
filter_error_expected(struct parser *p, const char *what, const char *after)
{
	char buf[64];

	return filter_error(p, &p->token, "expected %s after '%s', got %s",
	    what, after, filter_token_show(p, &p->token, buf, sizeof(buf)));
}

int
filter_emit(struct parser *p, const char *frag)
{
	struct filter *f = p->f;
	size_t n = strlen(frag);

	if (f->len + n + 2 >= sizeof(f->sql))	/* 2: room for wrap() */
		return filter_error(p, &p->token, "filter too long");
	memcpy(f->sql + f->len, frag, n + 1);
	f->len += n;
	return 0;
}

/* Put sql[start..] in parentheses; filter_emit() left room for them. */
static void
wrap(struct filter *f, size_t start)
{
	memmove(f->sql + start + 1, f->sql + start, f->len - start + 1);
	f->sql[start] = '(';
	f->len++;
	f->sql[f->len++] = ')';
	f->sql[f->len] = 0;
}

/* Bind a copy of v (its bytes, for text and blobs). */
static int
bind_value(struct parser *p, const struct token *t, const struct query_value *v)
{
	struct filter *f = p->f;
	struct query_value *d;
	void *mem = NULL;

	if (f->n_vals >= QUERY_WHERE_MAX)
		return filter_error(p, t, "too many values (at most %d)",
		    QUERY_WHERE_MAX);
	d = &f->vals[f->n_vals];
	*d = *v;
	if (v->type != QUERY_INT) {
		mem = malloc(v->len ? v->len : 1);
		if (!mem)
			return ft_err_set(p->err, FT_ENOMEM, "filter: %s",
			    ft_strerror(FT_ENOMEM));
		memcpy(mem, v->p, v->len);
		d->p = mem;
	}
	f->mem[f->n_vals++] = mem;
	return 0;
}

static int
bind_int(struct parser *p, const struct token *t, int64_t i)
{
	struct query_value v = { .type = QUERY_INT, .i = i };

	return bind_value(p, t, &v);
}

int
filter_bind_bytes(struct parser *p, const struct token *t, int type,
    const void *b, size_t n)
{
	struct query_value v = { .type = type, .p = b, .len = n };

	return bind_value(p, t, &v);
}

int
filter_emit_int(struct parser *p, const struct token *t, const char *frag,
    int64_t i)
{
	int rc = filter_emit(p, frag);

	return rc ? rc : bind_int(p, t, i);
}

int
filter_emit_text(struct parser *p, const struct token *t, const char *frag,
    const char *s, size_t n)
{
	int rc = filter_emit(p, frag);

	return rc ? rc : filter_bind_bytes(p, t, QUERY_TEXT, s, n);
}

int
filter_emit_sided(struct parser *p, const struct token *t, enum side side,
    const char *const frag[3], const struct query_value *v, size_t nv)
{
	int from = side == SIDE_DST, to = side == SIDE_SRC ? 0 : 1;
	int rc = 0;

	if (p->series)
		from = to = 2;
	else if (side == SIDE_ANY)
		rc = filter_emit(p, "(");
	for (int k = from; !rc && k <= to; k++) {
		if (k > from)
			rc = filter_emit(p, " OR ");
		if (!rc)
			rc = filter_emit(p, frag[k]);
		for (size_t i = 0; !rc && i < nv; i++)
			rc = bind_value(p, t, &v[i]);
	}
	if (!rc && side == SIDE_ANY && !p->series)
		rc = filter_emit(p, ")");
	return rc;
}

/* The keywords of primitives[] (filter_prim.c) and the grammar's. */
#define FILTER_KEYWORDS "host, net, port, mac, local, remote, proto, app, " \
	"category, vendor, device, iface, asn, vlan, country, name, bytes, " \
	"packets, duration, src, dst, not or '('"

/*
 * Series: whether pr, at keyword (after side_token when not NULL), can be
 * answered from the series, and reads the same kind as the primitives
 * before it.
 */
static int
series_check(struct parser *p, const struct primitive *pr,
    const struct token *keyword, const struct token *side_token)
{
	const struct token *first = &p->series_kind_token;

	if (pr->series_kind < 0)
		return filter_error(p, keyword, "'%s' cannot be answered from "
		    "the series (%s): use top or flows", pr->keyword,
		    pr->series_sql);
	if (side_token)
		return filter_error(p, side_token, "'%.*s' has no meaning in "
		    "the series (a host's rows hold what it sent and "
		    "received): use 'host', or top or flows",
		    (int)side_token->len, p->text + side_token->offset);
	if (p->series_kind >= 0 && p->series_kind != pr->series_kind)
		return filter_error(p, keyword, "'%s' reads %s but '%.*s' at "
		    "column %zu reads %s, and the series keep each kind "
		    "apart: use top or flows to combine them", pr->keyword,
		    query_series_kind_noun(pr->series_kind), (int)first->len,
		    p->text + first->offset, first->offset + 1,
		    query_series_kind_noun(p->series_kind));
	p->series_kind = pr->series_kind;
	p->series_kind_token = *keyword;
	return 0;
}

static int
parse_primitive(struct parser *p, const char *after)
{
	enum side side = SIDE_ANY;
	const char *side_keyword = NULL;
	const struct primitive *pr;
	struct token side_token, keyword;
	char buf[64];
	int rc;

	if (p->token.kind != TOKEN_WORD ||
	    filter_token_is(p, &p->token, "and") ||
	    filter_token_is(p, &p->token, "or")) {
		if (after)
			return filter_error_expected(p, "a primitive, 'not' or "
			    "'('", after);
		return filter_error(p, &p->token, "expected a primitive, 'not' "
		    "or '(', got %s", filter_token_show(p, &p->token, buf,
		    sizeof(buf)));
	}
	if (filter_token_is(p, &p->token, "src") ||
	    filter_token_is(p, &p->token, "dst")) {
		side = filter_token_is(p, &p->token, "src") ? SIDE_SRC :
		    SIDE_DST;
		side_keyword = side == SIDE_SRC ? "src" : "dst";
		side_token = p->token;
		filter_lex(p);
	}
	pr = filter_primitive_find(p, &p->token, side_keyword != NULL);
	if (!pr && side_keyword)
		return filter_error_expected(p, "host, net, port, mac, local "
		    "or remote", side_keyword);
	if (!pr)
		return filter_error(p, &p->token, "unknown keyword %s "
		    "(expected %s)", filter_token_show(p, &p->token, buf,
		    sizeof(buf)), FILTER_KEYWORDS);
	keyword = p->token;
	if (!filter_primitive_flow_const(pr, side))
		p->f->not_const = true;
	rc = p->series ? series_check(p, pr, &keyword, side_keyword ?
	    &side_token : NULL) : 0;
	if (rc)
		return rc;
	filter_lex(p);
	return pr->parse(p, pr, side);
}

static int parse_expr(struct parser *p, const char *after);

static int
parse_paren(struct parser *p)
{
	struct token open = p->token;
	char buf[64];
	int rc;

	filter_lex(p);
	rc = filter_emit(p, "(");
	if (!rc)
		rc = parse_expr(p, "(");
	if (rc)
		return rc;
	if (p->token.kind != TOKEN_CLOSE)
		return filter_error(p, &p->token, "unbalanced parentheses: "
		    "expected ')' for the '(' at column %zu, got %s",
		    open.offset + 1, filter_token_show(p, &p->token, buf,
		    sizeof(buf)));
	filter_lex(p);
	return filter_emit(p, ")");
}

static int
parse_factor(struct parser *p, const char *after)
{
	int rc;

	if (++p->depth > FILTER_DEPTH_MAX)
		return filter_error(p, &p->token, "nested deeper than %d",
		    FILTER_DEPTH_MAX);
	if (filter_token_is(p, &p->token, "not")) {
		filter_lex(p);
		rc = filter_emit(p, "NOT ");
		if (!rc)
			rc = parse_factor(p, "not");
	} else if (p->token.kind == TOKEN_OPEN) {
		rc = parse_paren(p);
	} else {
		rc = parse_primitive(p, after);
	}
	p->depth--;
	return rc;
}

static bool
ends_term(const struct parser *p)
{
	return p->token.kind == TOKEN_END || p->token.kind == TOKEN_CLOSE ||
	    filter_token_is(p, &p->token, "or");
}

static int
parse_term(struct parser *p, const char *after)
{
	size_t start = p->f->len;
	int rc, n = 0;

	rc = parse_factor(p, after);
	while (!rc && !ends_term(p)) {
		after = NULL;
		if (filter_token_is(p, &p->token, "and")) {
			after = "and";
			filter_lex(p);
		}
		rc = filter_emit(p, " AND ");
		if (!rc)
			rc = parse_factor(p, after);
		n++;
	}
	if (!rc && n)
		wrap(p->f, start);
	return rc;
}

static int
parse_expr(struct parser *p, const char *after)
{
	size_t start = p->f->len;
	int rc, n = 0;

	rc = parse_term(p, after);
	while (!rc && filter_token_is(p, &p->token, "or")) {
		filter_lex(p);
		rc = filter_emit(p, " OR ");
		if (!rc)
			rc = parse_term(p, "or");
		n++;
	}
	if (!rc && n)
		wrap(p->f, start);
	return rc;
}

static int
compile(struct parser *p)
{
	int rc;

	filter_lex(p);
	if (p->token.kind == TOKEN_END)
		return filter_error(p, &p->token, "empty expression");
	/* "other" (key -1) holds keys unknown: no filter may select it. */
	rc = p->series ? filter_emit(p, "key != -1 AND (") : 0;
	if (!rc)
		rc = parse_expr(p, NULL);
	if (!rc && p->series)
		rc = filter_emit(p, ")");
	if (rc)
		return rc;
	if (p->token.kind == TOKEN_CLOSE)
		return filter_error(p, &p->token, "unbalanced parentheses: ')' "
		    "without a '('");
	if (p->token.kind != TOKEN_END)
		return filter_error(p, &p->token, "unexpected trailing input");
	return 0;
}

/* Compile p->text into a new filter for p's target. */
static int
compile_new(struct parser *p, struct filter **out)
{
	int rc;

	*out = NULL;
	if (!p->text)
		p->text = "";
	p->f = calloc(1, sizeof(*p->f));
	if (!p->f)
		return ft_err_set(p->err, FT_ENOMEM, "filter: %s",
		    ft_strerror(FT_ENOMEM));
	rc = compile(p);
	if (rc)
		goto out_free;
	p->f->where.sql = p->f->sql;
	p->f->where.vals = p->f->vals;
	p->f->where.n_vals = p->f->n_vals;
	p->f->where.flow_const = !p->f->not_const;
	*out = p->f;
	return 0;
out_free:
	filter_free(p->f);
	return rc;
}

int
filter_compile(const char *expr, struct filter **out, struct ft_err *err)
{
	struct parser p = { .text = expr, .err = err };

	return compile_new(&p, out);
}

int
filter_compile_series(const char *expr, struct filter **out,
    enum query_series_kind *kind, struct ft_err *err)
{
	struct parser p = { .text = expr, .err = err, .series = true,
		.series_kind = -1 };
	int rc = compile_new(&p, out);

	if (!rc)
		*kind = (enum query_series_kind)p.series_kind;
	return rc;
}

const struct query_where *
filter_where(const struct filter *f)
{
	return &f->where;
}

void
filter_free(struct filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_vals; i++)
		free(f->mem[i]);
	free(f);
}