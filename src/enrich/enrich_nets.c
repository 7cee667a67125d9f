/* enrich_nets.c: CIDRs, local networks, the labels file and its reader */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/ft_mac.h"
#include "enrich_int.h"

#define CIDR_TEXT_MAX 64	/* longest address/prefix text accepted */

/* The defaults of local_networks. */
static const char default_nets[] =
    "10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 100.64.0.0/10 "
    "169.254.0.0/16 fc00::/7 fe80::/10";

static bool
is_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Decimal of at most max_digits digits into *out; the whole string. */
static int
parse_dec(const char *s, unsigned max_digits, unsigned *out)
{
	unsigned v = 0, i;

	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= max_digits)
			return -FT_EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (i == 0)
		return -FT_EINVAL;
	*out = v;
	return 0;
}

/*
 * Dotted IPv4; with a prefix the trailing parts may be left out
 * ("10/8", "172.16/12"), as route tables print them.
 */
static int
parse_v4(char *s, bool abbrev_ok, uint8_t out[4])
{
	unsigned part, n = 0;
	char *dot;

	memset(out, 0, 4);
	for (;;) {
		dot = strchr(s, '.');
		if (dot)
			*dot = '\0';
		if (n == 4 || parse_dec(s, 3, &part) || part > 255)
			return -FT_EINVAL;
		out[n++] = (uint8_t)part;
		if (!dot)
			break;
		s = dot + 1;
	}
	return n == 4 || abbrev_ok ? 0 : -FT_EINVAL;
}

int
enrich_net_make(const uint8_t *addr, int ver, unsigned len,
    struct enrich_net *out)
{
	uint8_t m[16] = { 0 }, a[16] = { 0 };
	unsigned i, bytes = ver == 4 ? 4 : 16;

	if ((ver != 4 && ver != 6) || len > bytes * 8)
		return -FT_EINVAL;
	memcpy(a, addr, bytes);
	for (i = 0; i < len / 8; i++)
		m[i] = 0xff;
	if (len % 8)
		m[len / 8] = (uint8_t)(0xff00 >> (len % 8));
	for (i = 0; i < 16; i++)
		a[i] &= m[i];
	memcpy(out->w, a, 16);
	memcpy(out->m, m, 16);
	out->ver = (uint8_t)ver;
	out->len = (uint8_t)len;
	return 0;
}

int
enrich_cidr_parse(const char *s, size_t len, struct enrich_net *out)
{
	char buf[CIDR_TEXT_MAX];
	uint8_t a[16];
	unsigned plen;
	char *slash;
	int ver;

	if (len == 0 || len >= sizeof(buf))
		return -FT_EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	ver = strchr(buf, ':') ? 6 : 4;
	if (ver == 6 && inet_pton(AF_INET6, buf, a) != 1)
		return -FT_EINVAL;
	if (ver == 4 && parse_v4(buf, slash != NULL, a))
		return -FT_EINVAL;
	plen = ver == 4 ? 32 : 128;
	if (slash && parse_dec(slash + 1, 3, &plen))
		return -FT_EINVAL;
	return enrich_net_make(a, ver, plen, out);
}

int
enrich_nets_add(struct enrich_nets *ns, const struct enrich_net *n)
{
	int i;

	for (i = 0; i < ns->n; i++)
		if (!memcmp(&ns->net[i], n, sizeof(*n)))
			return 0;
	if (ns->n >= ENRICH_MAX_NETS)
		return -FT_EFULL;
	ns->net[ns->n++] = *n;
	return 0;
}

int
enrich_nets_parse(struct enrich_nets *ns, const char *list,
    struct ft_err *err)
{
	struct enrich_net n;
	const char *p;
	size_t len;

	memset(ns, 0, sizeof(*ns));
	if (!list || !*list)
		list = default_nets;
	for (p = list; *p; p += len) {
		while (is_sep(*p))
			p++;
		for (len = 0; p[len] && !is_sep(p[len]); len++)
			;
		if (!len)
			break;
		memset(&n, 0, sizeof(n));
		if (enrich_cidr_parse(p, len, &n))
			return ft_err_set(err, FT_EINVAL,
			    "local networks: expected an address or a CIDR "
			    "like 192.168.0.0/16 or fd00::/8, got '%.*s'",
			    (int)(len < 64 ? len : 64), p);
		if (enrich_nets_add(ns, &n))
			return ft_err_set(err, FT_EFULL,
			    "local networks: more than %d entries at '%.*s'",
			    ENRICH_MAX_NETS, (int)(len < 64 ? len : 64), p);
	}
	return 0;
}

