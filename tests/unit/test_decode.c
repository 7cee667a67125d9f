/* test_decode.c: the decoder, link layer to L4, and its counts */
#include <arpa/inet.h>
#include <stdlib.h>

#include "../../src/decode/decode.h"
#include "../lib/pcapw.h"
#include "ut.h"

static struct pcapw_frame fr;	/* the frame under test */

static struct decoder *
t_new_opts(uint32_t slots, uint32_t timeout_s, bool tunnels)
{
	struct decode_opts o = { slots, timeout_s, tunnels };
	struct decoder *d = NULL;

	if (decoder_new(&o, &d, NULL))
		abort();
	return d;
}

/* A decoder as configured by default: tunnels decoded. */
static struct decoder *
t_new(uint32_t slots, uint32_t timeout_s)
{
	return t_new_opts(slots, timeout_s, true);
}

static void
t_spec(struct pcapw_spec *s, uint8_t proto, const char *src, uint16_t sport,
    const char *dst, uint16_t dport)
{
	pcapw_spec_init(s);
	s->proto = proto;
	s->src = src;
	s->dst = dst;
	s->sport = sport;
	s->dport = dport;
}

/* Decode the frame in fr as captured with cap_len of its bytes. */
static int
t_decode_cut(struct decoder *d, int link, uint32_t cap_len,
    struct ft_pkt *pkt)
{
	struct ft_frame f = pcapw_ft_frame(&fr, link, 5000000);

	f.cap_len = cap_len;
	return decode_frame(d, &f, pkt);
}

/* Build s into fr and decode it whole, at time ts_us. */
static int
t_run_at(struct decoder *d, const struct pcapw_spec *s, uint64_t ts_us,
    struct ft_pkt *pkt)
{
	struct ft_frame f;

	if (pcapw_build(s, &fr)) {
		UT_FAILF("pcapw_build: %s", pcapw_errmsg());
		return -1000;
	}
	f = pcapw_ft_frame(&fr, s->link, ts_us);
	return decode_frame(d, &f, pkt);
}

static int
t_run(struct decoder *d, const struct pcapw_spec *s, struct ft_pkt *pkt)
{
	return t_run_at(d, s, 1000000, pkt);
}

static int
t_addr_is(const uint8_t *a, const char *text)
{
	uint8_t want[16] = { 0 };

	if (inet_pton(strchr(text, ':') ? AF_INET6 : AF_INET, text, want) != 1)
		return 0;
	return memcmp(a, want, 16) == 0;
}

/* Decode raw bytes of a link type with the given wire length. */
static int
t_bytes(struct decoder *d, int link, const uint8_t *p, uint32_t cap,
    uint32_t wire, struct ft_pkt *pkt)
{
	struct ft_frame f = { 7, wire, cap, link, 0, p };

	return decode_frame(d, &f, pkt);
}

/* ---- Ethernet, L4 ---- */

static void
ethernet_ipv4_tcp_syn_gives_addresses_ports_and_flags(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_spec(&s, PCAPW_TCP, "10.0.0.1", 40000, "93.184.216.34", 80);
	s.tcp_flags = PCAPW_TCP_SYN;
	UT_EQ(t_run_at(d, &s, 1234567, &p), 0);
	UT_EQ(p.ip_ver, 4);
	UT_EQ(p.proto, 6);
	UT_ASSERT(t_addr_is(p.src, "10.0.0.1"));
	UT_ASSERT(t_addr_is(p.dst, "93.184.216.34"));
	UT_EQ(p.has_ports, 1);
	UT_EQ(p.sport, 40000);
	UT_EQ(p.dport, 80);
	UT_EQ(p.tcp_flags, FT_TCP_SYN);
	UT_EQ(p.frag, FT_FRAG_NONE);
	UT_EQ(p.ts_us, 1234567);
	UT_EQ(p.wire_len, fr.len);
	UT_ASSERT(p.l3 == fr.data + 14);
	UT_EQ(p.l3_len, 40);
	UT_EQ(p.vlan, 0);
	UT_ASSERT(memcmp(p.src_mac, s.src_mac, 6) == 0);
	UT_ASSERT(memcmp(p.dst_mac, s.dst_mac, 6) == 0);
	decoder_free(d);
}

static void
tcp_payload_starts_after_the_data_offset(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;
	struct ft_frame f;

	t_spec(&s, PCAPW_TCP, "10.0.0.1", 1, "10.0.0.2", 2);
	s.payload_len = 20;
	UT_EQ(pcapw_build(&s, &fr), 0);
	fr.data[fr.l4_off + 12] = 8 << 4;	/* 12 bytes of options */
	f = pcapw_ft_frame(&fr, s.link, 1);
	UT_EQ(decode_frame(d, &f, &p), 0);
	UT_ASSERT(p.payload == fr.data + fr.l4_off + 32);
	UT_EQ(p.payload_len, 8);
	fr.data[fr.l4_off + 12] = 4 << 4;	/* below the minimum */
	UT_EQ(decode_frame(d, &f, &p), 0);
	UT_EQ(p.has_ports, 1);
	UT_ASSERT(p.payload == NULL);
	UT_EQ(decoder_stats(d)->malformed, 1);
	decoder_free(d);
}

static void
ethernet_padding_never_becomes_payload(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_spec(&s, PCAPW_UDP, "10.0.0.1", 5353, "10.0.0.2", 53);
	s.payload_len = 4;
	s.min_len = 60;
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(fr.len, 60);
	UT_EQ(p.payload_len, 4);
	UT_ASSERT(p.payload == fr.data + fr.payload_off);
	UT_EQ(p.l3_len, 32);
	decoder_free(d);
}

static void
icmp_and_icmpv6_put_type_and_code_in_dport(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_spec(&s, PCAPW_ICMP, "10.0.0.1", 0, "10.0.0.2", 0);
	s.icmp_type = 3;
	s.icmp_code = 1;
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.proto, 1);
	UT_EQ(p.has_ports, 1);
	UT_EQ(p.sport, 0);
	UT_EQ(p.dport, 3 << 8 | 1);
	t_spec(&s, PCAPW_ICMPV6, "fe80::1", 0, "ff02::1", 0);
	s.icmp_type = 135;
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.ip_ver, 6);
	UT_EQ(p.proto, 58);
	UT_EQ(p.dport, 135 << 8);
	UT_ASSERT(p.payload == NULL);
	decoder_free(d);
}

static void
sctp_has_ports_and_unknown_protocols_have_none(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_spec(&s, PCAPW_SCTP, "10.0.0.1", 3868, "10.0.0.2", 2905);
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.has_ports, 1);
	UT_EQ(p.sport, 3868);
	UT_EQ(p.dport, 2905);
	t_spec(&s, 89, "10.0.0.1", 0, "224.0.0.5", 0);	/* OSPF */
	s.payload_len = 40;
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.proto, 89);
	UT_EQ(p.has_ports, 0);
	UT_EQ(decoder_stats(d)->proto_packets[89], 1);
	decoder_free(d);
}

/* ---- tags, PPPoE, MPLS, LLC ---- */

static void
vlan_single_tag_gives_its_id(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_spec(&s, PCAPW_TCP, "10.0.0.1", 1, "10.0.0.2", 2);
	s.vlan[0] = 10;
	s.n_vlan = 1;
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.vlan, 10);
	UT_EQ(p.sport, 1);
	UT_ASSERT(p.l3 == fr.data + 18);
	decoder_free(d);
}

static void
vlan_stacked_tags_give_the_outer_vlan_id(void)
{
	static const uint16_t tpids[] = { 0x88a8, 0x8100, 0x9100, 0x9200 };
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;
	size_t i;

	for (i = 0; i < sizeof(tpids) / sizeof(tpids[0]); i++) {
		t_spec(&s, PCAPW_UDP, "2001:db8::1", 1, "2001:db8::2", 2);
		s.vlan[0] = 100;
		s.vlan[1] = 200;
		s.vlan[2] = 300;
		s.n_vlan = 3;
		s.outer_tpid = tpids[i];
		UT_EQ(t_run(d, &s, &p), 0);
		UT_EQ(p.vlan, 100);
		UT_EQ(p.ip_ver, 6);
		UT_EQ(p.dport, 2);
	}
	decoder_free(d);
}

/* One frame per id across the 12-bit range, alone and as QinQ outer/inner. */
static void
vlan_ids_across_the_whole_12_bit_range_are_kept(void)
{
	static const uint16_t ids[] = { 0, 1, 255, 256, 1000, 2048, 4094, 4095 };
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		t_spec(&s, PCAPW_UDP, "10.0.0.1", 1, "10.0.0.2", 2);
		s.vlan[0] = ids[i];
		s.n_vlan = 1;
		UT_EQ(t_run(d, &s, &p), 0);
		UT_EQ(p.vlan, ids[i]);
		UT_EQ(p.dport, 2);
		s.link = PCAPW_LINK_SLL2;
		UT_EQ(t_run(d, &s, &p), 0);
		UT_EQ(p.vlan, ids[i]);
	}
	decoder_free(d);
}

/* QinQ with high ids: the outer S-tag is kept, the inner C-tag skipped. */
static void
qinq_high_outer_and_inner_ids_keep_the_outer_one(void)
{
	static const uint16_t pairs[][2] = {
		{ 4094, 4095 }, { 4095, 256 }, { 256, 4094 }, { 3000, 1 },
		{ 1, 3000 }, { 0x0f0f, 0x00f0 },
	};
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		t_spec(&s, PCAPW_TCP, "2001:db8::1", 40000, "2001:db8::2", 443);
		s.vlan[0] = pairs[i][0];
		s.vlan[1] = pairs[i][1];
		s.n_vlan = 2;
		UT_EQ(t_run(d, &s, &p), 0);
		UT_EQ(p.vlan, pairs[i][0]);
		UT_EQ(p.ip_ver, 6);
		UT_EQ(p.dport, 443);
		UT_ASSERT(p.l3 == fr.data + 22);
	}
	decoder_free(d);
}

/* The priority (PCP) and DEI bits above the id are not part of it. */
static void
vlan_priority_and_dei_bits_are_not_part_of_the_id(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_spec(&s, PCAPW_TCP, "10.0.0.1", 1, "10.0.0.2", 2);
	s.vlan[0] = 4095;
	s.n_vlan = 1;
	UT_EQ(pcapw_build(&s, &fr), 0);
	fr.data[14] |= 0xf0;		/* PCP 7, DEI 1 */
	UT_EQ(t_decode_cut(d, PCAPW_LINK_EN10MB, fr.len, &p), 0);
	UT_EQ(p.vlan, 4095);
	fr.data[14] = 0xe0;		/* PCP 7, id 0x0ff */
	UT_EQ(t_decode_cut(d, PCAPW_LINK_EN10MB, fr.len, &p), 0);
	UT_EQ(p.vlan, 255);
	decoder_free(d);
}

