/* cmd_lut.c: `flowtrail lut update|info`: fetch, compile, describe */
/*
 * Sources from npm, a directory or a tarball.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../enrich/lut.h"
#include "cmd_lut.h"

#define LUT_OPT_LUT 1000	/* --lut */
#define LUT_OPT_FROM 1001	/* --from */
#define LUT_OPT_CACHE 1002	/* --cache */
#define LUT_OPT_KEEP 1003	/* --keep */
#define LUT_OPT_TIMEOUT 1004	/* --fetch-timeout */
#define LUT_OPT_OFFLINE 1005	/* --offline */
#define LUT_SCAN_DEPTH 4	/* DIR/x/y/package/file.csv */

/* Files a source directory may hold, in the order they are used. */
enum { F_ASN4, F_ASN6, F_DBIP4, F_DBIP6, F_AC4, F_AC6, F_OUI, F_MAM, F_OUI36,
	F_IAB, F_MANUF, F_N };

static const struct {
	const char *name;	/* base name */
	int slot;		/* F_* */
} file_names[] = {
	{ "asn-ipv4.csv", F_ASN4 }, { "asn-ipv6.csv", F_ASN6 },
	{ "dbip-country-ipv4.csv", F_DBIP4 },
	{ "dbip-country-ipv6.csv", F_DBIP6 },
	{ "asn-country-ipv4.csv", F_AC4 }, { "asn-country-ipv6.csv", F_AC6 },
	{ "oui.csv", F_OUI }, { "mam.csv", F_MAM }, { "oui36.csv", F_OUI36 },
	{ "iab.csv", F_IAB }, { "manuf", F_MANUF }, { "manuf.txt", F_MANUF },
};

/* What `lut update` found and will compile. */
struct update {
	struct cli *cli;		/* messages */
	char out[CONFIG_PATH_MAX];	/* compiled file */
	char work[CONFIG_PATH_MAX];	/* unpack directory, or "" */
	char path[F_N][CONFIG_PATH_MAX];	/* found files, "" if not */
	char pkg[F_N][128];		/* their package names */
	char ver[F_N][64];		/* their package versions */
	struct lut_sources src;		/* for lut_build */
	uint32_t timeout_s;		/* npm: lut.fetch-timeout or --fetch-timeout */
	bool offline;			/* npm: its cache only (--offline) */
};

static void
usage(void)
{
	printf("usage: flowtrail lut update [--from DIR|FILE.tgz] [--lut FILE] "
	    "[--cache DIR] [--keep]\n"
	    "                                [--fetch-timeout SECONDS] [--offline]\n"
	    "       flowtrail lut info [--lut FILE]\n"
	    "       flowtrail lut lookup IP|MAC...   (the same as `flowtrail lookup`)\n"
	    "update compiles IP-to-ASN, IP-to-country and MAC-vendor tables into one\n"
	    "file (default %s). Without --from it fetches the npm packages\n"
	    "@ip-location-db/asn and dbip-country (asn-country without dbip) with\n"
	    "`npm pack`, waiting at most --fetch-timeout (lut.fetch-timeout, 120 s)\n"
	    "for the registry, else from npm's cache (as at once with --offline, or\n"
	    "when the registry is out of reach). A --from FILE.tgz may hold only plain\n"
	    "files with plain names, within size bounds. The MAC\n"
	    "vendors come from Wireshark's manuf or IEEE's oui.csv (in DIR, else\n"
	    "/usr/share/wireshark/manuf or /usr/share/ieee-data). The old file stays\n"
	    "in place until the new one is complete. info shows sources and credits.\n",
	    "/var/lib/flowtrail/lut.bin or ~/.local/share/flowtrail/lut.bin");
}

static void
cache_dir(const char *arg, char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");

	if (arg)
		snprintf(buf, len, "%s", arg);
	else if (geteuid() == 0)
		snprintf(buf, len, "/var/cache/flowtrail");
	else if (xdg && *xdg)
		snprintf(buf, len, "%s/flowtrail", xdg);
	else
		snprintf(buf, len, "%s/.cache/flowtrail", home ? home : ".");
}

