/* ft_helper_main.c: ft-helper, the tests' helper binary (pcap from a script) */
/*
 * ft-helper pcap OUT.pcap SCRIPT	(SCRIPT, OUT may be "-": stdin, stdout)
 *
 * Writes a classic pcap file (microsecond timestamps) from SCRIPT, a text
 * with one packet per line. Blank lines and lines starting with # are
 * skipped; a # after whitespace starts a comment too.
 *
 * File settings, on lines of their own before the first packet:
 *   link=NAME      en10mb (default), sll, sll2, raw, ipv4, ipv6, null, loop,
 *                  ppp, ppp_hdlc, c_hdlc, nflog
 *   snaplen=N      the file's snaplen (default 262144)
 *
 * A packet line:   [t=TIME] KIND [SRC > DST] [OPTION...]
 *   TIME           seconds since the epoch, up to 6 decimals (t=1.5,
 *                  t=1700000000.000123), or +SECONDS after the previous
 *                  packet (t=+0.2). Omitted: previous + 0.001; the first
 *                  packet defaults to t=1.
 *   KIND           tcp, udp, icmp, sctp (ICMPv6 when the addresses are
 *                  IPv6; icmp6 also works), ip (any protocol: proto=N),
 *                  eth (a non-IP frame: type=ETHERTYPE, default 0x0806),
 *                  arp (eth type=0x0806 with a 28-byte body)
 *   SRC, DST       10.0.0.1:40000, 10.0.0.1, [2001:db8::1]:443, 2001:db8::1.
 *                  Omitted: 10.0.0.1 > 10.0.0.2, or 2001:db8::1 >
 *                  2001:db8::2 with the option ip6. No port: port 0.
 *
 * Options (KEY=VALUE; numbers are decimal or 0x hex):
 *   flags=SAFRPUEC tcp flags (syn ack fin rst psh urg ece cwr), flags=0
 *                  for none; default A
 *   len=N          frame length on the wire: the payload is zero-filled up
 *                  to it (an error if the headers alone are longer)
 *   payload=N      N zero bytes of L4 payload
 *   data=HEX       payload bytes in hex (data=474554202f)
 *   text=STRING    payload bytes as written (no spaces)
 *   pad=N          zero-pad the frame to at least N bytes (Ethernet: 60)
 *   snap=N         store only the first N bytes (the wire length stays)
 *   vlan=ID[,ID]   802.1Q tags, outermost first; two or more make QinQ
 *                  with an 802.1ad (0x88a8) outer tag
 *   tpid=0xNNNN    TPID of the outermost tag (0x8100, 0x88a8, 0x9100)
 *   pppoe[=SID]    inside a PPPoE session
 *   mpls=L[,L]     MPLS labels, outermost first
 *   frag=OFF[+]    an IP fragment at byte offset OFF; + means more
 *                  fragments follow: frag=0+ first, frag=1480+ middle,
 *                  frag=1480 last. frag=first is frag=0+. A fragment with
 *                  OFF > 0 has no L4 header: its payload is fragment data.
 *   id=N           IPv4 identification or IPv6 fragment id
 *   ttl=N          TTL or hop limit (default 64)
 *   ipopt=N        N bytes of IPv4 options (a multiple of 4, up to 40)
 *   ext=H[,H]      IPv6 extension headers before L4: 0 hop-by-hop,
 *                  43 routing, 60 destination options
 *   type=N code=N  ICMP type/code (default echo request); for eth the
 *                  ethertype; on ppp/null links the protocol/family field
 *   proto=N        IP protocol number (KIND ip)
 *   smac=MAC dmac=MAC   link addresses (02:00:00:00:00:01 > ...:02)
 *   ip6            default IPv6 addresses when SRC > DST is omitted
 *   group=N        NFLOG: the log group (resource id)
 *   prefix=TEXT    NFLOG: a log prefix TLV (no spaces)
 *   tlvswap=1      NFLOG: TLV lengths/types in the other byte order (as a
 *                  big-endian router writes them)
 *   repeat=N       write the packet N times, every=SECONDS apart
 *                  (default 0.001)
 *
 * Example:
 *   link=en10mb
 *   t=1.000 tcp 10.0.0.1:40000 > 93.184.216.34:80 flags=S len=60
 *   t=1.020 tcp 93.184.216.34:80 > 10.0.0.1:40000 flags=SA len=60
 *   udp [2001:db8::1]:5353 > [ff02::fb]:5353 vlan=10,20 payload=40
 *   udp 10.0.0.1:5000 > 10.0.0.2:53 frag=0+ id=7 payload=1472
 *   udp 10.0.0.1 > 10.0.0.2 frag=1480 id=7 payload=100
 *
 * Exit status 0; on bad input one line "ft-helper: SCRIPT:LINE: ..." and 1.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/base/ft_err.h"
#include "pcapw.h"

#define HP_LINE_MAX 4096	/* longest script line */
#define HP_TOK_MAX 64		/* tokens per line */
#define HP_ADDR_MAX 64		/* address text incl. NUL */