static void
pppoe_session_carries_ipv4_and_ipv6(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_spec(&s, PCAPW_TCP, "10.0.0.1", 1, "10.0.0.2", 2);
	s.pppoe = 1;
	s.vlan[0] = 7;
	s.n_vlan = 1;
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.ip_ver, 4);
	UT_EQ(p.vlan, 7);
	UT_EQ(p.dport, 2);
	t_spec(&s, PCAPW_UDP, "2001:db8::1", 546, "2001:db8::2", 547);
	s.pppoe = 1;
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.ip_ver, 6);
	UT_EQ(p.dport, 547);
	decoder_free(d);
}

static void
pppoe_discovery_and_lcp_are_not_ip(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;

	pcapw_spec_init(&s);
	s.ethertype = 0x8863;
	s.payload_len = 30;
	UT_EQ(t_run(d, &s, &p), -FT_ENOENT);
	s.ethertype = 0xc021;	/* LCP inside a session */
	s.pppoe = 1;
	UT_EQ(t_run(d, &s, &p), -FT_ENOENT);
	UT_EQ(p.ip_ver, 0);
	UT_EQ(decoder_stats(d)->non_ip_packets, 2);
	decoder_free(d);
}

static void
mpls_labels_are_popped_to_the_ip_header(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_spec(&s, PCAPW_TCP, "10.0.0.1", 1, "10.0.0.2", 2);
	s.mpls[0] = 100;
	s.n_mpls = 1;
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.ip_ver, 4);
	UT_ASSERT(p.l3 == fr.data + 18);
	t_spec(&s, PCAPW_UDP, "2001:db8::1", 1, "2001:db8::2", 2);
	s.mpls[0] = 100;
	s.mpls[1] = 200;
	s.mpls[2] = 300;
	s.n_mpls = 3;
	s.pppoe = 1;
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.ip_ver, 6);
	UT_EQ(p.dport, 2);
	decoder_free(d);
}

static void
mpls_with_a_non_ip_payload_is_not_ip(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_spec(&s, PCAPW_TCP, "10.0.0.1", 1, "10.0.0.2", 2);
	s.mpls[0] = 16;
	s.n_mpls = 1;
	UT_EQ(pcapw_build(&s, &fr), 0);
	fr.data[fr.l3_off] = 0x15;	/* neither 4, 6 nor a control word */
	UT_EQ(t_decode_cut(d, s.link, fr.len, &p), -FT_ENOENT);
	memset(fr.data + 14, 0, 80);	/* 20 labels, no bottom of stack */
	fr.len = 94;
	UT_EQ(t_decode_cut(d, s.link, fr.len, &p), -FT_EPARSE);
	UT_EQ(decoder_stats(d)->malformed, 1);
	decoder_free(d);
}

static void
llc_snap_carries_ip_and_other_llc_is_not_ip(void)
{
	static const uint8_t hdr[22] = {
		2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0, 60,
		0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00,
	};
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;
	uint8_t buf[128];

	t_spec(&s, PCAPW_UDP, "10.0.0.1", 1, "10.0.0.2", 2);
	s.link = PCAPW_LINK_RAW;
	UT_EQ(pcapw_build(&s, &fr), 0);
	memcpy(buf, hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), fr.data, fr.len);
	UT_EQ(t_bytes(d, 1, buf, 22 + fr.len, 22 + fr.len, &p), 0);
	UT_EQ(p.dport, 2);
	buf[14] = 0x42;			/* STP */
	buf[15] = 0x42;
	UT_EQ(t_bytes(d, 1, buf, 22 + fr.len, 22 + fr.len, &p), -FT_ENOENT);
	decoder_free(d);
}

static void
cisco_fabricpath_gives_the_inner_frame(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;
	uint8_t buf[256];

	t_spec(&s, PCAPW_TCP, "10.0.0.1", 1, "10.0.0.2", 2);
	UT_EQ(pcapw_build(&s, &fr), 0);
	memset(buf, 0xee, 12);
	buf[12] = 0x89;
	buf[13] = 0x03;
	buf[14] = 0x40;
	buf[15] = 0x20;
	memcpy(buf + 16, fr.data, fr.len);
	UT_EQ(t_bytes(d, 1, buf, 16 + fr.len, 16 + fr.len, &p), 0);
	UT_EQ(p.dport, 2);
	UT_ASSERT(memcmp(p.src_mac, s.src_mac, 6) == 0);
	decoder_free(d);
}

static void
arp_is_not_ip_and_says_so(void)
{
	struct decoder *d = t_new(0, 0);
	const struct decode_stats *st = decoder_stats(d);
	struct pcapw_spec s;
	struct ft_pkt p;

	pcapw_spec_init(&s);
	s.ethertype = 0x0806;
	s.payload_len = 28;
	s.min_len = 60;
	UT_EQ(t_run(d, &s, &p), -FT_ENOENT);
	UT_EQ(p.ip_ver, 0);
	UT_ASSERT(p.l3 == NULL);
	UT_ASSERT(memcmp(p.src_mac, s.src_mac, 6) == 0);
	UT_EQ(st->non_ip_packets, 1);
	UT_EQ(st->non_ip_bytes, 60);
	UT_EQ(st->ip_packets, 0);
	UT_EQ(st->truncated + st->malformed, 0);
	decoder_free(d);
}

/* ---- link types ---- */

static void
every_link_type_the_builder_knows_decodes_tcp_and_udp(void)
{
	static const int links[] = {
		PCAPW_LINK_EN10MB, PCAPW_LINK_SLL, PCAPW_LINK_SLL2,
		PCAPW_LINK_RAW, PCAPW_LINK_NULL, PCAPW_LINK_LOOP,
		PCAPW_LINK_PPP, PCAPW_LINK_PPP_HDLC, PCAPW_LINK_C_HDLC,
		PCAPW_LINK_NFLOG,
	};
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;
	size_t i;

	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		t_spec(&s, PCAPW_TCP, "10.0.0.1", 1000, "10.0.0.2", 80);
		s.link = links[i];
		UT_EQ(t_run(d, &s, &p), 0);
		UT_EQ(p.ip_ver, 4);
		UT_EQ(p.dport, 80);
		UT_ASSERT(p.l3 == fr.data + fr.l3_off);
		t_spec(&s, PCAPW_UDP, "2001:db8::1", 1000, "2001:db8::2", 53);
		s.link = links[i];
		UT_EQ(t_run(d, &s, &p), 0);
		UT_EQ(p.ip_ver, 6);
		UT_EQ(p.dport, 53);
	}
	UT_EQ(decoder_stats(d)->ip_packets, 2 * i);
	decoder_free(d);
}

static void
linux_cooked_links_give_the_source_mac(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_spec(&s, PCAPW_UDP, "10.0.0.1", 1, "10.0.0.2", 2);
	s.link = PCAPW_LINK_SLL;
	UT_EQ(t_run(d, &s, &p), 0);
	UT_ASSERT(memcmp(p.src_mac, s.src_mac, 6) == 0);
	s.link = PCAPW_LINK_SLL2;
	s.vlan[0] = 12;
	s.n_vlan = 1;
	UT_EQ(t_run(d, &s, &p), 0);
	UT_ASSERT(memcmp(p.src_mac, s.src_mac, 6) == 0);
	UT_EQ(p.vlan, 12);
	fr.data[9] = 0x38;	/* ARPHRD_NETLINK (824) */
	fr.data[8] = 0x03;
	UT_EQ(t_decode_cut(d, s.link, fr.len, &p), -FT_ENOENT);
	decoder_free(d);
}

static void
raw_links_take_the_version_from_the_link_or_the_header(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_spec(&s, PCAPW_UDP, "10.0.0.1", 1, "10.0.0.2", 2);
	s.link = PCAPW_LINK_RAW;
	UT_EQ(pcapw_build(&s, &fr), 0);
	UT_EQ(t_decode_cut(d, 12, fr.len, &p), 0);
	UT_EQ(t_decode_cut(d, 101, fr.len, &p), 0);
	UT_EQ(t_decode_cut(d, 228, fr.len, &p), 0);
	UT_EQ(t_decode_cut(d, 229, fr.len, &p), -FT_EPARSE);
	fr.data[0] = 0x55;
	UT_EQ(t_decode_cut(d, 12, fr.len, &p), -FT_EPARSE);
	UT_EQ(decoder_stats(d)->malformed, 2);
	decoder_free(d);
}

static void
bsd_loopback_families_are_read_in_either_byte_order(void)
{
	static const uint8_t fams[][4] = {
		{ 2, 0, 0, 0 }, { 0, 0, 0, 2 }, { 24, 0, 0, 0 },
		{ 28, 0, 0, 0 }, { 30, 0, 0, 0 }, { 0, 0, 0, 30 },
		{ 10, 0, 0, 0 },
	};
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		t_spec(&s, PCAPW_TCP, i < 2 ? "10.0.0.1" : "::1", 1,
		    i < 2 ? "10.0.0.2" : "::1", 2);
		s.link = PCAPW_LINK_NULL;
		UT_EQ(pcapw_build(&s, &fr), 0);
		memcpy(fr.data, fams[i], 4);
		rc = t_decode_cut(d, i & 1 ? 108 : 0, fr.len, &p);
		UT_EQ(rc, 0);
		UT_EQ(p.ip_ver, i < 2 ? 4 : 6);
	}
	fr.data[0] = 7;		/* AF_IMPLINK: not IP */
	UT_EQ(t_decode_cut(d, 0, fr.len, &p), -FT_ENOENT);
	decoder_free(d);
}

