/* query_run.c: the report runner: bind, step, stream into a writer */
#include <ctype.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "scan.h"

#define QUERY_COLS_MAX 64	/* columns of one report (as out.c) */

static int64_t
query_i64(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

void
query_from_flows(const struct query_range *r, struct out_buf *b)
{
	if (r->since_us || r->until_us) {
		out_buf_adds(b, QUERY_FROM_FLOWS);
		return;
	}
	out_buf_adds(b, " FROM flows f" QUERY_JOINS_FLOWS
	    " WHERE ? <= ?");
}

/* The joins of QUERY_JOINS_FLOWS, each with its alias. */
static const struct {
	const char *alias;
	const char *sql;
} query_joins[] = {
	{ "a", " LEFT JOIN apps a ON a.id = f.app" },
	{ "n", " LEFT JOIN names n ON n.id = f.name" },
	{ "cn", " LEFT JOIN names cn ON cn.id = f.cli_name" },
	{ "mc", " LEFT JOIN macs mc ON mc.id = f.cli_mac" },
	{ "s", " LEFT JOIN asns s ON s.asn = f.asn" },
};

/*
 * Whether sql names alias as a table ("a.name", not "ca.x" or '%.'): the
 * filter builds its SQL from fixed fragments, so the test is exact.
 */
static bool
query_sql_uses(const char *sql, const char *alias)
{
	size_t n = strlen(alias);
	const char *p = sql;

	while ((p = strstr(p, alias))) {
		if (p[n] == '.' && (p == sql || !(isalnum((unsigned char)p[-1]) ||
		    p[-1] == '_' || p[-1] == '.')))
			return true;
		p += n;
	}
	return false;
}

void
query_from_flows_min(const struct query_range *r, struct out_buf *b)
{
	const char *sql = r->where && r->where->sql ? r->where->sql : "";
	size_t i;

	out_buf_adds(b, " FROM flows f");
	for (i = 0; i < sizeof(query_joins) / sizeof(query_joins[0]); i++)
		if (query_sql_uses(sql, query_joins[i].alias))
			out_buf_adds(b, query_joins[i].sql);
	if (r->since_us || r->until_us)
		out_buf_adds(b, " WHERE f.first_us >= ? AND f.first_us < ?");
	else
		out_buf_adds(b, " WHERE ? <= ?");
}

void
query_where_sql(const struct query_range *r, struct out_buf *b)
{
	if (r->progress)
		out_buf_adds(b, " AND ft_progress()");
	if (!r->where || !r->where->sql || !r->where->sql[0])
		return;
	out_buf_adds(b, " AND (");
	out_buf_adds(b, r->where->sql);
	out_buf_adds(b, ")");
}

static int
query_bind_value(sqlite3_stmt *s, int idx, const struct query_value *v)
{
	switch (v->type) {
	case QUERY_INT:
		return sqlite3_bind_int64(s, idx, v->i);
	case QUERY_TEXT:
		return sqlite3_bind_text(s, idx, v->p, (int)v->len,
		    SQLITE_STATIC);
	case QUERY_BLOB:
		return sqlite3_bind_blob(s, idx, v->p, (int)v->len,
		    SQLITE_STATIC);
	}
	return SQLITE_MISUSE;
}

/*
 * since, until, the filter's values, n_extra left to the caller, limit: in
 * the SQL's text order.
 */
static int
query_bind(sqlite3_stmt *s, const struct query_range *r,
    uint64_t default_limit, int n_extra, struct ft_err *err)
{
	size_t n_vals = r->where && r->where->sql ? r->where->n_vals : 0, i;
	uint64_t limit = r->limit ? r->limit : default_limit;
	int idx = 1;

	if (n_vals > QUERY_WHERE_MAX ||
	    sqlite3_bind_parameter_count(s) != (int)n_vals + 3 + n_extra)
		return ft_err_set(err, FT_EINVAL, "query: filter has %d "
		    "placeholders for %zu values",
		    sqlite3_bind_parameter_count(s) - 3 - n_extra, n_vals);
	sqlite3_bind_int64(s, idx++, query_i64(r->since_us));
	sqlite3_bind_int64(s, idx++, r->until_us ? query_i64(r->until_us) :
	    INT64_MAX);
	for (i = 0; i < n_vals; i++)
		if (query_bind_value(s, idx++, &r->where->vals[i]) != SQLITE_OK)
			return ft_err_set(err, FT_EINVAL, "query: cannot bind "
			    "filter value %zu", i + 1);
	sqlite3_bind_int64(s, idx + n_extra, limit > (uint64_t)INT64_MAX ? -1 :
	    (int64_t)limit);
	return 0;
}

int
query_prepare(struct store *st, const char *sql, const struct query_range *r,
    uint64_t default_limit, int n_extra, struct sqlite3_stmt **out,
    int *extra_idx, struct ft_err *err)
{
	sqlite3_stmt *s;
	int rc;

	rc = sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return ft_err_set(err, FT_EDB, "store %s: cannot prepare "
		    "query: %s", store_path(st), sqlite3_errmsg(store_db(st)));
	rc = query_bind(s, r, default_limit, n_extra, err);
	if (rc) {
		sqlite3_finalize(s);
		return rc;
	}
	if (extra_idx)
		*extra_idx = 3 + (int)(r->where && r->where->sql ?
		    r->where->n_vals : 0);
	*out = s;
	return 0;
}

static void
query_cell(sqlite3_stmt *s, int i, enum out_type t, struct out_cell *c)
{
	memset(c, 0, sizeof(*c));
	if (sqlite3_column_type(s, i) == SQLITE_NULL) {
		c->null = true;
		return;
	}
	if (t == OUT_TEXT || t == OUT_NAME) {
		c->p = sqlite3_column_text(s, i);
		c->len = (size_t)sqlite3_column_bytes(s, i);
	} else if (t == OUT_ADDR) {
		c->p = sqlite3_column_blob(s, i);
		c->len = (size_t)sqlite3_column_bytes(s, i);
	} else {
		c->i = sqlite3_column_int64(s, i);
	}
}

/* Step s into w; the progress line goes when the first row comes. */
static int
query_stream(struct store *st, sqlite3_stmt *s, const struct out_col *cols,
    size_t n_cols, struct query_progress *p, struct out *w,
    struct ft_err *err)
{
	struct out_cell cells[QUERY_COLS_MAX];
	size_t i;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		query_progress_quiet(p);
		for (i = 0; i < n_cols; i++)
			query_cell(s, (int)i, cols[i].type, &cells[i]);
		rc = out_row(w, cells, err);
		if (rc)
			return rc;
	}
	if (rc != SQLITE_DONE)
		return ft_err_set(err, rc == SQLITE_BUSY ? FT_EAGAIN : FT_EDB,
		    "store %s: query failed: %s", store_path(st),
		    sqlite3_errmsg(store_db(st)));
	return 0;
}

