/* store_capture.c: ingested captures, and backing out a dead run */
/*
 * Capture fingerprints record what ingest took; a run that died part-way is
 * backed out again.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../base/ft_log.h"
#include "store_int.h"

#define CAP_RUNS_MAX 64		/* dead runs backed out by one ingest */

/* The additive counters of a series row; peak_bps is a maximum. */
#define CAP_SUB(c) c " = s." c " - j." c
#define CAP_ZERO(c) c " = 0"

static const char cap_sql_sub[] =
	"UPDATE series_1m AS s SET "
	CAP_SUB("bytes_in") ", " CAP_SUB("bytes_out") ", "
	CAP_SUB("pkts_in") ", " CAP_SUB("pkts_out") ", " CAP_SUB("flows") ", "
	CAP_SUB("active") ", " CAP_SUB("dns_q") ", " CAP_SUB("dns_ok") ", "
	CAP_SUB("dns_err") ", " CAP_SUB("nonip_bytes") ", "
	CAP_SUB("nonip_pkts") " FROM run_points AS j WHERE j.run = ?1 AND "
	"s.kind = j.kind AND s.t = j.t AND s.key = j.key";
static const char cap_sql_zero[] =
	"DELETE FROM series_1m WHERE (kind, t, key) IN (SELECT kind, t, key "
	"FROM run_points WHERE run = ?1) AND " CAP_ZERO("bytes_in") " AND "
	CAP_ZERO("bytes_out") " AND " CAP_ZERO("pkts_in") " AND "
	CAP_ZERO("pkts_out") " AND " CAP_ZERO("flows") " AND "
	CAP_ZERO("active") " AND " CAP_ZERO("dns_q") " AND "
	CAP_ZERO("dns_ok") " AND " CAP_ZERO("dns_err") " AND "
	CAP_ZERO("nonip_bytes") " AND " CAP_ZERO("nonip_pkts");

static int64_t
cap_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The command name /proc gives pid ("self" for this process), "" unknown. */
static void
cap_comm(const char *pid, char *out, size_t cap)
{
	char path[64];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(out, (int)cap, f))
		out[0] = '\0';
	fclose(f);
}

/*
 * A writer is alive when its pid is, and (where /proc says) that process
 * is a flowtrail, by that name or by ours: a pid reused after a reboot
 * does not hold a capture.
 */
bool
store_pid_alive(int64_t pid)
{
	char id[24], comm[32], self[32];

	if (pid <= 0 || pid == (int64_t)getpid())
		return false;
	if (kill((pid_t)pid, 0) != 0 && errno != EPERM)
		return false;
	snprintf(id, sizeof(id), "%lld", (long long)pid);
	cap_comm(id, comm, sizeof(comm));
	if (!comm[0])
		return true;
	cap_comm("self", self, sizeof(self));
	return strncmp(comm, "flowtrail", 9) == 0 || !strcmp(comm, self);
}

/*
 * Run sql with ?1 = a: *n (may be NULL) gets the rows changed; lo and hi
 * (may be NULL) the two integers of its row, -1 for none or NULL.
 */
static int
cap_exec1(struct store *st, const char *sql, int64_t a, int64_t *n,
    int64_t *lo, int64_t *hi, struct ft_err *err)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);

	if (rc != SQLITE_OK)
		return store_db_err(err, st->db, rc, st->path, "captures");
	sqlite3_bind_int64(s, 1, a);
	if (lo)
		*lo = *hi = -1;
	rc = sqlite3_step(s);
	if (lo && rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*lo = sqlite3_column_int64(s, 0);
		*hi = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_db_err(err, st->db, rc, st->path, "captures");
	if (n)
		*n = sqlite3_changes(st->db);
	return 0;
}

/*
 * Take run back out, in the open transaction: its series points (minute
 * rows it alone made go; the hours and days over them roll again), its
 * conversations (the hours its records touch turn stale and roll again
 * from the records left), its flow records, its journal and captures.
 * Devices and dictionaries keep what it taught them: they name, not count.
 */
