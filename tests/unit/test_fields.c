/* test_fields.c: every stored field written, read, filtered, grouped. */
#include <sqlite3.h>
#include <stdlib.h>

#include "../../src/base/ft_log.h"
#include "../../src/filter/filter.h"
#include "../../src/model/ft_fields.h"
#include "../../src/query/query.h"
#include "../lib/qfix.h"
#include "ut.h"

#define T0 QFIX_T0
#define SEC QFIX_SEC
#define CELL_MAX 128		/* one CSV cell or view value */

/*
 * How each consumer shows a field's distinctive value (distinct()): the
 * flows_v text, the listing's CSV cell, the filter's argument, top's CSV
 * cell. Every field of the table needs an entry, with the last three
 * where the table names the listing column, filter and --by field.
 */
static const struct {
	const char *view;	/* flows_v text, "(null)" for NULL */
	const char *listing;	/* `flows` CSV cell */
	const char *arg;	/* after the filter primitive */
	const char *top;	/* `top --by` CSV cell */
} want[FT_F_N] = {
	[FT_F_RUN] = { .view = "1" }, /* the writer's run: not the record's */
	[FT_F_FLOW] = { .view = "987654321" },
	[FT_F_FIRST] = { .view = "1700000020123456",
	    .listing = "2023-11-14T22:13:40.123456Z" },
	[FT_F_LAST] = { .view = "1700000017654321" },
	[FT_F_START] = { .view = "2023-11-14T22:13:25.500000Z" },
	[FT_F_IFACE] = { .view = "wan9", .arg = "wan9", .top = "wan9" },
	[FT_F_VLAN] = { .view = "42", .arg = "42", .top = "42" },
	[FT_F_PROTO] = { .view = "udp", .listing = "17", .arg = "udp",
	    .top = "17" },
	[FT_F_TUNNEL] = { .view = "gre" },
	[FT_F_CLIENT] = { .view = "10.9.9.9", .listing = "10.9.9.9",
	    .arg = "10.9.9.9", .top = "10.9.9.9" },
	[FT_F_CPORT] = { .view = "40001", .listing = "40001", .arg = "40001",
	    .top = "40001" },
	[FT_F_SERVER] = { .view = "198.51.100.7", .listing = "198.51.100.7",
	    .arg = "198.51.100.7", .top = "198.51.100.7" },
	[FT_F_SPORT] = { .view = "8443", .listing = "8443", .arg = "8443",
	    .top = "8443" },
	[FT_F_CLIENT_MAC] = { .view = "02:00:00:00:00:99",
	    .arg = "02:00:00:00:00:99", .top = "02:00:00:00:00:99" },
	[FT_F_SERVER_MAC] = { .view = "02:00:00:00:00:98",
	    .arg = "02:00:00:00:00:98" },
	[FT_F_APP] = { .view = "QUIC", .listing = "QUIC", .arg = "QUIC",
	    .top = "QUIC" },
	[FT_F_SERVER_NAME] = { .view = "b.example.org",
	    .listing = "b.example.org", .arg = "b.example.org",
	    .top = "b.example.org" },
	[FT_F_BYTES_CS] = { .view = "123457", .listing = "123457" },
	[FT_F_BYTES_SC] = { .view = "234568", .listing = "234568" },
	[FT_F_PKTS_CS] = { .view = "3457", .listing = "3457" },
	[FT_F_PKTS_SC] = { .view = "4568", .listing = "4568" },
	[FT_F_TCP_CS] = { .view = "24", .listing = "24" },
	[FT_F_TCP_SC] = { .view = "17", .listing = "17" },
	[FT_F_END] = { .view = "evict", .listing = "evict" },
	[FT_F_FLAGS] = { .view = "3" },
	[FT_F_LOCAL] = { .view = "2", .arg = "" },
	[FT_F_ASN] = { .view = "64512", .listing = "64512", .arg = "64512",
	    .top = "64512" },
	[FT_F_COUNTRY] = { .view = "NL", .listing = "NL", .arg = "NL",
	    .top = "NL" },
	[FT_F_SERVER_NAME_SRC] = { .view = "dns" },
	[FT_F_CLIENT_NAME] = { .view = "printer", .listing = "printer" },
	[FT_F_CLIENT_NAME_SRC] = { .view = "lease" },
	[FT_F_DNS_QUERIES] = { .view = "7" },
	[FT_F_DNS_OK] = { .view = "5" },
	[FT_F_DNS_ERR] = { .view = "3" },
};

