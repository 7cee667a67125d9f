/* store_rollup.c: closed hours and days rolled up, and retention */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "../base/ft_log.h"
#include "../base/ft_time.h"
#include "store_int.h"

#define PRUNE_FLOWS_MAX 100000	/* flow rows deleted per commit at most */

static const char *const roll_table[STORE_N_ROLL] = { "series_1h",
	"series_1d" };
static const char *const roll_step[STORE_N_ROLL] = { "1h", "1d" };

static int64_t
period_start(int r, int64_t t)
{
	return r == STORE_ROLL_1H ? t - (t % 3600 + 3600) % 3600 :
	    ft_day_start(t);
}

static int64_t
period_next(int r, int64_t p)
{
	return r == STORE_ROLL_1H ? p + 3600 : ft_day_next(p);
}

static int
prep(struct store *st, const char *sql, sqlite3_stmt **s, struct ft_err *err)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);

	if (rc != SQLITE_OK)
		return store_db_err(err, st->db, rc, st->path, "prepare");
	return 0;
}

static int
step_done(struct store *st, sqlite3_stmt *s, struct ft_err *err)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_db_err(err, st->db, rc, st->path,
		    "cannot roll up the series");
	return 0;
}

struct roll_stmts {
	sqlite3_stmt *sel, *ins, *del, *next;
};

static void
roll_stmts_free(struct roll_stmts *r)
{
	sqlite3_finalize(r->sel);
	sqlite3_finalize(r->ins);
	sqlite3_finalize(r->del);
	sqlite3_finalize(r->next);
}

static int
roll_stmts_new(struct store *st, const char *dst, const char *src,
    struct roll_stmts *r, struct ft_err *err)
{
	struct store_sql b;
	char sql[1024];
	int rc;

	/* the insert's counters follow the select's, both in table order */
	store_sql_init(&b, sql, sizeof(sql));
	store_series_sql_roll(&b, src);
	rc = prep(st, sql, &r->sel, err);
	store_sql_init(&b, sql, sizeof(sql));
	store_series_sql_insert(&b, dst, false, false);
	if (!rc)
		rc = prep(st, sql, &r->ins, err);
	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE kind = ?1 AND t = ?2",
	    dst);
	if (!rc)
		rc = prep(st, sql, &r->del, err);
	return rc;
}

static bool
key_is_other(sqlite3_stmt *sel)
{
	return sqlite3_column_type(sel, 0) == SQLITE_INTEGER &&
	    sqlite3_column_int64(sel, 0) == -1;
}

/* Roll one kind of [p, q) into period p: top k keys, then "other". */
static int
roll_kind(struct store *st, struct roll_stmts *r, int kind, int64_t p,
    int64_t q, uint32_t k, struct ft_err *err)
{
	int64_t rest[FT_SV_N] = { 0 }, v;
	bool any_rest = false;
	uint32_t rank = 0;
	unsigned i;
	int rc;

	sqlite3_bind_int(r->del, 1, kind);
	sqlite3_bind_int64(r->del, 2, p);
	if ((rc = step_done(st, r->del, err)))
		return rc;
	sqlite3_bind_int(r->sel, 1, kind);
	sqlite3_bind_int64(r->sel, 2, p);
	sqlite3_bind_int64(r->sel, 3, q);
	while ((rc = sqlite3_step(r->sel)) == SQLITE_ROW) {
		if (rank < k && !key_is_other(r->sel)) {
			rank++;
			sqlite3_bind_int(r->ins, 1, kind);
			sqlite3_bind_int64(r->ins, 2, p);
			sqlite3_bind_value(r->ins, 3,
			    sqlite3_column_value(r->sel, 0));
			for (i = 0; i < FT_SV_N; i++)
				sqlite3_bind_int64(r->ins, 4 + i,
				    sqlite3_column_int64(r->sel, 1 + i));
			if ((rc = step_done(st, r->ins, err)))
				goto out;
			continue;
		}
		for (i = 0; i < FT_SV_N; i++) {
			v = sqlite3_column_int64(r->sel, 1 + i);
			if (ft_series_fields[i].roll == FT_COMBINE_SUM)
				rest[i] += v;
			else if (v > rest[i])
				rest[i] = v;
		}
		any_rest = true;
	}
	if (rc != SQLITE_DONE) {
		rc = store_db_err(err, st->db, rc, st->path,
		    "cannot roll up the series");
		goto out;
	}
	rc = 0;
	if (any_rest) {
		sqlite3_bind_int(r->ins, 1, kind);
		sqlite3_bind_int64(r->ins, 2, p);
		sqlite3_bind_int(r->ins, 3, -1);
		for (i = 0; i < FT_SV_N; i++)
			sqlite3_bind_int64(r->ins, 4 + i, rest[i]);
		rc = step_done(st, r->ins, err);
	}
out:
	sqlite3_reset(r->sel);
	return rc;
}

