/* test_flow.c: the flow table: keys, orientation, timeouts, deltas, eviction */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "ut.h"
#include "../../src/flow/flow.h"

#define S(x) ((uint64_t)(x) * 1000000)	/* seconds to microseconds */
#define T0 S(1700000000)		/* a plausible packet time */
#define MAX_RECS 1024
#define SYN FT_TCP_SYN
#define ACK FT_TCP_ACK
#define FIN FT_TCP_FIN
#define RST FT_TCP_RST

static const struct flow_opts base_opts = {
	.max_flows = 64,
	.tcp_timeout_s = 300,
	.tcp_closed_timeout_s = 10,
	.udp_timeout_s = 60,
	.other_timeout_s = 30,
	.active_timeout_s = 60,
};

static struct ft_flowrec recs[MAX_RECS];	/* records collected by drain() */
static size_t n_recs;				/* how many */

/* An IPv4 packet at T0 + at_us from host a to host b (last octet 10.0.0.x). */
static struct ft_pkt
pkt(uint64_t at_us, uint8_t proto, uint8_t a, uint16_t sport, uint8_t b,
    uint16_t dport, uint8_t flags, uint32_t len)
{
	struct ft_pkt p;

	memset(&p, 0, sizeof(p));
	p.ts_us = T0 + at_us;
	p.wire_len = p.cap_len = len;
	p.ip_ver = 4;
	p.proto = proto;
	p.tcp_flags = flags;
	p.has_ports = 1;
	p.sport = sport;
	p.dport = dport;
	p.src[0] = p.dst[0] = 10;
	p.src[3] = a;
	p.dst[3] = b;
	p.src_mac[0] = p.dst_mac[0] = 0x02;
	p.src_mac[5] = a;
	p.dst_mac[5] = b;
	return p;
}

static struct flow_table *
table(const struct flow_opts *o)
{
	struct flow_table *ft = NULL;
	struct ft_err err;

	if (flow_table_new(o, &ft, &err)) {
		fprintf(stderr, "flow_table_new: %s\n", err.msg);
		abort();
	}
	n_recs = 0;
	return ft;
}

/* Feed one packet; returns the hit, failing the case on an error. */
static struct flow_hit
feed(struct flow_table *ft, struct ft_pkt p)
{
	struct flow_hit hit;
	int rc = flow_table_update(ft, &p, &hit);

	if (rc)
		UT_FAILF("flow_table_update returned %d", rc);
	return hit;
}

/* Harvest (or flush when flush is set) everything due, in small batches. */
static void
drain_impl(struct flow_table *ft, uint64_t at_us, bool flush)
{
	size_t n, cap = 3;

	do {
		if (n_recs + cap > MAX_RECS) {
			UT_FAILF("too many records");
			return;
		}
		if (flush)
			n = flow_table_flush(ft, recs + n_recs, cap);
		else
			n = flow_table_harvest(ft, T0 + at_us, recs + n_recs,
			    cap);
		n_recs += n;
	} while (n == cap);
}

static void
drain(struct flow_table *ft, uint64_t at_us)
{
	drain_impl(ft, at_us, false);
}

static void
flush(struct flow_table *ft)
{
	drain_impl(ft, 0, true);
}

static uint32_t
active(const struct flow_table *ft)
{
	struct flow_stats st;

	flow_table_get_stats(ft, &st);
	return st.active;
}

static void
both_directions_of_a_tcp_connection_are_one_flow(void)
{
	struct flow_table *ft = table(&base_opts);
	struct flow_hit h1, h2, h3;

	h1 = feed(ft, pkt(0, 6, 1, 40000, 2, 443, SYN, 60));
	h2 = feed(ft, pkt(10, 6, 2, 443, 1, 40000, SYN | ACK, 60));
	h3 = feed(ft, pkt(20, 6, 1, 40000, 2, 443, ACK, 52));
	UT_ASSERT(h1.is_new && !h2.is_new && !h3.is_new);
	UT_EQ(h1.dir, 0);
	UT_EQ(h2.dir, 1);
	UT_EQ(h3.dir, 0);
	UT_ASSERT(h1.l7 == h2.l7);
	UT_EQ(active(ft), 1);
	flush(ft);
	UT_EQ(n_recs, 1);
	UT_EQ(recs[0].pkts[0], 2);
	UT_EQ(recs[0].pkts[1], 1);
	UT_EQ(recs[0].bytes[0], 112);
	UT_EQ(recs[0].bytes[1], 60);
	flow_table_free(ft);
}

