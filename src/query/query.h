/* query.h: reports over the store (flow listing, top-N), streamed into an output writer. */
#ifndef QUERY_H
#define QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/ft_err.h"
#include "../store/store.h"
#include "out.h"

struct sqlite3_stmt;

#define QUERY_FLOWS_LIMIT 100	/* flows: rows when --limit is not given */
#define QUERY_TOP_LIMIT 10	/* top: rows when --limit is not given */
#define QUERY_SQL_MAX 16384	/* one report's SQL, filter included */
#define QUERY_BY_MAX 4		/* top: fields in one --by */
#define QUERY_WHERE_MAX 64	/* values in one compiled filter */

/* A value bound to one `?` of a filter. */
struct query_value {
	enum { QUERY_INT, QUERY_TEXT, QUERY_BLOB } type; /* which field */
	int64_t i;		/* QUERY_INT */
	const void *p;		/* QUERY_TEXT, QUERY_BLOB: borrowed */
	size_t len;		/* bytes at p */
};

/*
 * A compiled filter: a boolean SQL expression over the columns of `flows`
 * (alias f) and the joined tables of QUERY_FROM_FLOWS, with one `?` per
 * value, in order. Only the filter compiler builds these, from fixed
 * fragments; user text travels in vals, never in sql. sql NULL or "" (or a
 * NULL where pointer) means no filter.
 */
struct query_where {
	const char *sql;			/* expression, borrowed */
	const struct query_value *vals;		/* n_vals values, borrowed */
	size_t n_vals;				/* <= QUERY_WHERE_MAX */
};

/*
 * The FROM and time clause of every report over flow records: the aliases
 * that filters use, and the first two parameters. f flows, a apps, n the
 * server's names row, cn the client's, mc the client's macs row, s asns.
 * Every join is on a unique key, so SQLite drops the ones a statement does
 * not use.
 */
#define QUERY_FROM_FLOWS                                                \
	" FROM flows f LEFT JOIN apps a ON a.id = f.app"                \
	" LEFT JOIN names n ON n.id = f.name"                           \
	" LEFT JOIN names cn ON cn.id = f.cli_name"                     \
	" LEFT JOIN macs mc ON mc.id = f.cli_mac"                       \
	" LEFT JOIN asns s ON s.asn = f.asn"                            \
	" WHERE f.first_us >= ? AND f.first_us < ?"

/*
 * What every report selects: records whose first packet (flows.first_us)
 * lies in [since_us, until_us), passing where, at most limit rows.
 */
struct query_range {
	uint64_t since_us;		/* 0: open */
	uint64_t until_us;		/* 0: open */
	uint64_t limit;			/* 0: the report's default */
	const struct query_where *where; /* NULL: no filter */
};

/* Flow records, newest first (by first_us), as the `flows` command lists. */
int query_flows(struct store *st, const struct query_range *r, struct out *w,
    struct ft_err *err);

/* Group-by fields of `top --by`. */
enum query_by {
	QUERY_BY_PROTO,		/* IP protocol */
	QUERY_BY_APP,		/* application name */
	QUERY_BY_SRC,		/* client address */
	QUERY_BY_DST,		/* server address */
	QUERY_BY_HOST,		/* either end: a flow counts for both */
	QUERY_BY_DST_PORT,	/* server port, with proto */
	QUERY_BY_SRC_PORT,	/* client port, with proto */
	QUERY_BY_ASN,		/* remote AS number, with its org */
	QUERY_BY_COUNTRY,	/* remote country */
	QUERY_BY_MAC,		/* client MAC, with its vendor */
	QUERY_BY_VENDOR,	/* client MAC's vendor */
	QUERY_BY_NAME,		/* server name */
	QUERY_BY_DEVICE,	/* the flow's local device (see query.md) */
};

/* Ranking of `top --order`; always descending. */
enum query_order {
	QUERY_ORDER_BYTES,	/* bytes both ways */
	QUERY_ORDER_PACKETS,	/* packets both ways */
	QUERY_ORDER_FLOWS,	/* distinct flows (run, flow) */
};

struct query_top_opts {
	struct query_range range;		/* time, filter, limit */
	enum query_by by[QUERY_BY_MAX];		/* group by these, in order */
	size_t n_by;				/* 1 .. QUERY_BY_MAX */
	enum query_order order;			/* rank by */
};

/* Parse "proto,dst-port" into o->by and o->n_by. */
int query_top_parse_by(const char *list, struct query_top_opts *o,
    struct ft_err *err);

/* Parse "bytes", "packets" or "flows". */
int query_top_parse_order(const char *s, enum query_order *order,
    struct ft_err *err);

/* Top-N groups with bytes, packets and flows, as the `top` command shows. */
int query_top(struct store *st, const struct query_top_opts *o,
    struct out *w, struct ft_err *err);

/*
 * DNS health per host from DNS flows (UDP and TCP port 53): queries, replies with RCODE 0 and
 * with an error, and queries left unanswered; by client (the hosts that
 * ask) or by server (the resolvers that answer). Busiest first.
 */
int query_dns(struct store *st, const struct query_range *r, bool by_server,
    struct out *w, struct ft_err *err);

/*
 * The runner under every report: prepare sql, whose parameters are, in
 * text order, `?` since, `?` until, the `?`s of r->where, `?` limit (with
 * default_limit when r->limit is 0); then stream each row into w as the
 * n_cols columns cols (out_begin .. out_end).
 */
int query_run(struct store *st, const char *sql, const struct query_range *r,
    uint64_t default_limit, const struct out_col *cols, size_t n_cols,
    struct out *w, struct ft_err *err);

/*
 * Prepare sql and bind what query_run() binds, leaving n_extra `?`s
 * between the filter's and the limit for the caller, from *extra_idx on
 * (NULL if none). The caller owns *out (sqlite3_finalize).
 */
int query_prepare(struct store *st, const char *sql,
    const struct query_range *r, uint64_t default_limit, int n_extra,
    struct sqlite3_stmt **out, int *extra_idx, struct ft_err *err);

/* " AND (where)" for a range's filter, or "" when it has none. */
void query_where_sql(const struct query_range *r, struct out_buf *b);

#endif
