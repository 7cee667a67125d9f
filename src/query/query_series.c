/* query_series.c: `series` and `usage` from the coarsest whole rollup */
/*
 * Each bucket is read from the coarsest rollup that holds it whole.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "../base/ft_mac.h"
#include "../base/ft_proto.h"
#include "../base/ft_time.h"
#include "../model/ft_series.h"
#include "../store/store_sql.h"
#include "series.h"
#include "series_int.h"

static const struct series_kind {
	const char *name;
	enum query_series_kind k;
	const char *kinds;	/* the `kind` values in SQL */
	const char *noun;	/* in a sentence */
	enum ft_series_kind sk;	/* its rows' kind: the counters shown */
} series_kinds[] = {
	{ "iface", QUERY_SERIES_IFACE, "1", "interfaces", FT_SK_IFACE },
	{ "proto", QUERY_SERIES_PROTO, "2", "protocols", FT_SK_PROTO },
	{ "app", QUERY_SERIES_APP, "3", "applications", FT_SK_APP },
	{ "host", QUERY_SERIES_HOST, "4", "hosts", FT_SK_LHOST },
	{ "remote", QUERY_SERIES_REMOTE, "5", "remote hosts", FT_SK_RHOST },
	{ "mac", QUERY_SERIES_MAC, "6", "MACs", FT_SK_MAC },
	{ "device", QUERY_SERIES_DEVICE, "6", "devices", FT_SK_MAC },
	{ "asn", QUERY_SERIES_ASN, "7", "AS numbers", FT_SK_ASN },
	{ "country", QUERY_SERIES_COUNTRY, "8", "countries", FT_SK_COUNTRY },
};
#define N_SERIES_KINDS (sizeof(series_kinds) / sizeof(series_kinds[0]))

/* The row of k (the first, for kinds that share their rows). */
static const struct series_kind *
series_kind_find(enum query_series_kind k)
{
	size_t i;

	for (i = 0; i < N_SERIES_KINDS; i++)
		if (series_kinds[i].k == k)
			return &series_kinds[i];
	return NULL;
}

int
query_series_kind_parse(const char *s, enum query_series_kind *k, struct ft_err *err)
{
	size_t i;

	for (i = 0; i < N_SERIES_KINDS; i++) {
		if (!strcmp(s, series_kinds[i].name)) {
			*k = series_kinds[i].k;
			return 0;
		}
	}
	return ft_err_set(err, FT_EINVAL, "unknown kind '%s': expected iface, "
	    "proto, app, host, remote, mac, device, asn or country", s);
}

const char *
query_series_kind_noun(enum query_series_kind k)
{
	const struct series_kind *sk = series_kind_find(k);

	return sk ? sk->noun : "keys";
}

int
query_step_parse(const char *s, uint32_t *step_s, struct ft_err *err)
{
	if (!strcmp(s, "1m") || !strcmp(s, "60"))
		*step_s = 60;
	else if (!strcmp(s, "1h") || !strcmp(s, "3600"))
		*step_s = 3600;
	else if (!strcmp(s, "1d") || !strcmp(s, "86400"))
		*step_s = 86400;
	else
		return ft_err_set(err, FT_EINVAL, "expected 1m, 1h or 1d, got "
		    "'%s'", s);
	return 0;
}

/* rollups.rolled_to of 1h and 1d: what each step holds whole. */
int
series_read_rolled(struct store *st, int64_t *h, int64_t *d,
    struct ft_err *err)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(store_db(st), "SELECT step, rolled_to FROM "
	    "rollups", -1, &s, NULL);

	*h = *d = 0;
	if (rc != SQLITE_OK)
		return ft_err_set(err, FT_EDB, "store %s: no series: %s",
		    store_path(st), sqlite3_errmsg(store_db(st)));
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (!strcmp((const char *)sqlite3_column_text(s, 0), "1h"))
			*h = sqlite3_column_int64(s, 1);
		else
			*d = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	return 0;
}

/* The bucket of column t at step in SQL: days are local ones. */
static const char *
bucket_sql(uint32_t step)
{
	if (step == 60)
		return "t";
	if (step == 3600)
		return "(t - t % 3600)";
	return "CAST(strftime('%s', t, 'unixepoch', 'localtime', "
	    "'start of day', 'utc') AS INTEGER)";
}