static void
icmp_requests_and_replies_are_one_flow(void)
{
	static const struct {
		uint8_t ver, proto, req, rep;	/* IP version, protocol, types */
	} cases[] = {
		{ 4, 1, 8, 0 }, { 4, 1, 13, 14 }, { 4, 1, 15, 16 },
		{ 4, 1, 17, 18 }, { 6, 58, 128, 129 }, { 6, 58, 139, 140 },
	};
	struct flow_table *ft;
	struct ft_pkt q, r;
	struct flow_hit h1, h2;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ft = table(&base_opts);
		q = pkt(0, cases[i].proto, 1, 0, 9, cases[i].req << 8, 0, 98);
		r = pkt(5, cases[i].proto, 9, 0, 1, cases[i].rep << 8, 0, 98);
		q.ip_ver = r.ip_ver = cases[i].ver;
		h1 = feed(ft, q);
		h2 = feed(ft, r);
		UT_ASSERT(h1.is_new && !h2.is_new);
		UT_EQ(h2.dir, 1);
		flush(ft);
		UT_EQ(n_recs, 1);
		UT_EQ(recs[0].sport, cases[i].req << 8);
		UT_EQ(recs[0].cport, 0);
		UT_EQ(recs[0].cli[3], 1);
		UT_EQ(recs[0].pkts[0] + recs[0].pkts[1], 2);
		flow_table_free(ft);
	}
}

static void
other_icmp_types_are_keyed_by_type_and_code(void)
{
	struct flow_table *ft = table(&base_opts);

	feed(ft, pkt(0, 1, 1, 0, 9, 3 << 8 | 3, 0, 70));	/* port unreachable */
	feed(ft, pkt(1, 1, 1, 0, 9, 3 << 8 | 1, 0, 70));	/* host unreachable */
	feed(ft, pkt(2, 1, 9, 0, 1, 3 << 8 | 3, 0, 70));	/* other way */
	UT_EQ(active(ft), 2);
	flow_table_free(ft);
}

static void
different_vlan_or_iface_or_version_makes_different_flows(void)
{
	struct flow_table *ft = table(&base_opts);
	struct ft_pkt p = pkt(0, 17, 1, 5000, 2, 53, 0, 80);

	feed(ft, p);
	p.vlan = 7;
	p.ts_us++;
	feed(ft, p);
	p.iface = 1;
	p.ts_us++;
	feed(ft, p);
	p.ip_ver = 6;
	p.ts_us++;
	feed(ft, p);
	p.proto = 6;
	p.ts_us++;
	feed(ft, p);
	UT_EQ(active(ft), 5);
	flush(ft);
	UT_EQ(n_recs, 5);
	UT_EQ(recs[4].vlan, 7);
	UT_EQ(recs[4].iface, 1);
	UT_EQ(recs[4].ip_ver, 6);
	UT_EQ(recs[4].proto, 6);
	flow_table_free(ft);
}

static void
packets_without_ports_key_by_address_only(void)
{
	struct flow_table *ft = table(&base_opts);
	struct ft_pkt f1 = pkt(0, 17, 1, 5000, 2, 53, 0, 1500);
	struct ft_pkt f2 = pkt(1, 17, 2, 999, 1, 888, 0, 700);

	f1.has_ports = f2.has_ports = 0;
	f1.frag = f2.frag = FT_FRAG_LATER;
	feed(ft, pkt(0, 17, 1, 5000, 2, 53, 0, 80));
	UT_ASSERT(feed(ft, f1).is_new);
	UT_ASSERT(!feed(ft, f2).is_new);
	UT_EQ(active(ft), 2);
	flush(ft);
	UT_EQ(n_recs, 2);
	UT_EQ(recs[1].cport, 0);
	UT_EQ(recs[1].sport, 0);
	UT_EQ(recs[1].bytes[0] + recs[1].bytes[1], 2200);
	flow_table_free(ft);
}

static void
the_client_follows_the_orientation_rules(void)
{
	static const struct {
		const char *what;	/* the case */
		uint8_t proto;		/* IP protocol of the first packet */
		uint16_t sport, dport;	/* its ports (ICMP: 0, type << 8) */
		uint8_t flags;		/* its TCP flags */
		bool sender_is_client;	/* expected orientation */
		bool guessed;		/* expected FT_REC_GUESSED */
	} cases[] = {
		{ "tcp syn", 6, 40000, 80, SYN, true, false },
		{ "tcp syn from a low port", 6, 80, 40000, SYN, true, false },
		{ "tcp syn+ack first", 6, 80, 40000, SYN | ACK, false, false },
		{ "tcp mid-stream from server", 6, 443, 50000, ACK, false, true },
		{ "tcp mid-stream from client", 6, 50000, 443, ACK, true, true },
		{ "tcp mid-stream, high ports", 6, 40000, 50000, ACK, true, true },
		{ "tcp mid-stream from mysql", 6, 3306, 50000, ACK, false, true },
		{ "udp dns reply first", 17, 53, 40000, 0, false, false },
		{ "udp dns query", 17, 40000, 53, 0, true, false },
		{ "udp ntp both service", 17, 123, 123, 0, true, false },
		{ "udp from 8443", 17, 8443, 40000, 0, false, false },
		{ "udp high ports", 17, 40000, 50000, 0, true, false },
		{ "sctp from service", 132, 5060, 40000, 0, false, false },
		{ "icmp echo request", 1, 0, 8 << 8, 0, true, false },
		{ "icmp echo reply first", 1, 0, 0 << 8, 0, false, false },
		{ "icmp unreachable", 1, 0, 3 << 8 | 3, 0, true, false },
		{ "gre", 47, 0, 0, 0, true, false },
	};
	struct flow_table *ft;
	struct flow_hit h;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ft = table(&base_opts);
		h = feed(ft, pkt(0, cases[i].proto, 7, cases[i].sport, 3,
		    cases[i].dport, cases[i].flags, 100));
		flush(ft);
		if (n_recs != 1 ||
		    (recs[0].cli[3] == 7) != cases[i].sender_is_client ||
		    h.dir != !cases[i].sender_is_client ||
		    !(recs[0].flags & FT_REC_GUESSED) != !cases[i].guessed)
			UT_FAILF("%s: wrong orientation", cases[i].what);
		else if (cases[i].proto != 1 && recs[0].sport !=
		    (cases[i].sender_is_client ? cases[i].dport :
		    cases[i].sport))
			UT_FAILF("%s: wrong server port", cases[i].what);
		flow_table_free(ft);
	}
}

