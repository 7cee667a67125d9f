/* enrich_int.h: private to src/enrich: networks, labels, DNS, hosts */
#ifndef ENRICH_INT_H
#define ENRICH_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "enrich.h"
#include "lut.h"

#define ENRICH_NIL UINT32_MAX		/* "no entry" in every uint32 link */
#define ENRICH_MAX_LABELS 65536		/* ceiling of labels-file entries */
#define ENRICH_LINE_MAX 1024		/* longest line of labels, leases */
#define ENRICH_DNS_DEFAULT 65536	/* dns_cache when 0 */
#define ENRICH_HOSTS_DEFAULT 4096	/* hosts_cache when 0 */
#define ENRICH_CACHE_MAX (1u << 24)	/* ceiling of dns_cache, hosts_cache */
#define ENRICH_DNS_MAX_CNAME 32		/* CNAME records followed per answer */
#define ENRICH_DNS_MAX_JUMPS 32		/* compression pointers per name */
#define ENRICH_CLIENT_ID_MAX 64		/* DHCP client id as text, incl. NUL */
#define ENRICH_DEFAULT_LEASES "/tmp/dhcp.leases"	/* leases_path "" */

#define ENRICH_PORT_DNS 53
#define ENRICH_PORT_BOOTPS 67
#define ENRICH_PORT_BOOTPC 68
#define ENRICH_PROTO_UDP 17

/*
 * A prefix as two masked 64-bit words in network byte order (memcpy of the
 * address), so membership is two ANDs and two compares. IPv4 uses the first
 * 4 bytes; its other bytes and mask bits are zero.
 */
struct enrich_net {
	uint64_t w[2];		/* address with host bits cleared */
	uint64_t m[2];		/* mask */
	uint8_t ver;		/* 4 or 6 */
	uint8_t len;		/* prefix length */
};

/* Local networks: a short list scanned linearly. */
struct enrich_nets {
	struct enrich_net net[ENRICH_MAX_NETS];	/* n used */
	int n;					/* entries */
};

/* Identity of a file (what a change of it changes); present false: none. */
struct enrich_fid {
	dev_t dev;		/* device */
	ino_t ino;		/* inode */
	off_t size;		/* bytes */
	struct timespec mtime;	/* last modification */
	bool present;		/* stat() succeeded */
};

/* A line reader with a fixed buffer: no line may exceed ENRICH_LINE_MAX. */
struct enrich_lines {
	FILE *f;			/* open file */
	const char *path;		/* for messages; borrowed */
	unsigned line;			/* number of the line last read */
	char buf[ENRICH_LINE_MAX + 2];	/* the line, NUL-terminated */
};

/* Kinds of label keys (also the address family for IP ones). */
enum { ENRICH_KEY_MAC = 0, ENRICH_KEY_V4 = 4, ENRICH_KEY_V6 = 6 };

/* One labels-file entry; key holds a MAC, an address or a masked prefix. */
struct enrich_label {
	uint8_t key[16];	/* MAC (6 bytes) or address, rest zero */
	uint8_t kind;		/* ENRICH_KEY_* */
	uint8_t len;		/* prefix length of IP keys */
	uint32_t next;		/* hash chain */
	char text[FT_NAME_MAX];	/* the label */
};

/*
 * The labels file as loaded: entries in file order, hashed on (kind, len,
 * key); of equal keys only the first is in the hash and it carries the text
 * of the last. v4_lens/v6_lens have bit L set when some prefix of length L
 * exists, so a lookup probes only lengths in use, longest first.
 */
struct enrich_labels {
	struct enrich_label *ent;	/* n entries, cap allocated */
	uint32_t n, cap;		/* used, allocated */
	uint32_t *head;			/* hash heads, mask + 1 of them */
	uint32_t mask;			/* buckets - 1 */
	uint64_t v4_lens;		/* bit L: a /L IPv4 key exists */
	uint64_t v6_lens[3];		/* bit L: a /L IPv6 key exists */
};

/* A passive DNS entry: address -> the name the client asked for. */
struct enrich_dns_ent {
	uint8_t addr[16];	/* address, IPv4 in the first 4 bytes */
	uint8_t ver;		/* 4 or 6 */
	uint32_t hnext;		/* hash chain */
	uint32_t newer, older;	/* LRU list */
	char name[FT_NAME_MAX];	/* lower case, no final dot */
};

