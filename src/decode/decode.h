/* decode.h: frames to ft_pkt: link, IP, L4, fragments; problems counted */
#ifndef DECODE_H
#define DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "../base/ft_err.h"
#include "../model/ft_pkt.h"

/*
 * Zero in a number means its default: 1024 slots, 30 s. tunnels is taken
 * as given (the option's default is true); decoder_new(NULL, ...) turns it on.
 */
struct decode_opts {
	uint32_t frag_slots;	/* fragment table entries (first fragments remembered) */
	uint32_t frag_timeout_s; /* forget a first fragment after this long */
	bool tunnels;		/* key tunnelled packets on their inner packet */
};

/* Link types the decoder knows, for per-link-type counts. */
#define DECODE_MAX_LINKTYPES 8

/*
 * Counters of everything the decoder saw. bytes are wire bytes. Every frame
 * lands in exactly one of ip_* or non_ip_*; truncated and malformed count
 * problems on top of that (an IP packet whose L4 header is cut is still an
 * IP packet, counted in its flow). Everything per IP version and protocol
 * is of the outermost IP header, also for a packet keyed on its tunnel's
 * inner packet.
 */
struct decode_stats {
	uint64_t packets;		/* frames seen */
	uint64_t bytes;			/* wire bytes seen */
	uint64_t ip_packets;		/* frames with a usable outermost IP header */
	uint64_t ip_bytes;		/* their wire bytes */
	uint64_t non_ip_packets;	/* everything else (ARP, unknown, bad) */
	uint64_t non_ip_bytes;		/* their wire bytes */
	uint64_t ipv4_packets;		/* outermost IPv4 */
	uint64_t ipv6_packets;		/* outermost IPv6 */
	uint64_t truncated;		/* cut by snaplen before the end of a header */
	uint64_t malformed;		/* impossible lengths or versions */
	uint64_t unknown_link;		/* frames of a link type not decoded */
	uint64_t fragments;		/* IP fragments (first and later) */
	uint64_t frag_orphans;		/* later fragments whose first was not seen */
	uint64_t frag_evicted;		/* live first fragments pushed out, table full */
	uint64_t tunnel_packets;	/* keyed on their tunnel's inner packet */
	uint64_t tunnel_bad;		/* tunnel or inner header unusable: outer */
	uint64_t proto_packets[256];	/* per outermost IP protocol */
	uint64_t proto_bytes[256];	/* per outermost IP protocol, wire bytes */
	int linktype[DECODE_MAX_LINKTYPES];	/* DLT values seen, -1 unused */
	uint64_t linktype_packets[DECODE_MAX_LINKTYPES]; /* frames per DLT */
	uint64_t linktype_untracked;	/* frames of a link type that found no slot */
};

struct decoder;

int decoder_new(const struct decode_opts *o, struct decoder **out,
    struct ft_err *err);
void decoder_free(struct decoder *d);

/*
 * Decode one frame into pkt. Returns 0 when pkt holds an IP packet for the
 * flow table, -FT_ENOENT for a non-IP frame (or a link type not decoded) and
 * -FT_EPARSE for a frame whose link or IP header is unusable; both are
 * counted and need no further work. After a non-zero return only ts_us,
 * wire_len, cap_len, iface and the link fields (MACs, vlan) of pkt mean
 * anything. A tunnelled packet (6in4, IP-in-IP, GRE, VXLAN, GTP-U) is
 * described by its inner packet when opts.tunnels is set (pkt->tunnel says
 * which); counts stay per outermost header. pkt->l3_len stops at the end of
 * the IP datagram (its total length), so Ethernet padding is never part of
 * it. Never allocates, never logs; pkt's pointers borrow f->data. See
 * docs/internals/decode.md.
 */
int decode_frame(struct decoder *d, const struct ft_frame *f,
    struct ft_pkt *pkt);

const struct decode_stats *decoder_stats(const struct decoder *d);

/* Name of a link type for summaries ("EN10MB", "LINUX_SLL2"). */
const char *decode_linktype_name(int linktype);

/* Whether the decoder understands this link type. */
int decode_linktype_known(int linktype);

#endif
