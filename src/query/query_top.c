/* query_top.c: top-N groups by fixed fields, with bytes, packets and distinct flows. */
#include <string.h>

#include "query.h"

#define QUERY_SQL_MAX 16384	/* one report's SQL, filter included */
#define QUERY_KEYS_MAX (2 * QUERY_BY_MAX) /* a field gives one or two keys */

/* Key columns; expr is over the `sel` rows built in query_top_sql(). */
enum query_key { QK_PROTO, QK_APP, QK_SRC, QK_DST, QK_HOST, QK_DST_PORT,
	QK_SRC_PORT };

static const struct out_col query_key_cols[] = {
	[QK_PROTO] = { "proto", OUT_PROTO, "proto" },
	[QK_APP] = { "app", OUT_TEXT, "coalesce(app_name, 'Unknown')" },
	[QK_SRC] = { "src", OUT_ADDR, "cli" },
	[QK_DST] = { "dst", OUT_ADDR, "srv" },
	[QK_HOST] = { "host", OUT_ADDR, "host" },
	[QK_DST_PORT] = { "dst_port", OUT_INT, "sport" },
	[QK_SRC_PORT] = { "src_port", OUT_INT, "cport" },
};

/* Metric columns, in enum query_order order; expr is over `per_flow`. */
static const struct out_col query_metric_cols[] = {
	{ "bytes", OUT_BYTES, "sum(b)" },
	{ "packets", OUT_COUNT, "sum(p)" },
	{ "flows", OUT_COUNT, "count(*)" },
};

/* Each --by field, its spellings and the keys it groups by. */
static const struct {
	const char *name;	/* as typed after --by */
	enum query_by by;	/* field */
	int key[2];		/* enum query_key, -1 for none */
} query_fields[] = {
	{ "proto", QUERY_BY_PROTO, { QK_PROTO, -1 } },
	{ "app", QUERY_BY_APP, { QK_APP, -1 } },
	{ "src", QUERY_BY_SRC, { QK_SRC, -1 } },
	{ "dst", QUERY_BY_DST, { QK_DST, -1 } },
	{ "host", QUERY_BY_HOST, { QK_HOST, -1 } },
	{ "dst-port", QUERY_BY_DST_PORT, { QK_PROTO, QK_DST_PORT } },
	{ "src-port", QUERY_BY_SRC_PORT, { QK_PROTO, QK_SRC_PORT } },
	{ "dst_port", QUERY_BY_DST_PORT, { QK_PROTO, QK_DST_PORT } },
	{ "src_port", QUERY_BY_SRC_PORT, { QK_PROTO, QK_SRC_PORT } },
};
#define QUERY_N_FIELDS (sizeof(query_fields) / sizeof(query_fields[0]))

static int
query_field(const char *s, size_t n, enum query_by *by, struct ft_err *err)
{
	size_t i;

	for (i = 0; i < QUERY_N_FIELDS; i++) {
		if (strlen(query_fields[i].name) == n &&
		    memcmp(query_fields[i].name, s, n) == 0) {
			*by = query_fields[i].by;
			return 0;
		}
	}
	return ft_err_set(err, FT_EINVAL, "unknown --by field '%.*s': "
	    "expected proto, app, src, dst, host, dst-port or src-port",
	    (int)(n > 64 ? 64 : n), s);
}

int
query_top_parse_by(const char *list, struct query_top_opts *o,
    struct ft_err *err)
{
	const char *p = list ? list : "", *end;
	enum query_by by = QUERY_BY_PROTO;
	size_t n = 0, i, len;
	int rc;

	for (;;) {
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		if (!len)
			return ft_err_set(err, FT_EINVAL, "--by '%.64s': "
			    "empty field name", list ? list : "");
		rc = query_field(p, len, &by, err);
		if (rc)
			return rc;
		for (i = 0; i < n; i++)
			if (o->by[i] == by)
				return ft_err_set(err, FT_EINVAL, "--by lists "
				    "'%.*s' twice", (int)len, p);
		if (n == QUERY_BY_MAX)
			return ft_err_set(err, FT_EINVAL, "--by takes at most "
			    "%d fields", QUERY_BY_MAX);
		o->by[n++] = by;
		if (!end)
			break;
		p = end + 1;
	}
	o->n_by = n;
	return 0;
}

int
query_top_parse_order(const char *s, enum query_order *order,
    struct ft_err *err)
{
	size_t i;