static void
ppp_reads_compressed_and_uncompressed_protocols(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;
	uint8_t buf[128];

	t_spec(&s, PCAPW_UDP, "10.0.0.1", 1, "10.0.0.2", 2);
	s.link = PCAPW_LINK_RAW;
	UT_EQ(pcapw_build(&s, &fr), 0);
	buf[0] = 0x21;				/* compressed, no ff 03 */
	memcpy(buf + 1, fr.data, fr.len);
	UT_EQ(t_bytes(d, 9, buf, fr.len + 1, fr.len + 1, &p), 0);
	buf[0] = 0x00;				/* uncompressed, no ff 03 */
	buf[1] = 0x21;
	memcpy(buf + 2, fr.data, fr.len);
	UT_EQ(t_bytes(d, 9, buf, fr.len + 2, fr.len + 2, &p), 0);
	buf[1] = 0x23;				/* not IP */
	UT_EQ(t_bytes(d, 9, buf, fr.len + 2, fr.len + 2, &p), -FT_ENOENT);
	buf[0] = 0x8f;				/* Cisco HDLC on PPP_SERIAL */
	buf[1] = 0x00;
	buf[2] = 0x08;
	buf[3] = 0x00;
	memcpy(buf + 4, fr.data, fr.len);
	UT_EQ(t_bytes(d, 50, buf, fr.len + 4, fr.len + 4, &p), 0);
	UT_EQ(p.dport, 2);
	decoder_free(d);
}

static void
pppoe_without_ethernet_link_is_decoded(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_spec(&s, PCAPW_UDP, "10.0.0.1", 1, "10.0.0.2", 2);
	s.pppoe = 1;
	UT_EQ(pcapw_build(&s, &fr), 0);
	UT_EQ(t_bytes(d, 51, fr.data + 14, fr.len - 14, fr.len - 14, &p), 0);
	UT_EQ(p.dport, 2);
	decoder_free(d);
}

/* ---- NFLOG ---- */

/* An NFLOG frame of a TCP packet as the kernel logs it (host-order TLVs). */
static void
t_nflog_spec(struct pcapw_spec *s, const char *src, const char *dst)
{
	t_spec(s, PCAPW_TCP, src, 40000, dst, 443);
	s->link = PCAPW_LINK_NFLOG;
	s->tcp_flags = PCAPW_TCP_SYN;
	s->nflog_group = 5;
	s->nflog_prefix = "fw-in:";
}

/* A host-order 16-bit TLV field at p. */
static void
t_put_he16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void
nflog_gives_the_ip_packet_of_the_payload_tlv(void)
{
	static const uint8_t mac[6] = { 2, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
	struct decoder *d = t_new(0, 0);
	const struct decode_stats *st = decoder_stats(d);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_nflog_spec(&s, "192.168.1.10", "93.184.216.34");
	memcpy(s.src_mac, mac, 6);
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.ip_ver, 4);
	UT_EQ(p.proto, 6);
	UT_ASSERT(t_addr_is(p.src, "192.168.1.10"));
	UT_ASSERT(t_addr_is(p.dst, "93.184.216.34"));
	UT_EQ(p.sport, 40000);
	UT_EQ(p.dport, 443);
	UT_EQ(p.tcp_flags, FT_TCP_SYN);
	UT_ASSERT(p.l3 == fr.data + fr.l3_off);
	UT_EQ(p.l3_len, 40);
	UT_EQ(p.wire_len, fr.len);	/* the pcap len, TLVs included */
	UT_ASSERT(memcmp(p.src_mac, mac, 6) == 0);
	UT_EQ(st->ip_bytes, fr.len);
	UT_EQ(st->unknown_link, 0);
	t_nflog_spec(&s, "2001:db8::1", "2001:db8::2");
	s.nflog_prefix = NULL;
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.ip_ver, 6);
	UT_EQ(p.dport, 443);
	UT_EQ(st->ipv6_packets, 1);
	UT_EQ(st->malformed + st->truncated, 0);
	UT_STREQ(decode_linktype_name(239), "NFLOG");
	UT_EQ(decode_linktype_known(239), 1);
	decoder_free(d);
}

/* A big-endian router's TLVs, read by the mapped reader, unswapped. */
static void
nflog_tlvs_in_the_other_byte_order_are_recognised(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_nflog_spec(&s, "10.0.0.1", "10.0.0.2");
	s.nflog_swap = 1;
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.ip_ver, 4);
	UT_EQ(p.dport, 443);
	t_nflog_spec(&s, "2001:db8::1", "2001:db8::2");
	s.nflog_swap = 1;
	s.nflog_prefix = NULL;
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.ip_ver, 6);
	UT_EQ(decoder_stats(d)->malformed, 0);
	decoder_free(d);
}

/* Offsets in an NFLOG frame without prefix: PACKET_HDR 4, HWADDR 12, PAYLOAD 28. */
#define T_NF_HWADDR 12
#define T_NF_PAYLOAD 28

/* Build the IPv4 NFLOG frame, let poke spoil it, expect rc and one problem. */
static void
t_nflog_bad(uint32_t at, uint16_t val, int rc, int malformed, int truncated)
{
	struct decoder *d = t_new(0, 0);
	const struct decode_stats *st = decoder_stats(d);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_nflog_spec(&s, "10.0.0.1", "10.0.0.2");
	s.nflog_prefix = NULL;
	UT_EQ(pcapw_build(&s, &fr), 0);
	t_put_he16(fr.data + at, val);
	UT_EQ(t_decode_cut(d, PCAPW_LINK_NFLOG, fr.len, &p), rc);
	UT_EQ(p.ip_ver, rc ? 0 : 4);
	UT_ASSERT(rc ? p.l3 == NULL : p.l3 != NULL);
	UT_EQ(st->malformed, malformed);
	UT_EQ(st->truncated, truncated);
	UT_EQ(st->non_ip_packets, rc ? 1 : 0);
	UT_EQ(st->non_ip_bytes, rc ? fr.len : 0);
	decoder_free(d);
}

static void
nflog_malformed_tlvs_are_decode_errors(void)
{
	t_nflog_bad(T_NF_HWADDR, 0, -FT_EPARSE, 1, 0);		/* zero length */
	t_nflog_bad(T_NF_HWADDR, 3, -FT_EPARSE, 1, 0);		/* below 4 */
	t_nflog_bad(T_NF_HWADDR, 0x4000, -FT_EPARSE, 1, 0);	/* past the end */
	t_nflog_bad(T_NF_PAYLOAD, 45, -FT_EPARSE, 1, 0);	/* past the end */
	t_nflog_bad(T_NF_PAYLOAD, 4, -FT_EPARSE, 1, 0);		/* empty */
	t_nflog_bad(T_NF_PAYLOAD + 2, 10, -FT_EPARSE, 1, 0);	/* no payload */
	t_nflog_bad(0, 0x0102, -FT_EPARSE, 1, 0);		/* version 1 */
	/* a payload TLV shorter than the IP length: cut by the copy range */
	t_nflog_bad(T_NF_PAYLOAD, 4 + 30, 0, 0, 1);
	t_nflog_bad(T_NF_PAYLOAD, 4 + 10, -FT_EPARSE, 0, 1);
	/* the type's netlink flag bits are not part of it */
	t_nflog_bad(T_NF_PAYLOAD + 2, 0x8009, 0, 0, 0);
}

/* Family not IPv4/IPv6: NFULA_PACKET_HDR's protocol says, else not IP. */
static void
nflog_bridge_family_uses_the_link_protocol(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_nflog_spec(&s, "10.0.0.1", "10.0.0.2");
	UT_EQ(pcapw_build(&s, &fr), 0);
	fr.data[0] = 7;			/* NFPROTO_BRIDGE */
	UT_EQ(t_decode_cut(d, PCAPW_LINK_NFLOG, fr.len, &p), 0);
	UT_EQ(p.ip_ver, 4);
	fr.data[8] = 0x08;		/* hw_protocol 0x0806: ARP */
	fr.data[9] = 0x06;
	UT_EQ(t_decode_cut(d, PCAPW_LINK_NFLOG, fr.len, &p), -FT_ENOENT);
	fr.data[0] = 10;		/* IPv6 family, IPv4 inside */
	UT_EQ(t_decode_cut(d, PCAPW_LINK_NFLOG, fr.len, &p), -FT_EPARSE);
	UT_EQ(decoder_stats(d)->malformed, 1);
	decoder_free(d);
}

/* Every cut of an NFLOG frame: never a crash, never IP before the header. */
static void
nflog_cut_at_every_length_never_crashes_and_is_counted(void)
{
	struct decoder *d = t_new(0, 0);
	const struct decode_stats *st = decoder_stats(d);
	struct pcapw_spec s;
	struct ft_pkt p;
	uint32_t cap, ip_at;
	int rc;

	t_nflog_spec(&s, "10.0.0.1", "10.0.0.2");
	UT_EQ(pcapw_build(&s, &fr), 0);
	ip_at = fr.l3_off;
	for (cap = 0; cap < fr.len; cap++) {
		rc = t_decode_cut(d, PCAPW_LINK_NFLOG, cap, &p);
		UT_EQ(rc, cap < ip_at + 20 ? -FT_EPARSE : 0);
		UT_EQ(p.wire_len, fr.len);
	}
	/* every cut is truncated once: before the IP header or in TCP's */
	UT_EQ(fr.len, ip_at + 40);
	UT_EQ(st->malformed, 0);
	UT_EQ(st->truncated, fr.len);
	UT_EQ(st->ip_packets, fr.len - ip_at - 20);
	UT_EQ(st->ip_bytes + st->non_ip_bytes, (uint64_t)fr.len * fr.len);
	decoder_free(d);
}

static void
unknown_link_type_is_counted_and_not_ip(void)
{
	struct decoder *d = t_new(0, 0);
	const struct decode_stats *st = decoder_stats(d);
	struct ft_pkt p;
	uint8_t b[20] = { 0x45 };

	UT_EQ(t_bytes(d, 127, b, sizeof(b), sizeof(b), &p), -FT_ENOENT);
	UT_EQ(st->unknown_link, 1);
	UT_EQ(st->non_ip_packets, 1);
	UT_EQ(decode_linktype_known(127), 0);
	UT_EQ(decode_linktype_known(276), 1);
	UT_STREQ(decode_linktype_name(1), "EN10MB");
	UT_STREQ(decode_linktype_name(276), "LINUX_SLL2");
	UT_STREQ(decode_linktype_name(127), "unknown");
	decoder_free(d);
}

