/* test_agg.c: summing flow records: open flows, parts, distinct counts */
#include <stdlib.h>
#include <string.h>

#include "../../src/agg/agg.h"
#include "ut.h"

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
	struct agg_distinct s;
	size_t live = FLOWS, i;
	int64_t g[2];
	bool fresh[2];
	unsigned seed = 7;

	agg_distinct_init(&s);
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
		UT_EQ(agg_distinct_see(&s, 1 + (int64_t)(i & 1), (int64_t)i,
		    --left[i] == 0, g, 2, fresh), 0);
		got[g[0]] += fresh[0];
		UT_ASSERT(!fresh[1]);
		live -= left[i] == 0;
	}
	UT_EQ(s.open.n, 0);
	for (i = 0; i < GROUPS; i++)
		UT_EQ(got[i], want[i]);
	agg_distinct_fini(&s);
}

/* A record of top --by host lands in one group per end. */
static void
a_flow_counts_in_each_group_it_enters(void)
{
	struct agg_distinct s;
	int64_t g[2] = { 3, 4 };
	bool fresh[2];

	agg_distinct_init(&s);
	UT_EQ(agg_distinct_see(&s, 1, 9, false, g, 2, fresh), 0);
	UT_ASSERT(fresh[0] && fresh[1]);
	UT_EQ(agg_distinct_see(&s, 1, 9, false, g, 2, fresh), 0);
	UT_ASSERT(!fresh[0] && !fresh[1]);
	g[0] = 5;	/* its application became known: a new group */
	UT_EQ(agg_distinct_see(&s, 1, 9, false, g, 2, fresh), 0);
	UT_ASSERT(fresh[0] && !fresh[1]);
	g[0] = 3;	/* and back: counted there already */
	UT_EQ(agg_distinct_see(&s, 1, 9, true, g, 2, fresh), 0);
	UT_ASSERT(!fresh[0] && !fresh[1]);
	UT_EQ(s.open.n, 0);
	g[1] = -1;	/* one record, final: counted, never kept */
	UT_EQ(agg_distinct_see(&s, 2, 9, true, g, 2, fresh), 0);
	UT_ASSERT(fresh[0] && !fresh[1]);
	UT_EQ(s.open.n, 0);
	agg_distinct_fini(&s);
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
	struct agg_per_flow t;
	uint64_t *v, seen = 0, sum = 0, want = 0;
	int64_t f, id[2];
	size_t it = 0;
	bool fresh;

	agg_per_flow_init(&t, 2 * sizeof(uint64_t));
	for (f = 0; f < FLOWS; f++) {
		v = agg_per_flow_get(&t, 1 + (f & 3), f, &fresh);
		UT_ASSERT(v && fresh && v[0] == 0 && v[1] == 0);
		v[0] = (uint64_t)f;
		v[1] = ~(uint64_t)f;
		if (f >= LIVE) {
			v = agg_per_flow_find(&t, 1 + ((f - LIVE) & 3),
			    f - LIVE);
			UT_ASSERT(v && v[0] == (uint64_t)(f - LIVE) &&
			    v[1] == ~(uint64_t)(f - LIVE));
			agg_per_flow_del(&t, 1 + ((f - LIVE) & 3), f - LIVE);
			UT_ASSERT(!agg_per_flow_find(&t, 1 + ((f - LIVE) & 3),
			    f - LIVE));
		}
	}
	UT_EQ(t.n, LIVE);
	v = agg_per_flow_get(&t, 1 + ((FLOWS - 1) & 3), FLOWS - 1, &fresh);
	UT_ASSERT(v && !fresh && v[0] == FLOWS - 1);
	agg_per_flow_del(&t, 9, 9);	/* not kept: nothing happens */
	UT_EQ(t.n, LIVE);
	for (f = FLOWS - LIVE; f < FLOWS; f++)
		want += (uint64_t)f;
	while ((v = agg_per_flow_next(&t, &it, id))) {
		seen++;
		sum += v[0];
		UT_EQ(v[1], ~v[0]);
		UT_EQ(id[1], (int64_t)v[0]);
		UT_EQ(id[0], 1 + (id[1] & 3));
	}
	UT_EQ(seen, LIVE);
	UT_EQ(sum, want);
	agg_per_flow_fini(&t);
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
	struct agg_partials p[3], *lists[3] = { &p[0], &p[1], &p[2] };
	struct agg_per_flow out;
	uint64_t v, *got;
	size_t k;

	for (k = 0; k < 3; k++) {
		agg_partials_init(&p[k], sizeof(v));
		v = 10 * (k + 1);
		UT_EQ(agg_partials_add(&p[k], 1, 7, &v), 0); /* in all three */
	}
	v = 5;
	UT_EQ(agg_partials_add(&p[1], 2, 7, &v), 0);	/* another run */
	for (k = 0; k < 200; k++) {			/* rooms grow */
		v = k;
		UT_EQ(agg_partials_add(&p[2], 3, (int64_t)k, &v), 0);
	}
	agg_per_flow_init(&out, sizeof(v));
	UT_EQ(agg_partials_sum(lists, 3, add_u64, &out), 0);
	UT_EQ(out.n, 202);
	got = agg_per_flow_find(&out, 1, 7);
	UT_ASSERT(got && *got == 60);
	got = agg_per_flow_find(&out, 2, 7);
	UT_ASSERT(got && *got == 5);
	got = agg_per_flow_find(&out, 3, 199);
	UT_ASSERT(got && *got == 199);
	agg_per_flow_fini(&out);
	for (k = 0; k < 3; k++)
		agg_partials_fini(&p[k]);
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

/*
 * A record is its flow's first when it holds packets and starts at the
 * flow's start, late when it holds a packet older than that; an empty
 * final record (its time is the flow's last packet) is neither.
 */
static void
records_are_first_late_or_neither(void)
{
	static const struct {
		uint64_t pkts;
		int64_t first_us, start_us;
		bool first, late;
	} cases[] = {
		{ 3, 100, 100, true, false },	/* the flow's first */
		{ 3, 200, 100, false, false },	/* a later delta */
		{ 1, 50, 100, false, true },	/* older than the start */
		{ 0, 100, 100, false, false },	/* empty final record */
		{ 0, 50, 100, false, false },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		UT_EQ(agg_record_is_first(cases[i].pkts, cases[i].first_us,
		    cases[i].start_us), cases[i].first);
		UT_EQ(agg_record_is_late(cases[i].pkts, cases[i].first_us,
		    cases[i].start_us), cases[i].late);
	}
}

int
main(void)
{
	UT_RUN(records_are_first_late_or_neither);
	UT_RUN(open_flows_keep_their_values_while_others_leave);
	UT_RUN(partials_of_several_parts_sum_per_flow);
	UT_RUN(merged_flows_are_done_once_across_parts);
	UT_RUN(each_flow_counts_once_and_leaves_at_its_final_record);
	UT_RUN(a_flow_counts_in_each_group_it_enters);
	return UT_DONE();
}
