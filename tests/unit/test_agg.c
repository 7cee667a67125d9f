/* test_agg.c: hash aggregation for reports: groups by key, and flows counted once per group while records stream in time order. */
#include <stdlib.h>
#include <string.h>

#include "../../src/query/agg.h"
#include "ut.h"

static void
a_key_finds_its_own_group_after_many_rehashes(void)
{
	struct agg a;
	uint8_t key[20];
	uint32_t i;
	int64_t g;

	agg_init(&a, sizeof(key), 1000000);
	for (i = 0; i < 100000; i++) {
		memset(key, 0, sizeof(key));
		memcpy(key + 7, &i, sizeof(i));
		g = agg_get(&a, key);
		UT_EQ(g, (int64_t)i);
		a.sums[g].packets = i;
	}
	UT_EQ(a.n, 100000);
	for (i = 0; i < 100000; i += 997) {
		memset(key, 0, sizeof(key));
		memcpy(key + 7, &i, sizeof(i));
		g = agg_get(&a, key);
		UT_EQ(g, (int64_t)i);
		UT_EQ(a.sums[g].packets, i);
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

	agg_init(&a, sizeof(k), 3);
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
	UT_EQ(s.n, 0);
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
	UT_EQ(s.n, 0);
	g[1] = -1;	/* one record, final: counted, never kept */
	UT_EQ(agg_flows_see(&s, 2, 9, true, g, 2, fresh), 0);
	UT_ASSERT(fresh[0] && !fresh[1]);
	UT_EQ(s.n, 0);
	agg_flows_fini(&s);
}

int
main(void)
{
	UT_RUN(a_key_finds_its_own_group_after_many_rehashes);
	UT_RUN(a_new_group_past_the_ceiling_is_refused);
	UT_RUN(each_flow_counts_once_and_leaves_at_its_final_record);
	UT_RUN(a_flow_counts_in_each_group_it_enters);
	return UT_DONE();
}