/*
 * The rows of kinds in [?1, ?2) (microseconds) with their bucket b, from
 * series_1d below rolled_d, series_1h from there to rolled_h, series_1m
 * after: each minute is counted once, in the coarsest table holding it.
 * With key, only rows whose key equals ?3.
 */
void
series_add_union(struct out_buf *b, uint32_t step, int64_t rolled_h,
    int64_t rolled_d, const char *kinds, bool key)
{
	static const char *const tabs[] = { "series_1d", "series_1h",
		"series_1m" };
	int64_t lo[3], hi[3];
	unsigned i, first = 1;

	/* 1d rows only for day steps, 1h rows for hour and day steps. */
	lo[0] = INT64_MIN;
	hi[0] = step == 86400 ? rolled_d : INT64_MIN;
	lo[1] = step == 86400 ? rolled_d : INT64_MIN;
	hi[1] = step >= 3600 ? rolled_h : INT64_MIN;
	lo[2] = step >= 3600 ? rolled_h : INT64_MIN;
	hi[2] = INT64_MAX;
	out_buf_adds(b, "(");
	for (i = 0; i < 3; i++) {
		if (hi[i] == INT64_MIN || hi[i] <= lo[i])
			continue;
		out_buf_addf(b, "%sSELECT %s AS b, * FROM %s WHERE kind IN (%s)"
		    " AND t >= max(?1 / 1000000, %lld) AND t < min(?2 / 1000000,"
		    " %lld)%s", first ? "" : " UNION ALL ", bucket_sql(step),
		    tabs[i], kinds, (long long)lo[i], (long long)hi[i],
		    key ? " AND key = ?3" : "");
		first = 0;
	}
	out_buf_adds(b, ")");
}

static const char *
kinds_of(enum query_series_kind k)
{
	const struct series_kind *sk = series_kind_find(k);

	return sk ? sk->kinds : "0";
}

/* The kinds one key or a filter of k reads: a host may be local or remote. */
static const char *
kinds_any(enum query_series_kind k)
{
	return k == QUERY_SERIES_HOST ? "4, 5" : kinds_of(k);
}

/* The rows k reads: remote hosts are hosts, devices are MACs. */
static enum query_series_kind
series_kind_rows(enum query_series_kind k)
{
	if (k == QUERY_SERIES_REMOTE)
		return QUERY_SERIES_HOST;
	if (k == QUERY_SERIES_DEVICE)
		return QUERY_SERIES_MAC;
	return k;
}

/* 0 when f (if any) reads the rows of a report on k; else err says why. */
static int
sfilter_fits(const struct query_sfilter *f, enum query_series_kind k,
    struct ft_err *err)
{
	if (!f->where || series_kind_rows(f->kind) == series_kind_rows(k))
		return 0;
	return ft_err_set(err, FT_EINVAL, "the filter reads %s, not %s: the "
	    "series keep each kind apart, so filter on the kind reported (or "
	    "use top or flows)", query_series_kind_noun(f->kind),
	    query_series_kind_noun(k));
}

/*
 * After series_add_union(): only keys that are devices, and the filter, whose `?`s
 * follow ?1 and ?2 (and ?3 of a key).
 */
static void
add_where(struct out_buf *b, bool devices, const struct query_where *w)
{
	const char *sep = " WHERE ";

	if (devices) {
		out_buf_adds(b, " WHERE key IN (SELECT m.mac FROM devices dv "
		    "JOIN macs m ON m.id = dv.mac)");
		sep = " AND ";
	}
	if (w && w->sql && w->sql[0])
		out_buf_addf(b, "%s(%s)", sep, w->sql);
}

/* The number of the limit's `?`: after since, until, a key and the filter's. */
static int
limit_param(const struct query_where *w, bool key)
{
	return 3 + key + (int)(w ? w->n_vals : 0);
}

