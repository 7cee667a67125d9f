/* enrich.c: the stage: locality, ASN, country, vendor, best name per side */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "enrich_int.h"

/* Bytes of the valid UTF-8 character at s (0: invalid or a control). */
static size_t
utf8_len(const uint8_t *s, size_t avail)
{
	size_t n, i;
	uint8_t lo = 0x80, hi = 0xbf;

	if (s[0] < 0x20 || s[0] == 0x7f)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;		/* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f;		/* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90;		/* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f;		/* past U+10FFFF */
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/*
 * Copy at most len bytes of src as one line of UTF-8 into dst (cap bytes
 * with the NUL): stops at a NUL, turns tabs into spaces and other control
 * bytes and invalid UTF-8 into '?', and never cuts a character in two.
 */
size_t
enrich_text_copy(char *dst, size_t cap, const char *src, size_t len)
{
	const uint8_t *s = (const uint8_t *)src;
	size_t i = 0, o = 0, n;

	if (!cap)
		return 0;
	while (i < len && s[i]) {
		n = utf8_len(s + i, len - i);
		if (n == 0) {
			if (o + 1 >= cap)
				break;
			dst[o++] = s[i] == '\t' ? ' ' : '?';
			i++;
			continue;
		}
		if (o + n >= cap)
			break;
		memcpy(dst + o, s + i, n);
		o += n;
		i += n;
	}
	dst[o] = '\0';
	return o;
}

void
enrich_fid_get(const char *path, struct enrich_fid *out)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (!path || stat(path, &st))
		return;
	out->dev = st.st_dev;
	out->ino = st.st_ino;
	out->size = st.st_size;
	out->mtime = st.st_mtim;
	out->present = true;
}

