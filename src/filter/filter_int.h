/* filter_int.h: what filter.c shares with filter_prim.c, for them only */
#ifndef FILTER_INT_H
#define FILTER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter.h"

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

/* In filter.c: the lexer, messages, and the SQL and values built. */

/* Read the next token into p->t. */
void filter_lex(struct parser *p);

/* Whether t is the keyword word, in any case. */
bool filter_tok_is(const struct parser *p, const struct tok *t,
    const char *word);

/* "end of input" or the token quoted, for messages. */
const char *filter_tok_show(const struct parser *p, const struct tok *t,
    char *buf, size_t cap);

/* -FT_EPARSE with "filter: column C: MSG", C the column of t. */
int filter_perr(struct parser *p, const struct tok *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "expected WHAT after 'KW', got X" at the current token. */
int filter_perr_expected(struct parser *p, const char *what,
    const char *after);

/* Append frag to the SQL; an error when the filter grows too long. */
int filter_emit(struct parser *p, const char *frag);

/* Bind a copy of n bytes at b as a value of type (text or blob). */
int filter_bind_bytes(struct parser *p, const struct tok *t, int type,
    const void *b, size_t n);

/* frag, then its one integer value. */
int filter_emit_int(struct parser *p, const struct tok *t, const char *frag,
    int64_t i);

/* frag, then its one text value. */
int filter_emit_text(struct parser *p, const struct tok *t, const char *frag,
    const char *s, size_t n);

/*
 * frag[0] (client) or frag[1] (server) for one side, or "(cli OR srv)";
 * frag[2] alone for a series row's key. vals bound after each.
 */
int filter_emit_sided(struct parser *p, const struct tok *t, enum side side,
    const char *const frag[3], const struct query_value *v, size_t nv);

/*
 * In filter_prim.c: the primitive t names (only one that takes src/dst
 * when sided), NULL if none.
 */
const struct prim *filter_prim_find(const struct parser *p,
    const struct tok *t, bool sided);

/*
 * Whether pr on side reads only what a flow's records share and the
 * hourly conversations keep (query_where.flow_const).
 */
bool filter_prim_flow_const(const struct prim *pr, enum side side);

#endif
