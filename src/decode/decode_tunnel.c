/* decode_tunnel.c: 6in4, IP-in-IP, GRE, VXLAN, GTP-U to the inner packet */
#include <string.h>

#include "decode_int.h"

#define TUN_IPIP 4		/* IP protocol: IPv4 inside */
#define TUN_UDP 17		/* IP protocol of VXLAN and GTP-U */
#define TUN_IPV6 41		/* IP protocol: IPv6 inside */
#define TUN_GRE 47		/* IP protocol: GRE */
#define TUN_VXLAN_PORT 4789	/* VXLAN destination port (RFC 7348) */
#define TUN_GTPU_PORT 2152	/* GTP-U port (3GPP TS 29.281) */
#define TUN_GTP_GPDU 255	/* GTP-U message that carries a user packet */
#define ET_IPV4 0x0800
#define ET_IPV6 0x86dd
#define ET_TEB 0x6558		/* transparent Ethernet bridging, NVGRE */

/*
 * Wire length given to the inner packet of a first fragment: its end is in
 * later fragments, so its IP length cannot be checked against this one.
 */
#define TUN_OPEN_LEN (1u << 20)

/* What a tunnel header says follows it. */
struct tun_inner {
	struct decode_span s;	/* the encapsulated bytes */
	uint8_t ver;		/* 4 or 6: IP of that version; 0: guess */
	uint8_t ether;		/* 1: an Ethernet frame */
};

/*
 * The parsers below return 0 when t holds the inner packet; -FT_ENOENT for
 * a tunnel that carries no IP, a variant not decoded, or a header that is
 * not this tunnel's at all (other traffic on its port); -FT_EPARSE when the
 * tunnel header is cut or its extension chain impossible (counted where
 * found, as truncated or malformed).
 */

static int
tun_bad_field(struct decoder *d)
{
	d->st.malformed++;
	return -FT_EPARSE;
}

/* GRE version 0 (RFC 2784, 2890): optional checksum, key and sequence. */
static int
tun_gre(struct decoder *d, const struct decode_span *s, struct tun_inner *t)
{
	uint16_t flags;
	uint32_t hl = 4;

	if (!decode_need(d, s, 4))
		return -FT_EPARSE;
	flags = decode_rd16(s->p);
	if (flags & 0x4007)	/* RFC 1701 routing, or version 1 (PPTP) */
		return -FT_ENOENT;
	switch (decode_rd16(s->p + 2)) {
	case ET_IPV4:
		t->ver = 4;
		break;
	case ET_IPV6:
		t->ver = 6;
		break;
	case ET_TEB:
		t->ether = 1;
		break;
	default:
		return -FT_ENOENT;
	}
	hl += flags & 0x8000 ? 4 : 0;	/* checksum and reserved */
	hl += flags & 0x2000 ? 4 : 0;	/* key */
	hl += flags & 0x1000 ? 4 : 0;	/* sequence number */
	if (!decode_need(d, s, hl))
		return -FT_EPARSE;
	t->s = decode_skip(s, hl);
	return 0;
}

/* VXLAN (RFC 7348): 8 bytes with the I flag, then an Ethernet frame. */
static int
tun_vxlan(struct decoder *d, const struct decode_span *s, struct tun_inner *t)
{
	if (!decode_need(d, s, 8))
		return -FT_EPARSE;
	if (!(s->p[0] & 0x08))	/* no valid VNI: not VXLAN */
		return -FT_ENOENT;
	t->s = decode_skip(s, 8);
	t->ether = 1;
	return 0;
}

/* GTP-U extension headers at *hl: length in 4-byte units, next type last. */
static int
tun_gtpu_ext(struct decoder *d, const struct decode_span *s, uint32_t *hl,
    uint8_t next)
{
	uint32_t len;
	int i;

	for (i = 0; next && i < DECODE_MAX_LAYERS; i++) {
		if (!decode_need(d, s, *hl + 1))
			return -FT_EPARSE;
		len = (uint32_t)s->p[*hl] * 4;
		if (!len)
			return tun_bad_field(d);
		if (!decode_need(d, s, *hl + len))
			return -FT_EPARSE;
		next = s->p[*hl + len - 1];
		*hl += len;
	}
	return next ? tun_bad_field(d) : 0;
}

/* GTP-U version 1 (3GPP TS 29.281): a G-PDU carries an IPv4 or IPv6 packet. */
static int
tun_gtpu(struct decoder *d, const struct decode_span *s, struct tun_inner *t)
{
	uint32_t hl = 8;
	int rc;

	if (!decode_need(d, s, 8))
		return -FT_EPARSE;
	if ((s->p[0] & 0xf0) != 0x30)	/* not version 1, protocol GTP */
		return -FT_ENOENT;
	if (s->p[1] != TUN_GTP_GPDU)	/* echo, error, end marker */
		return -FT_ENOENT;
	if (s->p[0] & 0x07) {		/* E, S or PN: 4 more bytes */
		hl = 12;
		if (!decode_need(d, s, hl))
			return -FT_EPARSE;
		rc = tun_gtpu_ext(d, s, &hl, s->p[0] & 0x04 ? s->p[11] : 0);
		if (rc)
			return rc;
	}
	t->s = decode_skip(s, hl);
	return 0;
}

