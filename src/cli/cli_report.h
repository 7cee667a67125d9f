/* cli_report.h: what the report commands share: range options, read-only store, writer. */
#ifndef CLI_REPORT_H
#define CLI_REPORT_H

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
};

/* Handle a report option: 0 handled, 1 not one, 2 error printed. */
int cli_report_opt(struct cli_report *r, int opt, const char *arg);

/* Parse the range, open the store read-only and the writer: 0, else exit code. */
int cli_report_open(struct cli *cli, struct cli_report *r);
void cli_report_close(struct cli_report *r);

#endif
