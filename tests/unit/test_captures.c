/* test_captures.c: the store's memory of ingested captures */
/*
 * Skipped when seen; a dead run backed out exactly.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/base/ft_log.h"
#include "../../src/store/store_int.h"
#include "ut.h"

static char path[64];

static void
rm_store(void)
{
	char p[96];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static struct store *
open_ingest(void)
{
	struct store_opts o = { .path = path, .commit_interval_s = 3600,
	    .packet_clock = true, .journal = true, .command = "test ingest" };
	struct ft_err err = { 0 };
	struct store *st = NULL;

	if (store_open(&o, &st, &err))
		UT_FAILF("store_open: %s", err.msg);
	return st;
}

static int64_t
one_int(struct store *st, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) != SQLITE_OK)
		return -2;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* A capture's records and points: two flows and two minutes, from t_s on. */
static void
write_capture(struct store *st, uint32_t t_s, uint64_t bytes)
{
	struct ft_flowrec r[2];
	struct ft_series_pt p[2];
	struct ft_err err = { 0 };
	int i;

	memset(r, 0, sizeof(r));
	memset(p, 0, sizeof(p));
	for (i = 0; i < 2; i++) {
		r[i].flow_id = (uint64_t)i + 1;
		r[i].first_us = r[i].start_us = (uint64_t)t_s * 1000000 +
		    (uint64_t)i * 60000000;
		r[i].last_us = r[i].first_us + 1000;
		r[i].ip_ver = 4;
		inet_pton(AF_INET, "10.0.0.1", r[i].cli);
		inet_pton(AF_INET, "10.0.0.2", r[i].srv);
		r[i].proto = 17;
		r[i].bytes[0] = bytes;
		r[i].pkts[0] = 1;
		r[i].flags = FT_REC_FINAL;
		p[i].t = t_s + (uint32_t)i * 60;
		p[i].kind = FT_SK_PROTO;
		p[i].num = 17;
		p[i].v[FT_SV_BYTES_IN] = bytes;
	}
	if (store_append(st, r, 2, &err) || store_append_series(st, p, 2,
	    &err) || store_commit(st, &err))
		UT_FAILF("write: %s", err.msg);
}

static struct store_capture
cap(const char *fp)
{
	struct store_capture c = { .path = "x.pcap", .size = 1000,
		.first_us = -1, .last_us = -1 };

	snprintf(c.fp, sizeof(c.fp), "%s", fp);
	return c;
}

static void
a_capture_done_is_skipped_unless_forced(void)
{
	struct ft_err err = { 0 };
	struct store_capture c = cap("00000000000000aa");
	struct store *st;

	rm_store();
	st = open_ingest();
	UT_EQ(store_captures_begin(st, &c, 1, false, &err), 0);
	UT_EQ(c.verdict, STORE_CAP_NEW);
	write_capture(st, 1700000000, 100);
	c.packets = 2;
	UT_EQ(store_captures_done(st, &c, 1, &err), 0);
	UT_EQ(one_int(st, "SELECT count(*) FROM run_points"), 0);
	store_close(st);
	st = open_ingest();
	c = cap("00000000000000aa");
	UT_EQ(store_captures_begin(st, &c, 1, false, &err), 0);
	UT_EQ(c.verdict, STORE_CAP_SEEN);
	UT_EQ(c.packets, 2);
	c = cap("00000000000000aa");
	UT_EQ(store_captures_begin(st, &c, 1, true, &err), 0);
	UT_EQ(c.verdict, STORE_CAP_NEW);
	store_close(st);
}

/*
 * A run that wrote and committed, then died before its captures were
 * done, is taken out whole when its capture comes again; what another
 * capture wrote into the same minutes stays.
 */
static void
a_dead_run_is_backed_out_and_others_stay(void)
{
	struct ft_err err = { 0 };
	struct store_capture a = cap("00000000000000a1"), b;
	struct store *st;

	rm_store();
	st = open_ingest();
	UT_EQ(store_captures_begin(st, &a, 1, false, &err), 0);
	write_capture(st, 1700000000, 100);
	UT_EQ(store_captures_done(st, &a, 1, &err), 0);
	store_close(st);
	/* the second capture's run "dies": committed, never done */
	st = open_ingest();
	b = cap("00000000000000b2");
	UT_EQ(store_captures_begin(st, &b, 1, false, &err), 0);
	write_capture(st, 1700000000, 7);
	write_capture(st, 1700003600, 7);
	UT_EQ(one_int(st, "SELECT sum(bytes_in) FROM series_1m"), 228);
	/* the first hour closed and rolled with the dead run's share in it */
	UT_EQ(one_int(st, "SELECT sum(bytes_in) FROM series_1h"), 214);
	store_close(st);
	st = open_ingest();
	b = cap("00000000000000b2");
	UT_EQ(store_captures_begin(st, &b, 1, false, &err), 0);
	UT_EQ(b.verdict, STORE_CAP_REDO);
	UT_EQ(b.run, 2);
	UT_EQ(one_int(st, "SELECT count(*) || sum(bytes_cs) FROM flows"), 2200);
	UT_EQ(one_int(st, "SELECT count(*) || sum(bytes_in) FROM series_1m"),
	    2200);
	UT_EQ(one_int(st, "SELECT count(*) FROM run_points"), 0);
	UT_EQ(one_int(st, "SELECT count(*) FROM captures WHERE run = 2"), 0);
	UT_EQ(one_int(st, "SELECT count(*) FROM captures WHERE run = 3 AND "
	    "state = 1"), 1);
	/* the hour rolled with the dead run's minutes rolls again without */
	UT_EQ(one_int(st, "SELECT sum(bytes_in) FROM series_1h"), 200);
	store_close(st);
}

int
main(void)
{
	snprintf(path, sizeof(path), "/tmp/test_captures.%d.db", (int)getpid());
	ft_log_level = FT_LOG_WARN;
	UT_RUN(a_capture_done_is_skipped_unless_forced);
	UT_RUN(a_dead_run_is_backed_out_and_others_stay);
	rm_store();
	return UT_DONE();
}