/* A packet on iface 2, VLAN 42. */
static struct ft_pkt
tagged(struct ft_pkt p)
{
	p.vlan = 42;
	p.iface = 2;
	return p;
}

static void
a_record_carries_every_field_the_table_knows(void)
{
	struct flow_table *ft = table(&base_opts);
	struct ft_flowrec *r = &recs[0];
	struct flow_hit h;

	h = feed(ft, tagged(pkt(S(1), 6, 5, 40000, 6, 443, SYN, 74)));
	h.l7->app_id = 91;
	h = feed(ft, tagged(pkt(S(2), 6, 6, 443, 5, 40000, SYN | ACK, 74)));
	UT_EQ(h.l7->app_id, 91);
	feed(ft, tagged(pkt(S(3), 6, 5, 40000, 6, 443, ACK | FT_TCP_PSH, 500)));
	flush(ft);
	UT_EQ(n_recs, 1);
	UT_EQ(r->flow_id, 1);
	UT_EQ(r->start_us, T0 + S(1));
	UT_EQ(r->first_us, T0 + S(1));
	UT_EQ(r->last_us, T0 + S(3));
	UT_EQ(r->bytes[0], 574);
	UT_EQ(r->bytes[1], 74);
	UT_EQ(r->pkts[0], 2);
	UT_EQ(r->pkts[1], 1);
	UT_EQ(r->iface, 2);
	UT_EQ(r->vlan, 42);
	UT_EQ(r->ip_ver, 4);
	UT_EQ(r->proto, 6);
	UT_EQ(r->end, FT_END_FLUSH);
	UT_EQ(r->flags, FT_REC_FINAL);
	UT_EQ(r->tcp_flags[0], SYN | ACK | FT_TCP_PSH);
	UT_EQ(r->tcp_flags[1], SYN | ACK);
	UT_EQ(r->cport, 40000);
	UT_EQ(r->sport, 443);
	UT_EQ(r->cli[0], 10);
	UT_EQ(r->cli[3], 5);
	UT_EQ(r->srv[3], 6);
	UT_EQ(r->cli_mac[5], 5);
	UT_EQ(r->srv_mac[5], 6);
	UT_EQ(r->l7.app_id, 91);
	UT_EQ(r->tunnel, 0);
	UT_STREQ(r->app, "");
	UT_STREQ(r->category, "");
	UT_STREQ(r->server_name, "");
	flow_table_free(ft);
}

/* The record of the flow whose client port is cport, or NULL. */
static const struct ft_flowrec *
rec_of(uint16_t cport)
{
	size_t i;

	for (i = 0; i < n_recs; i++)
		if (recs[i].cport == cport)
			return &recs[i];
	return NULL;
}

static void
a_record_carries_the_tunnel_of_the_packet_that_started_the_flow(void)
{
	static const uint8_t tunnels[] = { 0, 4, 17, 41, 47 };
	struct flow_table *ft = table(&base_opts);
	const struct ft_flowrec *r;
	struct ft_pkt p;
	uint16_t i;

	for (i = 0; i < sizeof(tunnels); i++) {
		p = pkt(S(1), 17, 1, 5000 + i, 2, 53, 0, 80);
		p.tunnel = tunnels[i];
		feed(ft, p);
		p = pkt(S(2), 17, 2, 53, 1, 5000 + i, 0, 120);
		p.tunnel = 41;		/* later packets do not change it */
		feed(ft, p);
	}
	p = pkt(S(100), 17, 1, 5000, 2, 53, 0, 80);	/* after the timeout */
	p.tunnel = 47;
	feed(ft, p);
	flush(ft);
	UT_EQ(n_recs, sizeof(tunnels) + 1);
	for (i = 0; i < sizeof(tunnels); i++) {
		r = rec_of(5000 + i);
		UT_ASSERT(r != NULL);
		if (r)
			UT_EQ(r->tunnel, tunnels[i]);
		UT_EQ(r ? r->pkts[1] : 0, 1);
	}
	UT_EQ(recs[n_recs - 1].cport, 5000);	/* the restarted flow */
	UT_EQ(recs[n_recs - 1].tunnel, 47);
	flow_table_free(ft);
}

