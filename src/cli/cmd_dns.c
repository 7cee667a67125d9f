/* cmd_dns.c: `flowtrail dns`: DNS queries and replies per host */
#include <stdio.h>
#include <string.h>

#include "cli_report.h"

static void
usage(void)
{
	printf("usage: flowtrail dns [--by client|server] [--since T] [--until T]\n"
	    "                     [--limit N] [--db FILE] [--format table|csv|json]\n"
	    "DNS over UDP per host: queries sent, replies ok (NOERROR), replies\n"
	    "with an error (NXDOMAIN, SERVFAIL, ...) and queries unanswered; by\n"
	    "client (default: the hosts asking) or by server (the resolvers).\n");
}

int
cmd_dns(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "by", required_argument, NULL, 'b' },
		CLI_REPORT_LONGOPTS,
		CLI_COMMON_LONGOPTS
	};
	struct cli cli = { .cmd = "dns" };
	struct cli_report r = { 0 };
	struct ft_err err = { 0 };
	bool by_server = false;
	int opt, rc;

	while ((opt = cli_next_opt(argc, argv, CLI_COMMON_SHORTOPTS, longopts,
	    usage)) >= 0) {
		if (opt == 'b') {
			if (strcmp(optarg, "client") && strcmp(optarg, "server")) {
				cli_error(&cli, "--by: expected client or server, got '%s'",
				    optarg);
				return 2;
			}
			by_server = !strcmp(optarg, "server");
			continue;
		}
		if (cli_report_opt(&cli, &r, opt, optarg))
			return 2;
	}
	if (opt == CLI_HELP)
		return 0;
	rc = cli_report_start(&cli, &r, argc, argv, optind);
	if (rc)
		return rc;
	rc = query_dns(r.st, &r.range, by_server, r.w, &err);
	return cli_report_end(&cli, &r, rc, &err);
}
