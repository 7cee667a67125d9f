/* enrich_dhcp.c: host names from DHCP on the wire and dnsmasq leases */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "../base/ft_mac.h"
#include "enrich_int.h"

#define BOOTP_LEN 236		/* fixed BOOTP header */
#define DHCP_OPTS 240		/* after the magic cookie */
#define BOOTP_YIADDR 16
#define BOOTP_CIADDR 12
#define BOOTP_CHADDR 28
#define OPT_PAD 0
#define OPT_HOSTNAME 12
#define OPT_REQ_IP 50
#define OPT_MSG_TYPE 53
#define OPT_CLIENT_ID 61
#define OPT_END 255
#define DHCP_REQUEST 3
#define DHCP_ACK 5
#define DHCP_INFORM 8

static const uint8_t dhcp_cookie[4] = { 99, 130, 83, 99 };

/* Hosts table ------------------------------------------------------- */

int
enrich_hosts_init(struct enrich_hosts *h, uint32_t cap)
{
	uint32_t nb = 16;

	memset(h, 0, sizeof(*h));
	while (nb < cap)
		nb <<= 1;
	h->ent = calloc(cap, sizeof(*h->ent));
	h->mhead = malloc(nb * sizeof(*h->mhead));
	h->ahead = malloc(nb * sizeof(*h->ahead));
	if (!h->ent || !h->mhead || !h->ahead) {
		enrich_hosts_fini(h);
		return -FT_ENOMEM;
	}
	memset(h->mhead, 0xff, nb * sizeof(*h->mhead));
	memset(h->ahead, 0xff, nb * sizeof(*h->ahead));
	h->cap = cap;
	h->mask = nb - 1;
	h->newest = h->oldest = ENRICH_NIL;
	return 0;
}

void
enrich_hosts_fini(struct enrich_hosts *h)
{
	free(h->ent);
	free(h->mhead);
	free(h->ahead);
	h->ent = NULL;
	h->mhead = h->ahead = NULL;
}

static uint32_t
mac_hash(const uint8_t mac[6])
{
	uint8_t key[16] = { 0 };

	memcpy(key, mac, 6);
	return enrich_addr_hash(key, 0);
}

static uint32_t *
chain_of(const struct enrich_hosts *h, const struct enrich_host *e,
    bool by_addr)
{
	if (by_addr)
		return &h->ahead[enrich_addr_hash(e->addr, e->ver) & h->mask];
	return &h->mhead[mac_hash(e->mac) & h->mask];
}

static void
chain_unlink(struct enrich_hosts *h, uint32_t i, bool by_addr)
{
	uint32_t *p = chain_of(h, &h->ent[i], by_addr);

	while (*p != i)
		p = by_addr ? &h->ent[*p].anext : &h->ent[*p].mnext;
	*p = by_addr ? h->ent[i].anext : h->ent[i].mnext;
}

static void
chain_push(struct enrich_hosts *h, uint32_t i, bool by_addr)
{
	uint32_t *head = chain_of(h, &h->ent[i], by_addr);

	if (by_addr)
		h->ent[i].anext = *head;
	else
		h->ent[i].mnext = *head;
	*head = i;
}

static void
lru_unlink(struct enrich_hosts *h, uint32_t i)
{
	struct enrich_host *e = &h->ent[i];

	if (e->newer == ENRICH_NIL)
		h->newest = e->older;
	else
		h->ent[e->newer].older = e->older;
	if (e->older == ENRICH_NIL)
		h->oldest = e->newer;
	else
		h->ent[e->older].newer = e->newer;
}

static void
lru_push(struct enrich_hosts *h, uint32_t i)
{
	struct enrich_host *e = &h->ent[i];

	e->newer = ENRICH_NIL;
	e->older = h->newest;
	if (h->newest != ENRICH_NIL)
		h->ent[h->newest].newer = i;
	else
		h->oldest = i;
	h->newest = i;
}

/* A free entry: never used, or the oldest taken out of every index. */
static uint32_t
hosts_take(struct enrich_hosts *h)
{
	uint32_t i;

	if (h->used < h->cap)
		return h->used++;
	i = h->oldest;
	if (h->ent[i].has_mac)
		chain_unlink(h, i, false);
	if (h->ent[i].ver)
		chain_unlink(h, i, true);
	lru_unlink(h, i);
	h->evicted++;
	return i;
}

struct enrich_host *
enrich_hosts_find_mac(const struct enrich_hosts *h, const uint8_t mac[6])
{
	uint32_t i = h->mhead[mac_hash(mac) & h->mask];

	for (; i != ENRICH_NIL; i = h->ent[i].mnext)
		if (!memcmp(h->ent[i].mac, mac, 6))
			return &h->ent[i];
	return NULL;
}

