/* ft_flowrec.h: what leaves the flow table: a flow, or a long flow's delta */
#ifndef FT_FLOWREC_H
#define FT_FLOWREC_H

#include <stdint.h>

#define FT_NAME_MAX 128		/* server name incl. NUL; longer is cut */
#define FT_APP_MAX 48		/* "TLS.Google" style application name */
#define FT_CAT_MAX 32		/* nDPI category name */
#define FT_ORG_MAX 96		/* AS organisation; longer is cut */
#define FT_VENDOR_MAX 32	/* MAC vendor short name */

/* Where a name came from, in priority order (a lower value wins). */
enum ft_name_src {
	FT_NAME_NONE = 0,	/* no name */
	FT_NAME_LABEL,		/* the user's labels file */
	FT_NAME_DHCP,		/* DHCP host name seen on the wire */
	FT_NAME_LEASE,		/* dnsmasq/OpenWrt lease file */
	FT_NAME_SNI,		/* TLS/QUIC SNI, HTTP Host (from classification) */
	FT_NAME_DNS,		/* passive DNS: the name a client asked for */
};

/* Bits of ft_flowrec.local. */
#define FT_LOCAL_CLI	0x01	/* client address is in local-networks */
#define FT_LOCAL_SRV	0x02	/* server address is in local-networks */

/* Classifier states of a flow (ft_l7.state). */
enum ft_l7_state {
	FT_L7_NEW = 0,		/* no packet classified yet */
	FT_L7_BUSY,		/* classifier holds state for this flow */
	FT_L7_DONE,		/* result final, classifier state released */
};

/*
 * Classification state carried by every flow. The classifier owns what the
 * ids point to; the flow table only zeroes it for a new flow and copies it
 * into the flow's records, so ownership of a slot passes with the final
 * record to the stage that describes records (classify_describe()).
 */
struct ft_l7 {
	uint32_t slot;		/* classifier state slot + 1, 0 when none */
	uint32_t name_id;	/* interned server name + 1, 0 when none */
	uint16_t app_id;	/* application protocol id, 0 unknown */
	uint16_t master_id;	/* master protocol id (TLS in TLS.Google) */
	uint8_t category;	/* category id */
	uint8_t state;		/* enum ft_l7_state */
	uint8_t pkts;		/* packets handed to the classifier */
	uint8_t guessed;	/* 1 when the result is a port guess */
};

/* Why a record left the flow table. */
enum ft_rec_end {
	FT_END_ACTIVE = 0,	/* active timeout: a delta, the flow goes on */
	FT_END_IDLE,		/* idle timeout */
	FT_END_TCP,		/* TCP FIN both ways or RST, then closed timeout */
	FT_END_EVICT,		/* table full: oldest idle flow evicted */
	FT_END_FLUSH,		/* end of input or shutdown */
};

/* Bits of ft_flowrec.flags. */
#define FT_REC_FINAL	0x01	/* last record of this flow (not a delta) */
#define FT_REC_GUESSED	0x02	/* client side guessed from ports, start not seen */
#define FT_REC_APP_GUESS 0x04	/* application guessed (by port), not detected */
#define FT_REC_CONT	0x08	/* an earlier record of this flow has packets
				   in the same minute: not a new active flow */

/*
 * One flow record. Index 0 of the per-direction arrays is client to server,
 * 1 is server to client. Counters are what happened since the previous
 * record of the same flow (flow_id), so records of one flow add up.
 */
struct ft_flowrec {
	uint64_t flow_id;	/* unique per flow in this process run */
	uint64_t first_us;	/* first packet covered by this record */
	uint64_t last_us;	/* last packet covered by this record */
	uint64_t start_us;	/* first packet of the whole flow */
	uint64_t bytes[2];	/* wire bytes, [0] client->server */
	uint64_t pkts[2];	/* packets, [0] client->server */
	uint8_t iface;		/* capture source index */
	uint8_t ip_ver;		/* 4 or 6 */
	uint8_t proto;		/* IP protocol */
	uint8_t end;		/* enum ft_rec_end */
	uint8_t flags;		/* FT_REC_* */
	uint8_t tunnel;		/* outer protocol of the flow's first packet
				   when tunnelled (4, 41, 47; 17 VXLAN or
				   GTP-U), else 0 */
	uint8_t tcp_flags[2];	/* OR of TCP flags seen, per direction */
	uint16_t vlan;		/* VLAN id, 0 if none */
	uint16_t cport;		/* client port (0 for ICMP and portless) */
	uint16_t sport;		/* server port, or ICMP type << 8 | code */
	uint8_t cli[16];	/* client address */
	uint8_t srv[16];	/* server address */
	uint8_t cli_mac[6];	/* client link address */
	uint8_t srv_mac[6];	/* server link address */
	struct ft_l7 l7;	/* classification state, see struct ft_l7 */
	char app[FT_APP_MAX];	/* application name, "" when unknown */
	char category[FT_CAT_MAX]; /* category name, "" when unknown */
	char server_name[FT_NAME_MAX]; /* SNI, HTTP Host, QUIC SNI or DNS query */
	/* Filled by enrich (src/enrich), from the tables as they were then. */
	uint8_t local;		/* FT_LOCAL_* */
	uint8_t srv_name_src;	/* enum ft_name_src of server_name */
	uint8_t cli_name_src;	/* enum ft_name_src of cli_name */
	char country[3];	/* remote side's ISO 3166-1 code, "" unknown */
	uint32_t asn;		/* remote side's AS number, 0 unknown */
	char as_org[FT_ORG_MAX]; /* remote side's AS organisation */
	char cli_name[FT_NAME_MAX]; /* client's best name (label, DHCP, lease) */
	char cli_vendor[FT_VENDOR_MAX]; /* vendor of cli_mac, "" unknown */
	char srv_vendor[FT_VENDOR_MAX]; /* vendor of srv_mac, "" unknown */
	uint32_t dns_queries;	/* UDP DNS flows: queries the client sent */
	uint32_t dns_ok;	/* replies with RCODE 0 (NOERROR) */
	uint32_t dns_err;	/* replies with an error RCODE */
};

#endif
