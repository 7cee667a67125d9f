/* agg.h: hash aggregation for reports that scan flow records */
/*
 * Groups of fixed-size keys with their values, the flows whose records are
 * still coming, and the set of flows already counted.
 */
#ifndef AGG_H
#define AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ft_err.h"

/* What top's groups sum (and map's edges, among more). */
struct agg_sums {
	uint64_t bytes_cs;	/* client to server */
	uint64_t bytes_sc;	/* server to client */
	uint64_t packets;	/* both ways */
	uint64_t flows;		/* distinct flows counted into the group */
};

#define AGG_ROUND(n) (((n) + 7) & ~(size_t)7)

/*
 * Groups keyed by key_len bytes, each with a value of val_len bytes,
 * numbered 0..n-1 in order of creation. A group's key and value lie
 * together in recs, so a look-up touches one place. Invariant: a slot
 * holds the key's hash in its high 32 bits and index + 1 in its low 32,
 * 0 for empty; at most half the slots are used.
 */
struct agg {
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
void agg_init(struct agg *a, size_t key_len, size_t val_len, size_t max);
void agg_fini(struct agg *a);

/*
 * The index of key's group, made with a zeroed value if new; -FT_ENOMEM
 * (or -FT_EFULL past max) on failure.
 */
int64_t agg_get(struct agg *a, const void *key);

/* The index of key's group, -1 when there is none. */
int64_t agg_find(const struct agg *a, const void *key);

static inline const uint8_t *
agg_key(const struct agg *a, size_t i)
{
	return a->recs + i * a->rec_len;
}

static inline void *
agg_val(const struct agg *a, size_t i)
{
	return a->recs + i * a->rec_len + AGG_ROUND(a->key_len);
}

/*
 * Flows whose records are still coming, keyed by (run, flow), each with
 * a value of val_len bytes. Values live in a pool, so a slot stays small
 * and removing a flow moves no value (growing the pool moves them all:
 * a value's address holds until the next get). Invariant: linear
 * probing, removal shifts back (no tombstones), at most half the slots
 * used; run 0 marks an empty slot (runs count from 1).
 */
struct agg_open {
	struct agg_open_slot *slots;	/* n_slots */
	size_t n_slots;			/* a power of two */
	size_t n;			/* flows kept */
	size_t val_len;			/* rounded up to 8 */
	uint8_t *pool;			/* cap_pool values */
	size_t n_pool;			/* values ever handed out */
	size_t cap_pool;
	uint32_t *free_i;		/* n_free pool indexes to reuse */
	size_t n_free;
};

void agg_open_init(struct agg_open *t, size_t val_len);
void agg_open_fini(struct agg_open *t);

/*
 * The value of flow (run, flow > run 0): made zeroed when missing, and
 * *fresh set then; NULL when out of memory. Valid until the next get.
 */
void *agg_open_get(struct agg_open *t, int64_t run, int64_t flow,
    bool *fresh);

/* The value of flow (run, flow), NULL when it is not kept. */
void *agg_open_find(const struct agg_open *t, int64_t run, int64_t flow);

/* Forget flow (run, flow) if kept. */
void agg_open_del(struct agg_open *t, int64_t run, int64_t flow);

/*
 * The kept flows' values in turn: *it from 0; NULL after the last. id,
 * when not NULL, gets the flow's run and flow.
 */
void *agg_open_next(const struct agg_open *t, size_t *it, int64_t *id);

/*
 * Flows a part of a scan could not finish (query_part.c): their (run,
 * flow) and a value of val_len bytes each, in the order added.
 */
struct agg_parts {
	uint8_t *recs;		/* n records: run, flow, value (8-aligned) */
	size_t n, cap;
	size_t val_len;
};

void agg_parts_init(struct agg_parts *p, size_t val_len);
void agg_parts_fini(struct agg_parts *p);
int agg_parts_add(struct agg_parts *p, int64_t run, int64_t flow,
    const void *val);

/*
 * The flows of lists[0..n-1] summed per (run, flow) into out (an empty
 * agg_open of the same val_len): the first value of a flow copied, the
 * others merged into it by merge(dst, src). 0 or -FT_ENOMEM.
 */
int agg_parts_sum(struct agg_parts *const *lists, size_t n,
    void (*merge)(void *dst, const void *src), struct agg_open *out);

/*
 * Whether a record holding pkts packets, the first at first_us, of a flow
 * that started at start_us, is the flow's first record, or came late (a
 * packet older than the start, from captures merged out of time order;
 * the flow table then keeps the start: docs/internals/flow.md). An empty
 * final record is neither: its time is the flow's last packet.
 */
static inline bool
agg_rec_first(uint64_t pkts, int64_t first_us, int64_t start_us)
{
	return pkts && first_us == start_us;
}

static inline bool
agg_rec_late(uint64_t pkts, int64_t first_us, int64_t start_us)
{
	return pkts && first_us < start_us;
}

/*
 * A part's records summed into whole flows (map, flows): a value of
 * val_len bytes per flow, merge(dst, src) adding one into another. A flow
 * the part saw whole goes to done(ctx, value) at once: it began in the
 * part (its first record is there, or the part is the first) and ended
 * there (its final record, not late, is there, or the part is the last).
 * Others are kept as partials until agg_merge_join() sums them over the
 * parts. Records come in the scan's order: a flow's final record after
 * its others, except a late one, which never ends its flow.
 */
struct agg_merge {
	struct agg_open open;		/* flag byte, then the value */
	struct agg_parts partials;	/* flows it could not finish */
	size_t val_len;
	bool first_part, last_part;
	void (*merge)(void *dst, const void *src);
	int (*done)(void *ctx, const void *val);
	void *ctx;
};

void agg_merge_init(struct agg_merge *m, size_t val_len, bool first_part,
    bool last_part, void (*merge)(void *, const void *),
    int (*done)(void *, const void *), void *ctx);
void agg_merge_fini(struct agg_merge *m);

/*
 * One record of flow (run, flow) as a value; pkts, first_us and start_us
 * as agg_rec_first() reads them, final its FT_REC_FINAL. 0, or the
 * error of done, or -FT_ENOMEM.
 */
int agg_merge_add(struct agg_merge *m, int64_t run, int64_t flow,
    const void *val, uint64_t pkts, int64_t first_us, int64_t start_us,
    bool final);

/*
 * The same for a value summing several records of the flow (the map's
 * hourly conversation parts): first when one of them is the flow's first
 * record, final when one is its final record and not late.
 */
int agg_merge_add_sum(struct agg_merge *m, int64_t run, int64_t flow,
    const void *val, bool first, bool final);

/* The end of the part: the flows still open done, or kept as partials. */
int agg_merge_flush(struct agg_merge *m);

/*
 * The partials of parts[0..n-1] (n <= AGG_MERGE_PARTS) summed per flow
 * and done by parts[0]. 0, or the error of done, or -FT_ENOMEM.
 */
#define AGG_MERGE_PARTS 64
int agg_merge_join(struct agg_merge *const *parts, size_t n);

/*
 * Flows seen while scanning records in time order, so a flow reported as
 * several records counts once per group. A flow stays until its final
 * record; it keeps, for each of up to two ends (a record of `top --by
 * host` lands in one group per end), the last two groups it was counted
 * in: a flow whose application becomes known and changes back counts once
 * in each, as SQL's DISTINCT would; only a third change counts again.
 */
struct agg_flows {
	struct agg_open open;	/* values: int32_t g[2][2], -1 none */
};

void agg_flows_init(struct agg_flows *s);
void agg_flows_fini(struct agg_flows *s);

/*
 * A record of flow (run, flow) lands in groups g[0..n_g-1] (n_g 1 or 2;
 * -1 for none, else below INT32_MAX): sets new_g[i] when the flow was not
 * yet counted in g[i], and forgets the flow when final. 0 or -FT_ENOMEM.
 */
int agg_flows_see(struct agg_flows *s, int64_t run, int64_t flow,
    bool final, const int64_t *g, size_t n_g, bool *new_g);

#endif
