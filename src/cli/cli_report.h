/* cli_report.h: what report commands share: range, read-only store, writer */
#ifndef CLI_REPORT_H
#define CLI_REPORT_H

#include "../filter/filter.h"
#include "../query/query.h"
#include "cli.h"

/* Long options of every report, before CLI_COMMON_LONGOPTS. */
#define CLI_REPORT_LONGOPTS                                             \
	{ "since", required_argument, NULL, 's' },                      \
	{ "until", required_argument, NULL, 'u' },                      \
	{ "limit", required_argument, NULL, 'n' }

struct cli_report {
	const char *since;		/* --since text */
	const char *until;		/* --until text */
	const char *limit;		/* --limit text */
	struct query_range range;	/* parsed */
	struct store *st;		/* opened read-only */
	struct out *w;			/* writer on stdout */
	struct filter *filter;		/* compiled FILTER, or NULL */
	bool series;			/* compile FILTER for series rows */
	struct query_sfilter sfilter;	/* series: FILTER and its kind */
	struct query_progress *progress; /* on stderr when a terminal */
	char expr[4096];		/* FILTER as given, words joined */
};

/*
 * Compile the words argv[first..argc-1] as one FILTER into r (none: no
 * filter): into r->range.where, or with r->series into r->sfilter. A bad
 * filter prints the expression, a caret under the column and what was
 * expected: returns 2.
 */
int cli_report_filter(struct cli *cli, struct cli_report *r, int argc,
    char **argv, int first);

/*
 * Handle a report option or a common one: 0 handled, 2 an error printed
 * (or an option getopt already called unknown).
 */
int cli_report_opt(struct cli *cli, struct cli_report *r, int opt,
    const char *arg);

/* Milliseconds a report runs before it shows progress on a terminal. */
#define CLI_PROGRESS_DELAY_MS 1000

/*
 * Parse the range, open the store read-only and the writer, and a progress
 * line when stderr is a terminal (not with -q; FLOWTRAIL_PROGRESS_MS sets
 * the delay): 0, else the exit code.
 */
int cli_report_open(struct cli *cli, struct cli_report *r);
void cli_report_close(struct cli_report *r);

/*
 * The end of a report that returned rc with err: the error printed when
 * rc is not 0, r closed; the exit code, 0 or 1.
 */
int cli_report_end(struct cli *cli, struct cli_report *r, int rc,
    const struct ft_err *err);

/*
 * What every report does after its options: the words from first on as
 * its FILTER (cli_report_filter), the configuration, then
 * cli_report_open(); r is closed on failure. 0, else the exit code.
 */
int cli_report_start(struct cli *cli, struct cli_report *r, int argc,
    char **argv, int first);

#endif
