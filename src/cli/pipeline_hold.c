/* pipeline_hold.c: records wait here for their flow's final application */
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

/* Count and queue n records for the store. */
int
pipeline_store(struct pipeline *p, const struct ft_flowrec *recs, size_t n,
    struct ft_err *err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (recs[i].flags & FT_REC_FINAL)
			p->final_records++;
	p->records += n;
	if (!p->wq || !n)
		return 0;
	return store_async_append(p->wq, recs, n, err);
}

/* The oldest held record leaves with the label it has (hold full). */
static int
hold_release(struct pipeline *p, struct ft_err *err)
{
	struct ft_flowrec *r = &p->held[0];
	int rc;

	p->provisional++;
	if (p->stats)
		stats_add_app(p->stats, r);
	rc = pipeline_store(p, r, 1, err);
	p->n_held--;
	memmove(p->held, p->held + 1, p->n_held * sizeof(*p->held));
	return rc;
}

/* Keep a delta of a flow whose application is not final; the series get
 * everything but its application now, in its own minute. */
int
pipeline_hold(struct pipeline *p, const struct ft_flowrec *r,
    struct ft_err *err)
{
	int rc;

	if (!p->held) {
		p->held = calloc(PIPELINE_HOLD, sizeof(*p->held));
		if (!p->held)
			return ft_err_set(err, FT_ENOMEM, "out of memory");
	}
	if (p->n_held == PIPELINE_HOLD && (rc = hold_release(p, err)))
		return rc;
	p->held[p->n_held++] = *r;
	if (p->stats)
		stats_add_held(p->stats, r);
	return 0;
}

/* Give a held record its flow's final application (and name) from t. */
static void
label_apply(struct ft_flowrec *r, const struct ft_flowrec *t)
{
	memcpy(r->app, t->app, sizeof(r->app));
	memcpy(r->category, t->category, sizeof(r->category));
	r->flags = (uint8_t)((r->flags & ~FT_REC_APP_GUESS) |
	    (t->flags & FT_REC_APP_GUESS));
	if (t->server_name[0] && t->srv_name_src == FT_NAME_SNI &&
	    (r->srv_name_src == FT_NAME_NONE ||
	    r->srv_name_src >= FT_NAME_SNI)) {
		memcpy(r->server_name, t->server_name, sizeof(r->server_name));
		r->srv_name_src = FT_NAME_SNI;
	}
	r->l7.state = FT_L7_DONE;
	r->l7.slot = 0;
}

/*
 * Every held record of one flow (flow_id, or when 0 the flow classifying
 * in slot) gets t's labels and goes on to the series and the store, in the
 * order they came.
 */
int
pipeline_settle(struct pipeline *p, uint64_t flow_id, uint32_t slot,
    const struct ft_flowrec *t, struct ft_err *err)
{
	size_t i, j;
	int rc = 0;

	for (i = j = 0; i < p->n_held; i++) {
		struct ft_flowrec *r = &p->held[i];
		bool mine = flow_id ? r->flow_id == flow_id :
		    r->l7.slot == slot && r->l7.state == FT_L7_BUSY;

		if (mine && !rc) {
			label_apply(r, t);
			if (p->stats)
				stats_add_app(p->stats, r);
			rc = pipeline_store(p, r, 1, err);
			continue;
		}
		if (j != i)
			p->held[j] = *r;
		j++;
	}
	p->n_held = j;
	return rc;
}

/* The flow in slot finished classifying with l7 (still live): settle it. */
int
pipeline_settle_l7(struct pipeline *p, uint32_t slot,
    const struct ft_l7 *l7, struct ft_err *err)
{
	struct ft_flowrec *t = &p->scratch;
	size_t i;

	for (i = 0; i < p->n_held; i++)
		if (p->held[i].l7.slot == slot &&
		    p->held[i].l7.state == FT_L7_BUSY)
			break;
	if (i == p->n_held)
		return 0;
	*t = p->held[i];
	t->l7 = *l7;
	t->flags &= (uint8_t)~FT_REC_APP_GUESS;
	classify_describe(p->cls, t, 1);	/* not final: takes nothing */
	t->srv_name_src = t->server_name[0] ? FT_NAME_SNI : FT_NAME_NONE;
	return pipeline_settle(p, 0, slot, t, err);
}

/*
 * Held records older than PIPELINE_HOLD_S at now_us: their flow stops
 * classifying (nDPI's guess so far). Only after a full harvest, when every
 * final record has been described (classify_settle()).
 */
int
pipeline_hold_expire(struct pipeline *p, uint64_t now_us, struct ft_err *err)
{
	const struct ft_l7 *l7;
	uint32_t slot;
	int rc;

	while (p->n_held &&
	    now_us >= p->held[0].first_us + PIPELINE_HOLD_S * 1000000ull) {
		slot = p->held[0].l7.slot;
		l7 = classify_settle(p->cls, slot);
		p->forced++;
		rc = l7 ? pipeline_settle_l7(p, slot, l7, err) :
		    hold_release(p, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* End of input: anything still held (none when every flow ended) goes out. */
int
pipeline_hold_drain(struct pipeline *p, struct ft_err *err)
{
	int rc;

	while (p->n_held)
		if ((rc = hold_release(p, err)))
			return rc;
	return 0;
}
