/* test_filter_sqlite.c: compiled filters run against SQLite */
/*
 * An in-memory database with the store's tables, selecting flow records and
 * series rows.
 */
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>

#include "../../src/filter/filter.h"
#include "ut.h"

static const char *const schema =
    "CREATE TABLE apps(id INTEGER PRIMARY KEY, name TEXT, category TEXT);"
    "CREATE TABLE names(id INTEGER PRIMARY KEY, name TEXT UNIQUE);"
    "CREATE TABLE macs(id INTEGER PRIMARY KEY, mac BLOB UNIQUE, vendor TEXT);"
    "CREATE TABLE asns(asn INTEGER PRIMARY KEY, org TEXT);"
    "CREATE TABLE flows(first_us INTEGER, last_us INTEGER, vlan INTEGER,"
    " proto INTEGER, cli BLOB, cport INTEGER, srv BLOB, sport INTEGER,"
    " cli_mac INTEGER, srv_mac INTEGER, app INTEGER, name INTEGER,"
    " bytes_cs INTEGER, bytes_sc INTEGER, pkts_cs INTEGER, pkts_sc INTEGER,"
    " local INTEGER, asn INTEGER, country INTEGER, cli_name INTEGER);"
    "INSERT INTO apps VALUES (1, 'TLS.Google', 'Web'), (2, 'DNS', 'Network'),"
    " (3, 'TLS', 'Web'), (4, 'QUIC.Netflix', 'Streaming');"
    "INSERT INTO names VALUES (1, 'www.google.com'),"
    " (2, 'nrdp.NETFLIX.com'), (3, 'laptop');"
    "INSERT INTO macs VALUES (1, X'AABBCCDDEEFF', 'Apple'),"
    " (2, X'001122334455', NULL);"
    "INSERT INTO asns VALUES (15169, 'Google'), (2906, 'Netflix');"
    /* 1: lan v4 client to Google over TLS */
    "INSERT INTO flows VALUES (0, 2000000, 0, 6, X'C0A80197', 50000,"
    " X'8EFAB80E', 443, 1, 2, 1, 1, 500, 4000, 5, 6, 1, 15169, 21843, 3);"
    /* 2: another lan client, same service */
    "INSERT INTO flows VALUES (0, 1000000, 0, 6, X'C0A8010A', 50001,"
    " X'8EFAB80E', 443, 2, 2, 3, 1, 100, 200, 2, 2, 1, 15169, 21843, NULL);"
    /* 3: DNS inside the lan */
    "INSERT INTO flows VALUES (0, 1000, 10, 17, X'C0A8010A', 5353,"
    " X'C0A80101', 53, 2, 2, 2, NULL, 80, 120, 1, 1, 3, NULL, NULL, NULL);"
    /* 4: IPv6 client to Netflix over QUIC */
    "INSERT INTO flows VALUES (0, 600000000, 0, 17,"
    " X'20010DB8000100000000000000000005', 40000,"
    " X'2A0298C0000000000000000000000001', 443, 1, 2, 4, 2, 900, 9000000,"
    " 10, 7000, 1, 2906, 21843, 3);"
    /* flows 3 came in on eth0; the laptop is MAC 1 */
    "ALTER TABLE flows ADD COLUMN iface INTEGER;"
    "UPDATE flows SET iface = 1 WHERE vlan = 10;"
    "CREATE TABLE ifaces(id INTEGER PRIMARY KEY, name TEXT UNIQUE);"
    "INSERT INTO ifaces VALUES (1, 'eth0'), (2, 'wlan0');"
    "CREATE TABLE devices(id INTEGER PRIMARY KEY, mac INTEGER UNIQUE,"
    " name TEXT);"
    "INSERT INTO devices VALUES (1, 1, 'Laptop');"
    /* one minute of series rows (kind, key), each kind with its other */
    "CREATE TABLE s(kind INTEGER, key);"
    "INSERT INTO s VALUES (1, 'eth0'), (1, 'wlan0'), (1, -1),"
    " (2, 6), (2, 17), (2, -1),"
    " (3, 'TLS'), (3, 'TLS.Google'), (3, 'DNS'), (3, ''), (3, -1),"
    " (4, X'C0A80197'), (4, X'C0A8010A'), (4, -1),"
    " (5, X'8EFAB80E'), (5, X'2A0298C0000000000000000000000001'), (5, -1),"
    " (6, X'AABBCCDDEEFF'), (6, X'001122334455'), (6, -1),"
    " (7, 15169), (7, 0), (7, -1), (8, 21843), (8, 17477), (8, -1);";

/* The `kind` values a series filter of k reads, as query_series.c has them. */
static const char *
series_kinds(enum query_series_kind k)
{
	static const char *const kinds[] = { [QUERY_SERIES_IFACE] = "1",
		[QUERY_SERIES_PROTO] = "2", [QUERY_SERIES_APP] = "3",
		[QUERY_SERIES_HOST] = "4, 5", [QUERY_SERIES_MAC] = "6",
		[QUERY_SERIES_ASN] = "7", [QUERY_SERIES_COUNTRY] = "8" };

	return kinds[k] ? kinds[k] : "0";
}

