/* lut_build.c: the lookup sources compiled into one file */
/*
 * Dedupe, flatten ranges, encode, replace atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lut_int.h"

#define LUT_MAX_DEPTH 64	/* ranges nested at one address */
#define LUT_MAX_STRINGS (1u << 30)	/* bytes of the string section */

/* A growable array with a ceiling of LUT_MAX_ROWS elements. */
struct vec {
	void *p;		/* elements */
	size_t n, cap;		/* used, allocated */
	size_t size;		/* bytes per element */
};

/* Deduplicated texts; offset 0 is "". */
struct strtab {
	char *buf;		/* texts, NUL-ended */
	size_t len, cap;	/* bytes used, allocated */
	uint32_t *slot;		/* open addressing: offsets, 0 = empty */
	size_t n_slot, used;	/* slots, filled */
};

/* uint64 key -> record index (1-based), open addressing. */
struct idmap {
	uint64_t *key;		/* keys */
	uint32_t *val;		/* 0 = empty */
	size_t cap, used;	/* slots, filled */
};

struct brange {			/* one source range */
	struct lut_key start, end;	/* inclusive */
	uint32_t val;		/* value */
	uint32_t seq;		/* input order, later wins ties */
};

struct bent1 {			/* level-1 entry */
	uint64_t unit;		/* bucket and stored key bits */
	uint32_t val;		/* value or SPLIT */
};

struct bent2 {			/* level-2 entry, or a flattened segment */
	struct lut_key key;	/* first key */
	uint32_t val;		/* value */
};

struct btab {			/* one table being built */
	struct vec ranges;	/* struct brange, from the sources */
	struct vec l1, l2;	/* struct bent1, struct bent2 */
	int width, key_bytes;	/* key bits, stored bytes per level-1 key */
	uint32_t n_values;	/* bound of values */
	uint32_t split;		/* SPLIT marker of the chosen value width */
	int val_bytes;		/* 1 to 4 */
	void *out[6];		/* idx, keys, vals, keys2, vals2, samples */
};

struct builder {
	struct strtab str;	/* all texts */
	struct vec asrecs;	/* struct lut_asrec */
	struct vec vendrecs;	/* struct lut_vendrec */
	struct idmap asmap;	/* (asn, org) -> asrec */
	struct idmap vendmap;	/* (short, long) -> vendrec */
	uint8_t cc_map[26 * 26];	/* country code -> value */
	char cc[256][2];	/* value -> country code */
	uint32_t n_cc;		/* values used, 0 unused */
	struct btab tab[LUT_N_KINDS];	/* by kind */
	enum lut_kind cur;	/* kind of the source being read */
	uint32_t seq;		/* rows so far */
	struct lut_hdr hdr;	/* what goes first */
	struct lut_sources *src;	/* caller's, for progress */
};

static int
vec_push(struct vec *v, const void *e, struct ft_err *err)
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

static void
vec_free(struct vec *v)
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
	if (vec_push(recs, rec, err))
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
	return vec_push(&b->tab[b->cur].ranges, &r, err);
}

static void
progress(struct builder *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
progress(struct builder *b, const char *fmt, ...)
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

	progress(b, "reading %s", s->path);
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

static bool
key_less(struct lut_key a, struct lut_key b)
{
	return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo);
}

