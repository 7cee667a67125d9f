/* main.c: flowtrail's table of contents: the subcommands. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd_lut.h"

#ifndef FT_VERSION
#define FT_VERSION "0.1.0"
#endif

struct command {
	const char *name;		/* as typed */
	int (*fn)(int argc, char **argv);	/* argv[0] is the name */
	const char *help;		/* one line for --help */
};

static const struct command commands[] = {
	{ "run", cmd_run, "capture live from interfaces into the store" },
	{ "ingest", cmd_ingest, "read pcap/pcapng files into the store" },
	{ "flows", cmd_flows, "list flows, newest first" },
	{ "top", cmd_top, "top hosts, services, protocols, applications" },
	{ "dns", cmd_dns, "DNS queries and replies (ok, error) per host" },
	{ "usage", cmd_usage, "bytes received and sent per day or billing month" },
	{ "series", cmd_series, "a time series per minute, hour or day, ready to plot" },
	{ "map", cmd_map, "dependency map: clients, server services (dot, drawio, ...)" },
	{ "lut", cmd_lut, "update or describe the lookup tables (ASN, country, vendor)" },
	{ "lookup", cmd_lookup, "AS, country or vendor of IP and MAC addresses" },
	{ "config", cmd_config, "print or check the configuration" },
};

static void
usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: flowtrail COMMAND [OPTIONS]\n\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\nCommon options: --db FILE, -c FILE, --set KEY=VALUE, "
	    "--format table|csv|json, -q, -v.\n`flowtrail COMMAND --help` "
	    "for more; man flowtrail(1) for everything.\n");
}

int
main(int argc, char **argv)
{
	size_t i;

	/*
	 * A file-size limit (ulimit -f) should fail a write with EFBIG, which
	 * the store reports like a full disk, not kill the process mid-batch.
	 */
	signal(SIGXFSZ, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("flowtrail %s\n", FT_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "flowtrail: unknown command '%s' (see `flowtrail --help`)\n",
	    argv[1]);
	return 2;
}