/* The rows expr selects: flow records, or series rows of the kinds it reads. */
static int
count_rows(sqlite3 *db, const char *expr, bool series)
{
	char sql[2048];
	struct ft_err err = { 0 };
	struct filter *f;
	const struct query_where *w;
	sqlite3_stmt *st = NULL;
	enum query_series_kind sk = QUERY_SERIES_IFACE;
	int n = -1;

	if (series ? filter_compile_series(expr, &f, &sk, &err) :
	    filter_compile(expr, &f, &err)) {
		UT_FAILF("'%s': %s", expr, err.msg);
		return -1;
	}
	w = filter_where(f);
	if (series)
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM s WHERE kind "
		    "IN (%s) AND %s", series_kinds(sk), w->sql);
	else
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM flows f"
		    " LEFT JOIN apps a ON a.id = f.app"
		    " LEFT JOIN names n ON n.id = f.name"
		    " LEFT JOIN names cn ON cn.id = f.cli_name"
		    " LEFT JOIN macs mc ON mc.id = f.cli_mac"
		    " LEFT JOIN asns s ON s.asn = f.asn WHERE %s", w->sql);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		UT_FAILF("'%s': %s", expr, sqlite3_errmsg(db));
		goto out_free;
	}
	for (size_t i = 0; i < w->n_vals; i++) {
		const struct query_value *v = &w->vals[i];
		int k = (int)i + 1;

		if (v->type == QUERY_INT)
			sqlite3_bind_int64(st, k, v->i);
		else if (v->type == QUERY_TEXT)
			sqlite3_bind_text(st, k, v->p, (int)v->len, SQLITE_STATIC);
		else
			sqlite3_bind_blob(st, k, v->p, (int)v->len, SQLITE_STATIC);
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
out_free:
	filter_free(f);
	return n;
}

struct count_case {
	const char *expr;
	int n;			/* rows it selects */
};

/* Each case's expression against the schema, for flows or series rows. */
static void
check_counts(const struct count_case *c, size_t n_cases, bool series)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	UT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
	if (sqlite3_exec(db, schema, NULL, NULL, &msg) != SQLITE_OK) {
		UT_FAILF("schema: %s", msg);
		sqlite3_free(msg);
		goto out_close;
	}
	for (size_t i = 0; i < n_cases; i++) {
		int n = count_rows(db, c[i].expr, series);

		if (n != c[i].n)
			UT_FAILF("'%s' selected %d rows, expected %d",
			    c[i].expr, n, c[i].n);
	}
out_close:
	sqlite3_close(db);
}

static void
compiled_filters_select_the_right_rows_in_sqlite(void)
{
	static const struct count_case c[] = {
		{ "src net 192.168.1.0/24 and not host 192.168.1.151 and "
		  "dst port 443", 1 },
		{ "src net 192.168.1.0/24", 3 },
		{ "net 192.168.0.0/16", 3 },
		{ "dst net 192.168.1.0/24", 1 },
		{ "src net 2001:db8::/32", 1 },
		{ "net 2001:db8:1::/48", 1 },
		{ "net 2001:db8:2::/48", 0 },
		{ "dst host 2a02:98c0::1", 1 },
		{ "net 0.0.0.0/0", 3 },
		{ "app TLS", 2 },
		{ "app tls", 2 },
		{ "app Google", 1 },
		{ "app Netflix", 1 },
		{ "app DNS", 1 },
		{ "category web", 2 },
		{ "name *.netflix.com", 1 },
		{ "name www.google.com", 2 },
		{ "name *google*", 2 },
		{ "bytes > 1k", 2 },
		{ "bytes >= 4500", 1 + 1 },
		{ "bytes > 1MiB", 1 },
		{ "packets < 3", 1 },
		{ "duration >= 1s", 3 },
		{ "duration > 5m", 1 },
		{ "proto udp", 2 },
		{ "port 53", 1 },
		{ "vlan 10", 1 },
		{ "local", 1 },
		{ "remote", 3 },
		{ "src local and dst remote", 3 },
		{ "asn 15169", 2 },
		{ "country us", 3 },
		{ "vendor apple", 2 },
		{ "mac aa:bb:cc:dd:ee:ff", 2 },
		{ "src mac 00:11:22:33:44:55", 2 },
		{ "not (proto udp or app tls)", 0 },
		{ "proto tcp or proto udp and vlan 10", 3 },
		{ "device laptop", 2 },
		{ "device nas", 0 },
		{ "iface eth0", 1 },
		{ "iface wlan0", 0 },
	};

	check_counts(c, sizeof(c) / sizeof(c[0]), false);
}

static void
series_filters_select_keys_and_never_the_other_row(void)
{
	static const struct count_case c[] = {
		{ "host 192.168.1.151", 1 },
		{ "net 192.168.0.0/16", 2 },
		{ "net 0.0.0.0/0", 3 },
		{ "net ::/0", 1 },
		{ "local", 2 },
		{ "remote", 2 },
		{ "not local", 2 },
		{ "net 192.168.0.0/16 and remote", 0 },
		{ "not host 192.168.1.151", 3 },
		{ "app TLS", 2 },
		{ "not app TLS", 2 },
		{ "app TLS or app DNS", 3 },
		{ "category web", 2 },
		{ "proto udp", 1 },
		{ "not proto udp", 1 },
		{ "mac 00:11:22:33:44:55", 1 },
		{ "vendor apple", 1 },
		{ "device LAPTOP", 1 },
		{ "not device laptop", 1 },
		{ "asn 15169", 1 },
		{ "not asn 15169", 1 },
		{ "country us", 1 },
		{ "not country us", 1 },
		{ "iface eth0", 1 },
		{ "not iface eth0", 1 },
	};

	check_counts(c, sizeof(c) / sizeof(c[0]), true);
}

int
main(void)
{
	UT_RUN(compiled_filters_select_the_right_rows_in_sqlite);
	UT_RUN(series_filters_select_keys_and_never_the_other_row);
	return UT_DONE();
}
