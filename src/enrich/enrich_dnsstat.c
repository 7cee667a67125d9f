/* enrich_dnsstat.c: DNS queries and replies counted per conversation */
/*
 * Replies ok or with an error; the counts are handed to the conversation's flow
 * records.
 */
#include <stdlib.h>
#include <string.h>

#include "enrich_int.h"

#define DK_PROBES 32	/* a conversation sits within this many slots of home */

/*
 * Open addressing on (client, client port, server) of UDP DNS flows; a slot
 * is free when used is 0. Counts wait here until the flow's next record
 * takes them (enrich_dnsstat_take), so records of one flow add up to every
 * query and reply seen. When the table is full, counts are dropped and
 * counted: that never blocks or allocates on the packet path.
 */
static uint32_t
dk_hash(const uint8_t *cli, uint16_t cport, const uint8_t *srv)
{
	uint32_t h = 2166136261u ^ cport;
	int i;

	for (i = 0; i < 16; i++)
		h = (h ^ cli[i]) * 16777619u;
	for (i = 0; i < 16; i++)
		h = (h ^ srv[i]) * 16777619u;
	return h ^ (h >> 15);
}

int
enrich_dnsstat_init(struct enrich_dnsstat *d, uint32_t cap)
{
	uint32_t n = 64;

	while (n < cap * 2)
		n <<= 1;
	memset(d, 0, sizeof(*d));
	d->slots = calloc(n, sizeof(*d->slots));
	if (!d->slots)
		return -FT_ENOMEM;
	d->mask = n - 1;
	d->cap = cap;
	return 0;
}

void
enrich_dnsstat_fini(struct enrich_dnsstat *d)
{
	free(d->slots);
	memset(d, 0, sizeof(*d));
}

/* The slot of a conversation, or a free one to take it; NULL when full. */
static struct enrich_dnsconv *
dk_find(struct enrich_dnsstat *d, const uint8_t *cli, uint16_t cport,
    const uint8_t *srv, bool create)
{
	uint32_t i = dk_hash(cli, cport, srv) & d->mask, n;
	struct enrich_dnsconv *s;

	for (n = 0; n < DK_PROBES; n++, i = (i + 1) & d->mask) {
		s = &d->slots[i];
		if (!s->used) {
			if (!create || d->used >= d->cap)
				return NULL;
			memcpy(s->cli, cli, 16);
			memcpy(s->srv, srv, 16);
			s->cport = cport;
			s->used = 1;
			d->used++;
			return s;
		}
		if (s->cport == cport && !memcmp(s->cli, cli, 16) &&
		    !memcmp(s->srv, srv, 16))
			return s;
	}
	/* A full neighbourhood: bounded work per packet, the message is dropped. */
	return NULL;
}

void
enrich_dnsstat_packet(struct enrich_dnsstat *d, const struct ft_pkt *pkt)
{
	const uint8_t *m = pkt->payload;
	uint32_t len = pkt->payload_len;
	struct enrich_dnsconv *s;
	bool reply;

	if (pkt->proto == 6) {
		/* DNS over TCP: a 2-byte length, then the message; segments
		 * that do not start a message (no SYN payload) are skipped. */
		if (len < 14 || ((uint32_t)m[0] << 8 | m[1]) < 12)
			return;
		m += 2;
		len -= 2;
	} else if (pkt->proto != 17) {
		return;
	}
	if (len < 12)
		return;
	reply = (m[2] & 0x80) != 0;
	/* A query goes to port 53, a reply comes from it. */
	if (reply != (pkt->sport == ENRICH_PORT_DNS))
		return;
	if (reply)
		s = dk_find(d, pkt->dst, pkt->dport, pkt->src, true);
	else
		s = dk_find(d, pkt->src, pkt->sport, pkt->dst, true);
	if (!s) {
		d->dropped++;
		return;
	}
	if (!reply)
		s->queries++;
	else if ((m[3] & 0x0f) == 0)
		s->ok++;
	else
		s->err++;
}

/* Remove slot s, moving later entries of its probe run back (no tombstones). */
static void
dk_remove(struct enrich_dnsstat *d, struct enrich_dnsconv *s)
{
	uint32_t i = (uint32_t)(s - d->slots), j = i, k;

	memset(&d->slots[i], 0, sizeof(d->slots[i]));
	d->used--;
	for (;;) {
		j = (j + 1) & d->mask;
		if (!d->slots[j].used)
			return;
		k = dk_hash(d->slots[j].cli, d->slots[j].cport,
		    d->slots[j].srv) & d->mask;
		/* Move j to the hole at i when its home k is not in (i, j]. */
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			d->slots[i] = d->slots[j];
			memset(&d->slots[j], 0, sizeof(d->slots[j]));
			i = j;
		}
	}
}

void
enrich_dnsstat_take(struct enrich_dnsstat *d, struct ft_flowrec *r)
{
	struct enrich_dnsconv *s;

	r->dns_queries = r->dns_ok = r->dns_err = 0;
	if ((r->proto != 17 && r->proto != 6) || r->sport != ENRICH_PORT_DNS)
		return;
	s = dk_find(d, r->cli, r->cport, r->srv, false);
	if (!s)
		return;
	r->dns_queries = s->queries;
	r->dns_ok = s->ok;
	r->dns_err = s->err;
	s->queries = s->ok = s->err = 0;
	if (r->flags & FT_REC_FINAL)
		dk_remove(d, s);
}