struct enrich_host *
enrich_hosts_find_addr(const struct enrich_hosts *h, const uint8_t *addr,
    int ver)
{
	uint8_t key[16];
	uint32_t i;

	if (ver != 4 && ver != 6)
		return NULL;
	enrich_addr_key(key, addr, ver);
	i = h->ahead[enrich_addr_hash(key, ver) & h->mask];
	for (; i != ENRICH_NIL; i = h->ent[i].anext)
		if (h->ent[i].ver == ver && !memcmp(h->ent[i].addr, key, 16))
			return &h->ent[i];
	return NULL;
}

/*
 * The entry of mac, made newest; created (evicting the oldest when full)
 * if absent. mac NULL: a new entry known only by its address.
 */
struct enrich_host *
enrich_hosts_get(struct enrich_hosts *h, const uint8_t *mac)
{
	struct enrich_host *e = mac ? enrich_hosts_find_mac(h, mac) : NULL;
	uint32_t i;

	if (e) {
		i = (uint32_t)(e - h->ent);
		lru_unlink(h, i);
		lru_push(h, i);
		return e;
	}
	i = hosts_take(h);
	e = &h->ent[i];
	memset(e, 0, sizeof(*e));
	if (mac) {
		memcpy(e->mac, mac, 6);
		e->has_mac = 1;
		chain_push(h, i, false);
	}
	lru_push(h, i);
	return e;
}

/* Give e an address; it goes first among entries with that address. */
void
enrich_hosts_set_addr(struct enrich_hosts *h, struct enrich_host *e,
    const uint8_t *addr, int ver)
{
	uint32_t i = (uint32_t)(e - h->ent);
	uint8_t key[16];

	enrich_addr_key(key, addr, ver);
	if (e->ver)
		chain_unlink(h, i, true);
	memcpy(e->addr, key, 16);
	e->ver = (uint8_t)ver;
	chain_push(h, i, true);
}

/* DHCP -------------------------------------------------------------- */

/* What one message says, as pointers into it. */
struct dhcp_msg {
	uint8_t type;			/* option 53, 0 when absent */
	const uint8_t *name;		/* option 12 */
	uint8_t name_len;		/* its length */
	const uint8_t *cid;		/* option 61 */
	uint8_t cid_len;		/* its length */
	const uint8_t *req_ip;		/* option 50, 4 bytes */
};

static int
dhcp_options(const uint8_t *m, size_t len, struct dhcp_msg *d)
{
	size_t i = DHCP_OPTS;
	uint8_t code, n;

	memset(d, 0, sizeof(*d));
	while (i < len) {
		code = m[i];
		if (code == OPT_PAD) {
			i++;
			continue;
		}
		if (code == OPT_END)
			return 0;
		if (i + 2 > len || i + 2 + m[i + 1] > len)
			return -FT_EPARSE;
		n = m[i + 1];
		if (code == OPT_MSG_TYPE && n == 1 && !d->type)
			d->type = m[i + 2];
		else if (code == OPT_HOSTNAME && !d->name)
			d->name = m + i + 2, d->name_len = n;
		else if (code == OPT_CLIENT_ID && !d->cid)
			d->cid = m + i + 2, d->cid_len = n;
		else if (code == OPT_REQ_IP && n == 4 && !d->req_ip)
			d->req_ip = m + i + 2;
		i += 2u + n;
	}
	return 0;
}

/* The client id as text when every byte prints, else as colon-hex. */
static void
client_id_text(char *out, size_t cap, const uint8_t *p, uint8_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	uint8_t i;

	for (i = 0; i < n && p[i] >= 0x20 && p[i] < 0x7f; i++)
		;
	if (n && i == n) {
		enrich_text_copy(out, cap, (const char *)p, n);
		return;
	}
	for (i = 0; i < n && o + 3 < cap; i++) {
		if (i)
			out[o++] = ':';
		out[o++] = hex[p[i] >> 4];
		out[o++] = hex[p[i] & 15];
	}
	out[o] = '\0';
}

static bool
is_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* The address a message gives its client, or NULL. */
static const uint8_t *
dhcp_addr(const uint8_t *m, const struct dhcp_msg *d)
{
	if (d->type == DHCP_ACK && !is_zero(m + BOOTP_YIADDR, 4))
		return m + BOOTP_YIADDR;
	if (d->type == DHCP_REQUEST && d->req_ip && !is_zero(d->req_ip, 4))
		return d->req_ip;
	if ((d->type == DHCP_REQUEST || d->type == DHCP_INFORM) &&
	    !is_zero(m + BOOTP_CIADDR, 4))
		return m + BOOTP_CIADDR;
	return NULL;
}

/* Note the message's name, client id and address under its chaddr. */
static void
dhcp_note(struct enrich_hosts *h, const uint8_t *m, const struct dhcp_msg *d,
    bool *named)
{
	const uint8_t *chaddr = m + BOOTP_CHADDR, *addr = dhcp_addr(m, d);
	char name[FT_NAME_MAX];
	struct enrich_host *e;

	name[0] = '\0';
	if (d->name)
		enrich_text_copy(name, sizeof(name), (const char *)d->name,
		    d->name_len);
	e = name[0] || d->cid ? enrich_hosts_get(h, chaddr) :
	    enrich_hosts_find_mac(h, chaddr);
	if (!e)
		return;
	if (name[0] && strcmp(name, e->name)) {
		memcpy(e->name, name, sizeof(name));
		*named = true;
	}
	if (d->cid)
		client_id_text(e->client_id, sizeof(e->client_id), d->cid,
		    d->cid_len);
	if (addr)
		enrich_hosts_set_addr(h, e, addr, 4);
}

