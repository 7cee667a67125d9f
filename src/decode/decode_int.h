/* decode_int.h: the decoder's private state and helpers */
#ifndef DECODE_INT_H
#define DECODE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"

/* Link types by their pcap LINKTYPE_/DLT_ number; no libpcap needed here. */
enum decode_lt {
	LT_NULL = 0,		/* BSD loopback, host-order address family */
	LT_EN10MB = 1,		/* Ethernet */
	LT_PPP = 9,		/* PPP, optional HDLC address/control */
	LT_RAW_DLT = 12,	/* raw IP as DLT_RAW */
	LT_PPP_HDLC = 50,	/* PPP in HDLC framing, or Cisco HDLC */
	LT_PPP_ETHER = 51,	/* PPPoE header without Ethernet */
	LT_RAW = 101,		/* raw IP as LINKTYPE_RAW */
	LT_C_HDLC = 104,	/* Cisco HDLC */
	LT_LOOP = 108,		/* OpenBSD loopback, network-order family */
	LT_LINUX_SLL = 113,	/* Linux cooked capture v1 */
	LT_IPV4 = 228,		/* raw IPv4 */
	LT_NFLOG = 239,		/* Linux netfilter log messages (NFLOG) */
	LT_IPV6 = 229,		/* raw IPv6 */
	LT_LINUX_SLL2 = 276,	/* Linux cooked capture v2 */
};

#define DECODE_MAX_LAYERS 16	/* link headers or IPv6 extension headers walked */
#define DECODE_FRAG_PROBE 8	/* fragment slots searched per key */
#define DECODE_FRAG_SLOTS 1024	/* default fragment table size */
#define DECODE_FRAG_TIMEOUT_S 30 /* default fragment lifetime */
#define DECODE_IP_MAX 65575	/* largest IP datagram: IPv6 header + 65535 */

/*
 * The packet a tunnelled first fragment carried, so that the datagram's
 * later fragments (which hold no tunnel header) join the same inner flow.
 */
struct decode_inner {
	uint8_t tunnel;		/* outer protocol (4, 17, 41, 47), 0 none */
	uint8_t ip_ver;		/* inner IP version */
	uint8_t proto;		/* inner protocol */
	uint8_t has_ports;	/* whether sport/dport are valid */
	uint16_t sport;		/* inner ports, host order */
	uint16_t dport;		/* inner destination port, ICMP type/code */
	uint8_t src[16];	/* inner IP source */
	uint8_t dst[16];	/* inner IP destination */
	uint8_t src_mac[6];	/* link source the first fragment gave */
	uint8_t dst_mac[6];	/* link destination the first fragment gave */
};

/*
 * One remembered first fragment. A slot is free when used is 0; a used slot
 * is stale once the packet time is more than frag_timeout_s away from ts_us.
 */
struct decode_frag {
	uint64_t ts_us;		/* packet time of the first fragment */
	uint32_t id;		/* IPv4 or IPv6 identification */
	uint16_t sport;		/* ports of the first fragment, host order */
	uint16_t dport;		/* destination port or ICMP type << 8 | code */
	uint8_t used;		/* 1 when the slot holds an entry */
	uint8_t ip_ver;		/* 4 or 6 */
	uint8_t proto;		/* upper-layer protocol of the datagram */
	uint8_t has_ports;	/* whether the first fragment carried ports */
	uint8_t src[16];	/* IP source, IPv4 in the first 4 bytes */
	uint8_t dst[16];	/* IP destination */
	struct decode_inner in;	/* inner packet, if in.tunnel is set */
};

/*
 * Bytes of one datagram from p on: cap is what was captured, len what the
 * IP length fields promise. cap <= len always, so reading cap bytes is safe
 * and never reaches Ethernet padding.
 */
struct decode_span {
	const uint8_t *p;	/* first byte of the header being read */
	uint32_t cap;		/* captured bytes from p, in the datagram */
	uint32_t len;		/* datagram bytes from p */
};

