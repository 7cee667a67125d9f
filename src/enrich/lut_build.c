/* lut_build.c: the lookup sources compiled into one file */
/*
 * Read the sources, dedupe texts and records; lut_compile.c flattens the
 * ranges, encodes them and replaces the file atomically.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lut_build_int.h"

#define LUT_MAX_STRINGS (1u << 30)	/* bytes of the string section */

int
lut_vec_push(struct vec *v, const void *e, struct ft_err *err)
{
	void *np;
	size_t ncap;

	if (v->n == v->cap) {
		if (v->cap >= LUT_MAX_ROWS)
			return ft_err_set(err, FT_EFULL,
			    "more than %u rows in one table", LUT_MAX_ROWS);
		ncap = v->cap ? v->cap * 2 : 1024;
		np = realloc(v->p, ncap * v->size);
		if (!np)
			return ft_err_set(err, FT_ENOMEM, "out of memory");
		v->p = np;
		v->cap = ncap;
	}
	memcpy((char *)v->p + v->n++ * v->size, e, v->size);
	return 0;
}

void
lut_vec_free(struct vec *v)
{
	free(v->p);
	v->p = NULL;
	v->n = v->cap = 0;
}

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 0x100000001b3u;
	return h ^ (h >> 29);
}

static int
strtab_grow(struct strtab *t, struct ft_err *err)
{
	size_t n = t->n_slot ? t->n_slot * 2 : 4096, i, j;
	uint32_t *s = calloc(n, sizeof(*s));

	if (!s)
		return ft_err_set(err, FT_ENOMEM, "out of memory");
	for (i = 0; i < t->n_slot; i++) {
		if (!t->slot[i])
			continue;
		for (j = hash_str(t->buf + t->slot[i]) & (n - 1); s[j];
		    j = (j + 1) & (n - 1))
			;
		s[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = s;
	t->n_slot = n;
	return 0;
}

/* Offset of s in the table, adding it once. */
static int
strtab_add(struct strtab *t, const char *s, uint32_t *off, struct ft_err *err)
{
	size_t n = strlen(s), i;
	char *nb;

	*off = 0;
	if (!n)
		return 0;
	if ((t->used + 1) * 2 > t->n_slot && strtab_grow(t, err))
		return -FT_ENOMEM;
	for (i = hash_str(s) & (t->n_slot - 1); t->slot[i];
	    i = (i + 1) & (t->n_slot - 1)) {
		if (!strcmp(t->buf + t->slot[i], s)) {
			*off = t->slot[i];
			return 0;
		}
	}
	if (t->len + n + 1 > LUT_MAX_STRINGS)
		return ft_err_set(err, FT_EFULL, "more than %u bytes of names",
		    LUT_MAX_STRINGS);
	if (t->len + n + 1 > t->cap) {
		size_t ncap = t->cap ? t->cap : 65536;

		while (ncap < t->len + n + 1)
			ncap *= 2;
		nb = realloc(t->buf, ncap);
		if (!nb)
			return ft_err_set(err, FT_ENOMEM, "out of memory");
		t->buf = nb;
		t->cap = ncap;
	}
	memcpy(t->buf + t->len, s, n + 1);
	*off = t->slot[i] = (uint32_t)t->len;
	t->len += n + 1;
	t->used++;
	return 0;
}

/* Index of record rec (key k) in recs, appending it the first time. */
static int
idmap_get(struct idmap *m, struct vec *recs, uint64_t k, const void *rec,
    uint32_t *val, struct ft_err *err)
{
	size_t i, j;

	if ((m->used + 1) * 2 > m->cap) {
		struct idmap g = { .cap = m->cap ? m->cap * 2 : 4096 };

		g.key = calloc(g.cap, sizeof(*g.key));
		g.val = calloc(g.cap, sizeof(*g.val));
		if (!g.key || !g.val) {
			free(g.key);
			free(g.val);
			return ft_err_set(err, FT_ENOMEM, "out of memory");
		}
		for (i = 0; i < m->cap; i++) {
			if (!m->val[i])
				continue;
			for (j = (m->key[i] * 0x9e3779b97f4a7c15u) >> 20 &
			    (g.cap - 1); g.val[j]; j = (j + 1) & (g.cap - 1))
				;
			g.key[j] = m->key[i];
			g.val[j] = m->val[i];
		}
		free(m->key);
		free(m->val);
		g.used = m->used;
		*m = g;
	}
	for (i = (k * 0x9e3779b97f4a7c15u) >> 20 & (m->cap - 1); m->val[i];
	    i = (i + 1) & (m->cap - 1)) {
		if (m->key[i] == k) {
			*val = m->val[i];
			return 0;
		}
	}
	if (lut_vec_push(recs, rec, err))
		return -FT_EFULL;
	m->key[i] = k;
	*val = m->val[i] = (uint32_t)(recs->n - 1);
	m->used++;
	return 0;
}

/* The value of one row for the table being read. */
static int
row_value(struct builder *b, const struct lut_row *row, uint32_t *val,
    struct ft_err *err)
{
	struct lut_asrec ar;
	struct lut_vendrec vr;
	unsigned ci;

	switch (b->cur) {
	case LUT_ASN4:
	case LUT_ASN6:
		ar.asn = row->asn;
		if (strtab_add(&b->str, row->a, &ar.org, err))
			return -FT_ENOMEM;
		return idmap_get(&b->asmap, &b->asrecs,
		    (uint64_t)ar.asn << 32 | ar.org, &ar, val, err);
	case LUT_CC4:
	case LUT_CC6:
		ci = (unsigned)(row->a[0] - 'A') * 26 +
		    (unsigned)(row->a[1] - 'A');
		if (!b->cc_map[ci]) {
			if (b->n_cc >= 254)
				return ft_err_set(err, FT_EFULL,
				    "more than 253 country codes");
			b->cc_map[ci] = (uint8_t)++b->n_cc;
			memcpy(b->cc[b->n_cc], row->a, 2);
		}
		*val = b->cc_map[ci];
		return 0;
	case LUT_VENDOR:
		if (strtab_add(&b->str, row->a, &vr.short_name, err) ||
		    strtab_add(&b->str, row->b, &vr.long_name, err))
			return -FT_ENOMEM;
		return idmap_get(&b->vendmap, &b->vendrecs,
		    (uint64_t)vr.short_name << 32 | vr.long_name, &vr, val,
		    err);
	default:
		return -FT_EINVAL;
	}
}

static int
builder_row(void *arg, const struct lut_row *row, struct ft_err *err)
{
	struct builder *b = arg;
	struct brange r = { row->start, row->end, 0, b->seq++ };
	int rc = row_value(b, row, &r.val, err);

	if (rc)
		return rc;
	return lut_vec_push(&b->tab[b->cur].ranges, &r, err);
}

void
lut_progress(struct builder *b, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!b->src->progress)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	b->src->progress(b->src->progress_arg, msg);
}

/* Read one source, record it in the header. */
static int
read_source(struct builder *b, int i, struct ft_err *err)
{
	struct lut_source *s = &b->src->src[i];
	struct lut_src_rec *r = &b->hdr.src[i];
	const char *base = strrchr(s->path, '/');
	struct stat st;
	int rc;

	lut_progress(b, "reading %s", s->path);
	if (stat(s->path, &st))
		return ft_err_set(err, FT_ENOENT, "cannot read %s: %s",
		    s->path, strerror(errno));
	b->cur = s->kind;
	rc = lut_read_source(s, builder_row, b, err);
	if (rc)
		return rc;
	r->kind = s->kind;
	r->date_s = s->date_s ? s->date_s : (int64_t)st.st_mtime;
	r->rows = s->rows;
	r->bytes = (uint64_t)st.st_size;
	if (strtab_add(&b->str, base ? base + 1 : s->path, &r->file, err) ||
	    strtab_add(&b->str, s->package ? s->package : "", &r->package,
	    err) || strtab_add(&b->str, s->version ? s->version : "",
	    &r->version, err))
		return -FT_ENOMEM;
	return 0;
}

/* Credits by package, then the licence; stored for `lut info`. */
static int
add_attribution(struct builder *b, struct ft_err *err)
{
	static const struct { const char *pkg, *text; } credits[] = {
		{ "@ip-location-db/asn", "IP to ASN: RouteViews (routeviews.org) "
		  "and DB-IP (db-ip.com), with NRO (nro.net) data; CC BY 4.0\n" },
		{ "@ip-location-db/dbip-country", "IP to country: DB-IP "
		  "(db-ip.com); CC BY 4.0\n" },
		{ "@ip-location-db/asn-country", "IP to country: NRO (nro.net) "
		  "and RouteViews (routeviews.org) via ip-location-db; CC BY 4.0\n" },
		{ "wireshark", "MAC vendors: Wireshark's manuf file, from the "
		  "IEEE registries\n" },
		{ "ieee-data", "MAC vendors: IEEE Registration Authority "
		  "(standards-oui.ieee.org)\n" },
	};
	char text[1024];
	size_t len = 0, i;
	int j;

	text[0] = '\0';
	for (i = 0; i < sizeof(credits) / sizeof(credits[0]); i++) {
		for (j = 0; j < b->src->n; j++) {
			const char *p = b->src->src[j].package;

			if (p && !strcmp(p, credits[i].pkg)) {
				len += (size_t)snprintf(text + len,
				    sizeof(text) - len, "%s", credits[i].text);
				break;
			}
		}
	}
	snprintf(text + len, sizeof(text) - len, "CC BY 4.0: "
	    "https://creativecommons.org/licenses/by/4.0/");
	return strtab_add(&b->str, text, &b->hdr.attribution, err);
}

static void
builder_fini(struct builder *b)
{
	int k, i;

	free(b->str.buf);
	free(b->str.slot);
	lut_vec_free(&b->asrecs);
	lut_vec_free(&b->vendrecs);
	free(b->asmap.key);
	free(b->asmap.val);
	free(b->vendmap.key);
	free(b->vendmap.val);
	for (k = 0; k < LUT_N_KINDS; k++) {
		lut_vec_free(&b->tab[k].ranges);
		lut_vec_free(&b->tab[k].l1);
		lut_vec_free(&b->tab[k].l2);
		for (i = 0; i < 6; i++)
			free(b->tab[k].out[i]);
	}
}

static int
builder_init(struct builder *b, struct lut_sources *src, struct ft_err *err)
{
	static const int width[LUT_N_KINDS] = { 32, 128, 32, 128, 48 };
	struct lut_asrec a0 = { 0, 0 };
	struct lut_vendrec v0 = { 0, 0 };
	int k;

	memset(b, 0, sizeof(*b));
	b->src = src;
	b->asrecs.size = sizeof(struct lut_asrec);
	b->vendrecs.size = sizeof(struct lut_vendrec);
	for (k = 0; k < LUT_N_KINDS; k++) {
		b->tab[k].ranges.size = sizeof(struct brange);
		b->tab[k].l1.size = sizeof(struct bent1);
		b->tab[k].l2.size = sizeof(struct bent2);
		b->tab[k].width = width[k];
		b->tab[k].key_bytes = width[k] == 32 ? 2 : 4;
	}
	b->str.cap = 65536;
	b->str.buf = malloc(b->str.cap);
	if (!b->str.buf)
		return ft_err_set(err, FT_ENOMEM, "out of memory");
	b->str.buf[0] = '\0';	/* offset 0 is "" */
	b->str.len = 1;
	if (lut_vec_push(&b->asrecs, &a0, err) || lut_vec_push(&b->vendrecs, &v0, err))
		return -FT_ENOMEM;
	return 0;
}

/* Every table needs a source, at most LUT_MAX_SOURCES of them. */
static int
check_sources(const struct lut_sources *src, struct ft_err *err)
{
	bool have[LUT_N_KINDS] = { false };
	int i, k;

	if (src->n < 0 || src->n > LUT_MAX_SOURCES)
		return ft_err_set(err, FT_EINVAL, "%d sources, at most %d",
		    src->n, LUT_MAX_SOURCES);
	for (i = 0; i < src->n; i++) {
		if ((unsigned)src->src[i].kind >= LUT_N_KINDS)
			return ft_err_set(err, FT_EINVAL, "bad source kind");
		have[src->src[i].kind] = true;
	}
	for (k = 0; k < LUT_N_KINDS; k++)
		if (!have[k])
			return ft_err_set(err, FT_ENOENT, "no source for %s",
			    lut_kind_name((enum lut_kind)k));
	return 0;
}

int
lut_build(struct lut_sources *src, const char *out_path, struct ft_err *err)
{
	struct builder *b;
	int rc, i, k;

	rc = check_sources(src, err);
	if (rc)
		return rc;
	b = malloc(sizeof(*b));
	if (!b)
		return ft_err_set(err, FT_ENOMEM, "out of memory");
	rc = builder_init(b, src, err);
	for (i = 0; i < src->n && !rc; i++)
		rc = read_source(b, i, err);
	b->hdr.n_sources = (uint32_t)src->n;
	if (!rc)
		rc = add_attribution(b, err);
	for (k = 0; k < LUT_N_KINDS && !rc; k++) {
		b->tab[k].n_values = k == LUT_CC4 || k == LUT_CC6 ?
		    b->n_cc + 1 : (uint32_t)(k == LUT_VENDOR ? b->vendrecs.n :
		    b->asrecs.n);
		lut_progress(b, "compiling %s", lut_kind_name((enum lut_kind)k));
		rc = lut_compile_tab(&b->tab[k], err);
		if (!rc)
			rc = lut_materialize(&b->tab[k], &b->hdr.tab[k], err);
	}
	if (!rc)
		rc = lut_write(b, out_path, err);
	builder_fini(b);
	free(b);
	return rc;
}