static int
brange_cmp(const void *pa, const void *pb)
{
	const struct brange *a = pa, *b = pb;

	if (key_less(a->start, b->start))
		return -1;
	if (key_less(b->start, a->start))
		return 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The range that decides: the smallest one; among equal ones the latest. */
static uint32_t
winner(const struct brange *const *act, size_t na)
{
	const struct brange *w = NULL;
	struct lut_key ws = { 0, 0 }, s;
	size_t i;

	for (i = 0; i < na; i++) {
		const struct brange *r = act[i];

		s.lo = r->end.lo - r->start.lo;
		s.hi = r->end.hi - r->start.hi - (r->end.lo < r->start.lo);
		if (!w || key_less(s, ws) || (!key_less(ws, s) &&
		    r->seq > w->seq)) {
			w = r;
			ws = s;
		}
	}
	return w ? w->val : LUT_NONE;
}

static bool
key_is_max(struct lut_key k, int width)
{
	if (width == 128)
		return k.hi == UINT64_MAX && k.lo == UINT64_MAX;
	return k.lo == (UINT64_C(1) << width) - 1;
}

/* Nested ranges into segments: (start, value) up to the next start. */
static int
flatten(struct btab *t, struct vec *segs, struct ft_err *err)
{
	struct brange *r = t->ranges.p;
	const struct brange *act[LUT_MAX_DEPTH];
	struct bent2 seg = { { 0, 0 }, 0 };
	size_t n = t->ranges.n, i = 0, na = 0, k, w;
	struct lut_key e1;
	bool more;

	if (n)
		qsort(r, n, sizeof(*r), brange_cmp);
	for (;;) {
		while (i < n && r[i].start.hi == seg.key.hi &&
		    r[i].start.lo == seg.key.lo) {
			if (na == LUT_MAX_DEPTH)
				return ft_err_set(err, FT_EPARSE,
				    "more than %d ranges overlap",
				    LUT_MAX_DEPTH);
			act[na++] = &r[i++];
		}
		for (k = w = 0; k < na; k++)
			if (!key_less(act[k]->end, seg.key))
				act[w++] = act[k];
		na = w;
		seg.val = winner(act, na);
		if ((!segs->n || ((struct bent2 *)segs->p)[segs->n - 1].val !=
		    seg.val) && vec_push(segs, &seg, err))
			return -FT_EFULL;
		more = i < n;
		if (more)
			seg.key = r[i].start;
		for (k = 0; k < na; k++) {
			if (key_is_max(act[k]->end, t->width))
				continue;
			e1.lo = act[k]->end.lo + 1;
			e1.hi = act[k]->end.hi + (e1.lo == 0);
			if (!more || key_less(e1, seg.key))
				seg.key = e1;
			more = true;
		}
		if (!more)
			return 0;
	}
}

/* Key >> shift, the level-1 unit of a key. */
static uint64_t
key_unit(struct lut_key k, int shift)
{
	if (shift == 0)
		return k.lo;
	if (shift >= 64)
		return k.hi >> (shift - 64);
	return k.hi << (64 - shift) | k.lo >> shift;
}

static bool
key_aligned(struct lut_key k, int shift)
{
	if (shift == 0)
		return true;
	if (shift >= 64)
		return k.lo == 0 && (shift == 64 ||
		    (k.hi & ((UINT64_C(1) << (shift - 64)) - 1)) == 0);
	return (k.lo & ((UINT64_C(1) << shift) - 1)) == 0;
}

static struct lut_key
unit_key(uint64_t u, int shift)
{
	if (shift == 0)
		return (struct lut_key){ 0, u };
	if (shift >= 64)
		return (struct lut_key){ shift == 64 ? u : u << (shift - 64),
		    0 };
	return (struct lut_key){ u >> (64 - shift), u << shift };
}

static int
emit1(struct btab *t, uint64_t unit, uint32_t val, struct ft_err *err)
{
	struct bent1 e = { unit, val };
	const struct bent1 *last = t->l1.n ?
	    &((struct bent1 *)t->l1.p)[t->l1.n - 1] : NULL;

	if ((last && last->val == val && val != LUT_SPLIT32) ||
	    (!last && val == LUT_NONE))
		return 0;
	return vec_push(&t->l1, &e, err);
}

static int
emit2(struct btab *t, struct lut_key k, uint32_t val, struct ft_err *err)
{
	struct bent2 e = { k, val };

	return vec_push(&t->l2, &e, err);
}

/* Segments into level 1, and level 2 for units with finer boundaries. */
static int
encode(struct btab *t, const struct bent2 *seg, size_t n, struct ft_err *err)
{
	int shift = t->width - LUT_BUCKET_BITS - t->key_bytes * 8;
	uint64_t max_unit = (UINT64_C(1) << (LUT_BUCKET_BITS +
	    t->key_bytes * 8)) - 1, *split, u;
	struct vec splits = { .size = sizeof(uint64_t) };
	uint32_t prev = LUT_NONE;
	size_t i, sp = 0;
	int rc = 0;

	for (i = 0; i < n && !rc; i++) {
		u = key_unit(seg[i].key, shift);
		if (!key_aligned(seg[i].key, shift) && (!splits.n ||
		    ((uint64_t *)splits.p)[splits.n - 1] != u))
			rc = vec_push(&splits, &u, err);
	}
	split = splits.p;
	for (i = 0; i <= n && !rc; i++) {
		u = i < n ? key_unit(seg[i].key, shift) : UINT64_MAX;
		for (; sp < splits.n && split[sp] < u; sp++)
			if (!rc && split[sp] < max_unit && split[sp] + 1 < u)
				rc = emit1(t, split[sp] + 1, prev, err);
		if (i == n || rc)
			break;
		if (sp < splits.n && split[sp] == u) {
			const struct bent1 *last = t->l1.n ?
			    &((struct bent1 *)t->l1.p)[t->l1.n - 1] : NULL;

			if (!last || last->unit != u ||
			    last->val != LUT_SPLIT32) {
				rc = emit1(t, u, LUT_SPLIT32, err);
				if (!rc && !key_aligned(seg[i].key, shift))
					rc = emit2(t, unit_key(u, shift), prev,
					    err);
			}
			rc = rc ? rc : emit2(t, seg[i].key, seg[i].val, err);
		} else {
			rc = emit1(t, u, seg[i].val, err);
		}
		prev = seg[i].val;
	}
	vec_free(&splits);
	return rc;
}

/* Flatten and encode one table; its ranges are freed. */
static int
compile_tab(struct btab *t, struct ft_err *err)
{
	struct vec segs = { .size = sizeof(struct bent2) };
	int rc;

	rc = flatten(t, &segs, err);
	vec_free(&t->ranges);
	if (!rc)
		rc = encode(t, segs.p, segs.n, err);
	vec_free(&segs);
	for (t->val_bytes = 1; t->val_bytes < 4 &&
	    t->n_values > (UINT32_C(1) << (8 * t->val_bytes)) - 1;
	    t->val_bytes++)
		;
	t->split = t->val_bytes == 4 ? LUT_SPLIT32 :
	    (UINT32_C(1) << (8 * t->val_bytes)) - 1;
	return rc;
}

/* Samples of the keys when some bucket is big enough to need them. */
static int
add_samples(struct btab *t, struct lut_tab_hdr *h, const uint32_t *idx,
    struct ft_err *err)
{
	uint32_t b, big = 0, i, n = (h->n + LUT_SAMPLE_STRIDE - 1) /
	    LUT_SAMPLE_STRIDE;

	for (b = 0; b < h->n_buckets; b++)
		if (idx[b + 1] - idx[b] > big)
			big = idx[b + 1] - idx[b];
	h->n_samples = big > LUT_SAMPLE_BIG ? n : 0;
	t->out[5] = malloc((size_t)h->n_samples * h->key_bytes + 1);
	if (!t->out[5])
		return ft_err_set(err, FT_ENOMEM, "out of memory");
	for (i = 0; i < h->n_samples; i++)
		memcpy((char *)t->out[5] + (size_t)i * h->key_bytes,
		    (char *)t->out[1] + (size_t)i * LUT_SAMPLE_STRIDE *
		    h->key_bytes, h->key_bytes);
	return 0;
}

/* The arrays as stored: bucket index, narrowed keys and values, level 2. */
static int
materialize(struct btab *t, struct lut_tab_hdr *h, struct ft_err *err)
{
	const struct bent1 *e = t->l1.p;
	const struct bent2 *e2 = t->l2.p;
	int kbits = t->key_bytes * 8;
	uint32_t *idx, *vals2, b, v;
	uint8_t *vals;
	struct lut_key *keys2;
	size_t i;
	int k;

	h->n = (uint32_t)t->l1.n;
	h->n2 = (uint32_t)t->l2.n;
	h->n_values = t->n_values;
	h->key_bytes = (uint8_t)t->key_bytes;
	h->val_bytes = (uint8_t)t->val_bytes;
	h->width = (uint8_t)t->width;
	h->bucket_lo = h->n ? (uint32_t)(e[0].unit >> kbits) : 0;
	h->n_buckets = h->n ? (uint32_t)(e[h->n - 1].unit >> kbits) -
	    h->bucket_lo + 1 : 0;
	t->out[0] = idx = malloc((h->n_buckets + 1) * sizeof(*idx));
	t->out[1] = malloc((size_t)h->n * h->key_bytes + 1);
	t->out[2] = vals = malloc((size_t)h->n * h->val_bytes + 1);
	t->out[3] = keys2 = malloc((size_t)h->n2 * sizeof(*keys2) + 1);
	t->out[4] = vals2 = malloc((size_t)h->n2 * sizeof(*vals2) + 1);
	if (!idx || !t->out[1] || !t->out[2] || !keys2 || !vals2)
		return ft_err_set(err, FT_ENOMEM, "out of memory");
	for (i = 0, b = 0; i < h->n; i++) {
		for (; b + h->bucket_lo <= e[i].unit >> kbits; b++)
			idx[b] = (uint32_t)i;
		v = e[i].val == LUT_SPLIT32 ? t->split : e[i].val;
		if (h->key_bytes == 2)
			((uint16_t *)t->out[1])[i] = (uint16_t)e[i].unit;
		else
			((uint32_t *)t->out[1])[i] = (uint32_t)e[i].unit;
		for (k = 0; k < h->val_bytes; k++)
			vals[i * h->val_bytes + k] = (uint8_t)(v >> 8 * k);
	}
	for (; b <= h->n_buckets; b++)
		idx[b] = h->n;
	for (i = 0; i < h->n2; i++) {
		keys2[i] = e2[i].key;
		vals2[i] = e2[i].val;
	}
	return add_samples(t, h, idx, err);
}

static uint64_t
align8(uint64_t n)
{
	return (n + 7) & ~UINT64_C(7);
}

/* One piece of the file: where it goes and what it holds. */
struct piece {
	struct lut_span *span;	/* header field to fill, or NULL */
	const void *p;		/* bytes */
	uint64_t len;		/* their length */
};

static int
write_all(int fd, const void *p, uint64_t len)
{
	const char *c = p;
	ssize_t w;

	while (len) {
		w = write(fd, c, len > (1u << 30) ? (1u << 30) : (size_t)len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -FT_EIO;
		c += w;
		len -= (uint64_t)w;
	}
	return 0;
}

/* OUT.tmp, locked so two updates stay apart, checked against a rename. */
static int
open_tmp(const char *tmp, struct ft_err *err)
{
	struct stat a, b;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return ft_err_set(err, errno == EACCES ? FT_EPERM : FT_EIO,
		    "cannot create %s: %s", tmp, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) || fstat(fd, &a) || stat(tmp, &b) ||
	    a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
		close(fd);
		return ft_err_set(err, FT_EAGAIN,
		    "another `lut update` is writing %s", tmp);
	}
	if (ftruncate(fd, 0)) {
		close(fd);
		return ft_err_set(err, FT_EIO, "cannot truncate %s: %s", tmp,
		    strerror(errno));
	}
	return fd;
}

static int
fsync_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd, rc;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path + 1),
		    path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -FT_EIO;
	rc = fsync(fd) ? -FT_EIO : 0;
	close(fd);
	return rc;
}