static int
roll_period(struct store *st, struct roll_stmts *r, int64_t p, int64_t q,
    struct ft_err *err)
{
	int kind, rc;

	for (kind = 1; kind <= FT_SK_MAX; kind++) {
		rc = roll_kind(st, r, kind, p, q, kind == FT_SK_LHOST ||
		    kind == FT_SK_MAC ? st->hist.k_local : st->hist.k, err);
		if (rc)
			return rc;
	}
	st->stats.rolled++;
	return 0;
}

/* The first minute (of any kind) at or after t in series_1m, or INT64_MAX. */
static int
next_minute(struct store *st, sqlite3_stmt *s, int64_t t, int64_t *out,
    struct ft_err *err)
{
	int kind, rc;

	*out = INT64_MAX;
	for (kind = 1; kind <= FT_SK_MAX; kind++) {
		sqlite3_bind_int(s, 1, kind);
		sqlite3_bind_int64(s, 2, t);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) ==
		    SQLITE_INTEGER && sqlite3_column_int64(s, 0) < *out)
			*out = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return store_db_err(err, st->db, rc, st->path,
			    "cannot roll up the series");
	}
	return 0;
}

/*
 * Days roll up from hours when both ends of the day are whole UTC hours
 * (every zone but the :30 and :45 ones), else from minutes.
 */
static bool
roll_from_hours(int r, int64_t p, int64_t q)
{
	return r == STORE_ROLL_1D && p % 3600 == 0 && q % 3600 == 0;
}

/* Roll every period of step r with minutes in [from, end); end is closed. */
static int
roll_step_range(struct store *st, int r, int64_t from, int64_t end,
    struct ft_err *err)
{
	struct roll_stmts rs[2] = { { 0 } };
	sqlite3_stmt *nx = NULL;
	int64_t t = from, p, q;
	int rc;

	rc = prep(st, "SELECT min(t) FROM series_1m WHERE kind = ?1 AND "
	    "t >= ?2", &nx, err);
	if (!rc)
		rc = roll_stmts_new(st, roll_table[r], "series_1m", &rs[0], err);
	if (!rc && r == STORE_ROLL_1D)
		rc = roll_stmts_new(st, roll_table[r], "series_1h", &rs[1],
		    err);
	while (!rc) {
		rc = next_minute(st, nx, t, &t, err);
		if (rc || t >= end)
			break;
		p = period_start(r, t);
		q = period_next(r, p);
		rc = roll_period(st, &rs[roll_from_hours(r, p, q)], p, q, err);
		t = q;
	}
	sqlite3_finalize(nx);
	roll_stmts_free(&rs[0]);
	roll_stmts_free(&rs[1]);
	return rc;
}

static int
set_rolled_to(struct store *st, int r, int64_t to, struct ft_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = prep(st, "UPDATE rollups SET rolled_to = ?1 WHERE step = ?2",
	    &s, err);

	if (!rc) {
		sqlite3_bind_int64(s, 1, to);
		sqlite3_bind_text(s, 2, roll_step[r], -1, SQLITE_STATIC);
		rc = step_done(st, s, err);
	}
	sqlite3_finalize(s);
	return rc;
}