/*
 * Bounded LRU of addresses learned from DNS answers. Entries [0, used) are
 * each in exactly one hash chain and in the LRU list (newest .. oldest);
 * when used == cap the oldest is evicted to make room.
 */
struct enrich_dns {
	struct enrich_dns_ent *ent;	/* cap entries, allocated once */
	uint32_t *head;			/* hash heads, mask + 1 of them */
	uint32_t cap, used;		/* entries allocated, in use */
	uint32_t mask;			/* buckets - 1 */
	uint32_t newest, oldest;	/* LRU ends, ENRICH_NIL when empty */
	uint64_t answers;		/* address records stored */
	uint64_t evicted;		/* entries dropped for room */
	uint64_t bad;			/* malformed responses ignored */
};

/* What is known of one host from DHCP or a lease line. */
struct enrich_host {
	uint8_t mac[6];		/* hardware address, when has_mac */
	uint8_t has_mac;	/* 1: in the MAC index */
	uint8_t ver;		/* 4 or 6: addr valid, in the address index */
	uint8_t addr[16];	/* assigned or requested address */
	uint32_t mnext, anext;	/* MAC and address hash chains */
	uint32_t newer, older;	/* LRU list */
	char name[FT_NAME_MAX];	/* host name, "" unknown */
	char client_id[ENRICH_CLIENT_ID_MAX];	/* option 61 as text or hex */
};

/*
 * Hosts by MAC and by address, bounded, LRU-evicted. An entry is in the MAC
 * index iff has_mac, in the address index iff ver != 0; of several entries
 * with one address the one that took it last comes first in its chain.
 */
struct enrich_hosts {
	struct enrich_host *ent;	/* cap entries, allocated once */
	uint32_t *mhead, *ahead;	/* MAC and address hash heads */
	uint32_t cap, used;		/* entries allocated, in use */
	uint32_t mask;			/* buckets - 1 */
	uint32_t newest, oldest;	/* LRU ends */
	uint64_t evicted;		/* entries dropped for room */
};

/* The stage; one thread calls enrich_packet, enrich_batch and reload. */
/* Queries and replies of one UDP DNS conversation, until its record takes them. */
struct enrich_dnsconv {
	uint8_t cli[16];	/* client address */
	uint8_t srv[16];	/* server address */
	uint16_t cport;		/* client port */
	uint8_t used;		/* slot taken */
	uint32_t queries;	/* queries the client sent */
	uint32_t ok;		/* replies with RCODE 0 */
	uint32_t err;		/* replies with an error RCODE */
};

struct enrich_dnsstat {
	struct enrich_dnsconv *slots;	/* mask + 1 slots, open addressing */
	uint32_t mask;			/* slots - 1 */
	uint32_t cap;			/* at most this many used */
	uint32_t used;			/* slots in use */
	uint64_t dropped;		/* DNS messages not counted: table full */
};

int enrich_dnsstat_init(struct enrich_dnsstat *d, uint32_t cap);
void enrich_dnsstat_fini(struct enrich_dnsstat *d);
void enrich_dnsstat_packet(struct enrich_dnsstat *d, const struct ft_pkt *pkt);
void enrich_dnsstat_take(struct enrich_dnsstat *d, struct ft_flowrec *r);

struct enrich {
	struct enrich_nets nets;	/* local networks */
	struct lut *lut;		/* lookup tables, NULL when none */
	char *lut_path;			/* NULL: none configured */
	struct enrich_fid lut_bad;	/* file that failed while lut NULL */
	struct enrich_labels *labels;	/* NULL when none */
	char *labels_path;		/* NULL: none configured */
	struct enrich_fid labels_fid;	/* file last loaded or refused */
	struct enrich_hosts *leases;	/* NULL when none */
	char *leases_path;		/* NULL: none */
	struct enrich_fid leases_fid;	/* file last loaded */
	uint32_t leases_n;		/* named entries of the leases file */
	uint32_t leases_dropped;	/* lines unreadable or over the cap */
	uint32_t hosts_cap;		/* hosts_cache */
	struct enrich_hosts dhcp;	/* learned from DHCP */
	uint64_t dhcp_names;		/* host names learned from DHCP */
	uint64_t dhcp_bad;		/* malformed DHCP messages */
	struct enrich_dns dns;		/* passive DNS */
	struct enrich_dnsstat dnsstat;	/* DNS queries and replies per conversation */
};