/* A whole TCP conversation a:40000 <-> b:80 that ends with FIN or RST. */
static void
tcp_close(struct flow_table *ft, bool rst)
{
	feed(ft, pkt(S(0), 6, 1, 40000, 2, 80, SYN, 60));
	feed(ft, pkt(S(1), 6, 2, 80, 1, 40000, SYN | ACK, 60));
	feed(ft, pkt(S(2), 6, 1, 40000, 2, 80, ACK, 52));
	if (rst) {
		feed(ft, pkt(S(3), 6, 2, 80, 1, 40000, RST, 40));
		return;
	}
	feed(ft, pkt(S(3), 6, 1, 40000, 2, 80, FIN | ACK, 52));
	drain(ft, S(3) + 1);
	UT_EQ(n_recs, 0);	/* half closed is still open */
	feed(ft, pkt(S(3), 6, 2, 80, 1, 40000, FIN | ACK, 52));
}

static void
a_closed_tcp_flow_ends_after_the_closed_timeout(void)
{
	struct flow_table *ft;
	int rst;

	for (rst = 0; rst < 2; rst++) {
		ft = table(&base_opts);
		tcp_close(ft, rst);
		drain(ft, S(12));
		UT_EQ(n_recs, 0);
		drain(ft, S(13));
		UT_EQ(n_recs, 1);
		UT_EQ(recs[0].end, FT_END_TCP);
		UT_EQ(recs[0].flags, FT_REC_FINAL);
		UT_EQ(active(ft), 0);
		flow_table_free(ft);
	}
}

static void
a_syn_on_a_closed_connection_starts_a_new_flow(void)
{
	struct flow_table *ft = table(&base_opts);

	tcp_close(ft, false);
	UT_ASSERT(!feed(ft, pkt(S(4), 6, 1, 40000, 2, 80, ACK, 52)).is_new);
	UT_ASSERT(feed(ft, pkt(S(5), 6, 1, 40000, 2, 80, SYN, 60)).is_new);
	drain(ft, S(5));
	UT_EQ(n_recs, 1);
	UT_EQ(recs[0].end, FT_END_TCP);
	UT_EQ(recs[0].pkts[0] + recs[0].pkts[1], 6);
	flush(ft);
	UT_EQ(n_recs, 2);
	UT_EQ(recs[1].flow_id, 2);
	UT_EQ(recs[1].pkts[0], 1);
	UT_EQ(recs[1].flags, FT_REC_FINAL);
	flow_table_free(ft);
}

static void
idle_timeouts_follow_the_protocol(void)
{
	static const struct {
		uint8_t proto;		/* IP protocol */
		uint8_t flags;		/* TCP flags */
		uint32_t timeout_s;	/* expected idle timeout */
	} cases[] = {
		{ 6, SYN, 300 }, { 6, ACK, 300 }, { 17, 0, 60 }, { 1, 0, 30 },
		{ 58, 0, 30 }, { 47, 0, 30 }, { 132, 0, 30 },
	};
	struct flow_table *ft;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ft = table(&base_opts);
		feed(ft, pkt(S(100), cases[i].proto, 1, 1000, 2, 2000,
		    cases[i].flags, 100));
		drain(ft, S(100 + cases[i].timeout_s) - 1);
		UT_EQ(active(ft), 1);
		n_recs = 0;	/* active-timeout deltas are not the point */
		drain(ft, S(100 + cases[i].timeout_s));
		UT_EQ(active(ft), 0);
		UT_EQ(n_recs, 1);
		UT_EQ(recs[0].end, FT_END_IDLE);
		UT_EQ(recs[0].flags & FT_REC_FINAL, FT_REC_FINAL);
		flow_table_free(ft);
	}
}

/*
 * T0 is 20 s into a minute, so ticks of the 60 s active timeout fall at
 * T0 + 40, 100, 160, 220 and 280. Harvesting before every second's packets,
 * as the pipeline does, cuts records exactly there.
 */
static void
active_timeout_deltas_sum_to_the_flow_totals(void)
{
	struct flow_table *ft = table(&base_opts);
	uint64_t bytes = 0, pkts = 0;
	size_t i, deltas = 0;
	int t;

	for (t = 0; t < 300; t++) {
		drain(ft, S(t));
		feed(ft, pkt(S(t), 17, 1, 5000, 2, 4000, 0, 100 + t));
		feed(ft, pkt(S(t) + 1, 17, 2, 4000, 1, 5000, 0, 60));
		bytes += 160 + t;
		pkts += 2;
	}
	flush(ft);
	for (i = 0; i < n_recs; i++) {
		bytes -= recs[i].bytes[0] + recs[i].bytes[1];
		pkts -= recs[i].pkts[0] + recs[i].pkts[1];
		if (i + 1 < n_recs) {
			deltas++;
			UT_EQ(recs[i].end, FT_END_ACTIVE);
			UT_EQ(recs[i].flags & FT_REC_FINAL, 0);
			UT_EQ(recs[i].last_us / S(60) + 1,
			    recs[i + 1].first_us / S(60));
		}
		UT_EQ(recs[i].first_us / S(60), recs[i].last_us / S(60));
		if (i > 0)
			UT_EQ(recs[i].first_us, recs[i - 1].last_us + S(1) - 1);
		UT_EQ(recs[i].start_us, T0);
		UT_EQ(recs[i].flags & FT_REC_CONT, 0);
	}
	UT_EQ(deltas, 5);
	UT_EQ(recs[0].last_us, T0 + S(39) + 1);
	UT_EQ(recs[n_recs - 1].flags, FT_REC_FINAL);
	UT_EQ(bytes, 0);
	UT_EQ(pkts, 0);
	flow_table_free(ft);
}

