/* lut_compile.c: source ranges flattened, encoded and written as one file */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lut_build_int.h"

#define LUT_MAX_DEPTH 64	/* ranges nested at one address */

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
		    seg.val) && lut_vec_push(segs, &seg, err))
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
	return lut_vec_push(&t->l1, &e, err);
}

static int
emit2(struct btab *t, struct lut_key k, uint32_t val, struct ft_err *err)
{
	struct bent2 e = { k, val };

	return lut_vec_push(&t->l2, &e, err);
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
			rc = lut_vec_push(&splits, &u, err);
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
	lut_vec_free(&splits);
	return rc;
}

/* Flatten and encode one table; its ranges are freed. */
int
lut_compile_tab(struct btab *t, struct ft_err *err)
{
	struct vec segs = { .size = sizeof(struct bent2) };
	int rc;

	rc = flatten(t, &segs, err);
	lut_vec_free(&t->ranges);
	if (!rc)
		rc = encode(t, segs.p, segs.n, err);
	lut_vec_free(&segs);
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
int
lut_materialize(struct btab *t, struct lut_tab_hdr *h, struct ft_err *err)
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
int
lut_write(struct builder *b, const char *out, struct ft_err *err)
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
	lut_progress(b, "writing %s (%" PRIu64 " bytes)", out, off);
	return write_file(pc, n, out, err);
}

