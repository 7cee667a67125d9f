/* top_int.h: what query_top.c shares with query_top_scan.c */
#ifndef TOP_INT_H
#define TOP_INT_H

#include "query.h"

#define QUERY_KEYS_MAX (2 * QUERY_BY_MAX) /* a field gives one or two keys */

/* How a key's value is kept in a group key while scanning. */
enum top_slot {
	TOP_INT,	/* the integer column (NULL apart) */
	TOP_ADDR,	/* an address blob */
	TOP_APP,	/* f.app, grouped by the application's name */
	TOP_CATEGORY,	/* f.app, grouped by its category ('' as NULL) */
	TOP_VENDOR,	/* f.cli_mac, grouped by the MAC's vendor */
	TOP_ORG,	/* f.asn, rendered as the AS's organisation */
};

enum query_key { QK_PROTO, QK_APP, QK_SRC, QK_DST, QK_HOST, QK_DST_PORT,
	QK_SRC_PORT, QK_ASN, QK_ORG, QK_COUNTRY, QK_MAC, QK_VENDOR, QK_NAME,
	QK_DEVICE, QK_IFACE, QK_CATEGORY, QK_VLAN };

/*
 * A key of top: col.expr is the record's value the scan selects (ids, not
 * text); slot how groups keep it; out the rendering of the group's value
 * k_<col.name> in the last step (NULL: the value itself).
 */
struct top_key {
	struct out_col col;
	enum top_slot slot;
	const char *out;
};

extern const struct top_key query_top_keys[];

/*
 * Top o from the flow records: one plain scan of the range (with the
 * joins the filter needs), summed per group in C (ft_groups.h, agg.h), each
 * flow counted once per group; the groups that can rank are rendered and
 * ordered by SQLite from a temporary table. keys: the n keys of o's
 * fields; cols: their output columns then the metrics.
 */
int query_top_scan(struct store *st, const struct query_top_opts *o,
    const int *keys, size_t n, const struct out_col *cols, size_t n_cols,
    struct out *w, struct ft_err *err);

#endif
