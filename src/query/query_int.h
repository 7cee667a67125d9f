/* query_int.h: what the report runner shares with the progress line; only src/query/ includes it. */
#ifndef QUERY_INT_H
#define QUERY_INT_H

#include "query.h"

/*
 * Before preparing a report's SQL: estimate the records in r's range, start
 * the clock, define ft_progress() on the store's connection and install the
 * progress handler. p NULL: nothing.
 */
int query_progress_start(struct query_progress *p, struct store *st,
    const struct query_range *r, struct ft_err *err);

/* The report's first row is out: clear the line and draw no more. */
void query_progress_quiet(struct query_progress *p);

/* After the report: remove the handler and the function, clear the line. */
void query_progress_stop(struct query_progress *p, struct store *st);

#endif