static void
link_types_fill_count_slots_in_order_of_first_sight(void)
{
	struct decoder *d = t_new(0, 0);
	const struct decode_stats *st = decoder_stats(d);
	struct ft_pkt p;
	uint8_t b[4] = { 0 };
	int i;

	UT_EQ(st->linktype[0], -1);
	t_bytes(d, 113, b, 4, 4, &p);
	t_bytes(d, 1, b, 4, 4, &p);
	t_bytes(d, 113, b, 4, 4, &p);
	for (i = 0; i < DECODE_MAX_LINKTYPES; i++)
		t_bytes(d, 200 + i, b, 4, 4, &p);
	UT_EQ(st->linktype[0], 113);
	UT_EQ(st->linktype_packets[0], 2);
	UT_EQ(st->linktype[1], 1);
	UT_EQ(st->linktype_packets[1], 1);
	UT_EQ(st->linktype[2], 200);
	UT_EQ(st->linktype_untracked, 2);
	UT_EQ(st->packets, 3 + DECODE_MAX_LINKTYPES);
	decoder_free(d);
}

/* ---- IPv4 options, IPv6 extension headers ---- */

static void
ipv4_options_are_skipped_by_the_header_length(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_spec(&s, PCAPW_TCP, "10.0.0.1", 1, "10.0.0.2", 443);
	s.ip_opt_len = 40;
	s.payload_len = 5;
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.dport, 443);
	UT_EQ(p.payload_len, 5);
	UT_ASSERT(p.payload == fr.data + 14 + 60 + 20);
	decoder_free(d);
}

static void
ipv6_extension_headers_are_skipped_to_the_upper_layer(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_spec(&s, PCAPW_UDP, "2001:db8::1", 1, "2001:db8::2", 2);
	s.v6_ext[0] = 0;
	s.v6_ext[1] = 43;
	s.v6_ext[2] = 60;
	s.n_v6_ext = 3;
	s.payload_len = 3;
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.proto, 17);
	UT_EQ(p.dport, 2);
	UT_EQ(p.payload_len, 3);
	UT_EQ(decoder_stats(d)->proto_packets[17], 1);
	UT_EQ(decoder_stats(d)->proto_packets[0], 0);
	decoder_free(d);
}

static void
ipv6_esp_ah_and_no_next_header_stop_the_walk(void)
{
	static const uint8_t stops[] = { 50, 51, 59 };
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;
	size_t i;

	for (i = 0; i < sizeof(stops); i++) {
		t_spec(&s, stops[i], "2001:db8::1", 0, "2001:db8::2", 0);
		s.v6_ext[0] = 0;
		s.n_v6_ext = 1;
		s.payload_len = 24;
		UT_EQ(t_run(d, &s, &p), 0);
		UT_EQ(p.proto, stops[i]);
		UT_EQ(p.has_ports, 0);
	}
	decoder_free(d);
}

/* ---- fragments ---- */

static void
t_frag_spec(struct pcapw_spec *s, const char *src, const char *dst,
    uint16_t offset, int more, uint32_t id)
{
	t_spec(s, PCAPW_UDP, src, 5000, dst, 53);
	s->frag = 1;
	s->frag_offset = offset;
	s->frag_more = more;
	s->ip_id = id;
	s->payload_len = offset ? 100 : 1000;
}

static void
t_fragments_join_their_first(const char *src, const char *dst)
{
	struct decoder *d = t_new(0, 0);
	const struct decode_stats *st = decoder_stats(d);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_frag_spec(&s, src, dst, 0, 1, 77);
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.frag, FT_FRAG_FIRST);
	UT_EQ(p.has_ports, 1);
	UT_EQ(p.dport, 53);
	t_frag_spec(&s, src, dst, 1008, 1, 77);
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.frag, FT_FRAG_LATER);
	UT_EQ(p.proto, 17);
	UT_EQ(p.has_ports, 1);
	UT_EQ(p.sport, 5000);
	UT_EQ(p.dport, 53);
	UT_ASSERT(p.payload == NULL);
	t_frag_spec(&s, src, dst, 2016, 0, 77);
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.dport, 53);
	UT_EQ(st->fragments, 3);
	UT_EQ(st->frag_orphans, 0);
	UT_EQ(st->proto_packets[17], 3);
	decoder_free(d);
}

static void
ipv4_later_fragments_take_the_ports_of_their_first(void)
{
	t_fragments_join_their_first("10.0.0.1", "10.0.0.2");
}

static void
ipv6_later_fragments_take_the_ports_of_their_first(void)
{
	t_fragments_join_their_first("2001:db8::1", "2001:db8::2");
}

static void
t_orphan(const char *src, const char *dst)
{
	struct decoder *d = t_new(0, 0);
	const struct decode_stats *st = decoder_stats(d);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_frag_spec(&s, src, dst, 1008, 0, 9);
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.frag, FT_FRAG_LATER);
	UT_EQ(p.has_ports, 0);
	UT_EQ(p.sport, 0);
	UT_EQ(p.dport, 0);
	UT_EQ(p.proto, 17);
	t_frag_spec(&s, src, dst, 0, 1, 9);	/* its first, too late */
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.has_ports, 1);
	t_frag_spec(&s, src, dst, 1008, 0, 10);	/* another datagram */
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.has_ports, 0);
	UT_EQ(st->fragments, 3);
	UT_EQ(st->frag_orphans, 2);
	UT_EQ(st->ip_packets, 3);
	decoder_free(d);
}

static void
ipv4_later_fragment_before_its_first_is_an_orphan_with_ports_0(void)
{
	t_orphan("10.0.0.1", "10.0.0.2");
}

static void
ipv6_later_fragment_before_its_first_is_an_orphan_with_ports_0(void)
{
	t_orphan("2001:db8::1", "2001:db8::2");
}

static void
a_first_fragment_is_forgotten_after_the_timeout(void)
{
	struct decoder *d = t_new(0, 5);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_frag_spec(&s, "10.0.0.1", "10.0.0.2", 0, 1, 3);
	UT_EQ(t_run_at(d, &s, 1000000, &p), 0);
	t_frag_spec(&s, "10.0.0.1", "10.0.0.2", 1008, 1, 3);
	UT_EQ(t_run_at(d, &s, 5900000, &p), 0);
	UT_EQ(p.has_ports, 1);
	UT_EQ(t_run_at(d, &s, 6100000, &p), 0);
	UT_EQ(p.has_ports, 0);
	UT_EQ(decoder_stats(d)->frag_orphans, 1);
	decoder_free(d);
}

static void
a_full_fragment_table_evicts_the_oldest_first_fragment(void)
{
	struct decoder *d = t_new(1, 30);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_frag_spec(&s, "10.0.0.1", "10.0.0.2", 0, 1, 1);
	UT_EQ(t_run(d, &s, &p), 0);
	t_frag_spec(&s, "10.0.0.1", "10.0.0.2", 0, 1, 2);
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(decoder_stats(d)->frag_evicted, 1);
	t_frag_spec(&s, "10.0.0.1", "10.0.0.2", 1008, 0, 1);
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.has_ports, 0);
	t_frag_spec(&s, "10.0.0.1", "10.0.0.2", 1008, 0, 2);
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.has_ports, 1);
	decoder_free(d);
}

/*
 * Up to 8 slots are probed: a table of 8 holds 8 datagrams even when all
 * hash to one slot (FNV-1a mod 8 sees only the low 3 bits of each byte, so
 * ids 8, 16, ... 64 collide).
 */
static void
a_table_of_8_slots_holds_8_first_fragments_that_hash_alike(void)
{
	struct decoder *d = t_new(8, 30);
	const struct decode_stats *st = decoder_stats(d);
	struct pcapw_spec s;
	struct ft_pkt p;
	uint32_t id;

	for (id = 8; id <= 64; id += 8) {
		t_frag_spec(&s, "10.0.0.1", "10.0.0.2", 0, 1, id);
		s.sport = (uint16_t)(6000 + id);
		UT_EQ(t_run(d, &s, &p), 0);
	}
	for (id = 8; id <= 64; id += 8) {
		t_frag_spec(&s, "10.0.0.1", "10.0.0.2", 1008, 0, id);
		UT_EQ(t_run(d, &s, &p), 0);
		UT_EQ(p.has_ports, 1);
		UT_EQ(p.sport, 6000 + id);
	}
	UT_EQ(st->frag_evicted, 0);
	UT_EQ(st->frag_orphans, 0);
	decoder_free(d);
}

static void
icmp_fragments_carry_type_and_code_to_later_ones(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_spec(&s, PCAPW_ICMP, "10.0.0.1", 0, "10.0.0.2", 0);
	s.icmp_type = 8;
	s.frag = 1;
	s.frag_more = 1;
	s.ip_id = 5;
	s.payload_len = 1472;
	UT_EQ(t_run(d, &s, &p), 0);
	s.frag_offset = 1480;
	s.frag_more = 0;
	s.payload_len = 20;
	UT_EQ(t_run(d, &s, &p), 0);
	UT_EQ(p.frag, FT_FRAG_LATER);
	UT_EQ(p.dport, 8 << 8);
	UT_EQ(p.has_ports, 1);
	decoder_free(d);
}

/* ---- truncation, malformed headers ---- */

/* A frame to cut at every length, and what its L4 needs. */
struct t_cut_case {
	const char *what;		/* for failure messages */
	int link;			/* PCAPW_LINK_* */
	uint8_t proto;			/* IP protocol */
	const char *src;		/* decides the IP version */
	int vlans, pppoe, mpls;		/* wrapping */
	int opts, ext, frag_off, frag;	/* IP extras */
	uint32_t ports_need;		/* L4 bytes that give ports */
	uint32_t hdr_need;		/* L4 bytes of a whole header */
};

static const struct t_cut_case t_cuts[] = {
	{ "eth ipv4 options tcp", 1, 6, "10.0.0.1",
	    0, 0, 0, 8, 0, 0, 0, 4, 20 },
	{ "qinq pppoe ipv6 ext udp", 1, 17, "2001:db8::1",
	    2, 1, 0, 0, 2, 0, 0, 4, 8 },
	{ "mpls ipv4 icmp", 1, 1, "10.0.0.1", 1, 0, 2, 0, 0, 0, 0, 2, 4 },
	{ "sll2 ipv6 tcp", 276, 6, "2001:db8::1", 0, 0, 0, 0, 0, 0, 0, 4, 20 },
	{ "sll vlan ipv4 udp", 113, 17, "10.0.0.1", 1, 0, 0, 0, 0, 0, 0, 4, 8 },
	{ "null ipv6 icmpv6", 0, 58, "2001:db8::1", 0, 0, 0, 0, 0, 0, 0, 2, 4 },
	{ "ppp ipv4 tcp", 9, 6, "10.0.0.1", 0, 0, 0, 0, 0, 0, 0, 4, 20 },
	{ "c_hdlc ipv4 udp", 104, 17, "10.0.0.1", 0, 0, 0, 0, 0, 0, 0, 4, 8 },
	{ "raw ipv6 first fragment tcp", 101, 6, "2001:db8::1",
	    0, 0, 0, 0, 1, 0, 1, 4, 20 },
	{ "eth ipv4 later fragment", 1, 17, "10.0.0.1",
	    0, 0, 0, 0, 0, 64, 1, 1u << 30, 0 },
};

