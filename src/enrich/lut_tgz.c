/* lut_tgz.c: the source archive reader (tar or tar.gz, libarchive) */
/*
 * Only plain files with plain names, bounded.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lut.h"

#define TGZ_CHUNK 65536			/* bytes read from a member at a time */
#define TGZ_SLACK (1u << 20)		/* unpacked bytes allowed before the ratio counts */
#define TGZ_DEPTH 16			/* directories in a member name */

const struct lut_tgz_limits lut_tgz_default_limits = {
	.member_max = 256ull << 20,	/* the biggest real CSV is 28 MB */
	.total_max = 1ull << 30,	/* a real package unpacks to 68 MB */
	.ratio_max = 64,		/* real packages: 3.5 and 4.8 */
	.members_max = 4096,		/* real packages: 7 and 10 */
};

/* One walk over an archive. */
struct tgz {
	struct archive *a;		/* libarchive reader */
	const char *label;		/* archive name for messages */
	struct lut_tgz_limits lim;	/* bounds in force */
	bool (*wanted)(const char *name);	/* members to keep */
	int dirfd;			/* destination, -1 to write nothing */
	uint64_t total;			/* member bytes read so far */
	uint32_t members;		/* entries seen */
	size_t n_files;			/* members written (or, without dirfd, wanted) */
	char buf[TGZ_CHUNK];		/* data of the member being read */
};

/* name, shortened, with bytes that are not printable as \xNN, into out. */
static const char *
tgz_quote(const char *name, char *out, size_t len)
{
	size_t o = 0;
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p && o + 8 < len; p++) {
		if (*p < 0x20 || *p >= 0x7f)
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", *p);
		else
			out[o++] = (char)*p;
	}
	if (*p)
		o += (size_t)snprintf(out + o, len - o, "...");
	out[o < len ? o : len - 1] = '\0';
	return out;
}

/* One line: archive, member, what is wrong with it. */
static int
tgz_refuse(const struct tgz *t, struct ft_err *err, int code,
    const char *name, const char *why)
{
	char q[80];

	if (!name)
		return ft_err_set(err, code, "%.120s: %s; refused", t->label,
		    why);
	return ft_err_set(err, code, "%.120s: member '%s': %s; refused",
	    t->label, tgz_quote(name, q, sizeof(q)), why);
}

