/* query_flows.c: the flow listing: records merged, sorted by any column */
#include <sqlite3.h>
#include <string.h>

#include "../store/store_sql.h"
#include "flows_int.h"
#include "scan.h"

/*
 * The listing's columns. col.expr is the SELECT expression over `m` (one
 * merged flow, or one record: its counters and times) and `f` (the flow's
 * latest record in the range, for what does not add up) with the joins of
 * QUERY_JOINS_FLOWS. sort is what --sort NAME orders by, up to two
 * expressions (NULL: the column itself). Columns after pkts_sc came with
 * schema 2, and those after country with merging: scripts read the first
 * ones by position, so new columns go at the end.
 */
static const struct {
	struct out_col col;	/* output column */
	const char *sort[2];	/* ORDER BY expressions, NULL: the column */
	enum flows_key flow_key;	/* what it sorts merged flows by */
} query_flows_cols[] = {
	{ { "time", OUT_TIME, "m.first_us" }, { NULL }, KEY_FIRST },
	{ { "duration", OUT_DURATION, "m.last_us - m.first_us" }, { NULL },
	    KEY_DURATION },
	{ { "proto", OUT_PROTO, "f.proto" }, { NULL }, KEY_PROTO },
	{ { "client", OUT_ADDR, "f.cli" }, { "length(f.cli)", "f.cli" },
	    KEY_CLIENT },
	{ { "cport", OUT_INT, "f.cport" }, { NULL }, KEY_CLIENT_PORT },
	{ { "server", OUT_ADDR, "f.srv" }, { "length(f.srv)", "f.srv" },
	    KEY_SERVER },
	{ { "sport", OUT_INT, "f.sport" }, { NULL }, KEY_SERVER_PORT },
	{ { "app", OUT_TEXT, "a.name" }, { NULL }, KEY_APP },
	{ { "server_name", OUT_NAME, "n.name" }, { NULL }, KEY_NONE },
	{ { "bytes_cs", OUT_BYTES, "m.bytes_cs" }, { NULL }, KEY_BYTES_CS },
	{ { "bytes_sc", OUT_BYTES, "m.bytes_sc" }, { NULL }, KEY_BYTES_SC },
	{ { "pkts_cs", OUT_COUNT, "m.pkts_cs" }, { NULL }, KEY_PACKETS_CS },
	{ { "pkts_sc", OUT_COUNT, "m.pkts_sc" }, { NULL }, KEY_PACKETS_SC },
	{ { "cli_name", OUT_NAME, "cn.name" }, { NULL }, KEY_NONE },
	{ { "asn", OUT_INT, "f.asn" }, { NULL }, KEY_ASN },
	{ { "org", OUT_NAME, "s.org" }, { NULL }, KEY_NONE },
	{ { "country", OUT_TEXT, SQL_COUNTRY("f.country") }, { NULL },
	    KEY_NONE },
	{ { "records", OUT_COUNT, "m.records" }, { NULL }, KEY_RECORDS },
	{ { "end", OUT_TEXT, SQL_END_REASON("f.end_reason") },
	    { "f.end_reason" }, KEY_END_REASON },
	{ { "tcp_cs", OUT_TCP_FLAGS,
	    "CASE WHEN f.proto = 6 THEN m.tcp_cs END" }, { NULL },
	    KEY_TCP_FLAGS_CS },
	{ { "tcp_sc", OUT_TCP_FLAGS,
	    "CASE WHEN f.proto = 6 THEN m.tcp_sc END" }, { NULL },
	    KEY_TCP_FLAGS_SC },
};
#define QUERY_FLOWS_NCOLS \
	(sizeof(query_flows_cols) / sizeof(query_flows_cols[0]))

/* Other names for --sort: spellings of columns, and sums not printed. */
static const struct {
	const char *name;	/* as typed after --sort */
	const char *col;	/* the column it names, or NULL */
	const char *sort;	/* else the expression it sorts by */
	enum flows_key flow_key;	/* and the merged flow's value */
} query_flows_sorts[] = {
	{ "first", "time", NULL, KEY_NONE },
	{ "src", "client", NULL, KEY_NONE },
	{ "dst", "server", NULL, KEY_NONE },
	{ "src-port", "cport", NULL, KEY_NONE },
	{ "dst-port", "sport", NULL, KEY_NONE },
	{ "src_port", "cport", NULL, KEY_NONE },	/* as top spells them */
	{ "dst_port", "sport", NULL, KEY_NONE },
	{ "name", "server_name", NULL, KEY_NONE },
	{ "last", NULL, "m.last_us", KEY_LAST },
	{ "bytes", NULL, "m.bytes_cs + m.bytes_sc", KEY_BYTES },
	{ "packets", NULL, "m.pkts_cs + m.pkts_sc", KEY_PACKETS },
};
#define QUERY_FLOWS_NSORTS \
	(sizeof(query_flows_sorts) / sizeof(query_flows_sorts[0]))