bool
enrich_nets_has(const struct enrich_nets *ns, const uint8_t *addr, int ver)
{
	uint64_t a[2] = { 0, 0 };
	int i;

	if (ver == 4)
		memcpy(a, addr, 4);
	else if (ver == 6)
		memcpy(a, addr, 16);
	else
		return false;
	for (i = 0; i < ns->n; i++) {
		const struct enrich_net *n = &ns->net[i];

		if (n->ver == ver && (a[0] & n->m[0]) == n->w[0] &&
		    (a[1] & n->m[1]) == n->w[1])
			return true;
	}
	return false;
}

/* Files ------------------------------------------------------------- */

int
enrich_lines_open(struct enrich_lines *r, const char *path,
    struct ft_err *err)
{
	r->path = path;
	r->line = 0;
	r->f = fopen(path, "r");
	if (!r->f)
		return ft_err_set(err, errno == ENOENT ? FT_ENOENT : FT_EIO,
		    "cannot open %s: %s", path, strerror(errno));
	return 0;
}

/*
 * The next line without its newline in *line (NULL at the end). A line
 * longer than ENRICH_LINE_MAX is consumed and refused with FILE:LINE.
 */
int
enrich_lines_next(struct enrich_lines *r, char **line, struct ft_err *err)
{
	size_t len;
	int c;

	*line = NULL;
	if (!fgets(r->buf, sizeof(r->buf), r->f))
		return ferror(r->f) ? ft_err_set(err, FT_EIO,
		    "%s: read error", r->path) : 0;
	r->line++;
	len = strlen(r->buf);
	if (len && r->buf[len - 1] == '\n') {
		r->buf[--len] = '\0';
	} else if (len > ENRICH_LINE_MAX) {
		while ((c = getc(r->f)) != EOF && c != '\n')
			;
		return ft_err_set(err, FT_EPARSE,
		    "%s:%u: line longer than %d bytes", r->path, r->line,
		    ENRICH_LINE_MAX);
	}
	if (len && r->buf[len - 1] == '\r')
		r->buf[--len] = '\0';
	*line = r->buf;
	return 0;
}

void
enrich_lines_close(struct enrich_lines *r)
{
	if (r->f)
		fclose(r->f);
	r->f = NULL;
}

/* Labels ------------------------------------------------------------- */

static uint32_t
label_hash(const uint8_t *key, int kind, unsigned len)
{
	return enrich_addr_hash(key, kind << 8 | (int)len);
}

static struct enrich_label *
label_lookup(const struct enrich_labels *l, const uint8_t *key, int kind,
    unsigned len)
{
	uint32_t i = l->head[label_hash(key, kind, len) & l->mask];

	for (; i != ENRICH_NIL; i = l->ent[i].next) {
		struct enrich_label *e = &l->ent[i];

		if (e->kind == kind && e->len == len &&
		    !memcmp(e->key, key, 16))
			return e;
	}
	return NULL;
}

/* Hash every entry; of equal keys the first is kept with the last text. */
static int
labels_index(struct enrich_labels *l)
{
	uint32_t nb = 16, i, h;

	while (nb < 2 * l->n)
		nb <<= 1;
	l->head = malloc(nb * sizeof(*l->head));
	if (!l->head)
		return -FT_ENOMEM;
	memset(l->head, 0xff, nb * sizeof(*l->head));
	l->mask = nb - 1;
	for (i = 0; i < l->n; i++) {
		struct enrich_label *e = &l->ent[i], *old;

		old = label_lookup(l, e->key, e->kind, e->len);
		if (old) {
			memcpy(old->text, e->text, sizeof(old->text));
			continue;
		}
		h = label_hash(e->key, e->kind, e->len) & l->mask;
		e->next = l->head[h];
		l->head[h] = i;
	}
	return 0;
}

static struct enrich_label *
labels_append(struct enrich_labels *l)
{
	struct enrich_label *p;
	uint32_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 64;
		p = realloc(l->ent, cap * sizeof(*p));
		if (!p)
			return NULL;
		l->ent = p;
		l->cap = cap;
	}
	p = &l->ent[l->n++];
	memset(p, 0, sizeof(*p));
	return p;
}

