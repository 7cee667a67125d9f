/* store_conv_int.h: what store_conv.c and store_conv_sum.c share */
#ifndef STORE_CONV_INT_H
#define STORE_CONV_INT_H

#include "../base/agg.h"
#include "../model/ft_conv.h"
#include "store_int.h"

#define CV_ADDR 17		/* length byte, then 16 */
#define CV_FWD_MAX 48		/* hours rolled forward by one commit */

#define CV_MIN(a, b) ((a) < (b) ? (a) : (b))
#define CV_MAX(a, b) ((a) > (b) ? (a) : (b))

/* A flow's records of the hour, summed. */
struct cv_flow {
	uint8_t cli[CV_ADDR], srv[CV_ADDR];
	uint8_t proto, local, flags;	/* flags: FT_REC_*, STORE_CONV_FIRST */
	uint16_t cport, sport;
	int64_t app;			/* highest apps.id, -1 none */
	uint64_t bcs, bsc, pcs, psc;
	int64_t t0, t1, start;
	int64_t cn, sn;			/* best name keys, 0 none */
	int64_t cm, sm;			/* highest MAC id of a local end */
};

/* An edge: protocol, server port (2), local, client, server. */
#define CV_EDGE_KEY (4 + 2 * CV_ADDR)

struct cv_edge {
	uint64_t flows, seen, bcs, bsc, pkts;
	int64_t t0, t1, cn, sn, cm, sm, atop;
	int64_t alo, ahi;		/* apps.id of the lowest and highest
					 * application name, -1 none */
};

/* A flow done with in the hour that is not whole in it. */
struct cv_part {
	int64_t run, flow;
	struct cv_flow f;
};

/*
 * Ceilings of one hour's sums; past one the hour is read back (live) or
 * left to the flow records (read back): memory stays bounded whatever
 * the traffic (about 190 bytes an open flow, 160 a part, 170 an edge).
 */
#define CV_OPEN_MAX (1u << 17)		/* flows open at once */
#define CV_PARTS_MAX (1u << 17)		/* flows done, not whole */
#define CV_EDGES_MAX (1u << 17)		/* edges */

/*
 * One hour's flows summed as records come (from the writer, or read
 * back): a flow leaves `open` at its final record, into an edge when its
 * first record was in the hour too (and the map's rule has nothing to
 * decide), else into `parts`. Records of a flow come with the final one
 * last, in both orders (conv.md).
 */
struct cv_acc {
	int64_t hour;
	uint64_t recs;			/* records summed */
	struct agg_open open;		/* (run, flow) -> struct cv_flow */
	struct agg edges;		/* CV_EDGE_KEY -> struct cv_edge */
	struct cv_part *parts;
	size_t n_parts, cap_parts;
	int64_t *raw;			/* later hours a late record reaches */
	size_t n_raw, cap_raw;
	bool over;			/* a ceiling passed (or no memory) */
};

/* An hour summed while its records are written (store_conv_note). */
struct store_conv_live {
	struct cv_acc acc;
};

static inline int64_t
cv_hour(int64_t t)
{
	return t - t % STORE_HOUR_US;
}

/* store_conv_sum.c */

/* Append x to (*v, *n, *cap) unless among the last four; -FT_ENOMEM. */
int conv_push(int64_t **v, size_t *n, size_t *cap, int64_t x);

/* Record r's flags made the flow's; true when it is late. */
bool conv_flags(struct cv_flow *r, int64_t flags);

void conv_acc_init(struct cv_acc *a, int64_t h);
void conv_acc_fini(struct cv_acc *a);

/*
 * Record r of flow (run, flow) into hour a (late: older than its flow's
 * start); -FT_EFULL past a ceiling, -FT_ENOMEM.
 */
int conv_acc_add(struct store *st, struct cv_acc *a, int64_t run,
    int64_t flow, const struct cv_flow *r, bool late);

/* Hour h's records read back into a; -FT_EFULL past a ceiling. */
int conv_read_back(struct store *st, int64_t h, struct cv_acc *a,
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
