/* query_flows.c: the report runner (bind, step, stream) and the flow listing. */
#include <sqlite3.h>
#include <string.h>

#include "../store/store_sql.h"
#include "query.h"

#define QUERY_COLS_MAX 64	/* columns of one report (as out.c) */

/*
 * The flow listing, one row per record; expr is the SELECT list. Columns
 * after pkts_sc came with schema 2: scripts read the first ones by
 * position, so new columns go at the end.
 */
static const struct out_col query_flows_cols[] = {
	{ "time", OUT_TIME, "f.first_us" },
	{ "duration", OUT_DURATION, "f.last_us - f.first_us" },
	{ "proto", OUT_PROTO, "f.proto" },
	{ "client", OUT_ADDR, "f.cli" },
	{ "cport", OUT_INT, "f.cport" },
	{ "server", OUT_ADDR, "f.srv" },
	{ "sport", OUT_INT, "f.sport" },
	{ "app", OUT_TEXT, "a.name" },
	{ "server_name", OUT_NAME, "n.name" },
	{ "bytes_cs", OUT_BYTES, "f.bytes_cs" },
	{ "bytes_sc", OUT_BYTES, "f.bytes_sc" },
	{ "pkts_cs", OUT_COUNT, "f.pkts_cs" },
	{ "pkts_sc", OUT_COUNT, "f.pkts_sc" },
	{ "cli_name", OUT_NAME, "cn.name" },
	{ "asn", OUT_INT, "f.asn" },
	{ "org", OUT_NAME, "s.org" },
	{ "country", OUT_TEXT, SQL_COUNTRY("f.country") },
};

static int64_t
query_i64(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

void
query_where_sql(const struct query_range *r, struct out_buf *b)
{
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

static int
query_stream(struct store *st, sqlite3_stmt *s, const struct out_col *cols,
    size_t n_cols, struct out *w, struct ft_err *err)
{
	struct out_cell cells[QUERY_COLS_MAX];
	size_t i;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
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
query_run(struct store *st, const char *sql, const struct query_range *r,
    uint64_t default_limit, const struct out_col *cols, size_t n_cols,
    struct out *w, struct ft_err *err)
{
	sqlite3_stmt *s;
	int rc, rc_end;

	if (n_cols > QUERY_COLS_MAX)
		return ft_err_set(err, FT_EINVAL, "query: too many columns");
	rc = query_prepare(st, sql, r, default_limit, 0, &s, NULL, err);
	if (rc)
		return rc;
	if (sqlite3_column_count(s) != (int)n_cols) {
		rc = ft_err_set(err, FT_EINVAL, "query: %d result columns for "
		    "%zu output columns", sqlite3_column_count(s), n_cols);
		goto out_finalize;
	}
	rc = out_begin(w, cols, n_cols, err);
	if (rc)
		goto out_finalize;
	rc = query_stream(st, s, cols, n_cols, w, err);
	rc_end = out_end(w, rc ? NULL : err);
	if (!rc)
		rc = rc_end;
out_finalize:
	sqlite3_finalize(s);
	return rc;
}

int
query_flows(struct store *st, const struct query_range *r, struct out *w,
    struct ft_err *err)
{
	const size_t n = sizeof(query_flows_cols) / sizeof(query_flows_cols[0]);
	char mem[QUERY_SQL_MAX];
	struct out_buf b;
	size_t i;

	out_buf_init(&b, mem, sizeof(mem));
	out_buf_adds(&b, "SELECT ");
	for (i = 0; i < n; i++)
		out_buf_addf(&b, "%s%s", i ? ", " : "",
		    query_flows_cols[i].expr);
	out_buf_adds(&b, QUERY_FROM_FLOWS);
	query_where_sql(r, &b);
	out_buf_adds(&b, " ORDER BY f.first_us DESC, f.rowid DESC LIMIT ?");
	if (b.trunc)
		return ft_err_set(err, FT_EINVAL, "query: filter too long");
	return query_run(st, b.p, r, QUERY_FLOWS_LIMIT, query_flows_cols, n,
	    w, err);
}