/* The key of a TARGET: a MAC, an address or a CIDR. */
static int
label_key(const char *t, size_t len, struct enrich_label *e)
{
	struct enrich_net n;

	if (ft_mac_parse(t, len, e->key) == 6) {
		e->kind = ENRICH_KEY_MAC;
		return 0;
	}
	if (enrich_cidr_parse(t, len, &n))
		return -FT_EPARSE;
	memcpy(e->key, n.w, 16);
	e->kind = n.ver;
	e->len = n.len;
	return 0;
}

static int
labels_line(struct enrich_labels *l, const struct enrich_lines *r,
    char *s, struct ft_err *err)
{
	struct enrich_label *e;
	size_t tlen, len;
	char *lab;

	while (is_blank(*s))
		s++;
	if (!*s || *s == '#')
		return 0;
	for (tlen = 0; s[tlen] && !is_blank(s[tlen]); tlen++)
		;
	for (lab = s + tlen; is_blank(*lab); lab++)
		;
	for (len = strlen(lab); len && is_blank(lab[len - 1]); len--)
		;
	if (l->n >= ENRICH_MAX_LABELS)
		return ft_err_set(err, FT_EFULL, "%s:%u: more than %d labels",
		    r->path, r->line, ENRICH_MAX_LABELS);
	e = labels_append(l);
	if (!e)
		return ft_err_set(err, FT_ENOMEM, "%s: out of memory", r->path);
	if (label_key(s, tlen, e))
		return ft_err_set(err, FT_EPARSE, "%s:%u: expected an IP "
		    "address, a CIDR or a MAC address, got '%.*s'", r->path,
		    r->line, (int)(tlen < 64 ? tlen : 64), s);
	if (!len)
		return ft_err_set(err, FT_EPARSE, "%s:%u: expected a label "
		    "after '%.*s'", r->path, r->line,
		    (int)(tlen < 64 ? tlen : 64), s);
	enrich_text_copy(e->text, sizeof(e->text), lab, len);
	if (e->kind == ENRICH_KEY_V4)
		l->v4_lens |= UINT64_C(1) << e->len;
	else if (e->kind == ENRICH_KEY_V6)
		l->v6_lens[e->len / 64] |= UINT64_C(1) << (e->len % 64);
	return 0;
}

void
enrich_labels_free(struct enrich_labels *l)
{
	if (!l)
		return;
	free(l->ent);
	free(l->head);
	free(l);
}

int
enrich_labels_load(const char *path, struct enrich_labels **out,
    struct ft_err *err)
{
	struct enrich_labels *l;
	struct enrich_lines r;
	char *line;
	int rc;

	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return ft_err_set(err, FT_ENOMEM, "%s: out of memory", path);
	rc = enrich_lines_open(&r, path, err);
	if (rc)
		goto out_free;
	while ((rc = enrich_lines_next(&r, &line, err)) == 0 && line) {
		rc = labels_line(l, &r, line, err);
		if (rc)
			break;
	}
	enrich_lines_close(&r);
	if (!rc && labels_index(l))
		rc = ft_err_set(err, FT_ENOMEM, "%s: out of memory", path);
	if (rc)
		goto out_free;
	*out = l;
	return 0;
out_free:
	enrich_labels_free(l);
	return rc;
}

const char *
enrich_labels_find_mac(const struct enrich_labels *l, const uint8_t mac[6])
{
	uint8_t key[16] = { 0 };
	const struct enrich_label *e;

	if (!l || !l->n)
		return NULL;
	memcpy(key, mac, 6);
	e = label_lookup(l, key, ENRICH_KEY_MAC, 0);
	return e ? e->text : NULL;
}

static bool
has_len(const struct enrich_labels *l, int ver, unsigned len)
{
	if (ver == 4)
		return l->v4_lens >> len & 1;
	return l->v6_lens[len / 64] >> (len % 64) & 1;
}

/* Exact address first (the longest prefix), then shorter prefixes. */
const char *
enrich_labels_find_ip(const struct enrich_labels *l, const uint8_t *addr,
    int ver)
{
	const struct enrich_label *e;
	struct enrich_net n;
	int len;

	if (!l || !l->n || (ver != 4 && ver != 6))
		return NULL;
	for (len = ver == 4 ? 32 : 128; len >= 0; len--) {
		if (!has_len(l, ver, (unsigned)len))
			continue;
		enrich_net_make(addr, ver, (unsigned)len, &n);
		e = label_lookup(l, (const uint8_t *)n.w, ver, (unsigned)len);
		if (e)
			return e->text;
	}
	return NULL;
}
