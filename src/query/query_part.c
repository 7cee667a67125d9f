/* query_part.c: a report's scan of the flows table cut in parts */
/*
 * The parts are read at once, one connection and one thread a part.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/ft_log.h"
#include "scan.h"

#define QUERY_PART_STACK (1024 * 1024)	/* a part thread's stack */

/*
 * How many parts: FLOWTRAIL_SCAN_PARTS (*forced), else one per online
 * core; 1 when SQLite was built without threads.
 */
static int
query_parts_want(size_t *n, bool *forced, struct ft_err *err)
{
	const char *env = getenv("FLOWTRAIL_SCAN_PARTS");
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	char *end;
	long v;

	*forced = env && *env;
	if (*forced) {
		v = strtol(env, &end, 10);
		if (*end || v < 1 || v > QUERY_PARTS_MAX)
			return ft_err_set(err, FT_EINVAL, "FLOWTRAIL_SCAN_PARTS:"
			    " expected 1 to %d, got '%s'", QUERY_PARTS_MAX, env);
		*n = (size_t)v;
	} else {
		*n = cores < 1 ? 1 : cores > QUERY_PARTS_MAX ?
		    QUERY_PARTS_MAX : (size_t)cores;
	}
	if (!sqlite3_threadsafe())
		*n = 1;
	return 0;
}

/*
 * Two integers of one row of sql, ?1 since and ?2 until when it has them
 * (each min or max its own subquery: together SQLite would scan).
 */
static int
query_parts_span(struct store *st, const char *sql, const struct query_range *r,
    int64_t *lo, int64_t *hi)
{
	sqlite3_stmt *s;
	int rc;

	*lo = *hi = 0;
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) != SQLITE_OK)
		return -FT_EDB;
	if (sqlite3_bind_parameter_count(s) == 2) {
		sqlite3_bind_int64(s, 1, r->since_us > INT64_MAX ? INT64_MAX :
		    (int64_t)r->since_us);
		sqlite3_bind_int64(s, 2, !r->until_us ||
		    r->until_us > INT64_MAX ? INT64_MAX :
		    (int64_t)r->until_us);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*lo = sqlite3_column_int64(s, 0);
		*hi = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -FT_EDB;
}

/* Part i of n over [lo, hi]: its bounds [*a, *b). */
static void
query_parts_cut(int64_t lo, int64_t hi, size_t i, size_t n, int64_t *a,
    int64_t *b)
{
	uint64_t w = (uint64_t)(hi - lo) + 1;

	*a = lo + (int64_t)(w / n * i + w % n * i / n);
	*b = i + 1 == n ? hi + 1 : lo + (int64_t)(w / n * (i + 1) +
	    w % n * (i + 1) / n);
}

/* The parts' stores, ranges and bounds, once their count is known. */
static int
query_parts_fill(struct store *st, const struct query_range *r,
    struct query_part *parts, size_t n, int64_t lo, int64_t hi,
    struct ft_err *err)
{
	struct store_opts so = { .path = store_path(st), .read_only = true };
	int64_t a, b;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		memset(&parts[i], 0, sizeof(parts[i]));
		parts[i].range = *r;
		parts[i].index = i;
		parts[i].n = n;
		if (i)
			parts[i].range.progress = NULL;
		if (n == 1)
			break;
		query_parts_cut(lo, hi, i, n, &a, &b);
		/* The first and last parts are open: [lo, hi] may be an
		 * estimate, the cuts between them only balance the parts. */
		parts[i].rowid_lo = i ? a : 0;
		parts[i].rowid_hi = i + 1 < n ? b : INT64_MAX;
	}
	parts[0].st = st;
	for (i = 1; i < n; i++) {
		rc = store_open(&so, &parts[i].st, err);
		if (rc) {
			query_parts_close(parts, i);
			return rc;
		}
	}
	return 0;
}

int
query_parts_open(struct store *st, const struct query_range *r,
    struct query_part *parts, size_t *n, struct ft_err *err)
{
	int64_t lo = 0, hi = 0, a;
	uint64_t est = 0;
	bool forced;
	size_t want = 1;
	int rc;

