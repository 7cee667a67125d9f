/* test_store.c: schema, migrations, batches, failures, enrichment, devices */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../src/base/ft_log.h"
#include "../../src/base/ft_proto.h"
#include "../../src/store/store_int.h"
#include "ut.h"
#include "../lib/qfix.h"

static char tmpdir[64];		/* per-process scratch directory */
static char dbpath[128];	/* store file of the running case */

#define fresh_path(name) qfix_fresh_db(tmpdir, (name), dbpath, sizeof(dbpath))

static struct ft_flowrec
mkrec(uint64_t id, uint64_t t_us, const char *cli, const char *srv,
    uint16_t cport, uint16_t sport)
{
	struct ft_flowrec r;

	memset(&r, 0, sizeof(r));
	r.flow_id = id;
	r.first_us = t_us;
	r.last_us = t_us + 1500;
	r.start_us = t_us;
	r.ip_ver = strchr(cli, ':') ? 6 : 4;
	inet_pton(r.ip_ver == 4 ? AF_INET : AF_INET6, cli, r.cli);
	inet_pton(r.ip_ver == 4 ? AF_INET : AF_INET6, srv, r.srv);
	r.proto = 6;
	r.cport = cport;
	r.sport = sport;
	r.bytes[0] = 100 + id;
	r.bytes[1] = 2000 + id;
	r.pkts[0] = 2;
	r.pkts[1] = 3;
	r.tcp_flags[0] = 0x1b;
	r.tcp_flags[1] = 0x12;
	r.end = FT_END_TCP;
	r.flags = FT_REC_FINAL;
	return r;
}

static struct store *
open_rw(const char *path, uint32_t interval_s)
{
	struct store_opts o = { .path = path, .commit_interval_s = interval_s,
	    .command = "test" };
	struct ft_err err = { 0 };
	struct store *st = NULL;

	if (store_open(&o, &st, &err))
		UT_FAILF("store_open %s: %s", path, err.msg);
	return st;
}

/* An integer from a one-value query on a fresh read-only connection. */
static int64_t
peek_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int64_t v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -2;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return v;
}

/* First column of a one-row query on db as text, into buf. */
static const char *
query_text(sqlite3 *db, const char *sql, char *buf, size_t cap)
{
	sqlite3_stmt *s;

	snprintf(buf, cap, "(no row)");
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		snprintf(buf, cap, "(error: %s)", sqlite3_errmsg(db));
		return buf;
	}
	if (sqlite3_step(s) == SQLITE_ROW)
		snprintf(buf, cap, "%s", sqlite3_column_text(s, 0) ?
		    (const char *)sqlite3_column_text(s, 0) : "(null)");
	sqlite3_finalize(s);
	return buf;
}

static void
records_written_to_a_file_read_back_equal_through_sql(void)
{
	struct store *st = open_rw(fresh_path("roundtrip"), 60);
	struct ft_flowrec r[2];
	struct ft_err err = { 0 };
	char buf[512];
	sqlite3 *db;

	r[0] = mkrec(7, 1700000000123456ull, "192.168.1.10", "93.184.216.34",
	    51000, 443);
	memcpy(r[0].cli_mac, "\x00\x11\x22\x33\x44\x55", 6);
	memcpy(r[0].srv_mac, "\xaa\xbb\xcc\xdd\xee\xff", 6);
	snprintf(r[0].app, sizeof(r[0].app), "TLS.Google");
	snprintf(r[0].category, sizeof(r[0].category), "Web");
	snprintf(r[0].server_name, sizeof(r[0].server_name), "www.google.com");
	r[0].vlan = 42;
	r[1] = mkrec(8, 1700000001000000ull, "2001:db8::1", "2001:db8:0:1::53",
	    40000, 53);
	r[1].proto = 17;
	r[1].end = FT_END_ACTIVE;
	r[1].flags = 0;
	UT_EQ(store_set_iface(st, 0, "eth0", &err), 0);
	UT_EQ(store_append(st, r, 2, &err), 0);
	UT_EQ(store_commit(st, &err), 0);
	db = store_db(st);
	UT_STREQ(query_text(db, "SELECT printf('%d|%d|%d|%d|%d|%d|%s|%d|%s|%d|"
	    "%d|%d|%d|%d|%d|%d|%d|%d', run, flow, first_us, last_us, start_us,"
	    " vlan, hex(cli), cport, hex(srv), sport, bytes_cs, bytes_sc, "
	    "pkts_cs, pkts_sc, tcp_cs, tcp_sc, end_reason, flags) FROM flows "
	    "WHERE flow = 7", buf, sizeof(buf)),
	    "1|7|1700000000123456|1700000000124956|1700000000123456|42|"
	    "C0A8010A|51000|5DB8D822|443|107|2007|2|3|27|18|2|1");
	UT_STREQ(query_text(db, "SELECT client || ' ' || server || ' ' || "
	    "client_mac || ' ' || server_mac || ' ' || app || ' ' || category "
	    "|| ' ' || server_name || ' ' || iface || ' ' || proto || ' ' || "
	    "first || ' ' || end_reason FROM flows_v WHERE flow = 7", buf,
	    sizeof(buf)), "192.168.1.10 93.184.216.34 00:11:22:33:44:55 "
	    "aa:bb:cc:dd:ee:ff TLS.Google Web www.google.com eth0 tcp "
	    "2023-11-14T22:13:20.123456Z tcp");
	UT_STREQ(query_text(db, "SELECT client || ' ' || server || ' ' || "
	    "proto || ' ' || coalesce(app, 'null') || ' ' || "
	    "coalesce(client_mac, 'null') || ' ' || duration_s || ' ' || "
	    "end_reason FROM flows_v WHERE flow = 8", buf, sizeof(buf)),
	    "2001:db8:0:0:0:0:0:1 2001:db8:0:1:0:0:0:53 udp null null "
	    "0.0015 active");
	store_close(st);
}

