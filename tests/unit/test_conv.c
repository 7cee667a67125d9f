/* test_conv.c: the hourly conversations */
/*
 * When an hour rolls, what becomes an edge row and what a part, rolling again,
 * and hours left to the records.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../src/base/ft_log.h"
#include "../../src/store/store.h"
#include "ut.h"
#include "../lib/qfix.h"

#define H0 1700002800000000ll	/* 2023-11-14T23:00:00Z, an hour's start */
#define SEC 1000000ll
#define LAG (STORE_CONV_LAG_S * SEC)

static char tmpdir[64];
static char dbpath[128];

#define fresh_path(name) qfix_fresh_db(tmpdir, (name), dbpath, sizeof(dbpath))

/* A record of flow id: t_s after H0, its flow started s_s after H0. */
static struct ft_flowrec
rec(uint64_t id, int64_t t_s, int64_t s_s, const char *cli, uint16_t cport,
    const char *srv, uint16_t sport, uint8_t flags)
{
	struct ft_flowrec r;

	memset(&r, 0, sizeof(r));
	r.flow_id = id;
	r.first_us = (uint64_t)(H0 + t_s * SEC);
	r.last_us = r.first_us + 1000;
	r.start_us = (uint64_t)(H0 + s_s * SEC);
	r.ip_ver = 4;
	inet_pton(AF_INET, cli, r.cli);
	inet_pton(AF_INET, srv, r.srv);
	r.proto = 6;
	r.cport = cport;
	r.sport = sport;
	r.bytes[0] = 100;
	r.bytes[1] = 1000;
	r.pkts[0] = 1;
	r.pkts[1] = 1;
	r.flags = flags;
	r.end = flags & FT_REC_FINAL ? FT_END_TCP : FT_END_ACTIVE;
	return r;
}

static struct store *
open_rw(void)
{
	struct store_opts o = { .path = dbpath, .commit_interval_s = 0 };
	struct ft_err err = { 0 };
	struct store *st = NULL;

	if (store_open(&o, &st, &err))
		UT_FAILF("store_open: %s", err.msg);
	return st;
}

static void
append(struct store *st, const struct ft_flowrec *r, size_t n)
{
	struct ft_err err = { 0 };

	if (store_append(st, r, n, &err) || store_commit(st, &err))
		UT_FAILF("append: %s", err.msg);
}

static int64_t
peek(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int64_t v = -1;

	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		return -2;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	} else {
		UT_FAILF("%s: %s", sql, sqlite3_errmsg(db));
	}
	sqlite3_close(db);
	return v;
}

