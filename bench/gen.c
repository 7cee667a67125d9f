/* gen.c: deterministic synthetic traffic written as a classic pcap file */
/*
 * F flow slots: each packet goes to a slot drawn by Zipf(s) popularity, and a
 * slot whose flow has ended starts a new one when next drawn, so about F flows
 * are open at any time.  Everything comes from two xoshiro256** streams
 * seeded from --seed: same options, same bytes.  Frames are built by hand,
 * with valid checksums, and written with fwrite.  They are stored whole by
 * default, as a live capture would; --snaplen cuts incl_len for smaller files
 * (orig_len stays the wire length), but then readers such as ndpiReader skip
 * the cut packets.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { GK_EMPTY, GK_TCP, GK_DNS, GK_UDP };
enum { GF_V6 = 1, GF_RST = 2, GF_REQ = 4, GF_RESP = 8, GF_NX = 16,
	GF_AAAA = 32 };
enum { TH_FIN = 1, TH_SYN = 2, TH_RST = 4, TH_PSH = 8, TH_ACK = 16 };

#define RND_SIZE (1u << 16)		/* random payload pool, bytes */
#define RND_SLACK 2048u			/* room past the pool for one MSS */
#define OUT_CAP (256u << 10)		/* output buffer, bytes; fits L2 */
#define MAX_HDRS 128u			/* room for L2-L4 headers, bytes */
#define AHEAD 16u			/* slot draws made ahead to prefetch */

/* One live flow; a slot of the table, 32 bytes so a million fit in 32 MiB. */
struct gflow {
	uint32_t left;		/* data packets still to send; DNS: txid */
	uint32_t cseq;		/* next client sequence; DNS: name id */
	uint32_t sseq;		/* next server sequence; DNS: answer id */
	uint32_t client;	/* client id: address, MAC */
	uint32_t server;	/* server id: address, name; DNS: resolver */
	uint16_t cport;		/* client port */
	uint16_t sport;		/* server port */
	uint8_t kind;		/* GK_* */
	uint8_t state;		/* step in the flow's life */
	uint8_t flags;		/* GF_* */
	uint8_t pad[5];		/* keeps the struct 32 bytes */
};

struct opts {
	uint64_t packets;	/* packets to write */
	uint64_t flows;		/* concurrent flow slots */
	double v6_share;	/* share of new flows over IPv6 */
	double zipf_s;		/* Zipf exponent of slot popularity */
	uint64_t seed;		/* PRNG seed */
	uint64_t pps;		/* packet-time rate for timestamps */
	uint64_t start_s;	/* timestamp of the first packet, epoch s */
	uint64_t snaplen;	/* bytes stored per packet at most */
	const char *out;	/* output path */
	bool help;		/* --help was asked */
};

struct gen {
	struct opts o;		/* options */
	uint64_t s[4];		/* xoshiro256** state: flows and packets */
	uint64_t z[4];		/* xoshiro256** state: slot draws */
	uint64_t zr[AHEAD];	/* raw draws whose alias entry is prefetched */
	uint32_t zs[AHEAD];	/* drawn slots whose flow is prefetched */
	uint32_t zk;		/* position in zr and zs */
	uint32_t *thr;		/* alias table: keep-threshold per slot */
	uint32_t *alias;	/* alias table: other slot */
	struct gflow *fl;	/* flow slots */
	uint32_t n_clients;	/* client pool size */
	uint32_t n_servers;	/* server pool size */
	uint16_t *cport;	/* next ephemeral port offset per client */
	uint8_t *rnd;		/* random payload pool */
	uint64_t *pre;		/* prefix sums of rnd as 16-bit words */
	uint8_t frame[MAX_HDRS]; /* headers of the frame being built */
	uint8_t pl[512];	/* structured payload (DNS, HTTP, TLS) */
	uint8_t *ob;		/* output buffer */
	size_t olen;		/* bytes used in ob */
	FILE *fp;		/* output file */
	uint64_t n_pkts;	/* packets written */
	uint64_t n_bytes;	/* wire bytes written */
	uint64_t n_cap;		/* captured bytes written */
	uint64_t n_flows[4];	/* flows started, per GK_* */
	uint16_t ip_id;		/* IPv4 identification counter */
	bool werr;		/* a write failed */
};

