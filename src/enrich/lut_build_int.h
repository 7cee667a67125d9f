/* lut_build_int.h: the lookup builder's state, shared by lut_build/compile.c */
#ifndef LUT_BUILD_INT_H
#define LUT_BUILD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lut_int.h"

/* A growable array with a ceiling of LUT_MAX_ROWS elements. */
struct vec {
	void *p;		/* elements */
	size_t n, cap;		/* used, allocated */
	size_t size;		/* bytes per element */
};

/* Deduplicated texts; offset 0 is "". */
struct strtab {
	char *buf;		/* texts, NUL-ended */
	size_t len, cap;	/* bytes used, allocated */
	uint32_t *slot;		/* open addressing: offsets, 0 = empty */
	size_t n_slot, used;	/* slots, filled */
};

/* uint64 key -> record index (1-based), open addressing. */
struct idmap {
	uint64_t *key;		/* keys */
	uint32_t *val;		/* 0 = empty */
	size_t cap, used;	/* slots, filled */
};

struct brange {			/* one source range */
	struct lut_key start, end;	/* inclusive */
	uint32_t val;		/* value */
	uint32_t seq;		/* input order, later wins ties */
};

struct bent1 {			/* level-1 entry */
	uint64_t unit;		/* bucket and stored key bits */
	uint32_t val;		/* value or SPLIT */
};

struct bent2 {			/* level-2 entry, or a flattened segment */
	struct lut_key key;	/* first key */
	uint32_t val;		/* value */
};

struct btab {			/* one table being built */
	struct vec ranges;	/* struct brange, from the sources */
	struct vec l1, l2;	/* struct bent1, struct bent2 */
	int width, key_bytes;	/* key bits, stored bytes per level-1 key */
	uint32_t n_values;	/* bound of values */
	uint32_t split;		/* SPLIT marker of the chosen value width */
	int val_bytes;		/* 1 to 4 */
	void *out[6];		/* idx, keys, vals, keys2, vals2, samples */
};

struct builder {
	struct strtab str;	/* all texts */
	struct vec asrecs;	/* struct lut_asrec */
	struct vec vendrecs;	/* struct lut_vendrec */
	struct idmap asmap;	/* (asn, org) -> asrec */
	struct idmap vendmap;	/* (short, long) -> vendrec */
	uint8_t cc_map[26 * 26];	/* country code -> value */
	char cc[256][2];	/* value -> country code */
	uint32_t n_cc;		/* values used, 0 unused */
	struct btab tab[LUT_N_KINDS];	/* by kind */
	enum lut_kind cur;	/* kind of the source being read */
	uint32_t seq;		/* rows so far */
	struct lut_hdr hdr;	/* what goes first */
	struct lut_sources *src;	/* caller's, for progress */
};

int lut_vec_push(struct vec *v, const void *e, struct ft_err *err);
void lut_vec_free(struct vec *v);
void lut_progress(struct builder *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int lut_compile_tab(struct btab *t, struct ft_err *err);
int lut_materialize(struct btab *t, struct lut_tab_hdr *h, struct ft_err *err);
int lut_write(struct builder *b, const char *out, struct ft_err *err);

#endif
