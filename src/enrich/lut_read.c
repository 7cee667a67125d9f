/* lut_read.c: the compiled lookup file: map, validate, look up, reload */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lut_int.h"

#define LUT_K 0x9e3779b97f4a7c15u

uint64_t
lut_checksum(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t w;

	for (; n >= 8; n -= 8, b += 8) {
		memcpy(&w, b, 8);
		h = (h ^ w) * LUT_K;
		h ^= h >> 32;
	}
	if (n) {
		w = 0;
		memcpy(&w, b, n);
		h = (h ^ w) * LUT_K;
		h ^= h >> 32;
	}
	return h;
}

uint64_t
lut_checksum_end(uint64_t h, uint64_t total)
{
	h = (h ^ total) * LUT_K;
	return h ^ (h >> 29);
}

const char *
lut_kind_name(enum lut_kind kind)
{
	static const char *const names[LUT_N_KINDS] = {
		"IP to ASN (IPv4)", "IP to ASN (IPv6)", "IP to country (IPv4)",
		"IP to country (IPv6)", "MAC to vendor",
	};

	return (unsigned)kind < LUT_N_KINDS ? names[kind] : "?";
}

/* Sum the file by read(), not through the mapping, so RSS stays small. */
static int
verify_checksum(int fd, const struct lut_hdr *h, const char *path,
    struct ft_err *err)
{
	size_t cap = 1 << 18, want, pos = 0;
	uint64_t sum = 0;
	uint8_t *buf = malloc(cap);
	ssize_t got;

	if (!buf)
		return ft_err_set(err, FT_ENOMEM, "out of memory");
	while (pos < h->file_size) {
		want = h->file_size - pos < cap ? h->file_size - pos : cap;
		got = pread(fd, buf, want, (off_t)pos);
		if (got < 0 && errno == EINTR)
			continue;
		if (got != (ssize_t)want) {
			free(buf);
			return ft_err_set(err, FT_EIO, "cannot read %s: %s",
			    path, got < 0 ? strerror(errno) : "short read");
		}
		if (pos == 0)
			memset(buf + offsetof(struct lut_hdr, checksum), 0, 8);
		sum = lut_checksum(sum, buf, want);
		pos += want;
	}
	free(buf);
	if (lut_checksum_end(sum, h->file_size) != h->checksum)
		return ft_err_set(err, FT_EPARSE,
		    "%s: checksum mismatch, the file is damaged: run `flowtrail lut update`",
		    path);
	return 0;
}

static int
check_header(const struct lut_hdr *h, size_t size, const char *path,
    struct ft_err *err)
{
	if (memcmp(h->magic, LUT_MAGIC, 8))
		return ft_err_set(err, FT_EPARSE,
		    "%s: not a flowtrail lookup file", path);
	if (h->byte_order != LUT_BYTE_ORDER)
		return ft_err_set(err, FT_EPARSE,
		    "%s: built on a machine of the other byte order: run "
		    "`flowtrail lut update` here",
		    path);
	if (h->version != LUT_FORMAT_VERSION)
		return ft_err_set(err, FT_EPARSE,
		    "%s: format version %u, this flowtrail reads %u: run `flowtrail lut update`",
		    path, h->version, LUT_FORMAT_VERSION);
	if (h->hdr_size != sizeof(*h))
		return ft_err_set(err, FT_EPARSE,
		    "%s: header of %u bytes, expected %zu: written by another "
		    "build of flowtrail? run `flowtrail lut update`",
		    path, h->hdr_size, sizeof(*h));
	if (h->file_size != size)
		return ft_err_set(err, FT_EPARSE,
		    "%s: truncated or damaged: %zu bytes, the header says %llu",
		    path, size, (unsigned long long)h->file_size);
	if (h->n_sources > LUT_MAX_SOURCES)
		return ft_err_set(err, FT_EPARSE, "%s: damaged header", path);
	return 0;
}

/* A span inside the file, 8-aligned, of exactly len bytes if len != ~0. */
static const void *
span_at(const struct lut *l, const struct lut_span *s, uint64_t len)
{
	if (s->off % 8 || s->off > l->size || s->len > l->size - s->off ||
	    (len != UINT64_MAX && s->len != len))
		return NULL;
	return l->base + s->off;
}