static void
the_tunnel_column_round_trips_and_the_view_names_it(void)
{
	static const uint8_t tunnels[] = { 0, 4, 17, 41, 47 };
	struct store *st = open_rw(fresh_path("tunnel"), 60);
	struct ft_flowrec r[5];
	struct ft_err err = { 0 };
	char buf[256];
	size_t i;

	for (i = 0; i < 5; i++) {
		r[i] = mkrec(i + 1, 1700000000000000ull + i, "10.0.0.1",
		    "10.0.0.2", (uint16_t)(40000 + i), 443);
		r[i].tunnel = tunnels[i];
	}
	UT_EQ(store_append(st, r, 5, &err), 0);
	UT_EQ(store_commit(st, &err), 0);
	UT_STREQ(query_text(store_db(st), "SELECT group_concat(tunnel, ',') "
	    "FROM (SELECT tunnel FROM flows ORDER BY flow)", buf,
	    sizeof(buf)), "0,4,17,41,47");
	UT_STREQ(query_text(store_db(st), "SELECT group_concat("
	    "coalesce(tunnel, 'null'), ',') FROM (SELECT tunnel FROM flows_v "
	    "ORDER BY flow)", buf, sizeof(buf)), "null,ipip,udp,ipv6,gre");
	store_close(st);
}

/* Every number 0..255 through the store: the view prints the table's name. */
static void
the_view_names_every_protocol_as_the_one_table_does(void)
{
	struct store *st = open_rw(fresh_path("protos"), 60);
	struct ft_flowrec *r = calloc(256, sizeof(*r));
	struct ft_err err = { 0 };
	char want[16], sql[128], buf[64];
	int n, back;

	if (!r) {
		UT_FAILF("out of memory");
		return;
	}
	for (n = 0; n < 256; n++) {
		r[n] = mkrec((uint64_t)n + 1, 1700000000000000ull + (uint64_t)n,
		    "10.0.0.1", "10.0.0.2", 40000, 443);
		r[n].proto = (uint8_t)n;
	}
	UT_EQ(store_append(st, r, 256, &err), 0);
	UT_EQ(store_commit(st, &err), 0);
	for (n = 0; n < 256; n++) {
		const char *name = ft_proto_name(n);

		snprintf(want, sizeof(want), "%d", n);
		snprintf(sql, sizeof(sql), "SELECT proto FROM flows_v WHERE "
		    "flow = %d", n + 1);
		UT_STREQ(query_text(store_db(st), sql, buf, sizeof(buf)),
		    name ? name : want);
		back = -1;
		UT_EQ(ft_proto_parse(name ? name : want,
		    strlen(name ? name : want), &back), 0);
		UT_EQ(back, n);
	}
	UT_EQ(ft_proto_parse("SCTP", 4, &back), 0);
	UT_EQ(back, 132);
	UT_EQ(ft_proto_parse("256", 3, &back), -FT_EPARSE);
	UT_EQ(ft_proto_parse("tcpx", 4, &back), -FT_EPARSE);
	UT_EQ(ft_proto_parse("", 0, &back), -FT_EPARSE);
	free(r);
	store_close(st);
}

static void
dictionaries_store_each_mac_app_name_and_iface_once(void)
{
	struct store *st = open_rw(fresh_path("dict"), 60);
	struct ft_flowrec r[300];
	struct store_stats ss;
	struct ft_err err = { 0 };
	int i;

	for (i = 0; i < 300; i++) {
		r[i] = mkrec((uint64_t)i, 1700000000000000ull + (uint64_t)i,
		    "10.0.0.1", "10.0.0.2", 1000, 80);
		r[i].iface = (uint8_t)(i % 2);
		memcpy(r[i].cli_mac, "\x02\x00\x00\x00\x00", 5);
		r[i].cli_mac[5] = (uint8_t)(i % 3 + 1);
		snprintf(r[i].app, sizeof(r[i].app), "%s", i % 2 ? "HTTP" :
		    "DNS");
		snprintf(r[i].category, sizeof(r[i].category), "Web");
		snprintf(r[i].server_name, sizeof(r[i].server_name),
		    "host%d.example", i % 5);
	}
	UT_EQ(store_set_iface(st, 0, "eth0", &err), 0);
	UT_EQ(store_set_iface(st, 1, "wlan0", &err), 0);
	UT_EQ(store_append(st, r, 150, &err), 0);
	UT_EQ(store_commit(st, &err), 0);
	UT_EQ(store_append(st, r + 150, 150, &err), 0);
	store_get_stats(st, &ss);
	store_close(st);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows"), 300);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM macs"), 3);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM apps"), 2);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM names"), 5);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM ifaces"), 2);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows WHERE srv_mac IS "
	    "NOT NULL"), 0);
	UT_EQ(ss.dict_misses, 3 + 2 + 5);
	UT_EQ(ss.dict_hits, 300 * 3 - 10);
}

static void
dictionary_ids_stay_right_when_the_cache_overflows(void)
{
	struct store *st = open_rw(fresh_path("overflow"), 3600);
	struct ft_flowrec *r = calloc(1000, sizeof(*r));
	struct store_stats ss;
	struct ft_err err = { 0 };
	int i, j;

	for (j = 0; j < 30; j++) {
		for (i = 0; i < 1000; i++) {
			int k = j * 1000 + i;

			r[i] = mkrec((uint64_t)k, 1700000000000000ull,
			    "10.0.0.1", "10.0.0.2", 1, 2);
			snprintf(r[i].server_name, sizeof(r[i].server_name),
			    "n%d", k % 9000 < 4000 ? k % 9000 : k % 20000);
		}
		UT_EQ(store_append(st, r, 1000, &err), 0);
	}
	store_get_stats(st, &ss);
	store_close(st);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows f JOIN names n ON "
	    "n.id = f.name WHERE n.name <> 'n' || CASE WHEN f.flow % 9000 < "
	    "4000 THEN f.flow % 9000 ELSE f.flow % 20000 END"), 0);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows WHERE name IS NULL"),
	    0);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM names"),
	    peek_int(dbpath, "SELECT count(DISTINCT name) FROM flows"));
	UT_ASSERT(ss.dict_hits > 0 && ss.dict_misses > 9000);
	free(r);
}

static void
a_new_store_is_in_wal_mode_with_the_current_user_version(void)
{
	struct store *st = open_rw(fresh_path("wal"), 60);
	char buf[64];

	UT_STREQ(query_text(store_db(st), "PRAGMA journal_mode", buf,
	    sizeof(buf)), "wal");
	UT_STREQ(query_text(store_db(st), "PRAGMA synchronous", buf,
	    sizeof(buf)), "1");
	store_close(st);
	UT_EQ(peek_int(dbpath, "PRAGMA user_version"), store_schema_version());
	UT_EQ(peek_int(dbpath, "PRAGMA application_id"), STORE_APP_ID);
	UT_EQ(store_schema_version(), 5);
}

