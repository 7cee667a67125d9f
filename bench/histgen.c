/* histgen.c: generated history written through the stats stage and store */
/*
 * A year (or --days) of it, for the history benchmark (bench/history.sh). Not part
 * of `make test`.
 *
 * Model: --devices local devices (192.168.0.0/16), each active hour (fewer at night)
 * talking to --conv remote hosts drawn from the day's pool of --remotes, with an
 * application, bytes both ways and, for DNS, queries. To keep a year within minutes:
 * hours older than --dense-days put all their traffic in their first minute (the hour
 * and day rollups get the same keys and sums; the minute table of those days, which
 * retention drops after 7 days anyway, is 60 times smaller), and raw flow records older
 * than --flow-days (the flows retention) are not written, as retention would delete
 * them. The last --dense-days spread each conversation over several minutes.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/stats/stats.h"
#include "../src/store/store.h"

#define MAX_BATCH 65536

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double
unit(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static const char *const apps[] = { "TLS.Google", "TLS.YouTube", "TLS.Netflix",
	"QUIC.Google", "TLS.Microsoft", "TLS.Amazon", "TLS.Apple", "HTTP",
	"DNS", "TLS.Facebook", "TLS.WhatsApp", "NTP", "TLS.Spotify",
	"TLS.Cloudflare", "TLS", "QUIC", "SSH", "TLS.Zoom", "TLS.Teams",
	"STUN", "TLS.GitHub", "IMAPS", "TLS.Dropbox", "Unknown", "TLS.Steam" };
#define N_APPS (sizeof(apps) / sizeof(apps[0]))
static const char *const ccs[] = { "US", "DE", "NL", "IE", "GB", "FR", "SE",
	"JP", "SG", "CA", "BR", "AU", "IN", "CH", "PL", "IT", "ES", "FI",
	"DK", "BE" };
#define N_CCS (sizeof(ccs) / sizeof(ccs[0]))

struct gen {
	uint32_t days, devices, remotes, conv, dense_days, flow_days;
	int64_t start;
	struct stats *stats;
	struct store *st;
	struct ft_flowrec *batch;
	size_t n;
	uint64_t records, points, flows_written;
};

static int
flush_records(struct gen *g, bool write)
{
	struct ft_err err = { 0 };

	stats_add(g->stats, g->batch, g->n);
	g->records += g->n;
	if (write && g->n) {
		if (store_append(g->st, g->batch, g->n, &err)) {
			fprintf(stderr, "histgen: %s\n", err.msg);
			return 1;
		}
		g->flows_written += g->n;
	}
	g->n = 0;
	return 0;
}

static int
close_minutes(struct gen *g, uint64_t now_us)
{
	const struct ft_series_pt *pts;
	struct ft_err err = { 0 };
	size_t n = stats_close(g->stats, now_us, &pts);

	g->points += n;
	if (n && store_append_series(g->st, pts, n, &err)) {
		fprintf(stderr, "histgen: %s\n", err.msg);
		return 1;
	}
	return 0;
}

/* One record of device d with remote r of the day, in minute m (seconds). */
static void
add_record(struct gen *g, uint32_t d, uint32_t r, uint32_t day, int64_t m,
    uint64_t id)
{
	struct ft_flowrec *x = &g->batch[g->n++];
	uint32_t h = (uint32_t)((r * 2654435761u) ^ (day / 7 * 40503u));
	size_t a = (h >> 8) % N_APPS;
	double down = 2000.0 * (1.0 + 1e3 * unit() * unit() * unit());

	memset(x, 0, sizeof(*x));
	x->flow_id = id;
	x->first_us = x->start_us = (uint64_t)(m + (int64_t)(rnd() % 50)) *
	    1000000;
	x->last_us = x->first_us + 5000000;
	x->ip_ver = 4;
	x->cli[0] = 192;
	x->cli[1] = 168;
	x->cli[2] = (uint8_t)(d >> 8);
	x->cli[3] = (uint8_t)(d & 255);
	x->srv[0] = (uint8_t)(20 + h % 180);
	x->srv[1] = (uint8_t)(h >> 8);
	x->srv[2] = (uint8_t)(h >> 16);
	x->srv[3] = (uint8_t)(h >> 24);
	x->cli_mac[0] = 0x02;
	x->cli_mac[4] = (uint8_t)(d >> 8);
	x->cli_mac[5] = (uint8_t)d;
	x->srv_mac[0] = 0x02;
	x->srv_mac[5] = 0xfe;	/* the router */
	x->proto = strncmp(apps[a], "QUIC", 4) && strcmp(apps[a], "DNS") &&
	    strcmp(apps[a], "NTP") && strcmp(apps[a], "STUN") ? 6 : 17;
	x->cport = (uint16_t)(32768 + rnd() % 28000);
	x->sport = x->proto == 6 ? 443 : 53;
	x->bytes[1] = (uint64_t)down;
	x->bytes[0] = x->bytes[1] / 12 + 120;
	x->pkts[1] = x->bytes[1] / 1400 + 1;
	x->pkts[0] = x->bytes[0] / 600 + 1;
	x->flags = FT_REC_FINAL;
	x->local = FT_LOCAL_CLI;
	x->asn = 64512 + h % 400;
	memcpy(x->country, ccs[(h >> 4) % N_CCS], 3);
	snprintf(x->app, sizeof(x->app), "%s", apps[a]);
	if (!strcmp(apps[a], "DNS")) {
		x->dns_queries = 1 + (uint32_t)(rnd() % 4);
		x->dns_ok = x->dns_queries - (rnd() % 8 == 0);
		x->dns_err = x->dns_queries - x->dns_ok;
	}
}

