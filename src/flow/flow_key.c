/* flow_key.c: two-way flow keys, their hash, and who is the client */
#include <string.h>

#include "../base/ft_port.h"
#include "flow_int.h"

#define PROTO_DCCP 33
#define PROTO_SCTP 132
#define PROTO_UDPLITE 136

bool
flow_proto_is_icmp(uint8_t proto)
{
	return proto == FLOW_PROTO_ICMP || proto == FLOW_PROTO_ICMPV6;
}

/*
 * The request type an ICMP reply answers; other types map to themselves.
 * Advertisements (router, neighbor) are left alone: they are mostly
 * unsolicited and multicast, and a group address makes a poor client.
 */
static uint8_t
icmp4_request_type(uint8_t type)
{
	switch (type) {
	case 0: return 8;	/* echo reply */
	case 14: return 13;	/* timestamp reply */
	case 16: return 15;	/* information reply */
	case 18: return 17;	/* address mask reply */
	case 38: return 37;	/* domain name reply */
	case 43: return 42;	/* extended echo reply */
	}
	return type;
}

static uint8_t
icmp6_request_type(uint8_t type)
{
	switch (type) {
	case 129: return 128;	/* echo reply */
	case 140: return 139;	/* node information reply */
	case 161: return 160;	/* extended echo reply */
	}
	return type;
}

/* ICMP: type/code with replies folded into requests; sides by address only. */
static void
key_ports_icmp(const struct ft_pkt *p, uint16_t *port, struct flow_pkt_side *ps)
{
	uint8_t type = (uint8_t)(p->dport >> 8), req;

	if (p->proto == FLOW_PROTO_ICMP)
		req = icmp4_request_type(type);
	else
		req = icmp6_request_type(type);
	ps->reply = req != type;
	port[0] = 0;
	port[1] = (uint16_t)(req << 8 | (p->dport & 0xff));
	ps->side = flow_addr_cmp(p->src, p->dst) > 0;
}

/* Other protocols: the smaller (address, port) pair is side 0. */
static void
key_ports_plain(const struct ft_pkt *p, uint16_t *port,
    struct flow_pkt_side *ps)
{
	uint16_t sp = 0, dp = 0;
	int c;

	if (p->has_ports) {
		sp = p->sport;
		dp = p->dport;
	}
	c = flow_addr_cmp(p->src, p->dst);
	ps->side = c > 0 || (c == 0 && sp > dp);
	ps->reply = 0;
	port[ps->side] = sp;
	port[!ps->side] = dp;
}

void
flow_key_make(const struct ft_pkt *p, struct flow_key *k,
    struct flow_pkt_side *ps)
{
	uint16_t port[2];

	if (p->has_ports && flow_proto_is_icmp(p->proto))
		key_ports_icmp(p, port, ps);
	else
		key_ports_plain(p, port, ps);
	memcpy(k->addr[ps->side], p->src, 16);
	memcpy(k->addr[!ps->side], p->dst, 16);
	k->meta = (uint64_t)port[0] | (uint64_t)port[1] << 16 |
	    (uint64_t)(p->vlan & 0xfff) << FLOW_META_VLAN_SHIFT |
	    (uint64_t)p->iface << FLOW_META_IFACE_SHIFT |
	    (uint64_t)p->proto << FLOW_META_PROTO_SHIFT |
	    (uint64_t)(p->ip_ver & 0xf) << FLOW_META_VER_SHIFT;
}

static inline uint64_t
mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	return h ^ (h >> 33);
}

uint32_t
flow_key_hash(const struct flow_key *k, uint64_t seed)
{
	uint64_t w[4], h = seed;
	int i;

	memcpy(w, k->addr, sizeof(w));
	for (i = 0; i < 4; i++)
		h = (h ^ w[i]) * UINT64_C(0x9e3779b97f4a7c15);
	h = (h ^ k->meta) * UINT64_C(0x9e3779b97f4a7c15);
	h = mix64(h);
	return (uint32_t)h;
}

static bool
proto_has_service_ports(uint8_t proto)
{
	return proto == FLOW_PROTO_UDP || proto == PROTO_SCTP ||
	    proto == PROTO_UDPLITE || proto == PROTO_DCCP;
}

/* The sender looks like a server and the receiver like a client. */
static bool
ports_say_reply(const struct ft_pkt *p)
{
	return p->has_ports && ft_port_is_service(p->sport) &&
	    !ft_port_is_service(p->dport);
}

/*
 * Key side of the client, decided on the flow's first packet p; see
 * docs/internals/flow.md. guessed is set when TCP started unseen.
 */
unsigned
flow_client_side(const struct ft_pkt *p, const struct flow_pkt_side *ps,
    bool *guessed)
{
	uint8_t f = p->tcp_flags;
	bool swap = false;

	*guessed = false;
	if (p->proto == FLOW_PROTO_TCP) {
		if (f & FT_TCP_SYN) {
			swap = (f & FT_TCP_ACK) != 0;
		} else {
			*guessed = true;
			swap = ports_say_reply(p);
		}
	} else if (proto_has_service_ports(p->proto)) {
		swap = ports_say_reply(p);
	} else if (flow_proto_is_icmp(p->proto)) {
		swap = ps->reply;
	}
	return swap ? !ps->side : ps->side;
}
