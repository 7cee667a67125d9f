/* query_top_series.c: top-N answered from the series and their rollups */
#include <string.h>

#include <sqlite3.h>

#include "../base/ft_time.h"
#include "../store/store_sql.h"
#include "series.h"
#include "series_int.h"

/* What top's fields are in the series: kinds, key and metric columns. */
static const struct {
	enum query_by by;
	const char *kinds;
	struct out_col col[2];	/* the key, and a second (org) or none */
	const char *expr[2];	/* over key */
} top_fields[] = {
	{ QUERY_BY_PROTO, "2", { { "proto", OUT_PROTO, NULL } }, { "key" } },
	{ QUERY_BY_APP, "3", { { "app", OUT_TEXT, NULL } },
	    { "coalesce(nullif(key, ''), 'Unknown')" } },
	{ QUERY_BY_HOST, "4, 5", { { "host", OUT_ADDR, NULL } }, { "key" } },
	{ QUERY_BY_ASN, "7", { { "asn", OUT_INT, NULL },
	    { "org", OUT_NAME, NULL } },
	    { "nullif(key, 0)", "(SELECT org FROM asns WHERE asns.asn = key)" } },
	{ QUERY_BY_COUNTRY, "8", { { "country", OUT_TEXT, NULL } },
	    { SQL_COUNTRY("nullif(key, 0)") } },
};
#define N_TOP_FIELDS (sizeof(top_fields) / sizeof(top_fields[0]))

static const struct out_col top_metrics[] = {
	{ "bytes", OUT_BYTES, "sum(bytes_in + bytes_out)" },
	{ "packets", OUT_COUNT, "sum(pkts_in + pkts_out)" },
	{ "flows", OUT_COUNT, "sum(flows)" },
	{ "bytes_cs", OUT_BYTES, "sum(bytes_out)" },
	{ "bytes_sc", OUT_BYTES, "sum(bytes_in)" },
};

static int
top_field(enum query_by by)
{
	size_t i;

	for (i = 0; i < N_TOP_FIELDS; i++)
		if (top_fields[i].by == by)
			return (int)i;
	return -1;
}

bool
query_top_series_can(const struct query_top_opts *o, struct ft_err *err)
{
	if (o->n_by != 1 || top_field(o->by[0]) < 0) {
		if (err)
			ft_err_set(err, FT_EINVAL, "the series answer top --by "
			    "one of proto, app, host, asn, country");
		return false;
	}
	if (o->range.where && o->range.where->sql && o->range.where->sql[0]) {
		if (err)
			ft_err_set(err, FT_EINVAL, "the series hold sums per "
			    "key, not flows: a filter needs --source flows");
		return false;
	}
	return true;
}

bool
query_series_cover(struct store *st, uint64_t since_us)
{
	sqlite3_stmt *s;
	bool cover = false;

	if (sqlite3_prepare_v2(store_db(st), "SELECT min(coalesce((SELECT "
	    "min(t) FROM series_1d WHERE kind = 1), ?1), coalesce((SELECT "
	    "min(t) FROM series_1h WHERE kind = 1), ?1), coalesce((SELECT "
	    "min(t) FROM series_1m WHERE kind = 1), ?1)) <= ?2", -1, &s,
	    NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_int64(s, 1, INT64_MAX);
	sqlite3_bind_int64(s, 2, (int64_t)(since_us / 1000000));
	if (sqlite3_step(s) == SQLITE_ROW)
		cover = sqlite3_column_int(s, 0) != 0;
	sqlite3_finalize(s);
	return cover;
}

int
query_top_series(struct store *st, const struct query_top_opts *o,
    struct out *w, struct ft_err *err)
{
	struct query_range r = o->range;
	struct out_col cols[2 + 5];
	char mem[QUERY_SQL_MAX];
	int64_t rolled_h, rolled_d;
	struct out_buf b;
	size_t n = 0, i;
	int f, rc;

	if (!query_top_series_can(o, err))
		return -FT_EINVAL;
	f = top_field(o->by[0]);
	rc = series_read_rolled(st, &rolled_h, &rolled_d, err);
	if (rc)
		return rc;
	if (r.since_us)
		r.since_us = (uint64_t)ft_day_start((int64_t)(r.since_us /
		    1000000)) * 1000000;
	r.where = NULL;
	out_buf_init(&b, mem, sizeof(mem));
	out_buf_adds(&b, "SELECT ");
	for (i = 0; i < 2 && top_fields[f].col[i].name; i++) {
		out_buf_addf(&b, "%s, ", top_fields[f].expr[i]);
		cols[n++] = top_fields[f].col[i];
	}
	for (i = 0; i < 5; i++) {
		out_buf_addf(&b, "%s%s", i ? ", " : "", top_metrics[i].expr);
		cols[n++] = top_metrics[i];
	}
	out_buf_adds(&b, " FROM ");
	series_add_union(&b, 86400, rolled_h, rolled_d, top_fields[f].kinds,
	    false);
	out_buf_addf(&b, " WHERE key != -1 GROUP BY key ORDER BY %s DESC, key "
	    "LIMIT ?3", top_metrics[o->order].expr);
	if (b.trunc)
		return ft_err_set(err, FT_EINVAL, "query: too long");
	return query_run(st, b.p, &r, QUERY_TOP_LIMIT, cols, n, w, err);
}