/* mkdir -p of path itself (dir_of: of its directory). */
static int
make_dirs(const char *path, bool dir_of)
{
	char d[CONFIG_PATH_MAX];
	char *p;

	snprintf(d, sizeof(d), "%s", path);
	if (dir_of) {
		p = strrchr(d, '/');
		if (!p || p == d)
			return 0;
		*p = '\0';
	}
	for (p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(d, 0755);
		*p = '/';
	}
	return mkdir(d, 0755) && errno != EEXIST ? -1 : 0;
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

static bool
wanted(const char *member)
{
	const char *base = strrchr(member, '/');
	size_t i;

	base = base ? base + 1 : member;
	if (member[0] == '/' || strstr(member, "..") || !*base)
		return false;
	if (strstr(base, "LICENSE") || !strcmp(base, "package.json"))
		return true;
	for (i = 0; i < sizeof(file_names) / sizeof(file_names[0]); i++)
		if (!strcmp(base, file_names[i].name))
			return true;
	return false;
}

/* Unpack only the sources, package.json and licences of tgz into dest. */
static int
extract_tgz(struct update *u, const char *tgz, const char *dest)
{
	struct ft_err err = { 0 };
	size_t n = 0;
	int rc;

	if (make_dirs(dest, false)) {
		cli_error(u->cli, "cannot create %s: %s", dest, strerror(errno));
		return -FT_EIO;
	}
	rc = lut_tgz_extract(tgz, dest, wanted, NULL, &n, &err);
	if (!rc && !n)
		rc = ft_err_set(&err, FT_ENOENT, "%s holds none of the source files",
		    tgz);
	if (rc) {
		cli_error(u->cli, "%s; %s is unchanged", err.msg, u->out);
		nftw(dest, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	}
	return rc;
}

/* npm pack the packages into the work directory and unpack each tarball. */
static int
fetch_npm(struct update *u)
{
	struct lut_npm o = { u->cli, u->work, u->timeout_s, u->offline };
	char path[2 * CONFIG_PATH_MAX], dest[2 * CONFIG_PATH_MAX];
	struct dirent **ents;
	int rc, n, i;

	rc = cmd_lut_npm_fetch(&o);
	if (rc)
		return rc;
	n = scandir(u->work, &ents, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		size_t len = strlen(name);

		if (!rc && len > 4 && name[0] != '.' &&
		    !strcmp(name + len - 4, ".tgz")) {
			snprintf(path, sizeof(path), "%s/%s", u->work, name);
			snprintf(dest, sizeof(dest), "%s/%.*s", u->work,
			    (int)(len - 4), name);
			if (!u->cli->quiet)
				printf("unpacking %s\n", name);
			rc = extract_tgz(u, path, dest);
			unlink(path);
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	return rc;
}

/* "name" and "version" of a package.json next to a found file. */
static void
read_package(const char *file, char *name, size_t nlen, char *ver,
    size_t vlen)
{
	char path[CONFIG_PATH_MAX + 16], buf[8192];
	const char *keys[2] = { "\"name\"", "\"version\"" };
	char *outs[2] = { name, ver };
	size_t lens[2] = { nlen, vlen }, n;
	const char *slash = strrchr(file, '/'), *p, *q;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%.*s/package.json",
	    slash ? (int)(slash - file) : 1, slash ? file : ".");
	f = fopen(path, "r");
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (i = 0; i < 2; i++) {
		p = strstr(buf, keys[i]);
		p = p ? strchr(p + strlen(keys[i]), '"') : NULL;
		q = p ? strchr(p + 1, '"') : NULL;
		if (q)
			snprintf(outs[i], lens[i], "%.*s", (int)(q - p - 1),
			    p + 1);
	}
}

/* Record the first file of each known name, in DIR and up to 4 levels below. */
static void
scan_dir(struct update *u, const char *dir, int depth)
{
	char path[CONFIG_PATH_MAX];
	struct dirent **ents;
	struct stat st;
	size_t k;
	int n, i;

	n = scandir(dir, &ents, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;

		if (name[0] != '.' && (size_t)snprintf(path, sizeof(path),
		    "%s/%s", dir, name) < sizeof(path) && !stat(path, &st)) {
			for (k = 0; S_ISREG(st.st_mode) &&
			    k < sizeof(file_names) / sizeof(file_names[0]); k++)
				if (!strcmp(name, file_names[k].name) &&
				    !u->path[file_names[k].slot][0])
					snprintf(u->path[file_names[k].slot],
					    CONFIG_PATH_MAX, "%s", path);
			if (S_ISDIR(st.st_mode) && depth < LUT_SCAN_DEPTH)
				scan_dir(u, path, depth + 1);
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

/* npm versions of ip-location-db are MAJOR.MINOR.YYYYMMDDHH. */
static int64_t
version_date(const char *v)
{
	const char *p = strrchr(v, '.');
	struct tm tm = { 0 };
	int i;

	if (!p || strlen(p + 1) < 8)
		return 0;
	for (i = 1; i <= 8; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	p++;
	tm.tm_year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 +
	    (p[2] - '0') * 10 + (p[3] - '0') - 1900;
	tm.tm_mon = (p[4] - '0') * 10 + (p[5] - '0') - 1;
	tm.tm_mday = (p[6] - '0') * 10 + (p[7] - '0');
	return (int64_t)timegm(&tm);
}

static void
add_source(struct update *u, int slot, enum lut_kind kind, const char *dflt_pkg)
{
	struct lut_source *s = &u->src.src[u->src.n++];

	read_package(u->path[slot], u->pkg[slot], sizeof(u->pkg[slot]),
	    u->ver[slot], sizeof(u->ver[slot]));
	if (!u->pkg[slot][0])
		snprintf(u->pkg[slot], sizeof(u->pkg[slot]), "%s", dflt_pkg);
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->ieee = slot >= F_OUI && slot <= F_IAB;
	s->path = u->path[slot];
	s->package = u->pkg[slot];
	s->version = u->ver[slot];
	s->date_s = version_date(u->ver[slot]);
}

/* Vendors from the system when the source directory has none. */
static void
system_vendors(struct update *u)
{
	static const char *const ieee[] = { "oui.csv", "mam.csv", "oui36.csv",
		"iab.csv" };
	int i;

	for (i = F_OUI; i <= F_MANUF; i++)
		if (u->path[i][0])
			return;
	if (access("/usr/share/wireshark/manuf", R_OK) == 0) {
		snprintf(u->path[F_MANUF], CONFIG_PATH_MAX,
		    "/usr/share/wireshark/manuf");
		return;
	}
	for (i = 0; i < 4; i++) {
		char p[64];

		snprintf(p, sizeof(p), "/usr/share/ieee-data/%s", ieee[i]);
		if (access(p, R_OK) == 0)
			snprintf(u->path[F_OUI + i], CONFIG_PATH_MAX, "%s", p);
	}
}

/* Sources in build order; one line naming what is missing. */
static int
collect_sources(struct update *u, const char *where)
{
	bool dbip = u->path[F_DBIP4][0] && u->path[F_DBIP6][0];
	int i, n_vendor = 0;

	if (!u->path[F_ASN4][0] || !u->path[F_ASN6][0]) {
		cli_error(u->cli, "%s has no %s: get asn-ipv4.csv and "
		    "asn-ipv6.csv with `npm pack @ip-location-db/asn`",
		    where, u->path[F_ASN4][0] ? "asn-ipv6.csv" : "asn-ipv4.csv");
		return -FT_ENOENT;
	}
	if (!dbip && (!u->path[F_AC4][0] || !u->path[F_AC6][0])) {
		cli_error(u->cli, "%s has no dbip-country-ipv4.csv and "
		    "-ipv6.csv (nor asn-country-*): get them with `npm pack "
		    "@ip-location-db/dbip-country`",
		    where);
		return -FT_ENOENT;
	}
	system_vendors(u);
	add_source(u, F_ASN4, LUT_ASN4, "@ip-location-db/asn");
	add_source(u, F_ASN6, LUT_ASN6, "@ip-location-db/asn");
	add_source(u, dbip ? F_DBIP4 : F_AC4, LUT_CC4, dbip ?
	    "@ip-location-db/dbip-country" : "@ip-location-db/asn-country");
	add_source(u, dbip ? F_DBIP6 : F_AC6, LUT_CC6, dbip ?
	    "@ip-location-db/dbip-country" : "@ip-location-db/asn-country");
	for (i = F_OUI; i <= F_MANUF; i++) {	/* manuf last: it wins ties */
		if (!u->path[i][0])
			continue;
		add_source(u, i, LUT_VENDOR,
		    i == F_MANUF ? "wireshark" : "ieee-data");
		n_vendor++;
	}
	if (!n_vendor) {
		cli_error(u->cli, "no MAC vendor list: put Wireshark's manuf "
		    "or IEEE's oui.csv in %s, or install libwireshark-data or ieee-data",
		    where);
		return -FT_ENOENT;
	}
	return 0;
}

static void
progress(void *arg, const char *msg)
{
	if (!((struct update *)arg)->cli->quiet)
		printf("%s\n", msg);
	fflush(stdout);
}

/* Where the sources are: --from DIR, --from FILE.tgz unpacked, or npm. */
static int
locate_sources(struct update *u, const char *from, const char *cache)
{
	char dest[CONFIG_PATH_MAX + 16];
	struct stat st;
	int rc;

	if (from && !stat(from, &st) && S_ISDIR(st.st_mode)) {
		scan_dir(u, from, 0);
		return collect_sources(u, from);
	}
	if (from && (stat(from, &st) || !S_ISREG(st.st_mode))) {
		cli_error(u->cli, "--from %s: no such directory or file", from);
		return -FT_ENOENT;
	}
	if ((size_t)snprintf(u->work, sizeof(u->work), "%s/lut-XXXXXX",
	    cache) >= sizeof(u->work) || make_dirs(cache, false) ||
	    !mkdtemp(u->work)) {
		cli_error(u->cli, "cannot create a directory in %s: %s", cache,
		    strerror(errno));
		u->work[0] = '\0';
		return -FT_EIO;
	}
	snprintf(dest, sizeof(dest), "%s/unpacked", u->work);
	rc = from ? extract_tgz(u, from, dest) : fetch_npm(u);
	if (rc)
		return rc;
	scan_dir(u, from ? dest : u->work, 0);
	return collect_sources(u, from ? from : "the npm packages");
}

static void
print_summary(const struct update *u, double secs)
{
	char n[32], sz[32];
	uint64_t bytes = 0;
	struct stat st;
	int i;

	for (i = 0; i < u->src.n; i++) {
		const struct lut_source *s = &u->src.src[i];
		const char *base = strrchr(s->path, '/');

		printf("  %-22s %-24s %12s rows\n", lut_kind_name(s->kind),
		    base ? base + 1 : s->path,
		    cli_count(n, sizeof(n), s->rows));
		if (!stat(s->path, &st))
			bytes += (uint64_t)st.st_size;
	}
	if (stat(u->out, &st))
		st.st_size = 0;
	printf("wrote %s: %s bytes from %s bytes of sources in %.1f s\n",
	    u->out, cli_count(sz, sizeof(sz), (uint64_t)st.st_size),
	    cli_count(n, sizeof(n), bytes), secs);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* What `lut update` was told besides the common options. */
struct update_args {
	const char *lut;	/* --lut, or NULL */
	const char *from;	/* --from, or NULL */
	const char *cache;	/* --cache, or NULL */
	const char *timeout;	/* --fetch-timeout, or NULL */
	bool keep;		/* --keep */
	bool offline;		/* --offline */
};

static int
lut_update(struct cli *cli, const struct update_args *a)
{
	const char *lut_arg = a->lut, *from = a->from, *cache_arg = a->cache;
	bool keep = a->keep;
	char cache[CONFIG_PATH_MAX];
	struct ft_err err = { 0 };
	struct update *u = calloc(1, sizeof(*u));
	double t0 = now_s();
	int rc;

	if (!u) {
		cli_error(cli, "out of memory");
		return 1;
	}
	u->cli = cli;
	u->timeout_s = cli->cfg.lut_fetch_timeout_s;
	u->offline = a->offline;
	cmd_lut_path(cli, lut_arg, u->out, sizeof(u->out));
	cache_dir(cache_arg, cache, sizeof(cache));
	rc = locate_sources(u, from, cache);
	if (!rc && make_dirs(u->out, true)) {
		cli_error(cli, "cannot create the directory of %s: %s", u->out,
		    strerror(errno));
		rc = -FT_EIO;
	}
	u->src.progress = progress;
	u->src.progress_arg = u;
	if (!rc && (rc = lut_build(&u->src, u->out, &err)))
		cli_error(cli, "%s; %s is unchanged", err.msg, u->out);
	if (!rc && !cli->quiet)
		print_summary(u, now_s() - t0);
	if (u->work[0] && !keep)
		nftw(u->work, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	else if (u->work[0] && !cli->quiet)
		printf("sources kept in %s\n", u->work);
	free(u);
	return rc ? 1 : 0;
}

int
cmd_lut(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lut", required_argument, NULL, LUT_OPT_LUT },
		{ "from", required_argument, NULL, LUT_OPT_FROM },
		{ "cache", required_argument, NULL, LUT_OPT_CACHE },
		{ "keep", no_argument, NULL, LUT_OPT_KEEP },
		{ "fetch-timeout", required_argument, NULL, LUT_OPT_TIMEOUT },
		{ "offline", no_argument, NULL, LUT_OPT_OFFLINE },
		CLI_COMMON_LONGOPTS
	};
	struct cli cli = { .cmd = "lut" };
	struct update_args a = { 0 };
	struct ft_err err = { 0 };
	const char *what;
	int opt;

	if (argc > 1 && !strcmp(argv[1], "lookup"))	/* `lut lookup` too */
		return cmd_lookup(argc - 1, argv + 1);
	while ((opt = cli_next_opt(argc, argv, CLI_COMMON_SHORTOPTS, longopts,
	    usage)) >= 0) {
		if (opt == LUT_OPT_LUT)
			a.lut = optarg;
		else if (opt == LUT_OPT_FROM)
			a.from = optarg;
		else if (opt == LUT_OPT_CACHE)
			a.cache = optarg;
		else if (opt == LUT_OPT_KEEP)
			a.keep = true;
		else if (opt == LUT_OPT_TIMEOUT)
			a.timeout = optarg;
		else if (opt == LUT_OPT_OFFLINE)
			a.offline = true;
		else if (cli_common_opt(&cli, opt, optarg))
			return 2;
	}
	if (opt == CLI_HELP)
		return 0;
	what = optind < argc ? argv[optind] : NULL;
	if (!what || (strcmp(what, "update") && strcmp(what, "info")) ||
	    optind + 1 < argc) {
		cli_error(&cli, "expected `lut update`, `lut info` or `lut lookup`%s%s%s",
		    what ? ", got '" : "", what ? argv[argc - 1] : "",
		    what ? "'" : "");
		return 2;
	}
	if (cli_configure(&cli))
		return 2;
	if (a.timeout && config_set(&cli.cfg, "lut.fetch-timeout", a.timeout,
	    &err)) {
		cli_error(&cli, "--fetch-timeout: %s", err.msg);
		return 2;
	}
	if (!strcmp(what, "info"))
		return cmd_lut_info(&cli, a.lut);
	return lut_update(&cli, &a);
}
