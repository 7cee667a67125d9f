/* flow.h: the flow table: two-way keys, fixed pool, timeouts, eviction */
#ifndef FLOW_H
#define FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/ft_err.h"
#include "../model/ft_flowrec.h"
#include "../model/ft_pkt.h"

struct flow_opts {
	uint32_t max_flows;		/* pool size, allocated once */
	uint32_t tcp_timeout_s;		/* idle timeout of an open TCP flow */
	uint32_t tcp_closed_timeout_s;	/* after FIN both ways or RST */
	uint32_t udp_timeout_s;		/* idle timeout of a UDP flow */
	uint32_t other_timeout_s;	/* ICMP and every other protocol */
	uint32_t active_timeout_s;	/* report a long flow's delta this often */
};

struct flow_stats {
	uint64_t created;	/* flows created */
	uint64_t evicted;	/* flows evicted because the pool was full */
	uint64_t records;	/* records harvested */
	uint32_t active;	/* flows in the table now */
	uint32_t max_flows;	/* pool size */
};

/*
 * What flow_table_update() tells the caller about the packet's flow. l7
 * points into the table: valid until the next update, harvest or flush.
 */
struct flow_hit {
	struct ft_l7 *l7;	/* the flow's classification state */
	uint8_t dir;		/* 0 client->server, 1 server->client */
	bool is_new;		/* this packet created the flow */
};

struct flow_table;

/*
 * Allocate the table: max_flows entries of about 160 bytes plus a 4-byte
 * bucket per power-of-two slot (1M flows: about 164 MiB, paged in as
 * used). -FT_EINVAL for max_flows 0 or active_timeout_s 0.
 */
int flow_table_new(const struct flow_opts *o, struct flow_table **out,
    struct ft_err *err);
void flow_table_free(struct flow_table *ft);

/*
 * Account one IP packet. Returns 0 and fills hit, or -FT_EAGAIN when the
 * pool is full and the records of evicted flows are waiting: the caller
 * harvests, then calls again with the same packet. -FT_EINVAL when pkt is
 * not IPv4 or IPv6. Never allocates, logs or blocks.
 */
int flow_table_update(struct flow_table *ft, const struct ft_pkt *pkt,
    struct flow_hit *hit);

/*
 * Move up to cap records into out: first those of evicted flows, then flows
 * idle past their timeout at now_us (final records, oldest first), then
 * deltas of flows whose last report is older than the active timeout.
 * Returns how many; call again while it returns cap.
 */
size_t flow_table_harvest(struct flow_table *ft, uint64_t now_us,
    struct ft_flowrec *out, size_t cap);

/* Like harvest, but ends every flow (FT_END_FLUSH). Call until it returns < cap. */
size_t flow_table_flush(struct flow_table *ft, struct ft_flowrec *out,
    size_t cap);

void flow_table_get_stats(const struct flow_table *ft, struct flow_stats *st);

#endif
