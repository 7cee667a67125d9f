/* pipeline.c: the one place that knows the order of the stages. */
#include <stdlib.h>

#include "pipeline.h"

#define TICK_US 1000000u	/* harvest once per second of packet time */
#define REWIND_US 60000000u	/* a frame older than the newest by more
				   than this starts a new timeline */

/* The enrich stage from the configuration's names.* and lut.* options. */
static int
pipeline_enrich_new(const struct ft_config *cfg, struct enrich **out,
    struct ft_err *err)
{
	struct enrich_opts eo = {
		.lut_path = cfg->lut_path,
		.local_networks = cfg->local_networks,
		.labels_path = cfg->labels_path,
		.leases_path = cfg->leases_path,
		.dns_cache = cfg->dns_cache,
		.hosts_cache = cfg->hosts_cache,
	};

	return enrich_new(&eo, out, err);
}

int
pipeline_new(const struct ft_config *cfg, struct store *st,
    struct pipeline **out, struct ft_err *err)
{
	struct pipeline *p = calloc(1, sizeof(*p));
	struct classify_opts co;
	int rc;

	if (!p)
		return ft_err_set(err, FT_ENOMEM, "out of memory");
	rc = decoder_new(&cfg->decode, &p->dec, err);
	if (rc)
		goto out_free;
	rc = flow_table_new(&cfg->flow, &p->flows, err);
	if (rc)
		goto out_free;
	co = cfg->classify;
	if (!co.max_active)
		co.max_active = cfg->flow.max_flows;
	rc = classify_new(&co, &p->cls, err);
	if (rc)
		goto out_free;
	rc = pipeline_enrich_new(cfg, &p->enr, err);
	if (rc)
		goto out_free;
	if (cfg->history.enabled) {
		struct stats_opts so = { .top_k = cfg->history.top_k,
			.top_local = cfg->history.top_local,
			.max_keys = cfg->history.max_keys };

		rc = stats_new(&so, &p->stats, err);
		if (rc)
			goto out_free;
	}
	if (st && (rc = store_async_new(st, PIPELINE_QUEUE, &p->wq, err)))
		goto out_free;
	*out = p;
	return 0;
out_free:
	pipeline_free(p);
	return rc;
}

void
pipeline_free(struct pipeline *p)
{
	if (!p)
		return;
	store_async_free(p->wq);
	free(p->held);
	stats_free(p->stats);
	enrich_free(p->enr);
	classify_free(p->cls);
	flow_table_free(p->flows);
	decoder_free(p->dec);
	free(p);
}

/*
 * Describe and store n harvested records. A delta of a flow still being
 * classified waits in the hold (pipeline_hold.c); a final record settles
 * the held ones of its flow first, so every record of a flow carries the
 * flow's final application.
 */
static int
pipeline_emit(struct pipeline *p, size_t n, struct ft_err *err)
{
	bool settle[PIPELINE_BATCH];
	size_t i, j;
	int rc;

	for (i = 0; i < n; i++)
		settle[i] = p->n_held && p->batch[i].l7.state == FT_L7_BUSY &&
		    (p->batch[i].flags & FT_REC_FINAL);
	classify_describe(p->cls, p->batch, n);
	enrich_batch(p->enr, p->batch, n);
	for (i = 0; i < n; i++)
		if (settle[i] && (rc = pipeline_settle(p, p->batch[i].flow_id,
		    0, &p->batch[i], err)))
			return rc;
	for (i = j = 0; i < n; i++) {
		if (!(p->batch[i].flags & FT_REC_FINAL) &&
		    p->batch[i].l7.state == FT_L7_BUSY) {
			if ((rc = pipeline_hold(p, &p->batch[i], err)))
				return rc;
			continue;
		}
		if (j != i)
			p->batch[j] = p->batch[i];
		j++;
	}
	if (p->stats)
		stats_add(p->stats, p->batch, j);
	return pipeline_store(p, p->batch, j, err);
}

