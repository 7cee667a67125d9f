/* query.h: reports over the store, streamed into an output writer */
#ifndef QUERY_H
#define QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../base/ft_err.h"
#include "../store/store.h"
#include "../out/out.h"

struct sqlite3_stmt;

#define QUERY_FLOWS_LIMIT 100	/* flows: rows when --limit is not given */
#define QUERY_TOP_LIMIT 10	/* top: rows when --limit is not given */
#define QUERY_SQL_MAX 16384	/* one report's SQL, filter included */
#define QUERY_BY_MAX 8		/* top: fields in one --by */
#define QUERY_WHERE_MAX 64	/* values in one compiled filter */
#define QUERY_SORT_MAX 8	/* flows: keys in one --sort */

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
	bool flow_const;			/* reads only what the hourly
						   conversations keep: host,
						   net, proto, dst port,
						   local, remote */
};

/*
 * The joins of every report over flow records: the aliases that filters
 * use. f flows, a apps, n the server's names row, cn the client's, mc the
 * client's macs row, s asns. Every join is on a unique key, so SQLite drops
 * the ones a statement does not use.
 */
#define QUERY_JOINS_FLOWS                                               \
	" LEFT JOIN apps a ON a.id = f.app"                             \
	" LEFT JOIN names n ON n.id = f.name"                           \
	" LEFT JOIN names cn ON cn.id = f.cli_name"                     \
	" LEFT JOIN macs mc ON mc.id = f.cli_mac"                       \
	" LEFT JOIN asns s ON s.asn = f.asn"

/* FROM, joins and the time clause: the first two parameters. */
#define QUERY_FROM_FLOWS                                                \
	" FROM flows f" QUERY_JOINS_FLOWS                               \
	" WHERE f.first_us >= ? AND f.first_us < ?"


struct query_progress;

/*
 * What every report selects: records whose first packet (flows.first_us)
 * lies in [since_us, until_us), passing where, at most limit rows; and
 * where to show progress while it runs.
 */
struct query_range {
	uint64_t since_us;		/* 0: open */
	uint64_t until_us;		/* 0: open */
	uint64_t limit;			/* 0: the report's default */
	const struct query_where *where; /* NULL: no filter */
	struct query_progress *progress; /* NULL: none; borrowed */
};

/* One key of `flows --sort`. */
struct query_sort {
	unsigned key;		/* from query_flows_parse_sort() */
	bool desc;		/* descending */
};

/* What `flows` lists and how. */
struct query_flows_opts {
	struct query_range range;		/* time, filter, limit */
	bool records;				/* a line per record, unmerged */
	struct query_sort sort[QUERY_SORT_MAX];	/* first key first */
	size_t n_sort;				/* 0: newest first */
};

/*
 * Parse "-bytes,time" into o->sort: a column `flows` prints or one of its
 * other names (docs/internals/query.md); '-' before a name sorts it
 * descending, '+' ascending, neither as desc says.
 */
int query_flows_parse_sort(const char *list, bool desc,
    struct query_flows_opts *o, struct ft_err *err);

/*
 * Flows whose records lie in the range and pass the filter, each flow's
 * records merged into one line (o->records: a line per record), sorted by
 * o->sort then newest first, as the `flows` command lists them.
 */
int query_flows(struct store *st, const struct query_flows_opts *o,
    struct out *w, struct ft_err *err);

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
	QUERY_BY_CONVERSATION,	/* (client, server) address pair */
	QUERY_BY_IFACE,		/* capture interface name */
	QUERY_BY_CATEGORY,	/* nDPI category of the application */
	QUERY_BY_VLAN,		/* 802.1Q VLAN id, 0 untagged */
};

/* Ranking of `top --order`; always descending. */
enum query_order {
	QUERY_ORDER_BYTES,	/* bytes both ways */
	QUERY_ORDER_PACKETS,	/* packets both ways */
	QUERY_ORDER_FLOWS,	/* distinct flows (run, flow) */
};

