/* store_conv.c: conversations per hour, rolled from flow records */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store_conv_int.h"

/* One roll's writing. */
struct conv_roll {
	struct store *st;		/* the writer */
	int64_t hour;			/* the hour rolled */
	int64_t first_row[2];		/* rowids written: edges, parts */
	int64_t last_row[2];		/* (last < first: none) */
};

static int
conv_prepare(struct store *st, const char *sql, sqlite3_stmt **s,
    struct ft_err *err)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);

	return rc == SQLITE_OK ? 0 :
	    store_db_err(err, st->db, rc, st->path, "conversations");
}

static int
conv_step_done(struct store *st, sqlite3_stmt *s, struct ft_err *err)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 :
	    store_db_err(err, st->db, rc, st->path, "conversations");
}

/* The integer in the first column of sql's one row (bound i), or none. */
static int
conv_read_int(struct store *st, const char *sql, int64_t i, int64_t none,
    int64_t *out, struct ft_err *err)
{
	sqlite3_stmt *s;
	int rc = conv_prepare(st, sql, &s, err);

	if (rc)
		return rc;
	if (sqlite3_bind_parameter_count(s))
		sqlite3_bind_int64(s, 1, i);
	rc = sqlite3_step(s);
	*out = rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL ?
	    sqlite3_column_int64(s, 0) : none;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    store_db_err(err, st->db, rc, st->path, "conversations");
}

/* Note the rowid just written into table t (0 edges, 1 parts). */
static void
conv_note_row(struct conv_roll *v, int t)
{
	int64_t id = sqlite3_last_insert_rowid(v->st->db);

	if (v->last_row[t] < v->first_row[t])
		v->first_row[t] = id;
	v->first_row[t] = CONV_MIN(v->first_row[t], id);
	v->last_row[t] = CONV_MAX(v->last_row[t], id);
}

/* A conv_parts row, bound by its field table after the hour. */
static int
conv_write_part(struct conv_roll *v, sqlite3_stmt *s,
    const struct ft_conv_part *p, struct ft_err *err)
{
	int rc;

	sqlite3_bind_int64(s, 1, v->hour);
	store_conv_bind(s, 2, ft_conv_part_fields, ft_conv_part_n_fields, p);
	rc = conv_step_done(v->st, s, err);
	if (!rc)
		conv_note_row(v, 1);
	return rc;
}

/* A conv_edges row: its key (CONV_EDGE_KEY) and sums. */
static int
conv_write_edge(struct conv_roll *v, sqlite3_stmt *s, const uint8_t *key,
    const struct ft_conv_edge_sums *e, struct ft_err *err)
{
	struct ft_conv_edge row;
	int rc;

	memset(&row, 0, sizeof(row));
	row.proto = key[0];
	row.server_port = (uint16_t)(key[1] << 8 | key[2]);
	row.local = key[3];
	memcpy(row.client, key + 4, FT_CONV_ADDR);
	memcpy(row.server, key + 4 + FT_CONV_ADDR, FT_CONV_ADDR);
	row.sums = *e;
	sqlite3_bind_int64(s, 1, v->hour);
	store_conv_bind(s, 2, ft_conv_edge_fields, ft_conv_edge_n_fields, &row);
	rc = conv_step_done(v->st, s, err);
	if (!rc)
		conv_note_row(v, 0);
	return rc;
}

/* INSERT INTO table of the conversation columns f, prepared into *s. */
static int
conv_prepare_insert(struct store *st, const char *table,
    const struct ft_conv_field *f, size_t n, sqlite3_stmt **s,
    struct ft_err *err)
{
	struct store_sql b;
	char sql[1024];

	store_sql_init(&b, sql, sizeof(sql));
	store_conv_sql_insert(&b, table, f, n);
	if (b.trunc)
		return ft_err_set(err, FT_EINVAL, "conversations: %s: "
		    "statement too long", table);
	return conv_prepare(st, sql, s, err);
}

