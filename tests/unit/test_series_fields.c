/* test_series_fields.c: the series and conversation field tables, walked end to end. */
#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../../src/base/ft_log.h"
#include "../../src/out/out.h"
#include "../../src/query/series.h"
#include "../../src/store/store_int.h"
#include "ut.h"
#include "../lib/qfix.h"

#define T0 UINT32_C(1700000040)	/* a whole minute, 22:14 UTC */
#define H0 (T0 - T0 % 3600)	/* its hour */

static char tmpdir[64], dbpath[160];

#define q_int qfix_sql_int
#define fresh_path(name) qfix_fresh_db(tmpdir, (name), dbpath, sizeof(dbpath))

static struct store *
open_k(const char *name, uint32_t k)
{
	struct store_opts o = { .path = fresh_path(name),
	    .commit_interval_s = 3600, .command = "test", .rollup_k = k,
	    .rollup_local = k };
	struct ft_err err = { 0 };
	struct store *st = NULL;

	if (store_open(&o, &st, &err))
		UT_FAILF("store_open %s: %s", dbpath, err.msg);
	return st;
}

static struct store *
open_fresh(const char *name)
{
	return open_k(name, 50);
}

/* Column col of series table tab, kind and minute t. */
static int64_t
series_col(struct store *st, const char *tab, const char *col, int kind,
    uint32_t t)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE kind = %d AND "
	    "t = %u AND key != -1", col, tab, kind, t);
	return q_int(st, sql);
}

/* A point of kind at t whose counters all differ: base * (v + 1) + v. */
static struct ft_series_pt
point(uint32_t t, uint8_t kind, uint64_t base)
{
	struct ft_series_pt p;
	unsigned v;

	memset(&p, 0, sizeof(p));
	p.t = t;
	p.kind = kind;
	p.num = 6;
	for (v = 0; v < FT_SV_N; v++)
		p.v[v] = base * (v + 1) + v;
	return p;
}

static void
write_points(struct store *st, const struct ft_series_pt *p, size_t n)
{
	struct ft_err err = { 0 };

	if (store_append_series(st, p, n, &err) || store_commit(st, &err))
		UT_FAILF("store_append_series: %s", err.msg);
}

static uint64_t
combine(enum ft_combine c, uint64_t a, uint64_t b)
{
	return c == FT_COMBINE_MAX ? (a > b ? a : b) : a + b;
}

/* Each counter once, each column a column of every series table. */
static void
every_series_counter_is_one_column_of_every_series_table(void)
{
	static const char *const tabs[] = { "series_1m", "series_1h",
		"series_1d", "run_points" };
	struct store *st = open_fresh("columns");
	unsigned seen[FT_SV_N] = { 0 };
	char sql[128];
	size_t i, j, k;

	for (i = 0; i < FT_SV_N; i++) {
		const struct ft_series_field *f = &ft_series_fields[i];

		UT_ASSERT((unsigned)f->val < FT_SV_N);
		if ((unsigned)f->val < FT_SV_N)
			seen[f->val]++;
		UT_ASSERT(ft_series_field_of(f->val) == f);
		for (j = 0; j < i; j++) {
			UT_ASSERT(strcmp(f->name, ft_series_fields[j].name));
			UT_ASSERT(strcmp(f->column,
			    ft_series_fields[j].column));
		}
		for (k = 0; k < sizeof(tabs) / sizeof(tabs[0]); k++) {
			snprintf(sql, sizeof(sql), "SELECT %s FROM %s",
			    f->column, tabs[k]);
			q_int(st, sql);
		}
	}
	for (i = 0; i < FT_SV_N; i++)
		UT_EQ(seen[i], 1);
	store_close(st);
}

/* A series report as CSV. */
static char *
series_csv_opts(struct store *st, const struct query_series_opts *o)
{
	struct ft_err err = { 0 };
	struct out *w = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	struct out_opts oo = { .fp = fp, .format = OUT_CSV };

	if (out_new(&oo, &w, &err) || query_series(st, o, w, &err))
		UT_FAILF("series: %s", err.msg);
	out_free(w);
	fclose(fp);
	return buf;
}

