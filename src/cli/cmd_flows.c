/* cmd_flows.c: `flowtrail flows`: flow records, newest first. */
#include <stdio.h>

#include "cli_report.h"

static void
usage(void)
{
	printf("usage: flowtrail flows [--db FILE] [--since T] [--until T] [--limit N]\n"
	    "                       [--format table|csv|json] [FILTER]\n"
	    "List flow records, newest first (default limit %d).\n",
	    QUERY_FLOWS_LIMIT);
}

int
cmd_flows(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_REPORT_LONGOPTS,
		CLI_COMMON_LONGOPTS
	};
	struct cli cli = { .cmd = "flows" };
	struct cli_report r = { 0 };
	struct ft_err err = { 0 };
	int opt, rc;

	while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (opt == 'h') {
			usage();
			return 0;
		}
		if (cli_report_opt(&r, opt, optarg) == 0)
			continue;
		if (cli_common_opt(&cli, opt, optarg))
			return 2;
	}
	if (cli_report_filter(&cli, &r, argc, argv, optind))
		return 2;
	if (cli_configure(&cli)) {
		cli_report_close(&r);
		return 2;
	}
	rc = cli_report_open(&cli, &r);
	if (rc) {
		cli_report_close(&r);
		return rc;
	}
	rc = query_flows(r.st, &r.range, r.w, &err);
	if (rc)
		cli_error(&cli, "%s", err.msg);
	cli_report_close(&r);
	return rc ? 1 : 0;
}