/* Hour a's rows: its parts, its flows still open (parts too), edges. */
static int
conv_write_hour(struct conv_roll *v, struct conv_hour *a, struct ft_err *err)
{
	sqlite3_stmt *part = NULL, *edge = NULL;
	const struct ft_conv_flow *f;
	struct ft_conv_part open;
	int64_t id[2];
	size_t it = 0, i;
	int rc;

	rc = conv_prepare_insert(v->st, "conv_parts", ft_conv_part_fields,
	    ft_conv_part_n_fields, &part, err);
	if (!rc)
		rc = conv_prepare_insert(v->st, "conv_edges",
		    ft_conv_edge_fields, ft_conv_edge_n_fields, &edge, err);
	for (i = 0; !rc && i < a->n_parts; i++)
		rc = conv_write_part(v, part, &a->parts[i], err);
	while (!rc && (f = agg_per_flow_next(&a->open, &it, id))) {
		open.run = id[0];
		open.flow = id[1];
		open.sums = *f;
		rc = conv_write_part(v, part, &open, err);
	}
	for (i = 0; !rc && i < a->edges.n; i++)
		rc = conv_write_edge(v, edge, ft_groups_key(&a->edges, i),
		    ft_groups_val(&a->edges, i), err);
	sqlite3_finalize(part);
	sqlite3_finalize(edge);
	return rc;
}

/* Forget hour h's rows; with a state, write it (0 leaves conv_hours). */
static int
conv_clear_hour(struct store *st, int64_t h, int state, struct ft_err *err)
{
	sqlite3_stmt *s;
	int64_t r[4] = { 0, -1, 0, -1 };
	int rc, k;

	rc = conv_prepare(st, "SELECT edges_lo, edges_hi, parts_lo, parts_hi "
	    "FROM conv_hours WHERE hour = ?", &s, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, h);
	rc = sqlite3_step(s);
	for (k = 0; rc == SQLITE_ROW && k < 4; k++)
		r[k] = sqlite3_column_int64(s, k);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_err(err, st->db, rc, st->path,
		    "conversations");
	rc = conv_prepare(st, "DELETE FROM conv_edges WHERE rowid BETWEEN ? AND ?",
	    &s, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, r[0]);
	sqlite3_bind_int64(s, 2, r[1]);
	rc = conv_step_done(st, s, err);
	sqlite3_finalize(s);
	if (!rc)
		rc = conv_prepare(st, "DELETE FROM conv_parts WHERE rowid BETWEEN ? "
		    "AND ?", &s, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, r[2]);
	sqlite3_bind_int64(s, 2, r[3]);
	rc = conv_step_done(st, s, err);
	sqlite3_finalize(s);
	if (rc || !state)
		return rc;
	if (state == STORE_CONV_RAW)
		st->stats.conv_raw++;
	rc = conv_prepare(st, "INSERT OR REPLACE INTO conv_hours (hour, state) "
	    "VALUES (?, ?)", &s, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, h);
	sqlite3_bind_int64(s, 2, state);
	rc = conv_step_done(st, s, err);
	sqlite3_finalize(s);
	return rc;
}

/* Hour h's state from `from` to `to` (no change in any other state). */
static int
conv_set_state(struct store *st, int64_t h, int from, int to,
    struct ft_err *err)
{
	sqlite3_stmt *s;
	int rc = conv_prepare(st, "UPDATE conv_hours SET state = ? WHERE hour = ? "
	    "AND state = ?", &s, err);

	if (rc)
		return rc;
	sqlite3_bind_int(s, 1, to);
	sqlite3_bind_int64(s, 2, h);
	sqlite3_bind_int(s, 3, from);
	rc = conv_step_done(st, s, err);
	sqlite3_finalize(s);
	return rc;
}

/*
 * Hour h is left to its records: the later hours its late records reach
 * are left to theirs too, or a flow starting there would count whole in
 * its edge and again from h's late record (conv.md).
 */