/* Hand the points of every minute closed by now_us to the store. */
static int
pipeline_series(struct pipeline *p, uint64_t now_us, struct ft_err *err)
{
	const struct ft_series_pt *pts;
	size_t n;

	if (!p->stats)
		return 0;
	n = stats_close(p->stats, now_us, &pts);
	p->points += n;
	if (!n || !p->wq)
		return 0;
	return store_async_series(p->wq, pts, n, err);
}

int
pipeline_tick(struct pipeline *p, uint64_t now_us, struct ft_err *err)
{
	size_t n;
	int rc;

	do {
		n = flow_table_harvest(p->flows, now_us, p->batch,
		    PIPELINE_BATCH);
		rc = pipeline_emit(p, n, err);
		if (rc)
			return rc;
	} while (n == PIPELINE_BATCH);
	rc = pipeline_hold_expire(p, now_us, err);
	if (rc)
		return rc;
	/* Whole seconds of packet time: every tick of the flow table is one. */
	p->next_tick_us = now_us - now_us % TICK_US + TICK_US;
	return pipeline_series(p, now_us, err);
}

/* End every flow and close every minute, as at the end of the input. */
static int
pipeline_drain(struct pipeline *p, struct ft_err *err)
{
	size_t n;
	int rc;

	do {
		n = flow_table_flush(p->flows, p->batch, PIPELINE_BATCH);
		rc = pipeline_emit(p, n, err);
		if (rc)
			return rc;
	} while (n == PIPELINE_BATCH);
	rc = pipeline_hold_drain(p, err);
	if (rc)
		return rc;
	return pipeline_series(p, UINT64_MAX, err);
}

/*
 * Packet time went back (the next capture of one ingest is older, or a
 * capture jumps back): the open flows and minutes belong to the later
 * time, so they end here, and the clock follows the frame. Otherwise the
 * older traffic would sit in flows that never tick and in the newer
 * minute (docs/internals/stats.md).
 */
static int
pipeline_rewind(struct pipeline *p, uint64_t ts_us, struct ft_err *err)
{
	int rc = pipeline_drain(p, err);

	if (rc)
		return rc;
	p->rewinds++;
	p->now_us = ts_us;
	p->next_tick_us = ts_us - ts_us % TICK_US + TICK_US;
	return 0;
}

/*
 * Ticks come before the frame that reaches them, so records of the flow
 * table never hold packets from both sides of a tick.
 */
int
pipeline_frame(struct pipeline *p, const struct ft_frame *f,
    struct ft_err *err)
{
	struct flow_hit hit;
	struct ft_pkt pkt;
	int rc;

	if (f->ts_us + REWIND_US < p->now_us &&
	    (rc = pipeline_rewind(p, f->ts_us, err)))
		return rc;
	if (f->ts_us > p->now_us)
		p->now_us = f->ts_us;
	if (p->now_us >= p->next_tick_us &&
	    (rc = pipeline_tick(p, p->now_us, err)))
		return rc;
	if (decode_frame(p->dec, f, &pkt))
		goto out_nonip;
	while ((rc = flow_table_update(p->flows, &pkt, &hit)) == -FT_EAGAIN) {
		rc = pipeline_tick(p, p->now_us, err);
		if (rc)
			return rc;
	}
	if (rc)
		goto out_nonip;
	if (p->stats)
		stats_frame(p->stats, f->iface, f->ts_us, f->wire_len, true);
	if (hit.l7->state != FT_L7_DONE) {
		uint32_t slot = hit.l7->slot;

		classify_packet(p->cls, hit.l7, &pkt, hit.dir);
		if (p->n_held && slot && hit.l7->state == FT_L7_DONE &&
		    (rc = pipeline_settle_l7(p, slot, hit.l7, err)))
			return rc;
	}
	enrich_packet(p->enr, &pkt);
	return 0;
out_nonip:
	if (p->stats)
		stats_frame(p->stats, f->iface, f->ts_us, f->wire_len, false);
	return 0;
}

int
pipeline_finish(struct pipeline *p, struct ft_err *err)
{
	int rc = pipeline_drain(p, err);

	if (rc)
		return rc;
	if (p->wq)
		return store_async_finish(p->wq, err);
	return 0;
}
