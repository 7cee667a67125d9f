/* cmd_series.c: `flowtrail series` and `flowtrail usage` */
/*
 * Reports over the per-minute series and their rollups.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../query/series.h"
#include "cli_report.h"

static void
series_usage(void)
{
	printf("usage: flowtrail series KIND [KEY|FILTER] [--step 1m|1h|1d]\n"
	    "                        [--since T] [--until T] [--limit N]\n"
	    "                        [--db FILE] [--format table|csv|json]\n"
	    "KIND: iface, proto, app, host, remote, mac, device, asn, country.\n"
	    "KEY: one word, a name, number, address or 'other'. FILTER: more\n"
	    "words (or local, remote) on the kind's keys, e.g. 'net 10.0.0.0/8':\n"
	    "the sum of the keys it selects. Neither: the sum of the kind.\n"
	    "Bytes and packets in and out per step, with flows; interfaces add\n"
	    "the busiest second (peak_bps) and non-IP bytes, hosts their DNS.\n"
	    "Without --step: 1m up to 6 hours, 1h up to 31 days, else 1d.\n");
}

/*
 * The words from first on as a FILTER of series rows, options and the
 * store for a series report; 0 or the exit code.
 */
static int
series_open(struct cli *cli, struct cli_report *r, int argc, char **argv,
    int first)
{
	r->series = true;
	return cli_report_start(cli, r, argc, argv, first);
}

/*
 * Whether the words after KIND are one KEY rather than a FILTER: a single
 * word without blanks or parentheses, other than the filters local and
 * remote (every other primitive takes an argument).
 */
static bool
series_is_key(int argc, char **argv, int i)
{
	const char *s = argv[i];

	if (argc - i != 1 || strpbrk(s, " \t\n()"))
		return false;
	return strcasecmp(s, "local") != 0 && strcasecmp(s, "remote") != 0;
}

int
cmd_series(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "step", required_argument, NULL, 'T' },
		CLI_REPORT_LONGOPTS,
		CLI_COMMON_LONGOPTS
	};
	struct query_series_opts o = { 0 };
	struct cli cli = { .cmd = "series" };
	struct cli_report r = { 0 };
	struct ft_err err = { 0 };
	int opt, rc;

	while ((opt = cli_next_opt(argc, argv, CLI_COMMON_SHORTOPTS, longopts,
	    series_usage)) >= 0) {
		if (opt == 'T') {
			if (query_step_parse(optarg, &o.step_s, &err)) {
				cli_error(&cli, "--step: %s", err.msg);
				return 2;
			}
			continue;
		}
		if (cli_report_opt(&cli, &r, opt, optarg))
			return 2;
	}
	if (opt == CLI_HELP)
		return 0;
	if (optind >= argc) {
		cli_error(&cli, "KIND is required (e.g. series iface, series asn "
		    "15169, series host 192.168.1.10)");
		return 2;
	}
	if (query_series_kind_parse(argv[optind++], &o.kind, &err)) {
		cli_error(&cli, "%s", err.msg);
		return 2;
	}
	if (optind < argc && series_is_key(argc, argv, optind))
		o.key = argv[optind++];
	rc = series_open(&cli, &r, argc, argv, optind);
	if (rc)
		return rc;
	o.filter = r.sfilter;
	o.since_us = r.range.since_us;
	o.until_us = r.range.until_us;
	o.limit = r.range.limit;
	rc = query_series(r.st, &o, r.w, &err);
	return cli_report_end(&cli, &r, rc, &err);
}

static void
usage_usage(void)
{
	printf("usage: flowtrail usage [--daily|--monthly] [--by KIND] [--since T]\n"
	    "                       [--until T] [--limit N] [--db FILE]\n"
	    "                       [--format table|csv|json] [FILTER]\n"
	    "Bytes received and sent per local day (or billing month, from\n"
	    "history.billing-day) with a total; with --by, the busiest --limit\n"
	    "(10) keys of a kind per period: host (local), remote, mac, device,\n"
	    "asn, country, app, proto or iface.\n"
	    "FILTER keeps the keys it selects, of one kind (host, net, local,\n"
	    "remote; mac, vendor, device; app, category; proto; asn; country;\n"
	    "iface): without --by, their sums; with --by, the same kind.\n");
}

int
cmd_usage(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "daily", no_argument, NULL, 'd' },
		{ "monthly", no_argument, NULL, 'm' },
		{ "by", required_argument, NULL, 'b' },
		CLI_REPORT_LONGOPTS,
		CLI_COMMON_LONGOPTS
	};
	struct query_usage_opts o = { 0 };
	struct cli cli = { .cmd = "usage" };
	struct cli_report r = { 0 };
	struct ft_err err = { 0 };
	int opt, rc;

	while ((opt = cli_next_opt(argc, argv, CLI_COMMON_SHORTOPTS, longopts,
	    usage_usage)) >= 0) {
		if (opt == 'd' || opt == 'm') {
			o.monthly = opt == 'm';
			continue;
		}
		if (opt == 'b') {
			if (query_series_kind_parse(optarg, &o.kind, &err)) {
				cli_error(&cli, "--by: %s", err.msg);
				return 2;
			}
			o.by = true;
			continue;
		}
		if (cli_report_opt(&cli, &r, opt, optarg))
			return 2;
	}
	if (opt == CLI_HELP)
		return 0;
	rc = series_open(&cli, &r, argc, argv, optind);
	if (rc)
		return rc;
	o.filter = r.sfilter;
	o.since_us = r.range.since_us;
	o.until_us = r.range.until_us;
	o.limit = r.range.limit;
	o.billing_day = cli.cfg.history.billing_day;
	rc = query_usage(r.st, &o, r.w, &err);
	return cli_report_end(&cli, &r, rc, &err);
}
