/* test_store.c: the SQLite store: schema, migrations, batched commits, failures. */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../src/base/ft_log.h"
#include "../../src/store/store_int.h"
#include "ut.h"

static char tmpdir[64];		/* per-process scratch directory */
static char dbpath[128];	/* store file of the running case */

/* A fresh store path for each case; old files of the same name removed. */
static const char *
fresh_path(const char *name)
{
	char p[160];

	snprintf(dbpath, sizeof(dbpath), "%s/%s.db", tmpdir, name);
	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
	return dbpath;
}

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
	UT_EQ(store_schema_version(), 1);
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

/* A future step, as version 2 might look. */
static const char fake_step_2[] =
	"ALTER TABLE flows ADD COLUMN asn_srv INTEGER;"
	"CREATE TABLE asns (id INTEGER PRIMARY KEY, org TEXT NOT NULL);";

static void
migration_from_an_older_version_keeps_rows(void)
{
	struct store_migration list[2] = { store_migrations[0],
	    { 2, fake_step_2 } };
	struct store *st = open_rw(fresh_path("migrate"), 0);
	struct ft_flowrec r = mkrec(5, 1700000000000000ull, "10.0.0.1",
	    "10.0.0.2", 1, 2);
	struct ft_err err = { 0 };
	sqlite3 *db;

	UT_EQ(store_append(st, &r, 1, &err), 0);
	store_close(st);
	UT_EQ(peek_int(dbpath, "PRAGMA user_version"), 1);
	sqlite3_open(dbpath, &db);
	UT_EQ(store_migrate_list(db, dbpath, list, 2, &err), 0);
	UT_EQ(store_migrate_list(db, dbpath, list, 2, &err), 0);
	sqlite3_close(db);
	UT_EQ(peek_int(dbpath, "PRAGMA user_version"), 2);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows WHERE flow = 5 AND "
	    "asn_srv IS NULL"), 1);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM asns"), 0);
}

static void
a_failing_migration_step_keeps_the_old_version_and_rows(void)
{
	struct store_migration list[2] = { store_migrations[0],
	    { 2, "ALTER TABLE flows ADD COLUMN x INTEGER; SELECT nonsense(" } };
	struct store *st = open_rw(fresh_path("migfail"), 0);
	struct ft_flowrec r = mkrec(5, 1700000000000000ull, "10.0.0.1",
	    "10.0.0.2", 1, 2);
	struct ft_err err = { 0 };
	sqlite3 *db;

	UT_EQ(store_append(st, &r, 1, &err), 0);
	store_close(st);
	sqlite3_open(dbpath, &db);
	UT_EQ(store_migrate_list(db, dbpath, list, 2, &err), -FT_EDB);
	UT_ASSERT(strstr(err.msg, "cannot upgrade store") != NULL);
	sqlite3_close(db);
	UT_EQ(peek_int(dbpath, "PRAGMA user_version"), 1);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM flows"), 1);
	UT_EQ(peek_int(dbpath, "SELECT count(*) FROM pragma_table_info('flows')"
	    " WHERE name = 'x'"), 0);
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
	UT_ASSERT(strstr(err.msg, "4990 records of the open batch lost") !=
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
	UT_RUN(dictionaries_store_each_mac_app_name_and_iface_once);
	UT_RUN(dictionary_ids_stay_right_when_the_cache_overflows);
	UT_RUN(a_new_store_is_in_wal_mode_with_the_current_user_version);
	UT_RUN(read_only_open_of_a_missing_file_fails_with_a_clear_message);
	UT_RUN(read_only_open_reads_a_store_while_a_writer_holds_a_batch);
	UT_RUN(opens_refuse_a_store_with_a_newer_schema);
	UT_RUN(a_foreign_sqlite_file_is_refused);
	UT_RUN(migration_from_an_older_version_keeps_rows);
	UT_RUN(a_failing_migration_step_keeps_the_old_version_and_rows);
	UT_RUN(commit_interval_zero_commits_every_append);
	UT_RUN(a_long_interval_holds_rows_until_commit_or_close);
	UT_RUN(a_batch_older_than_the_interval_commits_on_the_next_tick);
	UT_RUN(a_batch_reaching_its_row_ceiling_commits);
	UT_RUN(flow_ids_of_two_runs_stay_apart);
	UT_RUN(a_full_disk_returns_eio_and_keeps_earlier_commits_intact);
	rm_tmpdir();
	return UT_DONE();
}
