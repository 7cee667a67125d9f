/* pipeline.h: decode, flow table, classify, enrich, stats, store, in order */
#ifndef PIPELINE_H
#define PIPELINE_H

#include <stdint.h>

#include "../base/ft_err.h"
#include "../classify/classify.h"
#include "../config/config.h"
#include "../decode/decode.h"
#include "../enrich/enrich.h"
#include "../flow/flow.h"
#include "../model/ft_pkt.h"
#include "../stats/stats.h"
#include "../store/store.h"
#include "../store/store_async.h"

#define PIPELINE_BATCH 512	/* records moved per harvest */
#define PIPELINE_QUEUE 16	/* store queue slots of STORE_ASYNC_SLOT records */
#define PIPELINE_HOLD 1024	/* records held for their final application */
#define PIPELINE_HOLD_S 300	/* seconds of packet time a record is held */

struct pipeline {
	struct decoder *dec;		/* frames -> packets */
	struct flow_table *flows;	/* packets -> flow records */
	struct classifier *cls;		/* applications and names */
	struct enrich *enr;		/* local/remote, ASN, country, names */
	struct stats *stats;		/* per-minute series, NULL when off */
	struct store_async *wq;		/* writer thread of the caller's store, or NULL */
	uint64_t now_us;		/* newest packet time seen */
	uint64_t next_tick_us;		/* packet time of the next harvest */
	uint64_t records;		/* records written to the store */
	uint64_t final_records;		/* of which ended flows */
	uint64_t points;		/* series points handed to the store */
	uint64_t rewinds;		/* times packet time went back over a
					   minute: flows and minutes ended */
	uint64_t forced;		/* flows whose classification the hold
					   bound ended */
	uint64_t provisional;		/* held records that left with a
					   provisional application (hold full) */
	struct ft_flowrec *held;	/* PIPELINE_HOLD deltas of flows still
					   classifying, oldest first; NULL
					   until needed */
	size_t n_held;			/* records in held */
	struct ft_flowrec scratch;	/* labels of a settled flow */
	struct ft_flowrec batch[PIPELINE_BATCH]; /* harvest buffer */
};

int pipeline_new(const struct ft_config *cfg, struct store *st,
    struct pipeline **out, struct ft_err *err);
void pipeline_free(struct pipeline *p);

/* One captured frame through every stage; fails only when the store fails. */
int pipeline_frame(struct pipeline *p, const struct ft_frame *f,
    struct ft_err *err);

/* Harvest flows due at now_us (packet time, or wall time when idle). */
int pipeline_tick(struct pipeline *p, uint64_t now_us, struct ft_err *err);

/* End every flow, write everything, commit. */
int pipeline_finish(struct pipeline *p, struct ft_err *err);

/* pipeline_hold.c: deltas wait there until their flow's application is final. */
int pipeline_store(struct pipeline *p, const struct ft_flowrec *recs, size_t n,
    struct ft_err *err);
int pipeline_hold(struct pipeline *p, const struct ft_flowrec *r,
    struct ft_err *err);
int pipeline_settle(struct pipeline *p, uint64_t flow_id, uint32_t slot,
    const struct ft_flowrec *t, struct ft_err *err);
int pipeline_settle_l7(struct pipeline *p, uint32_t slot,
    const struct ft_l7 *l7, struct ft_err *err);
int pipeline_hold_expire(struct pipeline *p, uint64_t now_us,
    struct ft_err *err);
int pipeline_hold_drain(struct pipeline *p, struct ft_err *err);

#endif
