/* decode_ip.c: one IPv4/IPv6 header, extension headers, fragments, L4. */
#include <string.h>

#include "decode_int.h"

#define IPP_HOPOPTS 0
#define IPP_ICMP 1
#define IPP_TCP 6
#define IPP_UDP 17
#define IPP_DCCP 33
#define IPP_ROUTING 43
#define IPP_FRAGMENT 44
#define IPP_ICMPV6 58
#define IPP_DSTOPTS 60
#define IPP_SCTP 132
#define IPP_UDPLITE 136

static uint32_t
ip_min(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Bytes the frame had on the wire from off on (never less than captured). */
static uint32_t
ip_wire(const struct ft_frame *f, uint32_t off)
{
	uint32_t wire = f->wire_len > f->cap_len ? f->wire_len : f->cap_len;

	return off < wire ? wire - off : 0;
}

static void
ip_ports(struct ft_pkt *pkt, const uint8_t *p)
{
	pkt->sport = decode_rd16(p);
	pkt->dport = decode_rd16(p + 2);
	pkt->has_ports = 1;
}

static void
l4_tcp(struct decoder *d, struct ft_pkt *pkt, const struct decode_span *s)
{
	const uint8_t *p = s->p;
	uint32_t doff;

	if (s->cap >= 4)
		ip_ports(pkt, p);
	if (s->cap >= 14)
		pkt->tcp_flags = p[13];
	if (!decode_need(d, s, 20))
		return;
	doff = (uint32_t)(p[12] >> 4) * 4;
	if (doff < 20) {
		d->st.malformed++;
		return;
	}
	if (!decode_need(d, s, doff))
		return;
	pkt->payload = p + doff;
	pkt->payload_len = s->cap - doff;
}

/* UDP payload ends at the UDP length when that is sane, else at the IP end. */
static void
l4_udp(struct decoder *d, struct ft_pkt *pkt, const struct decode_span *s)
{
	uint32_t ulen, end = s->cap;

	if (s->cap >= 4)
		ip_ports(pkt, s->p);
	if (!decode_need(d, s, 8))
		return;
	ulen = decode_rd16(s->p + 4);
	if (ulen >= 8 && ulen <= s->len)
		end = ip_min(end, ulen);
	pkt->payload = s->p + 8;
	pkt->payload_len = end - 8;
}

/* ICMP and ICMPv6: sport 0, dport type << 8 | code. */
static void
l4_icmp(struct decoder *d, struct ft_pkt *pkt, const struct decode_span *s)
{
	if (s->cap >= 2) {
		pkt->sport = 0;
		pkt->dport = decode_rd16(s->p);
		pkt->has_ports = 1;
	}
	decode_need(d, s, 4);
}

/*
 * Ports of the upper layer; protocols without ports leave has_ports 0. Its
 * span stays in d->up for the tunnel step.
 */
static void
ip_l4(struct decoder *d, struct ft_pkt *pkt, const struct decode_span *s)
{
	d->up = *s;
	switch (pkt->proto) {
	case IPP_TCP:
		l4_tcp(d, pkt, s);
		break;
	case IPP_UDP:
	case IPP_UDPLITE:
		l4_udp(d, pkt, s);
		break;
	case IPP_ICMP:
	case IPP_ICMPV6:
		l4_icmp(d, pkt, s);
		break;
	case IPP_SCTP:
	case IPP_DCCP:
		if (decode_need(d, s, 4))
			ip_ports(pkt, s->p);
		break;
	}
}

/*
 * A first fragment is parsed like any packet and its ports remembered; a
 * later one borrows them from the table, or stays address-only (orphan).
 */
static int
ip_frag(struct decoder *d, struct ft_pkt *pkt, const struct decode_span *s,
    uint32_t offset, bool more, uint32_t id)
{
	d->frag_id = id;
	if (offset) {
		pkt->frag = FT_FRAG_LATER;
		if (!decode_frag_find(d, pkt, id))
			d->st.frag_orphans++;
		return 0;
	}
	ip_l4(d, pkt, s);
	if (more) {
		pkt->frag = FT_FRAG_FIRST;
		decode_frag_remember(d, pkt, id);
	}
	return 0;
}

static int
ip_v4(struct decoder *d, const struct ft_frame *f, uint32_t off,
    struct ft_pkt *pkt)
{
	const uint8_t *ip = f->data + off;
	struct decode_span s, l4;
	uint32_t hl, tot, wire = ip_wire(f, off);
	uint16_t fo;

	if (decode_avail(f, off) < 20)
		return decode_short(d, f);
	hl = (uint32_t)(ip[0] & 0x0f) * 4;
	tot = decode_rd16(ip + 2);
	if (tot == 0)		/* segmentation offload: the NIC sets it */
		tot = wire;
	if (hl < 20 || tot < hl) {
		d->st.malformed++;
		return -FT_EPARSE;
	}
	if (tot > wire) {	/* the length lies: bound by the frame */
		d->st.malformed++;
		tot = wire;
	}
	pkt->ip_ver = 4;
	pkt->proto = ip[9];
	memcpy(pkt->src, ip + 12, 4);
	memcpy(pkt->dst, ip + 16, 4);
	pkt->l3 = ip;
	pkt->l3_len = ip_min(decode_avail(f, off), tot);
	s.p = ip;
	s.cap = pkt->l3_len;
	s.len = tot;
	if (!decode_need(d, &s, hl))	/* options cut: addresses still good */
		return 0;
	fo = decode_rd16(ip + 6);
	l4 = decode_skip(&s, hl);
	if (fo & 0x3fff)
		return ip_frag(d, pkt, &l4, fo & 0x1fff, fo & 0x2000,
		    decode_rd16(ip + 4));
	ip_l4(d, pkt, &l4);
	return 0;
}

/* IPv6 fragment header: its next header is the datagram's protocol. */
static int
ip_v6_frag(struct decoder *d, struct ft_pkt *pkt, const struct decode_span *s)
{
	struct decode_span rest;
	uint16_t fo;

	pkt->proto = IPP_FRAGMENT;
	if (!decode_need(d, s, 8))
		return 0;
	pkt->proto = s->p[0];
	fo = decode_rd16(s->p + 2);
	rest = decode_skip(s, 8);
	return ip_frag(d, pkt, &rest, fo >> 3, fo & 1, decode_rd32(s->p + 4));
}

/* Skip hop-by-hop, routing and destination options to the upper layer. */
static int
ip_v6_walk(struct decoder *d, struct ft_pkt *pkt, const struct decode_span *s,
    uint8_t nxt)
{
	struct decode_span cur = *s;
	uint32_t len;
	int i;

	for (i = 0; i < DECODE_MAX_LAYERS; i++) {
		pkt->proto = nxt;
		switch (nxt) {
		case IPP_HOPOPTS:
		case IPP_ROUTING:
		case IPP_DSTOPTS:
			if (!decode_need(d, &cur, 2))
				return 0;
			len = ((uint32_t)cur.p[1] + 1) * 8;
			nxt = cur.p[0];
			if (!decode_need(d, &cur, len))
				return 0;
			cur = decode_skip(&cur, len);
			break;
		case IPP_FRAGMENT:
			return ip_v6_frag(d, pkt, &cur);
		default:
			ip_l4(d, pkt, &cur);
			return 0;
		}
	}
	d->st.malformed++;
	return 0;
}

static int
ip_v6(struct decoder *d, const struct ft_frame *f, uint32_t off,
    struct ft_pkt *pkt)
{
	const uint8_t *ip = f->data + off;
	struct decode_span s;
	uint32_t tot, wire = ip_wire(f, off);

	if (decode_avail(f, off) < 40)
		return decode_short(d, f);
	tot = decode_rd16(ip + 4);
	tot = tot ? tot + 40 : wire;	/* 0: jumbogram or offload */
	if (tot > wire) {
		d->st.malformed++;
		tot = wire;
	}
	pkt->ip_ver = 6;
	memcpy(pkt->src, ip + 8, 16);
	memcpy(pkt->dst, ip + 24, 16);
	pkt->l3 = ip;
	pkt->l3_len = ip_min(decode_avail(f, off), tot);
	s.p = ip;
	s.cap = pkt->l3_len;
	s.len = tot;
	s = decode_skip(&s, 40);
	return ip_v6_walk(d, pkt, &s, ip[6]);
}

int
decode_ip(struct decoder *d, const struct ft_frame *f,
    const struct decode_l3 *l3, struct ft_pkt *pkt)
{
	uint8_t ver;

	d->up.p = NULL;
	d->up.cap = d->up.len = 0;
	if (decode_avail(f, l3->off) < 1)
		return decode_short(d, f);
	ver = f->data[l3->off] >> 4;
	if ((l3->ver && ver != l3->ver) || (ver != 4 && ver != 6)) {
		d->st.malformed++;
		return -FT_EPARSE;
	}
	if (ver == 4)
		return ip_v4(d, f, l3->off, pkt);
	return ip_v6(d, f, l3->off, pkt);
}