/* The script being turned into a file. */
struct hp_file {
	const char *out;	/* output path */
	const char *name;	/* script name for messages */
	int lineno;		/* current line */
	int link;		/* link type of the file */
	uint32_t snaplen;	/* the file's snaplen */
	struct pcapw *w;	/* open once the first packet comes */
	uint64_t t_us;		/* time of the previous packet */
	int n_pkts;		/* packets written */
	char err[256];		/* message of the failure */
};

/* One packet line as parsed. */
struct hp_pkt {
	struct pcapw_spec s;	/* what to build */
	char src[HP_ADDR_MAX];	/* address text s.src points to */
	char dst[HP_ADDR_MAX];	/* address text s.dst points to */
	uint8_t data[PCAPW_FRAME_MAX];	/* payload bytes s.payload points to */
	uint64_t ts_us;		/* packet time */
	int has_t;		/* t= given */
	int has_every;		/* every= given */
	uint32_t len;		/* wanted wire length, 0: as built */
	uint32_t snap;		/* stored bytes, 0: all */
	uint32_t repeat;	/* copies */
	uint64_t every_us;	/* gap between copies */
	int kind;		/* a KIND word was seen */
	int icmp;		/* KIND icmp: pick v4/v6 by address */
	int type_set;		/* type= given */
	int ip6;		/* default addresses are IPv6 */
	char prefix[HP_ADDR_MAX];	/* NFLOG prefix s.nflog_prefix points to */
};

static int
hp_fail(struct hp_file *hf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(hf->err, sizeof(hf->err), fmt, ap);
	va_end(ap);
	return -FT_EINVAL;
}

static int
hp_u32(const char *s, uint32_t max, uint32_t *out)
{
	unsigned long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -FT_EINVAL;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > max)
		return -FT_EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* Seconds with up to 6 decimals into microseconds. */
static int
hp_seconds(const char *s, uint64_t *out)
{
	uint64_t sec = 0, us = 0;
	int nd = 0;

	if (!*s || *s == '.')
		return -FT_EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (sec > 4000000000u)
			return -FT_EINVAL;
		sec = sec * 10 + (uint64_t)(*s - '0');
	}
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, nd++)
			if (nd < 6)
				us = us * 10 + (uint64_t)(*s - '0');
	if (*s)
		return -FT_EINVAL;
	for (; nd < 6; nd++)
		us *= 10;
	*out = sec * 1000000 + us;
	return 0;
}

static int
hp_list(const char *v, uint32_t max, uint32_t *out, int cap, int *n)
{
	char buf[128], *p = buf, *comma;
	size_t len = strlen(v);

	if (len >= sizeof(buf))
		return -FT_EINVAL;
	memcpy(buf, v, len + 1);
	for (*n = 0; p; p = comma ? comma + 1 : NULL) {
		comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (*n == cap || hp_u32(p, max, &out[*n]))
			return -FT_EINVAL;
		(*n)++;
	}
	return 0;
}