static int
bind_tab(struct lut *l, int k, uint32_t n_values)
{
	static const uint8_t width[LUT_N_KINDS] = { 32, 128, 32, 128, 48 };
	const struct lut_tab_hdr *h = &l->hdr->tab[k];
	struct lut_tab *t = &l->tab[k];

	uint32_t split = h->val_bytes == 4 ? LUT_SPLIT32 :
	    (UINT32_C(1) << (8 * (h->val_bytes & 3))) - 1;

	if (h->width != width[k] || h->key_bytes != (h->width == 32 ? 2 : 4) ||
	    h->val_bytes < 1 || h->val_bytes > 4 || h->n_values > split ||
	    h->n_values > n_values || (h->width != 128 && h->n2) ||
	    h->bucket_lo > LUT_N_BUCKETS || h->n_buckets > LUT_N_BUCKETS)
		return -FT_EPARSE;
	t->idx = span_at(l, &h->idx, ((uint64_t)h->n_buckets + 1) * 4);
	t->keys = span_at(l, &h->keys, (uint64_t)h->n * h->key_bytes);
	t->vals = span_at(l, &h->vals, (uint64_t)h->n * h->val_bytes);
	t->keys2 = span_at(l, &h->keys2,
	    (uint64_t)h->n2 * sizeof(struct lut_key));
	t->vals2 = span_at(l, &h->vals2, (uint64_t)h->n2 * 4);
	t->samples = span_at(l, &h->samples, (uint64_t)h->n_samples *
	    h->key_bytes);
	if (!t->idx || !t->keys || !t->vals || !t->keys2 || !t->vals2 ||
	    !t->samples || (h->n_samples && h->n_samples !=
	    (h->n + LUT_SAMPLE_STRIDE - 1) / LUT_SAMPLE_STRIDE))
		return -FT_EPARSE;
	if (!h->n_samples)
		t->samples = NULL;
	t->bucket_lo = h->bucket_lo;
	t->n_buckets = h->n_buckets;
	t->n = h->n;
	t->n2 = h->n2;
	t->n_values = h->n_values;
	t->key_bytes = h->key_bytes;
	t->val_bytes = h->val_bytes;
	t->width = h->width;
	t->split = h->n2 ? split : LUT_NONE;
	return 0;
}

/* Pointers to every section; bounds that lookups rely on. */
static int
bind_sections(struct lut *l, const char *path, struct ft_err *err)
{
	const struct lut_hdr *h = l->hdr;
	int k;

	l->strings = span_at(l, &h->strings, UINT64_MAX);
	l->strings_len = h->strings.len;
	l->countries = span_at(l, &h->countries, UINT64_MAX);
	l->asrecs = span_at(l, &h->asrecs, UINT64_MAX);
	l->vendrecs = span_at(l, &h->vendrecs, UINT64_MAX);
	if (!l->strings || !l->countries || !l->asrecs || !l->vendrecs ||
	    !l->strings_len || l->strings[0] ||
	    l->strings[l->strings_len - 1] || h->countries.len % 2 ||
	    h->asrecs.len % sizeof(struct lut_asrec) ||
	    h->vendrecs.len % sizeof(struct lut_vendrec))
		return ft_err_set(err, FT_EPARSE, "%s: damaged sections", path);
	l->n_countries = (uint32_t)(h->countries.len / 2);
	l->n_asrecs = (uint32_t)(h->asrecs.len / sizeof(struct lut_asrec));
	l->n_vendrecs = (uint32_t)(h->vendrecs.len /
	    sizeof(struct lut_vendrec));
	for (k = 0; k < LUT_N_KINDS; k++)
		if (bind_tab(l, k, k == LUT_CC4 || k == LUT_CC6 ?
		    l->n_countries : k == LUT_VENDOR ? l->n_vendrecs :
		    l->n_asrecs))
			return ft_err_set(err, FT_EPARSE,
			    "%s: damaged table %s", path,
			    lut_kind_name((enum lut_kind)k));
	return 0;
}

static void
set_identity(struct lut *l, const struct stat *st)
{
	l->dev = st->st_dev;
	l->ino = st->st_ino;
	l->st_size = st->st_size;
	l->mtime = st->st_mtim;
}

int
lut_open(const char *path, struct lut **out, struct ft_err *err)
{
	struct stat st;
	struct lut *l;
	void *map;
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ft_err_set(err, errno == ENOENT ? FT_ENOENT : FT_EIO,
		    "cannot open %s: %s", path, strerror(errno));
	l = calloc(1, sizeof(*l));
	if (fstat(fd, &st) || !l) {
		rc = ft_err_set(err, l ? FT_EIO : FT_ENOMEM,
		    "cannot open %s: %s", path, strerror(errno));
		goto out_free;
	}
	if ((uint64_t)st.st_size < sizeof(struct lut_hdr)) {
		rc = ft_err_set(err, FT_EPARSE,
		    "%s: not a flowtrail lookup file (too short)", path);
		goto out_free;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		rc = ft_err_set(err, FT_EIO, "cannot map %s: %s", path,
		    strerror(errno));
		goto out_free;
	}
	l->base = map;
	l->size = (size_t)st.st_size;
	l->hdr = map;
	rc = check_header(l->hdr, l->size, path, err);
	if (!rc)
		rc = verify_checksum(fd, l->hdr, path, err);
	if (!rc)
		rc = bind_sections(l, path, err);
	if (rc)
		goto out_unmap;
	set_identity(l, &st);
	close(fd);
	*out = l;
	return 0;
out_unmap:
	munmap(map, l->size);
out_free:
	free(l);
	close(fd);
	return rc;
}

