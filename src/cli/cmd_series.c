/* cmd_series.c: `flowtrail series` and `flowtrail usage`: reports over the per-minute series and rollups. */
#include <stdio.h>
#include <string.h>

#include "../query/series.h"
#include "cli_report.h"

static void
series_usage(void)
{
	printf("usage: flowtrail series KIND [KEY] [--step 1m|1h|1d] [--since T]\n"
	    "                        [--until T] [--limit N] [--db FILE]\n"
	    "                        [--format table|csv|json]\n"
	    "KIND: iface, proto, app, host, mac, asn, country (KEY: its name,\n"
	    "number, address or 'other'; without KEY, the sum of the kind).\n"
	    "Bytes and packets in and out per step, with flows; interfaces add\n"
	    "the busiest second (peak_bps) and non-IP bytes, hosts their DNS.\n"
	    "Without --step: 1m up to 6 hours, 1h up to 31 days, else 1d.\n");
}

/* Options and the store for a series report; 0 or the exit code. */
static int
series_open(struct cli *cli, struct cli_report *r, int argc, char **argv,
    int first)
{
	int rc;

	if (first < argc) {
		cli_error(cli, "unexpected '%s': series and usage take no "
		    "filter (they hold sums, not flows; use top or flows)",
		    argv[first]);
		return 2;
	}
	if (cli_configure(cli))
		return 2;
	rc = cli_report_open(cli, r);
	return rc;
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

	while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS,
	    longopts, NULL)) != -1) {
		if (opt == 'h') {
			series_usage();
			return 0;
		}
		if (opt == 'T') {
			if (query_step_parse(optarg, &o.step_s, &err)) {
				cli_error(&cli, "--step: %s", err.msg);
				return 2;
			}
			continue;
		}
		if (cli_report_opt(&r, opt, optarg) == 0)
			continue;
		if (cli_common_opt(&cli, opt, optarg))
			return 2;
	}
	if (optind >= argc) {
		cli_error(&cli, "KIND is required (e.g. series iface, series asn "
		    "15169, series host 192.168.1.10)");
		return 2;
	}
	if (query_skind_parse(argv[optind++], &o.kind, &err)) {
		cli_error(&cli, "%s", err.msg);
		return 2;
	}
	if (optind < argc)
		o.key = argv[optind++];
	rc = series_open(&cli, &r, argc, argv, optind);
	if (rc) {
		cli_report_close(&r);
		return rc;
	}
	o.since_us = r.range.since_us;
	o.until_us = r.range.until_us;
	o.limit = r.range.limit;
	rc = query_series(r.st, &o, r.w, &err);
	if (rc)
		cli_error(&cli, "%s", err.msg);
	cli_report_close(&r);
	return rc ? 1 : 0;
}

static void
usage_usage(void)
{
	printf("usage: flowtrail usage [--daily|--monthly] [--by KIND] [--since T]\n"
	    "                       [--until T] [--limit N] [--db FILE]\n"
	    "                       [--format table|csv|json]\n"
	    "Bytes received and sent per local day (or billing month, from\n"
	    "history.billing-day) with a total; with --by, the busiest --limit\n"
	    "(10) keys of a kind per period: host (local), remote, mac, device,\n"
	    "asn, country, app, proto or iface.\n");
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

	while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (opt == 'h') {
			usage_usage();
			return 0;
		}
		if (opt == 'd' || opt == 'm') {
			o.monthly = opt == 'm';
			continue;
		}
		if (opt == 'b') {
			if (query_skind_parse(optarg, &o.kind, &err)) {
				cli_error(&cli, "--by: %s", err.msg);
				return 2;
			}
			o.by = true;
			continue;
		}
		if (cli_report_opt(&r, opt, optarg) == 0)
			continue;
		if (cli_common_opt(&cli, opt, optarg))
			return 2;
	}
	rc = series_open(&cli, &r, argc, argv, optind);
	if (rc) {
		cli_report_close(&r);
		return rc;
	}
	o.since_us = r.range.since_us;
	o.until_us = r.range.until_us;
	o.limit = r.range.limit;
	o.billing_day = cli.cfg.history.billing_day;
	rc = query_usage(r.st, &o, r.w, &err);
	if (rc)
		cli_error(&cli, "%s", err.msg);
	cli_report_close(&r);
	return rc ? 1 : 0;
}