static void
t_cut_spec(const struct t_cut_case *c, struct pcapw_spec *s)
{
	int v6 = strchr(c->src, ':') != NULL;

	t_spec(s, c->proto, c->src, 1234, v6 ? "2001:db8::2" : "10.0.0.2", 80);
	s->link = c->link;
	s->n_vlan = c->vlans;
	s->vlan[0] = 1;
	s->vlan[1] = 2;
	s->pppoe = c->pppoe;
	s->n_mpls = c->mpls;
	s->mpls[0] = 100;
	s->mpls[1] = 200;
	s->ip_opt_len = (uint8_t)c->opts;
	s->n_v6_ext = c->ext;
	s->v6_ext[1] = 60;
	s->frag = c->frag;
	s->frag_more = c->frag;
	s->frag_offset = (uint16_t)c->frag_off;
	s->payload_len = 10;
}

/* Decode fr cut to cut bytes; fail the case unless the decoder did as said. */
static void
t_check_cut(struct decoder *d, const struct t_cut_case *c, int ipfix,
    uint32_t cut)
{
	const struct decode_stats *st = decoder_stats(d);
	uint64_t trunc = st->truncated, mal = st->malformed;
	struct ft_pkt p;
	int rc = t_decode_cut(d, c->link, cut, &p);
	int want_ip = cut >= fr.l3_off + (uint32_t)ipfix;
	int want_ports = want_ip && cut >= fr.l4_off + c->ports_need;
	int want_trunc = cut < fr.l4_off + c->hdr_need;

	if (rc != (want_ip ? 0 : -FT_EPARSE) || p.has_ports != want_ports ||
	    st->truncated - trunc != (uint64_t)want_trunc ||
	    st->malformed != mal)
		UT_FAILF("%s cut at %u of %u: rc %d ports %d truncated +%d "
		    "malformed +%d", c->what, cut, fr.len, rc, p.has_ports,
		    (int)(st->truncated - trunc), (int)(st->malformed - mal));
}

static void
truncated_at_every_header_boundary_never_crashes_and_is_counted(void)
{
	struct pcapw_spec s;
	struct decoder *d;
	const struct decode_stats *st;
	size_t i;
	uint32_t cut;
	int ipfix;

	for (i = 0; i < sizeof(t_cuts) / sizeof(t_cuts[0]); i++) {
		d = t_new(0, 0);
		st = decoder_stats(d);
		t_cut_spec(&t_cuts[i], &s);
		if (pcapw_build(&s, &fr)) {
			UT_FAILF("%s: %s", t_cuts[i].what, pcapw_errmsg());
			continue;
		}
		ipfix = (fr.data[fr.l3_off] >> 4) == 4 ? 20 : 40;
		for (cut = 0; cut <= fr.len; cut++)
			t_check_cut(d, &t_cuts[i], ipfix, cut);
		UT_EQ(st->packets, fr.len + 1);
		UT_EQ(st->ip_packets + st->non_ip_packets, st->packets);
		UT_EQ(st->bytes, (uint64_t)fr.len * (fr.len + 1));
		decoder_free(d);
	}
}

static void
a_runt_frame_is_malformed_not_truncated(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_spec(&s, PCAPW_TCP, "10.0.0.1", 1, "10.0.0.2", 2);
	UT_EQ(pcapw_build(&s, &fr), 0);
	UT_EQ(t_bytes(d, 1, fr.data, 10, 10, &p), -FT_EPARSE);
	UT_EQ(t_bytes(d, 1, fr.data, 30, 30, &p), -FT_EPARSE);
	UT_EQ(decoder_stats(d)->malformed, 2);
	UT_EQ(decoder_stats(d)->truncated, 0);
	decoder_free(d);
}

/* Build a TCP/IPv4 frame, let poke change it, decode it whole. */
static int
t_poked(struct decoder *d, int v6, uint32_t at, uint8_t val,
    struct ft_pkt *p)
{
	struct pcapw_spec s;

	t_spec(&s, PCAPW_TCP, v6 ? "2001:db8::1" : "10.0.0.1", 1,
	    v6 ? "2001:db8::2" : "10.0.0.2", 2);
	s.payload_len = 8;
	if (pcapw_build(&s, &fr))
		return -1000;
	fr.data[fr.l3_off + at] = val;
	return t_decode_cut(d, s.link, fr.len, p);
}

static void
ipv4_header_length_below_5_is_malformed_and_not_ip(void)
{
	struct decoder *d = t_new(0, 0);
	const struct decode_stats *st = decoder_stats(d);
	struct ft_pkt p;

	UT_EQ(t_poked(d, 0, 0, 0x44, &p), -FT_EPARSE);
	UT_EQ(t_poked(d, 0, 0, 0x40, &p), -FT_EPARSE);
	UT_EQ(p.ip_ver, 0);
	UT_EQ(st->malformed, 2);
	UT_EQ(st->non_ip_packets, 2);
	UT_EQ(st->non_ip_bytes, 2 * fr.len);
	decoder_free(d);
}

static void
a_bad_ip_version_is_malformed_and_not_ip(void)
{
	struct decoder *d = t_new(0, 0);
	struct ft_pkt p;

	UT_EQ(t_poked(d, 0, 0, 0x65, &p), -FT_EPARSE);
	UT_EQ(t_poked(d, 1, 0, 0x40, &p), -FT_EPARSE);
	UT_EQ(decoder_stats(d)->malformed, 2);
	UT_EQ(decoder_stats(d)->ip_packets, 0);
	decoder_free(d);
}

static void
total_length_shorter_than_the_header_is_malformed_and_not_ip(void)
{
	struct decoder *d = t_new(0, 0);
	struct ft_pkt p;

	UT_EQ(t_poked(d, 0, 3, 19, &p), -FT_EPARSE);
	UT_EQ(decoder_stats(d)->malformed, 1);
	decoder_free(d);
}

static void
total_length_longer_than_the_frame_is_malformed_but_still_ip(void)
{
	struct decoder *d = t_new(0, 0);
	struct ft_pkt p;

	UT_EQ(t_poked(d, 0, 2, 0x05, &p), 0);	/* 1280 + 48 bytes */
	UT_EQ(p.dport, 2);
	UT_EQ(p.payload_len, 8);
	UT_EQ(p.l3_len, 48);
	UT_EQ(t_poked(d, 1, 4, 0x05, &p), 0);	/* IPv6 payload length */
	UT_EQ(p.payload_len, 8);
	UT_EQ(decoder_stats(d)->malformed, 2);
	UT_EQ(decoder_stats(d)->ip_packets, 2);
	decoder_free(d);
}

static void
ip_total_length_zero_is_taken_as_segmentation_offload(void)
{
	struct decoder *d = t_new(0, 0);
	struct ft_pkt p;

	UT_EQ(t_poked(d, 0, 3, 0, &p), 0);
	UT_EQ(p.payload_len, 8);
	UT_EQ(decoder_stats(d)->malformed, 0);
	decoder_free(d);
}

static void
an_l4_header_cut_by_the_ip_length_is_malformed_not_truncated(void)
{
	struct decoder *d = t_new(0, 0);
	struct ft_pkt p;

	UT_EQ(t_poked(d, 0, 3, 30, &p), 0);	/* 10 bytes of TCP */
	UT_EQ(p.has_ports, 1);
	UT_EQ(p.tcp_flags, 0);
	UT_ASSERT(p.payload == NULL);
	UT_EQ(p.l3_len, 30);
	UT_EQ(decoder_stats(d)->malformed, 1);
	UT_EQ(decoder_stats(d)->truncated, 0);
	decoder_free(d);
}

/* ---- counting ---- */

static void
ip_and_non_ip_bytes_add_up_to_all_bytes(void)
{
	struct decoder *d = t_new(0, 0);
	const struct decode_stats *st = decoder_stats(d);
	struct pcapw_spec s;
	struct ft_pkt p;
	uint64_t sum = 0;
	int i;

	t_spec(&s, PCAPW_TCP, "10.0.0.1", 1, "10.0.0.2", 2);
	t_run(d, &s, &p);
	t_spec(&s, PCAPW_UDP, "2001:db8::1", 1, "2001:db8::2", 2);
	s.payload_len = 100;
	t_run(d, &s, &p);
	pcapw_spec_init(&s);
	s.ethertype = 0x0806;
	s.payload_len = 46;
	t_run(d, &s, &p);
	t_poked(d, 0, 0, 0x41, &p);
	for (i = 0; i < 256; i++)
		sum += st->proto_bytes[i];
	UT_EQ(st->packets, 4);
	UT_EQ(st->ip_packets, 2);
	UT_EQ(st->non_ip_packets, 2);
	UT_EQ(st->ipv4_packets + st->ipv6_packets, st->ip_packets);
	UT_EQ(st->ip_bytes + st->non_ip_bytes, st->bytes);
	UT_EQ(sum, st->ip_bytes);
	UT_EQ(st->ip_bytes, 54 + 14 + 40 + 8 + 100);
	decoder_free(d);
}

static void
protocol_counts_use_wire_bytes_not_captured_bytes(void)
{
	struct decoder *d = t_new(0, 0);
	const struct decode_stats *st = decoder_stats(d);
	struct pcapw_spec s;
	struct ft_pkt p;

	t_spec(&s, PCAPW_UDP, "10.0.0.1", 1, "10.0.0.2", 2);
	s.payload_len = 1000;
	UT_EQ(pcapw_build(&s, &fr), 0);
	UT_EQ(t_decode_cut(d, s.link, 96, &p), 0);
	UT_EQ(p.cap_len, 96);
	UT_EQ(p.wire_len, fr.len);
	UT_EQ(p.payload_len, 96 - 42);
	UT_EQ(p.l3_len, 96 - 14);
	UT_EQ(st->proto_bytes[17], fr.len);
	UT_EQ(st->ip_bytes, fr.len);
	UT_EQ(st->truncated, 0);
	decoder_free(d);
}