/* A series report of kind's minute T0, as CSV. */
static char *
series_csv(struct store *st, enum query_series_kind kind)
{
	struct query_series_opts o = { .since_us = (uint64_t)T0 * 1000000,
		.until_us = (uint64_t)(T0 + 60) * 1000000, .kind = kind,
		.step_s = 60 };

	return series_csv_opts(st, &o);
}

/*
 * The value under header name in row `row` (0 the first after the
 * header) of a CSV; -1 when there is no such column or row.
 */
static int64_t
csv_value(const char *csv, size_t row, const char *name)
{
	const char *nl = strchr(csv, '\n'), *h = csv, *r;
	size_t col = 0, len = strlen(name), i;

	if (!nl)
		return -1;
	for (;;) {
		if ((size_t)(nl - h) >= len && !strncmp(h, name, len) &&
		    (h[len] == ',' || h[len] == '\n'))
			break;
		h = strchr(h, ',');
		if (!h || h > nl)
			return -1;
		h++;
		col++;
	}
	r = nl + 1;
	for (i = 0; i < row && r; i++) {
		r = strchr(r, '\n');
		if (r)
			r++;
	}
	for (i = 0; i < col && r && *r; i++) {
		r = strchr(r, ',');
		if (r)
			r++;
	}
	return r && *r ? strtoll(r, NULL, 10) : -1;
}

/*
 * One point of every counter, written by the store: each counter is in
 * its column of series_1m and in its `series` column, under its name,
 * for the kinds that show it, and absent for the others.
 */
static void
every_series_counter_reads_back_into_its_series_column(void)
{
	static const struct {
		enum query_series_kind q;
		uint8_t kind;
	} kinds[] = {
		{ QUERY_SERIES_IFACE, FT_SK_IFACE },
		{ QUERY_SERIES_PROTO, FT_SK_PROTO },
		{ QUERY_SERIES_ASN, FT_SK_ASN },
	};
	struct store *st = open_fresh("readback");
	struct ft_series_pt p[3];
	size_t i, k;
	char *csv;

	for (k = 0; k < 3; k++)
		p[k] = point(T0, kinds[k].kind, 1000 * (k + 1));
	write_points(st, p, 3);
	for (k = 0; k < 3; k++) {
		csv = series_csv(st, kinds[k].q);
		UT_ASSERT(csv && !strncmp(csv, "time,", 5));
		for (i = 0; csv && i < FT_SV_N; i++) {
			const struct ft_series_field *f = &ft_series_fields[i];
			int64_t want = (int64_t)p[k].v[f->val];

			UT_EQ(series_col(st, "series_1m", f->column,
			    kinds[k].kind, T0), want);
			if (!(f->shown & FT_SK_BIT(kinds[k].kind))) {
				UT_EQ(csv_value(csv, 0, f->name), -1);
				continue;
			}
			if (csv_value(csv, 0, f->name) != want)
				UT_FAILF("kind %u: %s is %lld, not %lld",
				    kinds[k].kind, f->name, (long long)
				    csv_value(csv, 0, f->name), (long long)want);
		}
		free(csv);
	}
	store_close(st);
}

/*
 * Two points of one key and minute combine by each counter's add rule;
 * two minutes of an hour roll up by its roll rule, and `series` at 1h
 * reads the rolled hour back into each counter's column. An hour not
 * rolled yet is summed by the report itself: a key's minutes by the roll
 * rule, then the keys by the add rule.
 */
