/* test_history.c: series in the store: sums, rollups, retention, zones */
#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../../src/base/ft_log.h"
#include "../../src/store/store.h"
#include "ut.h"
#include "../lib/qfix.h"

#define T0 UINT32_C(1700000040)	/* a whole minute, 22:14 UTC */
#define H0 (T0 - T0 % 3600)	/* its hour */

static char tmpdir[64], dbpath[160];

#define q_int qfix_sql_int
#define fresh_path(name) qfix_fresh_db(tmpdir, (name), dbpath, sizeof(dbpath))

static struct store *
open_hist(const char *path, const struct store_keep *keep, uint32_t k)
{
	struct store_opts o = { .path = path, .commit_interval_s = 3600,
	    .command = "test", .rollup_k = k, .rollup_local = k };
	struct ft_err err = { 0 };
	struct store *st = NULL;

	if (keep)
		o.keep = *keep;
	if (store_open(&o, &st, &err))
		UT_FAILF("store_open %s: %s", path, err.msg);
	return st;
}

static struct ft_series_pt
pt(uint32_t t, uint8_t kind, uint32_t num, uint64_t in, uint64_t out)
{
	struct ft_series_pt p;

	memset(&p, 0, sizeof(p));
	p.t = t;
	p.kind = kind;
	p.num = num;
	p.v[FT_SV_BYTES_IN] = in;
	p.v[FT_SV_BYTES_OUT] = out;
	p.v[FT_SV_FLOWS] = 1;
	p.v[FT_SV_ACTIVE] = num % 7;
	p.v[FT_SV_PEAK_BPS] = in * 8;
	return p;
}

static void
append(struct store *st, const struct ft_series_pt *p, size_t n)
{
	struct ft_err err = { 0 };

	if (store_append_series(st, p, n, &err))
		UT_FAILF("store_append_series: %s", err.msg);
}

static void
commit(struct store *st)
{
	struct ft_err err = { 0 };

	if (store_commit(st, &err))
		UT_FAILF("store_commit: %s", err.msg);
}

/* A point for an existing row adds to it; the peak takes the maximum. */
static void
a_second_point_adds_to_the_row(void)
{
	struct store *st = open_hist(fresh_path("add"), NULL, 50);
	struct ft_series_pt p[2] = { pt(T0, FT_SK_ASN, 15169, 100, 10),
		pt(T0, FT_SK_ASN, 15169, 50, 5) };

	append(st, p, 2);
	commit(st);
	UT_EQ(q_int(st, "SELECT count(*) FROM series_1m"), 1);
	UT_EQ(q_int(st, "SELECT bytes_in FROM series_1m"), 150);
	UT_EQ(q_int(st, "SELECT bytes_out FROM series_1m"), 15);
	UT_EQ(q_int(st, "SELECT peak_bps FROM series_1m"), 800);
	UT_EQ(q_int(st, "SELECT flows FROM series_1m"), 2);
	store_close(st);
}

/*
 * Three hours of minutes: the first two hours are closed and rolled up when
 * the third arrives; each hour row is the sum of its minutes, "other"
 * holds the keys past K, and the day waits until it is closed.
 */
