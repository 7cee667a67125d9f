/* decode_nflog.c: NFLOG (link type 239) messages to their IP packet */
#include <string.h>

#include "decode_int.h"

#define NFLOG_HDR_LEN 4		/* family, version, resource id */
#define NFLOG_TLV_HDR 4		/* length, type */
#define NFLOG_TYPE_MASK 0x3fff	/* the kernel's NLA_TYPE_MASK: no flag bits */
#define NFLOG_TYPE_MAX 0xff	/* NFULA_ types are small; larger: other order */
#define NFULA_PACKET_HDR 1	/* hw_protocol (big endian), hook, pad */
#define NFULA_HWADDR 8		/* hw_addrlen (big endian), pad, 8 bytes */
#define NFULA_PAYLOAD 9		/* the packet from its network header on */
#define NFLOG_AF_INET 2		/* Linux AF_INET */
#define NFLOG_AF_INET6 10	/* Linux AF_INET6 */

/* A 16-bit TLV field: in host order, or in the other order when swap. */
static uint16_t
nflog_rd(const uint8_t *p, bool swap)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return swap ? __builtin_bswap16(v) : v;
}

/* Whether the TLV header at p reads as possible in that byte order. */
static bool
nflog_tlv_ok(const uint8_t *p, bool swap, uint32_t room)
{
	uint16_t len = nflog_rd(p, swap);
	uint16_t type = nflog_rd(p + 2, swap) & NFLOG_TYPE_MASK;

	return len >= NFLOG_TLV_HDR && len <= room && type <= NFLOG_TYPE_MAX;
}

/*
 * TLV lengths and types are in the byte order of the host that captured
 * (libpcap swaps them to the reader's order when it reads a file written on
 * the other order; the mapped reader of capture_map.c does not). Host order
 * unless the first TLV is impossible in it and possible in the other.
 */
static bool
nflog_swapped(const struct ft_frame *f, uint32_t wire)
{
	const uint8_t *p = f->data + NFLOG_HDR_LEN;
	uint32_t room = wire - NFLOG_HDR_LEN;

	if (decode_avail(f, NFLOG_HDR_LEN) < NFLOG_TLV_HDR)
		return false;
	return !nflog_tlv_ok(p, false, room) && nflog_tlv_ok(p, true, room);
}

/* What one TLV other than the payload tells: link protocol, source MAC. */
static void
nflog_meta(const struct ft_frame *f, uint32_t off, uint16_t len,
    uint16_t type, struct ft_pkt *pkt, uint16_t *hw_proto)
{
	const uint8_t *p = f->data + off;
	uint32_t avail = decode_avail(f, off);

	if (type == NFULA_PACKET_HDR && len >= 8 && avail >= 8)
		*hw_proto = decode_rd16(p + 4);
	if (type == NFULA_HWADDR && len >= 16 && avail >= 16 &&
	    decode_rd16(p + 4) == 6)
		memcpy(pkt->src_mac, p + 8, 6);
}

/*
 * Walk the TLVs (each padded to 4 bytes) to NFULA_PAYLOAD. A length below
 * 4 or past the end of the message, or no (or an empty) payload, is
 * malformed; a TLV header cut by the snaplen is truncated.
 */
static int
nflog_walk(struct decoder *d, const struct ft_frame *f, struct ft_pkt *pkt,
    struct decode_l3 *l3, uint16_t *hw_proto)
{
	uint32_t wire = f->wire_len > f->cap_len ? f->wire_len : f->cap_len;
	uint32_t off = NFLOG_HDR_LEN;
	bool swap = nflog_swapped(f, wire);
	uint16_t len, type;

	while (off < wire) {
		if (decode_avail(f, off) < NFLOG_TLV_HDR)
			return decode_short(d, f);
		len = nflog_rd(f->data + off, swap);
		type = nflog_rd(f->data + off + 2, swap) & NFLOG_TYPE_MASK;
		if (len < NFLOG_TLV_HDR || len > wire - off)
			break;
		if (type == NFULA_PAYLOAD) {
			if (len == NFLOG_TLV_HDR)
				break;
			l3->off = off + NFLOG_TLV_HDR;
			l3->len = len - NFLOG_TLV_HDR;
			return 0;
		}
		nflog_meta(f, off, len, type, pkt, hw_proto);
		off += ((uint32_t)len + 3) & ~3u;
	}
	d->st.malformed++;
	return -FT_EPARSE;
}

int
decode_link_nflog(struct decoder *d, const struct ft_frame *f,
    struct ft_pkt *pkt, struct decode_l3 *l3)
{
	uint16_t hw_proto = 0;
	int rc;

	if (f->cap_len < NFLOG_HDR_LEN)
		return decode_short(d, f);
	if (f->data[1] != 0) {		/* only version 0 (NFNETLINK_V0) */
		d->st.malformed++;
		return -FT_EPARSE;
	}
	rc = nflog_walk(d, f, pkt, l3, &hw_proto);
	if (rc)
		return rc;
	switch (f->data[0]) {
	case NFLOG_AF_INET:
		l3->ver = 4;
		return 0;
	case NFLOG_AF_INET6:
		l3->ver = 6;
		return 0;
	}
	/* bridge, netdev, ...: the link protocol of NFULA_PACKET_HDR says */
	if (hw_proto == 0x0800)
		l3->ver = 4;
	else if (hw_proto == 0x86dd)
		l3->ver = 6;
	else
		return -FT_ENOENT;
	return 0;
}
