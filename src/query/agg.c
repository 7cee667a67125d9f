/* agg.c: open-addressing hash tables for reports summing flow records in C. */
#include <stdlib.h>
#include <string.h>

#include "agg.h"

/* One flow of agg_flows; run 0 marks an empty slot (runs count from 1). */
struct agg_flow {
	int64_t run;
	int64_t flow;
	int32_t g[2][2];	/* per end, the last two groups it was
				 * counted in, newest first; -1 none */
};

/* FNV-1a over 8-byte words, then a 64-bit finalizer (splitmix). */
static uint64_t
agg_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325u, w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x100000001b3u;
		p += 8;
		n -= 8;
	}
	while (n--)
		h = (h ^ *p++) * 0x100000001b3u;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9u;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebu;
	return h ^ (h >> 31);
}

void
agg_init(struct agg *a, size_t key_len, size_t max)
{
	memset(a, 0, sizeof(*a));
	a->key_len = key_len;
	a->max = max > UINT32_MAX - 1 ? UINT32_MAX - 1 : max;
}

void
agg_fini(struct agg *a)
{
	free(a->keys);
	free(a->sums);
	free(a->slots);
	memset(a, 0, sizeof(*a));
}

/* Double the slots and place every group again. */
static int
agg_rehash(struct agg *a)
{
	size_t n = a->n_slots ? a->n_slots * 2 : 1024, i, j;
	uint32_t *s = calloc(n, sizeof(*s));

	if (!s)
		return -FT_ENOMEM;
	for (i = 0; i < a->n; i++) {
		j = agg_hash(agg_key(a, i), a->key_len) & (n - 1);
		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = (uint32_t)i + 1;
	}
	free(a->slots);
	a->slots = s;
	a->n_slots = n;
	return 0;
}

/* Room for one more group in keys and sums. */
static int
agg_grow(struct agg *a)
{
	size_t cap = a->cap ? a->cap * 2 : 256;
	uint8_t *k;
	struct agg_sums *m;

	if (a->n == a->max)
		return -FT_EFULL;
	if (cap > a->max)
		cap = a->max;
	k = realloc(a->keys, cap * a->key_len);
	if (!k)
		return -FT_ENOMEM;
	a->keys = k;
	m = realloc(a->sums, cap * sizeof(*m));
	if (!m)
		return -FT_ENOMEM;
	a->sums = m;
	a->cap = cap;
	return 0;
}

int64_t
agg_get(struct agg *a, const void *key)
{
	size_t j;
	uint32_t i;
	int rc;

	if (2 * (a->n + 1) > a->n_slots && (rc = agg_rehash(a)))
		return rc;
	j = agg_hash(key, a->key_len) & (a->n_slots - 1);
	while ((i = a->slots[j])) {
		if (!memcmp(agg_key(a, i - 1), key, a->key_len))
			return i - 1;
		j = (j + 1) & (a->n_slots - 1);
	}
	if (a->n == a->cap && (rc = agg_grow(a)))
		return rc;
	memcpy(a->keys + a->n * a->key_len, key, a->key_len);
	memset(&a->sums[a->n], 0, sizeof(a->sums[0]));
	a->slots[j] = (uint32_t)++a->n;
	return (int64_t)a->n - 1;
}

void
agg_flows_init(struct agg_flows *s)
{
	memset(s, 0, sizeof(*s));
}

void
agg_flows_fini(struct agg_flows *s)
{
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

static size_t
agg_flows_home(const struct agg_flows *s, int64_t run, int64_t flow)
{
	int64_t k[2] = { run, flow };

	return agg_hash((const uint8_t *)k, sizeof(k)) & (s->n_slots - 1);
}

static int
agg_flows_rehash(struct agg_flows *s)
{
	size_t n = s->n_slots ? s->n_slots * 2 : 4096, i, j;
	struct agg_flow *x = calloc(n, sizeof(*x)), *old = s->slots;
	size_t n_old = s->n_slots;

	if (!x)
		return -FT_ENOMEM;
	s->slots = x;
	s->n_slots = n;
	for (i = 0; i < n_old; i++) {
		if (!old[i].run)
			continue;
		j = agg_flows_home(s, old[i].run, old[i].flow);
		while (x[j].run)
			j = (j + 1) & (n - 1);
		x[j] = old[i];
	}
	free(old);
	return 0;
}

/* Empty slot j, shifting back the entries of its probe run. */
static void
agg_flows_del(struct agg_flows *s, size_t j)
{
	size_t mask = s->n_slots - 1, k = j, h;

	for (;;) {
		s->slots[j].run = 0;
		for (;;) {
			k = (k + 1) & mask;
			if (!s->slots[k].run)
				goto out;
			h = agg_flows_home(s, s->slots[k].run, s->slots[k].flow);
			/* k may move to j when its home is not in (j, k]. */
			if (j <= k ? (h <= j || h > k) : (h <= j && h > k))
				break;
		}
		s->slots[j] = s->slots[k];
		j = k;
	}
out:
	s->n--;
}

/* Whether the flow was counted in group g lately (at either end). */
static bool
agg_flow_was(const struct agg_flow *x, int64_t g)
{
	return x->g[0][0] == g || x->g[0][1] == g || x->g[1][0] == g ||
	    x->g[1][1] == g;
}

int
agg_flows_see(struct agg_flows *s, int64_t run, int64_t flow,
    bool final, const int64_t *g, size_t n_g, bool *new_g)
{
	struct agg_flow *x;
	size_t j, i;
	int rc;

	if (2 * (s->n + 1) > s->n_slots && (rc = agg_flows_rehash(s)))
		return rc;
	j = agg_flows_home(s, run, flow);
	while (s->slots[j].run &&
	    (s->slots[j].run != run || s->slots[j].flow != flow))
		j = (j + 1) & (s->n_slots - 1);
	x = &s->slots[j];
	if (!x->run && final) {
		for (i = 0; i < n_g; i++)
			new_g[i] = g[i] >= 0;
		return 0;
	}
	if (!x->run) {
		x->run = run;
		x->flow = flow;
		memset(x->g, 0xff, sizeof(x->g));
		s->n++;
	}
	for (i = 0; i < n_g && i < 2; i++) {
		new_g[i] = g[i] >= 0 && !agg_flow_was(x, g[i]);
		if (new_g[i] || (g[i] >= 0 && x->g[i][0] != g[i])) {
			x->g[i][1] = x->g[i][0];
			x->g[i][0] = (int32_t)g[i];
		}
	}
	if (final)
		agg_flows_del(s, j);
	return 0;
}