/* Pieces to OUT.tmp, then the atomic rename. */
static int
write_file(struct piece *pc, int n, const char *out, struct ft_err *err)
{
	static const char zero[8];
	char tmp[4096];
	int fd, i, rc = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", out) >= sizeof(tmp))
		return ft_err_set(err, FT_EINVAL, "path too long: %s", out);
	fd = open_tmp(tmp, err);
	if (fd < 0)
		return fd;
	for (i = 0; i < n && !rc; i++)
		rc = write_all(fd, pc[i].p, pc[i].len) ||
		    write_all(fd, zero, align8(pc[i].len) - pc[i].len);
	if (rc || fsync(fd)) {
		rc = ft_err_set(err, FT_EIO, "cannot write %s: %s", tmp,
		    strerror(errno));
		goto out_unlink;
	}
	if (rename(tmp, out)) {
		rc = ft_err_set(err, FT_EIO, "cannot rename %s to %s: %s", tmp,
		    out, strerror(errno));
		goto out_unlink;
	}
	close(fd);
	fsync_dir(out);
	return 0;
out_unlink:
	unlink(tmp);
	close(fd);
	return rc;
}

/* Lay the sections out after the header, checksum, write. */
static int
write_lut(struct builder *b, const char *out, struct ft_err *err)
{
	struct piece pc[5 + 6 * LUT_N_KINDS];
	struct lut_hdr *h = &b->hdr;
	uint64_t off = sizeof(*h), sum = 0;
	int n = 0, i, k;

	pc[n++] = (struct piece){ NULL, h, sizeof(*h) };
	pc[n++] = (struct piece){ &h->strings, b->str.buf, b->str.len };
	pc[n++] = (struct piece){ &h->countries, b->cc, (b->n_cc + 1) * 2 };
	pc[n++] = (struct piece){ &h->asrecs, b->asrecs.p,
	    b->asrecs.n * sizeof(struct lut_asrec) };
	pc[n++] = (struct piece){ &h->vendrecs, b->vendrecs.p,
	    b->vendrecs.n * sizeof(struct lut_vendrec) };
	for (k = 0; k < LUT_N_KINDS; k++) {
		struct lut_tab_hdr *th = &h->tab[k];
		struct lut_span *sp[6] = { &th->idx, &th->keys, &th->vals,
			&th->keys2, &th->vals2, &th->samples };
		uint64_t len[6] = { ((uint64_t)th->n_buckets + 1) * 4,
			(uint64_t)th->n * th->key_bytes,
			(uint64_t)th->n * th->val_bytes,
			(uint64_t)th->n2 * sizeof(struct lut_key),
			(uint64_t)th->n2 * 4,
			(uint64_t)th->n_samples * th->key_bytes };

		for (i = 0; i < 6; i++)
			pc[n++] = (struct piece){ sp[i], b->tab[k].out[i],
			    len[i] };
	}
	for (i = 1; i < n; i++) {
		pc[i].span->off = off;
		pc[i].span->len = pc[i].len;
		off += align8(pc[i].len);
	}
	memcpy(h->magic, LUT_MAGIC, 8);
	h->version = LUT_FORMAT_VERSION;
	h->byte_order = LUT_BYTE_ORDER;
	h->file_size = off;
	h->hdr_size = sizeof(*h);
	h->built_s = (int64_t)time(NULL);
	h->checksum = 0;
	for (i = 0; i < n; i++)
		sum = lut_checksum(sum, pc[i].p, pc[i].len);
	h->checksum = lut_checksum_end(sum, off);
	progress(b, "writing %s (%" PRIu64 " bytes)", out, off);
	return write_file(pc, n, out, err);
}

static void
builder_fini(struct builder *b)
{
	int k, i;

	free(b->str.buf);
	free(b->str.slot);
	vec_free(&b->asrecs);
	vec_free(&b->vendrecs);
	free(b->asmap.key);
	free(b->asmap.val);
	free(b->vendmap.key);
	free(b->vendmap.val);
	for (k = 0; k < LUT_N_KINDS; k++) {
		vec_free(&b->tab[k].ranges);
		vec_free(&b->tab[k].l1);
		vec_free(&b->tab[k].l2);
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
	if (vec_push(&b->asrecs, &a0, err) || vec_push(&b->vendrecs, &v0, err))
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
		progress(b, "compiling %s", lut_kind_name((enum lut_kind)k));
		rc = compile_tab(&b->tab[k], err);
		if (!rc)
			rc = materialize(&b->tab[k], &b->hdr.tab[k], err);
	}
	if (!rc)
		rc = write_lut(b, out_path, err);
	builder_fini(b);
	free(b);
	return rc;
}
