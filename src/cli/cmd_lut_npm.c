/* cmd_lut_npm.c: `lut update`'s npm fetch */
/*
 * A quick look for the registry, bounded waits said on stderr, npm's cache when
 * offline.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd_lut.h"

#define NPM_PROBE_S 5		/* to resolve and reach the registry */
#define NPM_CONFIG_S 15		/* for `npm config get` */
#define NPM_CACHE_S 60		/* for one `npm pack --offline` */
#define NPM_TELL_S 10		/* between "still waiting" lines */

/* A package and what becomes of the fetch without it. */
static const struct {
	const char *name;	/* npm package */
	bool needed;		/* the fetch fails without it */
} npm_pkgs[] = {
	{ "@ip-location-db/asn", true },
	{ "@ip-location-db/dbip-country", false },
	{ "@ip-location-db/asn-country", true },	/* only without dbip */
};

/* One fetch. */
struct npm {
	const struct lut_npm *o;	/* the caller's options */
	double deadline;		/* monotonic seconds: the fetch ends */
	bool offline;			/* npm's cache only, from now on */
	char registry[512];		/* npm's registry URL */
	char proxy[512];		/* npm's https-proxy or proxy, or "" */
};

static double
npm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

bool
cmd_lut_in_path(const char *prog)
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

static void
npm_child(char *const argv[], const char *cwd, const char *out,
    const char *err)
{
	int fd;

	if (cwd && chdir(cwd))
		_exit(126);
	fd = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		dup2(fd, 1);
	fd = open(err ? err : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		dup2(fd, 2);
	execvp(argv[0], argv);
	_exit(127);
}

/*
 * Run argv (no shell) in cwd, output to files, until it ends or the
 * deadline passes (then it is killed: -2). what (may be NULL) names it in
 * a line on stderr every NPM_TELL_S seconds. Exit status, 127: not found.
 */
static int
npm_run(const struct npm *f, char *const argv[], const char *out,
    const char *err, double deadline, const char *what)
{
	double start = npm_now(), told = start;
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	pid_t pid, r;
	int st;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		npm_child(argv, f->o->work, out, err);
	while ((r = waitpid(pid, &st, WNOHANG)) == 0) {
		double now = npm_now();

		if (now >= deadline) {
			kill(pid, SIGTERM);
			for (int i = 0; i < 40 && !waitpid(pid, &st, WNOHANG); i++)
				nanosleep(&tick, NULL);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -2;
		}
		if (what && now - told >= NPM_TELL_S && !f->o->cli->quiet) {
			fprintf(stderr, "flowtrail: lut: still waiting for %s: "
			    "%.0f s, giving up after %.0f s (lut.fetch-timeout)\n",
			    what, now - start, deadline - start);
			told = now;
		}
		nanosleep(&tick, NULL);
	}
	if (r < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
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

/* npm's registry and proxy (`npm config get`, so .npmrc counts too). */
static void
npm_config(struct npm *f)
{
	char *argv[] = { "npm", "config", "get", "registry", "https-proxy",
		"proxy", NULL };
	char out[CONFIG_PATH_MAX + 16], line[600];
	FILE *in;

	snprintf(f->registry, sizeof(f->registry), "https://registry.npmjs.org/");
	f->proxy[0] = '\0';
	snprintf(out, sizeof(out), "%s/npm-config.out", f->o->work);
	if (npm_run(f, argv, out, NULL, npm_now() + NPM_CONFIG_S, NULL) ||
	    !(in = fopen(out, "r")))
		return;
	while (fgets(line, sizeof(line), in)) {
		char *v = strchr(line, '=');

		line[strcspn(line, "\r\n")] = '\0';
		if (!v || !v[1] || !strcmp(v + 1, "null"))
			continue;
		*v++ = '\0';
		if (!strcmp(line, "registry"))
			snprintf(f->registry, sizeof(f->registry), "%s", v);
		else if (!f->proxy[0])	/* https-proxy comes first */
			snprintf(f->proxy, sizeof(f->proxy), "%s", v);
	}
	fclose(in);
	unlink(out);
}

/* Host and port of a URL (scheme://[user@]host[:port]/...). */
static int
npm_hostport(const char *url, char *host, size_t hlen, char *port,
    size_t plen)
{
	const char *p = strstr(url, "://"), *end, *at, *colon;
	bool https = !strncmp(url, "https:", 6);

	p = p ? p + 3 : url;
	end = p + strcspn(p, "/?#");
	at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	if (*p == '[') {	/* [v6]:port */
		colon = memchr(p, ']', (size_t)(end - p));
		if (!colon)
			return -1;
		snprintf(host, hlen, "%.*s", (int)(colon - p - 1), p + 1);
		colon = colon[1] == ':' ? colon + 1 : NULL;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		snprintf(host, hlen, "%.*s", (int)((colon ? colon : end) - p), p);
	}
	if (colon && colon + 1 < end)
		snprintf(port, plen, "%.*s", (int)(end - colon - 1), colon + 1);
	else
		snprintf(port, plen, "%s", https ? "443" : "80");
	return *host ? 0 : -1;
}

/* In a child: resolve host and connect to it; the reason it failed on fd. */
static void
npm_probe_child(const char *host, const char *port, int fd)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char msg[200];
	int rc, s, e = 0;

	rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		snprintf(msg, sizeof(msg), "cannot resolve %.120s: %s", host,
		    gai_strerror(rc));
		(void)!write(fd, msg, strlen(msg));
		_exit(1);
	}
	for (ai = res; ai; ai = ai->ai_next) {
		s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (s >= 0 && !connect(s, ai->ai_addr, ai->ai_addrlen))
			_exit(0);
		e = errno;
		if (s >= 0)
			close(s);
	}
	snprintf(msg, sizeof(msg), "cannot connect to %.120s port %s: %s", host,
	    port, strerror(e));
	(void)!write(fd, msg, strlen(msg));
	_exit(1);
}

/* Can the registry (or the proxy) be reached within NPM_PROBE_S? */
static bool
npm_probe(const struct npm *f, char *why, size_t len)
{
	const char *url = f->proxy[0] ? f->proxy : f->registry;
	char host[256], port[16];
	struct pollfd pfd;
	int fds[2], st = 1;
	ssize_t n = 0;
	pid_t pid;

	snprintf(why, len, "no answer within %d s", NPM_PROBE_S);
	if (npm_hostport(url, host, sizeof(host), port, sizeof(port)))
		return true;	/* npm will say what is wrong with it */
	if (pipe(fds))
		return true;
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		npm_probe_child(host, port, fds[1]);
	}
	close(fds[1]);
	pfd = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	if (pid > 0 && poll(&pfd, 1, NPM_PROBE_S * 1000) == 1) {
		n = read(fds[0], why, len - 1);
		why[n > 0 ? n : 0] = '\0';
		if (n <= 0)
			snprintf(why, len, "no answer within %d s", NPM_PROBE_S);
		waitpid(pid, &st, 0);
	} else if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	close(fds[0]);
	return pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/*
 * `npm pack PKG` into the work directory until deadline; npm's own waits
 * are cut to it too. 0, -FT_EAGAIN when killed at the deadline, -FT_EIO
 * with npm's reason in msg.
 */
static int
npm_pack(const struct npm *f, const char *pkg, bool offline,
    double deadline, char *msg, size_t len)
{
	char out[CONFIG_PATH_MAX + 16], errf[CONFIG_PATH_MAX + 16],
	    wait_ms[48], what[160], *argv[10];
	double left = deadline - npm_now();
	int i = 0, rc;

	snprintf(wait_ms, sizeof(wait_ms), "--fetch-timeout=%.0f",
	    left > 1 ? left * 1000 : 1000);
	argv[i++] = "npm";
	argv[i++] = "pack";
	if (offline)
		argv[i++] = "--offline";
	argv[i++] = "--fetch-retries=1";
	argv[i++] = "--fetch-retry-mintimeout=1000";
	argv[i++] = "--fetch-retry-maxtimeout=5000";
	argv[i++] = wait_ms;
	argv[i++] = (char *)pkg;
	argv[i] = NULL;
	snprintf(out, sizeof(out), "%s/npm.out", f->o->work);
	snprintf(errf, sizeof(errf), "%s/npm.err", f->o->work);
	snprintf(what, sizeof(what), "npm pack %s%s", offline ? "--offline " :
	    "", pkg);
	rc = npm_run(f, argv, out, errf, deadline, what);
	if (rc == -2)
		snprintf(msg, len, "no answer within %.0f s", left);
	else if (rc && strstr(npm_error(errf, msg, len), "only-if-cached"))
		snprintf(msg, len, "npm's cache holds no copy of it");
	unlink(out);
	unlink(errf);
	return rc == -2 ? -FT_EAGAIN : rc ? -FT_EIO : 0;
}

/* One package: from the registry, else from npm's cache. */
static int
npm_fetch_one(struct npm *f, const char *pkg, char *msg, size_t len)
{
	char why[256];
	int rc;

	if (!f->offline) {
		rc = npm_pack(f, pkg, false, f->deadline, why, sizeof(why));
		if (!rc)
			return 0;
		fprintf(stderr, "flowtrail: lut: npm pack %s from %s: %s; trying npm's cache\n",
		    pkg, f->registry, why);
		if (rc == -FT_EAGAIN || npm_now() >= f->deadline)
			f->offline = true;	/* the rest too */
	}
	rc = npm_pack(f, pkg, true, npm_now() + NPM_CACHE_S, msg, len);
	if (!rc && !f->o->cli->quiet)
		fprintf(stderr, "flowtrail: lut: %s taken from npm's cache\n",
		    pkg);
	return rc;
}

int
cmd_lut_npm_fetch(const struct lut_npm *o)
{
	struct npm f = { .o = o, .offline = o->offline };
	char why[256], msg[256];
	bool dbip = false;
	size_t k;
	int rc;

	if (!cmd_lut_in_path("npm")) {
		cli_error(o->cli, "npm not found: install Node.js and npm "
		    "(apt-get install npm), or fetch the CSVs elsewhere and "
		    "run `flowtrail lut update --from DIR`");
		return -FT_ENOENT;
	}
	if (!f.offline)
		npm_config(&f);
	if (!f.offline && !npm_probe(&f, why, sizeof(why))) {
		fprintf(stderr, "flowtrail: lut: the npm registry %s is out of "
		    "reach (%s); taking the packages from npm's cache\n",
		    f.proxy[0] ? f.proxy : f.registry, why);
		f.offline = true;
	}
	f.deadline = npm_now() + o->timeout_s;
	if (!o->cli->quiet)
		fprintf(stderr, "flowtrail: lut: fetching %s and %s with npm %s into %s\n",
		    npm_pkgs[0].name, npm_pkgs[1].name, f.offline ?
		    "from its cache" : "from the registry", o->work);
	if (!f.offline && !o->cli->quiet)
		fprintf(stderr, "flowtrail: lut: waiting for %s, at most %u s "
		    "(lut.fetch-timeout), then npm's cache\n",
		    f.registry, o->timeout_s);
	for (k = 0; k < sizeof(npm_pkgs) / sizeof(npm_pkgs[0]); k++) {
		if (k == 2 && dbip)
			break;
		rc = npm_fetch_one(&f, npm_pkgs[k].name, msg, sizeof(msg));
		if (k == 1)
			dbip = !rc;
		if (rc && npm_pkgs[k].needed) {
			cli_error(o->cli, "cannot get %s: %s; or fetch the "
			    "CSVs elsewhere and run `flowtrail lut update --from DIR`",
			    npm_pkgs[k].name, msg);
			return rc;
		}
	}
	return 0;
}
