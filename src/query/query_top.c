/* query_top.c: top-N groups, with bytes, packets and distinct flows */
#include <string.h>

#include "../base/ft_log.h"
#include "../base/ft_time.h"
#include "../store/store_sql.h"
#include "query.h"
#include "series.h"
#include "top_int.h"

/*
 * Key columns: col.expr is the record's value the scan selects, slot how
 * a group keeps it (top_int.h), out the rendering of the grouped value
 * k_<col.name> (NULL: as is). Grouping on ids and rendering once per
 * group keeps text work off the per-record path.
 */
const struct top_key query_top_keys[] = {
	[QK_PROTO] = { { "proto", OUT_PROTO, "f.proto" }, TOP_INT, NULL },
	[QK_APP] = { { "app", OUT_TEXT, "f.app" }, TOP_APP, NULL },
	[QK_SRC] = { { "src", OUT_ADDR, "f.cli" }, TOP_ADDR, NULL },
	[QK_DST] = { { "dst", OUT_ADDR, "f.srv" }, TOP_ADDR, NULL },
	[QK_HOST] = { { "host", OUT_ADDR, "f.cli" }, TOP_ADDR, NULL },
	[QK_DST_PORT] = { { "dst_port", OUT_INT, "f.sport" }, TOP_INT, NULL },
	[QK_SRC_PORT] = { { "src_port", OUT_INT, "f.cport" }, TOP_INT, NULL },
	[QK_ASN] = { { "asn", OUT_INT, "f.asn" }, TOP_INT, NULL },
	[QK_ORG] = { { "org", OUT_NAME, "f.asn" }, TOP_ORG, NULL },
	[QK_COUNTRY] = { { "country", OUT_TEXT, "f.country" }, TOP_INT,
	    SQL_COUNTRY("k_country") },
	[QK_MAC] = { { "mac", OUT_TEXT, "f.cli_mac" }, TOP_INT,
	    "(SELECT " SQL_MAC("x.mac") " FROM macs x WHERE x.id = k_mac)" },
	[QK_VENDOR] = { { "vendor", OUT_NAME, "f.cli_mac" }, TOP_VENDOR,
	    NULL },
	[QK_NAME] = { { "name", OUT_NAME, "f.name" }, TOP_INT,
	    "(SELECT x.name FROM names x WHERE x.id = k_name)" },
	[QK_DEVICE] = { { "device", OUT_NAME,
	    "CASE WHEN f.local & 1 THEN f.cli_mac"
	    " WHEN f.local & 2 THEN f.srv_mac END" }, TOP_INT,
	    "(SELECT coalesce(d.name, " SQL_MAC("x.mac") ") FROM macs x"
	    " LEFT JOIN devices d ON d.mac = x.id WHERE x.id = k_device)" },
	[QK_IFACE] = { { "iface", OUT_TEXT, "f.iface" }, TOP_INT,
	    "(SELECT x.name FROM ifaces x WHERE x.id = k_iface)" },
	[QK_CATEGORY] = { { "category", OUT_TEXT, "f.app" }, TOP_CATEGORY,
	    NULL },
	[QK_VLAN] = { { "vlan", OUT_INT, "f.vlan" }, TOP_INT, NULL },
};

/*
 * Metric columns over `per_flow`: the first three in enum query_order
 * order; bytes each way came later, so they go last (scripts read the
 * first columns by position).
 */
static const struct out_col query_metric_cols[] = {
	{ "bytes", OUT_BYTES, "bc + bs" },
	{ "packets", OUT_COUNT, "p" },
	{ "flows", OUT_COUNT, "n" },
	{ "bytes_cs", OUT_BYTES, "bc" },
	{ "bytes_sc", OUT_BYTES, "bs" },
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
query_top_field_keys(const struct query_top_opts *o, int *keys)
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

int
query_top(struct store *st, const struct query_top_opts *o, struct out *w,
    struct ft_err *err)
{
	struct out_col cols[QUERY_KEYS_MAX + QUERY_N_METRICS];
	int keys[QUERY_KEYS_MAX];
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
	n = query_top_field_keys(o, keys);
	for (i = 0; i < n; i++)
		cols[i] = query_top_keys[keys[i]].col;
	for (i = 0; i < QUERY_N_METRICS; i++)
		cols[n + i] = query_metric_cols[i];
	return query_top_scan(st, o, keys, n, cols, n + QUERY_N_METRICS, w,
	    err);
}
