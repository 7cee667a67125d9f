/* query_top.c: top-N groups by fixed fields, with bytes, packets and distinct flows. */
#include <string.h>

#include "../base/ft_log.h"
#include "../base/ft_time.h"
#include "../store/store_sql.h"
#include "query.h"
#include "series.h"

#define QUERY_KEYS_MAX (2 * QUERY_BY_MAX) /* a field gives one or two keys */

/*
 * Key columns. col.expr is the grouping value over one joined record
 * (QUERY_FROM_FLOWS), selected in `sel` as k_<col.name>; out renders the
 * grouped value in the last step (NULL: the value itself). Grouping on ids
 * and rendering once per group keeps text work off the per-record path.
 */
enum query_key { QK_PROTO, QK_APP, QK_SRC, QK_DST, QK_HOST, QK_DST_PORT,
	QK_SRC_PORT, QK_ASN, QK_ORG, QK_COUNTRY, QK_MAC, QK_VENDOR, QK_NAME,
	QK_DEVICE, QK_IFACE, QK_CATEGORY, QK_VLAN };

static const struct {
	struct out_col col;	/* output column; expr: grouping value */
	const char *out;	/* rendering over k_<name>, NULL: as is */
} query_keys[] = {
	[QK_PROTO] = { { "proto", OUT_PROTO, "f.proto" }, NULL },
	[QK_APP] = { { "app", OUT_TEXT, "coalesce(a.name, 'Unknown')" },
	    NULL },
	[QK_SRC] = { { "src", OUT_ADDR, "f.cli" }, NULL },
	[QK_DST] = { { "dst", OUT_ADDR, "f.srv" }, NULL },
	[QK_HOST] = { { "host", OUT_ADDR, "f.cli" }, NULL },
	[QK_DST_PORT] = { { "dst_port", OUT_INT, "f.sport" }, NULL },
	[QK_SRC_PORT] = { { "src_port", OUT_INT, "f.cport" }, NULL },
	[QK_ASN] = { { "asn", OUT_INT, "f.asn" }, NULL },
	[QK_ORG] = { { "org", OUT_NAME, "s.org" }, NULL },
	[QK_COUNTRY] = { { "country", OUT_TEXT, "f.country" },
	    SQL_COUNTRY("k_country") },
	[QK_MAC] = { { "mac", OUT_TEXT, "f.cli_mac" },
	    "(SELECT " SQL_MAC("x.mac") " FROM macs x WHERE x.id = k_mac)" },
	[QK_VENDOR] = { { "vendor", OUT_NAME, "mc.vendor" }, NULL },
	[QK_NAME] = { { "name", OUT_NAME, "f.name" },
	    "(SELECT x.name FROM names x WHERE x.id = k_name)" },
	[QK_DEVICE] = { { "device", OUT_NAME,
	    "CASE WHEN f.local & 1 THEN f.cli_mac"
	    " WHEN f.local & 2 THEN f.srv_mac END" },
	    "(SELECT coalesce(d.name, " SQL_MAC("x.mac") ") FROM macs x"
	    " LEFT JOIN devices d ON d.mac = x.id WHERE x.id = k_device)" },
	[QK_IFACE] = { { "iface", OUT_TEXT, "f.iface" },
	    "(SELECT x.name FROM ifaces x WHERE x.id = k_iface)" },
	[QK_CATEGORY] = { { "category", OUT_TEXT, "nullif(a.category, '')" },
	    NULL },
	[QK_VLAN] = { { "vlan", OUT_INT, "f.vlan" }, NULL },
};

/*
 * Metric columns over `per_flow`: the first three in enum query_order
 * order; bytes each way came later, so they go last (scripts read the
 * first columns by position).
 */
static const struct out_col query_metric_cols[] = {
	{ "bytes", OUT_BYTES, "sum(bc) + sum(bs)" },
	{ "packets", OUT_COUNT, "sum(p)" },
	{ "flows", OUT_COUNT, "count(*)" },
	{ "bytes_cs", OUT_BYTES, "sum(bc)" },
	{ "bytes_sc", OUT_BYTES, "sum(bs)" },
};
#define QUERY_N_METRICS \
	(sizeof(query_metric_cols) / sizeof(query_metric_cols[0]))

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
	{ "asn", QUERY_BY_ASN, { QK_ASN, QK_ORG } },
	{ "country", QUERY_BY_COUNTRY, { QK_COUNTRY, -1 } },
	{ "mac", QUERY_BY_MAC, { QK_MAC, QK_VENDOR } },
	{ "vendor", QUERY_BY_VENDOR, { QK_VENDOR, -1 } },
	{ "name", QUERY_BY_NAME, { QK_NAME, -1 } },
	{ "device", QUERY_BY_DEVICE, { QK_DEVICE, -1 } },
	{ "conversation", QUERY_BY_CONVERSATION, { QK_SRC, QK_DST } },
	{ "iface", QUERY_BY_IFACE, { QK_IFACE, -1 } },
	{ "category", QUERY_BY_CATEGORY, { QK_CATEGORY, -1 } },
	{ "vlan", QUERY_BY_VLAN, { QK_VLAN, -1 } },
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
	    "expected proto, app, category, src, dst, host, conversation, "
	    "dst-port, src-port, asn, country, mac, vendor, name, device, "
	    "iface or vlan", (int)(n > 64 ? 64 : n), s);
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