static void
series_counters_add_and_roll_by_their_rules(void)
{
	struct query_series_opts o = { .since_us = (uint64_t)H0 * 1000000,
		.until_us = (uint64_t)(H0 + 3 * 3600) * 1000000,
		.kind = QUERY_SERIES_IFACE, .step_s = 3600 };
	struct store *st = open_fresh("rules");
	struct ft_series_pt p[6];
	uint64_t minute, hour, open;
	size_t i;
	char *csv;

	p[0] = point(T0, FT_SK_IFACE, 100);
	p[1] = point(T0, FT_SK_IFACE, 7);
	p[1].v[FT_SV_PEAK_BPS] = 900000;	/* bigger than p[0]'s */
	p[2] = point(H0 + 120, FT_SK_IFACE, 50);
	/* hour H0 + 2 h closes H0; it stays open itself */
	p[3] = point(H0 + 7200, FT_SK_IFACE, 1);
	p[4] = point(H0 + 7260, FT_SK_IFACE, 3);
	p[4].v[FT_SV_ACTIVE] = 1;		/* smaller than p[3]'s */
	p[5] = point(H0 + 7200, FT_SK_IFACE, 20);
	p[5].num = 7;				/* a second interface */
	write_points(st, p, 6);
	UT_EQ(q_int(st, "SELECT count(*) FROM series_1h WHERE t = 1699999200"),
	    1);
	UT_EQ(q_int(st, "SELECT count(*) FROM series_1h WHERE t > 1699999200"),
	    0);
	csv = series_csv_opts(st, &o);
	UT_ASSERT(csv != NULL);
	for (i = 0; csv && i < FT_SV_N; i++) {
		const struct ft_series_field *f = &ft_series_fields[i];
		const unsigned v = f->val;

		minute = combine(f->add, p[0].v[v], p[1].v[v]);
		UT_EQ(series_col(st, "series_1m", f->column, FT_SK_IFACE, T0),
		    minute);
		hour = combine(f->roll, minute, p[2].v[v]);
		UT_EQ(series_col(st, "series_1h", f->column, FT_SK_IFACE, H0),
		    hour);
		open = combine(f->add, combine(f->roll, p[3].v[v], p[4].v[v]),
		    p[5].v[v]);
		if (!(f->shown & FT_SK_BIT(FT_SK_IFACE)))
			continue;
		if (csv_value(csv, 0, f->name) != (int64_t)hour)
			UT_FAILF("rolled hour: %s is %lld, not %llu", f->name,
			    (long long)csv_value(csv, 0, f->name),
			    (unsigned long long)hour);
		if (csv_value(csv, 1, f->name) != (int64_t)open)
			UT_FAILF("open hour: %s is %lld, not %llu", f->name,
			    (long long)csv_value(csv, 1, f->name),
			    (unsigned long long)open);
	}
	free(csv);
	store_close(st);
}

/*
 * With K = 1, the keys of an hour past the busiest fold into its "other"
 * row, each counter by its roll rule.
 */
static void
keys_past_the_top_fold_into_other_by_the_roll_rule(void)
{
	struct store *st = open_k("other", 1);
	struct ft_series_pt p[4];
	char sql[160];
	size_t i;

	p[0] = point(T0, FT_SK_ASN, 100000);	/* the busiest */
	p[1] = point(T0, FT_SK_ASN, 30);
	p[1].num = 7;
	p[2] = point(T0 + 60, FT_SK_ASN, 20);
	p[2].num = 8;
	p[2].v[FT_SV_ACTIVE] = 99999;		/* a max beats a sum */
	p[3] = point(H0 + 7200, FT_SK_ASN, 1);	/* closes hour H0 */
	write_points(st, p, 4);
	UT_EQ(q_int(st, "SELECT count(*) FROM series_1h WHERE t = 1699999200"),
	    2);
	for (i = 0; i < FT_SV_N; i++) {
		const struct ft_series_field *f = &ft_series_fields[i];

		snprintf(sql, sizeof(sql), "SELECT %s FROM series_1h WHERE "
		    "t = %u AND key = -1", f->column, H0);
		UT_EQ(q_int(st, sql), combine(f->roll, p[1].v[f->val],
		    p[2].v[f->val]));
	}
	store_close(st);
}