/* What a record gives to its merged line; sel's columns besides run, flow. */
#define QUERY_FLOWS_SEL "f.rowid AS id, f.run, f.flow, f.first_us, " \
	"f.last_us, f.bytes_cs, f.bytes_sc, f.pkts_cs, f.pkts_sc, f.tcp_cs, " \
	"f.tcp_sc"

/* A sort key: a column index, or QUERY_FLOWS_NCOLS + an index of sorts. */
static int
query_flows_key(const char *s, size_t n, unsigned *key)
{
	size_t i, j;

	for (i = 0; i < QUERY_FLOWS_NCOLS; i++) {
		if (strlen(query_flows_cols[i].col.name) == n &&
		    memcmp(query_flows_cols[i].col.name, s, n) == 0) {
			*key = (unsigned)i;
			return 0;
		}
	}
	for (i = 0; i < QUERY_FLOWS_NSORTS; i++) {
		if (strlen(query_flows_sorts[i].name) != n ||
		    memcmp(query_flows_sorts[i].name, s, n) != 0)
			continue;
		if (!query_flows_sorts[i].col) {
			*key = (unsigned)(QUERY_FLOWS_NCOLS + i);
			return 0;
		}
		for (j = 0; strcmp(query_flows_cols[j].col.name,
		    query_flows_sorts[i].col) != 0; j++)
			;
		*key = (unsigned)j;
		return 0;
	}
	return -FT_EINVAL;
}

int
query_flows_parse_sort(const char *list, bool desc,
    struct query_flows_opts *o, struct ft_err *err)
{
	const char *p = list ? list : "", *end;
	size_t n = 0, len;
	bool d;

	for (;;) {
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		d = desc;
		if (len && (*p == '-' || *p == '+')) {
			d = *p == '-';
			p++;
			len--;
		}
		if (!len)
			return ft_err_set(err, FT_EINVAL, "--sort '%.64s': "
			    "empty column name", list ? list : "");
		if (n == QUERY_SORT_MAX)
			return ft_err_set(err, FT_EINVAL, "--sort takes at "
			    "most %d columns", QUERY_SORT_MAX);
		if (query_flows_key(p, len, &o->sort[n].key))
			return ft_err_set(err, FT_EINVAL, "unknown --sort "
			    "column '%.*s': expected a column of flows (time, "
			    "duration, proto, client, server, app, bytes_cs, "
			    "...) or first, last, bytes, packets, src, dst, "
			    "src-port, dst-port, name",
			    (int)(len > 64 ? 64 : len), p);
		o->sort[n++].desc = d;
		if (!end)
			break;
		p = end + 1;
	}
	o->n_sort = n;
	return 0;
}

/* ORDER BY: the keys (NULLs last either way), then newest first. */
static void
query_flows_order(const struct query_flows_opts *o, struct out_buf *b)
{
	const char *expr[2];
	unsigned k;
	size_t i, j;

	out_buf_adds(b, " ORDER BY ");
	for (i = 0; i < o->n_sort; i++) {
		k = o->sort[i].key;
		if (k >= QUERY_FLOWS_NCOLS) {
			expr[0] = query_flows_sorts[k - QUERY_FLOWS_NCOLS].sort;
			expr[1] = NULL;
		} else if (query_flows_cols[k].sort[0]) {
			expr[0] = query_flows_cols[k].sort[0];
			expr[1] = query_flows_cols[k].sort[1];
		} else {
			expr[0] = query_flows_cols[k].col.expr;
			expr[1] = NULL;
		}
		for (j = 0; j < 2 && expr[j]; j++)
			out_buf_addf(b, "%s %s NULLS LAST, ", expr[j],
			    o->sort[i].desc ? "DESC" : "ASC");
	}
	out_buf_adds(b, "m.first_us DESC, m.id DESC");
}

/* ft_or(x): the bitwise OR of a group's values (SQLite has none). */
static void
query_flows_or_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int64_t *acc = sqlite3_aggregate_context(ctx, sizeof(*acc));

	if (acc)
		*acc |= sqlite3_value_int64(argv[0]);
}

static void
query_flows_or_final(sqlite3_context *ctx)
{
	int64_t *acc = sqlite3_aggregate_context(ctx, 0);

	sqlite3_result_int64(ctx, acc ? *acc : 0);
}

/* The listing's columns over m and each row's latest record f, ordered. */
static void
query_flows_render(const struct query_flows_opts *o, const char *m,
    struct out_buf *b)
{
	size_t i;

	out_buf_adds(b, "SELECT ");
	for (i = 0; i < QUERY_FLOWS_NCOLS; i++)
		out_buf_addf(b, "%s%s", i ? ", " : "",
		    query_flows_cols[i].col.expr);
	out_buf_addf(b, " FROM %s m JOIN flows f ON f.rowid = m.id"
	    QUERY_JOINS_FLOWS, m);
	query_flows_order(o, b);
	out_buf_adds(b, " LIMIT ?");
}

