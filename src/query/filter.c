/* filter.c: recursive-descent compiler from the filter language to SQL fragments and bound values, over flows or series rows. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/ft_mac.h"
#include "filter.h"

#define FILTER_SQL_MAX 8192	/* our share of QUERY_SQL_MAX */
#define FILTER_DEPTH_MAX 64	/* nested 'not' and '(' */
#define FILTER_SHOW_MAX 40	/* bytes of a token quoted in an error */
#define FILTER_TOK_MAX 256	/* bytes of one value token */

/* Invariant: sql[len] == 0; vals[i].p points into mem[i] (or is NULL). */
struct filter {
	char sql[FILTER_SQL_MAX];
	size_t len;
	struct query_value vals[QUERY_WHERE_MAX];
	void *mem[QUERY_WHERE_MAX];
	size_t n_vals;
	struct query_where where;
};

enum tok_kind { TOK_END, TOK_WORD, TOK_LP, TOK_RP, TOK_OP };

struct tok {
	enum tok_kind kind;
	size_t off;		/* byte offset in the expression */
	size_t len;
};

enum side { SIDE_ANY, SIDE_SRC, SIDE_DST };

struct parser {
	const char *s;		/* the expression */
	size_t pos;		/* where the next token starts */
	struct tok t;		/* the current token */
	struct filter *f;
	struct ft_err *err;
	int depth;
	bool series;		/* compile against a series row's kind and key */
	int sk;			/* series: the kind read so far, -1 none */
	struct tok sk_tok;	/* series: the primitive that chose it */
};

struct prim;
typedef int prim_fn(struct parser *p, const struct prim *pr, enum side side);

/* One primitive keyword. */
struct prim {
	const char *kw;
	prim_fn *fn;
	bool sided;		/* takes src/dst */
	const char *col;	/* SQL operand or fragment over flows */
	int sk;			/* series: enum query_skind it reads, -1 none */
	const char *scol;	/* series: the fragment; with sk -1, why none */
};

/* The fragment of pr for the target being compiled. */
static const char *
prim_col(const struct parser *p, const struct prim *pr)
{
	return p->series ? pr->scol : pr->col;
}

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

static void
lex(struct parser *p)
{
	const char *s = p->s;
	size_t i = p->pos, n = 0;

	while (s[i] && isspace((unsigned char)s[i]))
		i++;
	p->t.off = i;
	if (!s[i]) {
		p->t.kind = TOK_END;
	} else if (s[i] == '(' || s[i] == ')') {
		p->t.kind = s[i] == '(' ? TOK_LP : TOK_RP;
		n = 1;
	} else if (is_op_char(s[i])) {
		p->t.kind = TOK_OP;
		while (is_op_char(s[i + n]))
			n++;
	} else {
		p->t.kind = TOK_WORD;
		while (is_word_char(s[i + n]))
			n++;
	}
	p->t.len = n;
	p->pos = i + n;
}

static bool
tok_is(const struct parser *p, const struct tok *t, const char *word)
{
	return t->kind != TOK_END && strlen(word) == t->len &&
	    strncasecmp(p->s + t->off, word, t->len) == 0;
}

/* "end of input" or the token quoted, for messages. */
static const char *
tok_show(const struct parser *p, const struct tok *t, char *buf, size_t cap)
{
	int n = t->len > FILTER_SHOW_MAX ? FILTER_SHOW_MAX : (int)t->len;

	if (t->kind == TOK_END)
		return "end of input";
	snprintf(buf, cap, "'%.*s%s'", n, p->s + t->off,
	    t->len > FILTER_SHOW_MAX ? "..." : "");
	return buf;
}

