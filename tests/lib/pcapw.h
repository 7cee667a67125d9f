/* pcapw.h: test helper: packets of any layering, written as classic pcap */
#ifndef PCAPW_H
#define PCAPW_H

/*
 * Two halves, usable apart:
 *
 *   builder: fill a struct pcapw_spec (start from pcapw_spec_init(), which
 *   gives a TCP packet on Ethernet with fixed MACs), call pcapw_build() and
 *   get the frame bytes plus the offsets of its layers, so a test can cut or
 *   corrupt exactly one header.
 *
 *   writer: pcapw_open() a classic pcap file (microsecond timestamps, this
 *   host's byte order, any link type), pcapw_add() frames, pcapw_close().
 *
 *	struct pcapw_spec s;
 *	struct pcapw_frame fr;
 *	struct pcapw *w;
 *
 *	pcapw_spec_init(&s);
 *	s.src = "10.0.0.1";
 *	s.dst = "93.184.216.34";
 *	s.sport = 40000;
 *	s.dport = 80;
 *	s.tcp_flags = PCAPW_TCP_SYN;
 *	if (pcapw_build(&s, &fr) == 0 &&
 *	    pcapw_open("x.pcap", s.link, 0, &w) == 0) {
 *		pcapw_add_frame(w, 1000000, &fr);
 *		pcapw_close(w);
 *	}
 *
 * Functions return 0 or -FT_EINVAL (a spec that cannot be built, named in
 * pcapw_errmsg()) / -FT_EIO / -FT_ENOMEM. Nothing here is thread-safe.
 */

#include <stdint.h>

#include "../../src/model/ft_pkt.h"

#define PCAPW_FRAME_MAX 16384	/* largest frame the builder makes */
#define PCAPW_VLAN_MAX 4	/* stacked VLAN tags */
#define PCAPW_MPLS_MAX 4	/* MPLS labels */
#define PCAPW_EXT_MAX 4		/* IPv6 extension headers before L4 */

/* Link types the builder knows, as pcap LINKTYPE_ values. */
enum pcapw_link {
	PCAPW_LINK_NULL = 0,		/* BSD loopback, host-order family */
	PCAPW_LINK_EN10MB = 1,		/* Ethernet */
	PCAPW_LINK_PPP = 9,		/* PPP with ff 03 address/control */
	PCAPW_LINK_PPP_HDLC = 50,	/* PPP in HDLC framing */
	PCAPW_LINK_RAW = 101,		/* raw IPv4 or IPv6 */
	PCAPW_LINK_C_HDLC = 104,	/* Cisco HDLC */
	PCAPW_LINK_LOOP = 108,		/* OpenBSD loopback, network order */
	PCAPW_LINK_SLL = 113,		/* Linux cooked v1 */
	PCAPW_LINK_IPV4 = 228,		/* raw IPv4 only */
	PCAPW_LINK_IPV6 = 229,		/* raw IPv6 only */
	PCAPW_LINK_NFLOG = 239,		/* Linux netfilter log (NFLOG) */
	PCAPW_LINK_SLL2 = 276,		/* Linux cooked v2 */
};

/* IP protocol numbers with a built L4 header; others get payload only. */
#define PCAPW_ICMP 1
#define PCAPW_TCP 6
#define PCAPW_UDP 17
#define PCAPW_ICMPV6 58
#define PCAPW_SCTP 132

/* TCP flag bits. */
#define PCAPW_TCP_FIN 0x01
#define PCAPW_TCP_SYN 0x02
#define PCAPW_TCP_RST 0x04
#define PCAPW_TCP_PSH 0x08
#define PCAPW_TCP_ACK 0x10
#define PCAPW_TCP_URG 0x20
#define PCAPW_TCP_ECE 0x40
#define PCAPW_TCP_CWR 0x80

/*
 * What to build, layer by layer from the link out. Start from
 * pcapw_spec_init(); a zero count or NULL pointer leaves a layer out.
 */