void
lut_close(struct lut *l)
{
	if (!l)
		return;
	munmap((void *)l->base, l->size);
	free(l);
}

static bool
same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

int
lut_reload_if_changed(struct lut **l, const char *path, bool *reloaded,
    struct ft_err *err)
{
	struct lut *nl, *old = *l;
	struct stat st;
	int rc;

	*reloaded = false;
	if (stat(path, &st))
		return old ? 0 : ft_err_set(err, FT_ENOENT,
		    "no lookup tables at %s", path);
	if (old && st.st_dev == old->dev && st.st_ino == old->ino &&
	    st.st_size == old->st_size && same_time(st.st_mtim, old->mtime))
		return 0;
	if (old && st.st_dev == old->bad_dev && st.st_ino == old->bad_ino &&
	    same_time(st.st_mtim, old->bad_mtime))
		return 0;
	rc = lut_open(path, &nl, err);
	if (rc) {
		if (old) {
			old->bad_dev = st.st_dev;
			old->bad_ino = st.st_ino;
			old->bad_mtime = st.st_mtim;
		}
		return rc;
	}
	lut_close(old);
	*l = nl;
	*reloaded = true;
	return 0;
}

static const char *
str_at(const struct lut *l, uint32_t off)
{
	return off < l->strings_len ? l->strings + off : "";
}

static uint32_t
val_at(const struct lut_tab *t, uint32_t j)
{
	const uint8_t *p = t->vals + (size_t)j * t->val_bytes;

	switch (t->val_bytes) {
	case 1:
		return p[0];
	case 2:
		return p[0] | (uint32_t)p[1] << 8;
	case 3:
		return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
	default:
		return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		    (uint32_t)p[3] << 24;
	}
}

static inline uint32_t
key_at(const void *keys, uint8_t key_bytes, uint32_t i)
{
	return key_bytes == 2 ? ((const uint16_t *)keys)[i] :
	    ((const uint32_t *)keys)[i];
}

/* First index in [lo, lo+n) whose key is > x. */
static uint32_t
upper(const void *keys, uint8_t key_bytes, uint32_t lo, uint32_t n,
    uint32_t x)
{
	uint32_t half;

	while (n) {
		half = n / 2;
		if (key_at(keys, key_bytes, lo + half) <= x) {
			lo += half + 1;
			n -= half + 1;
		} else {
			n = half;
		}
	}
	return lo;
}

/* Narrow [*lo, *hi) to one stride by the samples inside it. */
static void
narrow(const struct lut_tab *t, uint32_t *lo, uint32_t *hi, uint32_t mid)
{
	uint32_t s_lo = (*lo + LUT_SAMPLE_STRIDE - 1) / LUT_SAMPLE_STRIDE;
	uint32_t s_hi = (*hi - 1) / LUT_SAMPLE_STRIDE + 1, s;

	s = upper(t->samples, t->key_bytes, s_lo, s_hi - s_lo, mid);
	if (s == s_lo) {
		if (s_lo * LUT_SAMPLE_STRIDE < *hi)
			*hi = s_lo * LUT_SAMPLE_STRIDE;
		return;
	}
	*lo = (s - 1) * LUT_SAMPLE_STRIDE;
	if (s * LUT_SAMPLE_STRIDE < *hi)
		*hi = s * LUT_SAMPLE_STRIDE;
}

/* Last level-1 entry <= (bucket, mid): its value, or LUT_NONE. */
static uint32_t
tab_find(const struct lut_tab *t, uint32_t bucket, uint32_t mid)
{
	uint32_t lo, hi;

	if (bucket < t->bucket_lo)
		return LUT_NONE;
	bucket -= t->bucket_lo;
	if (bucket >= t->n_buckets) {
		lo = hi = t->n;
	} else {
		lo = t->idx[bucket];
		hi = t->idx[bucket + 1];
	}
	if (lo > hi || hi > t->n)
		return LUT_NONE;
	if (t->samples && hi - lo > LUT_SAMPLE_MIN)
		narrow(t, &lo, &hi, mid);
	lo = upper(t->keys, t->key_bytes, lo, hi - lo, mid);
	return lo ? val_at(t, lo - 1) : LUT_NONE;
}