/* Row (of table f) with every member set, none of two alike. */
static void
fill_row(const struct ft_conv_field *f, size_t n, void *row)
{
	uint8_t *p;
	int64_t v;
	size_t i;

	for (i = 0; i < n; i++) {
		p = (uint8_t *)row + f[i].offset;
		v = (int64_t)(i + 1) * 1000003 + 17;
		switch (f[i].type) {
		case FT_CONV_BLOB:
			p[0] = i % 2 ? 16 : 4;
			memset(p + 1, (int)(i + 1), 16);
			p[2] = 0xee;
			if (i % 2 == 0)
				memset(p + 5, 0, 12);
			break;
		case FT_CONV_NAME:
			v = FT_NAME_KEY(i % 5 + 1, 1000 + i);
			memcpy(p, &v, sizeof(v));
			break;
		default:
			if (f[i].size == 1)
				*p = (uint8_t)(i + 1);
			else if (f[i].size == 2)
				*p = (uint8_t)(i + 7), p[1] = (uint8_t)i;
			else
				memcpy(p, &v, sizeof(v));
		}
	}
}

/* The member of field f at row as one integer (sizes 1, 2 and 8). */
static int64_t
member(const struct ft_conv_field *f, const void *row)
{
	const uint8_t *p = (const uint8_t *)row + f->offset;
	uint16_t u16;
	int64_t v;

	if (f->size == 1)
		return *p;
	if (f->size == 2) {
		memcpy(&u16, p, 2);
		return u16;
	}
	memcpy(&v, p, 8);
	return v;
}

/*
 * Row written into table by the store's bind; each member is in its
 * column (by name), and the reader gives the row back.
 */
static void
conv_round_trip(struct store *st, const char *table,
    const struct ft_conv_field *f, size_t n, const void *row, void *back)
{
	char sql[2048], cols[1024];
	struct store_sql b;
	sqlite3_stmt *s;
	const uint8_t *p;
	size_t i;

	store_sql_init(&b, sql, sizeof(sql));
	store_conv_sql_insert(&b, table, f, n);
	UT_ASSERT(!b.trunc);
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) != SQLITE_OK) {
		UT_FAILF("%s: %s", sql, sqlite3_errmsg(store_db(st)));
		return;
	}
	sqlite3_bind_int64(s, 1, 3600000000);
	UT_EQ(store_conv_bind(s, 2, f, n, row), sqlite3_bind_parameter_count(s)
	    + 1);
	UT_EQ(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	for (i = 0; i < n; i++) {
		p = (const uint8_t *)row + f[i].offset;
		snprintf(sql, sizeof(sql), "SELECT %s, typeof(%s), hex(%s) "
		    "FROM %s", f[i].column, f[i].column, f[i].column, table);
		if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) !=
		    SQLITE_OK || sqlite3_step(s) != SQLITE_ROW) {
			UT_FAILF("%s: %s", sql, sqlite3_errmsg(store_db(st)));
			sqlite3_finalize(s);
			continue;
		}
		switch (f[i].type) {
		case FT_CONV_BLOB:
			if (sqlite3_column_bytes(s, 0) != p[0] ||
			    memcmp(sqlite3_column_blob(s, 0), p + 1, p[0]))
				UT_FAILF("%s.%s: not the member %s", table,
				    f[i].column, f[i].name);
			break;
		case FT_CONV_NAME:
			UT_EQ(sqlite3_column_int64(s, 0),
			    FT_NAME_ID(member(&f[i], row)));
			snprintf(sql, sizeof(sql), "SELECT %s FROM %s",
			    f[i].src_column, table);
			UT_EQ(q_int(st, sql), FT_NAME_SRC(member(&f[i], row)));
			break;
		case FT_CONV_ID:
			if (member(&f[i], row) <= 0)
				UT_EQ(sqlite3_column_type(s, 0), SQLITE_NULL);
			else
				UT_EQ(sqlite3_column_int64(s, 0),
				    member(&f[i], row));
			break;
		default:
			if (sqlite3_column_int64(s, 0) != member(&f[i], row))
				UT_FAILF("%s.%s is %lld, member %s is %lld",
				    table, f[i].column, (long long)
				    sqlite3_column_int64(s, 0), f[i].name,
				    (long long)member(&f[i], row));
		}
		sqlite3_finalize(s);
	}
	UT_ASSERT(store_conv_select(f, n, "", cols, sizeof(cols)) != NULL);
	snprintf(sql, sizeof(sql), "SELECT %s FROM %s", cols, table);
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		UT_FAILF("%s: %s", sql, sqlite3_errmsg(store_db(st)));
	} else {
		UT_EQ(store_conv_read(s, 0, f, n, back),
		    sqlite3_column_count(s));
	}
	sqlite3_finalize(s);
	for (i = 0; i < n; i++)
		if (memcmp((const uint8_t *)row + f[i].offset,
		    (const uint8_t *)back + f[i].offset, f[i].size))
			UT_FAILF("%s: %s does not read back", table,
			    f[i].name);
}

