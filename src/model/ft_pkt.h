/* ft_pkt.h: one decoded packet, as the decoder hands it to the flow table. */
#ifndef FT_PKT_H
#define FT_PKT_H

#include <stdint.h>

enum ft_frag {
	FT_FRAG_NONE = 0,	/* not a fragment */
	FT_FRAG_FIRST,		/* offset 0, more fragments follow: has L4 header */
	FT_FRAG_LATER,		/* offset > 0: no L4 header, ports from frag table */
};

/* TCP flag bits as on the wire (byte 13 of the TCP header). */
#define FT_TCP_FIN 0x01
#define FT_TCP_SYN 0x02
#define FT_TCP_RST 0x04
#define FT_TCP_PSH 0x08
#define FT_TCP_ACK 0x10

/* A captured frame as a source delivers it; data borrows the source's buffer. */
struct ft_frame {
	uint64_t ts_us;		/* packet time, microseconds since the epoch */
	uint32_t wire_len;	/* frame length on the wire (pcap len) */
	uint32_t cap_len;	/* bytes captured (pcap caplen) */
	int linktype;		/* pcap DLT_* / LINKTYPE_* of the source */
	uint8_t iface;		/* capture source index, 0-based */
	const uint8_t *data;	/* cap_len bytes */
};

/*
 * A decoded frame. Addresses are in network order; IPv4 uses the first four
 * bytes of src/dst and leaves the rest zero. Ports are in host order. For
 * ICMP and ICMPv6, sport is 0 and dport is type << 8 | code, as on the wire
 * (the flow table pairs requests with replies). Pointers borrow the capture
 * buffer and live only until the next packet is read. When tunnel is not 0
 * the IP fields describe the tunnel's inner packet (the flow's), while
 * wire_len stays the whole frame's: see docs/internals/decode.md.
 */
struct ft_pkt {
	uint64_t ts_us;		/* packet time, microseconds since the epoch */
	uint32_t wire_len;	/* frame length on the wire (pcap len) */
	uint32_t cap_len;	/* bytes captured (pcap caplen) */
	uint8_t iface;		/* capture source index, 0-based */
	uint8_t ip_ver;		/* 0 for non-IP, 4 or 6 (inner when tunnelled) */
	uint8_t proto;		/* the flow's IP protocol (inner when tunnelled) */
	uint8_t tunnel;		/* outer protocol that carried it: 4, 41, 47, 17
				   (VXLAN, GTP-U); 0 when not tunnelled */
	uint8_t tcp_flags;	/* FT_TCP_* of this segment, 0 if not TCP */
	uint8_t frag;		/* enum ft_frag */
	uint8_t has_ports;	/* 1 when sport/dport are valid */
	uint16_t vlan;		/* outermost 802.1Q/802.1ad VLAN id, 0 if none */
	uint16_t sport;		/* source port, host order */
	uint16_t dport;		/* destination port, or ICMP type << 8 | code */
	uint8_t src_mac[6];	/* link source (inner Ethernet's for VXLAN,
				   GRE-TEB), zero when the link has none */
	uint8_t dst_mac[6];	/* link destination, likewise */
	uint8_t src[16];	/* IP source address */
	uint8_t dst[16];	/* IP destination address */
	const uint8_t *l3;	/* the flow's IP header (inner when tunnelled,
				   but a later fragment's own), for nDPI */
	uint32_t l3_len;	/* captured bytes from l3, at most the IP
				   total length (no padding) */
	const uint8_t *payload;	/* L4 payload (TCP/UDP), NULL if none */
	uint32_t payload_len;	/* captured payload bytes */
};

#endif