static void
read_only_open_of_a_missing_file_fails_with_a_clear_message(void)
{
	struct store_opts o = { .path = fresh_path("missing"),
	    .read_only = true };
	struct ft_err err = { 0 };
	struct store *st = NULL;
	char want[256];

	UT_EQ(store_open(&o, &st, &err), -FT_ENOENT);
	UT_ASSERT(st == NULL);
	snprintf(want, sizeof(want), "no store at %s: run `flowtrail ingest` "
	    "or `flowtrail run` first", dbpath);
	UT_STREQ(err.msg, want);
	UT_EQ(access(dbpath, F_OK), -1);
}

static void
read_only_open_reads_a_store_while_a_writer_holds_a_batch(void)
{
	struct store *st = open_rw(fresh_path("ro"), 3600);
	struct store_opts o = { .path = dbpath, .read_only = true };
	struct ft_flowrec r = mkrec(1, 1700000000000000ull, "10.0.0.1",
	    "10.0.0.2", 1, 2);
	struct ft_err err = { 0 };
	struct store *ro = NULL;

	UT_EQ(store_append(st, &r, 1, &err), 0);
	UT_EQ(store_commit(st, &err), 0);
	UT_EQ(store_append(st, &r, 1, &err), 0);
	UT_EQ(store_open(&o, &ro, &err), 0);
	if (ro) {
		char buf[32];

		UT_STREQ(query_text(store_db(ro), "SELECT count(*) FROM flows",
		    buf, sizeof(buf)), "1");
		UT_EQ(store_append(ro, &r, 1, &err), -FT_EPERM);
		UT_EQ(sqlite3_exec(store_db(ro), "DELETE FROM flows", NULL,
		    NULL, NULL) == SQLITE_OK, 0);
	}
	store_close(ro);
	store_close(st);
}

static void
opens_refuse_a_store_with_a_newer_schema(void)
{
	struct store *st = open_rw(fresh_path("newer"), 60);
	struct store_opts o = { .path = dbpath };
	struct ft_err err = { 0 };
	struct store *st2 = NULL;

	sqlite3_exec(store_db(st), "PRAGMA user_version = 99", NULL, NULL,
	    NULL);
	store_close(st);
	UT_EQ(store_open(&o, &st2, &err), -FT_ENOTSUP);
	UT_ASSERT(strstr(err.msg, "schema version 99, newer") != NULL);
	o.read_only = true;
	UT_EQ(store_open(&o, &st2, &err), -FT_ENOTSUP);
	UT_ASSERT(strstr(err.msg, "upgrade flowtrail") != NULL);
	UT_EQ(peek_int(dbpath, "PRAGMA user_version"), 99);
}

static void
a_foreign_sqlite_file_is_refused(void)
{
	struct store_opts o = { .path = fresh_path("foreign") };
	struct ft_err err = { 0 };
	struct store *st = NULL;
	sqlite3 *db;

	sqlite3_open(dbpath, &db);
	sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL);
	sqlite3_close(db);
	UT_EQ(store_open(&o, &st, &err), -FT_EINVAL);
	UT_ASSERT(strstr(err.msg, "not a flowtrail store") != NULL);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM sqlite_schema"), 1);
}

#define MIG_MAX 16	/* migration steps a test list can hold */

/* The program's steps plus one future step (version N + 1) with sql. */
static size_t
list_with_next(struct store_migration *list, const char *sql)
{
	size_t i;

	for (i = 0; i < store_n_migrations && i + 1 < MIG_MAX; i++)
		list[i] = store_migrations[i];
	list[i].version = store_schema_version() + 1;
	list[i].sql = sql;
	return i + 1;
}

/* A future step, as version N + 1 might look. */
static const char fake_next_step[] =
	"ALTER TABLE flows ADD COLUMN future INTEGER;"
	"CREATE TABLE futures (id INTEGER PRIMARY KEY, note TEXT NOT NULL);";

static void
migration_from_an_older_version_keeps_rows(void)
{
	struct store_migration list[MIG_MAX];
	size_t n = list_with_next(list, fake_next_step);
	struct store *st = open_rw(fresh_path("migrate"), 0);
	struct ft_flowrec r = mkrec(5, 1700000000000000ull, "10.0.0.1",
	    "10.0.0.2", 1, 2);
	struct ft_err err = { 0 };
	sqlite3 *db;

	UT_EQ(store_append(st, &r, 1, &err), 0);
	store_close(st);
	UT_EQ(peek_int(dbpath, "PRAGMA user_version"), store_schema_version());
	sqlite3_open(dbpath, &db);
	UT_EQ(store_migrate_list(db, dbpath, list, n, &err), 0);
	UT_EQ(store_migrate_list(db, dbpath, list, n, &err), 0);
	sqlite3_close(db);
	UT_EQ(peek_int(dbpath, "PRAGMA user_version"),
	    store_schema_version() + 1);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows WHERE flow = 5 AND "
	    "future IS NULL"), 1);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM futures"), 0);
}

static void
a_failing_migration_step_keeps_the_old_version_and_rows(void)
{
	struct store_migration list[MIG_MAX];
	size_t n = list_with_next(list, "ALTER TABLE flows ADD COLUMN x "
	    "INTEGER; SELECT nonsense(");
	struct store *st = open_rw(fresh_path("migfail"), 0);
	struct ft_flowrec r = mkrec(5, 1700000000000000ull, "10.0.0.1",
	    "10.0.0.2", 1, 2);
	struct ft_err err = { 0 };
	sqlite3 *db;

	UT_EQ(store_append(st, &r, 1, &err), 0);
	store_close(st);
	sqlite3_open(dbpath, &db);
	UT_EQ(store_migrate_list(db, dbpath, list, n, &err), -FT_EDB);
	UT_ASSERT(strstr(err.msg, "cannot upgrade store") != NULL);
	sqlite3_close(db);
	UT_EQ(peek_int(dbpath, "PRAGMA user_version"), store_schema_version());
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows"), 1);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM pragma_table_info('flows')"
	    " WHERE name = 'x'"), 0);
}