/*
 * Learn from one DHCP message (UDP payload): per client MAC the host name
 * (option 12), client id (61) and address (ACK yiaddr, REQUEST option 50
 * or ciaddr). 0 also for what is not DHCP over Ethernet; -FT_EPARSE for
 * malformed messages. *named says whether a new host name was learned.
 */
int
enrich_dhcp_learn(struct enrich_hosts *h, const uint8_t *m, size_t len,
    bool *named)
{
	struct dhcp_msg d;

	*named = false;
	if (!m || len < BOOTP_LEN || (m[0] != 1 && m[0] != 2))
		return -FT_EPARSE;
	if (m[1] != 1 || m[2] != 6 || is_zero(m + BOOTP_CHADDR, 6))
		return 0;	/* not Ethernet */
	if (len < DHCP_OPTS || memcmp(m + BOOTP_LEN, dhcp_cookie, 4))
		return 0;	/* plain BOOTP */
	if (dhcp_options(m, len, &d))
		return -FT_EPARSE;
	if (!d.type)
		return 0;
	dhcp_note(h, m, &d, named);
	return 0;
}

/* Leases file ------------------------------------------------------- */

/* Split s in place at blanks into at most max fields; returns the count. */
static int
split_fields(char *s, char **f, int max)
{
	int n = 0;

	while (*s && n < max) {
		while (*s == ' ' || *s == '\t')
			*s++ = '\0';
		if (!*s)
			break;
		f[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
	}
	return n;
}

static bool
all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/*
 * One line `EXPIRY MAC IP HOSTNAME [CLIENTID]`; an IPv6 line has an IAID
 * instead of the MAC, `duid ...` lines are skipped. 0 done (named or not),
 * -FT_EPARSE for a line that is not a lease, -FT_EFULL when the table is.
 */
static int
lease_line(struct enrich_hosts *h, char *s, uint32_t *n_named)
{
	char *f[5];
	uint8_t mac[6], addr[16];
	struct enrich_host *e;
	int n = split_fields(s, f, 5), ver;
	bool has_mac;

	if (n == 0 || !strcmp(f[0], "duid"))
		return 0;
	if (n < 4 || !all_digits(f[0]))
		return -FT_EPARSE;
	ver = strchr(f[2], ':') ? 6 : 4;
	if (inet_pton(ver == 4 ? AF_INET : AF_INET6, f[2], addr) != 1)
		return -FT_EPARSE;
	has_mac = ft_mac_parse(f[1], strlen(f[1]), mac) == 6;
	if (!has_mac && ver == 4)
		return -FT_EPARSE;
	if (!strcmp(f[3], "*"))
		return 0;
	if (*n_named >= h->cap)
		return -FT_EFULL;
	e = enrich_hosts_get(h, has_mac ? mac : NULL);
	enrich_text_copy(e->name, sizeof(e->name), f[3], strlen(f[3]));
	if (n == 5)
		enrich_text_copy(e->client_id, sizeof(e->client_id), f[4],
		    strlen(f[4]));
	enrich_hosts_set_addr(h, e, addr, ver);
	(*n_named)++;
	return 0;
}

void
enrich_leases_free(struct enrich_hosts *h)
{
	if (!h)
		return;
	enrich_hosts_fini(h);
	free(h);
}

/*
 * Read a leases file into a new table of cap entries. Lines that are not
 * leases, and leases past cap, are counted in *dropped, not refused: the
 * file is dnsmasq's, written while we read it.
 */
int
enrich_leases_load(const char *path, uint32_t cap, struct enrich_hosts **out,
    uint32_t *n_named, uint32_t *dropped, struct ft_err *err)
{
	struct enrich_hosts *h;
	struct enrich_lines r;
	char *line;
	int rc;

	*out = NULL;
	*n_named = *dropped = 0;
	h = calloc(1, sizeof(*h));
	if (!h || enrich_hosts_init(h, cap)) {
		free(h);
		return ft_err_set(err, FT_ENOMEM, "%s: out of memory", path);
	}
	rc = enrich_lines_open(&r, path, err);
	if (rc)
		goto out_free;
	for (;;) {
		rc = enrich_lines_next(&r, &line, err);
		if (rc == -FT_EPARSE) {
			(*dropped)++;
			continue;
		}
		if (rc || !line)
			break;
		if (lease_line(h, line, n_named))
			(*dropped)++;
	}
	enrich_lines_close(&r);
	if (rc)
		goto out_free;
	*out = h;
	return 0;
out_free:
	enrich_leases_free(h);
	return rc;
}
