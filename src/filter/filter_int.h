/* filter_int.h: what filter.c shares with filter_prim.c, for them only */
#ifndef FILTER_INT_H
#define FILTER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter.h"

enum token_kind {
	TOKEN_END, TOKEN_WORD, TOKEN_OPEN, TOKEN_CLOSE, TOKEN_OPERATOR
};

struct token {
	enum token_kind kind;
	size_t offset;		/* in bytes, in the expression */
	size_t len;
};

enum side { SIDE_ANY, SIDE_SRC, SIDE_DST };

struct parser {
	const char *text;	/* the expression */
	size_t pos;		/* where the next token starts */
	struct token token;	/* the current token */
	struct filter *f;
	struct ft_err *err;
	int depth;
	bool series;		/* compile for a series row's kind and key */
	int series_kind;	/* series: the kind read so far, -1 none */
	struct token series_kind_token;	/* the primitive that chose it */
};

struct primitive;
typedef int primitive_fn(struct parser *p, const struct primitive *pr,
    enum side side);

/* One primitive keyword. */
struct primitive {
	const char *keyword;
	primitive_fn *parse;
	bool sided;		/* takes src/dst */
	const char *flows_sql;	/* SQL operand or fragment over flows */
	int series_kind;	/* series: enum query_series_kind it reads, -1 none */
	const char *series_sql;	/* series: the fragment; kind -1: why none */
};

/* In filter.c: the lexer, messages, and the SQL and values built. */

/* Read the next token into p->token. */
void filter_lex(struct parser *p);

/* Whether t is the keyword word, in any case. */
bool filter_token_is(const struct parser *p, const struct token *t,
    const char *word);

/* "end of input" or the token quoted, for messages. */
const char *filter_token_show(const struct parser *p, const struct token *t,
    char *buf, size_t cap);

/* -FT_EPARSE with "filter: column C: MSG", C the column of t. */
int filter_error(struct parser *p, const struct token *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "expected WHAT after 'KW', got X" at the current token. */
int filter_error_expected(struct parser *p, const char *what,
    const char *after);

/* Append frag to the SQL; an error when the filter grows too long. */
int filter_emit(struct parser *p, const char *frag);

/* Bind a copy of n bytes at b as a value of type (text or blob). */
int filter_bind_bytes(struct parser *p, const struct token *t, int type,
    const void *b, size_t n);

/* frag, then its one integer value. */
int filter_emit_int(struct parser *p, const struct token *t, const char *frag,
    int64_t i);

/* frag, then its one text value. */
int filter_emit_text(struct parser *p, const struct token *t, const char *frag,
    const char *s, size_t n);

/*
 * frag[0] (client) or frag[1] (server) for one side, or "(cli OR srv)";
 * frag[2] alone for a series row's key. vals bound after each.
 */
int filter_emit_sided(struct parser *p, const struct token *t, enum side side,
    const char *const frag[3], const struct query_value *v, size_t nv);

/*
 * In filter_prim.c: the primitive t names (only one that takes src/dst
 * when sided), NULL if none.
 */
const struct primitive *filter_primitive_find(const struct parser *p,
    const struct token *t, bool sided);

/*
 * Whether pr on side reads only what a flow's records share and the
 * hourly conversations keep (query_where.flow_const).
 */
bool filter_primitive_flow_const(const struct primitive *pr, enum side side);

#endif