/* Rows as flowtrail 1 (schema version 1) wrote them. */
static const char v1_rows[] =
	"INSERT INTO runs (id, start_us, command) VALUES "
	"(1, 1690000000000000, 'ingest old.pcap');"
	"INSERT INTO ifaces (id, name) VALUES (1, 'eth0');"
	"INSERT INTO macs (id, mac) VALUES (1, X'001122334455'),"
	" (2, X'AABBCCDDEEFF');"
	"INSERT INTO apps (id, name, category) VALUES (1, 'TLS.Google', 'Web');"
	"INSERT INTO names (id, name) VALUES (1, 'www.google.com');"
	"INSERT INTO flows (run, flow, first_us, last_us, start_us, iface, "
	"vlan, proto, tunnel, cli, cport, srv, sport, cli_mac, srv_mac, app, "
	"name, bytes_cs, bytes_sc, pkts_cs, pkts_sc, tcp_cs, tcp_sc, "
	"end_reason, flags) VALUES "
	"(1, 7, 1700000000123456, 1700000000124956, 1700000000123456, 1, 42, "
	"6, 0, X'C0A8010A', 51000, X'5DB8D822', 443, 1, 2, 1, 1, 107, 2007, "
	"2, 3, 27, 18, 2, 1),"
	"(1, 8, 1700000001000000, 1700000001001500, 1700000001000000, NULL, 0,"
	" 17, 0, X'20010DB8000000000000000000000001', 40000, "
	"X'20010DB8000000010000000000000053', 53, NULL, NULL, NULL, NULL, 100,"
	" 200, 1, 1, 0, 0, 0, 0);";

/* A store file at schema version 1 with two flows, as users have them. */
static void
make_v1_store(const char *path)
{
	struct ft_err err = { 0 };
	sqlite3 *db;

	sqlite3_open(path, &db);
	sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	UT_EQ(store_migrate_list(db, path, store_migrations, 1, &err), 0);
	UT_EQ(sqlite3_exec(db, v1_rows, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	UT_EQ(peek_int(path, "PRAGMA user_version"), 1);
}

static void
migration_2_upgrades_a_version_1_file_and_keeps_its_rows(void)
{
	struct store_opts o = { .path = fresh_path("v1"), .read_only = true };
	struct ft_flowrec r = mkrec(9, 1700000002000000ull, "10.0.0.1",
	    "10.0.0.2", 1, 2);
	struct ft_err err = { 0 };
	struct store *st = NULL;
	char buf[512];

	make_v1_store(dbpath);
	UT_EQ(store_open(&o, &st, &err), -FT_ENOTSUP);
	snprintf(buf, sizeof(buf), "older than %d: open it once",
	    store_schema_version());
	UT_ASSERT(strstr(err.msg, buf) != NULL);
	st = open_rw(dbpath, 60);
	UT_EQ(peek_int(dbpath, "PRAGMA user_version"),
	    store_schema_version());
	UT_STREQ(query_text(store_db(st), "SELECT group_concat(printf('%d|%d|"
	    "%s|%s|%s|%s|%d|%d|%d', flow, vlan, client, server, "
	    "coalesce(client_mac, '-'), coalesce(server_name, '-'), bytes_cs, "
	    "bytes_sc, flags), ' ') FROM (SELECT * FROM flows_v ORDER BY flow)",
	    buf, sizeof(buf)), "7|42|192.168.1.10|93.184.216.34|"
	    "00:11:22:33:44:55|www.google.com|107|2007|1 8|0|"
	    "2001:db8:0:0:0:0:0:1|2001:db8:0:1:0:0:0:53|-|-|100|200|0");
	UT_STREQ(query_text(store_db(st), "SELECT group_concat(printf('%d %s "
	    "%s %d %s %d', local, coalesce(asn, 'null'), coalesce(country, "
	    "'null'), name_src, coalesce(cli_name, 'null'), cli_name_src), ',')"
	    " FROM flows", buf, sizeof(buf)), "0 null null 0 null 0,"
	    "0 null null 0 null 0");
	UT_STREQ(query_text(store_db(st), "SELECT printf('%s %s %s %s %s %s', "
	    "coalesce(org, 'null'), coalesce(country, 'null'), "
	    "coalesce(client_name, 'null'), coalesce(server_name_src, 'null'), "
	    "coalesce(client_vendor, 'null'), coalesce(device, 'null')) FROM "
	    "flows_v WHERE flow = 7", buf, sizeof(buf)),
	    "null null null null null null");
	UT_STREQ(query_text(store_db(st), "SELECT (SELECT count(*) FROM asns) "
	    "|| (SELECT count(*) FROM devices) || (SELECT count(*) FROM "
	    "device_addrs) || (SELECT count(*) FROM macs WHERE vendor IS NULL)",
	    buf, sizeof(buf)), "0002");
	UT_EQ(store_append(st, &r, 1, &err), 0);
	store_close(st);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows"), 3);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM runs"), 2);
	UT_EQ(peek_int(dbpath, "SELECT max(run) FROM flows"), 2);
	UT_EQ(store_open(&o, &st, &err), 0);
	store_close(st);
}

static void
commit_interval_zero_commits_every_append(void)
{
	struct store *st = open_rw(fresh_path("interval0"), 0);
	struct ft_flowrec r = mkrec(1, 1700000000000000ull, "10.0.0.1",
	    "10.0.0.2", 1, 2);
	struct ft_err err = { 0 };

	UT_EQ(store_append(st, &r, 1, &err), 0);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows"), 1);
	UT_EQ(store_append(st, &r, 1, &err), 0);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows"), 2);
	store_close(st);
}

static void
a_long_interval_holds_rows_until_commit_or_close(void)
{
	struct store *st = open_rw(fresh_path("interval"), 3600);
	struct ft_flowrec r = mkrec(1, 1700000000000000ull, "10.0.0.1",
	    "10.0.0.2", 1, 2);
	struct ft_err err = { 0 };

	UT_EQ(store_append(st, &r, 1, &err), 0);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows"), 0);
	UT_EQ(store_commit(st, &err), 0);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows"), 1);
	UT_EQ(store_append(st, &r, 1, &err), 0);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows"), 1);
	store_close(st);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows"), 2);
}

