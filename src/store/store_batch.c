/* store_batch.c: the writer's batches: begin, commit, roll back. */
#include <stdio.h>
#include <unistd.h>

#include "../base/ft_time.h"
#include "store_int.h"

/* Open a batch; the first one of this writer also records the run. */
static int
store_begin(struct store *st, uint64_t now_ms, struct ft_err *err)
{
	int64_t unused = 0;
	int rc;

	rc = store_step_id(st, st->begin, &unused, err);
	if (rc)
		return rc;
	st->in_txn = true;
	st->batch_start_ms = now_ms;
	st->batch_rows = 0;
	if ((rc = store_gc_check(st, err)))
		return rc;
	if (st->run_id)
		return 0;
	sqlite3_bind_int64(st->ins_run, 1, (int64_t)st->run_start_us);
	sqlite3_bind_text(st->ins_run, 2, st->command, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st->ins_run, 3, (int64_t)getpid());
	rc = store_step_id(st, st->ins_run, &unused, err);
	if (!rc)
		st->run_id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

/*
 * The writer's row in `runs`, committed at open: another writer that has
 * to wait for this one can name it, and ingest's captures point at it.
 */
int
store_run_open(struct store *st, struct ft_err *err)
{
	int rc = store_begin(st, 0, err);

	if (!rc)
		rc = store_step_id(st, st->commit, &(int64_t){ 0 }, err);
	if (rc) {
		store_rollback(st);
		return rc;
	}
	st->in_txn = false;
	st->stats.run_id = (uint32_t)st->run_id;
	return 0;
}

void
store_rollback(struct store *st)
{
	unsigned i;

	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	/* stats.run_id is set by the first successful commit */
	if (!st->stats.run_id)
		st->run_id = 0;
	st->in_txn = false;
	st->batch_rows = 0;
	store_dicts_clear(st);
	store_devs_clear(st);
	store_hist_rollback(st);
	store_conv_done(st, false);
	for (i = 0; i < STORE_N_IFACES; i++)
		st->ifaces[i].id = 0;
}

/* Roll back after a failure and say in err what it cost. */
int
store_fail(struct store *st, int rc, uint64_t lost, struct ft_err *err)
{
	char why[sizeof(err->msg)];
	uint64_t points = st->hist.batch_points;

	store_rollback(st);
	st->stats.rows_lost += lost;
	if (err) {
		snprintf(why, sizeof(why), "%s", err->msg);
		ft_err_set(err, -rc, "%.200s; %llu records and %llu series "
		    "points of the open batch lost, earlier commits intact",
		    why, (unsigned long long)lost,
		    (unsigned long long)points);
	}
	return rc;
}

int
store_batch_fail(struct store *st, int rc, struct ft_err *err)
{
	return store_fail(st, rc, st->batch_rows, err);
}

/* What the commit interval is measured on: data time for ingest. */
static uint64_t
store_clock_ms(const struct store *st)
{
	return st->hist.packet_clock ? (uint64_t)st->hist.data_ms :
	    ft_mono_us() / 1000;
}

int
store_batch_open(struct store *st, struct ft_err *err)
{
	int rc = store_begin(st, store_clock_ms(st), err);

	return rc ? store_fail(st, rc, 0, err) : 0;
}

int
store_commit(struct store *st, struct ft_err *err)
{
	int64_t unused = 0;
	int rc;

	if (!st || st->read_only || !st->in_txn)
		return 0;
	rc = store_devs_flush(st, err);
	/* conversations first: retention keeps flows not rolled yet */
	if (!rc)
		rc = store_conv_commit(st, err);
	if (!rc)
		rc = store_hist_commit(st, err);
	if (!rc)
		rc = store_step_id(st, st->commit, &unused, err);
	if (rc)
		return store_fail(st, rc, st->batch_rows, err);
	st->in_txn = false;
	store_conv_done(st, true);
	st->stats.rows += st->batch_rows;
	st->stats.points += st->hist.batch_points;
	st->stats.commits++;
	st->stats.run_id = (uint32_t)st->run_id;
	st->batch_rows = 0;
	st->hist.batch_points = 0;
	return 0;
}

int
store_batch_maybe_commit(struct store *st, struct ft_err *err)
{
	uint64_t now_ms = store_clock_ms(st);

	if (!st->in_txn)
		return 0;
	if (st->batch_rows + st->hist.batch_points >= st->batch_max_rows ||
	    now_ms - st->batch_start_ms >= st->commit_interval_s * 1000ull)
		return store_commit(st, err);
	return 0;
}