/* Why name is no plain relative path, or NULL when it is one. */
static const char *
tgz_name_problem(const char *name)
{
	const unsigned char *p;
	const char *c;
	size_t n;
	int depth = 0;

	if (!name || !*name)
		return "an empty name";
	if (name[0] == '/')
		return "an absolute path";
	if (strlen(name) > 255)
		return "a name longer than 255 bytes";
	for (p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			return "a control character or backslash in its name";
	for (c = name; *c; c += n + (c[n] == '/')) {
		n = strcspn(c, "/");
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return "a path that leaves the archive (..)";
		if (c[0] == '-')
			return "a name that looks like an option (starts with -)";
		if (n && ++depth > TGZ_DEPTH)
			return "a path more than 16 directories deep";
	}
	return NULL;
}

/* Unpacked bytes beyond ratio_max per packed byte (past the slack): refuse. */
static int
tgz_check_ratio(const struct tgz *t, struct ft_err *err)
{
	int64_t packed = archive_filter_bytes(t->a, -1);
	int64_t unpacked = archive_filter_bytes(t->a, 0);
	char why[96];

	if (packed < 0 || unpacked <= (int64_t)TGZ_SLACK ||
	    (uint64_t)unpacked / t->lim.ratio_max <= (uint64_t)packed)
		return 0;
	snprintf(why, sizeof(why), "unpacks to more than %u times its packed size (a gzip bomb?)",
	    t->lim.ratio_max);
	return tgz_refuse(t, err, FT_EPARSE, NULL, why);
}

/* Create name's directories under the destination and name itself: its fd. */
static int
tgz_create(const struct tgz *t, const char *name, int *out,
    struct ft_err *err)
{
	char comp[256];
	const char *c = name;
	int dfd = t->dirfd, next;
	size_t n;

	for (; c[n = strcspn(c, "/")] == '/'; c += n + 1) {
		if (!n || (n == 1 && c[0] == '.'))
			continue;
		memcpy(comp, c, n);
		comp[n] = '\0';
		if (mkdirat(dfd, comp, 0755) && errno != EEXIST)
			next = -1;
		else
			next = openat(dfd, comp, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
		if (dfd != t->dirfd)
			close(dfd);
		if (next < 0)
			return tgz_refuse(t, err, FT_EIO, name, strerror(errno));
		dfd = next;
	}
	if (!*c || !strcmp(c, "."))
		*out = -1;
	else
		*out = openat(dfd, c, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
	n = (size_t)errno;
	if (dfd != t->dirfd)
		close(dfd);
	if (*out >= 0)
		return 0;
	if (!*c || !strcmp(c, "."))
		return tgz_refuse(t, err, FT_EPARSE, name, "a file named like a directory");
	return tgz_refuse(t, err, n == EEXIST ? FT_EPARSE : FT_EIO, name,
	    n == EEXIST ? "a second member of the same name" :
	    strerror((int)n));
}

static int
tgz_write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read a member's data in chunks, checking the bounds at each; write it to fd. */
static int
tgz_copy(struct tgz *t, const char *name, int fd, struct ft_err *err)
{
	la_ssize_t n;
	char why[96];
	int rc;

	while ((n = archive_read_data(t->a, t->buf, sizeof(t->buf))) > 0) {
		t->total += (uint64_t)n;
		if (t->total > t->lim.total_max) {
			snprintf(why, sizeof(why), "unpacks to more than %llu bytes",
			    (unsigned long long)t->lim.total_max);
			return tgz_refuse(t, err, FT_EPARSE, NULL, why);
		}
		if ((rc = tgz_check_ratio(t, err)))
			return rc;
		if (fd >= 0 && tgz_write_all(fd, t->buf, (size_t)n))
			return tgz_refuse(t, err, FT_EIO, name, strerror(errno));
	}
	if (n < 0)
		return tgz_refuse(t, err, FT_EPARSE, name,
		    archive_error_string(t->a) ? archive_error_string(t->a) :
		    "cannot read its data");
	return 0;
}

/* The type and size of an entry: NULL when they are acceptable. */
static const char *
tgz_entry_problem(const struct tgz *t, struct archive_entry *e, char *why,
    size_t len)
{
	mode_t type = archive_entry_filetype(e);
	int64_t size = archive_entry_size(e);

	if (archive_entry_hardlink(e))
		return "a hard link (only plain files are accepted)";
	if (type == AE_IFLNK || archive_entry_symlink(e))
		return "a symbolic link (only plain files are accepted)";
	if (type == AE_IFDIR)
		return NULL;
	if (type != AE_IFREG)
		return "a device, FIFO or socket (only plain files are accepted)";
	if (!archive_entry_size_is_set(e) || size < 0 ||
	    (uint64_t)size > t->lim.member_max) {
		snprintf(why, len, "%lld bytes, more than the %llu allowed",
		    (long long)size, (unsigned long long)t->lim.member_max);
		return why;
	}
	if (t->total + (uint64_t)size > t->lim.total_max) {
		snprintf(why, len, "%lld bytes, past the %llu the whole archive may unpack to",
		    (long long)size, (unsigned long long)t->lim.total_max);
		return why;
	}
	return NULL;
}

static int
tgz_entry(struct tgz *t, struct archive_entry *e, struct ft_err *err)
{
	const char *name = archive_entry_pathname(e);
	const char *bad = tgz_name_problem(name);
	char why[128];
	bool keep;
	int fd = -1, rc;

	if (++t->members > t->lim.members_max) {
		snprintf(why, sizeof(why), "holds more than %u members",
		    t->lim.members_max);
		return tgz_refuse(t, err, FT_EPARSE, NULL, why);
	}
	if (!bad)
		bad = tgz_entry_problem(t, e, why, sizeof(why));
	if (bad)
		return tgz_refuse(t, err, FT_EPARSE, name ? name : "", bad);
	if (archive_entry_filetype(e) == AE_IFDIR)
		return 0;
	keep = t->wanted && t->wanted(name);
	if (keep && t->dirfd >= 0 && (rc = tgz_create(t, name, &fd, err)))
		return rc;
	rc = tgz_copy(t, name, fd, err);
	if (fd >= 0 && close(fd) && !rc)
		rc = tgz_refuse(t, err, FT_EIO, name, strerror(errno));
	if (!rc && keep)
		t->n_files++;
	return rc;
}

static int
tgz_walk(struct tgz *t, struct ft_err *err)
{
	struct archive_entry *e;
	int r, rc;

	while ((r = archive_read_next_header(t->a, &e)) != ARCHIVE_EOF) {
		if (r != ARCHIVE_OK) {
			const char *s = archive_error_string(t->a);

			return ft_err_set(err, FT_EPARSE,
			    "%.120s: not a tar or gzip'ed tar file, or damaged (%.80s)",
			    t->label, s ? s : "no detail");
		}
		if ((rc = tgz_entry(t, e, err)) || (rc = tgz_check_ratio(t, err)))
			return rc;
	}
	return 0;
}

/* A reader for tar and gzip'ed tar only, with no external programs. */
static int
tgz_new(struct tgz **out, const char *label, bool (*wanted)(const char *),
    const struct lut_tgz_limits *lim, int dirfd, struct ft_err *err)
{
	struct tgz *t = calloc(1, sizeof(*t));

	if (!t || !(t->a = archive_read_new())) {
		free(t);
		return ft_err_set(err, FT_ENOMEM, "out of memory");
	}
	if (archive_read_support_filter_gzip(t->a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(t->a) != ARCHIVE_OK) {
		archive_read_free(t->a);
		free(t);
		return ft_err_set(err, FT_ENOTSUP,
		    "this libarchive cannot read gzip by itself (built without zlib)");
	}
	t->label = label;
	t->lim = lim ? *lim : lut_tgz_default_limits;
	if (!t->lim.ratio_max)
		t->lim.ratio_max = 1;
	t->wanted = wanted;
	t->dirfd = dirfd;
	*out = t;
	return 0;
}

static void
tgz_free(struct tgz *t)
{
	archive_read_free(t->a);
	free(t);
}

int
lut_tgz_extract(const char *path, const char *dest,
    bool (*wanted)(const char *name), const struct lut_tgz_limits *lim,
    size_t *n_files, struct ft_err *err)
{
	struct tgz *t;
	struct stat st;
	int fd, dirfd, rc;

	*n_files = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		rc = ft_err_set(err, FT_EIO, "%.120s: %s", path, fd < 0 ?
		    strerror(errno) : "not a regular file");
		goto out_close;
	}
	dirfd = open(dest, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0) {
		rc = ft_err_set(err, FT_EIO, "%.120s: %s", dest, strerror(errno));
		goto out_close;
	}
	rc = tgz_new(&t, path, wanted, lim, dirfd, err);
	if (rc)
		goto out_dir;
	if (archive_read_open_fd(t->a, fd, TGZ_CHUNK) != ARCHIVE_OK)
		rc = ft_err_set(err, FT_EPARSE, "%.120s: not a tar or gzip'ed tar file (%.80s)",
		    path, archive_error_string(t->a) ?
		    archive_error_string(t->a) : "no detail");
	else
		rc = tgz_walk(t, err);
	*n_files = t->n_files;
	tgz_free(t);
out_dir:
	close(dirfd);
out_close:
	if (fd >= 0)
		close(fd);
	return rc;
}

int
lut_tgz_scan(const void *buf, size_t len, bool (*wanted)(const char *name),
    const struct lut_tgz_limits *lim, size_t *n_wanted, struct ft_err *err)
{
	struct tgz *t;
	int rc;

	*n_wanted = 0;
	rc = tgz_new(&t, "(memory)", wanted, lim, -1, err);
	if (rc)
		return rc;
	if (archive_read_open_memory(t->a, buf, len) != ARCHIVE_OK)
		rc = ft_err_set(err, FT_EPARSE, "(memory): not a tar or gzip'ed tar file");
	else
		rc = tgz_walk(t, err);
	*n_wanted = t->n_files;
	tgz_free(t);
	return rc;
}
