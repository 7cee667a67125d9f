/* test_dnsstat.c: DNS queries and replies counted per conversation */
#include <stdlib.h>
#include <string.h>

#include "../../src/enrich/enrich_int.h"
#include "ut.h"

/* A UDP DNS packet between client 10.0.0.C:port and server 10.9.9.S:53. */
static void
dns_pkt(struct ft_pkt *p, uint8_t *msg, unsigned c, unsigned port,
    unsigned s, int reply, int rcode)
{
	memset(p, 0, sizeof(*p));
	memset(msg, 0, 12);
	p->ip_ver = 4;
	p->proto = 17;
	p->has_ports = 1;
	msg[2] = reply ? 0x81 : 0x01;
	msg[3] = (uint8_t)(reply ? 0x80 | rcode : 0);
	p->payload = msg;
	p->payload_len = 12;
	if (reply) {
		p->src[0] = 10, p->src[1] = 9, p->src[2] = 9, p->src[3] = (uint8_t)s;
		p->dst[0] = 10, p->dst[3] = (uint8_t)c, p->dst[2] = (uint8_t)(c >> 8);
		p->sport = 53;
		p->dport = (uint16_t)port;
	} else {
		p->dst[0] = 10, p->dst[1] = 9, p->dst[2] = 9, p->dst[3] = (uint8_t)s;
		p->src[0] = 10, p->src[3] = (uint8_t)c, p->src[2] = (uint8_t)(c >> 8);
		p->dport = 53;
		p->sport = (uint16_t)port;
	}
}

static void
rec_for(struct ft_flowrec *r, unsigned c, unsigned port, unsigned s, int final)
{
	memset(r, 0, sizeof(*r));
	r->proto = 17;
	r->ip_ver = 4;
	r->cli[0] = 10, r->cli[3] = (uint8_t)c, r->cli[2] = (uint8_t)(c >> 8);
	r->srv[0] = 10, r->srv[1] = 9, r->srv[2] = 9, r->srv[3] = (uint8_t)s;
	r->cport = (uint16_t)port;
	r->sport = 53;
	r->flags = final ? FT_REC_FINAL : 0;
}

static void
queries_and_replies_by_rcode_reach_the_flow_record(void)
{
	struct enrich_dnsstat d;
	struct ft_flowrec r;
	struct ft_pkt p;
	uint8_t m[12];

	UT_EQ(enrich_dnsstat_init(&d, 16), 0);
	dns_pkt(&p, m, 1, 40000, 1, 0, 0);
	enrich_dnsstat_packet(&d, &p);
	enrich_dnsstat_packet(&d, &p);
	enrich_dnsstat_packet(&d, &p);
	dns_pkt(&p, m, 1, 40000, 1, 1, 0);
	enrich_dnsstat_packet(&d, &p);
	dns_pkt(&p, m, 1, 40000, 1, 1, 3);	/* NXDOMAIN */
	enrich_dnsstat_packet(&d, &p);
	rec_for(&r, 1, 40000, 1, 0);
	enrich_dnsstat_take(&d, &r);
	UT_EQ(r.dns_queries, 3);
	UT_EQ(r.dns_ok, 1);
	UT_EQ(r.dns_err, 1);
	rec_for(&r, 1, 40000, 1, 1);
	enrich_dnsstat_take(&d, &r);
	UT_EQ(r.dns_queries + r.dns_ok + r.dns_err, 0);
	UT_EQ(d.used, 0);
	enrich_dnsstat_fini(&d);
}

static void
removing_conversations_keeps_every_other_one_findable(void)
{
	struct enrich_dnsstat d;
	struct ft_flowrec r;
	struct ft_pkt p;
	uint8_t m[12];
	unsigned i, n = 500, found = 0;

	UT_EQ(enrich_dnsstat_init(&d, n), 0);
	for (i = 0; i < n; i++) {
		dns_pkt(&p, m, i, 1000 + i, i % 7, 0, 0);
		enrich_dnsstat_packet(&d, &p);
	}
	UT_EQ(d.used, n);
	/* End every third conversation, then every other must still be there. */
	for (i = 0; i < n; i += 3) {
		rec_for(&r, i, 1000 + i, i % 7, 1);
		enrich_dnsstat_take(&d, &r);
		UT_EQ(r.dns_queries, 1);
	}
	for (i = 0; i < n; i++) {
		if (i % 3 == 0)
			continue;
		rec_for(&r, i, 1000 + i, i % 7, 1);
		enrich_dnsstat_take(&d, &r);
		found += r.dns_queries;
	}
	UT_EQ(found, n - (n + 2) / 3);
	UT_EQ(d.used, 0);
	enrich_dnsstat_fini(&d);
}

static void
a_full_table_drops_and_counts_instead_of_growing(void)
{
	struct enrich_dnsstat d;
	struct ft_pkt p;
	uint8_t m[12];
	unsigned i;

	UT_EQ(enrich_dnsstat_init(&d, 4), 0);
	for (i = 0; i < 10; i++) {
		dns_pkt(&p, m, i, 2000 + i, 1, 0, 0);
		enrich_dnsstat_packet(&d, &p);
	}
	UT_EQ(d.used, 4);
	UT_EQ(d.dropped, 6);
	enrich_dnsstat_fini(&d);
}

int
main(void)
{
	UT_RUN(queries_and_replies_by_rcode_reach_the_flow_record);
	UT_RUN(removing_conversations_keeps_every_other_one_findable);
	UT_RUN(a_full_table_drops_and_counts_instead_of_growing);
	return UT_DONE();
}
