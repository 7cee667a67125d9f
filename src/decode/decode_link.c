/* decode_link.c: Ethernet, cooked, raw, loopback and PPP headers to IP */
#include <string.h>

#include "decode_int.h"

#define ET_IPV4 0x0800
#define ET_IPV6 0x86dd
#define ET_PPPOE_SESS 0x8864
#define ET_MPLS_UC 0x8847
#define ET_MPLS_MC 0x8848
#define ET_FABRICPATH 0x8903	/* Cisco FabricPath: FTag/TTL, inner frame */
#define ET_MAX_LEN 1500		/* type values up to this are 802.3 lengths */

#define ARPHRD_NETLINK 824	/* cooked netlink: protocol is no ethertype */

/* Progress through a chain of ethertype-tagged headers. */
struct link_walk {
	uint32_t off;		/* offset of the header that type names */
	uint16_t type;		/* ethertype (or 802.3 length) of that header */
	uint8_t tagged;		/* the outermost VLAN is recorded or hidden */
};

/* Ethertype of a PPP protocol number, 0 when it carries no IP. */
static uint16_t
link_ppp_ethertype(uint16_t proto)
{
	switch (proto) {
	case 0x0021:
		return ET_IPV4;
	case 0x0057:
		return ET_IPV6;
	case 0x0281:
		return ET_MPLS_UC;
	case 0x0283:
		return ET_MPLS_MC;
	}
	return 0;
}

/* 802.1Q / 802.1ad tag: the outermost id goes to pkt->vlan. */
static int
link_vlan(struct decoder *d, const struct ft_frame *f, struct ft_pkt *pkt,
    struct link_walk *w)
{
	const uint8_t *p = f->data + w->off;

	if (decode_avail(f, w->off) < 4)
		return decode_short(d, f);
	if (!w->tagged)
		pkt->vlan = decode_rd16(p) & 0x0fff;
	w->tagged = 1;
	w->type = decode_rd16(p + 2);
	w->off += 4;
	return 0;
}

/* PPPoE session header, then the PPP protocol number. */
static int
link_pppoe(struct decoder *d, const struct ft_frame *f, struct link_walk *w)
{
	const uint8_t *p = f->data + w->off;

	if (decode_avail(f, w->off) < 8)
		return decode_short(d, f);
	if (p[0] != 0x11 || p[1] != 0x00)
		return -FT_ENOENT;
	w->type = link_ppp_ethertype(decode_rd16(p + 6));
	if (!w->type)
		return -FT_ENOENT;
	w->off += 8;
	return 0;
}

/* MPLS: pop to the bottom of the stack, then guess by the first nibble. */
static int
link_mpls(struct decoder *d, const struct ft_frame *f, struct link_walk *w)
{
	const uint8_t *p;
	int i;

	for (i = 0; i < DECODE_MAX_LAYERS; i++) {
		if (decode_avail(f, w->off) < 4)
			return decode_short(d, f);
		p = f->data + w->off;
		w->off += 4;
		if (p[2] & 0x01)
			break;
	}
	if (i == DECODE_MAX_LAYERS) {
		d->st.malformed++;
		return -FT_EPARSE;
	}
	if (decode_avail(f, w->off) < 1)
		return decode_short(d, f);
	p = f->data + w->off;
	w->tagged = 1;
	switch (p[0] >> 4) {
	case 4:
		w->type = ET_IPV4;
		return 0;
	case 6:
		w->type = ET_IPV6;
		return 0;
	case 0:	/* pseudowire control word, then Ethernet */
		if (decode_avail(f, w->off) < 18)
			return decode_short(d, f);
		w->type = decode_rd16(p + 16);
		w->off += 18;
		return 0;
	}
	return -FT_ENOENT;
}

/* Cisco FabricPath: the inner frame's addresses are the hosts'. */
static int
link_fabricpath(struct decoder *d, const struct ft_frame *f,
    struct ft_pkt *pkt, struct link_walk *w)
{
	const uint8_t *p = f->data + w->off;

	if (decode_avail(f, w->off) < 16)
		return decode_short(d, f);
	memcpy(pkt->dst_mac, p + 2, 6);
	memcpy(pkt->src_mac, p + 8, 6);
	w->type = decode_rd16(p + 14);
	w->off += 16;
	return 0;
}