/*
 * A packet older than the flow's start that comes after its first record
 * (merged captures out of time order) does not move the start: that record
 * stays the only one whose first packet is the start, so readers tell a
 * flow's first record and the stats count the flow new once.
 */
static void
a_late_packet_after_a_record_keeps_the_start(void)
{
	struct flow_table *ft = table(&base_opts);

	feed(ft, pkt(S(10), 17, 1, 5000, 2, 4000, 0, 100));
	drain(ft, S(61));	/* the minute's delta goes out */
	feed(ft, pkt(S(5), 17, 1, 5000, 2, 4000, 0, 100));	/* late */
	flush(ft);
	UT_EQ(n_recs, 2);
	UT_EQ(recs[0].start_us, T0 + S(10));
	UT_EQ(recs[0].first_us, recs[0].start_us);
	UT_EQ(recs[1].start_us, T0 + S(10));
	UT_EQ(recs[1].first_us, T0 + S(5));
	UT_EQ(recs[1].pkts[0], 1);
	UT_ASSERT(recs[1].flags & FT_REC_FINAL);
	flow_table_free(ft);
}

/*
 * With a 10 s active timeout a busy flow has several records per minute:
 * all but the minute's first say FT_REC_CONT, so the stats stage counts the
 * flow active once per minute.
 */
static void
records_after_the_first_of_a_minute_are_continuations(void)
{
	struct flow_opts o = base_opts;
	struct flow_table *ft;
	size_t i, firsts = 0;
	int t;

	o.active_timeout_s = 10;
	ft = table(&o);
	for (t = 0; t < 130; t++) {
		drain(ft, S(t));
		feed(ft, pkt(S(t), 17, 1, 5000, 2, 4000, 0, 100));
	}
	flush(ft);
	for (i = 0; i < n_recs; i++) {
		UT_EQ(recs[i].first_us / S(10), recs[i].last_us / S(10));
		if (!(recs[i].flags & FT_REC_CONT))
			firsts++;
		else
			UT_EQ(recs[i].first_us / S(60),
			    recs[i - 1].first_us / S(60));
	}
	UT_EQ(n_recs, 13);	/* T0 + 0..129 s cut at T0 + 10, 20 .. 120 */
	UT_EQ(firsts, 3);	/* the minutes from T0 - 20, T0 + 40, T0 + 100 */
	flow_table_free(ft);
}

/* A timeout that does not divide a minute would let records straddle one. */
static void
an_active_timeout_must_divide_a_minute(void)
{
	struct flow_opts o = base_opts;
	struct flow_table *ft = NULL;
	struct ft_err err = { 0 };

	o.active_timeout_s = 7;
	UT_EQ(flow_table_new(&o, &ft, &err), -FT_EINVAL);
	UT_ASSERT(strstr(err.msg, "divide a minute") != NULL);
	o.active_timeout_s = 120;
	UT_EQ(flow_table_new(&o, &ft, &err), -FT_EINVAL);
}

static void
a_quiet_flow_gets_no_delta(void)
{
	struct flow_table *ft = table(&base_opts);

	feed(ft, pkt(S(0), 6, 1, 40000, 2, 443, SYN, 60));
	drain(ft, S(60));
	UT_EQ(n_recs, 1);	/* its first delta */
	drain(ft, S(120));
	UT_EQ(n_recs, 1);
	feed(ft, pkt(S(150), 6, 1, 40000, 2, 443, ACK, 52));
	drain(ft, S(159));
	UT_EQ(n_recs, 1);
	drain(ft, S(160));	/* the tick: a whole minute at T0 + 160 */
	UT_EQ(n_recs, 2);
	UT_EQ(recs[1].end, FT_END_ACTIVE);
	UT_EQ(recs[1].first_us, T0 + S(150));
	drain(ft, S(500));
	UT_EQ(n_recs, 3);
	UT_EQ(recs[2].end, FT_END_IDLE);
	UT_EQ(recs[2].pkts[0] + recs[2].pkts[1], 0);
	UT_EQ(recs[2].first_us, T0 + S(150));
	UT_EQ(recs[2].last_us, T0 + S(150));
	flow_table_free(ft);
}

static void
a_packet_after_the_idle_timeout_starts_a_new_flow(void)
{
	struct flow_table *ft = table(&base_opts);
	struct flow_hit h;

	feed(ft, pkt(S(0), 17, 1, 5000, 2, 4000, 0, 70));
	h = feed(ft, pkt(S(59), 17, 2, 4000, 1, 5000, 0, 90));
	UT_ASSERT(!h.is_new);
	h = feed(ft, pkt(S(119), 17, 2, 4000, 1, 5000, 0, 90));
	UT_ASSERT(h.is_new);
	UT_EQ(h.dir, 0);	/* a new flow, oriented by its own first packet */
	UT_EQ(h.l7->state, FT_L7_NEW);
	UT_EQ(active(ft), 1);
	drain(ft, S(119));
	UT_EQ(n_recs, 1);
	UT_EQ(recs[0].flow_id, 1);
	UT_EQ(recs[0].end, FT_END_IDLE);
	UT_EQ(recs[0].pkts[0] + recs[0].pkts[1], 2);
	flush(ft);
	UT_EQ(n_recs, 2);
	UT_EQ(recs[1].flow_id, 2);
	UT_EQ(recs[1].cport, 4000);
	flow_table_free(ft);
}