/* Activity of an hour of the day: low at night, high in the evening. */
static double
activity(int hour)
{
	static const double a[24] = { .15, .1, .08, .08, .08, .1, .2, .4, .6,
		.7, .7, .7, .75, .7, .7, .7, .75, .8, .9, 1, 1, .9, .6, .3 };
	return a[hour % 24];
}

static int
gen_hour(struct gen *g, uint32_t day, int hour, uint64_t *id)
{
	int64_t h0 = g->start + (int64_t)day * 86400 + hour * 3600;
	bool dense = day + g->dense_days >= g->days;
	bool write = day + g->flow_days >= g->days;
	uint32_t d, c, k, parts, pool = g->remotes;
	int m;

	for (m = 0; m < 60; m++) {
		/* every minute of a dense hour, else its first only */
		if (!dense && m)
			break;
		for (d = 0; d < g->devices; d++) {
			if (unit() > activity(hour))
				continue;
			for (c = 0; c < g->conv; c++) {
				parts = dense ? 1 + (uint32_t)(rnd() % 3) : 1;
				for (k = 0; k < parts; k++) {
					if (dense && rnd() % 60 >= parts)
						continue;
					add_record(g, d, (uint32_t)(rnd() % pool),
					    day, h0 + m * 60, ++*id);
					if (g->n == MAX_BATCH &&
					    flush_records(g, write))
						return 1;
				}
			}
		}
		if (flush_records(g, write) ||
		    close_minutes(g, (uint64_t)(h0 + m * 60 + 60) * 1000000))
			return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "days", required_argument, NULL, 'd' },
		{ "devices", required_argument, NULL, 'n' },
		{ "remotes", required_argument, NULL, 'r' },
		{ "conv", required_argument, NULL, 'c' },
		{ "dense-days", required_argument, NULL, 'D' },
		{ "flow-days", required_argument, NULL, 'F' },
		{ "db", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct gen g = { .days = 365, .devices = 30, .remotes = 5000,
		.conv = 12, .dense_days = 8, .flow_days = 60 };
	struct stats_opts so = { .top_k = 50, .top_local = 256,
		.max_keys = 65536 };
	struct store_opts o = { .commit_interval_s = 60, .packet_clock = true,
		.keep = { 60, 7, 365, 3650 }, .command = "histgen" };
	struct ft_err err = { 0 };
	struct timespec t0, t1;
	uint64_t id = 0;
	uint32_t day;
	int opt, hour;

	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'd': g.days = (uint32_t)atoi(optarg); break;
		case 'n': g.devices = (uint32_t)atoi(optarg); break;
		case 'r': g.remotes = (uint32_t)atoi(optarg); break;
		case 'c': g.conv = (uint32_t)atoi(optarg); break;
		case 'D': g.dense_days = (uint32_t)atoi(optarg); break;
		case 'F': g.flow_days = (uint32_t)atoi(optarg); break;
		case 'o': o.path = optarg; break;
		default:
			fprintf(stderr, "usage: histgen --db FILE [--days N] "
			    "[--devices N] [--remotes N] [--conv N] "
			    "[--dense-days N] [--flow-days N]\n");
			return 2;
		}
	}
	if (!o.path || !g.days || !g.devices || !g.remotes) {
		fprintf(stderr, "histgen: --db is required\n");
		return 2;
	}
	g.start = 1735689600;	/* 2025-01-01 UTC */
	g.batch = calloc(MAX_BATCH, sizeof(*g.batch));
	if (!g.batch || stats_new(&so, &g.stats, &err) ||
	    store_open(&o, &g.st, &err) || store_set_iface(g.st, 0, "gen", &err)) {
		fprintf(stderr, "histgen: %s\n", err.msg[0] ? err.msg : "memory");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (day = 0; day < g.days; day++) {
		for (hour = 0; hour < 24; hour++)
			if (gen_hour(&g, day, hour, &id))
				return 1;
		if ((day + 1) % 30 == 0)
			fprintf(stderr, "histgen: day %u of %u\n", day + 1,
			    g.days);
	}
	if (close_minutes(&g, UINT64_MAX) || store_commit(g.st, &err)) {
		fprintf(stderr, "histgen: %s\n", err.msg);
		return 1;
	}
	store_close(g.st);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("histgen: %u days, %u devices: %llu records (%llu written as "
	    "flows), %llu minute points, %.1f s\n", g.days, g.devices,
	    (unsigned long long)g.records,
	    (unsigned long long)g.flows_written,
	    (unsigned long long)g.points, (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	stats_free(g.stats);
	free(g.batch);
	return 0;
}