/* Seeds the main generator; splitmix64 spreads any seed over 256 bits. */
static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256**: fast, good enough for traffic, and ours to keep stable. */
static inline uint64_t
xoshiro(uint64_t *s)
{
	uint64_t r = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

static inline uint64_t
rng_next(struct gen *g)
{
	return xoshiro(g->s);
}

/* Uniform in [0, n) by multiply-shift; the bias is far below 2^-32. */
static inline uint32_t
rng_below(struct gen *g, uint32_t n)
{
	return (uint32_t)(((rng_next(g) >> 32) * n) >> 32);
}

static inline double
rng_unit(struct gen *g)
{
	return (double)(rng_next(g) >> 11) * (1.0 / 9007199254740992.0);
}

/* Approximate Zipf(1) over [0, n): cheap, used once per flow. */
static uint32_t
rng_zipfish(struct gen *g, uint32_t n)
{
	double x = exp(rng_unit(g) * log((double)n + 1.0)) - 1.0;

	return x >= n ? n - 1 : (uint32_t)x;
}

/* Vose's alias method: an exact Zipf(s) draw in O(1) per packet. */
static int
zipf_build(struct gen *g, uint32_t n, double s)
{
	double *p = malloc(sizeof(*p) * n);
	uint32_t *small = malloc(sizeof(*small) * n);
	uint32_t *large = malloc(sizeof(*large) * n);
	uint32_t ns = 0, nl = 0, i;
	double sum = 0;
	int rc = -ENOMEM;

	g->thr = malloc(sizeof(*g->thr) * n);
	g->alias = malloc(sizeof(*g->alias) * n);
	if (!p || !small || !large || !g->thr || !g->alias)
		goto out;
	for (i = 0; i < n; i++)
		sum += p[i] = pow((double)i + 1.0, -s);
	for (i = 0; i < n; i++) {
		p[i] = p[i] * n / sum;
		if (p[i] < 1.0)
			small[ns++] = i;
		else
			large[nl++] = i;
	}
	while (ns && nl) {
		uint32_t a = small[--ns], b = large[nl - 1];

		g->thr[a] = (uint32_t)(p[a] * 4294967296.0);
		g->alias[a] = b;
		p[b] -= 1.0 - p[a];
		if (p[b] < 1.0) {
			nl--;
			small[ns++] = b;
		}
	}
	while (nl) {
		i = large[--nl];
		g->thr[i] = UINT32_MAX;
		g->alias[i] = i;
	}
	while (ns) {
		i = small[--ns];
		g->thr[i] = UINT32_MAX;
		g->alias[i] = i;
	}
	rc = 0;
out:
	free(p);
	free(small);
	free(large);
	return rc;
}

static inline uint32_t
zipf_index(const struct gen *g, uint64_t r)
{
	return (uint32_t)(((r >> 32) * g->o.flows) >> 32);
}

/*
 * The next slot.  Draws run AHEAD calls ahead in two stages so the alias
 * entry and then the flow are in cache when needed: without this the
 * generator spends most of its time waiting on those two misses.
 */
static inline uint32_t
zipf_draw(struct gen *g)
{
	uint32_t k = g->zk, out = g->zs[k], i = zipf_index(g, g->zr[k]);

	g->zs[k] = (uint32_t)g->zr[k] < g->thr[i] ? i : g->alias[i];
	__builtin_prefetch(&g->fl[g->zs[k]], 1);
	g->zr[k] = xoshiro(g->z);
	i = zipf_index(g, g->zr[k]);
	__builtin_prefetch(&g->thr[i]);
	__builtin_prefetch(&g->alias[i]);
	g->zk = (k + 1) % AHEAD;
	return out;
}

static inline void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* Plain sum of big-endian 16-bit words; an odd tail byte is padded. */
static uint64_t
sum16(const uint8_t *p, size_t n)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t
csum_fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Sum of n random-pool bytes from even offset off, from the prefix sums. */
static inline uint64_t
rnd_sum(const struct gen *g, uint32_t off, uint32_t n)
{
	uint32_t w = off / 2, nw = n / 2;
	uint64_t s = g->pre[w + nw] - g->pre[w];

	if (n & 1)
		s += (uint32_t)g->rnd[off + n - 1] << 8;
	return s;
}

static int
rnd_init(struct gen *g)
{
	uint32_t n = RND_SIZE + RND_SLACK, i;

	g->rnd = malloc(n);
	g->pre = malloc(sizeof(*g->pre) * (n / 2 + 1));
	if (!g->rnd || !g->pre)
		return -ENOMEM;
	for (i = 0; i < n; i += 8) {
		uint64_t r = rng_next(g);

		memcpy(g->rnd + i, &r, 8);
	}
	/* No payload starts like RTP v2, so tshark's heuristics stay quiet. */
	for (i = 0; i < n; i += 2)
		g->rnd[i] &= 0x7f;
	g->pre[0] = 0;
	for (i = 0; i < n / 2; i++)
		g->pre[i + 1] = g->pre[i] +
		    ((uint32_t)g->rnd[2 * i] << 8 | g->rnd[2 * i + 1]);
	return 0;
}

/* Clients 10.0.0.0/8, servers 198.18.0.0/15 (RFC 2544), resolvers TEST-NETs. */
static uint32_t
addr4(const struct gflow *f, bool client)
{
	static const uint32_t resolver[3] = { 0xc0000235, 0xc6336435,
	    0xcb007135 };
	uint32_t id = client ? f->client : f->server;

	if (client)
		return 0x0a000000 | (id / 254 & 0xffff) << 8 | (id % 254 + 1);
	if (f->kind == GK_DNS)
		return resolver[id % 3];
	return 0xc6120000 | ((id % 130048) / 254) << 8 | (id % 254 + 1);
}

/* Clients fd00:f10e::/32 (ULA), servers and resolvers 2001:db8::/32. */
static void
addr6(const struct gflow *f, bool client, uint8_t *a)
{
	uint32_t id = client ? f->client : f->server;

	memset(a, 0, 16);
	if (client) {
		put32(a, 0xfd00f10e);
		put32(a + 8, 0x021122ff);
		put32(a + 12, 0xfe000000 | (id & 0xffffff));
		return;
	}
	put32(a, 0x20010db8);
	if (f->kind == GK_DNS) {
		put16(a + 14, 0x53 + id % 3);
		return;
	}
	put32(a + 4, 0x10000 | (id >> 16));
	put16(a + 14, id & 0xffff);
}

/* A host name per server id, so DNS, SNI and Host agree about a server. */
static size_t
name_of(uint32_t id, char *out, size_t cap)
{
	static const char *const pre[8] = { "www", "api", "cdn", "img",
	    "static", "login", "edge", "m" };
	static const char *const word[16] = { "shop", "news", "video", "mail",
	    "cloud", "game", "photo", "music", "bank", "travel", "chat",
	    "maps", "docs", "stream", "sport", "weather" };
	static const char *const tld[4] = { "com", "net", "org", "io" };
	int n = snprintf(out, cap, "%s.%s%u.%s", pre[id % 8],
	    word[(id / 8) % 16], id / 128, tld[(id / 7) % 4]);

	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static size_t
dns_qname(uint8_t *p, const char *name, size_t n)
{
	size_t o = 0, start = 0, i;

	for (i = 0; i <= n; i++) {
		if (i == n || name[i] == '.') {
			p[o++] = (uint8_t)(i - start);
			memcpy(p + o, name + start, i - start);
			o += i - start;
			start = i + 1;
		}
	}
	p[o++] = 0;
	return o;
}

/* DNS query or answer (A/AAAA, or NXDOMAIN) in wire format. */
static size_t
dns_build(struct gen *g, const struct gflow *f, bool answer)
{
	uint8_t *p = g->pl;
	char name[96];
	size_t n = name_of(f->cseq, name, sizeof(name)), o;
	bool aaaa = f->flags & GF_AAAA, nx = f->flags & GF_NX;
	struct gflow t = { .server = f->sseq, .kind = GK_TCP };

	put16(p, f->left & 0xffff);
	put16(p + 2, !answer ? 0x0100 : nx ? 0x8183 : 0x8180);
	put16(p + 4, 1);
	put16(p + 6, answer && !nx);
	put32(p + 8, 0);
	o = 12 + dns_qname(p + 12, name, n);
	put16(p + o, aaaa ? 28 : 1);
	put16(p + o + 2, 1);
	o += 4;
	if (!answer || nx)
		return o;
	put16(p + o, 0xc00c);
	put16(p + o + 2, aaaa ? 28 : 1);
	put16(p + o + 4, 1);
	put32(p + o + 6, 300);
	put16(p + o + 10, aaaa ? 16 : 4);
	o += 12;
	if (aaaa)
		addr6(&t, false, p + o);
	else
		put32(p + o, addr4(&t, false));
	return o + (aaaa ? 16 : 4);
}

/* A short TLS ClientHello whose SNI names the server. */
static size_t
tls_build(struct gen *g, const struct gflow *f)
{
	static const uint8_t suites[10] = { 0, 8, 0x13, 1, 0x13, 2, 0x13, 3,
	    0xc0, 0x2f };
	uint8_t *p = g->pl;
	char name[96];
	size_t n = name_of(f->server, name, sizeof(name)), o = 43, e;

	p[0] = 0x16;
	put16(p + 1, 0x0301);
	p[5] = 1;
	p[6] = 0;
	put16(p + 9, 0x0303);
	memcpy(p + 11, g->rnd + (f->cseq & 0x7ffe), 32);
	p[o++] = 0;
	memcpy(p + o, suites, sizeof(suites));
	o += sizeof(suites);
	p[o++] = 1;
	p[o++] = 0;
	e = o;
	o += 2;
	put16(p + o, 0);
	put16(p + o + 2, (uint32_t)n + 5);
	put16(p + o + 4, (uint32_t)n + 3);
	p[o + 6] = 0;
	put16(p + o + 7, (uint32_t)n);
	memcpy(p + o + 9, name, n);
	o += 9 + n;
	memcpy(p + o, "\x00\x2b\x00\x03\x02\x03\x04"
	    "\x00\x0a\x00\x04\x00\x02\x00\x1d", 15);
	o += 15;
	put16(p + e, (uint32_t)(o - e - 2));
	put16(p + 7, (uint32_t)(o - 9));
	put16(p + 3, (uint32_t)(o - 5));
	return o;
}

static size_t
http_build(struct gen *g, const struct gflow *f, bool response)
{
	char name[96];
	int n;

	name_of(f->server, name, sizeof(name));
	if (response)
		n = snprintf((char *)g->pl, sizeof(g->pl), "HTTP/1.1 200 OK\r\n"
		    "Content-Type: application/octet-stream\r\n"
		    "Content-Length: %u\r\n\r\n", f->left * 1460);
	else
		n = snprintf((char *)g->pl, sizeof(g->pl), "GET /o/%u HTTP/1.1"
		    "\r\nHost: %s\r\nUser-Agent: flowtrail-gen/1\r\n"
		    "Accept: */*\r\n\r\n", f->cseq & 0xffff, name);
	return n < 0 ? 0 : (size_t)n < sizeof(g->pl) ? (size_t)n :
	    sizeof(g->pl) - 1;
}

static void
out_flush(struct gen *g)
{
	if (g->olen && fwrite(g->ob, 1, g->olen, g->fp) != g->olen)
		g->werr = true;
	g->olen = 0;
}

/* Ethernet + IP header for one direction; returns its length. */
static size_t
put_l3(struct gen *g, const struct gflow *f, bool up, uint8_t proto,
    size_t l4len, uint64_t *psum)
{
	static const uint8_t gw[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };
	uint8_t *p = g->frame, cmac[6] = { 0x02, 0xca, 0, 0, 0, 0 };
	bool v6 = f->flags & GF_V6;

	put32(cmac + 2, f->client);
	memcpy(p, up ? gw : cmac, 6);
	memcpy(p + 6, up ? cmac : gw, 6);
	put16(p + 12, v6 ? 0x86dd : 0x0800);
	p += 14;
	if (v6) {
		put32(p, 0x60000000 | ((f->cport * 2654435761u) & 0xfffff));
		put16(p + 4, (uint32_t)l4len);
		p[6] = proto;
		p[7] = up ? 64 : 57;
		addr6(f, up, p + 8);
		addr6(f, !up, p + 24);
		*psum = sum16(p + 8, 32) + l4len + proto;
		return 54;
	}
	p[0] = 0x45;
	p[1] = 0;
	put16(p + 2, (uint32_t)(20 + l4len));
	put16(p + 4, g->ip_id++);
	put16(p + 6, 0x4000);
	p[8] = up ? 64 : 52;
	p[9] = proto;
	put16(p + 10, 0);
	put32(p + 12, addr4(f, up));
	put32(p + 16, addr4(f, !up));
	put16(p + 10, csum_fold(sum16(p, 20)));
	*psum = sum16(p + 12, 8) + l4len + proto;
	return 34;
}

/*
 * Writes one packet.  pl is a built payload of n bytes, or NULL for n bytes
 * of the random pool; up is client to server.
 */
static void
emit(struct gen *g, const struct gflow *f, bool up, uint8_t tflags,
    const uint8_t *pl, uint32_t n, uint64_t ts_us)
{
	bool tcp = f->kind == GK_TCP, syn = tflags & TH_SYN;
	size_t l4h = tcp ? (syn ? 32 : 20) : 8, hl, cap, wire;
	uint32_t off = (rng_next(g) & (RND_SIZE / 2 - 1)) * 2;
	uint64_t sum;
	uint16_t ck;
	uint8_t *l4, *rec;

	hl = put_l3(g, f, up, tcp ? 6 : 17, l4h + n, &sum);
	l4 = g->frame + hl;
	put16(l4, up ? f->cport : f->sport);
	put16(l4 + 2, up ? f->sport : f->cport);
	if (tcp) {
		put32(l4 + 4, up ? f->cseq : f->sseq);
		put32(l4 + 8, tflags == TH_SYN ? 0 : up ? f->sseq : f->cseq);
		put16(l4 + 12, (uint32_t)(l4h / 4) << 12 | tflags);
		put16(l4 + 14, syn ? 64240 : 2053);
		put32(l4 + 16, 0);
		if (syn)
			memcpy(l4 + 20, (f->flags & GF_V6) ?
			    "\x02\x04\x05\xa0\x04\x02\x01\x03\x03\x07\x01\x01" :
			    "\x02\x04\x05\xb4\x04\x02\x01\x03\x03\x07\x01\x01",
			    12);
	} else {
		put16(l4 + 4, (uint32_t)(8 + n));
		put16(l4 + 6, 0);
	}
	hl += l4h;
	sum += sum16(l4, l4h) + (pl ? sum16(pl, n) : rnd_sum(g, off, n));
	ck = csum_fold(sum);
	put16(l4 + (tcp ? 16 : 6), ck || tcp ? ck : 0xffff);
	wire = hl + n;
	cap = wire < g->o.snaplen ? wire : g->o.snaplen;
	if (g->olen + 16 + cap > OUT_CAP)
		out_flush(g);
	rec = g->ob + g->olen;
	{
		uint32_t h[4] = { (uint32_t)(ts_us / 1000000),
		    (uint32_t)(ts_us % 1000000), (uint32_t)cap,
		    (uint32_t)wire };

		memcpy(rec, h, 16);
	}
	memcpy(rec + 16, g->frame, hl < cap ? hl : cap);
	if (cap > hl)
		memcpy(rec + 16 + hl, pl ? pl : g->rnd + off, cap - hl);
	g->olen += 16 + cap;
	g->n_pkts++;
	g->n_bytes += wire;
	g->n_cap += 16 + cap;
}

/* Data packets of a flow: Pareto(1.2) with a floor of 3, mean about 18. */
static uint32_t
flow_length(struct gen *g)
{
	double x = 3.0 / pow(1.0 - rng_unit(g), 1.0 / 1.2);

	return x > 200000 ? 200000 : (uint32_t)x;
}

static void
flow_new(struct gen *g, struct gflow *f)
{
	static const uint16_t tports[8] = { 443, 443, 443, 443, 443, 80, 80,
	    993 };
	static const uint16_t uports[4] = { 3478, 4500, 27015, 50000 };
	uint32_t r = rng_below(g, 100);

	memset(f, 0, sizeof(*f));
	f->kind = r < 80 ? GK_TCP : r < 92 ? GK_DNS : GK_UDP;
	if (rng_unit(g) < g->o.v6_share)
		f->flags |= GF_V6;
	f->client = rng_zipfish(g, g->n_clients);
	/* Sequential per client, as a stack does, so 5-tuples rarely repeat. */
	f->cport = 32768 + g->cport[f->client] % 28232;
	g->cport[f->client] += 1 + rng_below(g, 4);
	f->cseq = (uint32_t)rng_next(g);
	f->sseq = (uint32_t)rng_next(g);
	f->server = rng_zipfish(g, g->n_servers);
	f->left = flow_length(g);
	if (f->kind == GK_TCP) {
		f->sport = tports[rng_below(g, 8)];
		if (rng_below(g, 100) < 3)
			f->flags |= GF_RST;
	} else if (f->kind == GK_UDP) {
		f->sport = uports[rng_below(g, 4)];
	} else {
		f->sport = 53;
		f->cseq = f->server;
		f->sseq = f->server;
		f->server = rng_below(g, 3);
		if (rng_below(g, 100) < 25)
			f->flags |= GF_AAAA;
		if (rng_below(g, 100) < 5)
			f->flags |= GF_NX;
	}
	g->n_flows[f->kind]++;
}

/* A data packet of an established TCP flow: the size mix lives here. */
static void
tcp_data(struct gen *g, struct gflow *f, uint64_t ts)
{
	uint32_t r = rng_below(g, 100), n;
	bool web = f->sport == 80 || f->sport == 443;

	if (!(f->flags & GF_REQ) && web) {
		n = (uint32_t)(f->sport == 80 ? http_build(g, f, false) :
		    tls_build(g, f));
		emit(g, f, true, TH_PSH | TH_ACK, g->pl, n, ts);
		f->cseq += n;
		f->flags |= GF_REQ;
	} else if (!(f->flags & GF_RESP) && f->sport == 80) {
		n = (uint32_t)http_build(g, f, true);
		emit(g, f, false, TH_PSH | TH_ACK, g->pl, n, ts);
		f->sseq += n;
		f->flags |= GF_RESP;
	} else if (r < 35) {
		emit(g, f, true, TH_ACK, NULL, 0, ts);
	} else if (r < 40) {
		n = f->sport == 80 ? (uint32_t)http_build(g, f, false) :
		    100 + rng_below(g, 500);
		emit(g, f, true, TH_PSH | TH_ACK, f->sport == 80 ? g->pl : NULL,
		    n, ts);
		f->cseq += n;
	} else {
		n = r < 92 ? ((f->flags & GF_V6) ? 1440 : 1460) :
		    200 + rng_below(g, 1000);
		emit(g, f, false, TH_ACK, NULL, n, ts);
		f->sseq += n;
	}
	f->left--;
}

/* Sends the next packet of a TCP flow; returns true when it has ended. */
static bool
tcp_step(struct gen *g, struct gflow *f, uint64_t ts)
{
	switch (f->state) {
	case 0:
		emit(g, f, true, TH_SYN, NULL, 0, ts);
		f->cseq++;
		break;
	case 1:
		emit(g, f, false, TH_SYN | TH_ACK, NULL, 0, ts);
		f->sseq++;
		break;
	case 2:
		emit(g, f, true, TH_ACK, NULL, 0, ts);
		break;
	case 3:
		if (f->left) {
			tcp_data(g, f, ts);
			return false;
		}
		if (f->flags & GF_RST) {
			emit(g, f, false, TH_RST | TH_ACK, NULL, 0, ts);
			return true;
		}
		emit(g, f, true, TH_FIN | TH_ACK, NULL, 0, ts);
		f->cseq++;
		break;
	case 4:
		emit(g, f, false, TH_FIN | TH_ACK, NULL, 0, ts);
		f->sseq++;
		break;
	default:
		emit(g, f, true, TH_ACK, NULL, 0, ts);
		return true;
	}
	f->state++;
	return false;
}

/* Sends the next packet of the flow in slot i, renewing it when it ends. */
static void
step(struct gen *g, uint32_t i, uint64_t ts)
{
	struct gflow *f = &g->fl[i];
	bool done;

	if (f->kind == GK_EMPTY)
		flow_new(g, f);
	if (f->kind == GK_TCP) {
		done = tcp_step(g, f, ts);
	} else if (f->kind == GK_DNS) {
		emit(g, f, !f->state, 0, g->pl,
		    (uint32_t)dns_build(g, f, f->state), ts);
		done = f->state++ == 1;
	} else {
		bool up = rng_below(g, 2);

		emit(g, f, up, 0, NULL, up ? 60 + rng_below(g, 300) :
		    200 + rng_below(g, 1000), ts);
		done = --f->left == 0;
	}
	if (done)
		f->kind = GK_EMPTY;
}

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: gen [-o FILE] [--packets N] [--flows F] "
	    "[--ipv6-share X] [--seed S]\n"
	    "           [--pps R] [--start EPOCH_S] [--snaplen B] "
	    "[--zipf-s S]\n"
	    "  N, F, R, B take k/M/G suffixes (1000s); defaults: 20M packets, "
	    "1M flows,\n  0.2 IPv6, seed 1, 200k pps, start 1730448000, "
	    "snaplen 65535, Zipf s 1.0;\n  -o - writes to stdout\n");
}

