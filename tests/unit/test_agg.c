/* test_agg.c: hash aggregation for reports */
/*
 * Groups by key, and flows counted once per group while records stream in time
 * order.
 */
#include <stdlib.h>
#include <string.h>

#include "../../src/base/agg.h"
#include "ut.h"

static void
a_key_finds_its_own_group_after_many_rehashes(void)
{
	struct agg a;
	uint8_t key[20];
	uint32_t i;
	int64_t g;

	agg_init(&a, sizeof(key), sizeof(struct agg_sums), 1000000);
	for (i = 0; i < 100000; i++) {
		memset(key, 0, sizeof(key));
		memcpy(key + 7, &i, sizeof(i));
		g = agg_get(&a, key);
		UT_EQ(g, (int64_t)i);
		((struct agg_sums *)agg_val(&a, (size_t)g))->packets = i;
	}
	UT_EQ(a.n, 100000);
	for (i = 0; i < 100000; i += 997) {
		memset(key, 0, sizeof(key));
		memcpy(key + 7, &i, sizeof(i));
		g = agg_get(&a, key);
		UT_EQ(g, (int64_t)i);
		UT_EQ(((struct agg_sums *)agg_val(&a, (size_t)g))->packets, i);
		UT_ASSERT(!memcmp(agg_key(&a, (size_t)g), key, sizeof(key)));
	}
	UT_EQ(a.n, 100000);
	agg_fini(&a);
}

static void
a_new_group_past_the_ceiling_is_refused(void)
{
	struct agg a;
	uint64_t k;

	agg_init(&a, sizeof(k), 0, 3);
	for (k = 0; k < 3; k++)
		UT_EQ(agg_get(&a, &k), (int64_t)k);
	UT_EQ(agg_get(&a, &k), -FT_EFULL);
	k = 1;
	UT_EQ(agg_get(&a, &k), 1);
	agg_fini(&a);
}

/*
 * 20,000 flows of 1 to 4 records each, interleaved as a scan in time
 * order would see them, each flow in one group of 50: a flow counts once
 * in its group whatever its records' order among others, and the set is
 * empty once every flow's final record went by.
 */
static void
each_flow_counts_once_and_leaves_at_its_final_record(void)
{
	enum { FLOWS = 20000, GROUPS = 50 };
	static int left[FLOWS];
	uint64_t want[GROUPS] = { 0 }, got[GROUPS] = { 0 };
	struct agg_flows s;
	size_t live = FLOWS, i;
	int64_t g[2];
	bool fresh[2];
	unsigned seed = 7;

	agg_flows_init(&s);
	for (i = 0; i < FLOWS; i++) {
		left[i] = 1 + (int)(i % 4);
		want[i % GROUPS]++;
	}
	while (live) {
		seed = seed * 1103515245u + 12345u;
		i = (seed >> 8) % FLOWS;
		if (!left[i])
			continue;
		g[0] = (int64_t)(i % GROUPS);
		g[1] = -1;
		UT_EQ(agg_flows_see(&s, 1 + (int64_t)(i & 1), (int64_t)i,
		    --left[i] == 0, g, 2, fresh), 0);
		got[g[0]] += fresh[0];
		UT_ASSERT(!fresh[1]);
		live -= left[i] == 0;
	}
	UT_EQ(s.open.n, 0);
	for (i = 0; i < GROUPS; i++)
		UT_EQ(got[i], want[i]);
	agg_flows_fini(&s);
}

/* A record of top --by host lands in one group per end. */
static void
a_flow_counts_in_each_group_it_enters(void)
{
	struct agg_flows s;
	int64_t g[2] = { 3, 4 };
	bool fresh[2];

	agg_flows_init(&s);
	UT_EQ(agg_flows_see(&s, 1, 9, false, g, 2, fresh), 0);
	UT_ASSERT(fresh[0] && fresh[1]);
	UT_EQ(agg_flows_see(&s, 1, 9, false, g, 2, fresh), 0);
	UT_ASSERT(!fresh[0] && !fresh[1]);
	g[0] = 5;	/* its application became known: a new group */
	UT_EQ(agg_flows_see(&s, 1, 9, false, g, 2, fresh), 0);
	UT_ASSERT(fresh[0] && !fresh[1]);
	g[0] = 3;	/* and back: counted there already */
	UT_EQ(agg_flows_see(&s, 1, 9, true, g, 2, fresh), 0);
	UT_ASSERT(!fresh[0] && !fresh[1]);
	UT_EQ(s.open.n, 0);
	g[1] = -1;	/* one record, final: counted, never kept */
	UT_EQ(agg_flows_see(&s, 2, 9, true, g, 2, fresh), 0);
	UT_ASSERT(fresh[0] && !fresh[1]);
	UT_EQ(s.open.n, 0);
	agg_flows_fini(&s);
}