/* The key text the user gave as the value stored in `key`. */
static int
key_value(enum query_series_kind k, const char *s, struct query_value *v,
    uint8_t *buf, struct ft_err *err)
{
	char *end, cc[3] = { 0 };
	long long n;
	int proto;

	memset(v, 0, sizeof(*v));
	if (!strcmp(s, "other")) {
		v->type = QUERY_INT;
		v->i = -1;
		return 0;
	}
	switch (k) {
	case QUERY_SERIES_HOST:
	case QUERY_SERIES_REMOTE:
		v->type = QUERY_BLOB;
		v->p = buf;
		if (inet_pton(AF_INET, s, buf) == 1)
			v->len = 4;
		else if (inet_pton(AF_INET6, s, buf) == 1)
			v->len = 16;
		else
			return ft_err_set(err, FT_EINVAL, "expected an IP "
			    "address, got '%s'", s);
		return 0;
	case QUERY_SERIES_MAC:
	case QUERY_SERIES_DEVICE:
		v->type = QUERY_BLOB;
		v->p = buf;
		v->len = 6;
		if (ft_mac_parse(s, strlen(s), buf) != 6)
			return ft_err_set(err, FT_EINVAL, "expected a MAC "
			    "address, got '%s'", s);
		return 0;
	case QUERY_SERIES_COUNTRY:
		v->type = QUERY_INT;
		cc[0] = (char)toupper((unsigned char)s[0]);
		cc[1] = s[0] ? (char)toupper((unsigned char)s[1]) : '\0';
		v->i = ft_country_pack(cc);
		if (strlen(s) != 2 || !v->i)
			return ft_err_set(err, FT_EINVAL, "expected a two-letter "
			    "country code, got '%s'", s);
		return 0;
	case QUERY_SERIES_PROTO:
		v->type = QUERY_INT;
		if (ft_proto_parse(s, strlen(s), &proto))
			return ft_err_set(err, FT_EINVAL, "expected "
			    FT_PROTO_NAME_LIST "or a protocol number 0 to 255, "
			    "got '%s'", s);
		v->i = proto;
		return 0;
	case QUERY_SERIES_ASN:
		v->type = QUERY_INT;
		if (!strncasecmp(s, "AS", 2))
			s += 2;
		goto number;
	default:
		v->type = QUERY_TEXT;
		v->p = s;
		v->len = strlen(s);
		return 0;
	}
number:
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno || end == s || *end || n < 0)
		return ft_err_set(err, FT_EINVAL, "expected a number, got '%s'",
		    s);
	v->i = n;
	return 0;
}

/* The step from the range: minutes up to 6 h, hours up to 31 days, else days. */
static uint32_t
auto_step(uint64_t since_us, uint64_t until_us)
{
	uint64_t span;

	if (!since_us)
		return 3600;
	span = (until_us ? until_us : ft_now_us()) - since_us;
	if (span <= 6 * 3600 * UINT64_C(1000000))
		return 60;
	if (span <= 31 * 86400 * UINT64_C(1000000))
		return 3600;
	return 86400;
}

/* Whether a series of k prints counter f: its kind's own counters only. */
static bool
series_shows(enum query_series_kind k, const struct ft_series_field *f)
{
	const struct series_kind *sk = series_kind_find(k);

	return sk && (f->shown & FT_SK_BIT(sk->sk));
}

/*
 * The columns of a series of k: the time, then the counters it shows,
 * each over the per-key sums of the inner query (aliased by column):
 * keys add up by the counter's add rule.
 */
static size_t
series_select(enum query_series_kind k, struct out_buf *b, struct out_col *cols)
{
	const struct ft_series_field *f;
	size_t i, n = 0;

	out_buf_adds(b, "SELECT b * 1000000");
	cols[n++] = (struct out_col){ "time", OUT_TIME, NULL };
	for (i = 0; i < FT_SV_N; i++) {
		f = &ft_series_fields[i];
		if (!series_shows(k, f))
			continue;
		out_buf_addf(b, ", %s(%s)", f->add == FT_COMBINE_MAX ? "max" :
		    "sum", f->column);
		cols[n++] = (struct out_col){ f->name, f->unit ==
		    FT_UNIT_BYTES ? OUT_BYTES : OUT_COUNT, NULL };
	}
	/* the inner query: a key's rows of a bucket by the roll rule */
	out_buf_adds(b, " FROM (SELECT b, key");
	for (i = 0; i < FT_SV_N; i++) {
		f = &ft_series_fields[i];
		out_buf_addf(b, ", %s(%s) %s", f->roll == FT_COMBINE_MAX ?
		    "max" : "sum", f->column, f->column);
	}
	out_buf_adds(b, " FROM ");
	return n;
}

