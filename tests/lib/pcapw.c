/* pcapw.c: test helper: builds packets layer by layer, writes classic pcap. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/base/ft_err.h"
#include "pcapw.h"

#define PW_SNAPLEN 262144	/* default snaplen, as tcpdump's */
#define PW_AF_INET6_BSD 24	/* AF_INET6 written in NULL/LOOP headers */

/* A byte buffer being filled; err sticks once it overflowed. */
struct pw_buf {
	uint8_t *p;		/* storage */
	uint32_t len;		/* bytes written */
	uint32_t cap;		/* storage size */
	int err;		/* 1 after an overflow */
};

/* Addresses of the packet being built. */
struct pw_addr {
	int ver;		/* 4 or 6 */
	uint8_t src[16];	/* source, IPv4 in the first 4 bytes */
	uint8_t dst[16];	/* destination */
};

/* The classic pcap file header, written in host order. */
struct pw_file_hdr {
	uint32_t magic;		/* 0xa1b2c3d4: microsecond timestamps */
	uint16_t major;		/* 2 */
	uint16_t minor;		/* 4 */
	int32_t thiszone;	/* 0: timestamps are UTC */
	uint32_t sigfigs;	/* 0 */
	uint32_t snaplen;	/* largest stored length */
	uint32_t linktype;	/* LINKTYPE_ of every frame */
};

struct pcapw {
	FILE *f;		/* the file, or stdout */
	uint32_t snaplen;	/* largest stored length */
	int err;		/* a write failed */
};

static char pw_err[256];	/* detail of the last failure */

static int
pw_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pw_err, sizeof(pw_err), fmt, ap);
	va_end(ap);
	return -FT_EINVAL;
}

const char *
pcapw_errmsg(void)
{
	return pw_err;
}

static void
pw_put(struct pw_buf *b, const void *src, uint32_t n)
{
	if (b->err || n > b->cap - b->len) {
		b->err = 1;
		return;
	}
	if (src)
		memcpy(b->p + b->len, src, n);
	else
		memset(b->p + b->len, 0, n);
	b->len += n;
}

static void
pw_u8(struct pw_buf *b, uint8_t v)
{
	pw_put(b, &v, 1);
}

static void
pw_u16(struct pw_buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	pw_put(b, x, 2);
}

static void
pw_u32(struct pw_buf *b, uint32_t v)
{
	pw_u16(b, (uint16_t)(v >> 16));
	pw_u16(b, (uint16_t)v);
}

static void
pw_set16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
pcapw_spec_init(struct pcapw_spec *s)
{
	static const uint8_t smac[6] = { 2, 0, 0, 0, 0, 1 };
	static const uint8_t dmac[6] = { 2, 0, 0, 0, 0, 2 };

	memset(s, 0, sizeof(*s));
	s->link = PCAPW_LINK_EN10MB;
	memcpy(s->src_mac, smac, 6);
	memcpy(s->dst_mac, dmac, 6);
	s->proto = PCAPW_TCP;
	s->tcp_flags = PCAPW_TCP_ACK;
	s->ttl = 64;
}

static int
pw_parse_addrs(const struct pcapw_spec *s, struct pw_addr *a)
{
	int v4s, v4d;

	memset(a, 0, sizeof(*a));
	if (!s->dst)
		return pw_fail("IP source without destination");
	v4s = inet_pton(AF_INET, s->src, a->src) == 1;
	v4d = inet_pton(AF_INET, s->dst, a->dst) == 1;
	if (v4s && v4d) {
		a->ver = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s->src, a->src) == 1 &&
	    inet_pton(AF_INET6, s->dst, a->dst) == 1) {
		a->ver = 6;
		return 0;
	}
	return pw_fail("bad address pair \"%s\" > \"%s\" (both IPv4 or "
	    "both IPv6)", s->src, s->dst);
}

