/* query_int.h: what the report runner shares with the progress line and the reports that sum in C; only src/query/ includes it. */
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

/*
 * Prepare "SELECT cols" (from "SELECT ") over every record of r's range
 * that passes its filter, joining only the tables the filter names, in
 * the scan's order (rowid, or the time index for a bounded range), with
 * the progress counter when r has a progress line; r's limit is ignored.
 */
int query_scan_prepare(struct store *st, const struct query_range *r,
    const char *cols, struct sqlite3_stmt **s, struct ft_err *err);

/*
 * A temporary table for a report's last step: lift the connection's
 * query_only (reports open the store read-only, and stay so), drop a
 * leftover table name and run create. *ro: whether query_only was on, for
 * query_temp_end, which drops the table and puts query_only back.
 */
int query_temp_begin(struct store *st, const char *name, const char *create,
    int *ro, struct ft_err *err);
void query_temp_end(struct store *st, const char *name, int ro);

#endif