static void
closed_hours_are_the_sums_of_their_minutes(void)
{
	struct store *st = open_hist(fresh_path("roll"), NULL, 2);
	struct ft_series_pt p[8];
	uint32_t m, i;

	for (m = 0; m < 150; m++) {
		for (i = 0; i < 4; i++)
			p[i] = pt(H0 + m * 60, FT_SK_ASN, 100 + i,
			    (i + 1) * 1000 + m, i);
		p[4] = pt(H0 + m * 60, FT_SK_IFACE, 0, 10000 + 4 * m, 6);
		append(st, p, 5);
	}
	commit(st);
	UT_EQ(q_int(st, "SELECT count(DISTINCT t) FROM series_1h"), 2);
	UT_EQ(q_int(st, "SELECT count(*) FROM series_1h WHERE kind = 7 AND "
	    "t = " "1699999200"), 3);	/* two keys and other */
	UT_EQ(q_int(st, "SELECT count(*) FROM (SELECT h.kind, h.t, h.key, "
	    "h.bytes_in, sum(m.bytes_in) s FROM series_1h h JOIN series_1m m "
	    "ON m.kind = h.kind AND m.key = h.key AND m.t >= h.t AND "
	    "m.t < h.t + 3600 WHERE h.key != -1 GROUP BY 1, 2, 3 "
	    "HAVING h.bytes_in != s)"), 0);
	UT_EQ(q_int(st, "SELECT sum(bytes_in) FROM series_1h WHERE kind = 7"),
	    q_int(st, "SELECT sum(bytes_in) FROM series_1m WHERE kind = 7 AND "
	    "t < 1700006400"));
	UT_EQ(q_int(st, "SELECT key FROM series_1h WHERE kind = 7 AND "
	    "t = 1699999200 ORDER BY bytes_in DESC LIMIT 1"), 103);
	UT_EQ(q_int(st, "SELECT max(active) FROM series_1h WHERE kind = 7 "
	    "AND key = 103"), 103 % 7);
	UT_EQ(q_int(st, "SELECT peak_bps FROM series_1h WHERE kind = 1 AND "
	    "t = 1699999200"), (10000 + 4 * 59) * 8);
	UT_EQ(q_int(st, "SELECT rolled_to FROM rollups WHERE step = '1h'"),
	    H0 + 7200);
	/* 2023-11-14 is closed too: its row sums its two hours */
	UT_EQ(q_int(st, "SELECT count(DISTINCT t) FROM series_1d"), 1);
	UT_EQ(q_int(st, "SELECT sum(bytes_in) FROM series_1d"),
	    q_int(st, "SELECT sum(bytes_in) FROM series_1m WHERE t < "
	    "1700006400"));
	store_close(st);
}

/* A minute written into an hour already rolled up makes it roll again. */
static void
late_minutes_roll_their_hour_again(void)
{
	struct store *st = open_hist(fresh_path("late"), NULL, 50);
	struct ft_series_pt a = pt(H0, FT_SK_PROTO, 6, 100, 1);
	struct ft_series_pt b = pt(H0 + 7200, FT_SK_PROTO, 6, 1, 1);
	struct ft_series_pt c = pt(H0 + 120, FT_SK_PROTO, 6, 23, 0);

	append(st, &a, 1);
	append(st, &b, 1);
	commit(st);
	UT_EQ(q_int(st, "SELECT bytes_in FROM series_1h WHERE t = 1699999200"),
	    100);
	append(st, &c, 1);
	commit(st);
	UT_EQ(q_int(st, "SELECT bytes_in FROM series_1h WHERE t = 1699999200"),
	    123);
	store_close(st);
}

/*
 * Days follow the time zone: in Asia/Kolkata (UTC+5:30) a day starts at
 * 18:30 UTC, so it rolls from minutes; its row holds exactly those minutes.
 */
static void
days_follow_the_time_zone(void)
{
	struct store *st;
	struct ft_series_pt p;
	const char *old = getenv("TZ");
	int64_t day;
	uint32_t h;

	setenv("TZ", "Asia/Kolkata", 1);
	tzset();
	st = open_hist(fresh_path("tz"), NULL, 50);
	for (h = 0; h < 50; h++) {
		p = pt(H0 + h * 3600, FT_SK_IFACE, 0, 1000 + h, 0);
		append(st, &p, 1);
	}
	commit(st);
	day = q_int(st, "SELECT min(t) FROM series_1d");
	UT_EQ((day + 19800) % 86400, 0);	/* local midnight */
	UT_EQ(q_int(st, "SELECT bytes_in FROM series_1d WHERE t = "
	    "(SELECT min(t) FROM series_1d)"),
	    q_int(st, "SELECT sum(bytes_in) FROM series_1m WHERE t >= "
	    "(SELECT min(t) FROM series_1d) AND t < "
	    "(SELECT min(t) FROM series_1d) + 86400"));
	store_close(st);
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
}

/*
 * Retention ends at the newest data: minutes older than the window go once
 * their hours are rolled up, flows older than theirs go (once their hours'
 * conversations are rolled), nothing else.
 */