	*n = 1;
	if ((rc = query_parts_want(&want, &forced, err)))
		return rc;
	if (want > 1 && (rc = query_progress_estimate(st, r, &est, err)))
		return rc;
	if (!forced && est / QUERY_PART_ROWS < want)
		want = est / QUERY_PART_ROWS ? est / QUERY_PART_ROWS : 1;
	if (want > 1) {
		rc = !r->since_us && !r->until_us ?
		    query_parts_span(st, "SELECT (SELECT min(rowid) FROM "
		    "flows), (SELECT max(rowid) FROM flows)", r, &lo, &hi) :
		    query_parts_span(st, "SELECT (SELECT rowid FROM flows "
		    "WHERE first_us >= ?1 ORDER BY first_us, rowid LIMIT 1), "
		    "(SELECT rowid FROM flows WHERE first_us < ?2 ORDER BY "
		    "first_us DESC, rowid DESC LIMIT 1)", r, &lo, &hi);
		if (rc)
			return ft_err_set(err, FT_EDB, "store %s: %s",
			    store_path(st), sqlite3_errmsg(store_db(st)));
		if (lo > hi) {	/* rowids of the range's ends by time */
			a = lo;
			lo = hi;
			hi = a;
		}
		if ((uint64_t)(hi - lo) + 1 < want)
			want = 1;
	}
	rc = query_parts_fill(st, r, parts, want, lo, hi, err);
	if (rc && want > 1) {	/* no second connection: one part does */
		ft_log(FT_LOG_DEBUG, "scan in one part: %s", err->msg);
		want = 1;
		rc = query_parts_fill(st, r, parts, want, lo, hi, err);
	}
	if (rc)
		return rc;
	*n = want;
	if (want > 1 && r->progress)
		query_progress_set_estimate(r->progress, est / want);
	return 0;
}

int
query_parts_conns(struct store *st, const struct query_range *r,
    struct query_part *parts, size_t *n, struct ft_err *err)
{
	size_t want = 1;
	bool forced;
	int rc;

	if ((rc = query_parts_want(&want, &forced, err)))
		return rc;
	if (want > *n)
		want = *n;
	rc = query_parts_fill(st, r, parts, want, 0, 0, err);
	if (rc && want > 1) {	/* no second connection: one part does */
		ft_log(FT_LOG_DEBUG, "scan in one part: %s", err->msg);
		want = 1;
		rc = query_parts_fill(st, r, parts, want, 0, 0, err);
	}
	*n = rc ? 1 : want;
	return rc;
}

void
query_parts_close(struct query_part *parts, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++) {
		store_close(parts[i].st);
		parts[i].st = NULL;
	}
}

int
query_part_prepare(const struct query_part *p, const char *cols,
    sqlite3_stmt **s, struct ft_err *err)
{
	return query_scan_prepare_rows(p->st, &p->range, p->rowid_lo,
	    p->rowid_hi, cols, s, err);
}

/* One part's work in a thread. */
struct query_job {
	pthread_t thread;
	struct query_part *part;
	int (*fn)(struct query_part *, void *, struct ft_err *);
	void *arg;
	struct ft_err err;
	int rc;
	bool started;
};

static void *
query_job_main(void *arg)
{
	struct query_job *j = arg;

	j->rc = j->fn(j->part, j->arg, &j->err);
	return NULL;
}

int
query_parts_run(struct query_part *parts, size_t n,
    int (*fn)(struct query_part *, void *, struct ft_err *),
    void *const *args, struct ft_err *err)
{
	struct query_job jobs[QUERY_PARTS_MAX];
	pthread_attr_t attr;
	bool attr_ok;
	size_t i;
	int rc;

	memset(jobs, 0, sizeof(jobs));
	attr_ok = !pthread_attr_init(&attr);
	if (attr_ok)	/* musl's default of 128 KiB is short for SQLite */
		pthread_attr_setstacksize(&attr, QUERY_PART_STACK);
	for (i = 1; i < n; i++) {
		jobs[i].part = &parts[i];
		jobs[i].fn = fn;
		jobs[i].arg = args[i];
		jobs[i].started = !pthread_create(&jobs[i].thread,
		    attr_ok ? &attr : NULL, query_job_main, &jobs[i]);
		if (!jobs[i].started)	/* no thread: this one does it */
			jobs[i].rc = fn(&parts[i], args[i], &jobs[i].err);
	}
	if (attr_ok)
		pthread_attr_destroy(&attr);
	rc = fn(&parts[0], args[0], err);
	for (i = 1; i < n; i++) {
		if (jobs[i].started)
			pthread_join(jobs[i].thread, NULL);
		if (!rc && jobs[i].rc) {
			rc = jobs[i].rc;
			*err = jobs[i].err;
		}
	}
	return rc;
}
