/* agg.c: summing flow records: open flows, parts of a scan, distinct counts. */
#include <stdlib.h>
#include <string.h>

#include "../base/ft_groups.h"
#include "../base/ft_hash.h"
#include "agg.h"

/* One kept flow of agg_per_flow. */
struct agg_per_flow_slot {
	int64_t run;		/* 0: empty */
	int64_t flow;
	uint32_t i;		/* its value's index in the pool */
};

void
agg_per_flow_init(struct agg_per_flow *t, size_t val_len)
{
	memset(t, 0, sizeof(*t));
	t->val_len = FT_ROUND8(val_len ? val_len : 1);
}

void
agg_per_flow_fini(struct agg_per_flow *t)
{
	free(t->slots);
	free(t->pool);
	free(t->free_i);
	memset(t, 0, sizeof(*t));
}

static size_t
agg_per_flow_home(size_t n_slots, int64_t run, int64_t flow)
{
	int64_t k[2] = { run, flow };

	return ft_hash((const uint8_t *)k, sizeof(k)) & (n_slots - 1);
}

static int
agg_per_flow_rehash(struct agg_per_flow *t)
{
	size_t n = t->n_slots ? t->n_slots * 2 : 4096, i, j;
	struct agg_per_flow_slot *s = calloc(n, sizeof(*s));

	if (!s)
		return -FT_ENOMEM;
	for (i = 0; i < t->n_slots; i++) {
		if (!t->slots[i].run)
			continue;
		j = agg_per_flow_home(n, t->slots[i].run, t->slots[i].flow);
		while (s[j].run)
			j = (j + 1) & (n - 1);
		s[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = s;
	t->n_slots = n;
	return 0;
}

/* The slot of (run, flow), or the empty one ending its probe run. */
static size_t
agg_per_flow_probe(const struct agg_per_flow *t, int64_t run, int64_t flow)
{
	size_t j = agg_per_flow_home(t->n_slots, run, flow);

	while (t->slots[j].run &&
	    (t->slots[j].run != run || t->slots[j].flow != flow))
		j = (j + 1) & (t->n_slots - 1);
	return j;
}

/* A free value's pool index into *i. */
static int
agg_per_flow_take(struct agg_per_flow *t, uint32_t *i)
{
	size_t cap;
	void *p;

	if (t->n_free) {
		*i = t->free_i[--t->n_free];
		return 0;
	}
	if (t->n_pool == t->cap_pool) {
		cap = t->cap_pool ? 2 * t->cap_pool : 1024;
		if (cap > UINT32_MAX)
			return -FT_ENOMEM;
		p = realloc(t->pool, cap * t->val_len);
		if (!p)
			return -FT_ENOMEM;
		t->pool = p;
		p = realloc(t->free_i, cap * sizeof(*t->free_i));
		if (!p)
			return -FT_ENOMEM;
		t->free_i = p;
		t->cap_pool = cap;
	}
	*i = (uint32_t)t->n_pool++;
	return 0;
}

void *
agg_per_flow_get(struct agg_per_flow *t, int64_t run, int64_t flow, bool *fresh)
{
	struct agg_per_flow_slot *s;
	uint8_t *v;

	*fresh = false;
	if (2 * (t->n + 1) > t->n_slots && agg_per_flow_rehash(t))
		return NULL;
	s = &t->slots[agg_per_flow_probe(t, run, flow)];
	if (s->run)
		return t->pool + (size_t)s->i * t->val_len;
	if (agg_per_flow_take(t, &s->i))
		return NULL;
	s->run = run;
	s->flow = flow;
	t->n++;
	*fresh = true;
	v = t->pool + (size_t)s->i * t->val_len;
	memset(v, 0, t->val_len);
	return v;
}

void *
agg_per_flow_find(const struct agg_per_flow *t, int64_t run, int64_t flow)
{
	const struct agg_per_flow_slot *s;

	if (!t->n)
		return NULL;
	s = &t->slots[agg_per_flow_probe(t, run, flow)];
	return s->run ? t->pool + (size_t)s->i * t->val_len : NULL;
}

/* Forget the flow in slot j, shifting back the entries of its probe run. */
static void
agg_per_flow_del_slot(struct agg_per_flow *t, size_t j)
{
	size_t mask = t->n_slots - 1, k = j, h;

	t->free_i[t->n_free++] = t->slots[j].i;
	for (;;) {
		k = (k + 1) & mask;
		if (!t->slots[k].run)
			break;
		h = agg_per_flow_home(t->n_slots, t->slots[k].run,
		    t->slots[k].flow);
		/* k may move to j when its home is not in (j, k]. */
		if (((k - h) & mask) >= ((k - j) & mask)) {
			t->slots[j] = t->slots[k];
			j = k;
		}
	}
	t->slots[j].run = 0;
	t->n--;
}

void
agg_per_flow_del(struct agg_per_flow *t, int64_t run, int64_t flow)
{
	size_t j;

	if (!t->n)
		return;
	j = agg_per_flow_probe(t, run, flow);
	if (t->slots[j].run)
		agg_per_flow_del_slot(t, j);
}

void *
agg_per_flow_next(const struct agg_per_flow *t, size_t *it, int64_t *id)
{
	const struct agg_per_flow_slot *s;

	while (*it < t->n_slots) {
		s = &t->slots[(*it)++];
		if (!s->run)
			continue;
		if (id) {
			id[0] = s->run;
			id[1] = s->flow;
		}
		return t->pool + (size_t)s->i * t->val_len;
	}
	return NULL;
}

void
agg_partials_init(struct agg_partials *p, size_t val_len)
{
	memset(p, 0, sizeof(*p));
	p->val_len = val_len;
}

void
agg_partials_fini(struct agg_partials *p)
{
	free(p->recs);
	memset(p, 0, sizeof(*p));
}

int
agg_partials_add(struct agg_partials *p, int64_t run, int64_t flow,
    const void *val)
{
	size_t len = 2 * sizeof(int64_t) + FT_ROUND8(p->val_len), cap;
	uint8_t *r;

	if (p->n == p->cap) {
		cap = p->cap ? 2 * p->cap : 64;
		r = realloc(p->recs, cap * len);
		if (!r)
			return -FT_ENOMEM;
		p->recs = r;
		p->cap = cap;
	}
	r = p->recs + p->n++ * len;
	memcpy(r, &run, sizeof(run));
	memcpy(r + sizeof(run), &flow, sizeof(flow));
	memcpy(r + 2 * sizeof(int64_t), val, p->val_len);
	return 0;
}

int
agg_partials_sum(struct agg_partials *const *lists, size_t n,
    void (*merge)(void *dst, const void *src), struct agg_per_flow *out)
{
	const uint8_t *r;
	int64_t run, flow;
	size_t k, i, len;
	bool fresh;
	void *v;

	for (k = 0; k < n; k++) {
		len = 2 * sizeof(int64_t) + FT_ROUND8(lists[k]->val_len);
		for (i = 0; i < lists[k]->n; i++) {
			r = lists[k]->recs + i * len;
			memcpy(&run, r, sizeof(run));
			memcpy(&flow, r + sizeof(run), sizeof(flow));
			v = agg_per_flow_get(out, run, flow, &fresh);
			if (!v)
				return -FT_ENOMEM;
			if (fresh)
				memcpy(v, r + 2 * sizeof(int64_t),
				    lists[k]->val_len);
			else
				merge(v, r + 2 * sizeof(int64_t));
		}
	}
	return 0;
}

#define AGG_MERGE_HDR 8	/* before a kept value: it began in the part */

void
agg_merge_init(struct agg_merge *m, size_t val_len, bool first_part,
    bool last_part, void (*merge)(void *, const void *),
    int (*done)(void *, const void *), void *ctx)
{
	memset(m, 0, sizeof(*m));
	m->val_len = val_len;
	m->first_part = first_part;
	m->last_part = last_part;
	m->merge = merge;
	m->done = done;
	m->ctx = ctx;
	agg_per_flow_init(&m->open, AGG_MERGE_HDR + val_len);
	agg_partials_init(&m->partials, val_len);
}

void
agg_merge_fini(struct agg_merge *m)
{
	agg_per_flow_fini(&m->open);
	agg_partials_fini(&m->partials);
}

/* A kept flow whose records end here (final) or whose part does. */
static int
agg_merge_end(struct agg_merge *m, int64_t run, int64_t flow,
    const uint8_t *kept, bool final)
{
	if (kept[0] && (final || m->last_part))
		return m->done(m->ctx, kept + AGG_MERGE_HDR);
	return agg_partials_add(&m->partials, run, flow, kept + AGG_MERGE_HDR);
}

int
agg_merge_add(struct agg_merge *m, int64_t run, int64_t flow,
    const void *val, uint64_t pkts, int64_t first_us, int64_t start_us,
    bool final)
{
	/* a late record never ends its flow: the time index may list it first */
	return agg_merge_add_sum(m, run, flow, val,
	    agg_record_is_first(pkts, first_us, start_us),
	    final && !agg_record_is_late(pkts, first_us, start_us));
}

int
agg_merge_add_sum(struct agg_merge *m, int64_t run, int64_t flow,
    const void *val, bool first, bool final)
{
	bool fresh;
	uint8_t *kept;
	int rc;

	/* a whole flow in one record, unless records of it came before */
	if (final && first && !(m->open.n && agg_per_flow_find(&m->open, run,
	    flow)))
		return m->done(m->ctx, val);
	kept = agg_per_flow_get(&m->open, run, flow, &fresh);
	if (!kept)
		return -FT_ENOMEM;
	if (fresh) {
		kept[0] = m->first_part;
		memcpy(kept + AGG_MERGE_HDR, val, m->val_len);
	} else {
		m->merge(kept + AGG_MERGE_HDR, val);
	}
	kept[0] |= first;
	if (!final)
		return 0;
	rc = agg_merge_end(m, run, flow, kept, true);
	agg_per_flow_del(&m->open, run, flow);
	return rc;
}

int
agg_merge_flush(struct agg_merge *m)
{
	const uint8_t *kept;
	int64_t id[2];
	size_t it = 0;
	int rc;

	while ((kept = agg_per_flow_next(&m->open, &it, id)))
		if ((rc = agg_merge_end(m, id[0], id[1], kept, false)))
			return rc;
	agg_per_flow_fini(&m->open);
	return 0;
}

int
agg_merge_join(struct agg_merge *const *parts, size_t n)
{
	struct agg_partials *lists[AGG_MERGE_PARTS];
	struct agg_per_flow all;
	const void *v;
	size_t k, it = 0;
	int rc;

	if (n > sizeof(lists) / sizeof(lists[0]))
		return -FT_EINVAL;
	for (k = 0; k < n; k++)
		lists[k] = &parts[k]->partials;
	agg_per_flow_init(&all, parts[0]->val_len);
	rc = agg_partials_sum(lists, n, parts[0]->merge, &all);
	while (!rc && (v = agg_per_flow_next(&all, &it, NULL)))
		rc = parts[0]->done(parts[0]->ctx, v);
	agg_per_flow_fini(&all);
	return rc;
}

void
agg_distinct_init(struct agg_distinct *s)
{
	agg_per_flow_init(&s->open, sizeof(int32_t[2][2]));
}

void
agg_distinct_fini(struct agg_distinct *s)
{
	agg_per_flow_fini(&s->open);
}

/* Whether the flow was counted in group g lately (at either end). */
static bool
agg_distinct_was(int32_t (*x)[2], int64_t g)
{
	return x[0][0] == g || x[0][1] == g || x[1][0] == g || x[1][1] == g;
}

/* The groups of a flow's record: which are new to it, then remembered. */
static void
agg_distinct_count(int32_t (*x)[2], const int64_t *g, size_t n_g, bool *new_g)
{
	size_t i;

	for (i = 0; i < n_g && i < 2; i++) {
		new_g[i] = g[i] >= 0 && !agg_distinct_was(x, g[i]);
		if (new_g[i] || (g[i] >= 0 && x[i][0] != g[i])) {
			x[i][1] = x[i][0];
			x[i][0] = (int32_t)g[i];
		}
	}
}

int
agg_distinct_see(struct agg_distinct *s, int64_t run, int64_t flow,
    bool final, const int64_t *g, size_t n_g, bool *new_g)
{
	struct agg_per_flow *t = &s->open;
	int32_t (*x)[2];
	bool fresh;
	size_t i, j;

	if (final) {	/* one probe: the flow leaves, if it was kept */
		j = t->n ? agg_per_flow_probe(t, run, flow) : 0;
		if (!t->n || !t->slots[j].run) {
			for (i = 0; i < n_g; i++)
				new_g[i] = g[i] >= 0;
			return 0;
		}
		x = (int32_t (*)[2])(t->pool + (size_t)t->slots[j].i *
		    t->val_len);
		agg_distinct_count(x, g, n_g, new_g);
		agg_per_flow_del_slot(t, j);
		return 0;
	}
	x = agg_per_flow_get(t, run, flow, &fresh);
	if (!x)
		return -FT_ENOMEM;
	if (fresh)
		memset(x, 0xff, sizeof(int32_t[2][2]));
	agg_distinct_count(x, g, n_g, new_g);
	return 0;
}