static int
cap_backout(struct store *st, int64_t run, struct ft_err *err)
{
	int64_t lo, hi, n_flows = 0;
	int rc;

	/*
	 * Only minutes still in series_1m can be rolled again: retention
	 * prunes minutes before an hour boundary, so the hours from the first
	 * of them on are whole, and older rollups are left as they are.
	 */
	rc = cap_exec1(st, "SELECT min(j.t), max(j.t) FROM run_points j JOIN "
	    "series_1m s ON s.kind = j.kind AND s.t = j.t AND s.key = j.key "
	    "WHERE j.run = ?1", run, NULL, &lo, &hi, err);
	if (!rc)
		rc = cap_exec1(st, cap_sql_sub, run, NULL, NULL, NULL, err);
	if (!rc)
		rc = cap_exec1(st, cap_sql_zero, run, NULL, NULL, NULL, err);
	if (!rc && lo >= 0)
		rc = store_reroll(st, lo, hi + 60, err);
	if (!rc)
		rc = cap_exec1(st, "SELECT min(first_us), max(last_us) FROM "
		    "flows WHERE run = ?1", run, NULL, &lo, &hi, err);
	if (!rc && lo >= 0) {
		char sql[160];

		snprintf(sql, sizeof(sql), "UPDATE conv_hours SET state = %d "
		    "WHERE state = %d AND hour >= ?1 AND hour <= %lld",
		    STORE_CONV_STALE, STORE_CONV_ROLLED,
		    (long long)(hi - hi % STORE_HOUR_US));
		rc = cap_exec1(st, sql, lo - lo % STORE_HOUR_US, NULL, NULL,
		    NULL, err);
	}
	if (!rc)
		rc = cap_exec1(st, "DELETE FROM flows WHERE run = ?1", run,
		    &n_flows, NULL, NULL, err);
	if (!rc)
		rc = cap_exec1(st, "DELETE FROM run_points WHERE run = ?1", run,
		    NULL, NULL, NULL, err);
	if (!rc)
		rc = cap_exec1(st, "DELETE FROM captures WHERE run = ?1", run,
		    NULL, NULL, NULL, err);
	if (!rc)
		ft_log(FT_LOG_DEBUG, "store %s: run %lld backed out (%lld flow "
		    "records)", st->path, (long long)run, (long long)n_flows);
	return rc;
}

static void
cap_add_run(int64_t *runs, size_t *n, int64_t run)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (runs[i] == run)
			return;
	if (*n < CAP_RUNS_MAX)
		runs[(*n)++] = run;
}

static void
cap_col_range(sqlite3_stmt *s, int col, int64_t *v)
{
	*v = sqlite3_column_type(s, col) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(s, col);
}

/*
 * What the store knows of c: a finished ingest (SEEN unless force), a live
 * writer at it (BUSY), and every dead partial one (its run to back out).
 */
static int
cap_find(struct store *st, sqlite3_stmt *s, struct store_capture *c,
    bool force, int64_t *runs, size_t *n_runs, struct ft_err *err)
{
	bool seen = false, busy = false, dead = false;
	int64_t run, pid;
	int rc;

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, (int64_t)c->size);
	sqlite3_bind_text(s, 2, c->fp, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		run = sqlite3_column_int64(s, 0);
		pid = sqlite3_column_int64(s, 6);
		if (sqlite3_column_int(s, 1) == 2) {
			if (seen || force)
				continue;
			seen = true;
			c->run = run;
			c->added_us = sqlite3_column_int64(s, 2);
			c->packets = (uint64_t)sqlite3_column_int64(s, 3);
			cap_col_range(s, 4, &c->first_us);
			cap_col_range(s, 5, &c->last_us);
		} else if (run != st->run_id && store_pid_alive(pid)) {
			busy = true;
			if (!seen)
				c->run = run;
			c->pid = pid;
		} else if (run != st->run_id) {
			dead = true;
			if (!seen && !busy)
				c->run = run;
			cap_add_run(runs, n_runs, run);
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_db_err(err, st->db, rc, st->path, "captures");
	c->verdict = seen ? STORE_CAP_SEEN : busy ? STORE_CAP_BUSY :
	    dead ? STORE_CAP_REDO : STORE_CAP_NEW;
	return 0;
}

static int
cap_note(struct store *st, sqlite3_stmt *s, const struct store_capture *c,
    int64_t now_us, struct ft_err *err)
{
	int rc;

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, st->run_id);
	sqlite3_bind_text(s, 2, c->path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (int64_t)c->size);
	sqlite3_bind_text(s, 4, c->fp, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, now_us);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_db_err(err, st->db, rc, st->path, "captures");
	return 0;
}