/* 802.2 LLC: only SNAP with a zero OUI carries an ethertype. */
static int
link_llc(struct decoder *d, const struct ft_frame *f, struct link_walk *w)
{
	static const uint8_t snap[6] = { 0xaa, 0xaa, 0x03, 0, 0, 0 };
	const uint8_t *p = f->data + w->off;

	if (decode_avail(f, w->off) < 3)
		return -FT_ENOENT;
	if (memcmp(p, snap, 3) != 0)
		return -FT_ENOENT;
	if (decode_avail(f, w->off) < 8)
		return decode_short(d, f);
	if (memcmp(p, snap, 6) != 0)
		return -FT_ENOENT;
	w->type = decode_rd16(p + 6);
	w->off += 8;
	return 0;
}

/* Follow tags, PPPoE, MPLS and SNAP until an IP header or a dead end. */
static int
link_ethertype(struct decoder *d, const struct ft_frame *f,
    struct ft_pkt *pkt, struct link_walk *w, struct decode_l3 *l3)
{
	int i, rc;

	for (i = 0; i < DECODE_MAX_LAYERS; i++) {
		switch (w->type) {
		case ET_IPV4:
		case ET_IPV6:
			l3->off = w->off;
			l3->ver = w->type == ET_IPV4 ? 4 : 6;
			return 0;
		case 0x8100:
		case 0x88a8:
		case 0x9100:
		case 0x9200:
			rc = link_vlan(d, f, pkt, w);
			break;
		case ET_PPPOE_SESS:
			rc = link_pppoe(d, f, w);
			break;
		case ET_MPLS_UC:
		case ET_MPLS_MC:
			rc = link_mpls(d, f, w);
			break;
		case ET_FABRICPATH:
			rc = link_fabricpath(d, f, pkt, w);
			break;
		default:
			if (w->type > ET_MAX_LEN)
				return -FT_ENOENT;
			rc = link_llc(d, f, w);
			break;
		}
		if (rc)
			return rc;
	}
	d->st.malformed++;
	return -FT_EPARSE;
}

/* Ethernet; tagged 1 keeps pkt->vlan (the tags of a tunnel's inner frame). */
static int
link_ether(struct decoder *d, const struct ft_frame *f, struct ft_pkt *pkt,
    struct decode_l3 *l3, uint8_t tagged)
{
	struct link_walk w = { 14, 0, tagged };

	if (f->cap_len < 14)
		return decode_short(d, f);
	memcpy(pkt->dst_mac, f->data, 6);
	memcpy(pkt->src_mac, f->data + 6, 6);
	w.type = decode_rd16(f->data + 12);
	return link_ethertype(d, f, pkt, &w, l3);
}

int
decode_link_inner_ether(struct decoder *d, const struct ft_frame *f,
    struct ft_pkt *pkt, struct decode_l3 *l3)
{
	return link_ether(d, f, pkt, l3, 1);
}

/* Linux cooked v1 (16 bytes) and v2 (20 bytes): source address and protocol. */
static int
link_sll(struct decoder *d, const struct ft_frame *f, struct ft_pkt *pkt,
    struct decode_l3 *l3)
{
	const uint8_t *p = f->data;
	struct link_walk w = { 16, 0, 0 };
	uint16_t hatype;
	uint8_t halen;

	if (f->linktype == LT_LINUX_SLL2)
		w.off = 20;
	if (f->cap_len < w.off)
		return decode_short(d, f);
	if (f->linktype == LT_LINUX_SLL2) {
		w.type = decode_rd16(p);
		hatype = decode_rd16(p + 8);
		halen = p[11];
		p += 12;
	} else {
		hatype = decode_rd16(p + 2);
		halen = (uint8_t)decode_rd16(p + 4);
		w.type = decode_rd16(p + 14);
		p += 6;
	}
	if (halen == 6)
		memcpy(pkt->src_mac, p, 6);
	if (hatype == ARPHRD_NETLINK)
		return -FT_ENOENT;
	return link_ethertype(d, f, pkt, &w, l3);
}

