/* cmd_flows.c: `flowtrail flows`: merged flows, sorted by any column */
#include <stdio.h>

#include "cli_report.h"

enum { OPT_SORT = 256, OPT_ASC, OPT_DESC, OPT_RECORDS };

static void
usage(void)
{
	printf("usage: flowtrail flows [--db FILE] [--since T] [--until T]\n"
	    "         [--limit N] [--sort [-|+]COLUMN[,...]] [--asc|--desc]\n"
	    "         [--records] [--format table|csv|json] [FILTER]\n"
	    "List flows, newest first (default limit %d). The records of a\n"
	    "long flow (one per active timeout) in the range merge into one\n"
	    "line; --records (or --no-merge) lists each record.\n"
	    "--sort by columns: time, duration, proto, client, cport, server,\n"
	    "sport, app, server_name, bytes_cs, bytes_sc, pkts_cs, pkts_sc,\n"
	    "cli_name, asn, org, country, records, end, tcp_cs, tcp_sc, or\n"
	    "first, last, bytes, packets, src, dst, src-port, dst-port\n"
	    "(src_port, dst_port), name.\n"
	    "Ascending, or descending with --desc; '-' before a column sorts\n"
	    "it descending, '+' ascending. Ties: newest first.\n",
	    QUERY_FLOWS_LIMIT);
}

/* --sort and --asc/--desc into o: 0, or 2 after printing why. */
static int
parse_sort(struct cli *cli, const char *sort, int dir,
    struct query_flows_opts *o)
{
	struct ft_err err = { 0 };

	if (!sort && dir != OPT_ASC)
		return 0;
	if (query_flows_parse_sort(sort ? sort : "time", dir == OPT_DESC, o,
	    &err)) {
		cli_error(cli, "%s", err.msg);
		return 2;
	}
	return 0;
}

int
cmd_flows(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "asc", no_argument, NULL, OPT_ASC },
		{ "desc", no_argument, NULL, OPT_DESC },
		{ "records", no_argument, NULL, OPT_RECORDS },
		{ "no-merge", no_argument, NULL, OPT_RECORDS },
		CLI_REPORT_LONGOPTS,
		CLI_COMMON_LONGOPTS
	};
	struct query_flows_opts o = { .records = false };
	struct cli cli = { .cmd = "flows" };
	struct cli_report r = { 0 };
	struct ft_err err = { 0 };
	const char *sort = NULL;
	int opt, rc, dir = 0;

	while ((opt = cli_next_opt(argc, argv, CLI_COMMON_SHORTOPTS, longopts,
	    usage)) >= 0) {
		if (opt == OPT_SORT)
			sort = optarg;
		else if (opt == OPT_ASC || opt == OPT_DESC)
			dir = opt;
		else if (opt == OPT_RECORDS)
			o.records = true;
		else if (cli_report_opt(&cli, &r, opt, optarg))
			return 2;
	}
	if (opt == CLI_HELP)
		return 0;
	if (parse_sort(&cli, sort, dir, &o))
		return 2;
	rc = cli_report_start(&cli, &r, argc, argv, optind);
	if (rc)
		return rc;
	o.range = r.range;
	rc = query_flows(r.st, &o, r.w, &err);
	return cli_report_end(&cli, &r, rc, &err);
}