/*
 * sel: the records in range passing the filter; m: one row per flow (run,
 * flow) with its sums, or one per record; then each row's latest record f,
 * for the columns that do not add up.
 */
static void
query_flows_sql(const struct query_flows_opts *o, struct out_buf *b)
{
	out_buf_adds(b, "WITH sel AS (SELECT " QUERY_FLOWS_SEL
	    QUERY_FROM_FLOWS);
	query_where_sql(&o->range, b);
	if (o->records) {
		out_buf_adds(b, "), m AS (SELECT id, 1 AS records, first_us, "
		    "last_us, bytes_cs, bytes_sc, pkts_cs, pkts_sc, tcp_cs, "
		    "tcp_sc FROM sel) ");
	} else {
		out_buf_adds(b, "), m AS (SELECT max(id) AS id, count(*) AS "
		    "records, min(first_us) AS first_us, max(last_us) AS "
		    "last_us, sum(bytes_cs) AS bytes_cs, sum(bytes_sc) AS "
		    "bytes_sc, sum(pkts_cs) AS pkts_cs, sum(pkts_sc) AS "
		    "pkts_sc, ft_or(tcp_cs) AS tcp_cs, ft_or(tcp_sc) AS tcp_sc "
		    "FROM sel GROUP BY run, flow) ");
	}
	query_flows_render(o, "m", b);
}

/*
 * The leading sort keys of o that are merged flows' values into k;
 * false when the first is not (SQLite sorts such a listing whole).
 */
static bool
query_flows_keys(const struct query_flows_opts *o, struct flows_sort *k)
{
	enum flows_key flow_key;
	unsigned key;

	memset(k, 0, sizeof(*k));
	if (!o->n_sort) {		/* newest first */
		k->key[0] = KEY_FIRST;
		k->desc[0] = k->total = true;
		k->n = 1;
		return true;
	}
	for (k->n = 0; k->n < o->n_sort; k->n++) {
		key = o->sort[k->n].key;
		flow_key = key < QUERY_FLOWS_NCOLS ?
		    query_flows_cols[key].flow_key :
		    query_flows_sorts[key - QUERY_FLOWS_NCOLS].flow_key;
		if (flow_key == KEY_NONE)
			break;
		k->key[k->n] = flow_key;
		k->desc[k->n] = o->sort[k->n].desc;
		k->reads_record |= flow_key >= KEY_PROTO;
		k->reads_app |= flow_key == KEY_APP;
	}
	k->total = k->n == o->n_sort;
	return k->n > 0;
}

int
query_flows(struct store *st, const struct query_flows_opts *o,
    struct out *w, struct ft_err *err)
{
	struct out_col cols[QUERY_FLOWS_NCOLS];
	char mem[QUERY_SQL_MAX];
	struct flows_sort keys;
	struct out_buf b;
	bool scan;
	size_t i;
	int rc;

	if (o->n_sort > QUERY_SORT_MAX)
		return ft_err_set(err, FT_EINVAL, "flows: at most %d sort keys",
		    QUERY_SORT_MAX);
	for (i = 0; i < o->n_sort; i++)
		if (o->sort[i].key >= QUERY_FLOWS_NCOLS + QUERY_FLOWS_NSORTS)
			return ft_err_set(err, FT_EINVAL, "flows: sort key "
			    "%u unknown", o->sort[i].key);
	for (i = 0; i < QUERY_FLOWS_NCOLS; i++)
		cols[i] = query_flows_cols[i].col;
	if (sqlite3_create_function(store_db(st), "ft_or", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, NULL, NULL,
	    query_flows_or_step, query_flows_or_final) != SQLITE_OK)
		return ft_err_set(err, FT_EDB, "store %s: %s", store_path(st),
		    sqlite3_errmsg(store_db(st)));
	out_buf_init(&b, mem, sizeof(mem));
	scan = !o->records && query_flows_keys(o, &keys);
	if (scan)
		query_flows_render(o, "temp.ft_flows", &b);
	else
		query_flows_sql(o, &b);
	if (b.trunc)
		return ft_err_set(err, FT_EINVAL, "query: filter too long");
	if (scan) {
		rc = query_flows_scan(st, o, &keys, b.p, cols,
		    QUERY_FLOWS_NCOLS, w, err);
		if (rc != -FT_EFULL)	/* else too many ties: SQL sorts */
			return rc;
		out_buf_init(&b, mem, sizeof(mem));
		query_flows_sql(o, &b);
	}
	return query_run(st, b.p, &o->range, QUERY_FLOWS_LIMIT, cols,
	    QUERY_FLOWS_NCOLS, w, err);
}