/*
 * The decoder. Owned by its creator (decoder_new/decoder_free). frags has
 * opts.frag_slots entries, allocated once; nothing else is allocated. up,
 * frag_id and frag_hit describe the frame being decoded: decode_ip leaves
 * them for the tunnel step (decode_tunnel.c), which reads them before it
 * decodes the inner packet.
 */
struct decoder {
	struct decode_opts opts;	/* copy with defaults filled in */
	struct decode_stats st;		/* everything counted so far */
	struct decode_frag *frags;	/* fragment table */
	struct decode_span up;		/* last IP header's upper layer */
	uint32_t frag_id;		/* id of the last fragment */
	const struct decode_frag *frag_hit; /* a later fragment's entry */
};

/*
 * Where the link layer left the network layer. len 0: the datagram runs to
 * the end of the frame; else it lies in the len bytes from off (NFLOG's
 * payload TLV, which the kernel may have cut to its copy range).
 */
struct decode_l3 {
	uint32_t off;		/* offset of the IP header in the frame */
	uint32_t len;		/* bytes of the link's IP container, 0: to the end */
	uint8_t ver;		/* 4 or 6 as the link said, 0 to guess */
};

static inline uint16_t
decode_rd16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t
decode_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Captured bytes of f from off on, 0 when off is past the capture. */
static inline uint32_t
decode_avail(const struct ft_frame *f, uint32_t off)
{
	return off < f->cap_len ? f->cap_len - off : 0;
}

/* The span of s after its first n bytes. */
static inline struct decode_span
decode_skip(const struct decode_span *s, uint32_t n)
{
	struct decode_span r;

	r.p = s->p + (n < s->cap ? n : s->cap);
	r.cap = n < s->cap ? s->cap - n : 0;
	r.len = n < s->len ? s->len - n : 0;
	return r;
}

/*
 * Whether n bytes of a header are there; if not, counts the packet as
 * truncated (the capture stopped early) or malformed (the datagram did).
 */
static inline bool
decode_need(struct decoder *d, const struct decode_span *s, uint32_t n)
{
	if (s->cap >= n)
		return true;
	if (s->cap < s->len)
		d->st.truncated++;
	else
		d->st.malformed++;
	return false;
}

/*
 * A header did not fit: counted as truncated when the capture was cut
 * (cap_len < wire_len), malformed when the frame itself is too short.
 */
int decode_short(struct decoder *d, const struct ft_frame *f);

/* Clear what an IP decode filled in pkt (decode.c). */
void decode_pkt_drop_ip(struct ft_pkt *pkt);

/* decode_link.c: link headers up to the IP header. */
int decode_link(struct decoder *d, const struct ft_frame *f,
    struct ft_pkt *pkt, struct decode_l3 *l3);

/* An Ethernet frame inside a tunnel: MACs into pkt, pkt->vlan untouched. */
int decode_link_inner_ether(struct decoder *d, const struct ft_frame *f,
    struct ft_pkt *pkt, struct decode_l3 *l3);

/* decode_nflog.c: NFLOG's TLVs to the payload; l3->len bounds it. */
int decode_link_nflog(struct decoder *d, const struct ft_frame *f,
    struct ft_pkt *pkt, struct decode_l3 *l3);

/* decode_ip.c: an IP header (outermost or a tunnel's inner), L4, into pkt. */
int decode_ip(struct decoder *d, const struct ft_frame *f,
    const struct decode_l3 *l3, struct ft_pkt *pkt);

/* decode_tunnel.c: replace an outer tunnel packet by its inner packet. */
void decode_tunnel(struct decoder *d, const struct ft_frame *f,
    struct ft_pkt *pkt);

/* decode_frag.c: the table of first fragments. */
int decode_frag_init(struct decoder *d);
void decode_frag_fini(struct decoder *d);
void decode_frag_remember(struct decoder *d, const struct ft_pkt *pkt,
    uint32_t id);
bool decode_frag_find(struct decoder *d, struct ft_pkt *pkt, uint32_t id);
void decode_frag_set_inner(struct decoder *d, const struct ft_pkt *outer,
    uint32_t id, const struct ft_pkt *inner);

#endif
