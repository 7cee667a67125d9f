/* ft_groups.h: groups of fixed-size keys, each with a value, in one hash table. */
#ifndef FT_GROUPS_H
#define FT_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "ft_err.h"

/* n rounded up to a multiple of 8, so what follows stays aligned. */
#define FT_ROUND8(n) (((n) + 7) & ~(size_t)7)

/*
 * Groups keyed by key_len bytes, each with a value of val_len bytes,
 * numbered 0..n-1 in order of creation. A group's key and value lie
 * together in recs, so a look-up touches one place. Invariant: a slot
 * holds the key's hash in its high 32 bits and index + 1 in its low 32,
 * 0 for empty; at most half the slots are used. The caller owns the
 * struct; ft_groups_fini() frees what it holds.
 */
struct ft_groups {
	size_t key_len;		/* bytes of a key, > 0 */
	size_t val_len;		/* bytes of a value */
	size_t rec_len;		/* both, each rounded up to 8 */
	size_t n;		/* groups */
	size_t cap;		/* room in recs */
	size_t max;		/* ceiling of n */
	uint8_t *recs;		/* cap records: key, then value */
	uint64_t *slots;	/* n_slots */
	size_t n_slots;		/* a power of two */
};

/* Empty groups of key_len-byte keys and val_len-byte values, at most max. */
void ft_groups_init(struct ft_groups *g, size_t key_len, size_t val_len,
    size_t max);
void ft_groups_fini(struct ft_groups *g);

/*
 * The index of key's group, made with a zeroed value if new; -FT_ENOMEM
 * (or -FT_EFULL past max) on failure.
 */
int64_t ft_groups_get(struct ft_groups *g, const void *key);

/* The index of key's group, -1 when there is none. */
int64_t ft_groups_find(const struct ft_groups *g, const void *key);

static inline const uint8_t *
ft_groups_key(const struct ft_groups *g, size_t i)
{
	return g->recs + i * g->rec_len;
}

static inline void *
ft_groups_val(const struct ft_groups *g, size_t i)
{
	return g->recs + i * g->rec_len + FT_ROUND8(g->key_len);
}

#endif
