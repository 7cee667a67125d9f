/* flow_int.h: private to src/flow: the canonical key and the pool entry. */
#ifndef FLOW_INT_H
#define FLOW_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "flow.h"

#define FLOW_NIL UINT32_MAX	/* "no entry" in every uint32 link */
#define US_PER_S UINT64_C(1000000)

#define FLOW_PROTO_ICMP 1
#define FLOW_PROTO_TCP 6
#define FLOW_PROTO_UDP 17
#define FLOW_PROTO_ICMPV6 58

/* Timeout classes; each has its own LRU list ordered by last packet. */
enum flow_class {
	FLOW_TCP = 0,		/* TCP, not closed */
	FLOW_TCP_CLOSED,	/* TCP after FIN both ways or any RST */
	FLOW_UDP,		/* UDP */
	FLOW_OTHER,		/* ICMP, SCTP and everything else */
	FLOW_N_CLASS,		/* count; also "on no class list" */
};

/*
 * Canonical bidirectional key: both directions of a conversation build the
 * same bytes. Side 0 holds the smaller (address, port) pair; for ICMP the
 * sides are ordered by address only and the type sits in port 1. No padding,
 * so memcmp compares keys.
 */
struct flow_key {
	uint8_t addr[2][16];	/* IP addresses of side 0 and side 1 */
	uint64_t meta;		/* ports, vlan, iface, proto, ip version */
};

/* Key equality as five word compares: memcmp's call was 5% of ingest. */
static inline bool
flow_key_eq(const struct flow_key *a, const struct flow_key *b)
{
	uint64_t x[4], y[4];

	if (a->meta != b->meta)
		return false;
	memcpy(x, a->addr, sizeof(x));
	memcpy(y, b->addr, sizeof(y));
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) |
	    (x[3] ^ y[3])) == 0;
}

/* memcmp(a, b, 16) sign for IP addresses, without the call. */
static inline int
flow_addr_cmp(const uint8_t *a, const uint8_t *b)
{
	uint64_t x[2], y[2];

	memcpy(x, a, 16);
	memcpy(y, b, 16);
	x[0] = __builtin_bswap64(x[0]);
	y[0] = __builtin_bswap64(y[0]);
	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	x[1] = __builtin_bswap64(x[1]);
	y[1] = __builtin_bswap64(y[1]);
	if (x[1] != y[1])
		return x[1] < y[1] ? -1 : 1;
	return 0;
}

#define FLOW_META_VLAN_SHIFT 32		/* 12 bits */
#define FLOW_META_IFACE_SHIFT 44	/* 8 bits */
#define FLOW_META_PROTO_SHIFT 52	/* 8 bits */
#define FLOW_META_VER_SHIFT 60		/* 4 bits */

/* What building a key learned about the packet besides the key. */
struct flow_pkt_side {
	uint8_t side;		/* key side that sent the packet */
	uint8_t reply;		/* ICMP reply type folded into its request */
};

/* Bits of flow_entry.bits. */
#define FLOW_B_CLI1	0x01	/* the client is key side 1 */
#define FLOW_B_GUESSED	0x02	/* FT_REC_GUESSED: start not seen */
#define FLOW_B_TUN_SHIFT 2	/* 3 bits: the tunnel, see flow_tun_code() */
#define FLOW_B_TUN_MASK	0x1c	/* those 3 bits */
#define FLOW_B_REPORTED	0x20	/* the last tick emitted a delta with packets */
#define FLOW_B_EMITTED	0x40	/* a record with packets went out: start_us
				   stays, a late older packet is not a start */

/*
 * One flow of the pool. A free entry has cls == FLOW_N_CLASS and is chained
 * on the free list through hnext. A live entry is in exactly one hash chain
 * (hnext), exactly one class list (lprev/lnext, class cls) and the report
 * list (rprev/rnext, ordered by rep_s). bytes and pkts count what happened
 * since the last record; first_us means something only while they are not
 * zero. Index 0 of every per-direction array is client->server.
 */
struct flow_entry {
	uint64_t flow_id;	/* unique, increasing from 1 */
	uint64_t start_us;	/* first packet of the flow */
	uint64_t first_us;	/* first packet since the last record */
	uint64_t last_us;	/* last packet of the flow */
	uint64_t bytes[2];	/* wire bytes since the last record */
	uint64_t pkts[2];	/* packets since the last record */
	struct flow_key key;	/* canonical key */
	uint8_t mac[2][6];	/* client, server link address */
	uint8_t tcp_flags[2];	/* OR of TCP flags over the whole flow */
	uint8_t cls;		/* enum flow_class of the list it is on */
	uint8_t bits;		/* FLOW_B_*, the tunnel of the first packet */
	uint32_t rep_s;		/* tick of the last report (or start), seconds */
	uint32_t hnext;		/* next in hash chain or free list */
	uint32_t lprev;		/* class list neighbours */
	uint32_t lnext;
	uint32_t rprev;		/* report list neighbours */
	uint32_t rnext;
	struct ft_l7 l7;	/* classifier state, zeroed at start */
};

/* flow_key.c */
void flow_key_make(const struct ft_pkt *p, struct flow_key *k,
    struct flow_pkt_side *ps);
uint32_t flow_key_hash(const struct flow_key *k, uint64_t seed);
unsigned flow_client_side(const struct ft_pkt *p,
    const struct flow_pkt_side *ps, bool *guessed);
bool flow_proto_is_icmp(uint8_t proto);

/* flow_record.c */
uint8_t flow_tun_code(uint8_t tunnel);
void flow_fill_record(const struct flow_entry *e, struct ft_flowrec *r,
    uint8_t end, uint8_t flags);

static inline uint16_t
flow_key_port(const struct flow_key *k, unsigned side)
{
	return (uint16_t)(k->meta >> (16 * side));
}

static inline uint8_t
flow_key_proto(const struct flow_key *k)
{
	return (uint8_t)(k->meta >> FLOW_META_PROTO_SHIFT);
}

#endif