int
store_reroll(struct store *st, int64_t from, int64_t to, struct ft_err *err)
{
	char sql[96];
	int64_t p, end;
	int r, rc;

	for (r = 0; r < STORE_N_ROLL; r++) {
		p = period_start(r, from);
		end = period_next(r, period_start(r, to - 1));
		if (end > st->hist.rolled_to[r])
			end = st->hist.rolled_to[r];
		if (p >= end)
			continue;
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE t >= %lld AND "
		    "t < %lld", roll_table[r], (long long)p, (long long)end);
		rc = store_exec(st->db, st->path, sql, err);
		if (!rc)
			rc = roll_step_range(st, r, p, end, err);
		if (rc)
			return rc;
	}
	return 0;
}

int
store_rollup(struct store *st, struct ft_err *err)
{
	struct store_hist *h = &st->hist;
	int64_t end, from;
	int r, rc;

	for (r = 0; r < STORE_N_ROLL; r++) {
		end = period_start(r, h->newest_s);
		from = h->rolled_to[r] < h->dirty_from[r] ? h->rolled_to[r] :
		    h->dirty_from[r];
		if (from >= end)
			continue;
		if (from > 0)
			from = period_start(r, from);
		rc = roll_step_range(st, r, from, end, err);
		if (!rc && end > h->rolled_to[r])
			rc = set_rolled_to(st, r, end, err);
		if (rc)
			return rc;
		if (end > h->rolled_to[r])
			h->rolled_to[r] = end;
		h->dirty_from[r] = INT64_MAX;
	}
	return 0;
}

/* Run sql with ?1 = a, ?2 = b; add the rows it deleted to *n. */
static int
prune_exec(struct store *st, const char *sql, int64_t a, int64_t b,
    uint64_t *n, struct ft_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = prep(st, sql, &s, err);

	if (!rc) {
		sqlite3_bind_int64(s, 1, a);
		sqlite3_bind_int64(s, 2, b);
		rc = step_done(st, s, err);
	}
	sqlite3_finalize(s);
	if (!rc)
		*n += (uint64_t)sqlite3_changes(st->db);
	return rc;
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Delete rows of tab older than cutoff, kind by kind (its primary key). */
static int
prune_series(struct store *st, const char *tab, int64_t cutoff, uint64_t *n,
    struct ft_err *err)
{
	char sql[128];
	int kind, rc = 0;

	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE kind = ?1 AND t < ?2",
	    tab);
	for (kind = 1; kind <= FT_SK_MAX && !rc; kind++)
		rc = prune_exec(st, sql, kind, cutoff, n, err);
	return rc;
}

int64_t
store_horizon_s(const struct store *st)
{
	return min64(st->hist.newest_s, (int64_t)(ft_now_us() / 1000000));
}

/*
 * Where the window of days ends for a table whose rows start at multiples
 * of step_s (hours) or at days (step_s 0): its rows before this go. With
 * own (and keep_own), never past the period of the oldest data this
 * writer wrote. 0 keeps everything.
 */
static int64_t
window_start(const struct store *st, uint32_t days, int64_t step_s, bool own_too)
{
	const struct store_hist *h = &st->hist;
	int64_t t, own = h->own_from_s;

	if (!days)
		return 0;
	t = store_horizon_s(st) - (int64_t)days * 86400;
	if (own_too && h->keep_own && own != INT64_MAX)
		t = min64(t, step_s ? own - (own % step_s + step_s) % step_s :
		    ft_day_start(own));
	return t > 0 ? t : 0;
}

static int64_t
flows_cutoff_s(const struct store *st, bool own_too)
{
	int64_t t = window_start(st, st->hist.keep.flows_days, 3600, own_too);

	return t - t % 3600;
}

int64_t
store_flows_cutoff_us(const struct store *st)
{
	return flows_cutoff_s(st, true) * 1000000;
}

void
store_get_windows(const struct store *st, struct store_windows *out)
{
	const struct store_keep *k = &st->hist.keep;

	out->horizon_s = store_horizon_s(st);
	out->own_from_s = st->hist.own_from_s == INT64_MAX ? 0 :
	    st->hist.own_from_s;
	out->flows_s = flows_cutoff_s(st, false);
	out->m1_s = window_start(st, k->m1_days, 60, false);
	out->h1_s = window_start(st, k->h1_days, 3600, false);
	out->d1_s = window_start(st, k->d1_days, 0, false);
}

