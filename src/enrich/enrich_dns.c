/* enrich_dns.c: passive DNS: bounded parser, LRU of address to name */
#include <stdlib.h>
#include <string.h>

#include "enrich_int.h"

#define DNS_HDR_LEN 12
#define DNS_RR_FIXED 10		/* type, class, ttl, rdlength */
#define DNS_NAME_WIRE_MAX 255	/* RFC 1035 3.1, with the root label */
#define DNS_TEXT_MAX 256	/* a name as text, with the NUL */
#define DNS_TYPE_A 1
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1
#define DNS_FLAG_QR 0x8000
#define FNV_OFFSET 0xcbf29ce484222325u
#define FNV_PRIME 0x100000001b3u

/* One resource record as the walk found it. */
struct dns_rr {
	uint64_t owner;		/* hash of the owner name */
	uint16_t type;		/* RR type */
	uint16_t class;		/* RR class, without the mDNS cache-flush bit */
	size_t rdata;		/* offset of rdata */
	uint16_t rdlen;		/* its length */
};

/* The owner and target of a CNAME, as name hashes. */
struct dns_alias {
	uint64_t owner;		/* the alias */
	uint64_t target;	/* its canonical name */
};

static uint64_t
fnv(uint64_t h, uint8_t c)
{
	return (h ^ c) * FNV_PRIME;
}

static uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* Append one label to text (lower case; bytes that are not graphic: '?'). */
static void
label_text(char *text, size_t *tlen, const uint8_t *p, uint8_t n)
{
	uint8_t i, c;

	if (*tlen)
		text[(*tlen)++] = '.';
	for (i = 0; i < n; i++) {
		c = lower(p[i]);
		text[(*tlen)++] = c > 0x20 && c < 0x7f && c != '.' ? (char)c :
		    '?';
	}
	text[*tlen] = '\0';
}

/*
 * Read the name at *off. Pointers must go strictly backwards from the
 * previous jump (a loop cannot), at most ENRICH_DNS_MAX_JUMPS of them; the
 * name is at most 255 bytes on the wire. Its hash covers the lower-cased
 * labels with their lengths; text (DNS_TEXT_MAX bytes) gets the dotted
 * form when not NULL. *off moves past the name as stored at *off.
 */
static int
dns_name(const uint8_t *m, size_t len, size_t *off, uint64_t *hash,
    char *text)
{
	size_t pos = *off, lim = *off, end = 0, tlen = 0, wire = 1;
	uint64_t h = FNV_OFFSET;
	int jumps = 0;
	uint8_t c, i;

	if (text)
		text[0] = '\0';
	for (;;) {
		if (pos >= len)
			return -FT_EPARSE;
		c = m[pos];
		if (c == 0)
			break;
		if ((c & 0xc0) == 0xc0) {
			if (pos + 1 >= len || ++jumps > ENRICH_DNS_MAX_JUMPS)
				return -FT_EPARSE;
			if (!end)
				end = pos + 2;
			pos = (size_t)(c & 0x3f) << 8 | m[pos + 1];
			if (pos >= lim)
				return -FT_EPARSE;
			lim = pos;
			continue;
		}
		wire += 1u + c;
		if ((c & 0xc0) || pos + 1 + c > len || wire > DNS_NAME_WIRE_MAX)
			return -FT_EPARSE;
		h = fnv(h, c);
		for (i = 0; i < c; i++)
			h = fnv(h, lower(m[pos + 1 + i]));
		if (text)
			label_text(text, &tlen, m + pos + 1, c);
		pos += 1u + c;
	}
	*off = end ? end : pos + 1;
	*hash = h;
	return 0;
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Read one RR's header at *off and move past the whole RR. */
static int
dns_rr(const uint8_t *m, size_t len, size_t *off, struct dns_rr *rr)
{
	if (dns_name(m, len, off, &rr->owner, NULL))
		return -FT_EPARSE;
	if (len - *off < DNS_RR_FIXED)
		return -FT_EPARSE;
	rr->type = be16(m + *off);
	rr->class = be16(m + *off + 2) & 0x7fff;
	rr->rdlen = be16(m + *off + 8);
	rr->rdata = *off + DNS_RR_FIXED;
	if (len - rr->rdata < rr->rdlen)
		return -FT_EPARSE;
	*off = rr->rdata + rr->rdlen;
	if (rr->class != DNS_CLASS_IN)
		return 0;
	if ((rr->type == DNS_TYPE_A && rr->rdlen != 4) ||
	    (rr->type == DNS_TYPE_AAAA && rr->rdlen != 16))
		return -FT_EPARSE;
	return 0;
}

/* A CNAME's target must lie inside its rdata (pointers may leave it). */
static int
dns_cname(const uint8_t *m, const struct dns_rr *rr, uint64_t *target)
{
	size_t off = rr->rdata;

	if (dns_name(m, rr->rdata + rr->rdlen, &off, target, NULL))
		return -FT_EPARSE;
	return 0;
}

/* Names of the question, closed over the CNAMEs; at most 1 + max_cname. */
struct dns_names {
	uint64_t h[ENRICH_DNS_MAX_CNAME + 1];	/* hashes */
	int n;					/* used */
};

static bool
names_has(const struct dns_names *s, uint64_t h)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->h[i] == h)
			return true;
	return false;
}