static void
a_full_pool_evicts_the_oldest_idle_flow(void)
{
	struct flow_opts o = base_opts;
	struct flow_table *ft;
	struct flow_stats st;
	int i;

	o.max_flows = 4;
	ft = table(&o);
	for (i = 0; i < 4; i++)
		feed(ft, pkt(S(i), 17, 1, (uint16_t)(5000 + i), 2, 53, 0, 80));
	feed(ft, pkt(S(5), 17, 2, 53, 1, 5000, 0, 80));	/* 5001 is oldest */
	feed(ft, pkt(S(6), 6, 1, 40000, 2, 80, SYN, 60));
	flow_table_get_stats(ft, &st);
	UT_EQ(st.evicted, 1);
	UT_EQ(st.active, 4);
	UT_EQ(st.created, 5);
	drain(ft, S(6));
	UT_EQ(n_recs, 1);
	UT_EQ(recs[0].end, FT_END_EVICT);
	UT_EQ(recs[0].flags, FT_REC_FINAL);
	UT_EQ(recs[0].cport, 5001);
	flow_table_free(ft);
}

static void
a_full_pool_ends_an_expired_flow_before_evicting(void)
{
	struct flow_opts o = base_opts;
	struct flow_table *ft;
	struct flow_stats st;

	o.max_flows = 2;
	ft = table(&o);
	feed(ft, pkt(S(0), 6, 1, 40000, 2, 80, ACK, 60));
	feed(ft, pkt(S(10), 17, 1, 5000, 2, 53, 0, 80));
	feed(ft, pkt(S(80), 17, 1, 5001, 2, 53, 0, 80));
	flow_table_get_stats(ft, &st);
	UT_EQ(st.evicted, 0);
	drain(ft, S(80));
	UT_EQ(n_recs, 2);	/* and the TCP flow's first delta */
	UT_EQ(recs[0].end, FT_END_IDLE);
	UT_EQ(recs[0].cport, 5000);
	UT_EQ(recs[1].end, FT_END_ACTIVE);
	flow_table_free(ft);
}

static void
a_full_ring_makes_update_ask_for_a_harvest(void)
{
	struct flow_opts o = base_opts;
	struct flow_table *ft;
	struct flow_stats st, st2;
	struct flow_hit h;
	struct ft_pkt p;
	int i, rc = 0;

	o.max_flows = 4;
	ft = table(&o);
	for (i = 0; i < 1000 && !rc; i++) {
		p = pkt(S(i), 17, 1, (uint16_t)(2000 + i), 2, 53, 0, 80);
		rc = flow_table_update(ft, &p, &h);
	}
	UT_EQ(rc, -FT_EAGAIN);
	UT_ASSERT(i > 4 + 8);
	flow_table_get_stats(ft, &st);
	UT_EQ(st.evicted, (uint64_t)(i - 1 - 4));
	UT_EQ(flow_table_update(ft, &p, &h), -FT_EAGAIN);
	flow_table_get_stats(ft, &st2);
	UT_EQ(st2.created, st.created);
	drain(ft, S(i - 1));
	UT_EQ(n_recs, st.evicted);
	UT_EQ(recs[0].cport, 2000);
	UT_EQ(flow_table_update(ft, &p, &h), 0);
	UT_ASSERT(h.is_new);
	flow_table_free(ft);
}

/* Three flows: one evicted (ring), one idle past its timeout, two deltas. */
static struct flow_table *
harvest_order_setup(void)
{
	struct flow_opts o = base_opts;
	struct flow_table *ft;

	o.max_flows = 3;
	ft = table(&o);
	feed(ft, pkt(S(0), 6, 1, 40000, 2, 80, SYN, 60));	/* evicted */
	feed(ft, pkt(S(1), 17, 1, 5000, 2, 53, 0, 80));	/* idle */
	feed(ft, pkt(S(2), 6, 1, 40001, 2, 80, SYN, 60));	/* delta */
	feed(ft, pkt(S(3), 6, 1, 40002, 2, 80, SYN, 60));	/* delta */
	return ft;
}

static void
harvest_returns_evicted_then_idle_then_deltas(void)
{
	static const uint8_t want[] = {
		FT_END_EVICT, FT_END_IDLE, FT_END_ACTIVE, FT_END_ACTIVE,
	};
	static const uint16_t port[] = { 40000, 5000, 40001, 40002 };
	struct ft_flowrec out[8];
	struct flow_table *ft;
	size_t cap, i, n, got;

	for (cap = 1; cap <= 5; cap++) {
		ft = harvest_order_setup();
		got = 0;
		do {
			n = flow_table_harvest(ft, T0 + S(100), out, cap);
			UT_ASSERT(n <= cap);
			for (i = 0; i < n && got + i < 4; i++) {
				UT_EQ(out[i].end, want[got + i]);
				UT_EQ(out[i].cport, port[got + i]);
			}
			got += n;
		} while (n == cap);
		UT_EQ(got, 4);
		UT_EQ(flow_table_harvest(ft, T0 + S(100), out, cap), 0);
		flow_table_free(ft);
	}
}

