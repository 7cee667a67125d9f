/* flow_record.c: a flow entry described as a record; tunnel codes */
#include <string.h>

#include "flow_int.h"

/*
 * Tunnels a flow's first packet can come through (ft_pkt.tunnel), by their
 * 3-bit code in flow_entry.bits: the pool entry has no byte to spare.
 */
static const uint8_t flow_tunnels[] = { 0, 4, 17, 41, 47 };

#define FLOW_N_TUNNELS (sizeof(flow_tunnels) / sizeof(flow_tunnels[0]))
_Static_assert(FLOW_N_TUNNELS <= 8, "tunnel codes have 3 bits");

/* Code of a tunnel protocol; 0 (none) for one that is not in the list. */
uint8_t
flow_tun_code(uint8_t tunnel)
{
	uint8_t i;

	for (i = 1; i < FLOW_N_TUNNELS; i++)
		if (flow_tunnels[i] == tunnel)
			return i;
	return 0;
}

/* Describe what e counted since its last record; counters stay. */
void
flow_fill_record(const struct flow_entry *e, struct ft_flowrec *r, uint8_t end,
    uint8_t flags)
{
	unsigned c = e->bits & FLOW_B_CLI1;
	uint64_t m = e->key.meta;

	memset(r, 0, sizeof(*r));
	r->flow_id = e->flow_id;
	r->start_us = e->start_us;
	r->first_us = (e->pkts[0] | e->pkts[1]) ? e->first_us : e->last_us;
	r->last_us = e->last_us;
	memcpy(r->bytes, e->bytes, sizeof(r->bytes));
	memcpy(r->pkts, e->pkts, sizeof(r->pkts));
	r->iface = (uint8_t)(m >> FLOW_META_IFACE_SHIFT);
	r->ip_ver = (uint8_t)(m >> FLOW_META_VER_SHIFT);
	r->proto = flow_key_proto(&e->key);
	r->end = end;
	r->flags = flags | ((e->bits & FLOW_B_GUESSED) ? FT_REC_GUESSED : 0);
	/*
	 * A report at tick rep_s covered packets of [rep_s - active, rep_s):
	 * when that tick lies inside this record's minute, the flow already
	 * had a record with packets in it.
	 */
	if ((e->bits & FLOW_B_REPORTED) && e->rep_s % 60 &&
	    e->rep_s / 60 == r->first_us / US_PER_S / 60)
		r->flags |= FT_REC_CONT;
	r->tunnel = flow_tunnels[(e->bits & FLOW_B_TUN_MASK) >>
	    FLOW_B_TUN_SHIFT];
	memcpy(r->tcp_flags, e->tcp_flags, sizeof(r->tcp_flags));
	r->vlan = (uint16_t)((m >> FLOW_META_VLAN_SHIFT) & 0xfff);
	r->cport = flow_key_port(&e->key, c);
	r->sport = flow_key_port(&e->key, !c);
	if (flow_proto_is_icmp(r->proto)) {
		r->cport = 0;
		r->sport = flow_key_port(&e->key, 1);
	}
	memcpy(r->cli, e->key.addr[c], 16);
	memcpy(r->srv, e->key.addr[!c], 16);
	memcpy(r->cli_mac, e->mac[0], 6);
	memcpy(r->srv_mac, e->mac[1], 6);
	r->l7 = e->l7;
}