/* Add the targets of aliases of names already in s, until nothing changes. */
static void
names_close(struct dns_names *s, const struct dns_alias *al, int n_al)
{
	bool grew = true;
	int i;

	while (grew) {
		grew = false;
		for (i = 0; i < n_al; i++) {
			if (s->n > ENRICH_DNS_MAX_CNAME)
				return;
			if (names_has(s, al[i].owner) &&
			    !names_has(s, al[i].target)) {
				s->h[s->n++] = al[i].target;
				grew = true;
			}
		}
	}
}

/*
 * Pass 1 over the answers: every RR must be whole; CNAMEs are collected
 * (the first ENRICH_DNS_MAX_CNAME of them).
 */
static int
dns_aliases(const uint8_t *m, size_t len, size_t off, unsigned an,
    struct dns_alias *al, int *n_al)
{
	struct dns_rr rr;
	uint64_t target;
	unsigned i;

	*n_al = 0;
	for (i = 0; i < an; i++) {
		if (dns_rr(m, len, &off, &rr))
			return -FT_EPARSE;
		if (rr.type != DNS_TYPE_CNAME || rr.class != DNS_CLASS_IN)
			continue;
		if (dns_cname(m, &rr, &target))
			return -FT_EPARSE;
		if (*n_al < ENRICH_DNS_MAX_CNAME)
			al[(*n_al)++] = (struct dns_alias){ rr.owner, target };
	}
	return 0;
}

/* Pass 2: store the addresses whose owner is one of names. */
static int
dns_store(struct enrich_dns *d, const uint8_t *m, size_t len, size_t off,
    unsigned an, const struct dns_names *names, const char *q)
{
	struct dns_rr rr;
	unsigned i;
	int n = 0;

	for (i = 0; i < an; i++) {
		if (dns_rr(m, len, &off, &rr))
			return -FT_EPARSE;
		if (rr.class != DNS_CLASS_IN || !names_has(names, rr.owner) ||
		    (rr.type != DNS_TYPE_A && rr.type != DNS_TYPE_AAAA))
			continue;
		enrich_dns_put(d, m + rr.rdata, rr.type == DNS_TYPE_A ? 4 : 6,
		    q);
		n++;
	}
	return n;
}

/* Skip the questions after the first; off is past the first's name. */
static int
dns_questions(const uint8_t *m, size_t len, size_t *off, unsigned qd)
{
	uint64_t h;
	unsigned i;

	for (i = 0; i < qd; i++) {
		if (i && dns_name(m, len, off, &h, NULL))
			return -FT_EPARSE;
		if (len - *off < 4)
			return -FT_EPARSE;
		*off += 4;
	}
	return 0;
}

/*
 * Learn from one DNS message: every A/AAAA answer for the first question's
 * name, directly or through CNAMEs, maps its address to that name. Returns
 * the addresses stored, 0 for messages with nothing to learn (queries,
 * errors, other opcodes), -FT_EPARSE for malformed ones (nothing stored).
 */
int
enrich_dns_learn(struct enrich_dns *d, const uint8_t *m, size_t len)
{
	struct dns_alias al[ENRICH_DNS_MAX_CNAME];
	struct dns_names names = { .n = 1 };
	char q[DNS_TEXT_MAX];
	unsigned qd, an;
	size_t off = DNS_HDR_LEN;
	int n_al;

	if (!m || len < DNS_HDR_LEN)
		return -FT_EPARSE;
	if (!(be16(m + 2) & DNS_FLAG_QR) || (be16(m + 2) & 0x780f))
		return 0;	/* a query, an error or not a QUERY */
	qd = be16(m + 4);
	an = be16(m + 6);
	if (qd == 0)
		return 0;
	if (dns_name(m, len, &off, &names.h[0], q) ||
	    dns_questions(m, len, &off, qd) ||
	    dns_aliases(m, len, off, an, al, &n_al))
		return -FT_EPARSE;
	if (!q[0])
		return 0;
	names_close(&names, al, n_al);
	return dns_store(d, m, len, off, an, &names, q);
}

