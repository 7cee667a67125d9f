/* test_ft_groups.c: groups of fixed-size keys in one hash table. */
#include <stdlib.h>
#include <string.h>

#include "../../src/base/ft_groups.h"
#include "ut.h"

static void
a_key_finds_its_own_group_after_many_rehashes(void)
{
	struct ft_groups a;
	uint8_t key[20];
	uint32_t i;
	int64_t g;

	ft_groups_init(&a, sizeof(key), 4 * sizeof(uint64_t), 1000000);
	for (i = 0; i < 100000; i++) {
		memset(key, 0, sizeof(key));
		memcpy(key + 7, &i, sizeof(i));
		g = ft_groups_get(&a, key);
		UT_EQ(g, (int64_t)i);
		((uint64_t *)ft_groups_val(&a, (size_t)g))[2] = i;
	}
	UT_EQ(a.n, 100000);
	for (i = 0; i < 100000; i += 997) {
		memset(key, 0, sizeof(key));
		memcpy(key + 7, &i, sizeof(i));
		g = ft_groups_get(&a, key);
		UT_EQ(g, (int64_t)i);
		UT_EQ(((uint64_t *)ft_groups_val(&a, (size_t)g))[2], i);
		UT_ASSERT(!memcmp(ft_groups_key(&a, (size_t)g), key,
		    sizeof(key)));
	}
	UT_EQ(a.n, 100000);
	ft_groups_fini(&a);
}

static void
a_new_group_past_the_ceiling_is_refused(void)
{
	struct ft_groups a;
	uint64_t k;

	ft_groups_init(&a, sizeof(k), 0, 3);
	for (k = 0; k < 3; k++)
		UT_EQ(ft_groups_get(&a, &k), (int64_t)k);
	UT_EQ(ft_groups_get(&a, &k), -FT_EFULL);
	k = 1;
	UT_EQ(ft_groups_get(&a, &k), 1);
	ft_groups_fini(&a);
}

/* find never makes a group; a value is zero when made and stays put. */
static void
find_only_finds_and_values_start_at_zero(void)
{
	struct ft_groups a;
	uint64_t k = 42, *v;

	ft_groups_init(&a, sizeof(k), 3 * sizeof(uint64_t), 100);
	UT_EQ(ft_groups_find(&a, &k), -1);
	UT_EQ(ft_groups_get(&a, &k), 0);
	v = ft_groups_val(&a, 0);
	UT_EQ(v[0] + v[1] + v[2], 0);
	v[2] = 7;
	k = 43;
	UT_EQ(ft_groups_find(&a, &k), -1);
	UT_EQ(a.n, 1);
	UT_EQ(ft_groups_get(&a, &k), 1);
	k = 42;
	UT_EQ(ft_groups_find(&a, &k), 0);
	UT_EQ(((uint64_t *)ft_groups_val(&a, 0))[2], 7);
	UT_EQ(ft_groups_key(&a, 1)[0], 43);
	ft_groups_fini(&a);
}

int
main(void)
{
	UT_RUN(a_key_finds_its_own_group_after_many_rehashes);
	UT_RUN(a_new_group_past_the_ceiling_is_refused);
	UT_RUN(find_only_finds_and_values_start_at_zero);
	return UT_DONE();
}