static void
a_batch_older_than_the_interval_commits_on_the_next_tick(void)
{
	struct store *st = open_rw(fresh_path("age"), 1);
	struct ft_flowrec r = mkrec(1, 1700000000000000ull, "10.0.0.1",
	    "10.0.0.2", 1, 2);
	struct ft_err err = { 0 };

	UT_EQ(store_append(st, &r, 1, &err), 0);
	UT_EQ(store_append(st, NULL, 0, &err), 0);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows"), 0);
	usleep(1100 * 1000);
	UT_EQ(store_append(st, NULL, 0, &err), 0);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows"), 1);
	store_close(st);
}

static void
a_batch_reaching_its_row_ceiling_commits(void)
{
	struct store_opts o = { .path = fresh_path("ceiling"),
	    .commit_interval_s = 3600, .batch_max_rows = 10 };
	struct ft_flowrec r[25];
	struct store_stats ss;
	struct ft_err err = { 0 };
	struct store *st = NULL;
	int i;

	for (i = 0; i < 25; i++)
		r[i] = mkrec((uint64_t)i, 1700000000000000ull, "10.0.0.1",
		    "10.0.0.2", 1, 2);
	UT_EQ(store_open(&o, &st, &err), 0);
	UT_EQ(store_append(st, r, 25, &err), 0);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows"), 20);
	store_get_stats(st, &ss);
	UT_EQ(ss.commits, 2);
	store_close(st);
}

static void
flow_ids_of_two_runs_stay_apart(void)
{
	struct store_opts o = { .path = fresh_path("runs"),
	    .command = "ingest a.pcap" };
	struct ft_flowrec r = mkrec(1, 1700000000000000ull, "10.0.0.1",
	    "10.0.0.2", 1, 2);
	struct ft_err err = { 0 };
	struct store *st = NULL;

	UT_EQ(store_open(&o, &st, &err), 0);
	UT_EQ(store_append(st, &r, 1, &err), 0);
	store_close(st);
	o.command = "ingest b.pcap";
	UT_EQ(store_open(&o, &st, &err), 0);
	UT_EQ(store_append(st, &r, 1, &err), 0);
	store_close(st);
	o.command = "opened, nothing written";
	UT_EQ(store_open(&o, &st, &err), 0);
	store_close(st);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM runs"), 2);
	UT_EQ(peek_int(dbpath, "SELECT count(DISTINCT run) FROM flows WHERE "
	    "flow = 1"), 2);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM runs WHERE command = "
	    "'ingest b.pcap' AND id = 2 AND start_us > 1600000000000000"), 1);
}

static void
a_full_disk_returns_eio_and_keeps_earlier_commits_intact(void)
{
	struct store *st = open_rw(fresh_path("full"), 0);
	struct ft_flowrec *r = calloc(5000, sizeof(*r));
	struct store_stats ss;
	struct ft_err err = { 0 };
	char sql[64], buf[64];
	int64_t pages;
	int i;

	for (i = 0; i < 5000; i++) {
		r[i] = mkrec((uint64_t)i, 1700000000000000ull + (uint64_t)i,
		    "10.0.0.1", "10.0.0.2", 1, 2);
		snprintf(r[i].server_name, sizeof(r[i].server_name),
		    "host-%d.example.com", i);
	}
	UT_EQ(store_append(st, r, 10, &err), 0);
	pages = peek_int(dbpath, "PRAGMA page_count");
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld",
	    (long long)pages);
	sqlite3_exec(store_db(st), sql, NULL, NULL, NULL);
	UT_EQ(store_append(st, r + 10, 4990, &err), -FT_EIO);
	UT_ASSERT(strstr(err.msg, "full") != NULL);
	UT_ASSERT(strstr(err.msg, "4990 records and 0 series points of the open batch lost") !=
	    NULL);
	store_get_stats(st, &ss);
	UT_EQ(ss.rows_lost, 4990);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows"), 10);
	UT_STREQ(query_text(store_db(st), "PRAGMA integrity_check", buf,
	    sizeof(buf)), "ok");
	sqlite3_exec(store_db(st), "PRAGMA max_page_count = 1000000", NULL,
	    NULL, NULL);
	UT_EQ(store_append(st, r + 10, 4990, &err), 0);
	store_close(st);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows"), 5000);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM names"), 5000);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows f JOIN names n ON "
	    "n.id = f.name"), 5000);
	free(r);
}

/* A record from a local client with MAC mac (last byte varies). */
static struct ft_flowrec
mklocal(uint64_t id, uint64_t t_us, const char *cli, uint8_t mac_last,
    const char *name, uint8_t name_src)
{
	struct ft_flowrec r = mkrec(id, t_us, cli, strchr(cli, ':') ?
	    "2001:4860::8888" : "8.8.8.8", 50000, 443);

	r.local = FT_LOCAL_CLI;
	memcpy(r.cli_mac, "\x02\x00\x00\x00\x00", 5);
	r.cli_mac[5] = mac_last;
	memcpy(r.srv_mac, "\x02\x00\x00\x00\x00\xfe", 6);
	snprintf(r.cli_name, sizeof(r.cli_name), "%s", name);
	r.cli_name_src = name_src;
	return r;
}