static void
retention_deletes_exactly_what_is_past_its_window(void)
{
	struct store_keep keep = { .flows_days = 1, .m1_days = 1,
		.h1_days = 2, .d1_days = 0 };
	struct store *st = open_hist(fresh_path("keep"), &keep, 50);
	struct ft_flowrec r;
	struct ft_series_pt p;
	struct ft_err err = { 0 };
	int64_t newest, cut;
	uint32_t m;

	for (m = 0; m < 4 * 24 * 60; m += 10) {
		p = pt(H0 + m * 60, FT_SK_PROTO, 17, 5, 5);
		append(st, &p, 1);
		memset(&r, 0, sizeof(r));
		r.flow_id = m + 1;
		r.first_us = r.last_us = r.start_us = (H0 + m * 60) *
		    UINT64_C(1000000);
		r.ip_ver = 4;
		r.pkts[0] = 1;
		if (store_append(st, &r, 1, &err))
			UT_FAILF("store_append: %s", err.msg);
		if (m % 60 == 50)	/* a commit an hour, as writers do */
			commit(st);
	}
	commit(st);
	newest = q_int(st, "SELECT max(t) FROM series_1m");
	UT_EQ(newest, H0 + (4 * 24 * 60 - 10) * 60);
	UT_EQ(q_int(st, "SELECT min(t) FROM series_1m"),
	    H0 + ((newest - 86400 - H0 + 599) / 600) * 600);
	/* flows go by whole hours: from the hour the window starts in */
	cut = newest - 86400;
	cut -= cut % 3600;
	UT_EQ(q_int(st, "SELECT min(first_us) / 1000000 FROM flows"),
	    H0 + ((cut - H0 + 599) / 600) * 600);
	UT_ASSERT(q_int(st, "SELECT min(t) FROM series_1h") >=
	    newest - 2 * 86400);
	UT_ASSERT(q_int(st, "SELECT min(t) FROM series_1h") <
	    newest - 2 * 86400 + 3600);
	/* Closed days (all but the newest's, 22 h of it) are kept forever. */
	UT_EQ(q_int(st, "SELECT sum(bytes_in) FROM series_1d"),
	    5 * (4 * 24 * 6 - 22 * 6));
	UT_EQ(q_int(st, "SELECT count(*) FROM pragma_integrity_check "
	    "WHERE integrity_check != 'ok'"), 0);
	store_close(st);
}

/* Open with keep_own (ingest's store) or without (run's). */
static struct store *
open_writer(const char *path, const struct store_keep *keep, bool own)
{
	struct store_opts o = { .path = path, .commit_interval_s = 3600,
	    .command = own ? "ingest" : "run", .keep_own = own,
	    .packet_clock = own };
	struct ft_err err = { 0 };
	struct store *st = NULL;

	o.keep = *keep;
	if (store_open(&o, &st, &err))
		UT_FAILF("store_open %s: %s", path, err.msg);
	return st;
}

/* n hours of one record and one point every 10 minutes from t0, committed hourly. */
static void
write_hours(struct store *st, uint32_t t0, uint32_t hours)
{
	struct ft_err err = { 0 };
	struct ft_series_pt p;
	struct ft_flowrec r;
	uint32_t m;

	for (m = 0; m < hours * 60; m += 10) {
		p = pt(t0 + m * 60, FT_SK_PROTO, 17, 5, 5);
		append(st, &p, 1);
		memset(&r, 0, sizeof(r));
		r.flow_id = t0 + m + 1;
		r.first_us = r.last_us = r.start_us = (t0 + m * 60) *
		    UINT64_C(1000000);
		r.ip_ver = 4;
		r.pkts[0] = 1;
		r.bytes[0] = 100;
		if (store_append(st, &r, 1, &err))
			UT_FAILF("store_append: %s", err.msg);
		if (m % 60 == 50)
			commit(st);
	}
	if (store_conv_finish(st, &err))
		UT_FAILF("store_conv_finish: %s", err.msg);
}

/*
 * Issue 12: an older capture ingested into a store with newer data kept
 * only its last hour. An ingest prunes none of what it writes, says how
 * much of it is already past the window, and run prunes it later, counted.
 */
