/* query_progress.c: a progress line for reports longer than a second */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "../base/ft_time.h"
#include "scan.h"

#define QUERY_PROGRESS_OPS 1000		/* VM steps between two calls */
#define QUERY_PROGRESS_REDRAW_US 250000	/* at most four lines a second */

/*
 * One progress line. rows counts the calls of ft_progress(), which the
 * report's SQL evaluates once per record of the range before its filter;
 * the handler, called every QUERY_PROGRESS_OPS VM steps, only reads clocks
 * and counters, and draws.
 */
struct query_progress {
	FILE *fp;		/* terminal, borrowed */
	uint64_t delay_us;	/* quiet this long after start */
	uint64_t start_us;	/* monotonic, at query_progress_start */
	uint64_t drawn_us;	/* when the line was last drawn */
	uint64_t rows;		/* records the running report scanned */
	uint64_t estimate;	/* records in its range, about; 0: unknown */
	bool shown;		/* a line is on the terminal */
	bool quiet;		/* rows are being written: draw no more */
};

int
query_progress_new(FILE *fp, uint64_t delay_ms, struct query_progress **out,
    struct ft_err *err)
{
	struct query_progress *p = calloc(1, sizeof(*p));

	if (!p)
		return ft_err_set(err, FT_ENOMEM, "out of memory");
	p->fp = fp;
	p->delay_us = delay_ms * 1000;
	*out = p;
	return 0;
}

void
query_progress_free(struct query_progress *p)
{
	free(p);
}

uint64_t
query_progress_rows(const struct query_progress *p)
{
	return p ? p->rows : 0;
}

void
query_progress_format(struct out_buf *b, uint64_t rows, uint64_t estimate,
    uint64_t elapsed_ms)
{
	uint64_t pct;

	out_buf_adds(b, "flowtrail: scanning records: ");
	out_fmt_count(b, rows > INT64_MAX ? INT64_MAX : (int64_t)rows);
	if (estimate && rows <= estimate) {
		pct = rows * 100 / estimate;
		out_buf_adds(b, " of ~");
		out_fmt_count(b, estimate > INT64_MAX ? INT64_MAX :
		    (int64_t)estimate);
		out_buf_addf(b, " (%" PRIu64 "%%)", pct > 99 ? 99 : pct);
	}
	out_buf_addf(b, ", %" PRIu64 " s", elapsed_ms / 1000);
}

/* One integer from a statement of constant subqueries; -1 for NULL. */
static void
query_progress_col(sqlite3_stmt *s, int i, int64_t *v)
{
	*v = sqlite3_column_type(s, i) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(s, i);
}

int
query_progress_estimate(struct store *st, const struct query_range *r,
    uint64_t *n, struct ft_err *err)
{
	static const char sql[] = "SELECT (SELECT max(rowid) FROM flows), "
	    "(SELECT min(rowid) FROM flows), "
	    "(SELECT rowid FROM flows WHERE first_us >= ?1 "
	    "ORDER BY first_us, rowid LIMIT 1), "
	    "(SELECT rowid FROM flows WHERE first_us < ?2 "
	    "ORDER BY first_us DESC, rowid DESC LIMIT 1)";
	int64_t hi_all, lo_all, lo, hi;
	sqlite3_stmt *s;

	*n = 0;
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) != SQLITE_OK)
		return ft_err_set(err, FT_EDB, "store %s: %s", store_path(st),
		    sqlite3_errmsg(store_db(st)));
	sqlite3_bind_int64(s, 1, r->since_us > INT64_MAX ? INT64_MAX :
	    (int64_t)r->since_us);
	sqlite3_bind_int64(s, 2, !r->until_us || r->until_us > INT64_MAX ?
	    INT64_MAX : (int64_t)r->until_us);
	if (sqlite3_step(s) == SQLITE_ROW) {
		query_progress_col(s, 0, &hi_all);
		query_progress_col(s, 1, &lo_all);
		query_progress_col(s, 2, &lo);
		query_progress_col(s, 3, &hi);
		if (!r->since_us && lo >= 0)
			lo = lo_all;
		if (!r->until_us && hi >= 0)
			hi = hi_all;
		if (lo >= 0 && hi >= 0 && hi_all >= lo_all)
			*n = (uint64_t)(hi >= lo && hi - lo <= hi_all - lo_all ?
			    hi - lo : hi_all - lo_all) + 1;
	}
	sqlite3_finalize(s);
	return 0;
}

static void
query_progress_clear(struct query_progress *p)
{
	if (!p->shown)
		return;
	fputs("\r\033[K", p->fp);
	fflush(p->fp);
	p->shown = false;
}

/* The handler: draw after the delay, now and then; never interrupt. */
static int
query_progress_handler(void *arg)
{
	struct query_progress *p = arg;
	uint64_t now = ft_mono_us();
	struct out_buf b;
	char line[128];

	if (p->quiet || now - p->start_us < p->delay_us ||
	    (p->shown && now - p->drawn_us < QUERY_PROGRESS_REDRAW_US))
		return 0;
	out_buf_init(&b, line, sizeof(line));
	query_progress_format(&b, p->rows, p->estimate,
	    (now - p->start_us) / 1000);
	fprintf(p->fp, "\r%s\033[K", b.p);
	fflush(p->fp);
	p->shown = true;
	p->drawn_us = now;
	return 0;
}

/* ft_progress(): counts a record and lets it through. */
static void
query_progress_count(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct query_progress *p = sqlite3_user_data(ctx);

	p->rows++;
	sqlite3_result_int(ctx, 1);
}

int
query_progress_start(struct query_progress *p, struct store *st,
    const struct query_range *r, struct ft_err *err)
{
	int rc;

	if (!p)
		return 0;
	p->rows = 0;
	p->shown = p->quiet = false;
	rc = query_progress_estimate(st, r, &p->estimate, err);
	if (rc)
		return rc;
	if (sqlite3_create_function(store_db(st), "ft_progress", 0,
	    SQLITE_UTF8 | SQLITE_DIRECTONLY, p, query_progress_count, NULL,
	    NULL) != SQLITE_OK)
		return ft_err_set(err, FT_EDB, "store %s: %s", store_path(st),
		    sqlite3_errmsg(store_db(st)));
	p->start_us = p->drawn_us = ft_mono_us();
	sqlite3_progress_handler(store_db(st), QUERY_PROGRESS_OPS,
	    query_progress_handler, p);
	return 0;
}

void
query_progress_quiet(struct query_progress *p)
{
	if (!p || p->quiet)
		return;
	query_progress_clear(p);
	p->quiet = true;
}

void
query_progress_stop(struct query_progress *p, struct store *st)
{
	if (!p)
		return;
	sqlite3_progress_handler(store_db(st), 0, NULL, NULL);
	sqlite3_create_function(store_db(st), "ft_progress", 0, SQLITE_UTF8,
	    NULL, NULL, NULL, NULL);
	query_progress_clear(p);
}

void
query_progress_set_estimate(struct query_progress *p, uint64_t n)
{
	if (p)
		p->estimate = n;
}
