/* store_series.c: minute points added into series_1m, in the writer's batch */
#include <stdint.h>
#include <string.h>

#include "store_int.h"

/* rolled_to of both steps from the rollups table. */
static int
hist_load_rolled(struct store *st, struct ft_err *err)
{
	struct store_hist *h = &st->hist;
	int rc;

	h->rolled_to[STORE_ROLL_1H] = h->rolled_to[STORE_ROLL_1D] = 0;
	rc = store_pragma(st->db, st->path, "SELECT rolled_to FROM rollups "
	    "WHERE step = '1h'", &h->rolled_to[STORE_ROLL_1H], NULL, 0, err);
	if (!rc)
		rc = store_pragma(st->db, st->path, "SELECT rolled_to FROM "
		    "rollups WHERE step = '1d'", &h->rolled_to[STORE_ROLL_1D],
		    NULL, 0, err);
	return rc;
}

int
store_hist_init(struct store *st, struct ft_err *err)
{
	struct store_hist *h = &st->hist;
	int64_t flows_us = 0;
	struct store_sql b;
	char sql[1024];
	int rc;

	h->dirty_from[STORE_ROLL_1H] = h->dirty_from[STORE_ROLL_1D] = INT64_MAX;
	rc = hist_load_rolled(st, err);
	/* max() of an empty table is NULL, read as 0 */
	if (!rc)
		rc = store_pragma(st->db, st->path, "SELECT max(t) FROM "
		    "series_1m WHERE kind = 1", &h->newest_s, NULL, 0, err);
	if (!rc)
		rc = store_pragma(st->db, st->path, "SELECT max(first_us) FROM "
		    "flows", &flows_us, NULL, 0, err);
	if (rc)
		return rc;
	if (flows_us / 1000000 > h->newest_s)
		h->newest_s = flows_us / 1000000;
	h->own_from_s = INT64_MAX;
	h->pruned_at = INT64_MIN;
	/* a point adds to its minute's row; a journaling writer's own too */
	store_sql_init(&b, sql, sizeof(sql));
	store_series_sql_insert(&b, "series_1m", false, true);
	rc = store_prepare(st, sql, &h->up_pt, err);
	if (!rc && st->journal) {
		store_sql_init(&b, sql, sizeof(sql));
		store_series_sql_insert(&b, "run_points", true, true);
		rc = store_prepare(st, sql, &h->up_journal, err);
	}
	return rc;
}

void
store_hist_fini(struct store *st)
{
	sqlite3_finalize(st->hist.up_pt);
	sqlite3_finalize(st->hist.up_journal);
	st->hist.up_pt = st->hist.up_journal = NULL;
}

/* The key column: a number, a name, an address or -1 for "other". */
static void
bind_key(struct store *st, sqlite3_stmt *s, const struct ft_series_pt *p)
{
	const struct store_iface *fi;

	if (p->other) {
		sqlite3_bind_int(s, 3, -1);
		return;
	}
	switch (p->kind) {
	case FT_SK_IFACE:
		fi = &st->ifaces[p->num % STORE_N_IFACES];
		if (fi->name[0])
			sqlite3_bind_text(s, 3, fi->name, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(s, 3, p->num);
		return;
	case FT_SK_APP:
		sqlite3_bind_text(s, 3, p->app, (int)strnlen(p->app,
		    FT_APP_MAX), SQLITE_STATIC);
		return;
	case FT_SK_LHOST:
	case FT_SK_RHOST:
		sqlite3_bind_blob(s, 3, p->addr, p->ip_ver == 4 ? 4 : 16,
		    SQLITE_STATIC);
		return;
	case FT_SK_MAC:
		sqlite3_bind_blob(s, 3, p->addr, 6, SQLITE_STATIC);
		return;
	default:
		sqlite3_bind_int64(s, 3, p->num);
	}
}

static void
point_bind(struct store *st, sqlite3_stmt *s, const struct ft_series_pt *p)
{
	sqlite3_bind_int(s, 1, p->kind);
	sqlite3_bind_int64(s, 2, p->t);
	bind_key(st, s, p);
	store_series_bind(s, 4, p->v);
}

static int
point_write(struct store *st, const struct ft_series_pt *p,
    struct ft_err *err)
{
	struct store_hist *h = &st->hist;
	sqlite3_stmt *s = h->up_pt;
	int64_t unused = 0;
	unsigned i;
	int rc;

	point_bind(st, s, p);
	if (h->up_journal) {
		point_bind(st, h->up_journal, p);
		sqlite3_bind_int64(h->up_journal, 4 + FT_SV_N, st->run_id);
		rc = store_step_id(st, h->up_journal, &unused, err);
		if (rc)
			return rc;
	}
	for (i = 0; i < STORE_N_ROLL; i++)
		if ((int64_t)p->t < h->rolled_to[i] &&
		    (int64_t)p->t < h->dirty_from[i])
			h->dirty_from[i] = p->t;
	if ((int64_t)p->t > h->newest_s)
		h->newest_s = p->t;
	if ((int64_t)p->t < h->own_from_s)
		h->own_from_s = p->t;
	return store_step_id(st, s, &unused, err);
}

int
store_append_series(struct store *st, const struct ft_series_pt *pts,
    size_t n, struct ft_err *err)
{
	size_t i;
	int rc;

	if (st->read_only)
		return ft_err_set(err, FT_EPERM, "store %s is open read-only",
		    st->path);
	for (i = 0; i < n; i++) {
		if ((int64_t)pts[i].t * 1000 + 60000 > st->hist.data_ms)
			st->hist.data_ms = (int64_t)pts[i].t * 1000 + 60000;
		if (!st->in_txn && (rc = store_batch_open(st, err)))
			return rc;
		rc = point_write(st, &pts[i], err);
		if (rc)
			return store_batch_fail(st, rc, err);
		st->hist.batch_points++;
	}
	return store_batch_maybe_commit(st, err);
}

void
store_hist_rollback(struct store *st)
{
	struct store_hist *h = &st->hist;
	struct ft_err e = { 0 };

	h->dirty_from[STORE_ROLL_1H] = h->dirty_from[STORE_ROLL_1D] = INT64_MAX;
	h->batch_points = 0;
	/*
	 * rolled_to may have moved inside the lost batch: read it again. If
	 * that fails too, 0 rolls everything again, which is only slower.
	 */
	if (hist_load_rolled(st, &e))
		h->rolled_to[STORE_ROLL_1H] = h->rolled_to[STORE_ROLL_1D] = 0;
}

int
store_hist_commit(struct store *st, struct ft_err *err)
{
	int rc;

	rc = store_rollup(st, err);
	if (!rc)
		rc = store_prune(st, err);
	return rc;
}
