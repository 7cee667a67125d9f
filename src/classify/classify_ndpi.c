/* classify_ndpi.c: the nDPI classifier, its flow state from a fixed pool */
/*
 * A flow holds state only while it is being classified.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>

#include "classify.h"
#include "classify_int.h"

/*
 * states holds max_active nDPI flow structs allocated once; a flow being
 * classified owns one (ft_l7.slot = index + 1) until it is DONE. Invariant:
 * a slot is on the free stack exactly when no flow's l7 names it.
 */
struct classifier {
	struct classify_opts o;				/* options */
	struct ndpi_detection_module_struct *nd;	/* nDPI module */
	uint8_t *states;				/* max_active flow structs */
	uint32_t *free_stack;				/* free slot indexes */
	struct ft_l7 **owner;				/* per slot: the live
							   flow's l7, NULL free */
	uint32_t n_free;				/* entries on free_stack */
	struct names names;				/* server names */
	struct classify_stats st;			/* counters */
	char engine[32];				/* "nDPI 4.2.0" */
};

static struct ndpi_flow_struct *
slot_flow(struct classifier *c, uint32_t slot)
{
	return (struct ndpi_flow_struct *)(c->states +
	    (size_t)(slot - 1) * SIZEOF_FLOW_STRUCT);
}

static int
ndpi_setup(struct classifier *c, struct ft_err *err)
{
	NDPI_PROTOCOL_BITMASK all;

	c->nd = ndpi_init_detection_module(ndpi_no_prefs);
	if (!c->nd)
		return ft_err_set(err, FT_ENOMEM, "nDPI failed to start");
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(c->nd, &all);
	ndpi_finalize_initialization(c->nd);
	snprintf(c->engine, sizeof(c->engine), "nDPI %s", ndpi_revision());
	return 0;
}

int
classify_new(const struct classify_opts *o, struct classifier **out,
    struct ft_err *err)
{
	struct classifier *c = calloc(1, sizeof(*c));
	uint32_t i;
	int rc;

	if (!c)
		return ft_err_set(err, FT_ENOMEM, "out of memory");
	c->o = *o;
	snprintf(c->engine, sizeof(c->engine), "ports");
	if (names_init(&c->names, o->max_names)) {
		rc = ft_err_set(err, FT_ENOMEM, "out of memory (names)");
		goto out_free;
	}
	if (!o->enabled) {
		*out = c;
		return 0;
	}
	c->states = calloc(o->max_active, SIZEOF_FLOW_STRUCT);
	c->free_stack = calloc(o->max_active, sizeof(uint32_t));
	c->owner = calloc(o->max_active, sizeof(*c->owner));
	if (!c->states || !c->free_stack || !c->owner) {
		rc = ft_err_set(err, FT_ENOMEM,
		    "out of memory for %u classifier states",
		    o->max_active);
		goto out_free;
	}
	for (i = 0; i < o->max_active; i++)
		c->free_stack[i] = o->max_active - i;
	c->n_free = o->max_active;
	rc = ndpi_setup(c, err);
	if (rc)
		goto out_free;
	*out = c;
	return 0;
out_free:
	classify_free(c);
	return rc;
}

void
classify_free(struct classifier *c)
{
	uint32_t i;

	if (!c)
		return;
	if (c->states) {
		/* Flows still classifying own nDPI allocations inside their slot. */
		for (i = 1; i <= c->o.max_active; i++)
			ndpi_free_flow_data(slot_flow(c, i));
	}
	if (c->nd)
		ndpi_exit_detection_module(c->nd);
	free(c->states);
	free(c->free_stack);
	free(c->owner);
	names_fini(&c->names);
	free(c);
}

/* Record the result and give the slot back; the flow is DONE. */
static void
finish(struct classifier *c, struct ft_l7 *l7, bool give_up)
{
	struct ndpi_flow_struct *f = slot_flow(c, l7->slot);
	ndpi_protocol p;
	uint8_t guessed = 0;

	if (give_up) {
		p = ndpi_detection_giveup(c->nd, f, 1, &guessed);
		l7->app_id = p.app_protocol;
		l7->master_id = p.master_protocol;
		l7->category = (uint8_t)p.category;
		l7->guessed = guessed;
		if (guessed || (!p.app_protocol && !p.master_protocol))
			c->st.gave_up++;
		else
			c->st.detected++;
	} else {
		c->st.detected++;
	}
	if (!l7->name_id)
		l7->name_id = names_get(&c->names, f->host_server_name);
	ndpi_free_flow_data(f);
	memset(f, 0, SIZEOF_FLOW_STRUCT);	/* classify_free frees every slot */
	c->free_stack[c->n_free++] = l7->slot;
	c->owner[l7->slot - 1] = NULL;
	l7->slot = 0;
	l7->state = FT_L7_DONE;
}