/* Record B's distinctive value of field i (record A keeps the base). */
static void
distinct(size_t i, struct ft_flowrec *r)
{
	static const uint8_t cmac[6] = { 2, 0, 0, 0, 0, 0x99 };
	static const uint8_t smac[6] = { 2, 0, 0, 0, 0, 0x98 };
	static const uint8_t cli[4] = { 10, 9, 9, 9 };
	static const uint8_t srv[4] = { 198, 51, 100, 7 };

	switch (i) {
	case FT_F_FLOW: r->flow_id = 987654321; break;
	case FT_F_FIRST: r->first_us = T0 + 20 * SEC + 123456; break;
	case FT_F_LAST: r->last_us = T0 + 17 * SEC + 654321; break;
	case FT_F_START: r->start_us = T0 + 5 * SEC + 500000; break;
	case FT_F_IFACE: r->iface = 1; break;
	case FT_F_VLAN: r->vlan = 42; break;
	case FT_F_PROTO: r->proto = 17; break;
	case FT_F_TUNNEL: r->tunnel = 47; break;
	case FT_F_CLIENT: memcpy(r->cli, cli, 4); break;
	case FT_F_CPORT: r->cport = 40001; break;
	case FT_F_SERVER: memcpy(r->srv, srv, 4); break;
	case FT_F_SPORT: r->sport = 8443; break;
	case FT_F_CLIENT_MAC: memcpy(r->cli_mac, cmac, 6); break;
	case FT_F_SERVER_MAC: memcpy(r->srv_mac, smac, 6); break;
	case FT_F_APP: snprintf(r->app, FT_APP_MAX, "QUIC"); break;
	case FT_F_SERVER_NAME:
		snprintf(r->server_name, FT_NAME_MAX, "b.example.org");
		break;
	case FT_F_BYTES_CS: r->bytes[0] = 123457; break;
	case FT_F_BYTES_SC: r->bytes[1] = 234568; break;
	case FT_F_PKTS_CS: r->pkts[0] = 3457; break;
	case FT_F_PKTS_SC: r->pkts[1] = 4568; break;
	case FT_F_TCP_CS: r->tcp_flags[0] = 0x18; break;
	case FT_F_TCP_SC: r->tcp_flags[1] = 0x11; break;
	case FT_F_END: r->end = FT_END_EVICT; break;
	case FT_F_FLAGS: r->flags = FT_REC_FINAL | FT_REC_GUESSED; break;
	case FT_F_LOCAL: r->local = 0x80 | FT_LOCAL_SRV; break; /* masked */
	case FT_F_ASN: r->asn = 64512; break;
	case FT_F_COUNTRY: snprintf(r->country, 3, "NL"); break;
	case FT_F_SERVER_NAME_SRC: r->srv_name_src = FT_NAME_DNS; break;
	case FT_F_CLIENT_NAME:
		snprintf(r->cli_name, FT_NAME_MAX, "printer");
		break;
	case FT_F_CLIENT_NAME_SRC: r->cli_name_src = FT_NAME_LEASE; break;
	case FT_F_DNS_QUERIES: r->dns_queries = 7; break;
	case FT_F_DNS_OK: r->dns_ok = 5; break;
	case FT_F_DNS_ERR: r->dns_err = 3; break;
	}
}

/* Record A, and B: ten seconds later, another flow, field i distinct. */
static void
records(size_t i, struct ft_flowrec *r)
{
	r[0] = qfix_rec(1, 0, 6, "10.0.0.1", 50000, "93.184.216.34", 443,
	    "TLS", 100, 1000, 1, 4);
	r[0].vlan = 7;
	r[0].tcp_flags[0] = 0x02;
	r[0].tcp_flags[1] = 0x12;
	r[0].end = FT_END_TCP;
	qfix_local_ends(&r[0], 1, 0, "laptop", FT_NAME_DHCP, "Apple");
	qfix_remote_end(&r[0], 15133, "EDGECAST", "US");
	snprintf(r[0].category, FT_CAT_MAX, "Web");
	snprintf(r[0].server_name, FT_NAME_MAX, "a.example.com");
	r[0].srv_name_src = FT_NAME_SNI;
	r[1] = r[0];
	r[1].flow_id = 2;
	r[1].first_us += 10 * SEC;
	r[1].last_us += 10 * SEC;
	distinct(i, &r[1]);
}