int
query_run_stmt(struct store *st, struct sqlite3_stmt *s,
    const struct out_col *cols, size_t n_cols, struct query_progress *p,
    struct out *w, struct ft_err *err)
{
	int rc, rc_end;

	if (n_cols > QUERY_COLS_MAX)
		return ft_err_set(err, FT_EINVAL, "query: too many columns");
	if (sqlite3_column_count(s) != (int)n_cols)
		return ft_err_set(err, FT_EINVAL, "query: %d result columns for "
		    "%zu output columns", sqlite3_column_count(s), n_cols);
	rc = out_begin(w, cols, n_cols, err);
	if (rc)
		return rc;
	rc = query_stream(st, s, cols, n_cols, p, w, err);
	query_progress_quiet(p);
	rc_end = out_end(w, rc ? NULL : err);
	return rc ? rc : rc_end;
}

int
query_run(struct store *st, const char *sql, const struct query_range *r,
    uint64_t default_limit, const struct out_col *cols, size_t n_cols,
    struct out *w, struct ft_err *err)
{
	sqlite3_stmt *s;
	int rc;

	rc = query_progress_start(r->progress, st, r, err);
	if (rc)
		goto out_progress;
	rc = query_prepare(st, sql, r, default_limit, 0, &s, NULL, err);
	if (rc)
		goto out_progress;
	rc = query_run_stmt(st, s, cols, n_cols, r->progress, w, err);
	sqlite3_finalize(s);
out_progress:
	query_progress_stop(r->progress, st);
	return rc;
}

/* The connection's query_only pragma; 0 when it cannot be read. */
static int
query_only_get(struct store *st)
{
	sqlite3_stmt *s;
	int on = 0;

	if (sqlite3_prepare_v2(store_db(st), "PRAGMA query_only", -1, &s,
	    NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(s) == SQLITE_ROW)
		on = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return on;
}

static void
query_temp_drop(struct store *st, const char *name)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS temp.%s", name);
	sqlite3_exec(store_db(st), sql, NULL, NULL, NULL);
}

int
query_temp_begin(struct store *st, const char *name, const char *create,
    int *ro, struct ft_err *err)
{
	*ro = query_only_get(st);
	if (*ro && sqlite3_exec(store_db(st), "PRAGMA query_only = 0", NULL,
	    NULL, NULL) != SQLITE_OK)
		*ro = 0;
	query_temp_drop(st, name);
	if (sqlite3_exec(store_db(st), create, NULL, NULL, NULL) != SQLITE_OK) {
		ft_err_set(err, FT_EDB, "store %s: cannot make the report's "
		    "table %s: %s", store_path(st), name,
		    sqlite3_errmsg(store_db(st)));
		query_temp_end(st, name, *ro);
		*ro = 0;
		return -FT_EDB;
	}
	return 0;
}

void
query_temp_end(struct store *st, const char *name, int ro)
{
	query_temp_drop(st, name);
	if (ro)
		sqlite3_exec(store_db(st), "PRAGMA query_only = 1", NULL, NULL,
		    NULL);
}

int
query_scan_prepare_rows(struct store *st, const struct query_range *r,
    int64_t rowid_lo, int64_t rowid_hi, const char *cols, sqlite3_stmt **s,
    struct ft_err *err)
{
	struct query_range all = *r;
	char mem[QUERY_SQL_MAX];
	struct out_buf b;

	out_buf_init(&b, mem, sizeof(mem));
	out_buf_adds(&b, cols);
	query_from_flows_min(r, &b);
	/*
	 * Our own numbers, never the user's. An open range walks the table
	 * by rowid; a bounded one walks the time index, the rowid only
	 * checked ('+'), on the index entry before the row is read.
	 */
	if (rowid_hi > rowid_lo)
		out_buf_addf(&b, " AND %sf.rowid >= %" PRId64 " AND %sf.rowid < %"
		    PRId64, r->since_us || r->until_us ? "+" : "", rowid_lo,
		    r->since_us || r->until_us ? "+" : "", rowid_hi);
	query_where_sql(r, &b);
	out_buf_adds(&b, " LIMIT ?");
	if (b.trunc)
		return ft_err_set(err, FT_EINVAL, "query: filter too long");
	all.limit = 0;
	return query_prepare(st, b.p, &all, UINT64_MAX, 0, s, NULL, err);
}

int
query_scan_prepare(struct store *st, const struct query_range *r,
    const char *cols, sqlite3_stmt **s, struct ft_err *err)
{
	return query_scan_prepare_rows(st, r, 0, 0, cols, s, err);
}