static void
decoder_new_fills_defaults_and_free_takes_null(void)
{
	struct decoder *d = NULL;
	struct decode_opts zero = { 0, 0, false };

	UT_EQ(decoder_new(NULL, &d, NULL), 0);
	UT_ASSERT(d != NULL);
	decoder_free(d);
	UT_EQ(decoder_new(&zero, &d, NULL), 0);
	UT_EQ(decoder_stats(d)->packets, 0);
	decoder_free(d);
	decoder_free(NULL);
}

static void
the_interface_index_is_copied(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec s;
	struct ft_pkt p;
	struct ft_frame f;

	t_spec(&s, PCAPW_TCP, "10.0.0.1", 1, "10.0.0.2", 2);
	UT_EQ(pcapw_build(&s, &fr), 0);
	f = pcapw_ft_frame(&fr, 1, 42);
	f.iface = 3;
	UT_EQ(decode_frame(d, &f, &p), 0);
	UT_EQ(p.iface, 3);
	UT_EQ(p.ts_us, 42);
	decoder_free(d);
}

/* ---- tunnels ---- */

static struct pcapw_frame fr_in;	/* a tunnel's inner packet or frame */
static uint8_t t_body[PCAPW_FRAME_MAX];	/* tunnel header, inner packet */
static uint32_t t_hdr_len;		/* tunnel header bytes in t_body */

/* An outer IPv4 packet 192.0.2.1 > 198.51.100.1 of protocol proto. */
static void
t_outer(struct pcapw_spec *s, uint8_t proto, uint16_t sport, uint16_t dport)
{
	t_spec(s, proto, "192.0.2.1", sport, "198.51.100.1", dport);
}

/* An inner TCP packet (link RAW) or frame (EN10MB) with 10 payload bytes. */
static void
t_inner(struct pcapw_spec *s, int link, const char *src, const char *dst)
{
	static const uint8_t smac[6] = { 0x0a, 0, 0, 0, 0, 1 };
	static const uint8_t dmac[6] = { 0x0a, 0, 0, 0, 0, 2 };

	t_spec(s, PCAPW_TCP, src, 40000, dst, 443);
	s->link = link;
	s->tcp_flags = PCAPW_TCP_SYN;
	s->payload_len = 10;
	memcpy(s->src_mac, smac, 6);
	memcpy(s->dst_mac, dmac, 6);
}

/* Build inner, put the tunnel header hdr before it, carry both in outer. */
static int
t_wrap(struct pcapw_spec *outer, const uint8_t *hdr, uint32_t hdr_len,
    const struct pcapw_spec *inner)
{
	if (pcapw_build(inner, &fr_in)) {
		UT_FAILF("inner: %s", pcapw_errmsg());
		return -1;
	}
	if (hdr_len)
		memcpy(t_body, hdr, hdr_len);
	memcpy(t_body + hdr_len, fr_in.data, fr_in.len);
	t_hdr_len = hdr_len;
	outer->payload = t_body;
	outer->payload_len = hdr_len + fr_in.len;
	if (pcapw_build(outer, &fr)) {
		UT_FAILF("outer: %s", pcapw_errmsg());
		return -1;
	}
	return 0;
}

/* Offset in fr of the inner packet's byte at off (offsets of fr_in). */
static uint32_t
t_in_off(uint32_t off)
{
	return fr.payload_off + t_hdr_len + off;
}

/* Wrap and decode whole; pkt must be the inner TCP packet of t_inner. */
static void
t_expect_inner(struct decoder *d, struct pcapw_spec *outer,
    const uint8_t *hdr, uint32_t hdr_len, const struct pcapw_spec *inner,
    uint8_t tunnel)
{
	struct ft_pkt p;

	if (t_wrap(outer, hdr, hdr_len, inner))
		return;
	UT_EQ(t_decode_cut(d, outer->link, fr.len, &p), 0);
	UT_EQ(p.tunnel, tunnel);
	UT_EQ(p.ip_ver, strchr(inner->src, ':') ? 6 : 4);
	UT_EQ(p.proto, PCAPW_TCP);
	UT_ASSERT(t_addr_is(p.src, inner->src));
	UT_ASSERT(t_addr_is(p.dst, inner->dst));
	UT_EQ(p.has_ports, 1);
	UT_EQ(p.sport, 40000);
	UT_EQ(p.dport, 443);
	UT_EQ(p.tcp_flags, FT_TCP_SYN);
	UT_ASSERT(p.l3 == fr.data + t_in_off(fr_in.l3_off));
	UT_EQ(p.l3_len, fr_in.len - fr_in.l3_off);
	UT_ASSERT(p.payload == fr.data + t_in_off(fr_in.payload_off));
	UT_EQ(p.payload_len, 10);
	UT_EQ(p.wire_len, fr.len);
}

static const uint8_t t_vxlan[8] = { 0x08, 0, 0, 0, 0, 0x04, 0x57, 0 };

static void
sixin4_and_ip_in_ip_give_the_inner_packet_and_count_the_outer(void)
{
	struct decoder *d = t_new(0, 0);
	const struct decode_stats *st = decoder_stats(d);
	struct pcapw_spec o, in;

	t_outer(&o, 41, 0, 0);
	t_inner(&in, PCAPW_LINK_RAW, "2001:db8::1", "2001:db8::2");
	t_expect_inner(d, &o, NULL, 0, &in, 41);
	UT_EQ(st->ipv4_packets, 1);
	UT_EQ(st->ipv6_packets, 0);
	UT_EQ(st->proto_packets[41], 1);
	UT_EQ(st->proto_bytes[41], fr.len);
	UT_EQ(st->proto_packets[6], 0);
	t_outer(&o, 4, 0, 0);
	t_inner(&in, PCAPW_LINK_RAW, "10.0.0.1", "10.0.0.2");
	t_expect_inner(d, &o, NULL, 0, &in, 4);
	t_spec(&o, 4, "2001:db8::a", 0, "2001:db8::b", 0);	/* DS-Lite */
	t_expect_inner(d, &o, NULL, 0, &in, 4);
	t_spec(&o, 41, "2001:db8::a", 0, "2001:db8::b", 0);	/* 6in6 */
	t_inner(&in, PCAPW_LINK_RAW, "2001:db8::1", "2001:db8::2");
	t_expect_inner(d, &o, NULL, 0, &in, 41);
	UT_EQ(st->ipv4_packets, 2);
	UT_EQ(st->ipv6_packets, 2);
	UT_EQ(st->proto_packets[4], 2);
	UT_EQ(st->proto_packets[41], 2);
	UT_EQ(st->ip_packets, 4);
	UT_EQ(st->tunnel_packets, 4);
	UT_EQ(st->tunnel_bad, 0);
	UT_EQ(st->malformed + st->truncated, 0);
	decoder_free(d);
}

/* One GRE packet with these flags and protocol type, VLAN 9 outside. */
static void
t_gre_case(struct decoder *d, uint16_t flags, uint16_t type)
{
	uint8_t hdr[16] = { 0 };
	struct pcapw_spec o, in;
	struct ft_pkt p;
	int v6 = type == 0x86dd, eth = type == 0x6558;

	hdr[0] = (uint8_t)(flags >> 8);
	hdr[2] = (uint8_t)(type >> 8);
	hdr[3] = (uint8_t)type;
	t_outer(&o, 47, 0, 0);
	o.vlan[0] = 9;
	o.n_vlan = 1;
	t_inner(&in, eth ? PCAPW_LINK_EN10MB : PCAPW_LINK_RAW,
	    v6 ? "2001:db8::1" : "10.0.0.1", v6 ? "2001:db8::2" : "10.0.0.2");
	t_expect_inner(d, &o, hdr,
	    4 + 4 * (uint32_t)__builtin_popcount(flags), &in, 47);
	UT_EQ(t_decode_cut(d, 1, fr.len, &p), 0);
	UT_EQ(p.vlan, 9);
	UT_ASSERT(memcmp(p.src_mac, eth ? in.src_mac : o.src_mac, 6) == 0);
	UT_ASSERT(memcmp(p.dst_mac, eth ? in.dst_mac : o.dst_mac, 6) == 0);
}

static void
gre_with_checksum_key_and_sequence_carries_ip_and_ethernet(void)
{
	static const uint16_t flags[] = { 0, 0x8000, 0x2000, 0x1000, 0xb000 };
	static const uint16_t types[] = { 0x0800, 0x86dd, 0x6558 };
	struct decoder *d = t_new(0, 0);
	size_t i, j;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		for (j = 0; j < sizeof(types) / sizeof(types[0]); j++)
			t_gre_case(d, flags[i], types[j]);
	UT_EQ(decoder_stats(d)->tunnel_bad, 0);
	UT_EQ(decoder_stats(d)->proto_packets[47], 2 * 15);
	decoder_free(d);
}

static void
gre_version_1_routing_and_other_payloads_stay_on_the_outer_flow(void)
{
	static const uint8_t hdrs[][4] = {
		{ 0x30, 0x01, 0x88, 0x0b },	/* version 1: PPTP, PPP */
		{ 0x40, 0x00, 0x08, 0x00 },	/* RFC 1701 routing */
		{ 0x00, 0x00, 0x88, 0xbe },	/* ERSPAN */
		{ 0x00, 0x00, 0x88, 0x47 },	/* MPLS */
	};
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec o, in;
	struct ft_pkt p;
	size_t i;

	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		t_outer(&o, 47, 0, 0);
		t_inner(&in, PCAPW_LINK_RAW, "10.0.0.1", "10.0.0.2");
		if (t_wrap(&o, hdrs[i], 4, &in))
			continue;
		UT_EQ(t_decode_cut(d, 1, fr.len, &p), 0);
		UT_EQ(p.tunnel, 0);
		UT_EQ(p.proto, 47);
		UT_ASSERT(t_addr_is(p.src, "192.0.2.1"));
	}
	UT_EQ(decoder_stats(d)->tunnel_bad, 0);
	UT_EQ(decoder_stats(d)->tunnel_packets, 0);
	decoder_free(d);
}

static void
vxlan_gives_the_inner_frame_and_macs_but_keeps_the_outer_vlan(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec o, in;
	struct ft_pkt p;

	t_outer(&o, PCAPW_UDP, 51000, 4789);
	o.vlan[0] = 5;
	o.n_vlan = 1;
	t_inner(&in, PCAPW_LINK_EN10MB, "10.0.0.1", "10.0.0.2");
	in.vlan[0] = 77;
	in.n_vlan = 1;
	t_expect_inner(d, &o, t_vxlan, 8, &in, 17);
	UT_EQ(t_decode_cut(d, 1, fr.len, &p), 0);
	UT_EQ(p.vlan, 5);
	UT_ASSERT(memcmp(p.src_mac, in.src_mac, 6) == 0);
	UT_ASSERT(memcmp(p.dst_mac, in.dst_mac, 6) == 0);
	UT_EQ(decoder_stats(d)->proto_packets[17], 2);
	decoder_free(d);
}