static void
an_ingest_prunes_none_of_its_rows(void)
{
	struct store_keep keep = { .flows_days = 1, .m1_days = 1,
		.h1_days = 2, .d1_days = 0 };
	const char *path = fresh_path("own");
	int64_t days;
	uint32_t old = H0 - 20 * 86400;
	struct store_stats ss;
	struct store_windows w;
	struct ft_err err = { 0 };
	struct store *st;
	uint64_t behind = 0;

	st = open_writer(path, &keep, false);		/* newer data first */
	write_hours(st, H0, 2);
	store_close(st);
	st = open_writer(path, &keep, true);		/* then an old capture */
	write_hours(st, old, 30);
	commit(st);
	store_get_stats(st, &ss);
	UT_EQ(ss.pruned, 0);
	UT_EQ(q_int(st, "SELECT count(*) FROM flows"), 32 * 6);
	UT_EQ(q_int(st, "SELECT count(*) FROM series_1m"), 32 * 6);
	UT_EQ(q_int(st, "SELECT min(t) FROM series_1m"), old);
	UT_EQ(q_int(st, "SELECT count(*) FROM series_1h WHERE t < "
	    "1700000000 - 86400 * 10"), 30);
	store_get_windows(st, &w);
	UT_EQ(w.horizon_s, H0 + 2 * 3600 - 600);
	UT_EQ(w.flows_s, w.horizon_s - 86400 - (w.horizon_s - 86400) % 3600);
	UT_EQ(w.own_from_s, old);
	if (store_count_own_behind(st, &behind, &err))
		UT_FAILF("store_count_own_behind: %s", err.msg);
	UT_EQ(behind, 30 * 6);
	days = q_int(st, "SELECT count(*) FROM series_1d WHERE t < 1699000000");
	UT_ASSERT(days >= 2);
	store_close(st);
	/* run, writing after the horizon's hour, prunes them and counts it */
	st = open_writer(path, &keep, false);
	write_hours(st, H0 + 2 * 3600, 1);
	commit(st);
	store_get_stats(st, &ss);
	UT_EQ(ss.pruned_flows, 30 * 6);
	UT_EQ(ss.pruned_series, 30 * 6 + 30);	/* minutes, hours; days kept */
	UT_EQ(q_int(st, "SELECT min(first_us) / 1000000 FROM flows"), H0);
	UT_EQ(q_int(st, "SELECT count(*) FROM series_1d WHERE t < 1699000000"),
	    days);		/* kept forever */
	store_close(st);
}

/* A packet stamped far in the future prunes nothing of the present. */
static void
a_future_packet_does_not_move_the_horizon(void)
{
	/*
	 * Two days keep every row whatever the time of day: the oldest is the
	 * day row of the hour ten hours back, at most 34 hours old. A horizon
	 * moved 400 days ahead would prune them all.
	 */
	struct store_keep keep = { .flows_days = 2, .m1_days = 2,
		.h1_days = 2, .d1_days = 2 };
	uint32_t now = (uint32_t)time(NULL), t = now - now % 3600 - 10 * 3600;
	struct store *st = open_writer(fresh_path("future"), &keep, false);
	struct ft_series_pt p = pt(now + 400 * 86400, FT_SK_PROTO, 6, 1, 1);
	struct store_windows w;
	struct store_stats ss;

	write_hours(st, t, 3);
	append(st, &p, 1);
	commit(st);
	write_hours(st, t + 3 * 3600, 1);
	commit(st);
	store_get_windows(st, &w);
	UT_ASSERT(w.horizon_s <= (int64_t)time(NULL));
	UT_ASSERT(w.horizon_s >= now);
	store_get_stats(st, &ss);
	UT_EQ(ss.pruned, 0);
	UT_EQ(q_int(st, "SELECT count(*) FROM flows"), 4 * 6);
	store_close(st);
}

int
main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ft-hist.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	setenv("TZ", "UTC", 1);
	tzset();
	ft_log_level = FT_LOG_WARN;	/* retention's INFO lines */
	UT_RUN(a_second_point_adds_to_the_row);
	UT_RUN(closed_hours_are_the_sums_of_their_minutes);
	UT_RUN(late_minutes_roll_their_hour_again);
	UT_RUN(days_follow_the_time_zone);
	UT_RUN(retention_deletes_exactly_what_is_past_its_window);
	UT_RUN(an_ingest_prunes_none_of_its_rows);
	UT_RUN(a_future_packet_does_not_move_the_horizon);
	fresh_path("own");
	fresh_path("future");
	fresh_path("add");
	fresh_path("roll");
	fresh_path("late");
	fresh_path("tz");
	fresh_path("keep");
	rmdir(tmpdir);
	return UT_DONE();
}
