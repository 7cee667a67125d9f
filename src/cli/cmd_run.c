/* cmd_run.c: `flowtrail run`: live capture into the store until a signal */
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../base/ft_log.h"
#include "../base/ft_time.h"
#include "../capture/capture.h"
#include "cli.h"
#include "pipeline.h"
#include "run_priv.h"

static volatile sig_atomic_t run_stop;
static volatile sig_atomic_t run_reload;

#define RELOAD_EVERY_US 10000000u	/* look at tables, labels, leases this often */

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		run_reload = 1;
	else
		run_stop = 1;
}

/* Bits set in a netmask of len bytes. */
static unsigned
mask_len(const uint8_t *m, size_t len)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < len; i++)
		n += (unsigned)__builtin_popcount(m[i]);
	return n;
}

/* The capture interfaces' own prefixes are local networks too. */
static void
add_iface_prefixes(struct enrich *e, char **ifaces, int n)
{
	struct ifaddrs *ifa, *it;
	int i;

	if (getifaddrs(&ifa))
		return;
	for (it = ifa; it; it = it->ifa_next) {
		if (!it->ifa_addr || !it->ifa_netmask)
			continue;
		for (i = 0; i < n && strcmp(ifaces[i], it->ifa_name); i++)
			;
		if (i == n)
			continue;
		if (it->ifa_addr->sa_family == AF_INET) {
			struct sockaddr_in *a = (void *)it->ifa_addr;
			struct sockaddr_in *m = (void *)it->ifa_netmask;

			enrich_add_local(e, (uint8_t *)&a->sin_addr, 4,
			    mask_len((uint8_t *)&m->sin_addr, 4));
		} else if (it->ifa_addr->sa_family == AF_INET6) {
			struct sockaddr_in6 *a = (void *)it->ifa_addr;
			struct sockaddr_in6 *m = (void *)it->ifa_netmask;

			enrich_add_local(e, a->sin6_addr.s6_addr, 6,
			    mask_len(m->sin6_addr.s6_addr, 16));
		}
	}
	freeifaddrs(ifa);
}

/* SIGHUP or every RELOAD_EVERY_US: pick up new tables, labels and leases. */
static void
maybe_reload(struct pipeline *p, uint64_t now, uint64_t *next)
{
	struct ft_err err = { 0 };

	if (!run_reload && now < *next)
		return;
	run_reload = 0;
	*next = now + RELOAD_EVERY_US;
	if (enrich_reload(p->enr, &err))
		ft_log(FT_LOG_WARN, "reload: %s (keeping what was loaded)",
		    err.msg);
}

static void
usage(void)
{
	printf("usage: flowtrail run [-i IFACE]... [--db FILE] [--user USER] [-c FILE]\n"
	    "                     [--set KEY=VALUE]...\n"
	    "Capture live (default: the interface of the default route), keep\n"
	    "flows in the store, print a status line each run.status-interval;\n"
	    "SIGINT or SIGTERM writes every open flow and exits. Started as\n"
	    "root, run becomes USER (run.user: flowtrail, else nobody; root\n"
	    "stays root) once capture and store are open, with no capability.\n");
}

/* Interface of the IPv4 default route, from /proc/net/route. */
static int
default_iface(char *buf, size_t len)
{
	char line[256], name[64];
	unsigned long dest, flags;
	FILE *f = fopen("/proc/net/route", "r");
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %lx %*x %lx", name, &dest, &flags) != 3)
			continue;
		if (dest == 0 && (flags & 1)) {
			snprintf(buf, len, "%s", name);
			found = 0;
			break;
		}
	}
	fclose(f);
	return found;
}

struct run_status {
	uint64_t last_us;	/* wall time of the previous line */
	uint64_t packets;	/* decoder packets then */
	uint64_t bytes;		/* decoder bytes then */
};

static void
print_status(struct capture *cap, struct pipeline *p, struct run_status *rs,
    uint64_t now)
{
	const struct decode_stats *ds = decoder_stats(p->dec);
	struct capture_stats cs;
	struct flow_stats fs;
	double secs = (double)(now - rs->last_us) / 1e6;
	char stamp[32];
	time_t t = (time_t)(now / 1000000u);
	struct tm tm;

	capture_get_stats(cap, &cs);
	flow_table_get_stats(p->flows, &fs);
	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%s  %.0f pkt/s  %.2f Mbit/s  %u flows open  %llu records "
	    "stored  %llu dropped\n", stamp,
	    secs > 0 ? (double)(ds->packets - rs->packets) / secs : 0.0,
	    secs > 0 ? (double)(ds->bytes - rs->bytes) * 8 / secs / 1e6 : 0.0,
	    fs.active, (unsigned long long)p->records,
	    (unsigned long long)(cs.dropped + cs.if_dropped));
	fflush(stdout);
	rs->last_us = now;
	rs->packets = ds->packets;
	rs->bytes = ds->bytes;
}

static int
run_loop(struct cli *cli, struct capture *cap, struct pipeline *p,
    struct store *st)
{
	struct store_stats ss = { 0 };
	uint64_t every = (uint64_t)cli->cfg.status_interval_s * 1000000u;
	struct run_status rs = { .last_us = ft_now_us() };
	uint64_t next_reload = rs.last_us + RELOAD_EVERY_US;
	struct ft_err err = { 0 };
	struct ft_frame f;
	uint64_t now;
	int rc;

