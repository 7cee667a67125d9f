/* store_conv_int.h: what store_conv.c and store_conv_sum.c share */
#ifndef STORE_CONV_INT_H
#define STORE_CONV_INT_H

#include "../agg/agg.h"
#include "../base/ft_groups.h"
#include "../model/ft_conv.h"
#include "store_int.h"

#define CONV_FORWARD_MAX 48	/* hours rolled forward by one commit */

#define CONV_MIN(a, b) ((a) < (b) ? (a) : (b))
#define CONV_MAX(a, b) ((a) > (b) ? (a) : (b))

/*
 * An edge's key in an hour's sums: protocol, server port (2 bytes, high
 * first), local, client, server (FT_CONV_ADDR each).
 */
#define CONV_EDGE_KEY (4 + 2 * FT_CONV_ADDR)

/*
 * Ceilings of one hour's sums; past one the hour is read back (live) or
 * left to the flow records (read back): memory stays bounded whatever
 * the traffic (about 190 bytes an open flow, 160 a part, 170 an edge).
 */
#define CONV_OPEN_MAX (1u << 17)		/* flows open at once */
#define CONV_PARTS_MAX (1u << 17)		/* flows done, not whole */
#define CONV_EDGES_MAX (1u << 17)		/* edges */

/*
 * One hour's flows summed as records come (from the writer, or read
 * back): a flow leaves `open` at its final record, into an edge when its
 * first record was in the hour too (and the map's rule has nothing to
 * decide), else into `parts`. Records of a flow come with the final one
 * last, in both orders (conv.md).
 */
struct conv_hour {
	int64_t hour;			/* its start, microseconds */
	uint64_t records;		/* records summed */
	struct agg_per_flow open;	/* (run, flow) -> struct ft_conv_flow */
	struct ft_groups edges;		/* CONV_EDGE_KEY -> ft_conv_edge_sums */
	struct ft_conv_part *parts;	/* flows done, not whole in the hour */
	size_t n_parts, cap_parts;
	int64_t *raw;			/* later hours a late record reaches */
	size_t n_raw, cap_raw;
	bool over;			/* a ceiling passed (or no memory) */
};

/* An hour summed while its records are written (store_conv_note). */
struct store_conv_live {
	struct conv_hour sums;
};

static inline int64_t
conv_hour_of(int64_t t)
{
	return t - t % STORE_HOUR_US;
}

/* store_conv_sum.c */

/* Append x to (*v, *n, *cap) unless among the last four; -FT_ENOMEM. */
int conv_push(int64_t **v, size_t *n, size_t *cap, int64_t x);

/* Record r's flags made the flow's; true when it is late. */
bool conv_record_flags(struct ft_conv_flow *r, int64_t flags);

void conv_hour_init(struct conv_hour *a, int64_t h);
void conv_hour_fini(struct conv_hour *a);

/*
 * Record r of flow (run, flow) into hour a (late: older than its flow's
 * start); -FT_EFULL past a ceiling, -FT_ENOMEM.
 */
int conv_hour_add(struct store *st, struct conv_hour *a, int64_t run,
    int64_t flow, const struct ft_conv_flow *r, bool late);

/* Hour h's records read back into a; -FT_EFULL past a ceiling. */
int conv_read_back(struct store *st, int64_t h, struct conv_hour *a,
    struct ft_err *err);

/* The live sums (store_conv_note): slot i freed; hour h given up. */
void conv_live_free(struct store_conv *c, size_t i);
void conv_live_drop(struct store_conv *c, int64_t h, bool over);

/* Hours that passed a ceiling while summed live. */
bool conv_was_over(const struct store_conv *c, int64_t h);
void conv_forget_over(struct store_conv *c, int64_t h);

/* Forget the cached application names (a rollback may reuse ids). */
void conv_apps_clear(struct store_conv *c);

#endif