static int
hp_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
hp_mac(const char *v, uint8_t mac[6])
{
	int i, hi, lo;

	for (i = 0; i < 6; i++, v += 3) {
		hi = hp_hexval(v[0]);
		lo = hi < 0 ? -1 : hp_hexval(v[1]);
		if (lo < 0 || (v[2] != (i == 5 ? '\0' : ':')))
			return -FT_EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static const struct {
	const char *name;	/* as written in link= */
	int link;		/* PCAPW_LINK_* */
} hp_links[] = {
	{ "en10mb", PCAPW_LINK_EN10MB }, { "ether", PCAPW_LINK_EN10MB },
	{ "sll", PCAPW_LINK_SLL }, { "sll2", PCAPW_LINK_SLL2 },
	{ "raw", PCAPW_LINK_RAW }, { "ipv4", PCAPW_LINK_IPV4 },
	{ "ipv6", PCAPW_LINK_IPV6 }, { "null", PCAPW_LINK_NULL },
	{ "loop", PCAPW_LINK_LOOP }, { "ppp", PCAPW_LINK_PPP },
	{ "ppp_hdlc", PCAPW_LINK_PPP_HDLC }, { "c_hdlc", PCAPW_LINK_C_HDLC },
	{ "nflog", PCAPW_LINK_NFLOG },
};

static int
hp_link(struct hp_file *hf, const char *v)
{
	size_t i;

	for (i = 0; i < sizeof(hp_links) / sizeof(hp_links[0]); i++) {
		if (strcmp(v, hp_links[i].name) != 0)
			continue;
		if (hf->n_pkts && hf->link != hp_links[i].link)
			return hp_fail(hf, "link=%s after the first packet", v);
		hf->link = hp_links[i].link;
		return 0;
	}
	return hp_fail(hf, "link=%s: expected en10mb, sll, sll2, raw, ipv4, "
	    "ipv6, null, loop, ppp, ppp_hdlc, c_hdlc or nflog", v);
}

static int
hp_flags(const char *v, uint8_t *out)
{
	static const char letters[] = "FSRPAUEC";
	const char *at;
	uint32_t n;

	*out = 0;
	if (hp_u32(v, 255, &n) == 0) {
		*out = (uint8_t)n;
		return 0;
	}
	for (; *v; v++) {
		at = strchr(letters, *v);
		if (!at)
			return -FT_EINVAL;
		*out |= (uint8_t)(1u << (at - letters));
	}
	return 0;
}

/* frag=OFF[+] or frag=first. */
static int
hp_frag(struct hp_pkt *p, const char *v)
{
	char buf[16];
	size_t len = strlen(v);
	uint32_t off;

	p->s.frag = 1;
	if (strcmp(v, "first") == 0) {
		p->s.frag_more = 1;
		return 0;
	}
	if (!len || len >= sizeof(buf))
		return -FT_EINVAL;
	memcpy(buf, v, len + 1);
	if (buf[len - 1] == '+') {
		p->s.frag_more = 1;
		buf[len - 1] = '\0';
	}
	if (hp_u32(buf, 65528, &off) || off % 8)
		return -FT_EINVAL;
	p->s.frag_offset = (uint16_t)off;
	return 0;
}

static int
hp_data_hex(struct hp_pkt *p, const char *v)
{
	size_t i, n = strlen(v);
	int hi, lo;

	if (n % 2 || n / 2 > sizeof(p->data))
		return -FT_EINVAL;
	for (i = 0; i < n / 2; i++) {
		hi = hp_hexval(v[2 * i]);
		lo = hp_hexval(v[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -FT_EINVAL;
		p->data[i] = (uint8_t)(hi << 4 | lo);
	}
	p->s.payload = p->data;
	p->s.payload_len = (uint32_t)(n / 2);
	return 0;
}

static int
hp_opt_num(struct hp_pkt *p, const char *k, const char *v)
{
	uint32_t n;

	if (hp_u32(v, 0xffffffffu, &n))
		return -FT_EINVAL;
	if (!strcmp(k, "len") && n <= PCAPW_FRAME_MAX)
		p->len = n;
	else if (!strcmp(k, "payload") && n <= PCAPW_FRAME_MAX)
		p->s.payload_len = n;
	else if (!strcmp(k, "pad") && n <= PCAPW_FRAME_MAX)
		p->s.min_len = n;
	else if (!strcmp(k, "snap"))
		p->snap = n ? n : 1;
	else if (!strcmp(k, "id"))
		p->s.ip_id = n;
	else if (!strcmp(k, "ttl") && n <= 255)
		p->s.ttl = (uint8_t)n;
	else if (!strcmp(k, "ipopt") && n <= 40)
		p->s.ip_opt_len = (uint8_t)n;
	else if (!strcmp(k, "code") && n <= 255)
		p->s.icmp_code = (uint8_t)n;
	else if (!strcmp(k, "proto") && n <= 255)
		p->s.proto = (uint8_t)n;
	else if (!strcmp(k, "tpid") && n <= 0xffff)
		p->s.outer_tpid = (uint16_t)n;
	else if (!strcmp(k, "pppoe") && n <= 0xffff)
		p->s.pppoe_sid = (uint16_t)n;
	else if (!strcmp(k, "group") && n <= 0xffff)
		p->s.nflog_group = (uint16_t)n;
	else if (!strcmp(k, "tlvswap") && n <= 1)
		p->s.nflog_swap = (int)n;
	else if (!strcmp(k, "repeat") && n >= 1)
		p->repeat = n;
	else if (!strcmp(k, "type") && n <= 0xffff)
		p->type_set = 1, p->s.icmp_type = (uint8_t)n,
		    p->s.ethertype = (uint16_t)n;
	else
		return -FT_EINVAL;
	if (!strcmp(k, "pppoe"))
		p->s.pppoe = 1;
	return 0;
}

static int
hp_opt_list(struct hp_pkt *p, const char *k, const char *v)
{
	uint32_t x[PCAPW_VLAN_MAX + PCAPW_MPLS_MAX];
	int i, n;

	if (!strcmp(k, "vlan")) {
		if (hp_list(v, 4095, x, PCAPW_VLAN_MAX, &n))
			return -FT_EINVAL;
		for (i = 0; i < n; i++)
			p->s.vlan[i] = (uint16_t)x[i];
		p->s.n_vlan = n;
		return 0;
	}
	if (!strcmp(k, "mpls")) {
		if (hp_list(v, 0xfffff, p->s.mpls, PCAPW_MPLS_MAX, &n))
			return -FT_EINVAL;
		p->s.n_mpls = n;
		return 0;
	}
	if (hp_list(v, 255, x, PCAPW_EXT_MAX, &n))
		return -FT_EINVAL;
	for (i = 0; i < n; i++)
		p->s.v6_ext[i] = (uint8_t)x[i];
	p->s.n_v6_ext = n;
	return 0;
}

/* One KEY=VALUE option. */
static int
hp_option(struct hp_file *hf, struct hp_pkt *p, const char *k, const char *v)
{
	size_t n;

	if (!strcmp(k, "t"))
		return 0;	/* handled before */
	if (!strcmp(k, "link"))
		return hp_link(hf, v);
	if (!strcmp(k, "flags"))
		return hp_flags(v, &p->s.tcp_flags);
	if (!strcmp(k, "frag"))
		return hp_frag(p, v);
	if (!strcmp(k, "data"))
		return hp_data_hex(p, v);
	if (!strcmp(k, "every")) {
		p->has_every = 1;
		return hp_seconds(v, &p->every_us);
	}
	if (!strcmp(k, "smac"))
		return hp_mac(v, p->s.src_mac);
	if (!strcmp(k, "dmac"))
		return hp_mac(v, p->s.dst_mac);
	if (!strcmp(k, "vlan") || !strcmp(k, "mpls") || !strcmp(k, "ext"))
		return hp_opt_list(p, k, v);
	if (!strcmp(k, "prefix")) {
		n = strlen(v);
		if (n >= sizeof(p->prefix))
			return -FT_EINVAL;
		memcpy(p->prefix, v, n + 1);
		p->s.nflog_prefix = p->prefix;
		return 0;
	}
	if (!strcmp(k, "text")) {
		n = strlen(v);
		if (n > sizeof(p->data))
			return -FT_EINVAL;
		memcpy(p->data, v, n);
		p->s.payload = p->data;
		p->s.payload_len = (uint32_t)n;
		return 0;
	}
	return hp_opt_num(p, k, v);
}

/* A KIND word; returns -FT_ENOENT when the word is none. */
static int
hp_kind(struct hp_pkt *p, const char *w)
{
	static const struct {
		const char *word;	/* KIND as written */
		uint8_t proto;		/* IP protocol, 0 for non-IP */
	} kinds[] = {
		{ "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmp6", 58 },
		{ "sctp", 132 }, { "ip", 0 }, { "eth", 0 }, { "arp", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(w, kinds[i].word) != 0)
			continue;
		p->kind = 1;
		p->s.proto = kinds[i].proto;
		p->icmp = !strcmp(w, "icmp");
		if (!strcmp(w, "eth") || !strcmp(w, "arp")) {
			p->s.src = NULL;
			p->s.ethertype = 0x0806;
			p->s.payload_len = !strcmp(w, "arp") ? 28 : 0;
		}
		return 0;
	}
	return -FT_ENOENT;
}

/* SRC or DST: address text into buf, port into *port. */
static int
hp_endpoint(const char *tok, char *buf, uint16_t *port)
{
	const char *colon, *close;
	uint32_t n = 0;
	size_t alen;

	if (tok[0] == '[') {
		close = strchr(tok, ']');
		if (!close || (close[1] && close[1] != ':'))
			return -FT_EINVAL;
		alen = (size_t)(close - tok - 1);
		tok++;
		colon = close[1] ? close + 1 : NULL;
	} else {
		colon = strchr(tok, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL;	/* bare IPv6 */
		alen = colon ? (size_t)(colon - tok) : strlen(tok);
	}
	if (!alen || alen >= HP_ADDR_MAX)
		return -FT_EINVAL;
	if (colon && hp_u32(colon + 1, 65535, &n))
		return -FT_EINVAL;
	memcpy(buf, tok, alen);
	buf[alen] = '\0';
	*port = (uint16_t)n;
	return 0;
}

/* Split line in place into whitespace-separated tokens; # ends it. */
static int
hp_tokens(char *line, char **tok)
{
	int n = 0;

	for (;;) {
		while (*line == ' ' || *line == '\t' || *line == '\r' ||
		    *line == '\n')
			*line++ = '\0';
		if (!*line || *line == '#')
			return n;
		if (n == HP_TOK_MAX)
			return -1;
		tok[n++] = line;
		while (*line && *line != ' ' && *line != '\t' &&
		    *line != '\r' && *line != '\n')
			line++;
	}
}

static int
hp_time(struct hp_file *hf, struct hp_pkt *p, const char *v)
{
	uint64_t t;

	if (hp_seconds(v[0] == '+' ? v + 1 : v, &t))
		return hp_fail(hf, "t=%s: expected seconds: 1.5, +0.2", v);
	p->ts_us = v[0] == '+' ? hf->t_us + t : t;
	p->has_t = 1;
	return 0;
}

/* Words: KIND, SRC > DST, pppoe, ip6. */
static int
hp_words(struct hp_file *hf, struct hp_pkt *p, char **tok, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (strchr(tok[i], '=') && strcmp(tok[i], ">") != 0)
			continue;
		if (i + 2 < n && !strcmp(tok[i + 1], ">")) {
			if (hp_endpoint(tok[i], p->src, &p->s.sport) ||
			    hp_endpoint(tok[i + 2], p->dst, &p->s.dport))
				return hp_fail(hf, "bad endpoints %s > %s: "
				    "expected ADDR[:PORT] or [IPV6]:PORT",
				    tok[i], tok[i + 2]);
			i += 2;
		} else if (!strcmp(tok[i], "pppoe")) {
			p->s.pppoe = 1;
		} else if (!strcmp(tok[i], "ip6")) {
			p->ip6 = 1;
		} else if (!strcmp(tok[i], "ip4")) {
			p->ip6 = 0;
		} else if (p->kind || hp_kind(p, tok[i])) {
			return hp_fail(hf, "unexpected \"%s\": expected a KIND "
			    "(tcp udp icmp sctp ip eth arp) once, "
			    "SRC > DST or KEY=VALUE", tok[i]);
		}
	}
	if (!p->kind)
		return hp_fail(hf, "no KIND (tcp udp icmp sctp ip eth arp)");
	return 0;
}

static int
hp_options(struct hp_file *hf, struct hp_pkt *p, char **tok, int n)
{
	char key[32], *eq;
	size_t klen;
	int i, rc;

	for (i = 0; i < n; i++) {
		eq = strchr(tok[i], '=');
		if (!eq)
			continue;
		klen = (size_t)(eq - tok[i]);
		if (klen >= sizeof(key))
			return hp_fail(hf, "unknown option %s", tok[i]);
		memcpy(key, tok[i], klen);
		key[klen] = '\0';
		if (!strcmp(key, "t"))
			rc = hp_time(hf, p, eq + 1);
		else
			rc = hp_option(hf, p, key, eq + 1);
		if (rc)
			return hf->err[0] ? rc : hp_fail(hf, "bad option %s "
			    "(see the top of tests/lib/ft_helper_main.c)",
			    tok[i]);
	}
	return 0;
}

/* What the words left open: addresses, ICMP flavour, time, counts. */
static void
hp_fill(struct hp_file *hf, struct hp_pkt *p)
{
	int v6;
	const char *src = p->ip6 ? "2001:db8::1" : "10.0.0.1";
	const char *dst = p->ip6 ? "2001:db8::2" : "10.0.0.2";

	p->s.link = hf->link;
	if (!p->src[0]) {
		memcpy(p->src, src, strlen(src) + 1);
		memcpy(p->dst, dst, strlen(dst) + 1);
	}
	v6 = strchr(p->src, ':') != NULL;
	if (p->icmp) {
		p->s.proto = v6 ? PCAPW_ICMPV6 : PCAPW_ICMP;
		if (!p->type_set)
			p->s.icmp_type = v6 ? 128 : 8;
	}
	if (!p->has_t)
		p->ts_us = hf->n_pkts ? hf->t_us + 1000 : 1000000;
	if (!p->repeat)
		p->repeat = 1;
	if (!p->has_every)
		p->every_us = 1000;
}

/* Build, grow the payload to len= if asked, rebuild. */
static int
hp_build(struct hp_file *hf, struct hp_pkt *p, struct pcapw_frame *fr)
{
	uint32_t pad = p->s.min_len, extra;

	p->s.min_len = 0;
	if (pcapw_build(&p->s, fr))
		return hp_fail(hf, "%s", pcapw_errmsg());
	p->s.min_len = pad;
	if (p->len) {
		if (fr->len > p->len)
			return hp_fail(hf, "len=%u but the headers and payload "
			    "take %u bytes", p->len, fr->len);
		extra = p->len - fr->len;
		if (p->s.payload)
			memset(p->data + p->s.payload_len, 0, extra);
		p->s.payload_len += extra;
	}
	if (pcapw_build(&p->s, fr))
		return hp_fail(hf, "%s", pcapw_errmsg());
	return 0;
}

static int
hp_emit(struct hp_file *hf, struct hp_pkt *p)
{
	static struct pcapw_frame fr;
	uint64_t ts = p->ts_us;
	uint32_t i, cap;
	int rc;

	rc = hp_build(hf, p, &fr);
	if (rc)
		return rc;
	if (!hf->w && pcapw_open(hf->out, hf->link, hf->snaplen, &hf->w))
		return hp_fail(hf, "cannot write %s", hf->out);
	cap = p->snap && p->snap < fr.len ? p->snap : fr.len;
	for (i = 0; i < p->repeat; i++, ts += p->every_us) {
		if (pcapw_add(hf->w, ts, fr.data, fr.len, cap))
			return hp_fail(hf, "cannot write %s", hf->out);
		hf->t_us = ts;
		hf->n_pkts++;
	}
	return 0;
}

/* A line of only link= / snaplen= settings. */
static int
hp_settings(struct hp_file *hf, char **tok, int n)
{
	int i, rc = 0;

	for (i = 0; i < n && !rc; i++) {
		if (!strncmp(tok[i], "link=", 5))
			rc = hp_link(hf, tok[i] + 5);
		else if (hf->n_pkts)
			rc = hp_fail(hf, "snaplen= after the first packet");
		else if (hp_u32(tok[i] + 8, 0x7fffffff, &hf->snaplen))
			rc = hp_fail(hf, "%s: expected snaplen=N", tok[i]);
	}
	return rc;
}

static int
hp_is_settings(char **tok, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (strncmp(tok[i], "link=", 5) &&
		    strncmp(tok[i], "snaplen=", 8))
			return 0;
	return 1;
}

static int
hp_line(struct hp_file *hf, char *line)
{
	static struct hp_pkt p;
	char *tok[HP_TOK_MAX];
	int n, rc;

	n = hp_tokens(line, tok);
	if (n < 0)
		return hp_fail(hf, "more than %d words", HP_TOK_MAX);
	if (n == 0)
		return 0;
	if (hp_is_settings(tok, n))
		return hp_settings(hf, tok, n);
	memset(&p, 0, sizeof(p));
	pcapw_spec_init(&p.s);
	p.s.src = p.src;
	p.s.dst = p.dst;
	rc = hp_words(hf, &p, tok, n);
	if (!rc)
		rc = hp_options(hf, &p, tok, n);
	if (rc)
		return rc;
	hp_fill(hf, &p);
	return hp_emit(hf, &p);
}

static int
hp_script(struct hp_file *hf, FILE *in)
{
	char line[HP_LINE_MAX];
	size_t len;
	int rc;

	while (fgets(line, sizeof(line), in)) {
		hf->lineno++;
		len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n')
			return hp_fail(hf, "line longer than %d bytes",
			    HP_LINE_MAX - 2);
		rc = hp_line(hf, line);
		if (rc)
			return rc;
	}
	if (ferror(in))
		return hp_fail(hf, "read error");
	if (!hf->w && pcapw_open(hf->out, hf->link, hf->snaplen, &hf->w))
		return hp_fail(hf, "cannot write %s", hf->out);
	return 0;
}

static int
cmd_pcap(int argc, char **argv)
{
	struct hp_file hf;
	FILE *in;
	int rc;

	if (argc != 4) {
		fprintf(stderr, "usage: ft-helper pcap OUT.pcap SCRIPT|-\n");
		return 2;
	}
	memset(&hf, 0, sizeof(hf));
	hf.out = argv[2];
	hf.name = strcmp(argv[3], "-") ? argv[3] : "stdin";
	hf.link = PCAPW_LINK_EN10MB;
	in = strcmp(argv[3], "-") ? fopen(argv[3], "r") : stdin;
	if (!in) {
		fprintf(stderr, "ft-helper: cannot read script %s\n", argv[3]);
		return 1;
	}
	rc = hp_script(&hf, in);
	if (in != stdin)
		fclose(in);
	if (pcapw_close(hf.w) && !rc)
		rc = hp_fail(&hf, "cannot write %s", hf.out);
	if (rc) {
		fprintf(stderr, "ft-helper: %s:%d: %s\n", hf.name, hf.lineno,
		    hf.err);
		return 1;
	}
	return 0;
}

static const struct {
	const char *name;			/* subcommand */
	int (*fn)(int argc, char **argv);	/* its handler */
	const char *usage;			/* one line of help */
} hp_cmds[] = {
	{ "pcap", cmd_pcap, "pcap OUT.pcap SCRIPT|-   capture from a script" },
};

int
main(int argc, char **argv)
{
	size_t i;

	for (i = 0; argc > 1 && i < sizeof(hp_cmds) / sizeof(hp_cmds[0]); i++)
		if (!strcmp(argv[1], hp_cmds[i].name))
			return hp_cmds[i].fn(argc, argv);
	fprintf(stderr, "usage: ft-helper COMMAND ...\n");
	for (i = 0; i < sizeof(hp_cmds) / sizeof(hp_cmds[0]); i++)
		fprintf(stderr, "  ft-helper %s\n", hp_cmds[i].usage);
	return 2;
}