/* Where `top` reads: raw flow records, or the series and their rollups. */
enum query_source {
	QUERY_SRC_AUTO,		/* series when they can answer a range over a
				   day and reach back to its start */
	QUERY_SRC_FLOWS,	/* always the flow records */
	QUERY_SRC_SERIES,	/* the series, or an error saying why not */
};

struct query_top_opts {
	struct query_range range;		/* time, filter, limit */
	enum query_by by[QUERY_BY_MAX];		/* group by these, in order */
	size_t n_by;				/* 1 .. QUERY_BY_MAX */
	enum query_order order;			/* rank by */
	enum query_source source;		/* flows or series */
};

/* Parse "proto,dst-port" into o->by and o->n_by. */
int query_top_parse_by(const char *list, struct query_top_opts *o,
    struct ft_err *err);

/* Parse "bytes", "packets" or "flows". */
int query_top_parse_order(const char *s, enum query_order *order,
    struct ft_err *err);

/*
 * Top-N groups with bytes, packets and flows, as the `top` command shows.
 * From the series (query_top_series) when o->source says so, or, for
 * QUERY_SRC_AUTO, when they can answer, the range spans over a day and
 * the series reach back to its start.
 */
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

/*
 * QUERY_FROM_FLOWS for reports that aggregate every record of the range
 * (top, dns, map). An open range has no time clause on the records:
 * SQLite scans the table rather than walking the whole time index and
 * fetching each row by rowid (twice as fast, docs/performance.md), and
 * the bound since and until are only compared with each other, once
 * (`? <= ?`), which keeps the placeholders in their place; a bounded
 * range keeps the index.
 */
void query_from_flows(const struct query_range *r, struct out_buf *b);

/*
 * query_from_flows() with only the joins the range's filter names: for
 * statements that select f's own columns and sum in C, where SQLite would
 * otherwise look up every join for every record (15-18%).
 */
void query_from_flows_min(const struct query_range *r, struct out_buf *b);

/*
 * Stream the rows of a prepared s into w as the n_cols columns cols
 * (out_begin .. out_end), quieting p at the first row. s stays the
 * caller's.
 */
int query_run_stmt(struct store *st, struct sqlite3_stmt *s,
    const struct out_col *cols, size_t n_cols, struct query_progress *p,
    struct out *w, struct ft_err *err);

/*
 * " AND (where)" for a range's filter, or "" when it has none; preceded by
 * " AND ft_progress()", which counts the records scanned, when the range
 * has a progress line.
 */
void query_where_sql(const struct query_range *r, struct out_buf *b);

/*
 * Progress of long reports on a terminal (query_progress.c). A report that
 * runs longer than delay_ms shows one line on fp, redrawn a few times a
 * second: "flowtrail: scanning records: 1.2 M of ~10.3 M (12%), 3 s". It is
 * cleared when the report ends or its first row is written. The caller
 * decides whether fp is a terminal; it owns the object (query_progress_free)
 * and lends it to reports through query_range.progress.
 */
int query_progress_new(FILE *fp, uint64_t delay_ms,
    struct query_progress **out, struct ft_err *err);
void query_progress_free(struct query_progress *p);

/* Records the last report scanned (in the range, before the filter). */
uint64_t query_progress_rows(const struct query_progress *p);

/*
 * The line without its terminal controls: rows scanned of an estimate (0:
 * unknown) after elapsed_ms. The percentage stops at 99 until the end.
 */
void query_progress_format(struct out_buf *b, uint64_t rows,
    uint64_t estimate, uint64_t elapsed_ms);

/*
 * About how many records lie in r's time range, in O(log n): the span of
 * rowids between the first and the last record in the range (records are
 * appended in about time order), at most the table's span. 0: none.
 */
int query_progress_estimate(struct store *st, const struct query_range *r,
    uint64_t *n, struct ft_err *err);

#endif