/* Every member of an edge and a part is in its column, and reads back. */
static void
every_conversation_column_round_trips(void)
{
	struct store *st = open_fresh("conv");
	struct ft_conv_edge e, e2;
	struct ft_conv_part p, p2;

	memset(&e, 0, sizeof(e));
	memset(&e2, 0, sizeof(e2));
	memset(&p, 0, sizeof(p));
	memset(&p2, 0, sizeof(p2));
	fill_row(ft_conv_edge_fields, ft_conv_edge_n_fields, &e);
	fill_row(ft_conv_part_fields, ft_conv_part_n_fields, &p);
	conv_round_trip(st, "conv_edges", ft_conv_edge_fields,
	    ft_conv_edge_n_fields, &e, &e2);
	conv_round_trip(st, "conv_parts", ft_conv_part_fields,
	    ft_conv_part_n_fields, &p, &p2);
	store_close(st);
}

/* An absent id or name is NULL in the table and reads back as its none. */
static void
absent_ids_and_names_are_null_and_read_back_as_none(void)
{
	struct store *st = open_fresh("none");
	const struct ft_conv_field *f = ft_conv_edge_fields;
	size_t n = ft_conv_edge_n_fields, i;
	struct ft_conv_edge e, e2;
	int64_t v;

	memset(&e, 0, sizeof(e));
	memset(&e2, 0, sizeof(e2));
	fill_row(f, n, &e);
	for (i = 0; i < n; i++) {
		if (f[i].type != FT_CONV_ID && f[i].type != FT_CONV_NAME)
			continue;
		v = f[i].type == FT_CONV_ID ? f[i].none : 0;
		memcpy((uint8_t *)&e + f[i].offset, &v, sizeof(v));
	}
	conv_round_trip(st, "conv_edges", f, n, &e, &e2);
	UT_EQ(q_int(st, "SELECT count(*) FROM conv_edges WHERE app_lo IS NULL "
	    "AND app_top IS NULL AND cli_mac IS NULL AND name IS NULL AND "
	    "name_src = 0"), 1);
	store_close(st);
}

int
main(void)
{
	static const char *const names[] = { "columns", "readback", "rules",
		"other", "conv", "none" };
	size_t i;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ft-sfields.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	setenv("TZ", "UTC", 1);
	tzset();
	ft_log_level = FT_LOG_WARN;
	UT_RUN(every_series_counter_is_one_column_of_every_series_table);
	UT_RUN(every_series_counter_reads_back_into_its_series_column);
	UT_RUN(series_counters_add_and_roll_by_their_rules);
	UT_RUN(keys_past_the_top_fold_into_other_by_the_roll_rule);
	UT_RUN(every_conversation_column_round_trips);
	UT_RUN(absent_ids_and_names_are_null_and_read_back_as_none);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		fresh_path(names[i]);
	rmdir(tmpdir);
	return UT_DONE();
}