void
classify_packet(struct classifier *c, struct ft_l7 *l7,
    const struct ft_pkt *pkt, unsigned dir)
{
	struct ndpi_flow_struct *f;
	ndpi_protocol p;
	uint32_t len;

	if (l7->state == FT_L7_DONE)
		return;
	if (!c->states) {
		l7->state = FT_L7_DONE;
		return;
	}
	if (l7->state == FT_L7_NEW) {
		if (!c->n_free) {
			c->st.no_slot++;
			l7->state = FT_L7_DONE;
			return;
		}
		l7->slot = c->free_stack[--c->n_free];
		c->owner[l7->slot - 1] = l7;
		memset(slot_flow(c, l7->slot), 0, SIZEOF_FLOW_STRUCT);
		l7->state = FT_L7_BUSY;
	}
	f = slot_flow(c, l7->slot);
	len = pkt->l3_len > 65535 ? 65535 : pkt->l3_len;
	p = ndpi_detection_process_packet(c->nd, f, pkt->l3,
	    (unsigned short)len, pkt->ts_us / 1000);
	l7->pkts++;
	if (p.app_protocol || p.master_protocol) {
		l7->app_id = p.app_protocol;
		l7->master_id = p.master_protocol;
		l7->category = (uint8_t)p.category;
		/*
		 * Go on while nDPI wants more: sub-protocols (TLS.DNScrypt,
		 * DNS.Apple) are decided after the server name is known.
		 */
		if (!ndpi_extra_dissection_possible(c->nd, f) ||
		    l7->pkts >= c->o.max_packets)
			finish(c, l7, false);
		return;
	}
	if (l7->pkts >= c->o.max_packets)
		finish(c, l7, true);
}

static void
describe_one(struct classifier *c, struct ft_flowrec *r)
{
	struct ft_l7 *l7 = &r->l7;
	ndpi_protocol p = { 0 };
	const char *name;

	if (l7->state == FT_L7_BUSY && (r->flags & FT_REC_FINAL))
		finish(c, l7, true);
	name = names_str(&c->names, l7->name_id);
	if (l7->state == FT_L7_BUSY)
		name = slot_flow(c, l7->slot)->host_server_name;
	snprintf(r->server_name, sizeof(r->server_name), "%s", name);
	r->app[0] = '\0';
	r->category[0] = '\0';
	if (l7->app_id || l7->master_id) {
		p.app_protocol = l7->app_id;
		p.master_protocol = l7->master_id;
		p.category = l7->category;
		ndpi_protocol2name(c->nd, p, r->app, sizeof(r->app));
		snprintf(r->category, sizeof(r->category), "%s",
		    ndpi_category_get_name(c->nd, p.category));
		if (l7->guessed)
			r->flags |= FT_REC_APP_GUESS;
	} else {
		classify_fill_guess(r);
	}
	if (r->flags & FT_REC_FINAL) {
		names_put(&c->names, l7->name_id);
		l7->name_id = 0;
	}
}

void
classify_describe(struct classifier *c, struct ft_flowrec *recs, size_t n)
{
	size_t i;

	if (!c->nd) {
		classify_fill_guesses(recs, n);
		return;
	}
	for (i = 0; i < n; i++)
		describe_one(c, &recs[i]);
}

const struct ft_l7 *
classify_settle(struct classifier *c, uint32_t slot)
{
	struct ft_l7 *l7;

	if (!c->owner || !slot || slot > c->o.max_active)
		return NULL;
	l7 = c->owner[slot - 1];
	if (!l7 || l7->slot != slot || l7->state != FT_L7_BUSY)
		return NULL;
	finish(c, l7, true);
	return l7;
}

void
classify_get_stats(const struct classifier *c, struct classify_stats *st)
{
	*st = c->st;
	st->busy = c->o.max_active - c->n_free;
	if (!c->states)
		st->busy = 0;
	st->names = c->names.used;
	st->names_dropped = c->names.dropped;
}

const char *
classify_engine(const struct classifier *c)
{
	return c->engine;
}
