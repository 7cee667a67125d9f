/* lut_int.h: the compiled lookup file's layout, private to src/enrich */
#ifndef LUT_INT_H
#define LUT_INT_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "lut.h"

/*
 * The file is one header and 8-aligned sections, all in the byte order of
 * the machine that built it (byte_order tells; the other order is refused).
 * Every range table maps a key (IPv4 32 bits, MAC 48, IPv6 128) to a value
 * by "the last stored start <= key": ranges are flattened at build time so
 * that stored starts never overlap (the smallest containing range wins),
 * gaps are starts whose value is LUT_NONE, and equal neighbours are merged.
 *
 * Level 1: the key's top LUT_BUCKET_BITS pick a bucket b; entries
 * idx[b - bucket_lo] .. idx[b - bucket_lo + 1] are that bucket's, and
 * keys[] holds their next key_bytes*8 bits. The last entry <= key may be
 * in an earlier bucket (the range goes on); below bucket_lo there is none,
 * above the last bucket the last entry holds.
 * IPv6 keeps 16+32 = 48 bits in level 1; a /48 with finer boundaries has
 * the value LUT_SPLIT there and its boundaries as full 128-bit keys in
 * level 2 (keys2/vals2, sorted; each split /48 starts with an entry at its
 * first address). SPLIT is the largest value val_bytes can hold, so
 * n_values <= SPLIT. Where a bucket holds many entries (IPv6: 2a00::/16
 * has thousands), samples[] = every LUT_SAMPLE_STRIDE-th key narrows the
 * search to one stride before the keys themselves are read.
 */

#define LUT_MAGIC "FTLUT\0\r\n"		/* 8 bytes; \r\n: text-mode copies */
#define LUT_FORMAT_VERSION 1
#define LUT_BYTE_ORDER 0x01020304u	/* as written by the builder */
#define LUT_BUCKET_BITS 16
#define LUT_N_BUCKETS (1u << LUT_BUCKET_BITS)
#define LUT_NONE 0u			/* value: no data for this range */
#define LUT_SPLIT32 0xffffffffu		/* value: see level 2 (4-byte values) */
#define LUT_MAX_ROWS (64u << 20)	/* ceiling of rows per table */
#define LUT_SAMPLE_STRIDE 16		/* keys per sample */
#define LUT_SAMPLE_MIN 64		/* bigger buckets: samples first */
#define LUT_SAMPLE_BIG 1024		/* a bucket this big: samples kept */

/* Bytes [off, off+len) of the file. */
struct lut_span {
	uint64_t off;		/* from the start of the file, 8-aligned */
	uint64_t len;		/* bytes */
};

/* A key of up to 128 bits as two halves; IPv4 and MAC keys use lo only. */
struct lut_key {
	uint64_t hi;		/* bits 127..64 */
	uint64_t lo;		/* bits 63..0 */
};

/* One range table as stored. */
struct lut_tab_hdr {
	uint32_t n;		/* level-1 entries */
	uint32_t n2;		/* level-2 entries */
	uint32_t n_values;	/* values are < n_values (or SPLIT) */
	uint8_t key_bytes;	/* 2 or 4: key bits stored below the bucket */
	uint8_t val_bytes;	/* 1 to 4, the fewest that hold n_values */
	uint8_t width;		/* key width in bits: 32, 48 or 128 */
	uint8_t pad;		/* zero */
	uint32_t bucket_lo;	/* first bucket with entries */
	uint32_t n_buckets;	/* from there to the last bucket with entries */
	uint32_t n_samples;	/* 0, or n / STRIDE rounded up */
	uint32_t pad2;		/* zero */
	struct lut_span idx;	/* uint32_t[n_buckets + 1] */
	struct lut_span keys;	/* uint16_t or uint32_t [n] */
	struct lut_span vals;	/* val_bytes each, little-endian, [n] */
	struct lut_span keys2;	/* struct lut_key [n2] */
	struct lut_span vals2;	/* uint32_t [n2] */
	struct lut_span samples;	/* keys[0], keys[S], keys[2S]... */
};

/* AS record: the value of the ASN tables (index 0 is unused). */
struct lut_asrec {
	uint32_t asn;		/* AS number */
	uint32_t org;		/* string offset of the organisation */
};

/* Vendor record: the value of the vendor table (index 0 is unused). */
struct lut_vendrec {
	uint32_t short_name;	/* string offset */
	uint32_t long_name;	/* string offset */
};

/* A source file as recorded for `lut info`. */
struct lut_src_rec {
	uint32_t kind;		/* enum lut_kind */
	uint32_t file;		/* string offset: base name */
	uint32_t package;	/* string offset, 0 = "" */
	uint32_t version;	/* string offset, 0 = "" */
	int64_t date_s;		/* date of the data */
	uint64_t rows;		/* rows read */
	uint64_t bytes;		/* file size */
};