static void
expired_flows_come_out_oldest_first_across_protocols(void)
{
	struct flow_table *ft = table(&base_opts);
	size_t i;

	feed(ft, pkt(S(0), 1, 1, 0, 2, 8 << 8, 0, 80));
	feed(ft, pkt(S(1), 17, 1, 5000, 2, 53, 0, 80));
	feed(ft, pkt(S(2), 6, 1, 40000, 2, 80, RST, 60));
	feed(ft, pkt(S(3), 17, 1, 5001, 2, 53, 0, 80));
	feed(ft, pkt(S(4), 6, 1, 40001, 2, 80, SYN, 60));
	feed(ft, pkt(S(5), 1, 1, 0, 2, 13 << 8, 0, 80));
	drain(ft, S(1000));
	UT_EQ(n_recs, 6);
	for (i = 1; i < n_recs; i++)
		UT_ASSERT(recs[i - 1].last_us <= recs[i].last_us);
	UT_EQ(recs[2].end, FT_END_TCP);
	flow_table_free(ft);
}

static void
flush_ends_every_flow_after_the_evicted_ones(void)
{
	struct flow_opts o = base_opts;
	struct flow_table *ft;
	struct flow_stats st;
	struct ft_flowrec out[1];
	int i;

	o.max_flows = 2;
	ft = table(&o);
	for (i = 0; i < 3; i++)
		feed(ft, pkt(S(i), 17, 1, (uint16_t)(5000 + i), 2, 53, 0, 80));
	UT_EQ(flow_table_flush(ft, out, 1), 1);
	UT_EQ(out[0].end, FT_END_EVICT);
	for (i = 1; i < 3; i++) {
		UT_EQ(flow_table_flush(ft, out, 1), 1);
		UT_EQ(out[0].end, FT_END_FLUSH);
		UT_EQ(out[0].flags, FT_REC_FINAL);
		UT_EQ(out[0].cport, 5000 + i);
	}
	UT_EQ(flow_table_flush(ft, out, 1), 0);
	flow_table_get_stats(ft, &st);
	UT_EQ(st.active, 0);
	UT_EQ(st.records, 3);
	UT_EQ(st.created, 3);
	UT_EQ(st.max_flows, 2);
	flow_table_free(ft);
}

static void
flow_table_new_rejects_bad_options(void)
{
	struct flow_opts o = base_opts;
	struct flow_table *ft = NULL;
	struct ft_err err;

	o.max_flows = 0;
	UT_EQ(flow_table_new(&o, &ft, &err), -FT_EINVAL);
	UT_EQ(err.code, FT_EINVAL);
	o = base_opts;
	o.active_timeout_s = 0;
	UT_EQ(flow_table_new(&o, &ft, NULL), -FT_EINVAL);
	UT_ASSERT(ft == NULL);
	flow_table_free(NULL);
}

/* Running sums of the randomized test. */
struct conserve {
	uint64_t bytes, pkts;		/* input not yet seen in records */
	uint64_t records, finals;	/* records and final records seen */
	uint64_t last_id;		/* largest flow_id seen */
	uint8_t *ended;			/* flow_id -> 1 once its final came */
	size_t max_id;			/* size of ended */
};

static uint64_t rng_state = 88172645463325252ull;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

static void
conserve_take(struct conserve *c, const struct ft_flowrec *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++, r++) {
		c->bytes -= r->bytes[0] + r->bytes[1];
		c->pkts -= r->pkts[0] + r->pkts[1];
		c->records++;
		if (r->flow_id == 0 || r->flow_id >= c->max_id ||
		    c->ended[r->flow_id]) {
			UT_FAILF("record of an ended or unknown flow %" PRIu64,
			    r->flow_id);
			continue;
		}
		if (!(r->flags & FT_REC_FINAL) &&
		    (r->pkts[0] + r->pkts[1] == 0 || r->end != FT_END_ACTIVE))
			UT_FAILF("empty or misnamed delta");
		if (r->flags & FT_REC_FINAL) {
			c->ended[r->flow_id] = 1;
			c->finals++;
		}
		if (r->first_us > r->last_us || r->start_us > r->first_us)
			UT_FAILF("record times out of order");
		if (r->flow_id > c->last_id)
			c->last_id = r->flow_id;
	}
}

static void
conserve_harvest(struct flow_table *ft, struct conserve *c, uint64_t now,
    bool flush_all)
{
	struct ft_flowrec out[7];
	size_t n;

	do {
		if (flush_all)
			n = flow_table_flush(ft, out, 7);
		else
			n = flow_table_harvest(ft, now, out, 7);
		conserve_take(c, out, n);
	} while (n == 7);
}