struct pcapw_spec {
	int link;		/* enum pcapw_link; init: EN10MB */
	uint8_t src_mac[6];	/* Ethernet/SLL source; init: 02:00:00:00:00:01 */
	uint8_t dst_mac[6];	/* Ethernet destination; init: 02:00:00:00:00:02 */
	uint16_t vlan[PCAPW_VLAN_MAX];	/* VLAN ids, outermost first */
	int n_vlan;		/* tags used in vlan[] */
	uint16_t outer_tpid;	/* 0: 0x8100 for one tag, 0x88a8 when stacked */
	int pppoe;		/* 1: wrap in a PPPoE session (Ethernet, SLL) */
	uint16_t pppoe_sid;	/* its session id */
	uint32_t mpls[PCAPW_MPLS_MAX];	/* MPLS labels (20 bits), outermost first */
	int n_mpls;		/* labels used in mpls[] */
	const char *src;	/* IP source as text; NULL builds a non-IP frame */
	const char *dst;	/* IP destination as text, same family as src */
	uint16_t ethertype;	/* non-IP frames: the link's protocol field
				   (ethertype, PPP protocol, or NULL/LOOP family) */
	uint8_t proto;		/* IP protocol; init: PCAPW_TCP */
	uint16_t sport;		/* TCP/UDP/SCTP source port */
	uint16_t dport;		/* TCP/UDP/SCTP destination port */
	uint8_t tcp_flags;	/* PCAPW_TCP_*; init: ACK */
	uint8_t icmp_type;	/* ICMP/ICMPv6 type */
	uint8_t icmp_code;	/* ICMP/ICMPv6 code */
	uint8_t ttl;		/* TTL / hop limit; init: 64 */
	uint32_t ip_id;		/* IPv4 id (low 16 bits) or IPv6 fragment id */
	uint8_t ip_opt_len;	/* IPv4 option bytes (NOPs, EOL): 4k <= 40 */
	uint8_t v6_ext[PCAPW_EXT_MAX];	/* IPv6 ext headers: 0, 43, 60 */
	int n_v6_ext;		/* headers used in v6_ext[] */
	int frag;		/* 1: a fragment (IPv6 gets a fragment header) */
	uint16_t frag_offset;	/* its offset in bytes, a multiple of 8 */
	int frag_more;		/* 1: more fragments follow (MF / M flag) */
	const uint8_t *payload;	/* L4 payload; for a later fragment (offset > 0)
				   the fragment data; NULL: payload_len zeros */
	uint32_t payload_len;	/* its length */
	uint32_t min_len;	/* pad the frame with zeros to this length */
	uint16_t nflog_group;	/* NFLOG: resource id (log group) */
	const char *nflog_prefix; /* NFLOG: NFULA_PREFIX text, NULL: none */
	int nflog_swap;		/* NFLOG: TLV length/type in the other order */
};

/* A built frame. Offsets index data; a layer that is absent has offset len. */
struct pcapw_frame {
	uint8_t data[PCAPW_FRAME_MAX];	/* the frame, link header first */
	uint32_t len;		/* frame length (wire length) */
	uint32_t l3_off;	/* IP header, or payload of a non-IP frame */
	uint32_t l4_off;	/* L4 header, or the data of a later fragment */
	uint32_t payload_off;	/* L4 payload */
};

/*
 * NFLOG frames are what the kernel sends: header (family 2 or 10 by the
 * address, 7 bridge for non-IP, version 0, group), then TLVs in host order
 * (nflog_swap: the other order): NFULA_PACKET_HDR, NFULA_HWADDR (src_mac),
 * NFULA_PREFIX if set, NFULA_PAYLOAD (the IP packet), padded to 4 bytes.
 */

/* Defaults: EN10MB, the MACs above, TCP, ACK, TTL 64, everything else 0. */
void pcapw_spec_init(struct pcapw_spec *s);

/*
 * Build the frame s describes into out. IPv4 header and, for unfragmented
 * packets, TCP/UDP/ICMP/ICMPv6 checksums are correct.
 */
int pcapw_build(const struct pcapw_spec *s, struct pcapw_frame *out);

/* Why the last call failed, for a message; "" when it did not. */
const char *pcapw_errmsg(void);

/* The frame as a capture source would hand it to the decoder. */
struct ft_frame pcapw_ft_frame(const struct pcapw_frame *fr, int link,
    uint64_t ts_us);

struct pcapw;			/* an open pcap file being written */

/* Create path ("-" is stdout); snaplen 0 means 262144. */
int pcapw_open(const char *path, int link, uint32_t snaplen,
    struct pcapw **out);

/*
 * Append one frame: wire length len, of which the first cap_len bytes (at
 * most len and the snaplen) are stored.
 */
int pcapw_add(struct pcapw *w, uint64_t ts_us, const uint8_t *data,
    uint32_t len, uint32_t cap_len);

/* Append a whole built frame. */
int pcapw_add_frame(struct pcapw *w, uint64_t ts_us,
    const struct pcapw_frame *fr);

/* Flush and close; returns -FT_EIO if anything failed to be written. */
int pcapw_close(struct pcapw *w);

#endif
