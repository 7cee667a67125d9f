/* cmd_lut.c: `flowtrail lut update|info`: fetch the sources (npm, a directory or a tarball), compile, describe. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../enrich/lut.h"
#include "cmd_lut.h"

#define LUT_OPT_LUT 1000	/* --lut */
#define LUT_OPT_FROM 1001	/* --from */
#define LUT_OPT_CACHE 1002	/* --cache */
#define LUT_OPT_KEEP 1003	/* --keep */
#define LUT_SCAN_DEPTH 4	/* DIR/x/y/package/file.csv */

static const char *const npm_packages[] = {
	"@ip-location-db/asn", "@ip-location-db/dbip-country",
	"@ip-location-db/asn-country",
};

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
};

static void
usage(void)
{
	printf("usage: flowtrail lut update [--from DIR|FILE.tgz] [--lut FILE] [--cache DIR] [--keep]\n"
	    "       flowtrail lut info [--lut FILE]\n"
	    "       flowtrail lut lookup IP|MAC...   (the same as `flowtrail lookup`)\n"
	    "update compiles IP-to-ASN, IP-to-country and MAC-vendor tables into one\n"
	    "file (default %s). Without --from it fetches the npm packages\n"
	    "@ip-location-db/asn, dbip-country and asn-country with `npm pack`; the MAC\n"
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

/* Run argv (no shell) in cwd, output to files; exit status, 127: not found. */
static int
run_cmd(char *const argv[], const char *cwd, const char *out, const char *err)
{
	pid_t pid;
	int st, fd;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (cwd && chdir(cwd))
			_exit(126);
		fd = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC,
		    0644);
		if (fd >= 0)
			dup2(fd, 1);
		fd = open(err ? err : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC,
		    0644);
		if (fd >= 0)
			dup2(fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static bool
in_path(const char *prog)
{
	const char *p = getenv("PATH");
	char buf[CONFIG_PATH_MAX];
	size_t n;

	for (; p && *p; p += n + (p[n] == ':')) {
		n = strcspn(p, ":");
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, prog);
		if (n && access(buf, X_OK) == 0)
			return true;
	}
	return false;
}

/* npm's first line of error that says something, into buf. */
static const char *
npm_error(const char *path, char *buf, size_t len)
{
	static const char *const skip[] = { "code ", "syscall ", "errno " };
	char line[512];
	FILE *f = fopen(path, "r");
	size_t i;

	snprintf(buf, len, "no message");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "npm error ", 10) || !line[10])
			continue;
		for (i = 0; i < 3 && strncmp(line + 10, skip[i],
		    strlen(skip[i])); i++)
			;
		if (i == 3) {
			snprintf(buf, len, "%.200s", line + 10);
			break;
		}
	}
	if (f)
		fclose(f);
	return buf;
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
	char list[CONFIG_PATH_MAX], line[CONFIG_PATH_MAX], *argv[48];
	int n = 0, i, rc;
	FILE *f;

	if (make_dirs(dest, false))
		return -FT_EIO;
	snprintf(list, sizeof(list), "%s/.members", dest);
	argv[0] = "tar";
	argv[1] = "-tzf";
	argv[2] = (char *)tgz;
	argv[3] = NULL;
	rc = run_cmd(argv, NULL, list, NULL);
	f = rc ? NULL : fopen(list, "r");
	if (!f) {
		cli_error(u->cli, "%s: cannot list it with tar (%s)", tgz,
		    rc == 127 ? "tar not found" : "not a gzip'ed tar file?");
		return -FT_EPARSE;
	}
	argv[n++] = "tar";
	argv[n++] = "-xzf";
	argv[n++] = (char *)tgz;
	argv[n++] = "-C";
	argv[n++] = (char *)dest;
	while (fgets(line, sizeof(line), f) && n < 47) {
		line[strcspn(line, "\r\n")] = '\0';
		if (wanted(line) && (argv[n] = strdup(line)))
			n++;
	}
	fclose(f);
	unlink(list);
	argv[n] = NULL;
	rc = n > 5 ? run_cmd(argv, NULL, NULL, NULL) : -1;
	for (i = 5; i < n; i++)
		free(argv[i]);
	if (rc)
		cli_error(u->cli, "%s: %s", tgz, n > 5 ?
		    "tar could not unpack it" : "holds none of the source files");
	return rc ? -FT_EPARSE : 0;
}