static void
enrichment_columns_round_trip_and_the_view_shows_them_as_words(void)
{
	struct store *st = open_rw(fresh_path("enrich"), 60);
	struct ft_flowrec r[2];
	struct ft_err err = { 0 };
	char buf[512];

	r[0] = mklocal(1, 1700000000000000ull, "192.168.1.20", 1, "laptop",
	    FT_NAME_DHCP);
	r[0].asn = 15169;
	snprintf(r[0].as_org, sizeof(r[0].as_org), "GOOGLE");
	snprintf(r[0].country, sizeof(r[0].country), "US");
	snprintf(r[0].server_name, sizeof(r[0].server_name), "dns.google");
	r[0].srv_name_src = FT_NAME_SNI;
	snprintf(r[0].cli_vendor, sizeof(r[0].cli_vendor), "Apple");
	snprintf(r[0].srv_vendor, sizeof(r[0].srv_vendor), "TP-Link");
	r[1] = mkrec(2, 1700000001000000ull, "10.0.0.1", "10.0.0.2", 1, 2);
	r[1].srv_name_src = FT_NAME_DNS;	/* but no name: stored as 0 */
	r[1].cli_name_src = FT_NAME_LABEL;
	snprintf(r[1].country, sizeof(r[1].country), "X");
	UT_EQ(store_append(st, r, 2, &err), 0);
	UT_EQ(store_commit(st, &err), 0);
	UT_STREQ(query_text(store_db(st), "SELECT group_concat(printf('%d %s "
	    "%s %d %s %d', f.local, coalesce(f.asn, 'null'), "
	    "coalesce(f.country, 'null'), f.name_src, coalesce(n.name, "
	    "'null'), f.cli_name_src), ',') FROM flows f LEFT JOIN names n ON "
	    "n.id = f.cli_name", buf, sizeof(buf)),
	    "1 15169 21843 4 laptop 2,0 null null 0 null 0");
	UT_STREQ(query_text(store_db(st), "SELECT printf('%s|%s|%s|%s|%s|%s|"
	    "%s|%s|%s|%d', asn, org, country, client_name, client_name_src, "
	    "server_name_src, client_vendor, server_vendor, server_name, "
	    "local) FROM flows_v WHERE flow = 1", buf, sizeof(buf)),
	    "15169|GOOGLE|US|laptop|dhcp|sni|Apple|TP-Link|dns.google|1");
	UT_STREQ(query_text(store_db(st), "SELECT printf('%s', coalesce("
	    "country, 'null')) FROM flows_v WHERE flow = 2", buf, sizeof(buf)),
	    "null");
	store_close(st);
}

static void
asns_are_upserted_when_their_org_changes(void)
{
	struct store *st = open_rw(fresh_path("asns"), 60);
	struct ft_flowrec r[5];
	struct ft_err err = { 0 };
	char buf[256];
	int i;

	for (i = 0; i < 5; i++)
		r[i] = mkrec((uint64_t)i + 1, 1700000000000000ull, "10.0.0.1",
		    "8.8.8.8", 1, 53);
	r[0].asn = r[1].asn = r[2].asn = 15169;
	snprintf(r[0].as_org, sizeof(r[0].as_org), "Google LLC");
	snprintf(r[1].as_org, sizeof(r[1].as_org), "Google LLC");
	r[3].asn = 3320;
	snprintf(r[3].as_org, sizeof(r[3].as_org), "DTAG");
	UT_EQ(store_append(st, r, 5, &err), 0);	/* r[4]: no AS */
	UT_EQ(store_commit(st, &err), 0);
	UT_STREQ(query_text(store_db(st), "SELECT group_concat(asn || '=' || "
	    "org, ',') FROM (SELECT * FROM asns ORDER BY asn)", buf,
	    sizeof(buf)), "3320=DTAG,15169=Google LLC");
	snprintf(r[0].as_org, sizeof(r[0].as_org), "GOOGLE");
	UT_EQ(store_append(st, r, 1, &err), 0);
	UT_EQ(store_commit(st, &err), 0);
	UT_STREQ(query_text(store_db(st), "SELECT org FROM asns WHERE asn = "
	    "15169", buf, sizeof(buf)), "GOOGLE");
	store_close(st);
	st = open_rw(dbpath, 60);
	UT_EQ(store_append(st, r + 2, 1, &err), 0);	/* org unknown now */
	store_close(st);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM asns"), 2);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM asns WHERE asn = 15169 "
	    "AND org = 'GOOGLE'"), 1);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows WHERE asn IS "
	    "NULL"), 1);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows_v WHERE org = "
	    "'GOOGLE'"), 5);
}

static void
mac_vendors_are_kept_on_the_macs_and_updated_when_they_change(void)
{
	struct store *st = open_rw(fresh_path("vendors"), 60);
	struct ft_flowrec r = mklocal(1, 1700000000000000ull, "192.168.1.20",
	    1, "", 0);
	struct ft_err err = { 0 };
	char buf[256];

	snprintf(r.cli_vendor, sizeof(r.cli_vendor), "Apple");
	snprintf(r.srv_vendor, sizeof(r.srv_vendor), "AVM");
	UT_EQ(store_append(st, &r, 1, &err), 0);
	r.cli_vendor[0] = '\0';	/* unknown now: the known one stays */
	UT_EQ(store_append(st, &r, 1, &err), 0);
	UT_EQ(store_commit(st, &err), 0);
	UT_STREQ(query_text(store_db(st), "SELECT group_concat(lower(hex(mac))"
	    " || '=' || vendor, ',') FROM (SELECT * FROM macs ORDER BY id)",
	    buf, sizeof(buf)), "020000000001=Apple,0200000000fe=AVM");
	snprintf(r.srv_vendor, sizeof(r.srv_vendor), "AVM GmbH");
	UT_EQ(store_append(st, &r, 1, &err), 0);
	store_close(st);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM macs WHERE vendor = "
	    "'AVM GmbH'"), 1);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM devices WHERE vendor = "
	    "'Apple'"), 1);
}

static void
one_mac_with_an_ipv4_and_two_ipv6_addresses_is_one_device(void)
{
	struct store *st = open_rw(fresh_path("device"), 60);
	struct ft_flowrec r[6];
	struct ft_err err = { 0 };
	char buf[512];

	r[0] = mklocal(1, 1700000000000000ull, "192.168.1.20", 1, "", 0);
	r[1] = mklocal(2, 1700000100000000ull, "2001:db8::1234", 1, "", 0);
	r[2] = mklocal(3, 1700000200000000ull, "2001:db8::abcd", 1, "", 0);
	r[3] = mklocal(4, 1700000300000000ull, "192.168.1.20", 1, "", 0);
	r[4] = mklocal(5, 1700000400000000ull, "192.168.1.21", 2, "", 0);
	r[4].local = 0;				/* not local: no device */
	r[5] = mklocal(6, 1700000500000000ull, "192.168.1.22", 2, "", 0);
	memcpy(r[5].cli_mac, "\x01\x00\x5e\x00\x00\x01", 6); /* group */
	UT_EQ(store_append(st, r, 6, &err), 0);
	UT_EQ(store_commit(st, &err), 0);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM devices"), 1);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM device_addrs"), 3);
	UT_STREQ(query_text(store_db(st), "SELECT printf('%s %d %d', mac, "
	    "first_us, last_us) FROM devices_v", buf, sizeof(buf)),
	    "02:00:00:00:00:01 1700000000000000 1700000300001500");
	UT_STREQ(query_text(store_db(st), "SELECT group_concat(printf('%s "
	    "%d %d', " "CASE length(addr) WHEN 4 THEN hex(addr) ELSE "
	    "substr(hex(addr), 29) END, first_us, last_us), ',') FROM "
	    "(SELECT * FROM device_addrs ORDER BY first_us)", buf, sizeof(buf)),
	    "C0A80114 1700000000000000 1700000300001500,"
	    "1234 1700000100000000 1700000100001500,"
	    "ABCD 1700000200000000 1700000200001500");
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows_v WHERE device = "
	    "1"), 4);
	store_close(st);
}