/* The UDP payload in span up, bounded by the UDP length when that is sane. */
static int
tun_udp_payload(const struct decode_span *up, struct decode_span *out)
{
	uint32_t ulen;

	if (up->cap < 8)	/* already counted by the UDP decode */
		return -FT_EPARSE;
	*out = *up;
	ulen = decode_rd16(up->p + 4);
	if (ulen >= 8 && ulen <= up->len) {
		out->len = ulen;
		out->cap = up->cap < ulen ? up->cap : ulen;
	}
	*out = decode_skip(out, 8);
	return 0;
}

/* Which tunnel the outer packet is, and where its inner packet starts. */
static int
tun_find(struct decoder *d, const struct ft_pkt *pkt, struct tun_inner *t)
{
	struct decode_span u;
	int rc;

	memset(t, 0, sizeof(*t));
	if (!d->up.p)
		return -FT_ENOENT;
	switch (pkt->proto) {
	case TUN_IPIP:
	case TUN_IPV6:
		t->s = d->up;
		t->ver = pkt->proto == TUN_IPIP ? 4 : 6;
		return 0;
	case TUN_GRE:
		return tun_gre(d, &d->up, t);
	case TUN_UDP:
		break;
	default:
		return -FT_ENOENT;
	}
	if (!pkt->has_ports || (pkt->dport != TUN_VXLAN_PORT &&
	    pkt->dport != TUN_GTPU_PORT && pkt->sport != TUN_GTPU_PORT))
		return -FT_ENOENT;
	rc = tun_udp_payload(&d->up, &u);
	if (rc)
		return rc;
	if (pkt->dport == TUN_VXLAN_PORT)
		return tun_vxlan(d, &u, t);
	return tun_gtpu(d, &u, t);
}

/* Decode the inner packet of t into in, which starts as the outer packet. */
static int
tun_decode_inner(struct decoder *d, const struct ft_frame *f,
    const struct tun_inner *t, bool first_frag, struct ft_pkt *in)
{
	struct ft_frame fi = *f;
	struct decode_l3 l3 = { 0, 0, t->ver };
	int rc;

	fi.data = t->s.p;
	fi.cap_len = t->s.cap;
	fi.wire_len = first_frag ? TUN_OPEN_LEN : t->s.len;
	fi.linktype = t->ether ? LT_EN10MB : LT_RAW;
	decode_pkt_drop_ip(in);
	if (t->ether) {
		rc = decode_link_inner_ether(d, &fi, in, &l3);
		if (rc)
			return rc;
	}
	return decode_ip(d, &fi, &l3, in);
}

/* A later fragment joins the inner flow that its first fragment went to. */
static void
tun_later_fragment(struct decoder *d, struct ft_pkt *pkt)
{
	const struct decode_inner *in;

	if (!d->frag_hit || !d->frag_hit->in.tunnel)
		return;
	in = &d->frag_hit->in;
	pkt->tunnel = in->tunnel;
	pkt->ip_ver = in->ip_ver;
	pkt->proto = in->proto;
	pkt->has_ports = in->has_ports;
	pkt->sport = in->sport;
	pkt->dport = in->dport;
	memcpy(pkt->src, in->src, sizeof(pkt->src));
	memcpy(pkt->dst, in->dst, sizeof(pkt->dst));
	memcpy(pkt->src_mac, in->src_mac, sizeof(pkt->src_mac));
	memcpy(pkt->dst_mac, in->dst_mac, sizeof(pkt->dst_mac));
	d->st.tunnel_packets++;
}

/*
 * pkt has been decoded and counted on its outermost IP header. When it is a
 * tunnel whose inner IP packet is usable, describe the inner packet instead;
 * else leave pkt alone (the outer flow), counting tunnel_bad when the tunnel
 * or inner header was cut or impossible.
 */
void
decode_tunnel(struct decoder *d, const struct ft_frame *f, struct ft_pkt *pkt)
{
	uint32_t outer_id = d->frag_id;	/* before the inner decode */
	struct tun_inner t;
	struct ft_pkt in;
	int rc;

	if (pkt->frag == FT_FRAG_LATER) {
		tun_later_fragment(d, pkt);
		return;
	}
	rc = tun_find(d, pkt, &t);
	if (!rc) {
		in = *pkt;
		rc = tun_decode_inner(d, f, &t, pkt->frag == FT_FRAG_FIRST,
		    &in);
	}
	if (rc == -FT_EPARSE)
		d->st.tunnel_bad++;
	if (rc)
		return;
	in.tunnel = pkt->proto;
	if (pkt->frag == FT_FRAG_FIRST)
		decode_frag_set_inner(d, pkt, outer_id, &in);
	else if (in.frag != FT_FRAG_NONE)
		d->st.fragments++;
	if (in.frag == FT_FRAG_NONE)
		in.frag = pkt->frag;
	*pkt = in;
	d->st.tunnel_packets++;
}