/* npm pack the three packages into the work directory and unpack them. */
static int
fetch_npm(struct update *u)
{
	char out[CONFIG_PATH_MAX + 16], errf[CONFIG_PATH_MAX + 16], tgz[512],
	    path[2 * CONFIG_PATH_MAX], dest[2 * CONFIG_PATH_MAX], msg[256],
	    *argv[8];
	int rc, i = 0;
	FILE *f;

	if (!in_path("npm")) {
		cli_error(u->cli, "npm not found: install Node.js and npm (apt-get install npm), or fetch the CSVs elsewhere and run `flowtrail lut update --from DIR`");
		return -FT_ENOENT;
	}
	argv[i++] = "npm";
	argv[i++] = "pack";
	argv[i++] = "--fetch-retries=1";
	for (size_t k = 0; k < 3; k++)
		argv[i++] = (char *)npm_packages[k];
	argv[i] = NULL;
	snprintf(out, sizeof(out), "%s/npm.out", u->work);
	snprintf(errf, sizeof(errf), "%s/npm.err", u->work);
	if (!u->cli->quiet)
		printf("fetching %s, %s and %s with npm into %s\n",
		    npm_packages[0], npm_packages[1], npm_packages[2], u->work);
	rc = run_cmd(argv, u->work, out, errf);
	f = rc ? NULL : fopen(out, "r");
	if (!f) {
		cli_error(u->cli, "npm pack failed (no network? registry unreachable?): %s; or fetch the CSVs elsewhere and run `flowtrail lut update --from DIR`",
		    npm_error(errf, msg, sizeof(msg)));
		return -FT_EIO;
	}
	rc = 0;
	while (!rc && fgets(tgz, sizeof(tgz), f)) {
		tgz[strcspn(tgz, "\r\n")] = '\0';
		if (!strstr(tgz, ".tgz"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", u->work, tgz);
		snprintf(dest, sizeof(dest), "%s/%.*s", u->work,
		    (int)(strlen(tgz) - 4), tgz);
		if (!u->cli->quiet)
			printf("unpacking %s\n", tgz);
		rc = extract_tgz(u, path, dest);
		unlink(path);
	}
	fclose(f);
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
		cli_error(u->cli, "%s has no %s: get asn-ipv4.csv and asn-ipv6.csv with `npm pack @ip-location-db/asn`",
		    where, u->path[F_ASN4][0] ? "asn-ipv6.csv" : "asn-ipv4.csv");
		return -FT_ENOENT;
	}
	if (!dbip && (!u->path[F_AC4][0] || !u->path[F_AC6][0])) {
		cli_error(u->cli, "%s has no dbip-country-ipv4.csv and -ipv6.csv (nor asn-country-*): get them with `npm pack @ip-location-db/dbip-country`",
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
		cli_error(u->cli, "no MAC vendor list: put Wireshark's manuf or IEEE's oui.csv in %s, or install libwireshark-data or ieee-data",
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

static int
lut_update(struct cli *cli, const char *lut_arg, const char *from,
    const char *cache_arg, bool keep)
{
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
		CLI_COMMON_LONGOPTS
	};
	struct cli cli = { .cmd = "lut" };
	const char *lut_arg = NULL, *from = NULL, *cache = NULL, *what;
	bool keep = false;
	int opt;

	if (argc > 1 && !strcmp(argv[1], "lookup"))	/* `lut lookup` too */
		return cmd_lookup(argc - 1, argv + 1);
	while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (opt == 'h') {
			usage();
			return 0;
		}
		if (opt == LUT_OPT_LUT)
			lut_arg = optarg;
		else if (opt == LUT_OPT_FROM)
			from = optarg;
		else if (opt == LUT_OPT_CACHE)
			cache = optarg;
		else if (opt == LUT_OPT_KEEP)
			keep = true;
		else if (cli_common_opt(&cli, opt, optarg))
			return 2;
	}
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
	if (!strcmp(what, "info"))
		return cmd_lut_info(&cli, lut_arg);
	return lut_update(&cli, lut_arg, from, cache, keep);
}