	for (i = 0; s && i < 3; i++) {
		if (strcmp(s, query_metric_cols[i].name) == 0) {
			*order = (enum query_order)i;
			return 0;
		}
	}
	return ft_err_set(err, FT_EINVAL, "unknown --order '%.64s': expected "
	    "bytes, packets or flows", s ? s : "");
}

/* Keys of the fields in order, each once (dst-port brings proto along). */
static size_t
query_top_keys(const struct query_top_opts *o, int *keys)
{
	size_t n = 0, i, f, j, k;

	for (i = 0; i < o->n_by; i++) {
		for (f = 0; query_fields[f].by != o->by[i]; f++)
			;
		for (j = 0; j < 2 && query_fields[f].key[j] >= 0; j++) {
			for (k = 0; k < n && keys[k] != query_fields[f].key[j];
			    k++)
				;
			if (k == n)
				keys[n++] = query_fields[f].key[j];
		}
	}
	return n;
}

static bool
query_top_has_host(const int *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (keys[i] == QK_HOST)
			return true;
	return false;
}

/*
 * sel: the records in range; side: for host, each record once per end;
 * per_flow: one row per key and flow (run, flow), so a flow reported as
 * several deltas counts once; then the groups, ranked.
 */
static void
query_top_sql(const struct query_top_opts *o, const int *keys, size_t n,
    struct out_buf *b)
{
	bool host = query_top_has_host(keys, n);
	size_t i;

	out_buf_adds(b, "WITH sel AS (SELECT f.run, f.flow, f.proto, f.cli, "
	    "f.srv, f.cport, f.sport, a.name AS app_name, "
	    "f.bytes_cs + f.bytes_sc AS b, f.pkts_cs + f.pkts_sc AS p"
	    QUERY_FROM_FLOWS);
	query_where_sql(&o->range, b);
	out_buf_adds(b, ")");
	if (host)
		out_buf_adds(b, ", side AS (SELECT *, cli AS host FROM sel "
		    "UNION ALL SELECT *, srv AS host FROM sel WHERE srv <> cli)");
	out_buf_adds(b, ", per_flow AS (SELECT ");
	for (i = 0; i < n; i++)
		out_buf_addf(b, "%s AS k%zu, ", query_key_cols[keys[i]].expr, i);
	out_buf_addf(b, "sum(b) AS b, sum(p) AS p FROM %s GROUP BY ",
	    host ? "side" : "sel");
	for (i = 0; i < n; i++)
		out_buf_addf(b, "k%zu, ", i);
	out_buf_adds(b, "run, flow) SELECT ");
	for (i = 0; i < n; i++)
		out_buf_addf(b, "k%zu, ", i);
	for (i = 0; i < 3; i++)
		out_buf_addf(b, "%s%s", i ? ", " : "",
		    query_metric_cols[i].expr);
	out_buf_adds(b, " FROM per_flow GROUP BY ");
	for (i = 0; i < n; i++)
		out_buf_addf(b, "%sk%zu", i ? ", " : "", i);
	out_buf_addf(b, " ORDER BY %zu DESC", n + 1 + (size_t)o->order);
	for (i = 0; i < n; i++)
		out_buf_addf(b, ", %zu", i + 1);
	out_buf_adds(b, " LIMIT ?");
}

int
query_top(struct store *st, const struct query_top_opts *o, struct out *w,
    struct ft_err *err)
{
	struct out_col cols[QUERY_KEYS_MAX + 3];
	int keys[QUERY_KEYS_MAX];
	char mem[QUERY_SQL_MAX];
	struct out_buf b;
	size_t n, i;

	if (!o->n_by || o->n_by > QUERY_BY_MAX ||
	    (unsigned)o->order > QUERY_ORDER_FLOWS)
		return ft_err_set(err, FT_EINVAL, "top: give 1 to %d --by "
		    "fields and an order of bytes, packets or flows",
		    QUERY_BY_MAX);
	n = query_top_keys(o, keys);
	for (i = 0; i < n; i++)
		cols[i] = query_key_cols[keys[i]];
	for (i = 0; i < 3; i++)
		cols[n + i] = query_metric_cols[i];
	out_buf_init(&b, mem, sizeof(mem));
	query_top_sql(o, keys, n, &b);
	if (b.trunc)
		return ft_err_set(err, FT_EINVAL, "query: filter too long");
	return query_run(st, b.p, &o->range, QUERY_TOP_LIMIT, cols, n + 3, w,
	    err);
}