/* find never makes a group; a value is zero when made and stays put. */
static void
find_only_finds_and_values_start_at_zero(void)
{
	struct agg a;
	uint64_t k = 42, *v;

	agg_init(&a, sizeof(k), 3 * sizeof(uint64_t), 100);
	UT_EQ(agg_find(&a, &k), -1);
	UT_EQ(agg_get(&a, &k), 0);
	v = agg_val(&a, 0);
	UT_EQ(v[0] + v[1] + v[2], 0);
	v[2] = 7;
	k = 43;
	UT_EQ(agg_find(&a, &k), -1);
	UT_EQ(a.n, 1);
	UT_EQ(agg_get(&a, &k), 1);
	k = 42;
	UT_EQ(agg_find(&a, &k), 0);
	UT_EQ(((uint64_t *)agg_val(&a, 0))[2], 7);
	UT_EQ(agg_key(&a, 1)[0], 43);
	agg_fini(&a);
}

/*
 * 50,000 flows come and go, a third of them at once: each keeps its own
 * value through the others' removals and rehashes, and next() visits
 * exactly the flows still kept.
 */
static void
open_flows_keep_their_values_while_others_leave(void)
{
	enum { FLOWS = 50000, LIVE = 16000 };
	struct agg_open t;
	uint64_t *v, seen = 0, sum = 0, want = 0;
	int64_t f, id[2];
	size_t it = 0;
	bool fresh;

	agg_open_init(&t, 2 * sizeof(uint64_t));
	for (f = 0; f < FLOWS; f++) {
		v = agg_open_get(&t, 1 + (f & 3), f, &fresh);
		UT_ASSERT(v && fresh && v[0] == 0 && v[1] == 0);
		v[0] = (uint64_t)f;
		v[1] = ~(uint64_t)f;
		if (f >= LIVE) {
			v = agg_open_find(&t, 1 + ((f - LIVE) & 3), f - LIVE);
			UT_ASSERT(v && v[0] == (uint64_t)(f - LIVE) &&
			    v[1] == ~(uint64_t)(f - LIVE));
			agg_open_del(&t, 1 + ((f - LIVE) & 3), f - LIVE);
			UT_ASSERT(!agg_open_find(&t, 1 + ((f - LIVE) & 3),
			    f - LIVE));
		}
	}
	UT_EQ(t.n, LIVE);
	v = agg_open_get(&t, 1 + ((FLOWS - 1) & 3), FLOWS - 1, &fresh);
	UT_ASSERT(v && !fresh && v[0] == FLOWS - 1);
	agg_open_del(&t, 9, 9);	/* not kept: nothing happens */
	UT_EQ(t.n, LIVE);
	for (f = FLOWS - LIVE; f < FLOWS; f++)
		want += (uint64_t)f;
	while ((v = agg_open_next(&t, &it, id))) {
		seen++;
		sum += v[0];
		UT_EQ(v[1], ~v[0]);
		UT_EQ(id[1], (int64_t)v[0]);
		UT_EQ(id[0], 1 + (id[1] & 3));
	}
	UT_EQ(seen, LIVE);
	UT_EQ(sum, want);
	agg_open_fini(&t);
}

static void
add_u64(void *dst, const void *src)
{
	*(uint64_t *)dst += *(const uint64_t *)src;
}

/* A flow in three parts' lists sums into one value; a lone one is copied. */
static void
partials_of_several_parts_sum_per_flow(void)
{
	struct agg_parts p[3], *lists[3] = { &p[0], &p[1], &p[2] };
	struct agg_open out;
	uint64_t v, *got;
	size_t k;

	for (k = 0; k < 3; k++) {
		agg_parts_init(&p[k], sizeof(v));
		v = 10 * (k + 1);
		UT_EQ(agg_parts_add(&p[k], 1, 7, &v), 0);	/* in all three */
	}
	v = 5;
	UT_EQ(agg_parts_add(&p[1], 2, 7, &v), 0);	/* another run */
	for (k = 0; k < 200; k++) {			/* rooms grow */
		v = k;
		UT_EQ(agg_parts_add(&p[2], 3, (int64_t)k, &v), 0);
	}
	agg_open_init(&out, sizeof(v));
	UT_EQ(agg_parts_sum(lists, 3, add_u64, &out), 0);
	UT_EQ(out.n, 202);
	got = agg_open_find(&out, 1, 7);
	UT_ASSERT(got && *got == 60);
	got = agg_open_find(&out, 2, 7);
	UT_ASSERT(got && *got == 5);
	got = agg_open_find(&out, 3, 199);
	UT_ASSERT(got && *got == 199);
	agg_open_fini(&out);
	for (k = 0; k < 3; k++)
		agg_parts_fini(&p[k]);
}