static void
vxlan_without_ip_inside_or_not_to_its_port_stays_outer(void)
{
	struct decoder *d = t_new(0, 0);
	const struct decode_stats *st = decoder_stats(d);
	uint8_t no_i[8] = { 0 };
	struct pcapw_spec o, in;
	struct ft_pkt p;

	t_outer(&o, PCAPW_UDP, 51000, 4789);
	pcapw_spec_init(&in);			/* an ARP frame */
	in.ethertype = 0x0806;
	in.payload_len = 28;
	if (!t_wrap(&o, t_vxlan, 8, &in)) {
		UT_EQ(t_decode_cut(d, 1, fr.len, &p), 0);
		UT_EQ(p.tunnel, 0);
		UT_EQ(p.dport, 4789);
	}
	t_inner(&in, PCAPW_LINK_EN10MB, "10.0.0.1", "10.0.0.2");
	if (!t_wrap(&o, no_i, 8, &in)) {	/* no I flag: not VXLAN */
		UT_EQ(t_decode_cut(d, 1, fr.len, &p), 0);
		UT_EQ(p.tunnel, 0);
	}
	t_outer(&o, PCAPW_UDP, 4789, 51000);	/* VXLAN is to port 4789 */
	if (!t_wrap(&o, t_vxlan, 8, &in)) {
		UT_EQ(t_decode_cut(d, 1, fr.len, &p), 0);
		UT_EQ(p.tunnel, 0);
		UT_EQ(p.sport, 4789);
	}
	UT_EQ(st->tunnel_packets, 0);
	UT_EQ(st->tunnel_bad, 0);
	UT_EQ(st->malformed + st->truncated, 0);
	decoder_free(d);
}

static void
gtp_u_g_pdus_give_the_inner_packet_past_extension_headers(void)
{
	static const uint8_t plain[8] = { 0x30, 0xff, 0, 0, 0, 0, 0, 1 };
	static const uint8_t seq[12] = { 0x32, 0xff, 0, 0, 0, 0, 0, 1,
	    0, 7, 0, 0 };
	static const uint8_t ext[20] = { 0x34, 0xff, 0, 0, 0, 0, 0, 1,
	    0, 0, 0, 0x85, 1, 0x10, 0x09, 0x40, 1, 0, 0, 0 };
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec o, in;

	t_outer(&o, PCAPW_UDP, 2152, 2152);
	t_inner(&in, PCAPW_LINK_RAW, "10.0.0.1", "10.0.0.2");
	t_expect_inner(d, &o, plain, sizeof(plain), &in, 17);
	t_inner(&in, PCAPW_LINK_RAW, "2001:db8::1", "2001:db8::2");
	t_expect_inner(d, &o, seq, sizeof(seq), &in, 17);
	t_outer(&o, PCAPW_UDP, 2152, 40000);	/* either port */
	t_expect_inner(d, &o, ext, sizeof(ext), &in, 17);
	UT_EQ(decoder_stats(d)->tunnel_packets, 3);
	decoder_free(d);
}

static void
gtp_u_signalling_and_other_versions_stay_on_the_outer_flow(void)
{
	static const uint8_t echo[8] = { 0x32, 0x01, 0, 4, 0, 0, 0, 0 };
	static const uint8_t gtp_prime[8] = { 0x20, 0xff, 0, 0, 0, 0, 0, 1 };
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec o, in;
	struct ft_pkt p;

	t_outer(&o, PCAPW_UDP, 2152, 2152);
	t_inner(&in, PCAPW_LINK_RAW, "10.0.0.1", "10.0.0.2");
	if (!t_wrap(&o, echo, 8, &in)) {
		UT_EQ(t_decode_cut(d, 1, fr.len, &p), 0);
		UT_EQ(p.tunnel, 0);
		UT_EQ(p.dport, 2152);
	}
	if (!t_wrap(&o, gtp_prime, 8, &in)) {
		UT_EQ(t_decode_cut(d, 1, fr.len, &p), 0);
		UT_EQ(p.tunnel, 0);
	}
	UT_EQ(decoder_stats(d)->tunnel_bad, 0);
	decoder_free(d);
}

/* Decode fr whole and expect the outer packet, one more tunnel_bad. */
static void
t_expect_bad(struct decoder *d, int link, uint32_t cap, uint8_t proto)
{
	const struct decode_stats *st = decoder_stats(d);
	uint64_t bad = st->tunnel_bad, probs = st->truncated + st->malformed;
	struct ft_pkt p;

	UT_EQ(t_decode_cut(d, link, cap, &p), 0);
	UT_EQ(p.tunnel, 0);
	UT_EQ(p.ip_ver, 4);
	UT_EQ(p.proto, proto);
	UT_ASSERT(t_addr_is(p.src, "192.0.2.1"));
	UT_ASSERT(p.l3 == fr.data + fr.l3_off);
	UT_EQ(st->tunnel_bad, bad + 1);
	UT_EQ(st->truncated + st->malformed, probs + 1);
}

static void
a_cut_or_garbage_inner_packet_falls_back_to_the_outer_flow(void)
{
	static const uint8_t gre_key[6] = { 0x20, 0, 0x08, 0, 0, 7 };
	static const uint8_t gtp_ext0[16] = { 0x34, 0xff, 0, 0, 0, 0, 0, 1,
	    0, 0, 0, 0x85, 0, 0, 0, 0 };
	struct decoder *d = t_new(0, 0);
	const struct decode_stats *st = decoder_stats(d);
	struct pcapw_spec o, in;

	t_outer(&o, 41, 0, 0);			/* 6in4 of zeros */
	o.payload_len = 60;
	if (!pcapw_build(&o, &fr))
		t_expect_bad(d, 1, fr.len, 41);
	t_outer(&o, PCAPW_UDP, 51000, 4789);	/* VXLAN, snaplen cut */
	t_inner(&in, PCAPW_LINK_EN10MB, "10.0.0.1", "10.0.0.2");
	if (!t_wrap(&o, t_vxlan, 8, &in))
		t_expect_bad(d, 1, t_in_off(14 + 10), 17);
	t_outer(&o, 47, 0, 0);			/* GRE key past its end */
	o.payload = gre_key;
	o.payload_len = 6;
	if (!pcapw_build(&o, &fr))
		t_expect_bad(d, 1, fr.len, 47);
	t_outer(&o, PCAPW_UDP, 2152, 2152);	/* extension of length 0 */
	t_inner(&in, PCAPW_LINK_RAW, "10.0.0.1", "10.0.0.2");
	if (!t_wrap(&o, gtp_ext0, sizeof(gtp_ext0), &in))
		t_expect_bad(d, 1, fr.len, 17);
	t_outer(&o, 4, 0, 0);			/* IPv6 inside IP-in-IP */
	t_inner(&in, PCAPW_LINK_RAW, "2001:db8::1", "2001:db8::2");
	if (!t_wrap(&o, NULL, 0, &in))
		t_expect_bad(d, 1, fr.len, 4);
	UT_EQ(st->tunnel_packets, 0);
	UT_EQ(st->ipv4_packets, 5);
	decoder_free(d);
}

static void
an_inner_l4_header_cut_by_the_snaplen_keeps_the_inner_addresses(void)
{
	struct decoder *d = t_new(0, 0);
	struct pcapw_spec o, in;
	struct ft_pkt p;

	t_outer(&o, 41, 0, 0);
	t_inner(&in, PCAPW_LINK_RAW, "2001:db8::1", "2001:db8::2");
	if (t_wrap(&o, NULL, 0, &in))
		return;
	UT_EQ(t_decode_cut(d, 1, t_in_off(fr_in.l4_off + 2), &p), 0);
	UT_EQ(p.tunnel, 41);
	UT_EQ(p.ip_ver, 6);
	UT_EQ(p.has_ports, 0);
	UT_EQ(decoder_stats(d)->truncated, 1);
	UT_EQ(decoder_stats(d)->tunnel_bad, 0);
	decoder_free(d);
}

/* Outer 6in4 fragment of the inner bytes [from, from + n) of fr_in. */
static int
t_outer_frag(struct decoder *d, uint16_t from, uint32_t n, int more,
    struct ft_pkt *p)
{
	struct pcapw_spec o;

	t_outer(&o, 41, 0, 0);
	o.frag = 1;
	o.frag_offset = from;
	o.frag_more = more;
	o.ip_id = 0x4242;
	memcpy(t_body, fr_in.data + from, n);
	o.payload = t_body;
	o.payload_len = n;
	return t_run(d, &o, p);
}

static void
later_fragments_of_a_tunnelled_datagram_join_its_inner_flow(void)
{
	struct decoder *d = t_new(0, 0);
	const struct decode_stats *st = decoder_stats(d);
	struct pcapw_spec in;
	struct ft_pkt p;

	t_inner(&in, PCAPW_LINK_RAW, "2001:db8::1", "2001:db8::2");
	in.payload_len = 1400;
	if (pcapw_build(&in, &fr_in)) {
		UT_FAILF("inner: %s", pcapw_errmsg());
		return;
	}
	UT_EQ(t_outer_frag(d, 0, 1000, 1, &p), 0);
	UT_EQ(p.tunnel, 41);
	UT_EQ(p.frag, FT_FRAG_FIRST);
	UT_EQ(p.dport, 443);
	UT_EQ(st->malformed + st->truncated, 0);
	UT_EQ(t_outer_frag(d, 1000, fr_in.len - 1000, 0, &p), 0);
	UT_EQ(p.tunnel, 41);
	UT_EQ(p.frag, FT_FRAG_LATER);
	UT_EQ(p.ip_ver, 6);
	UT_EQ(p.proto, PCAPW_TCP);
	UT_ASSERT(t_addr_is(p.src, "2001:db8::1"));
	UT_EQ(p.has_ports, 1);
	UT_EQ(p.sport, 40000);
	UT_EQ(p.dport, 443);
	UT_EQ(p.tcp_flags, 0);
	UT_ASSERT(p.payload == NULL);
	UT_EQ(st->fragments, 2);
	UT_EQ(st->proto_packets[41], 2);
	UT_EQ(st->tunnel_packets, 2);
	UT_EQ(st->frag_orphans, 0);
	decoder_free(d);
}

