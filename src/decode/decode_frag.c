/* decode_frag.c: a table of first fragments; later ones join their flow */
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"

int
decode_frag_init(struct decoder *d)
{
	d->frags = calloc(d->opts.frag_slots, sizeof(*d->frags));
	return d->frags ? 0 : -FT_ENOMEM;
}

void
decode_frag_fini(struct decoder *d)
{
	free(d->frags);
	d->frags = NULL;
}

static uint32_t
frag_mix(uint32_t h, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {	/* FNV-1a */
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

/* First slot to probe for the datagram (ip_ver, src, dst, id, proto). */
static uint32_t
frag_slot(const struct decoder *d, const struct ft_pkt *pkt, uint32_t id)
{
	size_t alen = pkt->ip_ver == 4 ? 4 : 16;
	uint8_t tail[6];
	uint32_t h = 2166136261u;

	tail[0] = pkt->ip_ver;
	tail[1] = pkt->proto;
	tail[2] = (uint8_t)(id >> 24);
	tail[3] = (uint8_t)(id >> 16);
	tail[4] = (uint8_t)(id >> 8);
	tail[5] = (uint8_t)id;
	h = frag_mix(h, pkt->src, alen);
	h = frag_mix(h, pkt->dst, alen);
	h = frag_mix(h, tail, sizeof(tail));
	return h % d->opts.frag_slots;
}

static bool
frag_is_stale(const struct decoder *d, const struct decode_frag *e,
    uint64_t now_us)
{
	uint64_t age;

	age = now_us > e->ts_us ? now_us - e->ts_us : e->ts_us - now_us;

	return age > (uint64_t)d->opts.frag_timeout_s * 1000000u;
}

static bool
frag_matches(const struct decode_frag *e, const struct ft_pkt *pkt,
    uint32_t id)
{
	return e->used && e->id == id && e->ip_ver == pkt->ip_ver &&
	    e->proto == pkt->proto &&
	    memcmp(e->src, pkt->src, sizeof(e->src)) == 0 &&
	    memcmp(e->dst, pkt->dst, sizeof(e->dst)) == 0;
}

static uint32_t
frag_probes(const struct decoder *d)
{
	return d->opts.frag_slots < DECODE_FRAG_PROBE ?
	    d->opts.frag_slots : DECODE_FRAG_PROBE;
}

/*
 * The slot a new first fragment takes: its own old entry, else a free or
 * stale slot, else the oldest of the probe window (counted as evicted).
 */
static struct decode_frag *
frag_victim(struct decoder *d, const struct ft_pkt *pkt, uint32_t id)
{
	uint32_t i, n = frag_probes(d), at = frag_slot(d, pkt, id);
	struct decode_frag *e, *free_e = NULL, *old = NULL;

	for (i = 0; i < n; i++) {
		e = &d->frags[(at + i) % d->opts.frag_slots];
		if (frag_matches(e, pkt, id))
			return e;
		if (!free_e && (!e->used || frag_is_stale(d, e, pkt->ts_us)))
			free_e = e;
		if (!old || e->ts_us < old->ts_us)
			old = e;
	}
	if (free_e)
		return free_e;
	d->st.frag_evicted++;
	return old;
}

void
decode_frag_remember(struct decoder *d, const struct ft_pkt *pkt,
    uint32_t id)
{
	struct decode_frag *e = frag_victim(d, pkt, id);

	e->used = 1;
	e->ts_us = pkt->ts_us;
	e->id = id;
	e->ip_ver = pkt->ip_ver;
	e->proto = pkt->proto;
	e->has_ports = pkt->has_ports;
	e->sport = pkt->sport;
	e->dport = pkt->dport;
	memcpy(e->src, pkt->src, sizeof(e->src));
	memcpy(e->dst, pkt->dst, sizeof(e->dst));
	memset(&e->in, 0, sizeof(e->in));
}

bool
decode_frag_find(struct decoder *d, struct ft_pkt *pkt, uint32_t id)
{
	uint32_t i, n = frag_probes(d), at = frag_slot(d, pkt, id);
	struct decode_frag *e;

	for (i = 0; i < n; i++) {
		e = &d->frags[(at + i) % d->opts.frag_slots];
		if (!frag_matches(e, pkt, id))
			continue;
		if (frag_is_stale(d, e, pkt->ts_us)) {
			e->used = 0;
			return false;
		}
		pkt->has_ports = e->has_ports;
		pkt->sport = e->sport;
		pkt->dport = e->dport;
		d->frag_hit = e;
		return true;
	}
	return false;
}

/*
 * The first fragment outer (remembered with id) carried a tunnel whose
 * inner packet is inner: later fragments of the datagram join its flow.
 */
void
decode_frag_set_inner(struct decoder *d, const struct ft_pkt *outer,
    uint32_t id, const struct ft_pkt *inner)
{
	uint32_t i, n = frag_probes(d), at = frag_slot(d, outer, id);
	struct decode_frag *e;
	struct decode_inner *in;

	for (i = 0; i < n; i++) {
		e = &d->frags[(at + i) % d->opts.frag_slots];
		if (!frag_matches(e, outer, id))
			continue;
		in = &e->in;
		in->tunnel = inner->tunnel;
		in->ip_ver = inner->ip_ver;
		in->proto = inner->proto;
		in->has_ports = inner->has_ports;
		in->sport = inner->sport;
		in->dport = inner->dport;
		memcpy(in->src, inner->src, sizeof(in->src));
		memcpy(in->dst, inner->dst, sizeof(in->dst));
		memcpy(in->src_mac, inner->src_mac, sizeof(in->src_mac));
		memcpy(in->dst_mac, inner->dst_mac, sizeof(in->dst_mac));
		return;
	}
}