bool
enrich_fid_same(const struct enrich_fid *a, const struct enrich_fid *b)
{
	return a->present == b->present && a->dev == b->dev &&
	    a->ino == b->ino && a->size == b->size &&
	    a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static char *
path_dup(const char *p)
{
	return p && *p ? strdup(p) : NULL;
}

/* Open the tables; a missing file is not an error (reload finds it). */
static int
open_lut(struct enrich *e, const char *path, struct ft_err *err)
{
	int rc;

	if (!path || !*path)
		return 0;
	e->lut_path = strdup(path);
	if (!e->lut_path)
		return ft_err_set(err, FT_ENOMEM, "out of memory");
	rc = lut_open(path, &e->lut, err);
	if (rc == -FT_ENOENT)
		rc = 0;
	return rc;
}

static int
load_labels(struct enrich *e, struct ft_err *err)
{
	struct enrich_labels *l;
	struct enrich_fid fid;
	int rc;

	enrich_fid_get(e->labels_path, &fid);
	rc = enrich_labels_load(e->labels_path, &l, err);
	e->labels_fid = fid;
	if (rc)
		return rc;
	enrich_labels_free(e->labels);
	e->labels = l;
	return 0;
}

/* A missing leases file is not an error: dnsmasq creates it lazily. */
static int
load_leases(struct enrich *e, struct ft_err *err)
{
	struct enrich_hosts *h;
	struct enrich_fid fid;
	uint32_t n, dropped;
	int rc;

	enrich_fid_get(e->leases_path, &fid);
	e->leases_fid = fid;
	if (!fid.present)
		return 0;
	rc = enrich_leases_load(e->leases_path, e->hosts_cap, &h, &n,
	    &dropped, err);
	if (rc)
		return rc == -FT_ENOENT ? 0 : rc;
	enrich_leases_free(e->leases);
	e->leases = h;
	e->leases_n = n;
	e->leases_dropped = dropped;
	return 0;
}

static int
open_files(struct enrich *e, const struct enrich_opts *o, struct ft_err *err)
{
	int rc;

	rc = open_lut(e, o->lut_path, err);
	if (rc)
		return rc;
	if (o->labels_path && *o->labels_path) {
		e->labels_path = path_dup(o->labels_path);
		if (!e->labels_path)
			return ft_err_set(err, FT_ENOMEM, "out of memory");
		rc = load_labels(e, err);
		if (rc)
			return rc;
	}
	if (o->leases_path && !strcmp(o->leases_path, ENRICH_NO_LEASES))
		return 0;
	e->leases_path = path_dup(o->leases_path && *o->leases_path ?
	    o->leases_path : ENRICH_DEFAULT_LEASES);
	if (!e->leases_path)
		return ft_err_set(err, FT_ENOMEM, "out of memory");
	return load_leases(e, err);
}

int
enrich_new(const struct enrich_opts *o, struct enrich **out,
    struct ft_err *err)
{
	static const struct enrich_opts none = { 0 };
	uint32_t dns_cap, hosts_cap;
	struct enrich *e;
	int rc;

	*out = NULL;
	if (!o)
		o = &none;
	dns_cap = o->dns_cache ? o->dns_cache : ENRICH_DNS_DEFAULT;
	hosts_cap = o->hosts_cache ? o->hosts_cache : ENRICH_HOSTS_DEFAULT;
	if (dns_cap > ENRICH_CACHE_MAX || hosts_cap > ENRICH_CACHE_MAX)
		return ft_err_set(err, FT_EINVAL, "enrich: caches hold at "
		    "most %u entries", ENRICH_CACHE_MAX);
	e = calloc(1, sizeof(*e));
	if (!e)
		return ft_err_set(err, FT_ENOMEM, "out of memory");
	e->hosts_cap = hosts_cap;
	rc = enrich_nets_parse(&e->nets, o->local_networks, err);
	if (rc)
		goto out_free;
	if (enrich_dns_init(&e->dns, dns_cap) ||
	    enrich_hosts_init(&e->dhcp, hosts_cap) ||
	    enrich_dnsstat_init(&e->dnsstat, dns_cap / 4 + 64)) {
		rc = ft_err_set(err, FT_ENOMEM, "enrich: out of memory for "
		    "%u DNS and %u host entries", dns_cap, hosts_cap);
		goto out_free;
	}
	rc = open_files(e, o, err);
	if (rc)
		goto out_free;
	*out = e;
	return 0;
out_free:
	enrich_free(e);
	return rc;
}

void
enrich_free(struct enrich *e)
{
	if (!e)
		return;
	lut_close(e->lut);
	enrich_labels_free(e->labels);
	enrich_leases_free(e->leases);
	enrich_hosts_fini(&e->dhcp);
	enrich_dns_fini(&e->dns);
	enrich_dnsstat_fini(&e->dnsstat);
	free(e->lut_path);
	free(e->labels_path);
	free(e->leases_path);
	free(e);
}

int
enrich_add_local(struct enrich *e, const uint8_t *addr, int ip_ver,
    unsigned prefix_len)
{
	struct enrich_net n;

	memset(&n, 0, sizeof(n));
	if (enrich_net_make(addr, ip_ver, prefix_len, &n))
		return -FT_EINVAL;
	return enrich_nets_add(&e->nets, &n);
}

static bool
port_is_dhcp(uint16_t p)
{
	return p == ENRICH_PORT_BOOTPS || p == ENRICH_PORT_BOOTPC;
}

void
enrich_packet(struct enrich *e, const struct ft_pkt *pkt)
{
	bool named = false;

	if (!pkt->has_ports || !pkt->payload)
		return;
	/* DNS counts need only the header: first fragments and TCP count. */
	if ((pkt->sport == ENRICH_PORT_DNS || pkt->dport == ENRICH_PORT_DNS) &&
	    pkt->frag != FT_FRAG_LATER)
		enrich_dnsstat_packet(&e->dnsstat, pkt);
	if (pkt->proto != ENRICH_PROTO_UDP || pkt->frag != FT_FRAG_NONE)
		return;
	if (pkt->sport == ENRICH_PORT_DNS) {
		if (enrich_dns_learn(&e->dns, pkt->payload,
		    pkt->payload_len) < 0)
			e->dns.bad++;
	} else if (pkt->ip_ver == 4 && port_is_dhcp(pkt->sport) &&
	    port_is_dhcp(pkt->dport)) {
		if (enrich_dhcp_learn(&e->dhcp, pkt->payload,
		    pkt->payload_len, &named) < 0)
			e->dhcp_bad++;
		else if (named)
			e->dhcp_names++;
	}
}

static bool
mac_is_zero(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return !memcmp(mac, zero, 6);
}

/* Remote side: the server unless it is local, else the client, else none. */
static const uint8_t *
remote_side(const struct ft_flowrec *r)
{
	if (!(r->local & FT_LOCAL_SRV))
		return r->srv;
	if (!(r->local & FT_LOCAL_CLI))
		return r->cli;
	return NULL;
}

static void
fill_remote(const struct enrich *e, struct ft_flowrec *r)
{
	const uint8_t *addr = remote_side(r);
	struct lut_asn a;
	char cc[3];

	r->asn = 0;
	r->as_org[0] = '\0';
	r->country[0] = '\0';
	if (!e->lut || !addr)
		return;
	if (lut_asn(e->lut, addr, r->ip_ver, &a) == 0) {
		r->asn = a.asn;
		enrich_text_copy(r->as_org, sizeof(r->as_org), a.org,
		    strlen(a.org));
	}
	if (lut_country(e->lut, addr, r->ip_ver, cc) == 0)
		memcpy(r->country, cc, sizeof(r->country));
}

static void
fill_vendor(const struct enrich *e, const uint8_t mac[6],
    char out[FT_VENDOR_MAX])
{
	struct lut_vendor v;
	const char *s;

	out[0] = '\0';
	if (!e->lut || mac_is_zero(mac) || lut_vendor(e->lut, mac, &v))
		return;
	s = v.short_name && *v.short_name ? v.short_name : v.long_name;
	enrich_text_copy(out, FT_VENDOR_MAX, s, strlen(s));
}

/* Names held by the tables are clean text shorter than FT_NAME_MAX. */
static void
copy_name(char dst[FT_NAME_MAX], const char *src)
{
	size_t n = strnlen(src, FT_NAME_MAX - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* A host name and where it came from. */
struct pick {
	const char *name;	/* NULL: none */
	uint8_t src;		/* enum ft_name_src */
};

static struct pick
from_hosts(const struct enrich_hosts *h, const uint8_t *mac,
    const uint8_t *addr, int ver, uint8_t src)
{
	struct enrich_host *x = NULL;
	struct pick p = { NULL, FT_NAME_NONE };

	if (!h)
		return p;
	if (mac)
		x = enrich_hosts_find_mac(h, mac);
	if (!x || !x->name[0])
		x = enrich_hosts_find_addr(h, addr, ver);
	if (x && x->name[0]) {
		p.name = x->name;
		p.src = src;
	}
	return p;
}

/*
 * The best link-side name of an address: label (MAC, address, prefix),
 * then DHCP, then lease. Names tied to the local link (MAC labels, DHCP,
 * leases) are given to local addresses only: a remote address's MAC is a
 * router's, and DHCP hands out local addresses.
 */
static struct pick
host_name(const struct enrich *e, const uint8_t *mac, const uint8_t *addr,
    int ver, bool local)
{
	struct pick p = { NULL, FT_NAME_LABEL };

	if (!local || mac_is_zero(mac))
		mac = NULL;
	if (mac)
		p.name = enrich_labels_find_mac(e->labels, mac);
	if (!p.name)
		p.name = enrich_labels_find_ip(e->labels, addr, ver);
	if (p.name)
		return p;
	p.src = FT_NAME_NONE;
	if (!local)
		return p;
	p = from_hosts(&e->dhcp, mac, addr, ver, FT_NAME_DHCP);
	if (!p.name)
		p = from_hosts(e->leases, mac, addr, ver, FT_NAME_LEASE);
	return p;
}

static void
name_client(const struct enrich *e, struct ft_flowrec *r)
{
	struct pick p = host_name(e, r->cli_mac, r->cli, r->ip_ver,
	    r->local & FT_LOCAL_CLI);

	r->cli_name[0] = '\0';
	r->cli_name_src = p.src;
	if (p.name)
		copy_name(r->cli_name, p.name);
}

/* A classifier's name is SNI; a better source replaces it, DNS fills a gap. */
static void
name_server(struct enrich *e, struct ft_flowrec *r)
{
	struct pick p = host_name(e, r->srv_mac, r->srv, r->ip_ver,
	    r->local & FT_LOCAL_SRV);
	uint8_t src = r->srv_name_src;
	const char *dns;

	if (!r->server_name[0])
		src = FT_NAME_NONE;
	else if (src == FT_NAME_NONE)
		src = FT_NAME_SNI;
	if (p.name && (src == FT_NAME_NONE || p.src < src)) {
		copy_name(r->server_name, p.name);
		src = p.src;
	}
	if (src == FT_NAME_NONE) {
		dns = enrich_dns_find(&e->dns, r->srv, r->ip_ver);
		if (dns) {
			copy_name(r->server_name, dns);
			src = FT_NAME_DNS;
		}
	}
	r->srv_name_src = src;
}

void
enrich_batch(struct enrich *e, struct ft_flowrec *recs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct ft_flowrec *r = &recs[i];

		r->local = 0;
		if (enrich_nets_has(&e->nets, r->cli, r->ip_ver))
			r->local |= FT_LOCAL_CLI;
		if (enrich_nets_has(&e->nets, r->srv, r->ip_ver))
			r->local |= FT_LOCAL_SRV;
		fill_remote(e, r);
		fill_vendor(e, r->cli_mac, r->cli_vendor);
		fill_vendor(e, r->srv_mac, r->srv_vendor);
		name_client(e, r);
		name_server(e, r);
		enrich_dnsstat_take(&e->dnsstat, r);
	}
}

/* While no tables are mapped, a file that failed is not retried unchanged. */
static int
reload_lut(struct enrich *e, struct ft_err *err)
{
	struct enrich_fid fid;
	bool reloaded;
	int rc;

	if (!e->lut_path)
		return 0;
	if (!e->lut) {
		enrich_fid_get(e->lut_path, &fid);
		if (!fid.present || (e->lut_bad.present &&
		    enrich_fid_same(&fid, &e->lut_bad)))
			return 0;
		e->lut_bad = fid;
	}
	rc = lut_reload_if_changed(&e->lut, e->lut_path, &reloaded, err);
	return rc == -FT_ENOENT && !e->lut ? 0 : rc;
}

/* A file that vanished keeps what was loaded; a bad one is reported once. */
static int
reload_file(struct enrich *e, bool labels, struct ft_err *err)
{
	struct enrich_fid fid, *had = labels ? &e->labels_fid : &e->leases_fid;
	const char *path = labels ? e->labels_path : e->leases_path;

	if (!path)
		return 0;
	enrich_fid_get(path, &fid);
	if (!fid.present || enrich_fid_same(&fid, had))
		return 0;
	return labels ? load_labels(e, err) : load_leases(e, err);
}

int
enrich_reload(struct enrich *e, struct ft_err *err)
{
	struct ft_err e2 = { 0 };
	int rc, rc2;

	rc = reload_lut(e, err);
	rc2 = reload_file(e, true, rc ? &e2 : err);
	if (!rc)
		rc = rc2;
	rc2 = reload_file(e, false, rc ? &e2 : err);
	return rc ? rc : rc2;
}

void
enrich_get_stats(const struct enrich *e, struct enrich_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->dns_answers = e->dns.answers;
	st->dns_evicted = e->dns.evicted;
	st->dns_bad = e->dns.bad;
	st->dhcp_names = e->dhcp_names;
	st->dhcp_bad = e->dhcp_bad;
	st->hosts_evicted = e->dhcp.evicted;
	st->labels = e->labels ? e->labels->n : 0;
	st->leases = e->leases_n;
	st->leases_dropped = e->leases_dropped;
	st->local_nets = (uint32_t)e->nets.n;
	st->lut_loaded = e->lut != NULL;
}
