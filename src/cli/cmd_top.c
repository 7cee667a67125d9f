/* cmd_top.c: `flowtrail top`: top-N groups by any of the report fields. */
#include <stdio.h>
#include <string.h>

#include "cli_report.h"

static void
usage(void)
{
	printf("usage: flowtrail top --by FIELD[,FIELD...] [--order bytes|packets|flows]\n"
	    "                     [--since T] [--until T] [--limit N] [--db FILE]\n"
	    "                     [--source auto|flows|series]\n"
	    "                     [--format table|csv|json] [FILTER]\n"
	    "FIELD (up to %d): proto, app, category, src (client), dst (server),\n"
	    "       host (either side), conversation (client and server),\n"
	    "       dst-port (server port), src-port (client port), asn, country\n"
	    "       (of the remote side), mac and vendor (the client's), name\n"
	    "       (server name), device (the local device: name or MAC), iface,\n"
	    "       vlan.\n"
	    "Columns: the fields, bytes, packets, flows (distinct), bytes_cs\n"
	    "(client to server), bytes_sc (server to client).\n"
	    "--source: flows reads every record; series reads the per-minute\n"
	    "series and their rollups (one field of proto, app, host, asn,\n"
	    "country; no filter); auto (default) uses the series for such a\n"
	    "question over more than a day.\n", QUERY_BY_MAX);
}

int
cmd_top(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "by", required_argument, NULL, 'b' },
		{ "order", required_argument, NULL, 'o' },
		{ "source", required_argument, NULL, 'R' },
		CLI_REPORT_LONGOPTS,
		CLI_COMMON_LONGOPTS
	};
	struct query_top_opts o = { .order = QUERY_ORDER_BYTES };
	struct cli cli = { .cmd = "top" };
	struct cli_report r = { 0 };
	struct ft_err err = { 0 };
	const char *by = NULL;
	int opt, rc;

	while ((opt = cli_next_opt(argc, argv, CLI_COMMON_SHORTOPTS, longopts,
	    usage)) >= 0) {
		if (opt == 'b') {
			by = optarg;
			continue;
		}
		if (opt == 'o') {
			if (query_top_parse_order(optarg, &o.order, &err)) {
				cli_error(&cli, "--order: %s", err.msg);
				return 2;
			}
			continue;
		}
		if (opt == 'R') {
			if (!strcmp(optarg, "auto"))
				o.source = QUERY_SRC_AUTO;
			else if (!strcmp(optarg, "flows"))
				o.source = QUERY_SRC_FLOWS;
			else if (!strcmp(optarg, "series"))
				o.source = QUERY_SRC_SERIES;
			else {
				cli_error(&cli, "--source: expected auto, flows "
				    "or series, got '%s'", optarg);
				return 2;
			}
			continue;
		}
		if (cli_report_opt(&cli, &r, opt, optarg))
			return 2;
	}
	if (opt == CLI_HELP)
		return 0;
	if (!by) {
		cli_error(&cli, "--by is required (e.g. --by app or --by dst,dst-port)");
		return 2;
	}
	if (query_top_parse_by(by, &o, &err)) {
		cli_error(&cli, "--by: %s", err.msg);
		return 2;
	}
	rc = cli_report_start(&cli, &r, argc, argv, optind);
	if (rc)
		return rc;
	o.range = r.range;
	rc = query_top(r.st, &o, r.w, &err);
	return cli_report_end(&cli, &r, rc, &err);
}
