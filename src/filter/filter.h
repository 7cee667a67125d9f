/* filter.h: the filter language compiled to a bound SQL expression */
/*
 * "src net 10.0.0.0/8 and dst port 443", over flows or series rows.
 */
#ifndef FILTER_H
#define FILTER_H

#include "../base/ft_err.h"
#include "../query/query.h"
#include "../query/series.h"

/* A compiled filter: owns its SQL text and the bytes of its bound values. */
struct filter;

/*
 * Compile expr (grammar in docs/internals/filter.md) into *out. On failure
 * returns -FT_EPARSE (or -FT_ENOMEM) and err holds one line naming the
 * 1-based column and what was expected.
 */
int filter_compile(const char *expr, struct filter **out, struct ft_err *err);

/*
 * The same grammar against one row of series_1m/1h/1d: an expression over
 * its `kind` and `key` columns that never selects the "other" row (key -1),
 * and in *kind the kind its primitives read: QUERY_SERIES_HOST (host, net,
 * local, remote), QUERY_SERIES_MAC (mac, vendor, device), QUERY_SERIES_APP (app,
 * category), QUERY_SERIES_PROTO, QUERY_SERIES_ASN, QUERY_SERIES_COUNTRY or
 * QUERY_SERIES_IFACE. Errors as filter_compile(), and one line at the column
 * of a primitive the series cannot answer (port, name, vlan, comparisons,
 * src/dst) or of one that reads another kind than those before it.
 */
int filter_compile_series(const char *expr, struct filter **out,
    enum query_series_kind *kind, struct ft_err *err);

/*
 * The expression, over QUERY_FROM_FLOWS aliases or a series row's columns;
 * valid until filter_free.
 */
const struct query_where *filter_where(const struct filter *f);

void filter_free(struct filter *f);

/*
 * NUMBER[unit] as the comparisons of the language read it, for options
 * that take amounts (map --min-bytes 10M): kind 'b' bytes with k, M, G
 * (1000s) or KiB, MiB, GiB (1024s), 'p' counts with k, M, G; units in any
 * case. 0 or -FT_EINVAL (not a number of that kind, or above 2^63-1).
 */
int filter_parse_amount(const char *s, char kind, int64_t *out);

#endif