static bool
cap_twice(const struct store_capture *caps, size_t i)
{
	size_t k;

	for (k = 0; k < i; k++)
		if (caps[k].size == caps[i].size &&
		    !strcmp(caps[k].fp, caps[i].fp))
			return true;
	return false;
}

static int
cap_begin_txn(struct store *st, struct store_capture *caps, size_t n,
    bool force, size_t *n_backed, struct ft_err *err)
{
	int64_t runs[CAP_RUNS_MAX], now_us = cap_now_us();
	sqlite3_stmt *find = NULL, *ins = NULL;
	size_t i, n_runs = 0;
	int rc;

	rc = store_prepare(st, "SELECT c.run, c.state, c.added_us, c.packets, "
	    "c.first_us, c.last_us, r.pid FROM captures c LEFT JOIN runs r "
	    "ON r.id = c.run WHERE c.size = ?1 AND c.fingerprint = ?2 "
	    "ORDER BY c.id", &find, err);
	if (!rc)
		rc = store_prepare(st, "INSERT INTO captures (run, path, size, "
		    "fingerprint, state, added_us) VALUES (?1, ?2, ?3, ?4, 1, "
		    "?5)", &ins, err);
	for (i = 0; !rc && i < n; i++) {
		rc = cap_find(st, find, &caps[i], force, runs, &n_runs, err);
		if (cap_twice(caps, i))
			caps[i].verdict = STORE_CAP_TWICE;
	}
	for (i = 0; !rc && i < n_runs; i++)
		rc = cap_backout(st, runs[i], err);
	for (i = 0; !rc && i < n; i++)
		if (caps[i].verdict == STORE_CAP_NEW ||
		    caps[i].verdict == STORE_CAP_REDO) {
			rc = cap_note(st, ins, &caps[i], now_us, err);
			st->run_used = true;
		}
	sqlite3_finalize(find);
	sqlite3_finalize(ins);
	*n_backed = n_runs;
	return rc;
}

int
store_captures_begin(struct store *st, struct store_capture *caps,
    size_t n, bool force, struct ft_err *err)
{
	size_t n_backed = 0;
	int rc;

	if (st->read_only || st->in_txn)
		return ft_err_set(err, FT_EINVAL, "store %s: captures: not "
		    "between batches of a writer", st->path);
	rc = store_exec(st->db, st->path, "BEGIN IMMEDIATE", err);
	if (rc)
		return rc;
	rc = cap_begin_txn(st, caps, n, force, &n_backed, err);
	if (!rc)
		rc = store_exec(st->db, st->path, "COMMIT", err);
	if (rc) {
		store_rollback(st);
		return rc;
	}
	if (!n_backed)
		return 0;
	/* the hours made stale above are to roll with this run's commits */
	store_conv_fini(st);
	return store_conv_init(st, err);
}

int
store_captures_done(struct store *st, const struct store_capture *caps,
    size_t n, struct ft_err *err)
{
	sqlite3_stmt *s = NULL;
	size_t i;
	int rc;

	if (st->read_only || st->in_txn)
		return ft_err_set(err, FT_EINVAL, "store %s: captures: not "
		    "between batches of a writer", st->path);
	rc = store_exec(st->db, st->path, "BEGIN IMMEDIATE", err);
	if (!rc)
		rc = store_prepare(st, "UPDATE captures SET state = 2, "
		    "packets = ?3, first_us = ?4, last_us = ?5 WHERE run = ?1 "
		    "AND fingerprint = ?2 AND state = 1", &s, err);
	for (i = 0; !rc && i < n; i++) {
		if (caps[i].verdict != STORE_CAP_NEW &&
		    caps[i].verdict != STORE_CAP_REDO)
			continue;
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, st->run_id);
		sqlite3_bind_text(s, 2, caps[i].fp, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, (int64_t)caps[i].packets);
		store_bind_id(s, 4, caps[i].first_us < 0 ? 0 : caps[i].first_us);
		store_bind_id(s, 5, caps[i].last_us < 0 ? 0 : caps[i].last_us);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = store_db_err(err, st->db, sqlite3_errcode(st->db),
			    st->path, "captures");
	}
	sqlite3_finalize(s);
	if (!rc)
		rc = cap_exec1(st, "DELETE FROM run_points WHERE run = ?1",
		    st->run_id, NULL, NULL, NULL, err);
	if (!rc)
		rc = store_exec(st->db, st->path, "COMMIT", err);
	if (rc)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}
