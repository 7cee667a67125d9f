/* cmd_config.c: `flowtrail config dump|check`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void
usage(void)
{
	printf("usage: flowtrail config dump [-c FILE] [--set KEY=VALUE]...\n"
	    "       flowtrail config check [-c FILE] [--set KEY=VALUE]...\n"
	    "dump prints every option with its value and meaning, in the syntax\n"
	    "of the config file; check only validates.\n");
}

int
cmd_config(int argc, char **argv)
{
	static const struct option longopts[] = { CLI_COMMON_LONGOPTS };
	struct cli cli = { .cmd = "config" };
	const char *what;
	int opt;

	while ((opt = cli_next_opt(argc, argv, CLI_COMMON_SHORTOPTS, longopts,
	    usage)) >= 0) {
		if (cli_common_opt(&cli, opt, optarg))
			return 2;
	}
	if (opt == CLI_HELP)
		return 0;
	what = optind < argc ? argv[optind] : "dump";
	if (strcmp(what, "dump") && strcmp(what, "check")) {
		cli_error(&cli, "unknown action '%s': expected dump or check",
		    what);
		return 2;
	}
	if (cli_configure(&cli))
		return 1;
	if (!strcmp(what, "dump"))
		config_dump(&cli.cfg, stdout);
	else if (!cli.quiet)
		printf("configuration ok\n");
	return 0;
}