static int
conv_raw_later(struct store *st, int64_t h, struct ft_err *err)
{
	int64_t later[64];
	sqlite3_stmt *s;
	size_t n = 0, i;
	int rc;

	rc = conv_prepare(st, "SELECT DISTINCT start_us - start_us % 3600000000 "
	    "FROM flows WHERE first_us >= ?1 AND first_us < ?1 + 3600000000 "
	    "AND first_us < start_us AND pkts_cs + pkts_sc > 0 AND "
	    "start_us >= ?1 + 3600000000 LIMIT 64", &s, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, h);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		later[n++] = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_err(err, st->db, rc, st->path,
		    "conversations");
	for (i = 0, rc = 0; i < n && !rc; i++)
		rc = conv_clear_hour(st, later[i], STORE_CONV_RAW, err);
	return rc;
}

/*
 * Hour h's live sums, when they saw every record the hour holds (none
 * older, none of another writer, none rolled back): moved into *a.
 */
static int
conv_take_live(struct store *st, int64_t h, struct conv_hour *a, bool *got,
    struct ft_err *err)
{
	struct store_conv *c = &st->conv;
	size_t i, k = STORE_CONV_LIVE;
	int64_t n;
	int rc;

	*got = false;
	for (i = 0; i < STORE_CONV_LIVE; i++)
		if (c->live[i] && c->live[i]->sums.hour == h)
			k = i;
	if (k == STORE_CONV_LIVE)
		return 0;
	rc = conv_read_int(st, "SELECT count(*) FROM flows WHERE first_us >= ?1 AND "
	    "first_us < ?1 + 3600000000", h, -1, &n, err);
	if (!rc && n >= 0 && (uint64_t)n == c->live[k]->sums.records) {
		*a = c->live[k]->sums;
		conv_hour_init(&c->live[k]->sums, h);
		*got = true;
	}
	conv_live_free(c, k);
	return rc;
}

/*
 * Hour h rolled (again) from its live sums or its records, unless it is
 * left to the records: by a late record, or for passing a ceiling.
 */
static int
conv_roll_hour(struct store *st, int64_t h, struct ft_err *err)
{
	struct conv_roll v = { .st = st, .hour = h, .first_row = { 0, 0 },
		.last_row = { -1, -1 } };
	struct conv_hour a;
	sqlite3_stmt *s = NULL;
	int64_t state;
	bool got = false;
	size_t i;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = conv_read_int(st, "SELECT state FROM conv_hours WHERE hour = ?", h, 0,
	    &state, err);
	if (rc)
		return rc;
	if (state == STORE_CONV_RAW)
		return conv_raw_later(st, h, err);
	/* records past retention may be gone: what was rolled stays */
	if ((state == STORE_CONV_ROLLED || state == STORE_CONV_STALE) &&
	    h < store_flows_cutoff_us(st)) {
		conv_live_drop(&st->conv, h, false);
		return conv_set_state(st, h, STORE_CONV_STALE, STORE_CONV_ROLLED,
		    err);
	}
	if (conv_was_over(&st->conv, h)) {
		conv_live_drop(&st->conv, h, false);
		conv_forget_over(&st->conv, h);
		rc = conv_clear_hour(st, h, STORE_CONV_RAW, err);
		return rc ? rc : conv_raw_later(st, h, err);
	}
	rc = conv_clear_hour(st, h, 0, err);
	if (!rc)
		rc = conv_take_live(st, h, &a, &got, err);
	if (!rc && !got) {
		conv_hour_init(&a, h);
		rc = conv_read_back(st, h, &a, err);
	}
	if (rc == -FT_EFULL) {	/* too big to sum: the records answer */
		conv_hour_fini(&a);
		rc = conv_clear_hour(st, h, STORE_CONV_RAW, err);
		return rc ? rc : conv_raw_later(st, h, err);
	}
	if (!rc)
		rc = conv_write_hour(&v, &a, err);
	if (!rc)
		rc = conv_prepare(st, "INSERT OR REPLACE INTO conv_hours (hour, "
		    "state, edges_lo, edges_hi, parts_lo, parts_hi) VALUES (?, "
		    "?, ?, ?, ?, ?)", &s, err);
	if (!rc) {
		sqlite3_bind_int64(s, 1, h);
		sqlite3_bind_int64(s, 2, STORE_CONV_ROLLED);
		st->stats.conv_hours++;
		st->stats.conv_read_back += !got;
		sqlite3_bind_int64(s, 3, v.first_row[0]);
		sqlite3_bind_int64(s, 4, v.last_row[0]);
		sqlite3_bind_int64(s, 5, v.first_row[1]);
		sqlite3_bind_int64(s, 6, v.last_row[1]);
		rc = conv_step_done(st, s, err);
		sqlite3_finalize(s);
	}
	for (i = 0; !rc && i < a.n_raw; i++)
		rc = conv_clear_hour(st, a.raw[i], STORE_CONV_RAW, err);
	conv_hour_fini(&a);
	return rc;
}