static void
inner_fragments_take_their_ports_from_their_first_as_usual(void)
{
	struct decoder *d = t_new(0, 0);
	const struct decode_stats *st = decoder_stats(d);
	struct pcapw_spec o, in;
	struct ft_pkt p;

	t_outer(&o, 41, 0, 0);
	t_frag_spec(&in, "2001:db8::1", "2001:db8::2", 0, 1, 9);
	in.link = PCAPW_LINK_RAW;
	if (t_wrap(&o, NULL, 0, &in))
		return;
	UT_EQ(t_decode_cut(d, 1, fr.len, &p), 0);
	UT_EQ(p.frag, FT_FRAG_FIRST);
	UT_EQ(p.dport, 53);
	t_frag_spec(&in, "2001:db8::1", "2001:db8::2", 1000, 0, 9);
	in.link = PCAPW_LINK_RAW;
	if (t_wrap(&o, NULL, 0, &in))
		return;
	UT_EQ(t_decode_cut(d, 1, fr.len, &p), 0);
	UT_EQ(p.tunnel, 41);
	UT_EQ(p.frag, FT_FRAG_LATER);
	UT_EQ(p.has_ports, 1);
	UT_EQ(p.sport, 5000);
	UT_EQ(p.dport, 53);
	UT_EQ(st->fragments, 2);
	UT_EQ(st->frag_orphans, 0);
	decoder_free(d);
}

/* Every cut of a VXLAN and a GTP-U frame: inner once its IP header is in. */
static void
cut_tunnels_fall_back_until_the_inner_ip_header_is_whole(void)
{
	static const uint8_t gtp[16] = { 0x34, 0xff, 0, 0, 0, 0, 0, 1,
	    0, 0, 0, 0x85, 1, 0, 0, 0 };
	struct decoder *d;
	struct pcapw_spec o, in;
	struct ft_pkt p;
	uint32_t cut, ip;
	int i, rc;

	for (i = 0; i < 2; i++) {
		d = t_new(0, 0);
		t_outer(&o, PCAPW_UDP, 51000, i ? 2152 : 4789);
		t_inner(&in, i ? PCAPW_LINK_RAW : PCAPW_LINK_EN10MB,
		    "2001:db8::1", "2001:db8::2");
		if (t_wrap(&o, i ? gtp : t_vxlan, i ? 16 : 8, &in))
			break;
		ip = t_in_off(fr_in.l3_off);
		for (cut = 0; cut <= fr.len; cut++) {
			rc = t_decode_cut(d, 1, cut, &p);
			if (rc)
				continue;
			if (p.tunnel != (cut >= ip + 40 ? 17 : 0) ||
			    p.l3 + p.l3_len > fr.data + cut)
				UT_FAILF("tunnel %d cut at %u: tunnel %d", i,
				    cut, p.tunnel);
		}
		UT_EQ(decoder_stats(d)->tunnel_packets, fr.len - (ip + 40) + 1);
		decoder_free(d);
	}
}

static void
decode_tunnels_false_keys_tunnels_on_the_outer_header(void)
{
	struct decoder *d = t_new_opts(0, 0, false);
	const struct decode_stats *st = decoder_stats(d);
	struct pcapw_spec o, in;
	struct ft_pkt p;

	t_outer(&o, 41, 0, 0);
	t_inner(&in, PCAPW_LINK_RAW, "2001:db8::1", "2001:db8::2");
	if (!t_wrap(&o, NULL, 0, &in)) {
		UT_EQ(t_decode_cut(d, 1, fr.len, &p), 0);
		UT_EQ(p.tunnel, 0);
		UT_EQ(p.proto, 41);
		UT_EQ(p.has_ports, 0);
		UT_ASSERT(t_addr_is(p.src, "192.0.2.1"));
		UT_ASSERT(p.l3 == fr.data + fr.l3_off);
	}
	t_outer(&o, PCAPW_UDP, 51000, 4789);
	t_inner(&in, PCAPW_LINK_EN10MB, "10.0.0.1", "10.0.0.2");
	if (!t_wrap(&o, t_vxlan, 8, &in)) {
		UT_EQ(t_decode_cut(d, 1, fr.len, &p), 0);
		UT_EQ(p.tunnel, 0);
		UT_EQ(p.proto, 17);
		UT_EQ(p.dport, 4789);
		UT_ASSERT(memcmp(p.src_mac, o.src_mac, 6) == 0);
	}
	UT_EQ(st->proto_packets[41], 1);
	UT_EQ(st->proto_packets[17], 1);
	UT_EQ(st->tunnel_packets, 0);
	UT_EQ(st->tunnel_bad, 0);
	decoder_free(d);
}

int
main(void)
{
	UT_RUN(ethernet_ipv4_tcp_syn_gives_addresses_ports_and_flags);
	UT_RUN(tcp_payload_starts_after_the_data_offset);
	UT_RUN(ethernet_padding_never_becomes_payload);
	UT_RUN(icmp_and_icmpv6_put_type_and_code_in_dport);
	UT_RUN(sctp_has_ports_and_unknown_protocols_have_none);
	UT_RUN(vlan_single_tag_gives_its_id);
	UT_RUN(vlan_stacked_tags_give_the_outer_vlan_id);
	UT_RUN(vlan_ids_across_the_whole_12_bit_range_are_kept);
	UT_RUN(qinq_high_outer_and_inner_ids_keep_the_outer_one);
	UT_RUN(vlan_priority_and_dei_bits_are_not_part_of_the_id);
	UT_RUN(pppoe_session_carries_ipv4_and_ipv6);
	UT_RUN(pppoe_discovery_and_lcp_are_not_ip);
	UT_RUN(mpls_labels_are_popped_to_the_ip_header);
	UT_RUN(mpls_with_a_non_ip_payload_is_not_ip);
	UT_RUN(llc_snap_carries_ip_and_other_llc_is_not_ip);
	UT_RUN(cisco_fabricpath_gives_the_inner_frame);
	UT_RUN(arp_is_not_ip_and_says_so);
	UT_RUN(every_link_type_the_builder_knows_decodes_tcp_and_udp);
	UT_RUN(linux_cooked_links_give_the_source_mac);
	UT_RUN(raw_links_take_the_version_from_the_link_or_the_header);
	UT_RUN(bsd_loopback_families_are_read_in_either_byte_order);
	UT_RUN(ppp_reads_compressed_and_uncompressed_protocols);
	UT_RUN(pppoe_without_ethernet_link_is_decoded);
	UT_RUN(nflog_gives_the_ip_packet_of_the_payload_tlv);
	UT_RUN(nflog_tlvs_in_the_other_byte_order_are_recognised);
	UT_RUN(nflog_malformed_tlvs_are_decode_errors);
	UT_RUN(nflog_bridge_family_uses_the_link_protocol);
	UT_RUN(nflog_cut_at_every_length_never_crashes_and_is_counted);
	UT_RUN(unknown_link_type_is_counted_and_not_ip);
	UT_RUN(link_types_fill_count_slots_in_order_of_first_sight);
	UT_RUN(ipv4_options_are_skipped_by_the_header_length);
	UT_RUN(ipv6_extension_headers_are_skipped_to_the_upper_layer);
	UT_RUN(ipv6_esp_ah_and_no_next_header_stop_the_walk);
	UT_RUN(ipv4_later_fragments_take_the_ports_of_their_first);
	UT_RUN(ipv6_later_fragments_take_the_ports_of_their_first);
	UT_RUN(ipv4_later_fragment_before_its_first_is_an_orphan_with_ports_0);
	UT_RUN(ipv6_later_fragment_before_its_first_is_an_orphan_with_ports_0);
	UT_RUN(a_first_fragment_is_forgotten_after_the_timeout);
	UT_RUN(a_full_fragment_table_evicts_the_oldest_first_fragment);
	UT_RUN(a_table_of_8_slots_holds_8_first_fragments_that_hash_alike);
	UT_RUN(icmp_fragments_carry_type_and_code_to_later_ones);
	UT_RUN(truncated_at_every_header_boundary_never_crashes_and_is_counted);
	UT_RUN(a_runt_frame_is_malformed_not_truncated);
	UT_RUN(ipv4_header_length_below_5_is_malformed_and_not_ip);
	UT_RUN(a_bad_ip_version_is_malformed_and_not_ip);
	UT_RUN(total_length_shorter_than_the_header_is_malformed_and_not_ip);
	UT_RUN(total_length_longer_than_the_frame_is_malformed_but_still_ip);
	UT_RUN(ip_total_length_zero_is_taken_as_segmentation_offload);
	UT_RUN(an_l4_header_cut_by_the_ip_length_is_malformed_not_truncated);
	UT_RUN(ip_and_non_ip_bytes_add_up_to_all_bytes);
	UT_RUN(protocol_counts_use_wire_bytes_not_captured_bytes);
	UT_RUN(decoder_new_fills_defaults_and_free_takes_null);
	UT_RUN(the_interface_index_is_copied);
	UT_RUN(sixin4_and_ip_in_ip_give_the_inner_packet_and_count_the_outer);
	UT_RUN(gre_with_checksum_key_and_sequence_carries_ip_and_ethernet);
	UT_RUN(gre_version_1_routing_and_other_payloads_stay_on_the_outer_flow);
	UT_RUN(vxlan_gives_the_inner_frame_and_macs_but_keeps_the_outer_vlan);
	UT_RUN(vxlan_without_ip_inside_or_not_to_its_port_stays_outer);
	UT_RUN(gtp_u_g_pdus_give_the_inner_packet_past_extension_headers);
	UT_RUN(gtp_u_signalling_and_other_versions_stay_on_the_outer_flow);
	UT_RUN(a_cut_or_garbage_inner_packet_falls_back_to_the_outer_flow);
	UT_RUN(an_inner_l4_header_cut_by_the_snaplen_keeps_the_inner_addresses);
	UT_RUN(later_fragments_of_a_tunnelled_datagram_join_its_inner_flow);
	UT_RUN(inner_fragments_take_their_ports_from_their_first_as_usual);
	UT_RUN(cut_tunnels_fall_back_until_the_inner_ip_header_is_whole);
	UT_RUN(decode_tunnels_false_keys_tunnels_on_the_outer_header);
	return UT_DONE();
}