/* Internet checksum of p, folded into sum. */
static uint32_t
pw_sum(uint32_t sum, const uint8_t *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t
pw_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Checksum of the L4 segment l4 (n bytes) with its pseudo-header. */
static uint16_t
pw_l4_csum(const struct pw_addr *a, uint8_t proto, const uint8_t *l4,
    uint32_t n)
{
	uint32_t sum = 0, alen = a->ver == 4 ? 4 : 16;

	if (proto != PCAPW_ICMP) {
		sum = pw_sum(sum, a->src, alen);
		sum = pw_sum(sum, a->dst, alen);
		sum += proto + (n & 0xffff) + (n >> 16);
	}
	return pw_fold(pw_sum(sum, l4, n));
}

/* L4 header: its offset in the checksum field is returned, 0 for none. */
static uint32_t
pw_l4_header(const struct pcapw_spec *s, struct pw_buf *b)
{
	switch (s->proto) {
	case PCAPW_TCP:
		pw_u16(b, s->sport);
		pw_u16(b, s->dport);
		pw_u32(b, 1);
		pw_u32(b, s->tcp_flags & PCAPW_TCP_ACK ? 1 : 0);
		pw_u8(b, 5 << 4);
		pw_u8(b, s->tcp_flags);
		pw_u16(b, 65535);
		pw_u32(b, 0);
		return 16;
	case PCAPW_UDP:
		pw_u16(b, s->sport);
		pw_u16(b, s->dport);
		pw_u16(b, (uint16_t)(8 + s->payload_len));
		pw_u16(b, 0);
		return 6;
	case PCAPW_ICMP:
	case PCAPW_ICMPV6:
		pw_u8(b, s->icmp_type);
		pw_u8(b, s->icmp_code);
		pw_u16(b, 0);
		pw_u32(b, 0x00010001);	/* id 1, sequence 1 */
		return 2;
	case PCAPW_SCTP:
		pw_u16(b, s->sport);
		pw_u16(b, s->dport);
		pw_u32(b, 0);
		pw_u32(b, 0);
		return 0;
	}
	return 0;
}

static void
pw_v4_header(const struct pcapw_spec *s, const struct pw_addr *a,
    struct pw_buf *b)
{
	uint16_t fo = 0;
	uint8_t i;

	if (s->frag)
		fo = (uint16_t)((s->frag_more ? 0x2000 : 0) |
		    (s->frag_offset >> 3));
	pw_u8(b, (uint8_t)(0x40 | (5 + s->ip_opt_len / 4)));
	pw_u8(b, 0);
	pw_u16(b, 0);			/* total length, set later */
	pw_u16(b, (uint16_t)s->ip_id);
	pw_u16(b, fo);
	pw_u8(b, s->ttl);
	pw_u8(b, s->proto);
	pw_u16(b, 0);			/* checksum, set later */
	pw_put(b, a->src, 4);
	pw_put(b, a->dst, 4);
	for (i = 0; s->ip_opt_len && i + 1 < s->ip_opt_len; i++)
		pw_u8(b, 1);		/* NOP */
	if (s->ip_opt_len)
		pw_u8(b, 0);		/* end of options */
}

static void
pw_v6_header(const struct pcapw_spec *s, const struct pw_addr *a,
    struct pw_buf *b)
{
	static const uint8_t padn[6] = { 1, 4, 0, 0, 0, 0 };
	uint8_t nh[PCAPW_EXT_MAX + 2];
	int i, n = 0;

	for (i = 0; i < s->n_v6_ext; i++)
		nh[n++] = s->v6_ext[i];
	if (s->frag)
		nh[n++] = 44;
	nh[n] = s->proto;
	pw_u32(b, 0x60000000);
	pw_u16(b, 0);			/* payload length, set later */
	pw_u8(b, nh[0]);
	pw_u8(b, s->ttl);
	pw_put(b, a->src, 16);
	pw_put(b, a->dst, 16);
	for (i = 0; i < s->n_v6_ext; i++) {
		pw_u8(b, nh[i + 1]);
		pw_u8(b, 0);
		pw_put(b, s->v6_ext[i] == 43 ? NULL : padn, 6);
	}
	if (!s->frag)
		return;
	pw_u8(b, s->proto);
	pw_u8(b, 0);
	pw_u16(b, (uint16_t)(s->frag_offset | (s->frag_more ? 1 : 0)));
	pw_u32(b, s->ip_id);
}

static int
pw_check_ip(const struct pcapw_spec *s, const struct pw_addr *a)
{
	if (s->ip_opt_len % 4 || s->ip_opt_len > 40)
		return pw_fail("IPv4 options: a multiple of 4, at most 40");
	if (s->frag_offset % 8)
		return pw_fail("fragment offset %u is not a multiple of 8",
		    s->frag_offset);
	if (s->n_v6_ext < 0 || s->n_v6_ext > PCAPW_EXT_MAX)
		return pw_fail("at most %d IPv6 extension headers",
		    PCAPW_EXT_MAX);
	if (a->ver == 4 && (s->n_v6_ext || s->proto == PCAPW_ICMPV6))
		return pw_fail("IPv6 extension header or ICMPv6 on IPv4");
	if (a->ver == 6 && (s->ip_opt_len || s->proto == PCAPW_ICMP))
		return pw_fail("IPv4 options or ICMP on IPv6");
	return 0;
}

/* Lengths and checksums once the whole datagram is in b. */
static void
pw_ip_finish(const struct pcapw_spec *s, const struct pw_addr *a,
    struct pw_buf *b, uint32_t l4_off, uint32_t csum_at)
{
	uint8_t *ip = b->p;
	uint32_t hl = (uint32_t)(ip[0] & 0x0f) * 4;
	uint16_t sum;

	if (a->ver == 4) {
		pw_set16(ip + 2, (uint16_t)b->len);
		pw_set16(ip + 10, pw_fold(pw_sum(0, ip, hl)));
	} else {
		pw_set16(ip + 4, (uint16_t)(b->len - 40));
	}
	if (s->frag || !csum_at || l4_off + csum_at + 2 > b->len)
		return;
	sum = pw_l4_csum(a, s->proto, ip + l4_off, b->len - l4_off);
	if (!sum && s->proto == PCAPW_UDP)
		sum = 0xffff;		/* 0 would mean "no checksum" */
	pw_set16(ip + l4_off + csum_at, sum);
}

/* The IP datagram into b (which starts empty); offsets relative to it. */
static int
pw_ip(const struct pcapw_spec *s, struct pw_buf *b, uint32_t *l4_off,
    uint32_t *pay_off)
{
	struct pw_addr a;
	uint32_t csum_at = 0;
	int rc;

	rc = pw_parse_addrs(s, &a);
	if (!rc)
		rc = pw_check_ip(s, &a);
	if (rc)
		return rc;
	if (a.ver == 4)
		pw_v4_header(s, &a, b);
	else
		pw_v6_header(s, &a, b);
	*l4_off = b->len;
	if (!(s->frag && s->frag_offset))
		csum_at = pw_l4_header(s, b);
	*pay_off = b->len;
	pw_put(b, s->payload, s->payload_len);
	if (b->err || b->len > 65535)
		return pw_fail("datagram of %u bytes is too big", b->len);
	pw_ip_finish(s, &a, b, *l4_off, csum_at);
	return 0;
}

/* Protocol field of the link for what follows the tags and PPPoE. */
static uint16_t
pw_ppp_proto(uint16_t inner)
{
	switch (inner) {
	case 0x0800:
		return 0x0021;
	case 0x86dd:
		return 0x0057;
	case 0x8847:
		return 0x0281;
	}
	return inner;
}

/* VLAN TCIs, PPPoE and MPLS: everything after the link's first type. */
static void
pw_chain(const struct pcapw_spec *s, struct pw_buf *b, uint16_t inner,
    uint32_t l3_len)
{
	uint16_t after_tags = s->pppoe ? 0x8864 : inner;
	int i;

	for (i = 0; i < s->n_vlan; i++) {
		pw_u16(b, s->vlan[i] & 0x0fff);
		pw_u16(b, i + 1 < s->n_vlan ? 0x8100 : after_tags);
	}
	if (s->pppoe) {
		pw_u8(b, 0x11);
		pw_u8(b, 0x00);
		pw_u16(b, s->pppoe_sid);
		pw_u16(b, (uint16_t)(2 + 4 * s->n_mpls + l3_len));
		pw_u16(b, pw_ppp_proto(inner));
	}
	for (i = 0; i < s->n_mpls; i++)
		pw_u32(b, (s->mpls[i] & 0xfffff) << 12 |
		    (i + 1 == s->n_mpls ? 0x100 : 0) | 64);
}

/* The link's first type field: outer TPID, PPPoE or the inner type. */
static uint16_t
pw_first_type(const struct pcapw_spec *s, uint16_t inner)
{
	if (s->n_vlan)
		return s->outer_tpid ? s->outer_tpid :
		    s->n_vlan > 1 ? 0x88a8 : 0x8100;
	return s->pppoe ? 0x8864 : inner;
}

static int
pw_link_family(const struct pcapw_spec *s, struct pw_buf *b, int ver)
{
	uint32_t af = ver == 4 ? 2 : ver == 6 ? PW_AF_INET6_BSD : s->ethertype;

	if (s->link == PCAPW_LINK_LOOP)
		pw_u32(b, af);
	else
		pw_put(b, &af, 4);	/* host order, as DLT_NULL is */
	return 0;
}

/* An NFLOG TLV header: length and type in host order, or swapped. */
static void
pw_tlv(struct pw_buf *b, const struct pcapw_spec *s, uint32_t len,
    uint16_t type)
{
	uint16_t v[2] = { (uint16_t)len, type };

	if (s->nflog_swap) {
		v[0] = __builtin_bswap16(v[0]);
		v[1] = __builtin_bswap16(v[1]);
	}
	pw_put(b, v, 4);
}

/* NFLOG header and TLVs up to the payload's data (see pcapw.h). */
static int
pw_link_nflog(const struct pcapw_spec *s, struct pw_buf *b, int ver,
    uint32_t l3_len)
{
	uint32_t n = s->nflog_prefix ? (uint32_t)strlen(s->nflog_prefix) + 1 : 0;

	if (n > 256 || l3_len > 0xffff - 4)
		return pw_fail("NFLOG prefix or payload too long");
	pw_u8(b, ver == 4 ? 2 : ver == 6 ? 10 : 7);
	pw_u8(b, 0);
	pw_u16(b, s->nflog_group);
	pw_tlv(b, s, 8, 1);			/* NFULA_PACKET_HDR */
	pw_u16(b, ver == 4 ? 0x0800 : ver == 6 ? 0x86dd : s->ethertype);
	pw_u8(b, 1);				/* NF_INET_LOCAL_IN */
	pw_u8(b, 0);
	pw_tlv(b, s, 16, 8);			/* NFULA_HWADDR */
	pw_u16(b, 6);
	pw_u16(b, 0);
	pw_put(b, s->src_mac, 6);
	pw_u16(b, 0);
	if (n) {
		pw_tlv(b, s, 4 + n, 10);	/* NFULA_PREFIX */
		pw_put(b, s->nflog_prefix, n);
		pw_put(b, NULL, (4 - n % 4) % 4);
	}
	pw_tlv(b, s, 4 + l3_len, 9);		/* NFULA_PAYLOAD */
	return 0;
}

static int
pw_link(const struct pcapw_spec *s, struct pw_buf *b, int ver,
    uint32_t l3_len)
{
	uint16_t inner = ver == 4 ? 0x0800 : ver == 6 ? 0x86dd : s->ethertype;
	uint16_t first;
	int simple = !s->n_vlan && !s->pppoe;

	if (s->n_mpls)
		inner = 0x8847;
	first = pw_first_type(s, inner);
	switch (s->link) {
	case PCAPW_LINK_EN10MB:
		pw_put(b, s->dst_mac, 6);
		pw_put(b, s->src_mac, 6);
		pw_u16(b, first);
		break;
	case PCAPW_LINK_SLL:
		pw_u32(b, 0x00000001);		/* to us; ARPHRD_ETHER */
		pw_u16(b, 6);
		pw_put(b, s->src_mac, 6);
		pw_u16(b, 0);
		pw_u16(b, first);
		break;
	case PCAPW_LINK_SLL2:
		pw_u16(b, first);
		pw_u16(b, 0);
		pw_u32(b, 1);			/* ifindex */
		pw_u16(b, 1);			/* ARPHRD_ETHER */
		pw_u8(b, 0);			/* to us */
		pw_u8(b, 6);
		pw_put(b, s->src_mac, 6);
		pw_u16(b, 0);
		break;
	case PCAPW_LINK_C_HDLC:
		pw_u16(b, 0x0f00);
		pw_u16(b, first);
		break;
	case PCAPW_LINK_PPP:
	case PCAPW_LINK_PPP_HDLC:
		if (!simple)
			return pw_fail("no VLAN or PPPoE on PPP links");
		pw_u16(b, 0xff03);
		pw_u16(b, pw_ppp_proto(inner));
		break;
	case PCAPW_LINK_NFLOG:
		if (!simple || s->n_mpls)
			return pw_fail("no VLAN, PPPoE or MPLS on NFLOG");
		return pw_link_nflog(s, b, ver, l3_len);
	case PCAPW_LINK_NULL:
	case PCAPW_LINK_LOOP:
		if (!simple || s->n_mpls)
			return pw_fail("no VLAN, PPPoE or MPLS on loopback");
		return pw_link_family(s, b, ver);
	case PCAPW_LINK_RAW:
	case PCAPW_LINK_IPV4:
	case PCAPW_LINK_IPV6:
		if (!ver || !simple || s->n_mpls)
			return pw_fail("raw IP links carry IP only");
		if ((s->link == PCAPW_LINK_IPV4 && ver != 4) ||
		    (s->link == PCAPW_LINK_IPV6 && ver != 6))
			return pw_fail("link type %d carries IPv%d only",
			    s->link, s->link == PCAPW_LINK_IPV4 ? 4 : 6);
		return 0;
	default:
		return pw_fail("link type %d not built", s->link);
	}
	pw_chain(s, b, inner, l3_len);
	return 0;
}

static int
pw_check_counts(const struct pcapw_spec *s)
{
	if (s->n_vlan < 0 || s->n_vlan > PCAPW_VLAN_MAX)
		return pw_fail("at most %d VLAN tags", PCAPW_VLAN_MAX);
	if (s->n_mpls < 0 || s->n_mpls > PCAPW_MPLS_MAX)
		return pw_fail("at most %d MPLS labels", PCAPW_MPLS_MAX);
	return 0;
}

int
pcapw_build(const struct pcapw_spec *s, struct pcapw_frame *out)
{
	uint8_t l3[PCAPW_FRAME_MAX];
	struct pw_buf ib = { l3, 0, sizeof(l3), 0 };
	struct pw_buf fb = { out->data, 0, sizeof(out->data), 0 };
	uint32_t l4 = 0, pay = 0;
	int ver = 0, rc;

	pw_err[0] = '\0';
	rc = pw_check_counts(s);
	if (rc)
		return rc;
	if (s->src) {
		rc = pw_ip(s, &ib, &l4, &pay);
		if (rc)
			return rc;
		ver = l3[0] >> 4;
	} else {
		pw_put(&ib, s->payload, s->payload_len);
	}
	rc = pw_link(s, &fb, ver, ib.len);
	if (rc)
		return rc;
	out->l3_off = fb.len;
	out->l4_off = ver ? fb.len + l4 : fb.len + ib.len;
	out->payload_off = ver ? fb.len + pay : fb.len;
	pw_put(&fb, l3, ib.len);
	if (s->link == PCAPW_LINK_NFLOG)	/* the payload TLV's padding */
		pw_put(&fb, NULL, (4 - ib.len % 4) % 4);
	if (fb.len < s->min_len)
		pw_put(&fb, NULL, s->min_len - fb.len);
	if (ib.err || fb.err)
		return pw_fail("frame larger than %d bytes", PCAPW_FRAME_MAX);
	out->len = fb.len;
	return 0;
}

struct ft_frame
pcapw_ft_frame(const struct pcapw_frame *fr, int link, uint64_t ts_us)
{
	struct ft_frame f;

	memset(&f, 0, sizeof(f));
	f.ts_us = ts_us;
	f.wire_len = fr->len;
	f.cap_len = fr->len;
	f.linktype = link;
	f.data = fr->data;
	return f;
}

static void
pw_write(struct pcapw *w, const void *p, size_t n)
{
	if (fwrite(p, 1, n, w->f) != n)
		w->err = 1;
}

int
pcapw_open(const char *path, int link, uint32_t snaplen, struct pcapw **out)
{
	struct pw_file_hdr hdr = { 0xa1b2c3d4, 2, 4, 0, 0, 0, 0 };
	struct pcapw *w;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -FT_ENOMEM;
	w->snaplen = snaplen ? snaplen : PW_SNAPLEN;
	w->f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
	if (!w->f) {
		free(w);
		pw_fail("cannot create %s", path);
		return -FT_EIO;
	}
	hdr.snaplen = w->snaplen;
	hdr.linktype = (uint32_t)link;
	pw_write(w, &hdr, sizeof(hdr));
	*out = w;
	return 0;
}

int
pcapw_add(struct pcapw *w, uint64_t ts_us, const uint8_t *data, uint32_t len,
    uint32_t cap_len)
{
	uint32_t rec[4];

	if (cap_len > len)
		cap_len = len;
	if (cap_len > w->snaplen)
		cap_len = w->snaplen;
	rec[0] = (uint32_t)(ts_us / 1000000);
	rec[1] = (uint32_t)(ts_us % 1000000);
	rec[2] = cap_len;
	rec[3] = len;
	pw_write(w, rec, sizeof(rec));
	pw_write(w, data, cap_len);
	return w->err ? -FT_EIO : 0;
}

int
pcapw_add_frame(struct pcapw *w, uint64_t ts_us, const struct pcapw_frame *fr)
{
	return pcapw_add(w, ts_us, fr->data, fr->len, fr->len);
}

int
pcapw_close(struct pcapw *w)
{
	int err;

	if (!w)
		return 0;
	err = w->err;
	if (w->f == stdout)
		err |= fflush(stdout) != 0;
	else
		err |= fclose(w->f) != 0;
	free(w);
	return err ? -FT_EIO : 0;
}
