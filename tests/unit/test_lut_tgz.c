/* test_lut_tgz.c: the source archive reader, hostile archives refused */
/*
 * Plain files only, plain names, bounded sizes.
 */
#include <archive.h>
#include <archive_entry.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/enrich/lut.h"
#include "ut.h"

static char tmpdir[64];		/* per-process scratch directory */

/* An archive being built in memory. */
struct tarbuf {
	unsigned char *p;	/* bytes */
	size_t len, cap;	/* used, allocated */
};

static void
tb_put(struct tarbuf *t, const void *p, size_t n)
{
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2;
		t->p = realloc(t->p, t->cap);
		if (!t->p)
			abort();
	}
	memcpy(t->p + t->len, p, n);
	t->len += n;
}

/*
 * One ustar member made by hand, so any name, type and declared size can
 * be written: type '0' file, '1' hard link, '2' symlink, '3' char device,
 * '5' directory, '6' FIFO. size is what the header claims; data (len
 * bytes) follows, padded to 512.
 */
static void
tb_member(struct tarbuf *t, const char *name, char type, const char *link,
    unsigned long long size, const char *data, size_t len)
{
	unsigned char h[512] = { 0 }, zero[512] = { 0 };
	unsigned sum = 0;
	size_t i;

	memcpy(h, name, strlen(name) < 100 ? strlen(name) : 100);
	memcpy(h + 100, "0000644", 7);
	memcpy(h + 108, "0000000", 7);
	memcpy(h + 116, "0000000", 7);
	snprintf((char *)h + 124, 12, "%011llo", size);
	memcpy(h + 136, "00000000000", 11);
	h[156] = (unsigned char)type;
	if (link)
		memcpy(h + 157, link, strlen(link) < 100 ? strlen(link) : 100);
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	tb_put(t, h, 512);
	if (len) {
		tb_put(t, data, len);
		tb_put(t, zero, (512 - len % 512) % 512);
	}
}

static void
tb_end(struct tarbuf *t)
{
	unsigned char zero[1024] = { 0 };

	tb_put(t, zero, sizeof(zero));
}

/* The same member through libarchive's writer, gzip'ed (n bytes of fill). */
static void
tb_gzip(struct tarbuf *out, const char *const *names, size_t n_names,
    size_t fill_len, char fill)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e;
	size_t used = 0, cap = fill_len + (1 << 20), i, k;
	char chunk[4096];

	out->p = malloc(cap);
	if (!a || !out->p || archive_write_set_format_ustar(a) ||
	    archive_write_add_filter_gzip(a) ||
	    archive_write_open_memory(a, out->p, cap, &used))
		abort();
	memset(chunk, fill, sizeof(chunk));
	for (i = 0; i < n_names; i++) {
		e = archive_entry_new();
		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)fill_len);
		if (archive_write_header(a, e))
			abort();
		for (k = 0; k < fill_len; k += sizeof(chunk))
			archive_write_data(a, chunk, fill_len - k < sizeof(chunk) ?
			    fill_len - k : sizeof(chunk));
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	out->len = used;
}

static bool
want_csv(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && !strcmp(name + n - 4, ".csv");
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	remove(path);
	return 0;
}

