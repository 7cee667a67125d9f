/* query_dns.c: DNS health per host (UDP and TCP) */
/*
 * Queries sent, replies ok and with error, unanswered.
 */
#include "query.h"

static const struct out_col query_dns_cols[] = {
	{ "host", OUT_ADDR, NULL },
	{ "queries", OUT_COUNT, NULL },
	{ "replies_ok", OUT_COUNT, NULL },
	{ "replies_error", OUT_COUNT, NULL },
	{ "unanswered", OUT_COUNT, NULL },
};

int
query_dns(struct store *st, const struct query_range *r, bool by_server,
    struct out *w, struct ft_err *err)
{
	char mem[QUERY_SQL_MAX];
	struct out_buf b;

	out_buf_init(&b, mem, sizeof(mem));
	out_buf_addf(&b, "SELECT %s, sum(coalesce(f.dns_q, 0)) AS q, "
	    "sum(coalesce(f.dns_ok, 0)), sum(coalesce(f.dns_err, 0)), "
	    "max(sum(coalesce(f.dns_q, 0)) - sum(coalesce(f.dns_ok, 0)) - "
	    "sum(coalesce(f.dns_err, 0)), 0)", by_server ? "f.srv" : "f.cli");
	query_from_flows(r, &b);
	out_buf_adds(&b, " AND f.proto IN (6, 17) AND f.sport = 53");
	query_where_sql(r, &b);
	out_buf_addf(&b, " GROUP BY %s ORDER BY q DESC, 1 LIMIT ?",
	    by_server ? "f.srv" : "f.cli");
	if (b.trunc)
		return ft_err_set(err, FT_EINVAL, "query: filter too long");
	return query_run(st, b.p, r, QUERY_TOP_LIMIT, query_dns_cols,
	    sizeof(query_dns_cols) / sizeof(query_dns_cols[0]), w, err);
}