#define CONV_PRUNE_HOURS 48	/* hours' conversations pruned per commit */

int
store_conv_prune(struct store *st, int64_t cutoff_us, uint64_t *n,
    struct ft_err *err)
{
	int64_t hours[CONV_PRUNE_HOURS];
	sqlite3_stmt *s;
	size_t k = 0, i;
	int rc, before;

	rc = conv_prepare(st, "SELECT hour FROM conv_hours WHERE hour < ? ORDER BY "
	    "hour LIMIT ?", &s, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, cutoff_us - STORE_HOUR_US + 1);
	sqlite3_bind_int64(s, 2, CONV_PRUNE_HOURS);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		hours[k++] = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_err(err, st->db, rc, st->path, "conversations");
	before = sqlite3_total_changes(st->db);
	for (i = 0, rc = 0; i < k && !rc; i++)
		rc = conv_clear_hour(st, hours[i], 0, err);
	*n += (uint64_t)(sqlite3_total_changes(st->db) - before);
	if (!rc && k)
		rc = conv_prepare(st, "DELETE FROM conv_hours WHERE hour < ?", &s,
		    err);
	if (!rc && k) {
		sqlite3_bind_int64(s, 1, hours[k - 1] + 1);
		rc = conv_step_done(st, s, err);
		sqlite3_finalize(s);
	}
	return rc;
}

static int
conv_hour_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The first hour not rolled yet, after the newest rolled one. */
static int
conv_load_next(struct store *st, struct ft_err *err)
{
	int64_t h;
	int rc = conv_read_int(st, "SELECT max(hour) FROM conv_hours WHERE "
	    "state IN (?1, 3)", STORE_CONV_ROLLED, -1, &h, err);

	if (!rc)
		st->conv.next_h = h < 0 ? 0 : h + STORE_HOUR_US;
	return rc;
}

/*
 * Another writer may have rolled hours this one had not reached: those of
 * them this batch wrote to roll again (read back), and next_h follows.
 */
static int
conv_others_rolled(struct store *st, struct ft_err *err)
{
	struct store_conv *c = &st->conv;
	int64_t mine = c->next_h, h;
	size_t i;
	int rc;

	if ((rc = conv_load_next(st, err)) || c->next_h <= mine) {
		c->next_h = CONV_MAX(c->next_h, mine);
		return rc;
	}
	for (i = 0; i < c->n_touched; i++) {
		h = c->touched[i];
		if (h < mine || h >= c->next_h)
			continue;
		conv_live_drop(c, h, false);
		if (conv_push(&c->dirty, &c->n_dirty, &c->cap_dirty, h))
			return ft_err_set(err, FT_ENOMEM, "conversations: %s",
			    ft_strerror(FT_ENOMEM));
	}
	return 0;
}

int
store_conv_init(struct store *st, struct ft_err *err)
{
	struct store_conv *c = &st->conv;
	sqlite3_stmt *s;
	int rc = conv_load_next(st, err);

	/* stale hours (a writer stopped before rolling them): to roll */
	if (!rc)
		rc = conv_prepare(st, "SELECT hour FROM conv_hours WHERE state = ? "
		    "ORDER BY hour", &s, err);
	if (rc)
		return rc;
	sqlite3_bind_int(s, 1, STORE_CONV_STALE);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (conv_push(&c->dirty, &c->n_dirty, &c->cap_dirty,
		    sqlite3_column_int64(s, 0))) {
			rc = SQLITE_NOMEM;
			break;
		}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_db_err(err, st->db, rc,
	    st->path, "conversations");
}