/* BSD loopback: 4-byte address family, host (NULL) or network order (LOOP). */
static int
link_null(struct decoder *d, const struct ft_frame *f, struct decode_l3 *l3)
{
	const uint8_t *p = f->data;
	uint32_t af_be, af_le;

	if (f->cap_len < 4)
		return decode_short(d, f);
	af_be = decode_rd32(p);
	af_le = (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
	l3->off = 4;
	if (af_le == 2 || af_be == 2) {
		l3->ver = 4;
		return 0;
	}
	/* AF_INET6 is 10 on Linux, 24 on Net/OpenBSD, 28 FreeBSD, 30 macOS. */
	switch (af_le < 256 ? af_le : af_be) {
	case 10:
	case 24:
	case 28:
	case 30:
		l3->ver = 6;
		return 0;
	}
	return -FT_ENOENT;
}

/* PPP: optional ff 03 address/control, then a 1- or 2-byte protocol. */
static int
link_ppp(struct decoder *d, const struct ft_frame *f, struct ft_pkt *pkt,
    struct decode_l3 *l3)
{
	struct link_walk w = { 0, 0, 0 };
	const uint8_t *p = f->data;
	uint16_t proto;

	if (f->cap_len >= 1 && p[0] == 0xff) {	/* address, control */
		if (f->cap_len < 2)
			return decode_short(d, f);
		if (p[1] == 0x03)
			w.off = 2;
	}
	if (decode_avail(f, w.off) < 1)
		return decode_short(d, f);
	p = f->data + w.off;
	if (p[0] & 0x01) {	/* protocol field compression */
		proto = p[0];
		w.off += 1;
	} else {
		if (decode_avail(f, w.off) < 2)
			return decode_short(d, f);
		proto = decode_rd16(p);
		w.off += 2;
	}
	w.type = link_ppp_ethertype(proto);
	if (!w.type)
		return -FT_ENOENT;
	return link_ethertype(d, f, pkt, &w, l3);
}

/* Cisco HDLC: address, control, ethertype. */
static int
link_chdlc(struct decoder *d, const struct ft_frame *f, struct ft_pkt *pkt,
    struct decode_l3 *l3)
{
	struct link_walk w = { 4, 0, 0 };

	if (f->cap_len < 4)
		return decode_short(d, f);
	w.type = decode_rd16(f->data + 2);
	return link_ethertype(d, f, pkt, &w, l3);
}

/* PPP in HDLC framing starts ff 03; Cisco HDLC starts 0f or 8f. */
static int
link_ppp_hdlc(struct decoder *d, const struct ft_frame *f,
    struct ft_pkt *pkt, struct decode_l3 *l3)
{
	if (f->cap_len >= 1 && (f->data[0] == 0x0f || f->data[0] == 0x8f))
		return link_chdlc(d, f, pkt, l3);
	return link_ppp(d, f, pkt, l3);
}

/* Raw IP: the version comes from the link type, or from the first nibble. */
static int
link_raw(struct decode_l3 *l3, uint8_t ver)
{
	l3->off = 0;
	l3->ver = ver;
	return 0;
}

int
decode_link(struct decoder *d, const struct ft_frame *f, struct ft_pkt *pkt,
    struct decode_l3 *l3)
{
	struct link_walk w = { 0, ET_PPPOE_SESS, 0 };

	switch (f->linktype) {
	case LT_EN10MB:
		return link_ether(d, f, pkt, l3, 0);
	case LT_LINUX_SLL:
	case LT_LINUX_SLL2:
		return link_sll(d, f, pkt, l3);
	case LT_RAW_DLT:
	case LT_RAW:
		return link_raw(l3, 0);
	case LT_IPV4:
		return link_raw(l3, 4);
	case LT_IPV6:
		return link_raw(l3, 6);
	case LT_NULL:
	case LT_LOOP:
		return link_null(d, f, l3);
	case LT_PPP:
		return link_ppp(d, f, pkt, l3);
	case LT_PPP_HDLC:
		return link_ppp_hdlc(d, f, pkt, l3);
	case LT_C_HDLC:
		return link_chdlc(d, f, pkt, l3);
	case LT_PPP_ETHER:
		return link_ethertype(d, f, pkt, &w, l3);
	case LT_NFLOG:
		return decode_link_nflog(d, f, pkt, l3);
	}
	d->st.unknown_link++;
	return -FT_ENOENT;
}