/* Whether o asks for one series: a key or a filter that fits, not both. */
static int
series_check(const struct query_series_opts *o, struct ft_err *err)
{
	enum query_series_kind rows = series_kind_rows(o->kind);

	if (o->key && o->filter.where)
		return ft_err_set(err, FT_EINVAL, "a KEY or a filter, not "
		    "both");
	if (!o->key && !o->filter.where && (rows == QUERY_SERIES_HOST ||
	    rows == QUERY_SERIES_MAC))
		return ft_err_set(err, FT_EINVAL, "a series of hosts or MACs "
		    "needs one key or a filter (e.g. series host 192.168.1.10):"
		    " every byte has a sender and a receiver, so a sum over "
		    "all of them counts it twice");
	return sfilter_fits(&o->filter, o->kind, err);
}

int
query_series(struct store *st, const struct query_series_opts *o,
    struct out *w, struct ft_err *err)
{
	uint32_t step = o->step_s ? o->step_s : auto_step(o->since_us,
	    o->until_us);
	struct query_range r = { .since_us = o->since_us,
		.until_us = o->until_us, .limit = o->limit,
		.where = o->filter.where };
	struct out_col cols[1 + FT_SV_N];
	struct query_where wh = { .sql = "1" };
	struct query_value v;
	char mem[QUERY_SQL_MAX];
	int64_t rolled_h, rolled_d;
	struct out_buf b;
	uint8_t buf[16];
	size_t n;
	int rc;

	if ((rc = series_check(o, err)))
		return rc;
	if (o->key && (rc = key_value(o->kind, o->key, &v, buf, err)))
		return rc;
	rc = series_read_rolled(st, &rolled_h, &rolled_d, err);
	if (rc)
		return rc;
	out_buf_init(&b, mem, sizeof(mem));
	n = series_select(o->kind, &b, cols);
	series_add_union(&b, step, rolled_h, rolled_d, o->key || o->filter.where ?
	    kinds_any(o->kind) : kinds_of(o->kind), o->key != NULL);
	add_where(&b, o->filter.where && o->kind == QUERY_SERIES_DEVICE,
	    o->filter.where);
	out_buf_addf(&b, " GROUP BY b, key) GROUP BY b ORDER BY b LIMIT ?%d",
	    limit_param(o->filter.where, o->key != NULL));
	if (b.trunc)
		return ft_err_set(err, FT_EINVAL, "query: too long");
	if (o->key) {
		wh.vals = &v;
		wh.n_vals = 1;
		r.where = &wh;
	}
	return query_run(st, b.p, &r, UINT64_MAX, cols, n, w, err);
}

/* The key as text and a name for it, by kind, for usage rows. */
static void
usage_key_sql(enum query_series_kind k, struct out_buf *b)
{
	out_buf_adds(b, "CASE WHEN key = -1 THEN 'other' ELSE ");
	switch (k) {
	case QUERY_SERIES_HOST:
	case QUERY_SERIES_REMOTE:
		out_buf_adds(b, SQL_ADDR("key") " END, (SELECT dv.name FROM "
		    "device_addrs x JOIN devices dv ON dv.id = x.device WHERE "
		    "x.addr = key LIMIT 1)");
		return;
	case QUERY_SERIES_MAC:
		out_buf_adds(b, SQL_MAC("key") " END, (SELECT m.vendor FROM "
		    "macs m WHERE m.mac = key)");
		return;
	case QUERY_SERIES_DEVICE:
		out_buf_adds(b, SQL_MAC("key") " END, (SELECT dv.name FROM "
		    "devices dv JOIN macs m ON m.id = dv.mac WHERE m.mac = key)");
		return;
	case QUERY_SERIES_ASN:
		out_buf_adds(b, "CASE key WHEN 0 THEN '(none)' ELSE 'AS' || key "
		    "END END, (SELECT org FROM asns WHERE asns.asn = key)");
		return;
	case QUERY_SERIES_COUNTRY:
		out_buf_adds(b, "coalesce(" SQL_COUNTRY("nullif(key, 0)")
		    ", '(none)') END, NULL");
		return;
	case QUERY_SERIES_APP:
		out_buf_adds(b, "coalesce(nullif(key, ''), 'unknown') END, NULL");
		return;
	default:
		out_buf_adds(b, "CAST(key AS TEXT) END, NULL");
	}
}