int
store_conv_commit(struct store *st, struct ft_err *err)
{
	struct store_conv *c = &st->conv;
	int64_t h, t;
	size_t i, k, n_fwd = 0;
	int rc;

	if (c->failed)
		return ft_err_set(err, FT_ENOMEM, "conversations: %s",
		    ft_strerror(FT_ENOMEM));
	if (c->next_h < 0 && (rc = conv_load_next(st, err)))
		return rc;
	if ((rc = conv_others_rolled(st, err)))
		return rc;
	/*
	 * Hours written to after they rolled: stale at once (in this
	 * transaction, so a crash leaves them stale, not wrong), rolled
	 * again once due like any hour, so an older capture ingested into
	 * them costs one more roll each, not one a commit.
	 */
	if (c->n_dirty)
		qsort(c->dirty, c->n_dirty, sizeof(*c->dirty), conv_hour_cmp);
	for (i = 0, k = 0; i < c->n_dirty; i++) {
		h = c->dirty[i];
		if ((i && h == c->dirty[i - 1]) || h >= c->next_h)
			continue;
		if (c->all || h + STORE_HOUR_US + c->lag_us <= c->clock_us) {
			if ((rc = conv_roll_hour(st, h, err)))
				return rc;
			continue;
		}
		if ((rc = conv_set_state(st, h, STORE_CONV_ROLLED,
		    STORE_CONV_STALE, err)))
			return rc;
		c->dirty[k++] = h;
	}
	c->n_dirty = k;
	for (;;) {
		rc = conv_read_int(st, "SELECT min(first_us) FROM flows WHERE "
		    "first_us >= ?", c->next_h, -1, &t, err);
		if (rc || t < 0)
			return rc;
		h = conv_hour_of(t);
		if (!c->all && (h + STORE_HOUR_US + c->lag_us > c->clock_us ||
		    n_fwd++ >= CONV_FORWARD_MAX))
			return 0;
		if ((rc = conv_roll_hour(st, h, err)))
			return rc;
		c->next_h = h + STORE_HOUR_US;
	}
}

void
store_conv_done(struct store *st, bool ok)
{
	size_t i;

	if (ok) {	/* dirty holds the hours still to roll again */
		st->conv.n_touched = 0;
		return;
	}
	st->conv.next_h = -1;	/* what the lost batch rolled is gone */
	for (i = 0; i < STORE_CONV_LIVE; i++)	/* and its records */
		conv_live_free(&st->conv, i);
	conv_apps_clear(&st->conv);	/* ids of its applications may go */
	st->conv.n_over = 0;
	st->conv.n_touched = 0;
	st->conv.failed = false;	/* only the lost batch paid for it */
}

void
store_conv_fini(struct store *st)
{
	size_t i;

	for (i = 0; i < STORE_CONV_LIVE; i++)
		conv_live_free(&st->conv, i);
	conv_apps_clear(&st->conv);
	free(st->conv.apps);
	free(st->conv.over);
	st->conv.apps = NULL;
	st->conv.over = NULL;
	st->conv.n_apps = st->conv.n_over = st->conv.cap_over = 0;
	free(st->conv.dirty);
	free(st->conv.touched);
	st->conv.dirty = st->conv.touched = NULL;
	st->conv.n_dirty = st->conv.cap_dirty = 0;
	st->conv.n_touched = st->conv.cap_touched = 0;
}

int
store_conv_finish(struct store *st, struct ft_err *err)
{
	int rc;

	if (!st || st->read_only)
		return 0;
	st->conv.all = true;
	rc = st->in_txn ? 0 : store_batch_open(st, err);
	if (!rc)
		rc = store_commit(st, err);
	st->conv.all = false;
	return rc;
}
