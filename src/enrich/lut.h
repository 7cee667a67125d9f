/* lut.h: IP to ASN and country, MAC to vendor, in one mapped file */
#ifndef LUT_H
#define LUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/ft_err.h"

#define LUT_MAX_SOURCES 16	/* source files one compiled file records */

/* The tables of a compiled file; a source file feeds exactly one. */
enum lut_kind {
	LUT_ASN4,		/* IPv4 range -> AS number and organisation */
	LUT_ASN6,		/* IPv6 range -> AS number and organisation */
	LUT_CC4,		/* IPv4 range -> ISO 3166 country code */
	LUT_CC6,		/* IPv6 range -> ISO 3166 country code */
	LUT_VENDOR,		/* MAC prefix -> vendor short and long name */
	LUT_N_KINDS
};

/* One input of lut_build(); the caller owns the strings. */
struct lut_source {
	enum lut_kind kind;	/* table it feeds */
	bool ieee;		/* LUT_VENDOR: IEEE registry CSV, not manuf */
	const char *path;	/* file to read */
	const char *package;	/* where it came from (npm package), or NULL */
	const char *version;	/* version of that package, or NULL */
	int64_t date_s;		/* date of the data; 0: the file's mtime */
	uint64_t rows;		/* out: rows read */
};

/* What lut_build() compiles; of equal ranges the later source wins. */
struct lut_sources {
	struct lut_source src[LUT_MAX_SOURCES];	/* in order */
	int n;					/* entries used */
	void (*progress)(void *arg, const char *msg);	/* or NULL */
	void *progress_arg;			/* passed to progress */
};

/*
 * Compile the sources into out_path: written to OUT.tmp, fsynced, renamed
 * over out_path, directory fsynced. On any error out_path is untouched and
 * the temporary file removed. Every table must have at least one source.
 */
int lut_build(struct lut_sources *src, const char *out_path,
    struct ft_err *err);

struct lut;		/* an open compiled file; opaque */

/* Map path read-only and validate it (magic, version, sizes, checksum). */
int lut_open(const char *path, struct lut **out, struct ft_err *err);

/* Unmap and free; NULL is a no-op. */
void lut_close(struct lut *l);

/*
 * If path now names another file than *l maps (inode, size, mtime), open it
 * and swap it in, closing the old one; *reloaded says whether that happened.
 * A failed open keeps the old tables and is not retried until the file
 * changes again. *l may be NULL (no tables yet). Cheap: one stat().
 * Not thread-safe: the caller's lookups must not run during the call.
 */
int lut_reload_if_changed(struct lut **l, const char *path, bool *reloaded,
    struct ft_err *err);

struct lut_asn {
	uint32_t asn;		/* autonomous system number */
	const char *org;	/* organisation or ""; lives as long as the lut */
};

struct lut_vendor {
	const char *short_name;	/* e.g. "Cisco"; may be "" */
	const char *long_name;	/* e.g. "Cisco Systems, Inc"; never NULL */
};

/*
 * Lookups: addr is 4 (ip_ver 4) or 16 (ip_ver 6) bytes in network order;
 * IPv4-mapped IPv6 addresses are looked up as IPv4. 0 found, -FT_ENOENT
 * when the address is in no range, -FT_EINVAL for a bad ip_ver. No
 * allocation, no locks; strings point into the mapping.
 */
int lut_asn(const struct lut *l, const uint8_t *addr, int ip_ver,
    struct lut_asn *out);
int lut_country(const struct lut *l, const uint8_t *addr, int ip_ver,
    char cc[3]);

/* Vendor of a MAC: the longest registered prefix (/36, /28, then /24). */
int lut_vendor(const struct lut *l, const uint8_t mac[6],
    struct lut_vendor *out);

/* One source as recorded in the compiled file. */
struct lut_info_source {
	enum lut_kind kind;	/* table it fed */
	const char *file;	/* base name of the file read */
	const char *package;	/* npm package or "" */
	const char *version;	/* package version or "" */
	int64_t date_s;		/* date of the data */
	uint64_t rows;		/* rows read */
	uint64_t bytes;		/* size of the file read */
};

/* What lut_info() reports; strings live as long as the lut. */
struct lut_info {
	uint32_t format_version;	/* of the file layout */
	int64_t built_s;		/* when it was compiled */
	uint64_t file_size;		/* bytes */
	const char *attribution;	/* lines of credits and licences */
	uint32_t entries[LUT_N_KINDS];	/* ranges stored per table */
	uint32_t n_asns;		/* distinct AS records */
	uint32_t n_vendors;		/* distinct vendor records */
	int n_sources;			/* entries of src */
	struct lut_info_source src[LUT_MAX_SOURCES];	/* as built */
};

void lut_info(const struct lut *l, struct lut_info *out);

/* "IP to ASN (IPv4)" and the like. */
const char *lut_kind_name(enum lut_kind kind);

/* Bounds on an archive of sources (lut_tgz.c); past any, it is refused. */
struct lut_tgz_limits {
	uint64_t member_max;	/* bytes of one member */
	uint64_t total_max;	/* bytes of all members, unpacked */
	uint32_t ratio_max;	/* unpacked per packed byte, after the first MiB */
	uint32_t members_max;	/* entries, directories included */
};

/* 256 MiB a member, 1 GiB in all, 64:1, 4096 members. */
extern const struct lut_tgz_limits lut_tgz_default_limits;

/*
 * Unpack the members of the tar or tar.gz at path that wanted() names into
 * the existing directory dest, keeping their relative paths. libarchive
 * reads it; no program is run. The whole archive is checked, wanted or not:
 * every entry must be a plain file or a directory with a relative name
 * without "..", control characters or a part starting with "-", and
 * within lim (NULL: the defaults). Anything else stops it with one line
 * naming the archive and the member (-FT_EPARSE; -FT_EIO for a write
 * error); what was written by then is left for the caller to remove.
 * Files are created 0644, never through a link, never twice.
 */
int lut_tgz_extract(const char *path, const char *dest,
    bool (*wanted)(const char *name), const struct lut_tgz_limits *lim,
    size_t *n_files, struct ft_err *err);

/* The same checks over an archive in memory, writing nothing (fuzzing). */
int lut_tgz_scan(const void *buf, size_t len,
    bool (*wanted)(const char *name), const struct lut_tgz_limits *lim,
    size_t *n_wanted, struct ft_err *err);

#endif