/* At offset 0. */
struct lut_hdr {
	char magic[8];		/* LUT_MAGIC */
	uint32_t version;	/* LUT_FORMAT_VERSION */
	uint32_t byte_order;	/* LUT_BYTE_ORDER */
	uint64_t file_size;	/* bytes, a multiple of 8 */
	uint64_t checksum;	/* lut_checksum of the file, this field as 0 */
	int64_t built_s;	/* build time */
	uint32_t hdr_size;	/* sizeof(struct lut_hdr) */
	uint32_t n_sources;	/* entries of src */
	uint32_t attribution;	/* string offset */
	uint32_t pad;		/* zero */
	struct lut_span strings;	/* NUL-ended texts; offset 0 is "" */
	struct lut_span countries;	/* char[2] per value (0 unused) */
	struct lut_span asrecs;		/* struct lut_asrec[] */
	struct lut_span vendrecs;	/* struct lut_vendrec[] */
	struct lut_tab_hdr tab[LUT_N_KINDS];	/* by enum lut_kind */
	struct lut_src_rec src[LUT_MAX_SOURCES];	/* in build order */
};

_Static_assert(sizeof(struct lut_hdr) % 8 == 0, "header keeps 8-alignment");

/* One mapped table, ready for lookups. */
struct lut_tab {
	const uint32_t *idx;		/* bucket starts, n_buckets + 1 */
	uint32_t bucket_lo, n_buckets;	/* buckets idx covers */
	const void *keys;		/* uint16_t or uint32_t */
	const uint8_t *vals;		/* val_bytes each, little-endian */
	const struct lut_key *keys2;	/* level 2 */
	const uint32_t *vals2;		/* level 2 */
	const void *samples;		/* every STRIDE-th key, or NULL */
	uint32_t n, n2;			/* entries per level */
	uint32_t n_values;		/* bound of values */
	uint32_t split;			/* SPLIT, or LUT_NONE: no level 2 */
	uint8_t key_bytes, val_bytes;	/* widths */
	uint8_t width;			/* key bits */
};

/* An open compiled file; owned by whoever called lut_open(). */
struct lut {
	const uint8_t *base;		/* the mapping */
	size_t size;			/* its length */
	const struct lut_hdr *hdr;	/* at base */
	const char *strings;		/* string section */
	uint64_t strings_len;		/* bytes, last one NUL */
	const char (*countries)[2];	/* country codes by value */
	uint32_t n_countries;		/* entries */
	const struct lut_asrec *asrecs;	/* AS records by value */
	uint32_t n_asrecs;		/* entries */
	const struct lut_vendrec *vendrecs;	/* vendor records by value */
	uint32_t n_vendrecs;		/* entries */
	struct lut_tab tab[LUT_N_KINDS];	/* by enum lut_kind */
	dev_t dev;			/* identity of the mapped file ... */
	ino_t ino;			/* ... for lut_reload_if_changed */
	off_t st_size;			/* ... */
	struct timespec mtime;		/* ... */
	dev_t bad_dev;			/* last file that failed to open ... */
	ino_t bad_ino;			/* ... not retried until it changes */
	struct timespec bad_mtime;	/* ... */
};

/* Checksum of n bytes (n a multiple of 8) continuing from h; start with 0. */
uint64_t lut_checksum(uint64_t h, const void *p, size_t n);
uint64_t lut_checksum_end(uint64_t h, uint64_t total);

/* One row of a source file, as the builder consumes it. */
struct lut_row {
	struct lut_key start;	/* first key of the range */
	struct lut_key end;	/* last key, >= start */
	uint32_t asn;		/* ASN rows: the AS number */
	const char *a;		/* organisation, country code or short name */
	const char *b;		/* vendor long name, else NULL */
};

typedef int (*lut_row_fn)(void *arg, const struct lut_row *row,
    struct ft_err *err);

/* Read every row of one source (lut_csv.c), calling fn for each. */
int lut_read_source(struct lut_source *s, lut_row_fn fn, void *arg,
    struct ft_err *err);

/* RFC 4180 reader with ceilings: one record at a time. */
#define LUT_CSV_MAX_RECORD 65536	/* bytes of one record */
#define LUT_CSV_MAX_FIELDS 32		/* fields of one record */

struct lut_csv {
	FILE *f;			/* the file */
	const char *path;		/* for messages */
	char sep;			/* field separator */
	bool quotes;			/* "..." quoting (off for manuf) */
	char *buf;			/* the record, fields NUL-ended */
	size_t cap;			/* of buf, <= LUT_CSV_MAX_RECORD */
	char *field[LUT_CSV_MAX_FIELDS];	/* into buf */
	uint64_t line;			/* lines read */
	uint64_t rec_line;		/* line the current record began on */
};

int lut_csv_open(struct lut_csv *c, const char *path, char sep, bool quotes,
    struct ft_err *err);
/* Next record: field count (> 0), 0 at the end, or -FT_E*. */
int lut_csv_next(struct lut_csv *c, struct ft_err *err);
void lut_csv_close(struct lut_csv *c);

#endif
