/* series.h: `series` and `usage`: reports over the series and rollups */
#ifndef QUERY_SERIES_H
#define QUERY_SERIES_H

#include <stdbool.h>
#include <stdint.h>

#include "query.h"

/* What a series report is about: a kind of the series tables (ft_series.h). */
enum query_series_kind {
	QUERY_SERIES_IFACE,		/* interfaces */
	QUERY_SERIES_PROTO,		/* IP protocols */
	QUERY_SERIES_APP,		/* applications */
	QUERY_SERIES_HOST,		/* local hosts (usage), any host (series KEY) */
	QUERY_SERIES_REMOTE,	/* remote hosts */
	QUERY_SERIES_MAC,		/* MACs */
	QUERY_SERIES_DEVICE,	/* local devices: MACs known as devices */
	QUERY_SERIES_ASN,		/* remote networks */
	QUERY_SERIES_COUNTRY,	/* remote countries */
};

/*
 * A filter over series rows (filter_compile_series()): its expression and
 * the kind its primitives read. where NULL: none.
 */
struct query_sfilter {
	const struct query_where *where;	/* borrowed */
	enum query_series_kind kind;			/* HOST: kinds 4, 5 */
};

struct query_series_opts {
	uint64_t since_us, until_us;	/* 0: open */
	enum query_series_kind kind;		/* what */
	const char *key;		/* one key as the user wrote it, NULL: all */
	struct query_sfilter filter;	/* keys summed; not with key */
	uint32_t step_s;		/* 60, 3600, 86400; 0: from the range */
	uint64_t limit;			/* rows; 0: all */
};

/* Parse "asn", "host", ... into *k; err lists the kinds otherwise. */
int query_series_kind_parse(const char *s, enum query_series_kind *k, struct ft_err *err);

/* The kind in a sentence: "hosts", "applications", ... */
const char *query_series_kind_noun(enum query_series_kind k);

/* Parse "1m", "1h", "1d" (or 60, 3600, 86400) into seconds. */
int query_step_parse(const char *s, uint32_t *step_s, struct ft_err *err);

/*
 * One time series: per step, bytes and packets in and out and the kind's
 * own counters, for one key, summed over the keys a filter selects (of the
 * filter's kind, or of o->kind when they agree: err says why not), or over
 * the kind. Each bucket comes from
 * the coarsest table that holds it whole: days from series_1d, the days
 * and hours after the last rollup from series_1h and series_1m.
 */
int query_series(struct store *st, const struct query_series_opts *o,
    struct out *w, struct ft_err *err);

struct query_usage_opts {
	uint64_t since_us, until_us;	/* 0: open */
	bool monthly;			/* billing months, else days */
	uint32_t billing_day;		/* 1..28: first day of a month */
	bool by;			/* per key of kind, else totals */
	enum query_series_kind kind;		/* with by */
	struct query_sfilter filter;	/* only the keys it selects */
	uint64_t limit;			/* keys per period; 0: 10 */
};

/*
 * Received and sent per local day or billing month: the interface totals
 * with a total row (with a filter: the sums of the keys it selects, of its
 * kind), or the busiest keys of a kind per period (a filter must read that
 * kind: err says why not).
 */
int query_usage(struct store *st, const struct query_usage_opts *o,
    struct out *w, struct ft_err *err);

/*
 * Whether top o can be answered from the series: one field among proto,
 * app, host, asn and country, and no filter. When not, err says why.
 */
bool query_top_series_can(const struct query_top_opts *o, struct ft_err *err);

/*
 * Whether the series reach back to since_us (the interface rows of some
 * step begin at or before it): false for a store kept with history off.
 */
bool query_series_cover(struct store *st, uint64_t since_us);

/*
 * `top` from the series: each key's sums over [since, until), since moved
 * back to its local midnight so whole days come from the day rollups. A key
 * misses the periods where it was outside that period's top K ("other" is
 * not ranked); flows are those that started in the range; bytes_cs and
 * bytes_sc are what the local side sent and received.
 */
int query_top_series(struct store *st, const struct query_top_opts *o,
    struct out *w, struct ft_err *err);

#endif