/* Parses a count with an optional k/M/G suffix; false on junk. */
static bool
parse_count(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	if (*s == '-')
		return false;
	x = strtoull(s, &end, 10);
	if (errno || end == s)
		return false;
	if (*end == 'k' || *end == 'K')
		x *= 1000, end++;
	else if (*end == 'm' || *end == 'M')
		x *= 1000000, end++;
	else if (*end == 'g' || *end == 'G')
		x *= 1000000000, end++;
	*v = x;
	return *end == '\0';
}

static bool
parse_real(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return !errno && end != s && *end == '\0';
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "packets", required_argument, NULL, 'n' },
		{ "flows", required_argument, NULL, 'f' },
		{ "ipv6-share", required_argument, NULL, '6' },
		{ "seed", required_argument, NULL, 's' },
		{ "pps", required_argument, NULL, 'r' },
		{ "start", required_argument, NULL, 't' },
		{ "snaplen", required_argument, NULL, 'c' },
		{ "zipf-s", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, li;
	bool ok;

	while ((li = -1, c = getopt_long(argc, argv, "o:n:f:s:h", lo, &li)) !=
	    -1) {
		switch (c) {
		case 'o':
			o->out = optarg;
			ok = true;
			break;
		case 'n':
			ok = parse_count(optarg, &o->packets);
			break;
		case 'f':
			ok = parse_count(optarg, &o->flows) && o->flows &&
			    o->flows <= UINT32_MAX;
			break;
		case '6':
			ok = parse_real(optarg, &o->v6_share) &&
			    o->v6_share >= 0 && o->v6_share <= 1;
			break;
		case 's':
			ok = parse_count(optarg, &o->seed);
			break;
		case 'r':
			ok = parse_count(optarg, &o->pps) && o->pps;
			break;
		case 't':
			ok = parse_count(optarg, &o->start_s) &&
			    o->start_s < UINT32_MAX;
			break;
		case 'c':
			ok = parse_count(optarg, &o->snaplen) &&
			    o->snaplen >= 64 && o->snaplen <= 262144;
			break;
		case 'z':
			ok = parse_real(optarg, &o->zipf_s) &&
			    o->zipf_s >= 0 && o->zipf_s <= 10;
			break;
		case 'h':
			o->help = true;
			return 0;
		default:
			usage(stderr);
			return -EINVAL;
		}
		if (!ok) {
			if (li >= 0)
				fprintf(stderr, "gen: bad value '%s' for --%s"
				    ", see --help\n", optarg, lo[li].name);
			else
				fprintf(stderr, "gen: bad value '%s' for -%c"
				    ", see --help\n", optarg, c);
			return -EINVAL;
		}
	}
	if (optind != argc || !o->out) {
		fprintf(stderr, "gen: %s\n", optind != argc ?
		    "unexpected argument" : "-o FILE is required");
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int
gen_setup(struct gen *g)
{
	uint64_t x = g->o.seed;
	uint32_t i;

	for (i = 0; i < 4; i++)
		g->s[i] = splitmix64(&x);
	for (i = 0; i < 4; i++)
		g->z[i] = splitmix64(&x);
	g->n_clients = (uint32_t)(g->o.flows / 100);
	g->n_servers = (uint32_t)(g->o.flows / 10);
	if (g->n_clients < 16)
		g->n_clients = 16;
	if (g->n_servers < 64)
		g->n_servers = 64;
	g->fl = calloc(g->o.flows, sizeof(*g->fl));
	g->cport = malloc(sizeof(*g->cport) * g->n_clients);
	g->ob = malloc(OUT_CAP);
	if (!g->fl || !g->cport || !g->ob || rnd_init(g) ||
	    zipf_build(g, (uint32_t)g->o.flows, g->o.zipf_s))
		return -ENOMEM;
	for (i = 0; i < g->n_clients; i++)
		g->cport[i] = (uint16_t)rng_next(g);
	for (i = 0; i < 2 * AHEAD; i++)
		zipf_draw(g);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct gen g;
	uint32_t fh[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 0, 1 };
	uint64_t i, t0_us;
	double t0 = now_s(), dt;

	g.o = (struct opts){ .packets = 20000000, .flows = 1000000,
	    .v6_share = 0.2, .zipf_s = 1.0, .seed = 1, .pps = 200000,
	    .start_s = 1730448000, .snaplen = 65535 };
	if (parse_opts(argc, argv, &g.o))
		return 2;
	if (g.o.help) {
		usage(stdout);
		return 0;
	}
	if (gen_setup(&g)) {
		fprintf(stderr, "gen: out of memory for %llu flows\n",
		    (unsigned long long)g.o.flows);
		return 1;
	}
	g.fp = strcmp(g.o.out, "-") ? fopen(g.o.out, "wb") : stdout;
	if (!g.fp) {
		fprintf(stderr, "gen: %s: %s\n", g.o.out, strerror(errno));
		return 1;
	}
	fh[4] = (uint32_t)g.o.snaplen;
	memcpy(g.ob, fh, 24);
	g.olen = 24;
	t0_us = g.o.start_s * 1000000;
	for (i = 0; i < g.o.packets && !g.werr; i++)
		step(&g, zipf_draw(&g), t0_us + i * 1000000 / g.o.pps);
	out_flush(&g);
	if (g.werr || (g.fp != stdout ? fclose(g.fp) : fflush(g.fp))) {
		fprintf(stderr, "gen: writing %s: %s\n", g.o.out,
		    strerror(errno));
		return 1;
	}
	dt = now_s() - t0;
	fprintf(stderr, "gen: %llu packets, %llu wire bytes, %llu file bytes, "
	    "%llu flows started (tcp %llu, dns %llu, udp %llu), "
	    "%.2f s, %.2f Mpps\n", (unsigned long long)g.n_pkts,
	    (unsigned long long)g.n_bytes, (unsigned long long)g.n_cap + 24,
	    (unsigned long long)(g.n_flows[GK_TCP] + g.n_flows[GK_DNS] +
	    g.n_flows[GK_UDP]), (unsigned long long)g.n_flows[GK_TCP],
	    (unsigned long long)g.n_flows[GK_DNS],
	    (unsigned long long)g.n_flows[GK_UDP], dt,
	    dt > 0 ? (double)g.n_pkts / dt / 1e6 : 0.0);
	return 0;
}