/* Write the archive to a file and unpack it into a fresh directory. */
static int
extract(const struct tarbuf *t, const char *label,
    const struct lut_tgz_limits *lim, size_t *n, struct ft_err *err)
{
	char path[128], dest[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.tgz", tmpdir, label);
	snprintf(dest, sizeof(dest), "%s/out", tmpdir);
	nftw(dest, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	mkdir(dest, 0755);
	f = fopen(path, "wb");
	if (!f || fwrite(t->p, 1, t->len, f) != t->len || fclose(f))
		abort();
	return lut_tgz_extract(path, dest, want_csv, lim, n, err);
}

static bool
exists(const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	return access(p, F_OK) == 0;
}

/* Refused with -FT_EPARSE, a message naming what, and nothing written. */
static void
expect_refused(const struct tarbuf *t, const char *label,
    const struct lut_tgz_limits *lim, const char *what)
{
	struct ft_err err = { 0 };
	size_t n = 9;
	int rc = extract(t, label, lim, &n, &err);

	UT_EQ(rc, -FT_EPARSE);
	if (!strstr(err.msg, what) || !strstr(err.msg, "refused"))
		UT_FAILF("%s: message '%s' does not say '%s'", label, err.msg,
		    what);
	if (exists("escape.csv") || exists("out/escape.csv") ||
	    exists("PWNED"))
		UT_FAILF("%s: something was written where it must not be",
		    label);
}

static void
a_plain_archive_unpacks_only_the_wanted_files_keeping_their_paths(void)
{
	static const char *const names[] = { "package/asn-ipv4.csv",
		"package/README.md", "./package/sub/x.csv" };
	struct tarbuf t = { 0 };
	struct ft_err err = { 0 };
	size_t n = 0;

	tb_gzip(&t, names, 3, 1000, 'a');
	UT_EQ(extract(&t, "plain", NULL, &n, &err), 0);
	UT_EQ(n, 2);
	UT_ASSERT(exists("out/package/asn-ipv4.csv"));
	UT_ASSERT(exists("out/package/sub/x.csv"));
	UT_ASSERT(!exists("out/package/README.md"));
	UT_EQ(lut_tgz_scan(t.p, t.len, want_csv, NULL, &n, &err), 0);
	UT_EQ(n, 2);
	free(t.p);
}

static void
an_option_like_name_is_refused_and_nothing_is_run(void)
{
	struct tarbuf t = { 0 };
	char name[200];

	snprintf(name, sizeof(name), "--to-command=touch %s/PWNED #/a.csv",
	    tmpdir);
	tb_member(&t, "package/a.csv", '0', NULL, 2, "1\n", 2);
	tb_member(&t, name, '0', NULL, 2, "1\n", 2);
	tb_end(&t);
	expect_refused(&t, "option", NULL, "looks like an option");
	free(t.p);
}

static void
paths_that_leave_the_directory_are_refused(void)
{
	struct tarbuf t = { 0 }, u = { 0 }, v = { 0 };
	char abs[128];

	tb_member(&t, "package/../../escape.csv", '0', NULL, 2, "1\n", 2);
	tb_end(&t);
	expect_refused(&t, "dotdot", NULL, "leaves the archive");
	snprintf(abs, sizeof(abs), "%s/escape.csv", tmpdir);
	tb_member(&u, abs, '0', NULL, 2, "1\n", 2);
	tb_end(&u);
	expect_refused(&u, "absolute", NULL, "absolute path");
	tb_member(&v, "package/a\nb.csv", '0', NULL, 2, "1\n", 2);
	tb_end(&v);
	expect_refused(&v, "control", NULL, "a\\x0ab.csv");
	free(t.p);
	free(u.p);
	free(v.p);
}

static void
links_devices_and_fifos_are_refused(void)
{
	static const struct {
		char type;		/* ustar type flag */
		const char *what;	/* in the message */
	} c[] = {
		{ '1', "hard link" }, { '2', "symbolic link" },
		{ '3', "device" }, { '6', "FIFO" },
	};
	char label[16];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct tarbuf t = { 0 };

		tb_member(&t, "package/real.csv", '0', NULL, 2, "1\n", 2);
		tb_member(&t, "package/escape.csv", c[i].type,
		    c[i].type <= '2' ? "package/real.csv" : NULL, 0, NULL, 0);
		tb_end(&t);
		snprintf(label, sizeof(label), "type%c", c[i].type);
		expect_refused(&t, label, NULL, c[i].what);
		free(t.p);
	}
}

static void
a_member_over_its_bound_is_refused_from_its_header(void)
{
	struct tarbuf t = { 0 };

	/* 8 GiB claimed, 2 bytes there: refused before any data is read */
	tb_member(&t, "package/huge.csv", '0', NULL, 077777777777ull, "1\n", 2);
	tb_end(&t);
	expect_refused(&t, "huge", NULL, "8589934591 bytes, more than");
	free(t.p);
}

static void
an_archive_past_its_total_or_member_count_is_refused(void)
{
	static const char *const names[] = { "a.csv", "b.csv", "c.csv" };
	struct lut_tgz_limits lim = { 1 << 20, 5000, 1000, 100 };
	struct tarbuf t = { 0 }, u = { 0 };
	char name[32];
	int i;

	tb_gzip(&t, names, 3, 2000, 'x');
	expect_refused(&t, "total", &lim, "the whole archive may unpack to");
	lim.total_max = 1 << 20;
	lim.members_max = 10;
	for (i = 0; i < 11; i++) {
		snprintf(name, sizeof(name), "d%d/", i);
		tb_member(&u, name, '5', NULL, 0, NULL, 0);
	}
	tb_end(&u);
	expect_refused(&u, "members", &lim, "more than 10 members");
	free(t.p);
	free(u.p);
}

static void
a_gzip_bomb_is_refused_by_its_ratio(void)
{
	static const char *const names[] = { "package/bomb.csv" };
	struct lut_tgz_limits lim = lut_tgz_default_limits;
	struct tarbuf t = { 0 };
	struct ft_err err = { 0 };
	size_t n;

	tb_gzip(&t, names, 1, 8u << 20, '\0');	/* about 8 KiB packed */
	expect_refused(&t, "bomb", &lim, "times its packed size");
	UT_EQ(lut_tgz_scan(t.p, t.len, NULL, &lim, &n, &err), -FT_EPARSE);
	lim.ratio_max = 100000;			/* the same, allowed */
	UT_EQ(lut_tgz_scan(t.p, t.len, NULL, &lim, &n, &err), 0);
	free(t.p);
}

static void
a_second_member_of_the_same_name_is_refused(void)
{
	struct tarbuf t = { 0 };

	tb_member(&t, "package/a.csv", '0', NULL, 2, "1\n", 2);
	tb_member(&t, "./package//a.csv", '0', NULL, 2, "2\n", 2);
	tb_end(&t);
	expect_refused(&t, "twice", NULL, "a second member of the same name");
	free(t.p);
}

static void
garbage_and_cut_archives_are_malformed_not_a_crash(void)
{
	struct tarbuf t = { 0 };
	struct ft_err err = { 0 };
	size_t n;

	tb_member(&t, "package/a.csv", '0', NULL, 5000, "1\n", 2);
	UT_EQ(lut_tgz_scan(t.p, t.len, want_csv, NULL, &n, &err), -FT_EPARSE);
	UT_EQ(lut_tgz_scan("not an archive at all", 21, want_csv, NULL, &n,
	    &err), -FT_EPARSE);
	UT_ASSERT(strstr(err.msg, "not a tar or gzip'ed tar file") != NULL);
	UT_EQ(lut_tgz_scan("", 0, want_csv, NULL, &n, &err), -FT_EPARSE);
	free(t.p);
}

int
main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ft-test-tgz-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	UT_RUN(a_plain_archive_unpacks_only_the_wanted_files_keeping_their_paths);
	UT_RUN(an_option_like_name_is_refused_and_nothing_is_run);
	UT_RUN(paths_that_leave_the_directory_are_refused);
	UT_RUN(links_devices_and_fifos_are_refused);
	UT_RUN(a_member_over_its_bound_is_refused_from_its_header);
	UT_RUN(an_archive_past_its_total_or_member_count_is_refused);
	UT_RUN(a_gzip_bomb_is_refused_by_its_ratio);
	UT_RUN(a_second_member_of_the_same_name_is_refused);
	UT_RUN(garbage_and_cut_archives_are_malformed_not_a_crash);
	nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return UT_DONE();
}