/* Cell col of line row (0 the header) of csv into out; false if none. */
static bool
csv_cell(const char *csv, int row, int col, char *out)
{
	const char *p = csv, *end;
	size_t n;

	for (; row > 0 && p; row--)
		if ((p = strchr(p, '\n')))
			p++;
	for (; col > 0 && p && *p && *p != '\n'; col--)
		if ((p = strpbrk(p, ",\n")) && *p == ',')
			p++;
	if (!p || !*p || col)
		return false;
	end = p + strcspn(p, ",\n");
	n = (size_t)(end - p) < CELL_MAX - 1 ? (size_t)(end - p) :
	    CELL_MAX - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* The index of the header's column name in csv, -1 if none. */
static int
csv_col(const char *csv, const char *name)
{
	char cell[CELL_MAX];
	int i;

	for (i = 0; csv_cell(csv, 0, i, cell); i++)
		if (strcmp(cell, name) == 0)
			return i;
	return -1;
}

static int
csv_rows(const char *csv)
{
	int n = 0;

	for (; *csv; csv++)
		n += *csv == '\n';
	return n - 1;
}

/* `flows --records --format F [FILTER]` over st. */
static char *
listing(struct store *st, const char *filter, enum out_format fmt)
{
	struct query_flows_opts o = { .records = true };
	struct ft_err err = { 0 };
	struct filter *f = NULL;
	struct qfix_out c;

	if (filter && filter_compile(filter, &f, &err))
		UT_FAILF("filter %s: %s", filter, err.msg);
	o.range.where = f ? filter_where(f) : NULL;
	qfix_out_begin(&c, fmt, false);
	if (query_flows(st, &o, c.w, &err))
		UT_FAILF("flows %s: %s", filter ? filter : "", err.msg);
	filter_free(f);
	return qfix_out_end(&c);
}

/* `top --by BY --format F` over st, NULL when BY is refused. */
static char *
top(struct store *st, const char *by, enum out_format fmt)
{
	struct query_top_opts o = { .order = QUERY_ORDER_BYTES };
	struct ft_err err = { 0 };
	struct qfix_out c;

	if (query_top_parse_by(by, &o, &err)) {
		UT_FAILF("top --by %s: %s", by, err.msg);
		return NULL;
	}
	qfix_out_begin(&c, fmt, false);
	if (query_top(st, &o, c.w, &err))
		UT_FAILF("top --by %s: %s", by, err.msg);
	return qfix_out_end(&c);
}

/* Whether JSON output has "key":val, val quoted when show is text. */
static bool
json_has(const char *json, const char *key, const char *val,
    enum ft_field_show show)
{
	bool text = show == FT_SHOW_TEXT || show == FT_SHOW_NAME ||
	    show == FT_SHOW_TIME || show == FT_SHOW_ADDR;
	char pat[CELL_MAX * 2], *p;
	size_t n;

	n = (size_t)snprintf(pat, sizeof(pat), text ? "\"%s\":\"%s\"" :
	    "\"%s\":%s", key, val);
	for (p = strstr(json, pat); p; p = strstr(p + 1, pat))
		if (p[n] == ',' || p[n] == '}')
			return true;
	return false;
}

/* Whether the header line of a table has the column name. */
static bool
table_has(const char *table, const char *name)
{
	size_t n = strlen(name), head = strcspn(table, "\n");
	const char *p;

	for (p = table; (p = strstr(p, name)) && p < table + head; p++)
		if ((p == table || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\n'))
			return true;
	return false;
}

/* The report in JSON and as a table shows B's value under name. */
static void
check_formats(char *json, char *table, const char *report,
    const char *name, const char *val, enum ft_field_show show)
{
	if (!json_has(json, name, val, show))
		UT_FAILF("%s --format json has no \"%s\": %s", report, name,
		    val);
	if (!table_has(table, name))
		UT_FAILF("%s --format table has no column %s", report, name);
	free(json);
	free(table);
}

/* Record B's field f as flows_v shows it under f's name. */
static void
check_view(struct store *st, const struct ft_field *f, const char *exp)
{
	char sql[128], got[CELL_MAX] = "(no row)";
	sqlite3_stmt *s = NULL;
	const unsigned char *t;

	snprintf(sql, sizeof(sql), "SELECT %s FROM flows_v WHERE id = 2",
	    f->name);
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) != SQLITE_OK)
		UT_FAILF("%s: %s", sql, sqlite3_errmsg(store_db(st)));
	if (s && sqlite3_step(s) == SQLITE_ROW) {
		t = sqlite3_column_text(s, 0);
		snprintf(got, sizeof(got), "%s", t ? (const char *)t : "(null)");
	}
	sqlite3_finalize(s);
	if (strcmp(got, exp) != 0)
		UT_FAILF("flows_v.%s of the record is '%s', expected '%s'",
		    f->name, got, exp);
}

/* B's field in the listing's column; the filter finds B alone. */
static void
check_listing(struct store *st, size_t i, const struct ft_field *f)
{
	char *all = listing(st, NULL, OUT_CSV), *one = NULL, expr[160];
	char got[CELL_MAX] = "", row[2][CELL_MAX] = { "", "" };
	int col = f->listing ? csv_col(all, f->listing) : 0;

	if (col < 0)
		UT_FAILF("flows lists no column '%s'", f->listing);
	else if (f->listing && (!csv_cell(all, 1, col, got) ||
	    strcmp(got, want[i].listing) != 0))
		UT_FAILF("flows column %s of the record is '%s', expected "
		    "'%s'", f->listing, got, want[i].listing);
	if (f->listing)
		check_formats(listing(st, NULL, OUT_JSON),
		    listing(st, NULL, OUT_TABLE), "flows", f->listing,
		    want[i].listing, f->show);
	if (f->filter) {
		snprintf(expr, sizeof(expr), "%s %s", f->filter, want[i].arg);
		one = listing(st, expr, OUT_CSV);
		if (csv_rows(one) != 1)
			UT_FAILF("filter '%s' selects %d records, expected 1",
			    expr, csv_rows(one));
		/* the one it selects is B, the listing's first */
		csv_cell(all, 1, 0, row[0]);
		csv_cell(one, 1, 0, row[1]);
		if (strcmp(row[0], row[1]) != 0)
			UT_FAILF("filter '%s' selects the wrong record", expr);
	}
	free(one);
	free(all);
}

/* top --by groups B alone under its value, in a column of that name. */
static void
check_top(struct store *st, size_t i, const struct ft_field *f)
{
	char *csv = top(st, f->by, OUT_CSV), cell[CELL_MAX], flows[CELL_MAX];
	int col = csv ? csv_col(csv, f->by) : -1;
	int n = csv ? csv_col(csv, "flows") : -1;
	int row;

	if (col < 0 || n < 0) {
		UT_FAILF("top --by %s prints no column '%s'", f->by, f->by);
		free(csv);
		return;
	}
	for (row = 1; csv_cell(csv, row, col, cell); row++)
		if (strcmp(cell, want[i].top) == 0)
			break;
	if (!csv_cell(csv, row, n, flows) || strcmp(flows, "1") != 0)
		UT_FAILF("top --by %s has no group '%s' of one flow:\n%s",
		    f->by, want[i].top, csv);
	free(csv);
	check_formats(top(st, f->by, OUT_JSON), top(st, f->by, OUT_TABLE),
	    "top", f->by, want[i].top, f->show);
}

static void
every_field_is_written_read_listed_filtered_and_grouped_by_its_name(void)
{
	static const char *const ifaces[] = { "eth0", "wan9", NULL };
	struct ft_flowrec r[2];
	struct store *st;
	char name[32];
	size_t i;

	for (i = 0; i < FT_F_N; i++) {
		const struct ft_field *f = &ft_flow_fields[i];
		int before = ut_failed_now;

		if (!want[i].view || (f->listing && !want[i].listing) ||
		    (f->filter && !want[i].arg) || (f->by && !want[i].top)) {
			UT_FAILF("field %s: no test values for what the "
			    "table names", f->column);
			continue;
		}
		records(i, r);
		snprintf(name, sizeof(name), "field%zu", i);
		st = qfix_store(name, r, 2, ifaces);
		if (!st) {
			UT_FAILF("field %s: cannot write", f->column);
			continue;
		}
		check_view(st, f, want[i].view);
		check_listing(st, i, f);
		if (f->by)
			check_top(st, i, f);
		store_close(st);
		if (ut_failed_now != before)
			fprintf(stderr, "  ^ field %s (%s)\n", f->column,
			    f->name);
	}
}

/* The table is the flows table: its columns, order and types. */
static void
the_table_lists_the_flows_table_columns_in_order(void)
{
	static const struct ft_flowrec r0;
	sqlite3_stmt *s = NULL;
	struct store *st = qfix_store("schema", &r0, 0, NULL);
	size_t n = 0;

	if (!st || sqlite3_prepare_v2(store_db(st), "SELECT name, type FROM "
	    "pragma_table_info('flows') ORDER BY cid", -1, &s, NULL)) {
		UT_FAILF("cannot read the flows table's columns");
		store_close(st);
		return;
	}
	for (; sqlite3_step(s) == SQLITE_ROW; n++) {
		if (n >= FT_F_N) {
			UT_FAILF("flows column %s is not in the field table",
			    (const char *)sqlite3_column_text(s, 0));
			continue;
		}
		UT_STREQ((const char *)sqlite3_column_text(s, 0),
		    ft_flow_fields[n].column);
		UT_STREQ((const char *)sqlite3_column_text(s, 1),
		    ft_flow_fields[n].sql_type);
	}
	UT_EQ(n, FT_F_N);
	sqlite3_finalize(s);
	store_close(st);
}

/*
 * A record of zeros and empty texts, but one DNS count and name sources
 * without names, as the flows table keeps it: the table's NULL, mask and
 * only-with rules. Every field with such a rule is listed here.
 */
static void
zero_values_are_stored_as_the_table_says(void)
{
	static const struct { const char *column, *quoted; } rules[] = {
		{ "iface", "NULL" }, { "cli_mac", "NULL" },
		{ "srv_mac", "NULL" }, { "app", "NULL" }, { "name", "NULL" },
		{ "local", "0" }, { "asn", "NULL" }, { "country", "NULL" },
		{ "name_src", "0" }, { "cli_name", "NULL" },
		{ "cli_name_src", "0" }, { "dns_q", "7" }, { "dns_ok", "0" },
		{ "dns_err", "0" },
	};
	struct ft_flowrec r = qfix_rec(1, 0, 17, "10.0.0.1", 40000,
	    "10.0.0.2", 53, "", 60, 0, 1, 0);
	const struct ft_field *f;
	sqlite3_stmt *s = NULL;
	struct store *st;
	char sql[96];
	size_t i, j;

	r.iface = 3;		/* never named */
	r.local = 0x84;		/* no side local once masked */
	r.srv_name_src = FT_NAME_SNI;
	r.cli_name_src = FT_NAME_DHCP;
	r.dns_queries = 7;
	st = qfix_store("zeros", &r, 1, NULL);
	for (i = 0; st && i < sizeof(rules) / sizeof(rules[0]); i++) {
		snprintf(sql, sizeof(sql), "SELECT quote(%s) FROM flows",
		    rules[i].column);
		if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) ||
		    sqlite3_step(s) != SQLITE_ROW)
			UT_FAILF("%s: %s", sql, sqlite3_errmsg(store_db(st)));
		else if (strcmp((const char *)sqlite3_column_text(s, 0),
		    rules[i].quoted) != 0)
			UT_FAILF("flows.%s is %s, expected %s",
			    rules[i].column, sqlite3_column_text(s, 0),
			    rules[i].quoted);
		sqlite3_finalize(s);
		s = NULL;
	}
	UT_ASSERT(st);
	store_close(st);
	for (i = 0; i < FT_F_N; i++) {
		f = &ft_flow_fields[i];
		if (f->null == FT_NULL_NEVER && !f->only_with && !f->mask)
			continue;
		for (j = 0; j < sizeof(rules) / sizeof(rules[0]) &&
		    strcmp(rules[j].column, f->column) != 0; j++)
			;
		if (j == sizeof(rules) / sizeof(rules[0]))
			UT_FAILF("field %s has a rule this test lacks",
			    f->column);
	}
}