static void
a_local_server_is_a_device_named_by_label_dhcp_or_lease_only(void)
{
	struct store *st = open_rw(fresh_path("srvdev"), 60);
	struct ft_flowrec r[2];
	struct ft_err err = { 0 };
	char buf[256];

	r[0] = mkrec(1, 1700000000000000ull, "8.8.4.4", "192.168.1.5", 1, 80);
	r[0].local = FT_LOCAL_SRV;
	memcpy(r[0].srv_mac, "\x02\x00\x00\x00\x00\x05", 6);
	memcpy(r[0].cli_mac, "\x02\x00\x00\x00\x00\xfe", 6);
	snprintf(r[0].server_name, sizeof(r[0].server_name), "nas.example");
	r[0].srv_name_src = FT_NAME_SNI;
	r[1] = r[0];
	r[1].flow_id = 2;
	snprintf(r[1].server_name, sizeof(r[1].server_name), "nas");
	r[1].srv_name_src = FT_NAME_LABEL;
	UT_EQ(store_append(st, r, 1, &err), 0);
	UT_EQ(store_commit(st, &err), 0);
	UT_STREQ(query_text(store_db(st), "SELECT printf('%s %s %s', mac, "
	    "coalesce(name, 'null'), addrs) FROM devices_v", buf, sizeof(buf)),
	    "02:00:00:00:00:05 null 192.168.1.5");
	UT_EQ(store_append(st, r + 1, 1, &err), 0);
	UT_EQ(store_commit(st, &err), 0);
	UT_STREQ(query_text(store_db(st), "SELECT printf('%s %s', name, "
	    "name_src) FROM devices_v", buf, sizeof(buf)), "nas label");
	store_close(st);
}

/* The name of the device with MAC 02:00:00:00:00:<last>. */
static const char *
device_name(sqlite3 *db, int last, char *buf, size_t cap)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT name || ' ' || name_src FROM "
	    "devices_v WHERE mac = '02:00:00:00:00:%02x'", last);
	return query_text(db, sql, buf, cap);
}

static void
a_device_keeps_its_best_name_by_source_and_takes_newer_ones(void)
{
	struct store *st = open_rw(fresh_path("names"), 60);
	struct ft_flowrec r[8];
	struct ft_err err = { 0 };
	char buf[256];
	uint64_t t = 1700000000000000ull;

	r[0] = mklocal(1, t + 1, "192.168.1.20", 1, "dhcp-name", FT_NAME_DHCP);
	r[1] = mklocal(2, t + 2, "192.168.1.20", 1, "lease-name",
	    FT_NAME_LEASE);
	r[2] = mklocal(3, t + 3, "192.168.1.20", 1, "", 0);
	r[3] = mklocal(4, t + 1, "192.168.1.30", 3, "first", FT_NAME_DHCP);
	r[4] = mklocal(5, t + 5, "192.168.1.30", 3, "second", FT_NAME_DHCP);
	r[5] = mklocal(6, t + 4, "192.168.1.30", 3, "older", FT_NAME_DHCP);
	UT_EQ(store_append(st, r, 6, &err), 0);
	UT_EQ(store_commit(st, &err), 0);
	UT_STREQ(device_name(store_db(st), 1, buf, sizeof(buf)),
	    "dhcp-name dhcp");
	UT_STREQ(device_name(store_db(st), 3, buf, sizeof(buf)),
	    "second dhcp");
	r[6] = mklocal(7, t + 6, "192.168.1.20", 1, "Kitchen", FT_NAME_LABEL);
	UT_EQ(store_append(st, r + 6, 1, &err), 0);
	UT_EQ(store_commit(st, &err), 0);
	UT_STREQ(device_name(store_db(st), 1, buf, sizeof(buf)),
	    "Kitchen label");
	store_close(st);
	/* a new writer knows nothing in memory: the rows decide */
	st = open_rw(dbpath, 60);
	r[0].first_us = r[0].last_us = t + 9;
	r[5].first_us = r[5].last_us = t + 4;
	r[7] = mklocal(8, t + 8, "192.168.1.30", 3, "third", FT_NAME_DHCP);
	UT_EQ(store_append(st, r, 1, &err), 0);
	UT_EQ(store_append(st, r + 5, 1, &err), 0);
	UT_EQ(store_commit(st, &err), 0);
	UT_STREQ(device_name(store_db(st), 1, buf, sizeof(buf)),
	    "Kitchen label");
	UT_STREQ(device_name(store_db(st), 3, buf, sizeof(buf)),
	    "second dhcp");
	UT_EQ(store_append(st, r + 7, 1, &err), 0);
	UT_EQ(store_commit(st, &err), 0);
	UT_STREQ(device_name(store_db(st), 3, buf, sizeof(buf)),
	    "third dhcp");
	store_close(st);
}

