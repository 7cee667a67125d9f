/* agg.h: hash aggregation in C for reports that scan flow records: groups of fixed-size keys with sums, and the set of flows already counted. */
#ifndef AGG_H
#define AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/ft_err.h"

/* What each group sums. */
struct agg_sums {
	uint64_t bytes_cs;	/* client to server */
	uint64_t bytes_sc;	/* server to client */
	uint64_t packets;	/* both ways */
	uint64_t flows;		/* distinct flows counted into the group */
};

/*
 * Groups keyed by key_len bytes, numbered 0..n-1 in order of creation.
 * Invariant: slots holds index + 1 of a group, 0 for empty; at most half
 * the slots are used. Group i's key is at keys + i * key_len.
 */
struct agg {
	size_t key_len;		/* bytes of a key, > 0 */
	size_t n;		/* groups */
	size_t cap;		/* room in keys and sums */
	size_t max;		/* ceiling of n */
	uint8_t *keys;		/* cap keys */
	struct agg_sums *sums;	/* cap sums */
	uint32_t *slots;	/* n_slots: index + 1, 0 empty */
	size_t n_slots;		/* a power of two */
};

/* Empty groups of key_len bytes, at most max of them. */
void agg_init(struct agg *a, size_t key_len, size_t max);
void agg_fini(struct agg *a);

/*
 * The index of key's group, made with zero sums if new; -FT_ENOMEM (or
 * -FT_ERANGE past max) on failure.
 */
int64_t agg_get(struct agg *a, const void *key);

static inline const uint8_t *
agg_key(const struct agg *a, size_t i)
{
	return a->keys + i * a->key_len;
}

/*
 * Flows seen while scanning records in time order, so a flow reported as
 * several records counts once per group. A flow stays until its final
 * record; it keeps, for each of up to two ends (a record of `top --by
 * host` lands in one group per end), the last two groups it was counted
 * in: a flow whose application becomes known and changes back counts once
 * in each, as SQL's DISTINCT would; only a third change counts again.
 * Invariant: probing is linear and removal shifts back, so no tombstones.
 */
struct agg_flows {
	struct agg_flow *slots;	/* n_slots */
	size_t n_slots;		/* a power of two */
	size_t n;		/* flows kept */
};

void agg_flows_init(struct agg_flows *s);
void agg_flows_fini(struct agg_flows *s);

/*
 * A record of flow (run, flow) lands in groups g[0..n_g-1] (n_g 1 or 2;
 * -1 for none, else below INT32_MAX): sets new_g[i] when the flow was not yet counted in g[i],
 * and forgets the flow when final. 0 or -FT_ENOMEM.
 */
int agg_flows_see(struct agg_flows *s, int64_t run, int64_t flow,
    bool final, const int64_t *g, size_t n_g, bool *new_g);

#endif