static const struct out_col usage_cols[] = {
	{ "period", OUT_TEXT, NULL },
	{ "key", OUT_NAME, NULL },
	{ "name", OUT_NAME, NULL },
	{ "received", OUT_BYTES, NULL },
	{ "sent", OUT_BYTES, NULL },
	{ "total", OUT_BYTES, NULL },
};

/* The period of bucket b in SQL: local day, calendar or billing month. */
static void
usage_label(const struct query_usage_opts *o, char *label, size_t cap)
{
	if (o->monthly && o->billing_day > 1)
		snprintf(label, cap, "date(b, 'unixepoch', 'localtime', "
		    "'-%u days', 'start of month', '+%u days')",
		    o->billing_day - 1, o->billing_day - 1);
	else if (o->monthly)
		snprintf(label, cap, "strftime('%%Y-%%m', b, 'unixepoch', "
		    "'localtime')");
	else
		snprintf(label, cap, "date(b, 'unixepoch', 'localtime')");
}

/* The kinds usage reads: --by's, else the filter's, else the interfaces. */
static const char *
usage_kinds(const struct query_usage_opts *o)
{
	if (o->by)
		return kinds_of(o->kind);
	return o->filter.where ? kinds_any(o->filter.kind) : "1";
}

int
query_usage(struct store *st, const struct query_usage_opts *o,
    struct out *w, struct ft_err *err)
{
	struct query_range r = { .since_us = o->since_us,
		.until_us = o->until_us, .limit = o->limit ? o->limit : 10,
		.where = o->filter.where };
	int lim = limit_param(o->filter.where, false), rc;
	struct out_col cols[6];
	char mem[QUERY_SQL_MAX], label[160];
	int64_t rolled_h, rolled_d;
	struct out_buf b;

	if (o->by && (rc = sfilter_fits(&o->filter, o->kind, err)))
		return rc;
	rc = series_read_rolled(st, &rolled_h, &rolled_d, err);
	if (rc)
		return rc;
	usage_label(o, label, sizeof(label));
	out_buf_init(&b, mem, sizeof(mem));
	out_buf_addf(&b, "WITH d AS (SELECT %s AS p, key, sum(bytes_in) bi, "
	    "sum(bytes_out) bo FROM ", label);
	series_add_union(&b, 86400, rolled_h, rolled_d, usage_kinds(o), false);
	add_where(&b, o->by && o->kind == QUERY_SERIES_DEVICE, o->filter.where);
	if (o->by) {
		out_buf_adds(&b, " GROUP BY 1, 2) SELECT p, ");
		usage_key_sql(o->kind, &b);
		out_buf_addf(&b, ", bi, bo, bi + bo FROM (SELECT p, key, bi, "
		    "bo, row_number() OVER (PARTITION BY p ORDER BY bi + bo "
		    "DESC, key) rn FROM d) WHERE rn <= ?%d ORDER BY p, bi + bo "
		    "DESC, key", lim);
		memcpy(cols, usage_cols, sizeof(cols));
	} else {
		/*
		 * query_run binds a limit as the last parameter; the totals
		 * show every period, so it is consumed without effect.
		 */
		out_buf_addf(&b, " GROUP BY 1) SELECT * FROM (SELECT p, "
		    "sum(bi), sum(bo), sum(bi + bo) FROM d GROUP BY p UNION ALL "
		    "SELECT 'total', coalesce(sum(bi), 0), coalesce(sum(bo), 0), "
		    "coalesce(sum(bi + bo), 0) FROM d) ORDER BY 1 = 'total', 1 "
		    "LIMIT -1 + 0 * ?%d", lim);
		cols[0] = usage_cols[0];
		memcpy(cols + 1, usage_cols + 3, 3 * sizeof(cols[0]));
	}
	if (b.trunc)
		return ft_err_set(err, FT_EINVAL, "query: too long");
	return query_run(st, b.p, &r, 10, cols, o->by ? 6 : 4, w, err);
}