static void
devices_are_written_once_per_batch_not_per_record(void)
{
	struct store *st = open_rw(fresh_path("devwrites"), 3600);
	struct ft_flowrec *r = calloc(1000, sizeof(*r));
	struct store_stats ss;
	struct ft_err err = { 0 };
	int i;

	for (i = 0; i < 1000; i++)
		r[i] = mklocal((uint64_t)i, 1700000000000000ull +
		    (uint64_t)i * 1000000, "192.168.1.20", 1, "pc",
		    FT_NAME_DHCP);
	UT_EQ(store_append(st, r, 500, &err), 0);
	UT_EQ(store_commit(st, &err), 0);
	store_get_stats(st, &ss);
	UT_EQ(ss.dev_writes, 2);		/* the device, its address */
	UT_EQ(store_append(st, r, 500, &err), 0);	/* nothing new */
	UT_EQ(store_commit(st, &err), 0);
	store_get_stats(st, &ss);
	UT_EQ(ss.dev_writes, 2);
	UT_EQ(store_append(st, r + 500, 500, &err), 0);
	UT_EQ(store_commit(st, &err), 0);
	store_get_stats(st, &ss);
	UT_EQ(ss.dev_writes, 4);
	store_close(st);
	UT_EQ(peek_int(dbpath, "SELECT last_us FROM devices"),
	    1700000000000000ll + 999 * 1000000ll + 1500);
	free(r);
}

static void
more_devices_than_the_cache_holds_are_all_stored(void)
{
	int n = STORE_DEV_CAP * 3;
	struct store *st = open_rw(fresh_path("devmany"), 3600);
	struct ft_flowrec *r = calloc((size_t)n * 2, sizeof(*r));
	struct ft_err err = { 0 };
	char ip[64];
	int i;

	for (i = 0; i < n * 2; i++) {
		snprintf(ip, sizeof(ip), i < n ? "10.1.%d.%d" :
		    "2001:db8::%x:%x", i % n / 256, i % n % 256 + 1);
		r[i] = mklocal((uint64_t)i, 1700000000000000ull + (uint64_t)i,
		    ip, 0, "", 0);
		r[i].cli_mac[4] = (uint8_t)(i % n / 256);
		r[i].cli_mac[5] = (uint8_t)(i % n % 256);
	}
	UT_EQ(store_append(st, r, (size_t)n * 2, &err), 0);
	store_close(st);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM devices"), n);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM device_addrs"), 2 * n);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM devices d WHERE 2 <> "
	    "(SELECT count(*) FROM device_addrs a WHERE a.device = d.id)"), 0);
	free(r);
}

static void
a_rolled_back_batch_leaves_no_device_changes_behind(void)
{
	struct store *st = open_rw(fresh_path("devroll"), 3600);
	struct ft_flowrec r[3];
	struct ft_err err = { 0 };
	uint64_t t = 1700000000000000ull;

	r[0] = mklocal(1, t, "192.168.1.20", 1, "", 0);
	r[1] = mklocal(2, t + 5000000, "192.168.1.20", 1, "", 0);
	r[2] = mklocal(999, t + 6000000, "192.168.1.20", 1, "", 0);
	UT_EQ(store_append(st, r, 1, &err), 0);
	UT_EQ(store_commit(st, &err), 0);
	UT_EQ(sqlite3_exec(store_db(st), "CREATE TEMP TRIGGER boom BEFORE "
	    "INSERT ON flows WHEN NEW.flow = 999 BEGIN SELECT RAISE(ABORT, "
	    "'boom'); END", NULL, NULL, NULL), SQLITE_OK);
	UT_ASSERT(store_append(st, r + 1, 2, &err) != 0);
	sqlite3_exec(store_db(st), "DROP TRIGGER boom", NULL, NULL, NULL);
	r[0].flow_id = 3;
	r[0].last_us = t + 3000000;
	UT_EQ(store_append(st, r, 1, &err), 0);
	store_close(st);
	UT_EQ(peek_int(dbpath, "SELECT last_us FROM devices"),
	    (int64_t)t + 3000000);
	UT_EQ(peek_int(dbpath, "SELECT last_us FROM device_addrs"),
	    (int64_t)t + 3000000);
}

/* Remove the scratch directory and the store files in it. */
static void
rm_tmpdir(void)
{
	char p[384];
	struct dirent *e;
	DIR *d = opendir(tmpdir);

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(tmpdir);
}

int
main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_store.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 2;
	ft_log_level = FT_LOG_WARN;
	UT_RUN(records_written_to_a_file_read_back_equal_through_sql);
	UT_RUN(the_tunnel_column_round_trips_and_the_view_names_it);
	UT_RUN(the_view_names_every_protocol_as_the_one_table_does);
	UT_RUN(dictionaries_store_each_mac_app_name_and_iface_once);
	UT_RUN(dictionary_ids_stay_right_when_the_cache_overflows);
	UT_RUN(a_new_store_is_in_wal_mode_with_the_current_user_version);
	UT_RUN(read_only_open_of_a_missing_file_fails_with_a_clear_message);
	UT_RUN(read_only_open_reads_a_store_while_a_writer_holds_a_batch);
	UT_RUN(opens_refuse_a_store_with_a_newer_schema);
	UT_RUN(a_foreign_sqlite_file_is_refused);
	UT_RUN(migration_from_an_older_version_keeps_rows);
	UT_RUN(a_failing_migration_step_keeps_the_old_version_and_rows);
	UT_RUN(migration_2_upgrades_a_version_1_file_and_keeps_its_rows);
	UT_RUN(commit_interval_zero_commits_every_append);
	UT_RUN(a_long_interval_holds_rows_until_commit_or_close);
	UT_RUN(a_batch_older_than_the_interval_commits_on_the_next_tick);
	UT_RUN(a_batch_reaching_its_row_ceiling_commits);
	UT_RUN(flow_ids_of_two_runs_stay_apart);
	UT_RUN(a_full_disk_returns_eio_and_keeps_earlier_commits_intact);
	UT_RUN(enrichment_columns_round_trip_and_the_view_shows_them_as_words);
	UT_RUN(asns_are_upserted_when_their_org_changes);
	UT_RUN(mac_vendors_are_kept_on_the_macs_and_updated_when_they_change);
	UT_RUN(one_mac_with_an_ipv4_and_two_ipv6_addresses_is_one_device);
	UT_RUN(a_local_server_is_a_device_named_by_label_dhcp_or_lease_only);
	UT_RUN(a_device_keeps_its_best_name_by_source_and_takes_newer_ones);
	UT_RUN(devices_are_written_once_per_batch_not_per_record);
	UT_RUN(more_devices_than_the_cache_holds_are_all_stored);
	UT_RUN(a_rolled_back_batch_leaves_no_device_changes_behind);
	rm_tmpdir();
	return UT_DONE();
}