/* A random packet among 3000 conversations of every kind, 40 of them busy. */
static struct ft_pkt
random_pkt(uint64_t now)
{
	static const uint8_t protos[] = { 6, 6, 6, 17, 17, 1, 58, 47 };
	static const uint8_t flags[] = { SYN, SYN | ACK, ACK, ACK, ACK,
	    FIN | ACK, RST, ACK | FT_TCP_PSH };
	uint32_t r = rng(), conv = r % 3000;
	uint8_t proto;
	struct ft_pkt p;

	if (rng() % 4)
		conv %= 40;
	proto = protos[conv % 8];
	p = pkt(0, proto, (uint8_t)(conv % 50), (uint16_t)(1000 + conv),
	    (uint8_t)(100 + conv % 7), (uint16_t)(conv % 5 ? 443 : 53), 0,
	    60 + rng() % 1400);
	p.ts_us = now;
	if (r & 0x80000000u) {	/* the other direction */
		memcpy(p.src, p.dst, 4);
		p.dst[3] = (uint8_t)(conv % 50);
		p.sport = p.dport;
		p.dport = (uint16_t)(1000 + conv);
	}
	if (proto == 6)
		p.tcp_flags = flags[rng() % 8];
	if (proto == 1 || proto == 58)
		p.dport = (uint16_t)((r & 1 ? 8 : 0) << 8);
	if (proto == 58)
		p.dport = (uint16_t)((r & 1 ? 128 : 129) << 8);
	if (rng() % 50 == 0)
		p.has_ports = 0;
	p.vlan = (uint16_t)(conv % 3);
	return p;
}

static void
every_packet_is_counted_in_exactly_one_flow(void)
{
	struct flow_opts o = base_opts;
	struct conserve c = { 0 };
	struct flow_table *ft;
	struct flow_stats st;
	struct flow_hit h;
	struct ft_pkt p;
	uint64_t now = T0, next_tick = T0 + S(1), pkts_in = 0;
	int i, rc;

	o.max_flows = 256;
	o.udp_timeout_s = 20;
	o.other_timeout_s = 5;
	o.active_timeout_s = 3;
	ft = table(&o);
	c.max_id = 400000;
	c.ended = calloc(c.max_id, 1);
	for (i = 0; i < 300000; i++) {
		now += rng() % 2000;
		p = random_pkt(rng() % 100 ? now : now - 30000);	/* jitter */
		while ((rc = flow_table_update(ft, &p, &h)) == -FT_EAGAIN)
			conserve_harvest(ft, &c, now, false);
		UT_EQ(rc, 0);
		c.bytes += p.wire_len;
		c.pkts++;
		pkts_in++;
		if (now >= next_tick) {
			conserve_harvest(ft, &c, now, false);
			next_tick = now + S(1);
		}
	}
	conserve_harvest(ft, &c, 0, true);
	flow_table_get_stats(ft, &st);
	UT_EQ(c.bytes, 0);
	UT_EQ(c.pkts, 0);
	UT_EQ(st.active, 0);
	UT_EQ(st.records, c.records);
	UT_EQ(st.created, c.finals);
	UT_EQ(st.created, c.last_id);
	UT_ASSERT(st.evicted > 0);
	UT_ASSERT(c.records > c.finals);
	free(c.ended);
	flow_table_free(ft);
}

int
main(void)
{
	UT_RUN(both_directions_of_a_tcp_connection_are_one_flow);
	UT_RUN(icmp_requests_and_replies_are_one_flow);
	UT_RUN(other_icmp_types_are_keyed_by_type_and_code);
	UT_RUN(different_vlan_or_iface_or_version_makes_different_flows);
	UT_RUN(packets_without_ports_key_by_address_only);
	UT_RUN(the_client_follows_the_orientation_rules);
	UT_RUN(a_record_carries_every_field_the_table_knows);
	UT_RUN(a_record_carries_the_tunnel_of_the_packet_that_started_the_flow);
	UT_RUN(a_closed_tcp_flow_ends_after_the_closed_timeout);
	UT_RUN(a_syn_on_a_closed_connection_starts_a_new_flow);
	UT_RUN(idle_timeouts_follow_the_protocol);
	UT_RUN(active_timeout_deltas_sum_to_the_flow_totals);
	UT_RUN(a_late_packet_after_a_record_keeps_the_start);
	UT_RUN(records_after_the_first_of_a_minute_are_continuations);
	UT_RUN(an_active_timeout_must_divide_a_minute);
	UT_RUN(a_quiet_flow_gets_no_delta);
	UT_RUN(a_packet_after_the_idle_timeout_starts_a_new_flow);
	UT_RUN(a_full_pool_evicts_the_oldest_idle_flow);
	UT_RUN(a_full_pool_ends_an_expired_flow_before_evicting);
	UT_RUN(a_full_ring_makes_update_ask_for_a_harvest);
	UT_RUN(harvest_returns_evicted_then_idle_then_deltas);
	UT_RUN(expired_flows_come_out_oldest_first_across_protocols);
	UT_RUN(flush_ends_every_flow_after_the_evicted_ones);
	UT_RUN(flow_table_new_rejects_bad_options);
	UT_RUN(every_packet_is_counted_in_exactly_one_flow);
	return UT_DONE();
}