	while (!run_stop) {
		rc = capture_next(cap, &f, 200, &err);
		if (rc == 0)
			rc = pipeline_frame(p, &f, &err);
		else if (rc == -FT_EAGAIN)
			rc = 0;
		else
			goto out_err;
		if (rc)
			goto out_store;
		now = ft_now_us();
		if (now >= p->next_tick_us && (rc = pipeline_tick(p, now, &err)))
			goto out_store;
		if (every && now - rs.last_us >= every)
			print_status(cap, p, &rs, now);
		maybe_reload(p, now, &next_reload);
	}
	if (pipeline_finish(p, &err))
		goto out_store;
	if (st)		/* the writer has stopped */
		store_get_stats(st, &ss);
	/* empty final records went onto their flow's latest row */
	ft_log(FT_LOG_INFO, "stopped: %llu records stored in %s",
	    (unsigned long long)(p->records - ss.ends_marked),
	    cli->cfg.db_path);
	return 0;
out_err:
	cli_error(cli, "%s", err.msg);
	pipeline_finish(p, &err);
	return 1;
out_store:
	cli_error(cli, "%s", err.msg);
	return 1;
}

/*
 * Open (creating) the store, name its interfaces, give it to the user run
 * becomes and become that user: the capture handles are open already, and
 * no thread has started yet (capabilities are per thread).
 */
static int
run_open_store(struct cli *cli, struct capture *cap,
    const struct run_priv *rp, struct store **out)
{
	struct ft_err err = { 0 };
	struct store_opts so;
	struct store *st = NULL;
	unsigned i;

	cli_store_opts(cli, false, &so);
	if (cli_make_db_dir(cli))
		return 1;
	umask(027);	/* the store says who talked to whom: not for all */
	if (store_open(&so, &st, &err))
		goto out_err;
	for (i = 0; i < capture_source_count(cap); i++)
		if (store_set_iface(st, i, capture_source_name(cap, i), &err))
			goto out_err;
	if (run_priv_give_store(rp, cli->cfg.db_path, cli->cfg.lut_path,
	    &err) || run_priv_drop(rp, cli->cfg.db_path, &err))
		goto out_err;
	*out = st;
	return 0;
out_err:
	cli_error(cli, "%s", err.msg);
	store_close(st);
	return 1;
}

static int
run_capture(struct cli *cli, char **ifaces, int n)
{
	struct capture_opts co = { .snaplen = cli->cfg.capture.snaplen,
		.buffer_mb = cli->cfg.capture.buffer_mb,
		.promisc = cli->cfg.capture.promisc };
	struct ft_err err = { 0 };
	struct capture *cap = NULL;
	struct pipeline *p = NULL;
	struct store *st = NULL;
	struct run_priv rp;
	int rc = 1;

	if (run_priv_resolve(cli->cfg.run_user, cli->cfg.db_path, &rp,
	    &err)) {
		cli_error(cli, "%s", err.msg);
		return 2;
	}
	if (capture_open_live(ifaces, n, &co, &cap, &err)) {
		cli_error(cli, "%s", err.msg);
		return 1;
	}
	if (run_open_store(cli, cap, &rp, &st))
		goto out_close;
	if (pipeline_new(&cli->cfg, st, &p, &err)) {
		cli_error(cli, "%s%s%s", err.msg, rp.change ? ", as user " :
		    "", rp.change ? rp.name : "");
		goto out_close;
	}
	add_iface_prefixes(p->enr, ifaces, n);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	ft_log(FT_LOG_INFO, "capturing on %s%s into %s (%s)", ifaces[0],
	    n > 1 ? " and more" : "", cli->cfg.db_path, classify_engine(p->cls));
	rc = run_loop(cli, cap, p, st);
out_close:
	pipeline_free(p);
	store_close(st);
	capture_close(cap);
	return rc;
}

int
cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "user", required_argument, NULL, 'u' },
		CLI_COMMON_LONGOPTS
	};
	struct cli cli = { .cmd = "run" };
	char *ifaces[CAPTURE_MAX_IFACES];
	const char *user = NULL;
	char def[64];
	int opt, n = 0;

	while ((opt = cli_next_opt(argc, argv, "i:" CLI_COMMON_SHORTOPTS,
	    longopts, usage)) >= 0) {
		if (opt == 'i') {
			if (n >= CAPTURE_MAX_IFACES) {
				cli_error(&cli, "at most %d interfaces",
				    CAPTURE_MAX_IFACES);
				return 2;
			}
			ifaces[n++] = optarg;
			continue;
		}
		if (opt == 'u') {
			user = optarg;
			continue;
		}
		if (cli_common_opt(&cli, opt, optarg))
			return 2;
	}
	if (opt == CLI_HELP)
		return 0;
	if (optind < argc) {
		cli_error(&cli, "unexpected argument '%s' (interfaces go with -i)",
		    argv[optind]);
		return 2;
	}
	if (cli_configure(&cli))
		return 2;
	if (user && config_set(&cli.cfg, "run.user", user, NULL)) {
		cli_error(&cli, "--user: name too long");
		return 2;
	}
	if (n == 0) {
		if (default_iface(def, sizeof(def))) {
			cli_error(&cli, "no default route: name an interface with -i");
			return 2;
		}
		ifaces[n++] = def;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	return run_capture(&cli, ifaces, n);
}
