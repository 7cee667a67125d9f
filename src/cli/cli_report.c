/* cli_report.c: the setup every report command shares. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/ft_time.h"
#include "cli_report.h"

int
cli_report_opt(struct cli *cli, struct cli_report *r, int opt,
    const char *arg)
{
	switch (opt) {
	case 's':
		r->since = arg;
		return 0;
	case 'u':
		r->until = arg;
		return 0;
	case 'n':
		r->limit = arg;
		return 0;
	}
	return cli_common_opt(cli, opt, arg) ? 2 : 0;
}

int
cli_report_end(struct cli *cli, struct cli_report *r, int rc,
    const struct ft_err *err)
{
	if (rc)
		cli_error(cli, "%s", err->msg);
	cli_report_close(r);
	return rc ? 1 : 0;
}

static int
parse_range(struct cli *cli, struct cli_report *r)
{
	uint64_t now = ft_now_us();
	struct ft_err err = { 0 };
	unsigned long long n;
	char *end;

	if (r->since && ft_time_parse(r->since, now, &r->range.since_us, &err)) {
		cli_error(cli, "--since: %s", err.msg);
		return 2;
	}
	if (r->until && ft_time_parse(r->until, now, &r->range.until_us, &err)) {
		cli_error(cli, "--until: %s", err.msg);
		return 2;
	}
	if (r->limit) {
		errno = 0;
		n = strtoull(r->limit, &end, 10);
		if (errno || end == r->limit || *end || *r->limit == '-' ||
		    n == 0) {
			cli_error(cli, "--limit: expected a positive number, got '%s'",
			    r->limit);
			return 2;
		}
		r->range.limit = n;
	}
	return 0;
}

/* A progress line on stderr when it is a terminal; none otherwise. */
static int
open_progress(struct cli *cli, struct cli_report *r)
{
	const char *env = getenv("FLOWTRAIL_PROGRESS_MS");
	unsigned long long delay = CLI_PROGRESS_DELAY_MS;
	struct ft_err err = { 0 };
	char *end;

	if (cli->quiet || !isatty(STDERR_FILENO))
		return 0;
	if (env && *env) {
		errno = 0;
		delay = strtoull(env, &end, 10);
		if (errno || *end || *env == '-') {
			cli_error(cli, "FLOWTRAIL_PROGRESS_MS: expected "
			    "milliseconds, got '%s'", env);
			return 2;
		}
	}
	if (query_progress_new(stderr, delay, &r->progress, &err)) {
		cli_error(cli, "%s", err.msg);
		return 1;
	}
	r->range.progress = r->progress;
	return 0;
}

int
cli_report_open(struct cli *cli, struct cli_report *r)
{
	struct store_opts so = { .path = cli->cfg.db_path, .read_only = true };
	struct out_opts oo = { .fp = stdout, .format = OUT_CSV };
	struct ft_err err = { 0 };
	int rc = parse_range(cli, r);

	if (rc)
		return rc;
	switch (cli_output_format(cli, CLI_FMT_CSV)) {
	case CLI_FMT_TABLE:
		oo.format = OUT_TABLE;
		oo.human = isatty(STDOUT_FILENO);
		break;
	case CLI_FMT_JSON:
		oo.format = OUT_JSON;
		break;
	case CLI_FMT_CSV:
		break;
	default:
		cli_error(cli, "--format: expected table, csv or json");
		return 2;
	}
	if (store_open(&so, &r->st, &err)) {
		cli_error(cli, "%s", err.msg);
		return 1;
	}
	if (out_new(&oo, &r->w, &err)) {
		cli_error(cli, "%s", err.msg);
		cli_report_close(r);
		return 1;
	}
	rc = open_progress(cli, r);
	if (rc)
		cli_report_close(r);
	return rc;
}

/* The column a "filter: column N: ..." message points at, 0 if none. */
static int
filter_column(const char *msg)
{
	const char *p = strstr(msg, "column ");

	return p ? (int)strtol(p + 7, NULL, 10) : 0;
}

int
cli_report_filter(struct cli *cli, struct cli_report *r, int argc,
    char **argv, int first)
{
	struct ft_err err = { 0 };
	size_t len = 0, n;
	int i, col;

	for (i = first; i < argc; i++) {
		n = strlen(argv[i]);
		if (len + n + 2 > sizeof(r->expr)) {
			cli_error(cli, "filter: longer than %zu bytes",
			    sizeof(r->expr) - 1);
			return 2;
		}
		if (len)
			r->expr[len++] = ' ';
		memcpy(r->expr + len, argv[i], n);
		len += n;
	}
	r->expr[len] = '\0';
	if (!len)
		return 0;
	if (r->series ? filter_compile_series(r->expr, &r->filter,
	    &r->sfilter.kind, &err) : filter_compile(r->expr, &r->filter,
	    &err)) {
		cli_error(cli, "%s", err.msg);
		col = filter_column(err.msg);
		if (col > 0)
			fprintf(stderr, "  %s\n  %*s^\n", r->expr, col - 1, "");
		return 2;
	}
	if (r->series)
		r->sfilter.where = filter_where(r->filter);
	else
		r->range.where = filter_where(r->filter);
	return 0;
}

void
cli_report_close(struct cli_report *r)
{
	out_free(r->w);
	store_close(r->st);
	filter_free(r->filter);
	query_progress_free(r->progress);
	r->range.progress = NULL;
	r->progress = NULL;
	r->w = NULL;
	r->st = NULL;
	r->filter = NULL;
}

int
cli_report_start(struct cli *cli, struct cli_report *r, int argc,
    char **argv, int first)
{
	int rc = 2;

	if (!cli_report_filter(cli, r, argc, argv, first) &&
	    !cli_configure(cli))
		rc = cli_report_open(cli, r);
	if (rc)
		cli_report_close(r);
	return rc;
}