/* One name per field, one field per name, in every place. */
static void
names_and_columns_are_unique(void)
{
	static const size_t offs[] = { offsetof(struct ft_field, name),
		offsetof(struct ft_field, column),
		offsetof(struct ft_field, listing),
		offsetof(struct ft_field, by),
		offsetof(struct ft_field, filter) };
	const char *a, *b;
	size_t i, j, k;

	for (k = 0; k < sizeof(offs) / sizeof(offs[0]); k++) {
		for (i = 0; i < FT_F_N; i++) {
			memcpy(&a, (const char *)&ft_flow_fields[i] + offs[k],
			    sizeof(a));
			for (j = i + 1; a && j < FT_F_N; j++) {
				memcpy(&b, (const char *)&ft_flow_fields[j] +
				    offs[k], sizeof(b));
				if (b && strcmp(a, b) == 0)
					UT_FAILF("fields %zu and %zu are both "
					    "'%s'", i, j, a);
			}
		}
	}
	for (i = 0; i < FT_F_N; i++)
		UT_ASSERT(ft_field_by_column(ft_flow_fields[i].column) ==
		    &ft_flow_fields[i]);
	UT_ASSERT(!ft_field_by_column("nonesuch"));
}

int
main(void)
{
	int rc;

	if (qfix_dir_init())
		return 2;
	ft_log_level = FT_LOG_WARN;
	UT_RUN(the_table_lists_the_flows_table_columns_in_order);
	UT_RUN(names_and_columns_are_unique);
	UT_RUN(zero_values_are_stored_as_the_table_says);
	UT_RUN(every_field_is_written_read_listed_filtered_and_grouped_by_its_name);
	qfix_dir_remove();
	rc = UT_DONE();
	return rc;
}