/* What agg_merge's test flows sum: a value and the records in it. */
struct mv {
	uint64_t sum;
	uint64_t recs;
	int64_t flow;
};

static void
mv_merge(void *dst, const void *src)
{
	struct mv *d = dst;
	const struct mv *x = src;

	d->sum += x->sum;
	d->recs += x->recs;
}

static struct mv mv_done_at[8];	/* by flow: what done got, summed */
static int mv_done_n[8];	/* and how often */

static int
mv_done(void *ctx, const void *val)
{
	const struct mv *v = val;

	(void)ctx;
	mv_done_at[v->flow].sum += v->sum;
	mv_done_at[v->flow].recs += v->recs;
	mv_done_n[v->flow]++;
	return 0;
}

/* One record of flow f into part m: start 100, first at t, final or not. */
static void
mv_add(struct agg_merge *m, int64_t f, uint64_t sum, int64_t t, bool final)
{
	struct mv v = { sum, 1, f };

	UT_EQ(agg_merge_add(m, 1, f, &v, 1, t, 100, final), 0);
}

/*
 * Two parts of one scan: every flow is done exactly once with all its
 * records, whether it is one record, split between the parts, whole in the
 * second, ends with a late record listed before its first, or never ends.
 */
static void
merged_flows_are_done_once_across_parts(void)
{
	struct agg_merge p[2], *parts[2] = { &p[0], &p[1] };
	int64_t f;

	memset(mv_done_at, 0, sizeof(mv_done_at));
	memset(mv_done_n, 0, sizeof(mv_done_n));
	agg_merge_init(&p[0], sizeof(struct mv), true, false, mv_merge,
	    mv_done, NULL);
	agg_merge_init(&p[1], sizeof(struct mv), false, true, mv_merge,
	    mv_done, NULL);
	mv_add(&p[0], 1, 1, 100, true);		/* whole in one record */
	mv_add(&p[0], 2, 2, 100, false);	/* split: first in part 0 */
	mv_add(&p[1], 2, 3, 160, true);		/* and final in part 1 */
	mv_add(&p[1], 3, 4, 100, false);	/* whole in part 1 */
	mv_add(&p[1], 3, 5, 160, true);
	mv_add(&p[1], 4, 6, 90, true);		/* late final, listed first */
	mv_add(&p[1], 4, 7, 100, false);	/* then its first record */
	mv_add(&p[0], 5, 8, 100, false);	/* never ends in the range */
	UT_EQ(agg_merge_flush(&p[0]), 0);
	UT_EQ(agg_merge_flush(&p[1]), 0);
	UT_EQ(mv_done_n[2] + mv_done_n[5], 0);	/* waiting for the join */
	UT_EQ(agg_merge_join(parts, 2), 0);
	for (f = 1; f <= 5; f++)
		UT_EQ(mv_done_n[f], 1);
	UT_EQ(mv_done_at[2].sum, 5);
	UT_EQ(mv_done_at[2].recs, 2);
	UT_EQ(mv_done_at[3].sum, 9);
	UT_EQ(mv_done_at[4].sum, 13);
	UT_EQ(mv_done_at[4].recs, 2);
	UT_EQ(mv_done_at[5].sum, 8);
	agg_merge_fini(&p[0]);
	agg_merge_fini(&p[1]);
}

int
main(void)
{
	UT_RUN(a_key_finds_its_own_group_after_many_rehashes);
	UT_RUN(a_new_group_past_the_ceiling_is_refused);
	UT_RUN(find_only_finds_and_values_start_at_zero);
	UT_RUN(open_flows_keep_their_values_while_others_leave);
	UT_RUN(partials_of_several_parts_sum_per_flow);
	UT_RUN(merged_flows_are_done_once_across_parts);
	UT_RUN(each_flow_counts_once_and_leaves_at_its_final_record);
	UT_RUN(a_flow_counts_in_each_group_it_enters);
	return UT_DONE();
}
