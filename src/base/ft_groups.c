/* ft_groups.c: groups of fixed-size keys in an open-addressing hash table. */
#include <stdlib.h>
#include <string.h>

#include "ft_groups.h"
#include "ft_hash.h"

void
ft_groups_init(struct ft_groups *g, size_t key_len, size_t val_len,
    size_t max)
{
	memset(g, 0, sizeof(*g));
	g->key_len = key_len;
	g->val_len = val_len;
	g->rec_len = FT_ROUND8(key_len) + FT_ROUND8(val_len);
	g->max = max > UINT32_MAX - 1 ? UINT32_MAX - 1 : max;
}

void
ft_groups_fini(struct ft_groups *g)
{
	free(g->recs);
	free(g->slots);
	memset(g, 0, sizeof(*g));
}

/* A slot for group i of hash h. */
static uint64_t
ft_groups_slot(uint64_t h, size_t i)
{
	return (h & 0xffffffff00000000u) | ((uint64_t)i + 1);
}

/* Double the slots and place every group again. */
static int
ft_groups_rehash(struct ft_groups *g)
{
	size_t n = g->n_slots ? g->n_slots * 2 : 1024, i, j;
	uint64_t *s = calloc(n, sizeof(*s)), h;

	if (!s)
		return -FT_ENOMEM;
	for (i = 0; i < g->n; i++) {
		h = ft_hash(ft_groups_key(g, i), g->key_len);
		j = h & (n - 1);
		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = ft_groups_slot(h, i);
	}
	free(g->slots);
	g->slots = s;
	g->n_slots = n;
	return 0;
}

/* Room for one more group in recs. */
static int
ft_groups_grow(struct ft_groups *g)
{
	size_t cap = g->cap ? g->cap * 2 : 256;
	uint8_t *r;

	if (g->n == g->max)
		return -FT_EFULL;
	if (cap > g->max)
		cap = g->max;
	r = realloc(g->recs, cap * g->rec_len);
	if (!r)
		return -FT_ENOMEM;
	g->recs = r;
	g->cap = cap;
	return 0;
}

/* The slot of key (hash h): its group's, or the empty one ending the run. */
static size_t
ft_groups_probe(const struct ft_groups *g, const void *key, uint64_t h)
{
	size_t j = h & (g->n_slots - 1);
	uint64_t s;

	while ((s = g->slots[j])) {
		if ((s ^ h) >> 32 == 0 && !memcmp(ft_groups_key(g,
		    (uint32_t)s - 1), key, g->key_len))
			break;
		j = (j + 1) & (g->n_slots - 1);
	}
	return j;
}

int64_t
ft_groups_find(const struct ft_groups *g, const void *key)
{
	uint64_t s;

	if (!g->n_slots)
		return -1;
	s = g->slots[ft_groups_probe(g, key, ft_hash(key, g->key_len))];
	return s ? (int64_t)(uint32_t)s - 1 : -1;
}

int64_t
ft_groups_get(struct ft_groups *g, const void *key)
{
	uint64_t h = ft_hash(key, g->key_len);
	uint8_t *r;
	size_t j;
	int rc;

	if (2 * (g->n + 1) > g->n_slots && (rc = ft_groups_rehash(g)))
		return rc;
	j = ft_groups_probe(g, key, h);
	if (g->slots[j])
		return (int64_t)(uint32_t)g->slots[j] - 1;
	if (g->n == g->cap && (rc = ft_groups_grow(g)))
		return rc;
	r = g->recs + g->n * g->rec_len;
	memset(r, 0, g->rec_len);
	memcpy(r, key, g->key_len);
	g->slots[j] = ft_groups_slot(h, g->n);
	return (int64_t)g->n++;
}
