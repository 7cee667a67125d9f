/* scan.h: scanning flow records in parts, with progress */
/*
 * For the reports in src/query/ and the map in src/map/.
 */
#ifndef QUERY_INT_H
#define QUERY_INT_H

#include <sqlite3.h>
#include <string.h>

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

/* The same over the rows of rowid in [rowid_lo, rowid_hi) (none: hi <= lo). */
int query_scan_prepare_rows(struct store *st, const struct query_range *r,
    int64_t rowid_lo, int64_t rowid_hi, const char *cols,
    struct sqlite3_stmt **s, struct ft_err *err);

/*
 * A report's scan split over cores (query_part.c): the range cut in
 * parts, each read on its own connection in its own thread, part 0 on the
 * report's connection in the calling thread. The range is cut by rowid
 * (the order records were written); a flow's records may fall in two parts,
 * so a report merges what the parts could not finish (docs/internals/
 * query.md, "Scans over cores").
 */
#define QUERY_PARTS_MAX 8
#define QUERY_PART_ROWS 250000	/* records of a part, at least */

struct query_part {
	struct store *st;		/* part 0: the report's; else its own */
	struct query_range range;	/* the report's range and filter */
	int64_t rowid_lo, rowid_hi;	/* the part's rowids, when hi > lo */
	size_t index;			/* 0..n-1, in the order of the range */
	size_t n;			/* parts of the scan */
};

/*
 * Cut r into parts[0..*n-1]: one per online core (FLOWTRAIL_SCAN_PARTS
 * overrides, up to QUERY_PARTS_MAX), fewer when the range has fewer than
 * QUERY_PART_ROWS records a part. Progress counts part 0, whose share of
 * the records it estimates.
 */
int query_parts_open(struct store *st, const struct query_range *r,
    struct query_part *parts, size_t *n, struct ft_err *err);
void query_parts_close(struct query_part *parts, size_t n);

/*
 * Connections for up to *n parts (one per core, FLOWTRAIL_SCAN_PARTS) that
 * cut the work their own way: parts[i].st, no rowid ranges; *n set.
 */
int query_parts_conns(struct store *st, const struct query_range *r,
    struct query_part *parts, size_t *n, struct ft_err *err);

/* Prepare "SELECT cols" over part p's records (query_scan_prepare). */
int query_part_prepare(const struct query_part *p, const char *cols,
    struct sqlite3_stmt **s, struct ft_err *err);

/*
 * fn(part, args[i], err) for every part, parts 1.. in threads of their
 * own: 0, or the error of the first part that failed (in err).
 */
int query_parts_run(struct query_part *parts, size_t n,
    int (*fn)(struct query_part *, void *, struct ft_err *),
    void *const *args, struct ft_err *err);

/* The progress line's estimate, for a scan whose part 0 it follows. */
void query_progress_set_estimate(struct query_progress *p, uint64_t n);

/* An address as the C scans keep it: its length, then 16 bytes, zeroed. */
#define QUERY_ADDR 17

/* Column col's address blob into a (QUERY_ADDR bytes). */
static inline void
query_col_addr(sqlite3_stmt *s, int col, uint8_t *a)
{
	int n = sqlite3_column_bytes(s, col);

	memset(a, 0, QUERY_ADDR);
	n = n > 16 ? 16 : n < 0 ? 0 : n;
	a[0] = (uint8_t)n;
	if (n)
		memcpy(a + 1, sqlite3_column_blob(s, col), (size_t)n);
}

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