/* Last level-2 entry <= the full key. */
static uint32_t
tab_find2(const struct lut_tab *t, uint64_t hi, uint64_t lo)
{
	uint32_t first = 0, n = t->n2, half;
	const struct lut_key *k;

	while (n) {
		half = n / 2;
		k = &t->keys2[first + half];
		if (k->hi < hi || (k->hi == hi && k->lo <= lo)) {
			first += half + 1;
			n -= half + 1;
		} else {
			n = half;
		}
	}
	return first ? t->vals2[first - 1] : LUT_NONE;
}

static uint64_t
be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static bool
is_v4_mapped(const uint8_t *a)
{
	static const uint8_t pre[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
		0xff };

	return !memcmp(a, pre, 12);
}

/* The value for an address in an IPv4 or IPv6 table, LUT_NONE if none. */
static uint32_t
ip_value(const struct lut *l, enum lut_kind k4, const uint8_t *a, int ip_ver)
{
	const struct lut_tab *t;
	uint32_t v;

	if (ip_ver == 6 && is_v4_mapped(a)) {
		a += 12;
		ip_ver = 4;
	}
	if (ip_ver == 4) {
		t = &l->tab[k4];
		v = tab_find(t, (uint32_t)a[0] << 8 | a[1],
		    (uint32_t)a[2] << 8 | a[3]);
	} else {
		t = &l->tab[k4 + 1];
		v = tab_find(t, (uint32_t)a[0] << 8 | a[1],
		    (uint32_t)a[2] << 24 | (uint32_t)a[3] << 16 |
		    (uint32_t)a[4] << 8 | a[5]);
		if (v == t->split && v != LUT_NONE)
			v = tab_find2(t, be64(a), be64(a + 8));
	}
	return v < t->n_values ? v : LUT_NONE;
}

int
lut_asn(const struct lut *l, const uint8_t *addr, int ip_ver,
    struct lut_asn *out)
{
	uint32_t v;

	if (ip_ver != 4 && ip_ver != 6)
		return -FT_EINVAL;
	v = ip_value(l, LUT_ASN4, addr, ip_ver);
	if (v == LUT_NONE)
		return -FT_ENOENT;
	out->asn = l->asrecs[v].asn;
	out->org = str_at(l, l->asrecs[v].org);
	return 0;
}

int
lut_country(const struct lut *l, const uint8_t *addr, int ip_ver, char cc[3])
{
	uint32_t v;

	if (ip_ver != 4 && ip_ver != 6)
		return -FT_EINVAL;
	v = ip_value(l, LUT_CC4, addr, ip_ver);
	if (v == LUT_NONE)
		return -FT_ENOENT;
	cc[0] = l->countries[v][0];
	cc[1] = l->countries[v][1];
	cc[2] = '\0';
	return 0;
}

int
lut_vendor(const struct lut *l, const uint8_t mac[6], struct lut_vendor *out)
{
	const struct lut_tab *t = &l->tab[LUT_VENDOR];
	uint32_t v = tab_find(t, (uint32_t)mac[0] << 8 | mac[1],
	    (uint32_t)mac[2] << 24 | (uint32_t)mac[3] << 16 |
	    (uint32_t)mac[4] << 8 | mac[5]);

	if (v == LUT_NONE || v >= t->n_values)
		return -FT_ENOENT;
	out->short_name = str_at(l, l->vendrecs[v].short_name);
	out->long_name = str_at(l, l->vendrecs[v].long_name);
	if (!*out->long_name)
		out->long_name = out->short_name;
	return 0;
}

void
lut_info(const struct lut *l, struct lut_info *out)
{
	const struct lut_hdr *h = l->hdr;
	uint32_t i;
	int k;

	memset(out, 0, sizeof(*out));
	out->format_version = h->version;
	out->built_s = h->built_s;
	out->file_size = h->file_size;
	out->attribution = str_at(l, h->attribution);
	for (k = 0; k < LUT_N_KINDS; k++)
		out->entries[k] = h->tab[k].n + h->tab[k].n2;
	out->n_asns = l->n_asrecs ? l->n_asrecs - 1 : 0;
	out->n_vendors = l->n_vendrecs ? l->n_vendrecs - 1 : 0;
	out->n_sources = (int)h->n_sources;
	for (i = 0; i < h->n_sources; i++) {
		const struct lut_src_rec *r = &h->src[i];
		struct lut_info_source *s = &out->src[i];

		s->kind = r->kind < LUT_N_KINDS ? (enum lut_kind)r->kind :
		    LUT_N_KINDS;
		s->file = str_at(l, r->file);
		s->package = str_at(l, r->package);
		s->version = str_at(l, r->version);
		s->date_s = r->date_s;
		s->rows = r->rows;
		s->bytes = r->bytes;
	}
}