static int
perr(struct parser *p, const struct tok *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
perr(struct parser *p, const struct tok *t, const char *fmt, ...)
{
	char msg[224];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ft_err_set(p->err, FT_EPARSE, "filter: column %zu: %s",
	    t->off + 1, msg);
}

/* "expected WHAT after 'KW', got X" at the current token. */
static int
perr_expected(struct parser *p, const char *what, const char *after)
{
	char buf[64];

	return perr(p, &p->t, "expected %s after '%s', got %s", what, after,
	    tok_show(p, &p->t, buf, sizeof(buf)));
}

static int
emit(struct parser *p, const char *frag)
{
	struct filter *f = p->f;
	size_t n = strlen(frag);

	if (f->len + n + 2 >= sizeof(f->sql))	/* 2: room for wrap() */
		return perr(p, &p->t, "filter too long");
	memcpy(f->sql + f->len, frag, n + 1);
	f->len += n;
	return 0;
}

/* Put sql[start..] in parentheses; emit() left room for them. */
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
bind_val(struct parser *p, const struct tok *t, const struct query_value *v)
{
	struct filter *f = p->f;
	struct query_value *d;
	void *mem = NULL;

	if (f->n_vals >= QUERY_WHERE_MAX)
		return perr(p, t, "too many values (at most %d)",
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
bind_int(struct parser *p, const struct tok *t, int64_t i)
{
	struct query_value v = { .type = QUERY_INT, .i = i };

	return bind_val(p, t, &v);
}

static int
bind_bytes(struct parser *p, const struct tok *t, int type, const void *b,
    size_t n)
{
	struct query_value v = { .type = type, .p = b, .len = n };

	return bind_val(p, t, &v);
}

/* frag, then its one integer value. */
static int
emit_int(struct parser *p, const struct tok *t, const char *frag, int64_t i)
{
	int rc = emit(p, frag);

	return rc ? rc : bind_int(p, t, i);
}

/* frag, then its one text value. */
static int
emit_text(struct parser *p, const struct tok *t, const char *frag,
    const char *s, size_t n)
{
	int rc = emit(p, frag);

	return rc ? rc : bind_bytes(p, t, QUERY_TEXT, s, n);
}

/*
 * frag[0] (client) or frag[1] (server) for one side, or "(cli OR srv)";
 * frag[2] alone for a series row's key. vals bound after each.
 */
static int
emit_sided(struct parser *p, const struct tok *t, enum side side,
    const char *const frag[3], const struct query_value *v, size_t nv)
{
	int from = side == SIDE_DST, to = side == SIDE_SRC ? 0 : 1;
	int rc = 0;

	if (p->series)
		from = to = 2;
	else if (side == SIDE_ANY)
		rc = emit(p, "(");
	for (int k = from; !rc && k <= to; k++) {
		if (k > from)
			rc = emit(p, " OR ");
		if (!rc)
			rc = emit(p, frag[k]);
		for (size_t i = 0; !rc && i < nv; i++)
			rc = bind_val(p, t, &v[i]);
	}
	if (!rc && side == SIDE_ANY && !p->series)
		rc = emit(p, ")");
	return rc;
}

/* The current token as a value argument of pr, consumed; NUL-terminated copy in buf. */
static int
take_arg(struct parser *p, const struct prim *pr, const char *what,
    struct tok *t, char *buf)
{
	if (p->t.kind != TOK_WORD || p->t.len >= FILTER_TOK_MAX)
		return perr_expected(p, what, pr->kw);
	*t = p->t;
	memcpy(buf, p->s + t->off, t->len);
	buf[t->len] = 0;
	lex(p);
	return 0;
}

/* Decimal digits only; false on anything else or overflow. */
static bool
parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* A whole-number argument in [0, max]. */
static int
take_num(struct parser *p, const struct prim *pr, const char *what,
    uint64_t max, uint64_t *v)
{
	char buf[FILTER_TOK_MAX], show[64];
	struct tok t;
	size_t skip = 0;
	bool all_digits;
	int rc;

	rc = take_arg(p, pr, what, &t, buf);
	if (rc)
		return rc;
	if (strcmp(pr->kw, "asn") == 0 && strncasecmp(buf, "as", 2) == 0)
		skip = 2;
	all_digits = t.len > skip;
	for (size_t i = skip; i < t.len; i++)
		all_digits = all_digits && isdigit((unsigned char)buf[i]);
	if (!all_digits) {
		p->t = t;	/* report at the argument */
		return perr(p, &t, "expected %s after '%s', got %s", what,
		    pr->kw, tok_show(p, &t, show, sizeof(show)));
	}
	if (!parse_u64(buf + skip, t.len - skip, v) || *v > max)
		return perr(p, &t, "%s %s out of range (0-%llu)", pr->kw,
		    tok_show(p, &t, show, sizeof(show)),
		    (unsigned long long)max);
	return 0;
}

/* An IPv4 or IPv6 address; returns its length (4 or 16), 0 if none. */
static size_t
parse_addr(const char *s, unsigned char *a)
{
	if (inet_pton(AF_INET, s, a) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, a) == 1)
		return 16;
	return 0;
}

static int
p_host(struct parser *p, const struct prim *pr, enum side side)
{
	char buf[FILTER_TOK_MAX];
	unsigned char a[16];
	struct query_value v = { .type = QUERY_BLOB, .p = a };
	struct tok t;
	int rc;

	rc = take_arg(p, pr, "an address", &t, buf);
	if (rc)
		return rc;
	v.len = parse_addr(buf, a);
	if (!v.len) {
		p->t = t;
		return perr_expected(p, "an address", pr->kw);
	}
	return emit_sided(p, &t, side, (const char *const[]){ "f.cli = ?",
	    "f.srv = ?", "key = ?" }, &v, 1);
}

/* Network's first and last address for buf "ADDR[/LEN]". */
static int
parse_cidr(struct parser *p, const struct prim *pr, const struct tok *t,
    char *buf, unsigned char *lo, unsigned char *hi, size_t *alen)
{
	char *slash = strchr(buf, '/'), show[64];
	uint64_t bits;

	if (slash)
		*slash = 0;
	*alen = parse_addr(buf, lo);
	if (!*alen) {
		p->t = *t;
		return perr_expected(p, "an address or CIDR", pr->kw);
	}
	bits = *alen * 8;
	if (slash && !parse_u64(slash + 1, strlen(slash + 1), &bits))
		return perr(p, t, "bad prefix length in %s",
		    tok_show(p, t, show, sizeof(show)));
	if (bits > *alen * 8)
		return perr(p, t, "prefix length %llu too long for IPv%d "
		    "(at most %zu)", (unsigned long long)bits,
		    *alen == 4 ? 4 : 6, *alen * 8);
	for (size_t i = 0; i < *alen; i++) {
		size_t have = bits > i * 8 ? bits - i * 8 : 0;
		unsigned char m = have >= 8 ? 0xff :
		    (unsigned char)(0xff << (8 - have));

		lo[i] &= m;
		hi[i] = lo[i] | (unsigned char)~m;
	}
	return 0;
}

static int
p_net(struct parser *p, const struct prim *pr, enum side side)
{
	char buf[FILTER_TOK_MAX];
	unsigned char lo[16], hi[16];
	struct query_value v[2];
	struct tok t;
	size_t n;
	int rc;

	rc = take_arg(p, pr, "an address or CIDR", &t, buf);
	if (!rc)
		rc = parse_cidr(p, pr, &t, buf, lo, hi, &n);
	if (rc)
		return rc;
	v[0] = (struct query_value){ .type = QUERY_BLOB, .p = lo, .len = n };
	v[1] = (struct query_value){ .type = QUERY_BLOB, .p = hi, .len = n };
	if (n == 4)
		return emit_sided(p, &t, side, (const char *const[]){
		    "(length(f.cli) = 4 AND f.cli BETWEEN ? AND ?)",
		    "(length(f.srv) = 4 AND f.srv BETWEEN ? AND ?)",
		    "(length(key) = 4 AND key BETWEEN ? AND ?)" }, v, 2);
	return emit_sided(p, &t, side, (const char *const[]){
	    "(length(f.cli) = 16 AND f.cli BETWEEN ? AND ?)",
	    "(length(f.srv) = 16 AND f.srv BETWEEN ? AND ?)",
	    "(length(key) = 16 AND key BETWEEN ? AND ?)" }, v, 2);
}

static int
p_port(struct parser *p, const struct prim *pr, enum side side)
{
	struct query_value v = { .type = QUERY_INT };
	struct tok t = p->t;
	uint64_t n;
	int rc;

	rc = take_num(p, pr, "a port number", 65535, &n);
	if (rc)
		return rc;
	v.i = (int64_t)n;
	return emit_sided(p, &t, side, (const char *const[]){ "f.cport = ?",
	    "f.sport = ?", NULL }, &v, 1);
}

static int
p_mac(struct parser *p, const struct prim *pr, enum side side)
{
	char buf[FILTER_TOK_MAX];
	unsigned char m[6];
	struct query_value v = { .type = QUERY_BLOB, .p = m, .len = 6 };
	struct tok t;
	int rc;

	rc = take_arg(p, pr, "a MAC address (AA:BB:CC:DD:EE:FF)", &t, buf);
	if (rc)
		return rc;
	if (ft_mac_parse(buf, strlen(buf), m) != 6) {
		p->t = t;
		return perr_expected(p, "a MAC address (AA:BB:CC:DD:EE:FF)",
		    pr->kw);
	}
	return emit_sided(p, &t, side, (const char *const[]){
	    "f.cli_mac IN (SELECT id FROM macs WHERE mac = ?)",
	    "f.srv_mac IN (SELECT id FROM macs WHERE mac = ?)", "key = ?" },
	    &v, 1);
}

static int
p_local(struct parser *p, const struct prim *pr, enum side side)
{
	bool local = pr->kw[0] == 'l';

	if (p->series)
		return emit(p, local ? "kind = 4" : "kind = 5");
	if (side == SIDE_SRC)
		return emit(p, local ? "(f.local & 1) != 0" : "(f.local & 1) = 0");
	if (side == SIDE_DST)
		return emit(p, local ? "(f.local & 2) != 0" : "(f.local & 2) = 0");
	return emit(p, local ? "(f.local & 3) = 3" : "(f.local & 3) != 3");
}

static const struct { const char *name; int num; } protos[] = {
	{ "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "gre", 47 },
	{ "esp", 50 }, { "icmp6", 58 }, { "sctp", 132 },
};

static int
p_proto(struct parser *p, const struct prim *pr, enum side side)
{
	const char *what = "tcp, udp, icmp, icmp6, sctp, gre, esp or a "
	    "protocol number";
	struct tok t = p->t;
	uint64_t n;

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (p->t.kind == TOK_WORD && tok_is(p, &p->t, protos[i].name)) {
			lex(p);
			return emit_int(p, &t, prim_col(p, pr),
			    protos[i].num);
		}
	}
	if (take_num(p, pr, what, 255, &n))
		return -FT_EPARSE;
	return emit_int(p, &t, prim_col(p, pr), (int64_t)n);
}

/* Copy of s with LIKE's \ % _ escaped by '\'; n is the result's length. */
static char *
like_escape(const char *s, size_t *n)
{
	char *o = malloc(strlen(s) * 2 + 1);

	*n = 0;
	for (; o && *s; s++) {
		if (*s == '\\' || *s == '%' || *s == '_')
			o[(*n)++] = '\\';
		o[(*n)++] = *s;
	}
	return o;
}

static int
p_app(struct parser *p, const struct prim *pr, enum side side)
{
	char buf[FILTER_TOK_MAX], *esc;
	struct tok t;
	size_t n;
	int rc;

	rc = take_arg(p, pr, "an application name", &t, buf);
	if (rc)
		return rc;
	esc = like_escape(buf, &n);
	if (!esc)
		return ft_err_set(p->err, FT_ENOMEM, "filter: %s",
		    ft_strerror(FT_ENOMEM));
	rc = emit(p, prim_col(p, pr));
	if (!rc)
		rc = bind_bytes(p, &t, QUERY_TEXT, buf, t.len);
	if (!rc)
		rc = bind_bytes(p, &t, QUERY_TEXT, esc, n);
	if (!rc)
		rc = bind_bytes(p, &t, QUERY_TEXT, esc, n);
	free(esc);
	return rc;
}

/* category, vendor, device, iface: one text, the fragment's only value. */
static int
p_text(struct parser *p, const struct prim *pr, enum side side)
{
	static const char *const what[] = { "a category", "a vendor",
		"a device name", "an interface name" };
	char buf[FILTER_TOK_MAX];
	struct tok t;
	int rc;

	rc = take_arg(p, pr, what[strchr("cvdi", pr->kw[0]) - "cvdi"], &t,
	    buf);
	if (rc)
		return rc;
	return emit_text(p, &t, prim_col(p, pr), buf, t.len);
}

static int
p_num(struct parser *p, const struct prim *pr, enum side side)
{
	bool asn = pr->kw[0] == 'a';
	struct tok t = p->t;
	uint64_t n;
	int rc;

	rc = take_num(p, pr, asn ? "an AS number" : "a VLAN id",
	    asn ? 4294967295u : 4095, &n);
	if (rc)
		return rc;
	return emit_int(p, &t, prim_col(p, pr), (int64_t)n);
}

static int
p_country(struct parser *p, const struct prim *pr, enum side side)
{
	char buf[FILTER_TOK_MAX];
	struct tok t;
	int rc;

	rc = take_arg(p, pr, "a two-letter country code", &t, buf);
	if (rc)
		return rc;
	if (t.len != 2 || !isalpha((unsigned char)buf[0]) ||
	    !isalpha((unsigned char)buf[1])) {
		p->t = t;
		return perr_expected(p, "a two-letter country code", pr->kw);
	}
	return emit_int(p, &t, prim_col(p, pr),
	    toupper((unsigned char)buf[0]) * 256 +
	    toupper((unsigned char)buf[1]));
}

/* Lower-case GLOB pattern: '*' stays a wildcard, '?' and '[' match themselves. */
static int
p_name(struct parser *p, const struct prim *pr, enum side side)
{
	char buf[FILTER_TOK_MAX], g[FILTER_TOK_MAX * 3];
	struct tok t;
	size_t n = 0;
	int rc;

	rc = take_arg(p, pr, "a name pattern", &t, buf);
	if (rc)
		return rc;
	for (const char *s = buf; *s; s++) {
		if (*s == '?' || *s == '[') {
			g[n++] = '[';
			g[n++] = *s;
			g[n++] = ']';
		} else {
			g[n++] = (char)tolower((unsigned char)*s);
		}
	}
	return emit_text(p, &t, "lower(n.name) GLOB ?", g, n);
}

static const struct { const char *op, *sql; } cmp_ops[] = {
	{ ">", " > ?" }, { ">=", " >= ?" }, { "<", " < ?" },
	{ "<=", " <= ?" }, { "=", " = ?" }, { "==", " = ?" },
	{ "!=", " != ?" },
};

static const struct unit { char kw; const char *suffix; uint64_t mult; } units[] = {
	{ 'b', "", 1 }, { 'b', "k", 1000 }, { 'b', "m", 1000000 },
	{ 'b', "g", 1000000000 }, { 'b', "kib", 1024 },
	{ 'b', "mib", 1048576 }, { 'b', "gib", 1073741824 },
	{ 'p', "", 1 }, { 'p', "k", 1000 }, { 'p', "m", 1000000 },
	{ 'p', "g", 1000000000 },
	{ 'd', "", 1000000 }, { 'd', "s", 1000000 }, { 'd', "ms", 1000 },
	{ 'd', "m", 60000000 }, { 'd', "h", 3600000000u },
};

/* NUMBER[unit] of kind ('b', 'p', 'd'); false on a bad number or overflow. */
static bool
parse_amount(char kind, const char *s, size_t len, int64_t *out)
{
	size_t d = 0;
	uint64_t v;

	while (d < len && isdigit((unsigned char)s[d]))
		d++;
	if (!parse_u64(s, d, &v))
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		const struct unit *u = &units[i];

		if (u->kw != kind || strlen(u->suffix) != len - d ||
		    strncasecmp(u->suffix, s + d, len - d) != 0)
			continue;
		if (v > (uint64_t)INT64_MAX / u->mult)
			return false;
		*out = (int64_t)(v * u->mult);
		return true;
	}
	return false;
}

int
filter_parse_amount(const char *s, char kind, int64_t *out)
{
	if (!s || (kind != 'b' && kind != 'p') || !parse_amount(kind, s,
	    strlen(s), out))
		return -FT_EINVAL;
	return 0;
}

static int
p_cmp(struct parser *p, const struct prim *pr, enum side side)
{
	static const char *const hint[] = { "k, M, G, KiB, MiB or GiB",
		"k, M or G", "s, ms, m or h" };
	const char *sql = NULL, *h;
	char buf[FILTER_TOK_MAX];
	struct tok t;
	int64_t v;
	int rc;

	for (size_t i = 0; i < sizeof(cmp_ops) / sizeof(cmp_ops[0]); i++)
		if (p->t.kind == TOK_OP && tok_is(p, &p->t, cmp_ops[i].op))
			sql = cmp_ops[i].sql;
	if (!sql)
		return perr_expected(p, "a comparison (> >= < <= = !=)",
		    pr->kw);
	lex(p);
	h = hint[pr->kw[0] == 'b' ? 0 : pr->kw[0] == 'p' ? 1 : 2];
	if (p->t.kind != TOK_WORD || p->t.len >= FILTER_TOK_MAX) {
		snprintf(buf, sizeof(buf), "a number (with %s)", h);
		return perr_expected(p, buf, pr->kw);
	}
	rc = take_arg(p, pr, "a number", &t, buf);
	if (!rc && !parse_amount(pr->kw[0], buf, t.len, &v)) {
		char show[64];

		return perr(p, &t, "bad number %s for '%s' (digits with an "
		    "optional %s, at most 2^63-1)",
		    tok_show(p, &t, show, sizeof(show)), pr->kw, h);
	}
	if (!rc)
		rc = emit(p, pr->col);
	return rc ? rc : emit_int(p, &t, sql, v);
}

#define APP_SQL(col) "(" col " = ? COLLATE NOCASE OR " col " LIKE ? || '.%' " \
	"ESCAPE '\\' OR " col " LIKE '%.' || ? ESCAPE '\\')"
#define NO_SERIES(why) -1, why

static const struct prim prims[] = {
	{ "host", p_host, true, NULL, QUERY_SK_HOST, NULL },
	{ "net", p_net, true, NULL, QUERY_SK_HOST, NULL },
	{ "port", p_port, true, NULL, NO_SERIES("they keep no ports") },
	{ "mac", p_mac, true, NULL, QUERY_SK_MAC, NULL },
	{ "local", p_local, true, NULL, QUERY_SK_HOST, NULL },
	{ "remote", p_local, true, NULL, QUERY_SK_HOST, NULL },
	{ "proto", p_proto, false, "f.proto = ?", QUERY_SK_PROTO, "key = ?" },
	{ "app", p_app, false, APP_SQL("a.name"), QUERY_SK_APP,
	  APP_SQL("key") },
	{ "category", p_text, false, "a.category = ? COLLATE NOCASE",
	  QUERY_SK_APP, "key IN (SELECT name FROM apps WHERE category = ? "
	  "COLLATE NOCASE)" },
	{ "vendor", p_text, false, "mc.vendor = ? COLLATE NOCASE",
	  QUERY_SK_MAC, "key IN (SELECT mac FROM macs WHERE vendor = ? "
	  "COLLATE NOCASE)" },
	{ "device", p_text, false, "EXISTS (SELECT 1 FROM devices dv WHERE "
	  "dv.name = ? COLLATE NOCASE AND dv.mac IN (f.cli_mac, f.srv_mac))",
	  QUERY_SK_MAC, "key IN (SELECT m.mac FROM devices dv JOIN macs m ON "
	  "m.id = dv.mac WHERE dv.name = ? COLLATE NOCASE)" },
	{ "iface", p_text, false, "f.iface IN (SELECT id FROM ifaces WHERE "
	  "name = ?)", QUERY_SK_IFACE, "key = ?" },
	{ "asn", p_num, false, "f.asn = ?", QUERY_SK_ASN, "key = ?" },
	{ "vlan", p_num, false, "f.vlan = ?", NO_SERIES("they keep no VLANs") },
	{ "country", p_country, false, "f.country = ?", QUERY_SK_COUNTRY,
	  "key = ?" },
	{ "name", p_name, false, NULL, NO_SERIES("they keep no names") },
	{ "bytes", p_cmp, false, "f.bytes_cs + f.bytes_sc",
	  NO_SERIES("they hold sums, not flows to compare") },
	{ "packets", p_cmp, false, "f.pkts_cs + f.pkts_sc",
	  NO_SERIES("they hold sums, not flows to compare") },
	{ "duration", p_cmp, false, "f.last_us - f.first_us",
	  NO_SERIES("they hold sums, not flows to compare") },
};

#define FILTER_KEYWORDS "host, net, port, mac, local, remote, proto, app, " \
	"category, vendor, device, iface, asn, vlan, country, name, bytes, " \
	"packets, duration, src, dst, not or '('"

/*
 * Series: whether pr, at kw (after side_t when not NULL), can be answered
 * from the series, and reads the same kind as the primitives before it.
 */
static int
series_check(struct parser *p, const struct prim *pr, const struct tok *kw,
    const struct tok *side_t)
{
	if (pr->sk < 0)
		return perr(p, kw, "'%s' cannot be answered from the series "
		    "(%s): use top or flows", pr->kw, pr->scol);
	if (side_t)
		return perr(p, side_t, "'%.*s' has no meaning in the series (a "
		    "host's rows hold what it sent and received): use 'host', "
		    "or top or flows", (int)side_t->len, p->s + side_t->off);
	if (p->sk >= 0 && p->sk != pr->sk)
		return perr(p, kw, "'%s' reads %s but '%.*s' at column %zu "
		    "reads %s, and the series keep each kind apart: use top "
		    "or flows to combine them", pr->kw,
		    query_skind_noun(pr->sk), (int)p->sk_tok.len,
		    p->s + p->sk_tok.off, p->sk_tok.off + 1,
		    query_skind_noun(p->sk));
	p->sk = pr->sk;
	p->sk_tok = *kw;
	return 0;
}

static int
parse_primitive(struct parser *p, const char *after)
{
	enum side side = SIDE_ANY;
	const char *side_kw = NULL;
	struct tok side_t, kw;
	char buf[64];
	int rc;

	if (p->t.kind != TOK_WORD || tok_is(p, &p->t, "and") ||
	    tok_is(p, &p->t, "or")) {
		if (after)
			return perr_expected(p, "a primitive, 'not' or '('",
			    after);
		return perr(p, &p->t, "expected a primitive, 'not' or '(', "
		    "got %s", tok_show(p, &p->t, buf, sizeof(buf)));
	}
	if (tok_is(p, &p->t, "src") || tok_is(p, &p->t, "dst")) {
		side = tok_is(p, &p->t, "src") ? SIDE_SRC : SIDE_DST;
		side_kw = side == SIDE_SRC ? "src" : "dst";
		side_t = p->t;
		lex(p);
	}
	for (size_t i = 0; i < sizeof(prims) / sizeof(prims[0]); i++) {
		if (!tok_is(p, &p->t, prims[i].kw) ||
		    (side_kw && !prims[i].sided))
			continue;
		kw = p->t;
		rc = p->series ? series_check(p, &prims[i], &kw,
		    side_kw ? &side_t : NULL) : 0;
		if (rc)
			return rc;
		lex(p);
		return prims[i].fn(p, &prims[i], side);
	}
	if (side_kw)
		return perr_expected(p, "host, net, port, mac, local or remote",
		    side_kw);
	return perr(p, &p->t, "unknown keyword %s (expected %s)",
	    tok_show(p, &p->t, buf, sizeof(buf)), FILTER_KEYWORDS);
}

static int parse_expr(struct parser *p, const char *after);

static int
parse_paren(struct parser *p)
{
	struct tok open = p->t;
	char buf[64];
	int rc;

	lex(p);
	rc = emit(p, "(");
	if (!rc)
		rc = parse_expr(p, "(");
	if (rc)
		return rc;
	if (p->t.kind != TOK_RP)
		return perr(p, &p->t, "unbalanced parentheses: expected ')' "
		    "for the '(' at column %zu, got %s", open.off + 1,
		    tok_show(p, &p->t, buf, sizeof(buf)));
	lex(p);
	return emit(p, ")");
}

static int
parse_factor(struct parser *p, const char *after)
{
	int rc;

	if (++p->depth > FILTER_DEPTH_MAX)
		return perr(p, &p->t, "nested deeper than %d",
		    FILTER_DEPTH_MAX);
	if (tok_is(p, &p->t, "not")) {
		lex(p);
		rc = emit(p, "NOT ");
		if (!rc)
			rc = parse_factor(p, "not");
	} else if (p->t.kind == TOK_LP) {
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
	return p->t.kind == TOK_END || p->t.kind == TOK_RP ||
	    tok_is(p, &p->t, "or");
}

static int
parse_term(struct parser *p, const char *after)
{
	size_t start = p->f->len;
	int rc, n = 0;

	rc = parse_factor(p, after);
	while (!rc && !ends_term(p)) {
		after = NULL;
		if (tok_is(p, &p->t, "and")) {
			after = "and";
			lex(p);
		}
		rc = emit(p, " AND ");
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
	while (!rc && tok_is(p, &p->t, "or")) {
		lex(p);
		rc = emit(p, " OR ");
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

	lex(p);
	if (p->t.kind == TOK_END)
		return perr(p, &p->t, "empty expression");
	/* "other" (key -1) holds keys unknown: no filter may select it. */
	rc = p->series ? emit(p, "key != -1 AND (") : 0;
	if (!rc)
		rc = parse_expr(p, NULL);
	if (!rc && p->series)
		rc = emit(p, ")");
	if (rc)
		return rc;
	if (p->t.kind == TOK_RP)
		return perr(p, &p->t, "unbalanced parentheses: ')' without "
		    "a '('");
	if (p->t.kind != TOK_END)
		return perr(p, &p->t, "unexpected trailing input");
	return 0;
}

/* Compile p->s into a new filter for p's target. */
static int
compile_new(struct parser *p, struct filter **out)
{
	int rc;

	*out = NULL;
	if (!p->s)
		p->s = "";
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
	*out = p->f;
	return 0;
out_free:
	filter_free(p->f);
	return rc;
}

int
filter_compile(const char *expr, struct filter **out, struct ft_err *err)
{
	struct parser p = { .s = expr, .err = err };

	return compile_new(&p, out);
}

int
filter_compile_series(const char *expr, struct filter **out,
    enum query_skind *kind, struct ft_err *err)
{
	struct parser p = { .s = expr, .err = err, .series = true, .sk = -1 };
	int rc = compile_new(&p, out);

	if (!rc)
		*kind = (enum query_skind)p.sk;
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