/* Shared helpers (enrich.c). */
size_t enrich_text_copy(char *dst, size_t cap, const char *src, size_t len);
void enrich_fid_get(const char *path, struct enrich_fid *out);
bool enrich_fid_same(const struct enrich_fid *a, const struct enrich_fid *b);
int enrich_lines_open(struct enrich_lines *r, const char *path,
    struct ft_err *err);
int enrich_lines_next(struct enrich_lines *r, char **line,
    struct ft_err *err);
void enrich_lines_close(struct enrich_lines *r);

/* Address hash; key is 16 bytes (IPv4 zero-padded). */
static inline uint32_t
enrich_addr_hash(const uint8_t *key, int ver)
{
	uint64_t a, b, h;

	memcpy(&a, key, 8);
	memcpy(&b, key + 8, 8);
	/*
	 * Every input bit must reach the low bits the buckets use: servers
	 * like 2001:db8::1, ::2 differ only in the last bytes, which a plain
	 * multiply carries upwards only (that made chains thousands long).
	 */
	h = (a ^ (uint64_t)ver) * 0x9e3779b97f4a7c15u;
	h ^= b;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53u;
	h ^= h >> 33;
	return (uint32_t)h;
}

/* A 16-byte key of an address: IPv4 is copied to the first 4 bytes only. */
static inline void
enrich_addr_key(uint8_t key[16], const uint8_t *addr, int ver)
{
	memset(key, 0, 16);
	memcpy(key, addr, ver == 4 ? 4 : 16);
}

/* Local networks (enrich_nets.c). */
int enrich_cidr_parse(const char *s, size_t len, struct enrich_net *out);
int enrich_net_make(const uint8_t *addr, int ver, unsigned len,
    struct enrich_net *out);
int enrich_nets_parse(struct enrich_nets *ns, const char *list,
    struct ft_err *err);
int enrich_nets_add(struct enrich_nets *ns, const struct enrich_net *n);
bool enrich_nets_has(const struct enrich_nets *ns, const uint8_t *addr,
    int ver);

/* Labels file (enrich_nets.c). */
int enrich_labels_load(const char *path, struct enrich_labels **out,
    struct ft_err *err);
void enrich_labels_free(struct enrich_labels *l);
const char *enrich_labels_find_mac(const struct enrich_labels *l,
    const uint8_t mac[6]);
const char *enrich_labels_find_ip(const struct enrich_labels *l,
    const uint8_t *addr, int ver);

/* Passive DNS (enrich_dns.c). */
int enrich_dns_init(struct enrich_dns *d, uint32_t cap);
void enrich_dns_fini(struct enrich_dns *d);
int enrich_dns_learn(struct enrich_dns *d, const uint8_t *msg, size_t len);
void enrich_dns_put(struct enrich_dns *d, const uint8_t *addr, int ver,
    const char *name);
const char *enrich_dns_find(struct enrich_dns *d, const uint8_t *addr,
    int ver);

/* Hosts table, DHCP and leases (enrich_dhcp.c). */
int enrich_hosts_init(struct enrich_hosts *h, uint32_t cap);
void enrich_hosts_fini(struct enrich_hosts *h);
struct enrich_host *enrich_hosts_get(struct enrich_hosts *h,
    const uint8_t *mac);
void enrich_hosts_set_addr(struct enrich_hosts *h, struct enrich_host *e,
    const uint8_t *addr, int ver);
struct enrich_host *enrich_hosts_find_mac(const struct enrich_hosts *h,
    const uint8_t mac[6]);
struct enrich_host *enrich_hosts_find_addr(const struct enrich_hosts *h,
    const uint8_t *addr, int ver);
int enrich_dhcp_learn(struct enrich_hosts *h, const uint8_t *msg,
    size_t len, bool *named);
int enrich_leases_load(const char *path, uint32_t cap,
    struct enrich_hosts **out, uint32_t *n_named, uint32_t *dropped,
    struct ft_err *err);
void enrich_leases_free(struct enrich_hosts *h);

#endif