static void
exec_sql(const char *sql)
{
	sqlite3 *db;

	if (sqlite3_open(dbpath, &db) != SQLITE_OK ||
	    sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		UT_FAILF("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

static void
an_hour_rolls_once_a_record_past_its_end_and_the_lag_arrives(void)
{
	struct ft_flowrec r[2];
	struct store *st;

	fresh_path("lag");
	st = open_rw();
	r[0] = rec(1, 10, 10, "10.0.0.1", 40000, "10.0.0.9", 443,
	    FT_REC_FINAL);
	append(st, r, 1);
	UT_EQ(peek("SELECT count(*) FROM conv_hours"), 0);
	/* a record of the next hour, before the lag is over: not yet */
	r[1] = rec(2, 3600 + 10, 3600 + 10, "10.0.0.2", 40000, "10.0.0.9",
	    443, FT_REC_FINAL);
	append(st, r + 1, 1);
	UT_EQ(peek("SELECT count(*) FROM conv_hours"), 0);
	r[1] = rec(3, 3600 + STORE_CONV_LAG_S, 3600 + STORE_CONV_LAG_S,
	    "10.0.0.3", 40000, "10.0.0.9", 443, FT_REC_FINAL);
	append(st, r + 1, 1);
	UT_EQ(peek("SELECT count(*) FROM conv_hours WHERE state = 1"), 1);
	UT_EQ(peek("SELECT hour FROM conv_hours"), H0);
	UT_EQ(peek("SELECT sum(flows) FROM conv_edges"), 1);
	UT_EQ(peek("SELECT sum(bytes_cs + bytes_sc) FROM conv_edges"), 1100);
	store_close(st);
	UT_EQ(peek("SELECT count(*) FROM conv_hours"), 1);
}

/* Five records: flows 1 and 4 edges of hour H0, flows 2 and 3 parts. */
static void
edges_and_parts(struct ft_flowrec *r)
{
	/* whole in the hour: an edge */
	r[0] = rec(1, 10, 10, "10.0.0.1", 40000, "10.0.0.9", 443,
	    FT_REC_FINAL);
	/* across the hour's end: a part in each hour */
	r[1] = rec(2, 3590, 3590, "10.0.0.2", 40001, "10.0.0.9", 443, 0);
	r[2] = rec(2, 3610, 3590, "10.0.0.2", 40001, "10.0.0.9", 443,
	    FT_REC_FINAL);
	/* guessed, to an ephemeral-looking port: the map's rule decides */
	r[3] = rec(3, 20, 20, "10.0.0.9", 5000, "10.0.0.7", 41000,
	    FT_REC_FINAL | FT_REC_GUESSED);
	/* guessed, to a service port: an edge */
	r[4] = rec(4, 30, 30, "10.0.0.4", 40002, "10.0.0.9", 443,
	    FT_REC_FINAL | FT_REC_GUESSED);
}

static void
flows_across_hours_and_ones_the_rule_may_turn_stay_parts(void)
{
	struct ft_flowrec r[5];
	struct ft_err err = { 0 };
	struct store *st;

	fresh_path("parts");
	st = open_rw();
	edges_and_parts(r);
	append(st, r, 5);
	UT_EQ(store_conv_finish(st, &err), 0);
	store_close(st);
	UT_EQ(peek("SELECT count(*) FROM conv_hours WHERE state = 1"), 2);
	UT_EQ(peek("SELECT count(*) FROM conv_edges"), 2);
	UT_EQ(peek("SELECT sum(flows) FROM conv_edges"), 2);
	UT_EQ(peek("SELECT sum(seen) FROM conv_edges"), 1);
	UT_EQ(peek("SELECT count(*) FROM conv_parts"), 3);
	UT_EQ(peek("SELECT flags FROM conv_parts WHERE flow = 2 AND hour = "
	    "1700002800000000"), STORE_CONV_FIRST);
	UT_EQ(peek("SELECT flags FROM conv_parts WHERE flow = 2 AND hour = "
	    "1700006400000000"), FT_REC_FINAL);
	UT_EQ(peek("SELECT flags FROM conv_parts WHERE flow = 3"),
	    STORE_CONV_FIRST | FT_REC_FINAL | FT_REC_GUESSED);
	UT_EQ(peek("SELECT cport FROM conv_parts WHERE flow = 3"), 5000);
	/* every row of an hour lies in its rowid range */
	UT_EQ(peek("SELECT count(*) FROM conv_edges e JOIN conv_hours h ON "
	    "e.rowid BETWEEN h.edges_lo AND h.edges_hi AND e.hour = h.hour"),
	    2);
	UT_EQ(peek("SELECT count(*) FROM conv_parts p JOIN conv_hours h ON "
	    "p.rowid BETWEEN h.parts_lo AND h.parts_hi AND p.hour = h.hour"),
	    3);
}

/*
 * Each conversation column holds what its records hold: the bytes each
 * way, the packets, the times and the ends add up to the flow records'
 * (a column bound to the wrong member, or the wrong way round, shows).
 */
static void
conversation_columns_hold_what_their_records_hold(void)
{
	static const char *const same[][2] = {
		{ "sum(bytes_cs)", "sum(bytes_cs)" },
		{ "sum(bytes_sc)", "sum(bytes_sc)" },
		{ "sum(packets)", "sum(pkts_cs + pkts_sc)" },
		{ "min(first_us)", "min(first_us)" },
		{ "max(last_us)", "max(last_us)" },
	};
	struct ft_flowrec r[5];
	struct ft_err err = { 0 };
	struct store *st;
	char sql[512];
	size_t i;

	fresh_path("columns");
	st = open_rw();
	edges_and_parts(r);
	for (i = 0; i < 5; i++) {
		r[i].bytes[0] = 100 + i;
		r[i].bytes[1] = 7000 + 10 * i;
		r[i].pkts[0] = 1 + i;
		r[i].pkts[1] = 20 + i;
		r[i].last_us += i * 77;
	}
	append(st, r, 5);
	UT_EQ(store_conv_finish(st, &err), 0);
	store_close(st);
	UT_ASSERT(peek("SELECT count(*) FROM conv_edges") > 0);
	UT_ASSERT(peek("SELECT count(*) FROM conv_parts") > 0);
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		/* parts keep the packets each way, edges their sum */
		snprintf(sql, sizeof(sql), "SELECT (SELECT %s FROM (SELECT %s "
		    "AS packets, * FROM conv_parts)) = (SELECT %s FROM "
		    "flows WHERE flow IN (2, 3)) AND (SELECT %s FROM (SELECT * FROM conv_edges)) "
		    "= (SELECT %s FROM flows WHERE flow IN (1, 4))", same[i][0],
		    "pkts_cs + pkts_sc", same[i][1], same[i][0], same[i][1]);
		if (peek(sql) != 1)
			UT_FAILF("%s differs from the records'", same[i][0]);
	}
	/* each edge's ends and port are a record's, the right way round */
	UT_EQ(peek("SELECT count(*) FROM conv_edges e WHERE NOT EXISTS ("
	    "SELECT 1 FROM flows f WHERE f.cli = e.cli AND f.srv = e.srv AND "
	    "f.sport = e.sport AND f.proto = e.proto)"), 0);
	UT_EQ(peek("SELECT count(*) FROM conv_parts p WHERE NOT EXISTS ("
	    "SELECT 1 FROM flows f WHERE f.cli = p.cli AND f.srv = p.srv AND "
	    "f.sport = p.sport AND f.cport = p.cport AND f.flow = p.flow AND "
	    "f.run = p.run)"), 0);
}

static void
a_record_written_into_a_rolled_hour_rolls_it_again(void)
{
	struct ft_flowrec r[2];
	struct ft_err err = { 0 };
	struct store *st;

	fresh_path("again");
	st = open_rw();
	r[0] = rec(1, 10, 10, "10.0.0.1", 40000, "10.0.0.9", 443,
	    FT_REC_FINAL);
	append(st, r, 1);
	UT_EQ(store_conv_finish(st, &err), 0);
	UT_EQ(peek("SELECT sum(flows) FROM conv_edges"), 1);
	/*
	 * An older capture, ingested later, into the same hour: stale at
	 * that commit (the map reads its records), rolled again once due.
	 */
	r[1] = rec(2, 20, 20, "10.0.0.1", 40001, "10.0.0.9", 443,
	    FT_REC_FINAL);
	append(st, r + 1, 1);
	UT_EQ(peek("SELECT state FROM conv_hours"), STORE_CONV_STALE);
	/* a writer stopped before that: the hour stays stale, not wrong */
	store_close(st);
	UT_EQ(peek("SELECT state FROM conv_hours"), STORE_CONV_STALE);
	UT_EQ(peek("SELECT sum(flows) FROM conv_edges"), 1);
	/* the next writer rolls it again, with a third record */
	st = open_rw();
	r[1] = rec(3, 30, 30, "10.0.0.1", 40002, "10.0.0.9", 443,
	    FT_REC_FINAL);
	append(st, r + 1, 1);
	UT_EQ(store_conv_finish(st, &err), 0);
	store_close(st);
	UT_EQ(peek("SELECT state FROM conv_hours"), STORE_CONV_ROLLED);
	UT_EQ(peek("SELECT count(*) FROM conv_edges"), 1);
	UT_EQ(peek("SELECT sum(flows) FROM conv_edges"), 3);
	UT_EQ(peek("SELECT count(*) FROM conv_hours"), 1);
}

/*
 * An empty final record becomes the end of its flow's latest row, not a
 * row: the hour's sums made as written count rows, so they still roll it
 * (not a read-back), and they hold what the rows hold (the end's local
 * bit is no row's).
 */
static void
a_marked_end_still_rolls_the_hour_from_its_sums(void)
{
	struct ft_flowrec r[3];
	struct store_stats ss;
	struct store *st;

	fresh_path("ends");
	st = open_rw();
	r[0] = rec(1, 10, 10, "10.0.0.1", 40000, "10.0.0.9", 443, 0);
	r[1] = rec(1, 20, 10, "10.0.0.1", 40000, "10.0.0.9", 443,
	    FT_REC_FINAL);
	r[1].bytes[0] = r[1].bytes[1] = 0;
	r[1].pkts[0] = r[1].pkts[1] = 0;
	r[1].local = FT_LOCAL_CLI;
	r[2] = rec(2, 3600 + STORE_CONV_LAG_S, 3600 + STORE_CONV_LAG_S,
	    "10.0.0.3", 40000, "10.0.0.9", 443, FT_REC_FINAL);
	append(st, r, 2);
	append(st, r + 2, 1);
	store_get_stats(st, &ss);
	UT_EQ(ss.ends_marked, 1);
	UT_EQ(ss.conv_hours, 1);
	UT_EQ(ss.conv_read_back, 0);
	store_close(st);
	UT_EQ(peek("SELECT count(*) FROM flows WHERE first_us < 1700006400000000"), 1);
	UT_EQ(peek("SELECT count(*) FROM conv_parts"), 0);
	UT_EQ(peek("SELECT flows FROM conv_edges"), 1);
	UT_EQ(peek("SELECT local FROM conv_edges"), 0);
	UT_EQ(peek("SELECT bytes_cs + bytes_sc FROM conv_edges"), 1100);
	UT_EQ(peek("SELECT last_us - hour FROM conv_edges"), 10 * SEC + 1000);
}

/* Records into a rolled hour, once due, roll it again in one commit. */
static void
a_stale_hour_rolls_again_once_its_lag_is_past(void)
{
	struct ft_flowrec r[3];
	struct ft_err err = { 0 };
	struct store *st;

	fresh_path("due");
	st = open_rw();
	r[0] = rec(1, 10, 10, "10.0.0.1", 40000, "10.0.0.9", 443,
	    FT_REC_FINAL);
	append(st, r, 1);
	UT_EQ(store_conv_finish(st, &err), 0);
	r[1] = rec(2, 20, 20, "10.0.0.1", 40001, "10.0.0.9", 443,
	    FT_REC_FINAL);
	append(st, r + 1, 1);
	UT_EQ(peek("SELECT state FROM conv_hours"), STORE_CONV_STALE);
	r[2] = rec(3, 3600 + STORE_CONV_LAG_S + 10, 3600 + STORE_CONV_LAG_S
	    + 10, "10.0.0.2", 40000, "10.0.0.9", 443, FT_REC_FINAL);
	append(st, r + 2, 1);
	UT_EQ(peek("SELECT state FROM conv_hours WHERE hour = "
	    "1700002800000000"), STORE_CONV_ROLLED);
	UT_EQ(peek("SELECT sum(flows) FROM conv_edges WHERE hour = "
	    "1700002800000000"), 2);
	store_close(st);
}

static void
a_late_record_before_its_flows_hour_leaves_that_hour_to_the_records(void)
{
	struct ft_flowrec r[3];
	struct ft_err err = { 0 };
	struct store *st;

	fresh_path("late");
	st = open_rw();
	/* the flow starts at 00:00:10; a packet from 23:59:50 came late */
	r[0] = rec(1, 3610, 3610, "10.0.0.1", 40000, "10.0.0.9", 443, 0);
	r[1] = rec(1, 3590, 3610, "10.0.0.1", 40000, "10.0.0.9", 443, 0);
	r[2] = rec(1, 3620, 3610, "10.0.0.1", 40000, "10.0.0.9", 443,
	    FT_REC_FINAL);
	append(st, r, 3);
	UT_EQ(store_conv_finish(st, &err), 0);
	store_close(st);
	UT_EQ(peek("SELECT state FROM conv_hours WHERE hour = "
	    "1700002800000000"), STORE_CONV_ROLLED);
	UT_EQ(peek("SELECT state FROM conv_hours WHERE hour = "
	    "1700006400000000"), STORE_CONV_RAW);
	UT_EQ(peek("SELECT count(*) FROM conv_edges"), 0);
	UT_EQ(peek("SELECT count(*) FROM conv_parts"), 1);
	UT_EQ(peek("SELECT hour FROM conv_parts"), H0);
}

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

/*
 * An hour with more flows open at once than the sums hold (131072) is
 * left to the records, live and read back alike: memory stays bounded.
 */
static void
an_hour_past_a_ceiling_is_left_to_the_records(void)
{
	size_t n = (1u << 17) + 1, i;
	struct ft_flowrec *r = calloc(n, sizeof(*r));
	struct ft_err err = { 0 };
	struct store *st;
	char cli[32];

	fresh_path("ceiling");
	st = open_rw();
	for (i = 0; r && i < n; i++) {
		snprintf(cli, sizeof(cli), "10.%zu.%zu.%zu", i >> 16 & 255,
		    i >> 8 & 255, i & 255);
		/* deltas only: every flow stays open past the hour */
		r[i] = rec(i + 1, 10 + (int64_t)(i % 3000), 10, cli, 40000,
		    "10.255.0.1", 443, 0);
	}
	if (r)
		append(st, r, n);
	UT_EQ(store_conv_finish(st, &err), 0);
	store_close(st);
	UT_EQ(peek("SELECT state FROM conv_hours WHERE hour = "
	    "1700002800000000"), STORE_CONV_RAW);
	UT_EQ(peek("SELECT count(*) FROM conv_parts"), 0);
	/* read back by another writer (nothing rolled yet): the same */
	exec_sql("DELETE FROM conv_hours");
	st = open_rw();
	UT_EQ(store_conv_finish(st, &err), 0);
	store_close(st);
	UT_EQ(peek("SELECT state FROM conv_hours WHERE hour = "
	    "1700002800000000"), STORE_CONV_RAW);
	free(r);
}

/*
 * Conversations are kept as long as the 1-hour series; flow records go
 * with their own window, but never before their hour is rolled.
 */
static void
conversations_outlive_the_records_and_go_with_the_hourly_series(void)
{
	struct store_opts o = { .path = dbpath, .commit_interval_s = 0,
	    .keep = { .flows_days = 1, .h1_days = 5 } };
	struct ft_err err = { 0 };
	struct ft_flowrec r[3];
	struct store *st = NULL;

	fresh_path("keep");
	if (store_open(&o, &st, &err))
		UT_FAILF("store_open: %s", err.msg);
	r[0] = rec(1, 10, 10, "10.0.0.1", 40000, "10.0.0.9", 443,
	    FT_REC_FINAL);
	append(st, r, 1);
	/* three days later: the first hour is past the flows' window */
	r[1] = rec(2, 3 * 86400, 3 * 86400, "10.0.0.2", 40000, "10.0.0.9",
	    443, FT_REC_FINAL);
	append(st, r + 1, 1);
	r[2] = rec(3, 3 * 86400 + 7200, 3 * 86400 + 7200, "10.0.0.3", 40000,
	    "10.0.0.9", 443, FT_REC_FINAL);
	append(st, r + 2, 1);
	UT_EQ(peek("SELECT count(*) FROM flows WHERE flow = 1"), 0);
	UT_EQ(peek("SELECT state FROM conv_hours WHERE hour = "
	    "1700002800000000"), STORE_CONV_ROLLED);
	UT_EQ(peek("SELECT sum(flows) FROM conv_edges WHERE hour = "
	    "1700002800000000"), 1);
	/* eight days on, past the hourly window too */
	r[2] = rec(4, 8 * 86400, 8 * 86400, "10.0.0.4", 40000, "10.0.0.9",
	    443, FT_REC_FINAL);
	append(st, r + 2, 1);
	r[2] = rec(5, 8 * 86400 + 7200, 8 * 86400 + 7200, "10.0.0.4", 40001,
	    "10.0.0.9", 443, FT_REC_FINAL);
	append(st, r + 2, 1);
	store_close(st);
	UT_EQ(peek("SELECT count(*) FROM conv_hours WHERE hour = "
	    "1700002800000000"), 0);
	UT_EQ(peek("SELECT count(*) FROM conv_edges WHERE hour = "
	    "1700002800000000"), 0);
	UT_EQ(peek("SELECT count(*) FROM conv_hours WHERE hour > "
	    "1700002800000000"), 2);
}

/* An hour already rolled, past the records' window: a late write keeps it. */
static void
a_rolled_hour_past_the_records_window_keeps_its_conversations(void)
{
	struct store_opts o = { .path = dbpath, .commit_interval_s = 0,
	    .keep = { .flows_days = 1, .h1_days = 30 } };
	struct ft_err err = { 0 };
	struct ft_flowrec r[2];
	struct store *st = NULL;

	fresh_path("pastkeep");
	if (store_open(&o, &st, &err))
		UT_FAILF("store_open: %s", err.msg);
	r[0] = rec(1, 10, 10, "10.0.0.1", 40000, "10.0.0.9", 443,
	    FT_REC_FINAL);
	r[1] = rec(2, 20, 20, "10.0.0.2", 40000, "10.0.0.9", 443,
	    FT_REC_FINAL);
	append(st, r, 2);
	r[0] = rec(3, 3 * 86400, 3 * 86400, "10.0.0.3", 40000, "10.0.0.9",
	    443, FT_REC_FINAL);
	append(st, r, 1);
	r[0] = rec(4, 3 * 86400 + 7200, 3 * 86400 + 7200, "10.0.0.3", 40001,
	    "10.0.0.9", 443, FT_REC_FINAL);
	append(st, r, 1);
	UT_EQ(peek("SELECT count(*) FROM flows WHERE first_us < "
	    "1700006400000000"), 0);
	/* an old record lands in the first hour, whose records are gone */
	r[0] = rec(5, 30, 30, "10.0.0.4", 40000, "10.0.0.9", 443,
	    FT_REC_FINAL);
	append(st, r, 1);
	store_close(st);
	UT_EQ(peek("SELECT sum(flows) FROM conv_edges WHERE hour = "
	    "1700002800000000"), 2);
}

/*
 * Another writer rolled an hour this one wrote to before: this writer's
 * next commit into it rolls it again, with every record.
 */
static void
an_hour_another_writer_rolled_rolls_again_at_the_next_commit(void)
{
	struct ft_flowrec r[1];
	struct ft_err err = { 0 };
	struct store *a, *b;

	fresh_path("two");
	a = open_rw();
	r[0] = rec(1, 10, 10, "10.0.0.1", 40000, "10.0.0.9", 443,
	    FT_REC_FINAL);
	append(a, r, 1);
	b = open_rw();
	r[0] = rec(1, 20, 20, "10.0.0.2", 40000, "10.0.0.9", 443,
	    FT_REC_FINAL);
	append(b, r, 1);
	UT_EQ(store_conv_finish(b, &err), 0);
	store_close(b);
	UT_EQ(peek("SELECT sum(flows) FROM conv_edges"), 2);
	r[0] = rec(2, 30, 30, "10.0.0.3", 40000, "10.0.0.9", 443,
	    FT_REC_FINAL);
	append(a, r, 1);
	/* stale at once: the map reads the hour's records meanwhile */
	UT_EQ(peek("SELECT state FROM conv_hours"), STORE_CONV_STALE);
	UT_EQ(store_conv_finish(a, &err), 0);
	UT_EQ(peek("SELECT state FROM conv_hours"), STORE_CONV_ROLLED);
	UT_EQ(peek("SELECT sum(flows) FROM conv_edges"), 3);
	store_close(a);
}

int
main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_conv.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 2;
	ft_log_level = FT_LOG_WARN;
	UT_RUN(an_hour_rolls_once_a_record_past_its_end_and_the_lag_arrives);
	UT_RUN(flows_across_hours_and_ones_the_rule_may_turn_stay_parts);
	UT_RUN(conversation_columns_hold_what_their_records_hold);
	UT_RUN(a_record_written_into_a_rolled_hour_rolls_it_again);
	UT_RUN(a_marked_end_still_rolls_the_hour_from_its_sums);
	UT_RUN(a_stale_hour_rolls_again_once_its_lag_is_past);
	UT_RUN(a_late_record_before_its_flows_hour_leaves_that_hour_to_the_records);
	UT_RUN(conversations_outlive_the_records_and_go_with_the_hourly_series);
	UT_RUN(an_hour_past_a_ceiling_is_left_to_the_records);
	UT_RUN(a_rolled_hour_past_the_records_window_keeps_its_conversations);
	UT_RUN(an_hour_another_writer_rolled_rolls_again_at_the_next_commit);
	rm_tmpdir();
	return UT_DONE();
}
