/* cli.h: what every subcommand shares: options, configuration, messages */
#ifndef CLI_H
#define CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "../config/config.h"
#include "../store/store.h"

#define CLI_MAX_SETS 64
#define CLI_DEFAULT_CONFIG "/etc/flowtrail/flowtrail.conf"

enum cli_format { CLI_FMT_DEFAULT, CLI_FMT_TABLE, CLI_FMT_CSV, CLI_FMT_JSON, CLI_FMT_TEXT };

struct cli {
	const char *cmd;		/* subcommand name, for messages */
	struct ft_config cfg;		/* final configuration */
	const char *config_path;	/* -c, or NULL */
	const char *db_arg;		/* --db, or NULL */
	const char *sets[CLI_MAX_SETS];	/* --set arguments, applied after -c */
	int n_sets;			/* entries in sets */
	enum cli_format format;		/* --format */
	bool quiet;			/* -q */
	int verbose;			/* -v count */
};

/* Long options every subcommand accepts; end a table with these. */
#define CLI_COMMON_LONGOPTS                                             \
	{ "config", required_argument, NULL, 'c' },                     \
	{ "db", required_argument, NULL, 'D' },                         \
	{ "set", required_argument, NULL, 'S' },                        \
	{ "format", required_argument, NULL, 'F' },                     \
	{ "quiet", no_argument, NULL, 'q' },                            \
	{ "verbose", no_argument, NULL, 'v' },                          \
	{ "help", no_argument, NULL, 'h' },                             \
	{ NULL, 0, NULL, 0 }
#define CLI_COMMON_SHORTOPTS "c:qvh"

/*
 * The next option of argv, as getopt_long(argc, argv, shortopts, longopts)
 * gives it; -1 after the last. -h or --help prints usage() and gives
 * CLI_HELP, on which the command returns 0.
 */
#define CLI_HELP (-2)
int cli_next_opt(int argc, char **argv, const char *shortopts,
    const struct option *longopts, void (*usage)(void));

/* Handle a common option: 0 handled, 1 not a common option, 2 error printed. */
int cli_common_opt(struct cli *cli, int opt, const char *arg);

/* Defaults, config file, --set, --db, log level: 0 or an error printed. */
int cli_configure(struct cli *cli);

/* history.timezone into the process's TZ: 0, or 2 with an error printed. */
int cli_set_timezone(struct cli *cli);

/*
 * Store options of a writer from the configuration; packet_clock for
 * ingest (the commit interval counts packet time, and it never prunes
 * what it writes itself).
 */
void cli_store_opts(const struct cli *cli, bool packet_clock,
    struct store_opts *so);

/* Make the store's directory (for writers). */
int cli_make_db_dir(struct cli *cli);

/* "flowtrail: CMD: message" on stderr. */
void cli_error(const struct cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Format n with thousands separators into buf. */
const char *cli_count(char *buf, size_t len, uint64_t n);

/* The output format to use: --format, else table on a terminal, else the given default. */
enum cli_format cli_output_format(const struct cli *cli, enum cli_format dflt);

int cmd_ingest(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_series(int argc, char **argv);
int cmd_usage(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_dns(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_config(int argc, char **argv);

#endif
