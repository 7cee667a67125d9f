/* cli_common.c: common options, configuration order, message helpers */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../base/ft_log.h"
#include "cli.h"

void
cli_error(const struct cli *cli, const char *fmt, ...)
{
	const char *cmd = cli && cli->cmd ? cli->cmd : NULL;
	size_t n = cmd ? strlen(cmd) : 0;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A message of the report's own module may name the command already. */
	if (cmd && !strncmp(msg, cmd, n) && msg[n] == ':' && msg[n + 1] == ' ')
		cmd = NULL;
	fprintf(stderr, "flowtrail: %s%s%s\n", cmd ? cmd : "", cmd ? ": " : "",
	    msg);
}

static int
parse_format(struct cli *cli, const char *arg)
{
	static const struct { const char *name; enum cli_format f; } fmts[] = {
		{ "table", CLI_FMT_TABLE }, { "csv", CLI_FMT_CSV },
		{ "json", CLI_FMT_JSON }, { "text", CLI_FMT_TEXT },
	};
	size_t i;

	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		if (!strcmp(arg, fmts[i].name)) {
			cli->format = fmts[i].f;
			return 0;
		}
	}
	cli_error(cli, "--format: expected table, csv or json, got '%s'", arg);
	return 2;
}

int
cli_next_opt(int argc, char **argv, const char *shortopts,
    const struct option *longopts, void (*usage)(void))
{
	int opt = getopt_long(argc, argv, shortopts, longopts, NULL);

	if (opt != 'h')
		return opt;
	usage();
	return CLI_HELP;
}

int
cli_common_opt(struct cli *cli, int opt, const char *arg)
{
	switch (opt) {
	case 'c':
		cli->config_path = arg;
		return 0;
	case 'D':
		cli->db_arg = arg;
		return 0;
	case 'S':
		if (cli->n_sets >= CLI_MAX_SETS) {
			cli_error(cli, "too many --set options");
			return 2;
		}
		cli->sets[cli->n_sets++] = arg;
		return 0;
	case 'F':
		return parse_format(cli, arg);
	case 'q':
		cli->quiet = true;
		return 0;
	case 'v':
		cli->verbose++;
		return 0;
	case '?':
		cli_error(cli, "see `flowtrail %s --help`", cli->cmd);
		return 2;
	}
	return 1;
}

int
cli_configure(struct cli *cli)
{
	struct ft_err err = { 0 };
	const char *path = cli->config_path;
	int i;

	config_defaults(&cli->cfg);
	if (!path && access(CLI_DEFAULT_CONFIG, R_OK) == 0)
		path = CLI_DEFAULT_CONFIG;
	if (path && config_load(&cli->cfg, path, &err)) {
		cli_error(cli, "%s", err.msg);
		return 2;
	}
	for (i = 0; i < cli->n_sets; i++) {
		if (config_set_arg(&cli->cfg, cli->sets[i], &err)) {
			cli_error(cli, "--set %s", err.msg);
			return 2;
		}
	}
	if (cli->db_arg)
		snprintf(cli->cfg.db_path, sizeof(cli->cfg.db_path), "%s",
		    cli->db_arg);
	if (!cli->cfg.db_path[0])
		config_default_db(cli->cfg.db_path, sizeof(cli->cfg.db_path));
	if (!cli->cfg.lut_path[0])
		config_default_lut(cli->cfg.lut_path, sizeof(cli->cfg.lut_path));
	ft_log_level = cli->cfg.log_level;
	if (cli->quiet)
		ft_log_level = FT_LOG_ERROR;
	if (cli->verbose)
		ft_log_level = FT_LOG_DEBUG;
	return cli_set_timezone(cli);
}

/*
 * history.timezone into TZ, so days and months follow it. A name must be a
 * zoneinfo file (glibc would silently use UTC for an unknown one); a POSIX
 * string (it has a digit: "CET-1CEST") is taken as it is.
 */
int
cli_set_timezone(struct cli *cli)
{
	const char *tz = cli->cfg.history.timezone;
	char path[CONFIG_PATH_MAX + 32];

	if (!tz[0])
		return 0;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	if (!strpbrk(tz, "0123456789") && (strstr(tz, "..") ||
	    access(path, R_OK))) {
		cli_error(cli, "history.timezone: unknown time zone '%s' "
		    "(expected a name from /usr/share/zoneinfo such as "
		    "Europe/Berlin, or a POSIX TZ string)", tz);
		return 2;
	}
	setenv("TZ", tz, 1);
	tzset();
	return 0;
}

void
cli_store_opts(const struct cli *cli, bool packet_clock,
    struct store_opts *so)
{
	const struct history_cfg *h = &cli->cfg.history;

	memset(so, 0, sizeof(*so));
	so->path = cli->cfg.db_path;
	so->commit_interval_s = cli->cfg.commit_interval_s;
	so->busy_timeout_s = cli->cfg.busy_timeout_s;
	so->command = packet_clock ? "flowtrail ingest" : "flowtrail run";
	so->packet_clock = packet_clock;
	so->keep_own = packet_clock;	/* ingest; see store_opts */
	so->keep.flows_days = h->keep_flows;
	so->keep.m1_days = h->keep_1m;
	so->keep.h1_days = h->keep_1h;
	so->keep.d1_days = h->keep_1d;
	so->rollup_k = h->top_k;
	so->rollup_local = h->top_local;
	/* a flow's final record comes up to its timeout after its hour */
	so->conv_lag_s = cli->cfg.flow.tcp_timeout_s;
	if (so->conv_lag_s < cli->cfg.flow.udp_timeout_s)
		so->conv_lag_s = cli->cfg.flow.udp_timeout_s;
	if (so->conv_lag_s < cli->cfg.flow.other_timeout_s)
		so->conv_lag_s = cli->cfg.flow.other_timeout_s;
	so->conv_lag_s += cli->cfg.flow.active_timeout_s + 300;
}

int
cli_make_db_dir(struct cli *cli)
{
	char dir[CONFIG_PATH_MAX];
	char *p;

	snprintf(dir, sizeof(dir), "%s", cli->cfg.db_path);
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
	if (mkdir(dir, 0755) && errno != EEXIST) {
		cli_error(cli, "cannot create %s: %s", dir, strerror(errno));
		return 2;
	}
	return 0;
}

const char *
cli_count(char *buf, size_t len, uint64_t n)
{
	char tmp[32];
	size_t i, j = 0, digits;

	digits = (size_t)snprintf(tmp, sizeof(tmp), "%llu",
	    (unsigned long long)n);
	for (i = 0; i < digits && j + 2 < len; i++) {
		if (i && (digits - i) % 3 == 0)
			buf[j++] = ',';
		buf[j++] = tmp[i];
	}
	buf[j] = '\0';
	return buf;
}

enum cli_format
cli_output_format(const struct cli *cli, enum cli_format dflt)
{
	if (cli->format != CLI_FMT_DEFAULT)
		return cli->format;
	return isatty(STDOUT_FILENO) ? CLI_FMT_TABLE : dflt;
}