/* The sel aliases of keys, with k_host2 in place of k_host if swap. */
static void
query_top_aliases(const int *keys, size_t n, bool swap, struct out_buf *b)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (swap && keys[i] == QK_HOST)
			out_buf_adds(b, "k_host2 AS ");
		out_buf_addf(b, "k_%s, ", query_keys[keys[i]].col.name);
	}
}

/* The counters every step carries: bytes each way and packets. */
#define QUERY_TOP_SUMS "bc, bs, p"


/* sel: the records in range, with their keys; k_host2 for host. */
static void
query_top_sel(const struct query_top_opts *o, const int *keys, size_t n,
    bool host, struct out_buf *b)
{
	size_t i;

	out_buf_adds(b, "WITH sel AS (SELECT f.run, f.flow, ");
	for (i = 0; i < n; i++)
		out_buf_addf(b, "%s AS k_%s, ", query_keys[keys[i]].col.expr,
		    query_keys[keys[i]].col.name);
	if (host)
		out_buf_adds(b, "f.srv AS k_host2, ");
	out_buf_adds(b, "f.bytes_cs AS bc, f.bytes_sc AS bs, "
	    "f.pkts_cs + f.pkts_sc AS p");
	query_from_flows(&o->range, b);
	query_where_sql(&o->range, b);
	out_buf_adds(b, ")");
	if (!host)
		return;
	out_buf_adds(b, ", side AS (SELECT run, flow, ");
	query_top_aliases(keys, n, false, b);
	out_buf_adds(b, QUERY_TOP_SUMS " FROM sel UNION ALL SELECT run, "
	    "flow, ");
	query_top_aliases(keys, n, true, b);
	out_buf_adds(b, QUERY_TOP_SUMS " FROM sel WHERE k_host2 <> k_host)");
}

static void
query_top_group(const int *keys, size_t n, struct out_buf *b)
{
	size_t i;

	for (i = 0; i < n; i++)
		out_buf_addf(b, "%sk_%s", i ? ", " : "",
		    query_keys[keys[i]].col.name);
}

/*
 * side: for host, each record once per end; per_flow: one row per key and
 * flow (run, flow), so a flow reported as several deltas counts once;
 * then the groups, rendered and ranked.
 */
static void
query_top_sql(const struct query_top_opts *o, const int *keys, size_t n,
    struct out_buf *b)
{
	bool host = query_top_has_host(keys, n);
	size_t i;

	query_top_sel(o, keys, n, host, b);
	out_buf_adds(b, ", per_flow AS (SELECT ");
	query_top_aliases(keys, n, false, b);
	out_buf_addf(b, "sum(bc) AS bc, sum(bs) AS bs, sum(p) AS p FROM %s "
	    "GROUP BY ", host ? "side" : "sel");
	query_top_aliases(keys, n, false, b);
	out_buf_adds(b, "run, flow) SELECT ");
	for (i = 0; i < n; i++) {
		if (query_keys[keys[i]].out)
			out_buf_addf(b, "%s, ", query_keys[keys[i]].out);
		else
			out_buf_addf(b, "k_%s, ", query_keys[keys[i]].col.name);
	}
	for (i = 0; i < QUERY_N_METRICS; i++)
		out_buf_addf(b, "%s%s", i ? ", " : "",
		    query_metric_cols[i].expr);
	out_buf_adds(b, " FROM per_flow GROUP BY ");
	query_top_group(keys, n, b);
	out_buf_addf(b, " ORDER BY %zu DESC", n + 1 + (size_t)o->order);
	for (i = 0; i < n; i++)
		out_buf_addf(b, ", %zu", i + 1);
	out_buf_adds(b, " LIMIT ?");
}

int
query_top(struct store *st, const struct query_top_opts *o, struct out *w,
    struct ft_err *err)
{
	struct out_col cols[QUERY_KEYS_MAX + QUERY_N_METRICS];
	int keys[QUERY_KEYS_MAX];
	char mem[QUERY_SQL_MAX];
	struct out_buf b;
	size_t n, i;

	if (!o->n_by || o->n_by > QUERY_BY_MAX ||
	    (unsigned)o->order > QUERY_ORDER_FLOWS)
		return ft_err_set(err, FT_EINVAL, "top: give 1 to %d --by "
		    "fields and an order of bytes, packets or flows",
		    QUERY_BY_MAX);
	if (o->source == QUERY_SRC_SERIES ||
	    (o->source == QUERY_SRC_AUTO && o->range.since_us &&
	    (o->range.until_us ? o->range.until_us : ft_now_us()) -
	    o->range.since_us > 86400 * UINT64_C(1000000) &&
	    query_top_series_can(o, NULL) &&
	    query_series_cover(st, o->range.since_us))) {
		ft_log(FT_LOG_DEBUG, "top: answered from the series");
		return query_top_series(st, o, w, err);
	}
	n = query_top_keys(o, keys);
	for (i = 0; i < n; i++)
		cols[i] = query_keys[keys[i]].col;
	for (i = 0; i < QUERY_N_METRICS; i++)
		cols[n + i] = query_metric_cols[i];
	out_buf_init(&b, mem, sizeof(mem));
	query_top_sql(o, keys, n, &b);
	if (b.trunc)
		return ft_err_set(err, FT_EINVAL, "query: filter too long");
	return query_run(st, b.p, &o->range, QUERY_TOP_LIMIT, cols,
	    n + QUERY_N_METRICS, w, err);
}