/* Cache ------------------------------------------------------------- */

int
enrich_dns_init(struct enrich_dns *d, uint32_t cap)
{
	uint32_t nb = 16;

	memset(d, 0, sizeof(*d));
	while (nb < cap)
		nb <<= 1;
	d->ent = calloc(cap, sizeof(*d->ent));
	d->head = malloc(nb * sizeof(*d->head));
	if (!d->ent || !d->head) {
		enrich_dns_fini(d);
		return -FT_ENOMEM;
	}
	memset(d->head, 0xff, nb * sizeof(*d->head));
	d->cap = cap;
	d->mask = nb - 1;
	d->newest = d->oldest = ENRICH_NIL;
	return 0;
}

void
enrich_dns_fini(struct enrich_dns *d)
{
	free(d->ent);
	free(d->head);
	d->ent = NULL;
	d->head = NULL;
}

static void
lru_unlink(struct enrich_dns *d, uint32_t i)
{
	struct enrich_dns_ent *e = &d->ent[i];

	if (e->newer == ENRICH_NIL)
		d->newest = e->older;
	else
		d->ent[e->newer].older = e->older;
	if (e->older == ENRICH_NIL)
		d->oldest = e->newer;
	else
		d->ent[e->older].newer = e->newer;
}

static void
lru_push(struct enrich_dns *d, uint32_t i)
{
	struct enrich_dns_ent *e = &d->ent[i];

	e->newer = ENRICH_NIL;
	e->older = d->newest;
	if (d->newest != ENRICH_NIL)
		d->ent[d->newest].newer = i;
	else
		d->oldest = i;
	d->newest = i;
}

static uint32_t
dns_lookup(const struct enrich_dns *d, const uint8_t key[16], int ver)
{
	uint32_t i = d->head[enrich_addr_hash(key, ver) & d->mask];

	for (; i != ENRICH_NIL; i = d->ent[i].hnext)
		if (d->ent[i].ver == ver && !memcmp(d->ent[i].addr, key, 16))
			return i;
	return ENRICH_NIL;
}

/* Take the oldest entry out of its chain and the LRU; returns its index. */
static uint32_t
dns_evict(struct enrich_dns *d)
{
	uint32_t i = d->oldest, *p;
	struct enrich_dns_ent *e = &d->ent[i];

	p = &d->head[enrich_addr_hash(e->addr, e->ver) & d->mask];
	while (*p != i)
		p = &d->ent[*p].hnext;
	*p = e->hnext;
	lru_unlink(d, i);
	d->evicted++;
	return i;
}

void
enrich_dns_put(struct enrich_dns *d, const uint8_t *addr, int ver,
    const char *name)
{
	uint8_t key[16];
	uint32_t i, h;

	enrich_addr_key(key, addr, ver);
	i = dns_lookup(d, key, ver);
	if (i != ENRICH_NIL) {
		lru_unlink(d, i);
	} else {
		i = d->used < d->cap ? d->used++ : dns_evict(d);
		memcpy(d->ent[i].addr, key, 16);
		d->ent[i].ver = (uint8_t)ver;
		h = enrich_addr_hash(key, ver) & d->mask;
		d->ent[i].hnext = d->head[h];
		d->head[h] = i;
	}
	enrich_text_copy(d->ent[i].name, sizeof(d->ent[i].name), name,
	    strlen(name));
	lru_push(d, i);
	d->answers++;
}

/* The name for an address, refreshed in the LRU; NULL when unknown. */
const char *
enrich_dns_find(struct enrich_dns *d, const uint8_t *addr, int ver)
{
	uint8_t key[16];
	uint32_t i;

	if (ver != 4 && ver != 6)
		return NULL;
	enrich_addr_key(key, addr, ver);
	i = dns_lookup(d, key, ver);
	if (i == ENRICH_NIL)
		return NULL;
	lru_unlink(d, i);
	lru_push(d, i);
	return d->ent[i].name;
}