const char *
store_fmt_utc(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm) ||
	    !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, len, "-");
	return buf;
}

int
store_count_own_behind(struct store *st, uint64_t *n, struct ft_err *err)
{
	sqlite3_stmt *s = NULL;
	int64_t cut = flows_cutoff_s(st, false) * 1000000;
	int rc;

	*n = 0;
	if (cut <= 0 || !st->run_id)
		return 0;
	rc = prep(st, "SELECT count(*) FROM flows WHERE first_us < ?1 AND "
	    "run = ?2", &s, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, cut);
	sqlite3_bind_int64(s, 2, st->run_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*n = (uint64_t)sqlite3_column_int64(s, 0);
	rc = rc == SQLITE_ROW ? 0 : store_db_err(err, st->db, rc, st->path,
	    "cannot count records past retention");
	sqlite3_finalize(s);
	return rc;
}

/* Say what a prune removed and why (run's log; ingest prints a summary). */
static void
prune_log(const struct store *st, const uint64_t *n)
{
	struct store_windows w;
	char end[32], fl[32];

	if (st->hist.keep_own || !(n[0] | n[1] | n[2]))
		return;
	store_get_windows(st, &w);
	ft_log(FT_LOG_INFO, "store %s: retention pruned %llu flow records "
	    "(before %s), %llu series rows and %llu conversation rows: "
	    "older than history.keep-* days before %s, the newest data",
	    st->path, (unsigned long long)n[0], store_fmt_utc(w.flows_s, fl,
	    sizeof(fl)), (unsigned long long)n[1], (unsigned long long)n[2],
	    store_fmt_utc(w.horizon_s, end, sizeof(end)));
}

int
store_prune(struct store *st, struct ft_err *err)
{
	struct store_hist *h = &st->hist;
	const struct store_keep *k = &h->keep;
	int64_t hour = store_horizon_s(st), t;
	uint64_t n[3] = { 0, 0, 0 };	/* flows, series, conversations */
	int rc = 0;

	hour -= hour % 3600;
	if (hour == h->pruned_at && !h->prune_more)
		return 0;
	/* flows go by whole hours, once their conversations are rolled */
	if ((t = store_flows_cutoff_us(st)) > 0)
		rc = prune_exec(st, "DELETE FROM flows WHERE rowid IN (SELECT "
		    "rowid FROM flows WHERE first_us < ?1 LIMIT ?2)",
		    min64(t, st->conv.next_h < 0 ? 0 : st->conv.next_h),
		    PRUNE_FLOWS_MAX, &n[0], err);
	if (!rc && (t = window_start(st, k->h1_days, 3600, true)) > 0)
		rc = store_conv_prune(st, t * 1000000, &n[2], err);
	/* Never drop what is not yet rolled up into the next step. */
	if (!rc && (t = window_start(st, k->m1_days, 60, true)) > 0)
		rc = prune_series(st, "series_1m", min64(t,
		    h->rolled_to[STORE_ROLL_1H]), &n[1], err);
	if (!rc && (t = window_start(st, k->h1_days, 3600, true)) > 0)
		rc = prune_series(st, "series_1h", min64(t,
		    h->rolled_to[STORE_ROLL_1D]), &n[1], err);
	if (!rc && (t = window_start(st, k->d1_days, 0, true)) > 0)
		rc = prune_series(st, "series_1d", t, &n[1], err);
	if (rc)
		return rc;
	if (n[0] | n[1] | n[2])
		h->gc_due = true;
	/* what no retained row needs, once a day of the horizon at most */
	if (h->gc_due && !h->prune_more && n[0] != PRUNE_FLOWS_MAX &&
	    ft_day_start(hour) != h->gc_day) {
		rc = store_gc(st, st->stats.pruned_dict, err);
		if (rc)
			return rc;
		h->gc_due = false;
		h->gc_day = ft_day_start(hour);
	}
	h->prune_more = n[0] == PRUNE_FLOWS_MAX;
	h->pruned_at = hour;
	st->stats.pruned += n[0] + n[1] + n[2];
	st->stats.pruned_flows += n[0];
	st->stats.pruned_series += n[1];
	st->stats.pruned_conv += n[2];
	prune_log(st, n);
	return 0;
}
