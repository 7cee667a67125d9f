/* store_write.c: the writer: flow records appended as rows of flows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/ft_fields.h"
#include "store_int.h"

/* "INSERT INTO flows (...) VALUES (?, ...)": a column per field, in order. */
#define STORE_INS_FLOW_MAX 1024

static int
store_ins_flow_sql(char *sql, size_t cap)
{
	size_t len, i;

	len = (size_t)snprintf(sql, cap, "INSERT INTO flows (");
	for (i = 0; i < FT_F_N && len < cap; i++)
		len += (size_t)snprintf(sql + len, cap - len, "%s%s",
		    i ? ", " : "", ft_flow_fields[i].column);
	for (i = 0; i < FT_F_N && len < cap; i++)
		len += (size_t)snprintf(sql + len, cap - len, "%s",
		    i ? ", ?" : ") VALUES (?");
	if (len < cap)
		len += (size_t)snprintf(sql + len, cap - len, ")");
	return len < cap ? 0 : -FT_EFULL;
}

/* Step a statement that yields at most one integer; *id stays 0 on none. */
int
store_step_id(struct store *st, sqlite3_stmt *s, int64_t *id,
    struct ft_err *err)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		rc = SQLITE_DONE;
	}
	if (rc != SQLITE_DONE)
		rc = store_db_err(err, st->db, rc, st->path,
		    "cannot write flow records");
	else
		rc = 0;
	sqlite3_reset(s);
	return rc;
}

int
store_prepare(struct store *st, const char *sql, sqlite3_stmt **s,
    struct ft_err *err)
{
	int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    s, NULL);

	if (rc != SQLITE_OK)
		return store_db_err(err, st->db, rc, st->path, "prepare");
	return 0;
}

int
store_writer_init(struct store *st, struct ft_err *err)
{
	char sql[STORE_INS_FLOW_MAX];
	int rc;

	st->ifaces = calloc(STORE_N_IFACES, sizeof(st->ifaces[0]));
	if (!st->ifaces)
		return ft_err_set(err, FT_ENOMEM, "store: out of memory");
	rc = store_dicts_init(st, err);
	if (!rc)
		rc = store_devs_init(st, err);
	if (!rc)
		rc = store_hist_init(st, err);
	if (!rc)
		rc = store_conv_init(st, err);
	if (!rc)
		rc = store_prepare(st, "BEGIN IMMEDIATE", &st->begin, err);
	if (!rc)
		rc = store_prepare(st, "COMMIT", &st->commit, err);
	if (!rc && store_ins_flow_sql(sql, sizeof(sql)))
		rc = ft_err_set(err, FT_EFULL, "store: flows INSERT too long");
	if (!rc)
		rc = store_prepare(st, sql, &st->ins_flow, err);
	if (!rc)
		rc = store_prepare(st, "INSERT INTO runs (start_us, command, "
		    "pid) VALUES (?1, ?2, ?3)", &st->ins_run, err);
	if (!rc)
		rc = store_prepare(st, "SELECT id FROM ifaces WHERE name = ?1",
		    &st->find_iface, err);
	if (!rc)
		rc = store_prepare(st, "INSERT INTO ifaces (name) VALUES (?1)",
		    &st->ins_iface, err);
	if (!rc)
		rc = store_prepare(st, "UPDATE flows SET flags = flags | ?1, "
		    "end_reason = ?2 WHERE rowid = ?3 RETURNING first_us",
		    &st->mark_end, err);
	agg_per_flow_init(&st->last_row, sizeof(int64_t));
	return rc;
}

void
store_writer_fini(struct store *st)
{
	store_dicts_fini(st);
	store_devs_fini(st);
	store_hist_fini(st);
	store_conv_fini(st);
	sqlite3_finalize(st->begin);
	sqlite3_finalize(st->commit);
	sqlite3_finalize(st->ins_flow);
	sqlite3_finalize(st->ins_run);
	sqlite3_finalize(st->find_iface);
	sqlite3_finalize(st->ins_iface);
	sqlite3_finalize(st->mark_end);
	agg_per_flow_fini(&st->last_row);
	st->begin = st->commit = st->ins_flow = st->ins_run = NULL;
	st->find_iface = st->ins_iface = st->mark_end = NULL;
	free(st->ifaces);
	st->ifaces = NULL;
}

int
store_set_iface(struct store *st, unsigned idx, const char *name,
    struct ft_err *err)
{
	struct store_iface *fi;

	if (st->read_only)
		return ft_err_set(err, FT_EPERM, "store %s is open read-only",
		    st->path);
	if (idx >= STORE_N_IFACES || !name || !name[0] ||
	    strlen(name) >= STORE_IFNAME_MAX)
		return ft_err_set(err, FT_EINVAL, "store: bad interface %u "
		    "name '%.64s': expected 1 to %d characters", idx,
		    name ? name : "", STORE_IFNAME_MAX - 1);
	fi = &st->ifaces[idx];
	if (strcmp(fi->name, name) != 0) {
		snprintf(fi->name, sizeof(fi->name), "%s", name);
		fi->id = 0;
	}
	return 0;
}

/* ifaces.id of a capture source index, 0 (NULL) when never named. */
static int
store_iface_id(struct store *st, uint8_t idx, int64_t *id, struct ft_err *err)
{
	struct store_iface *fi = &st->ifaces[idx];
	int rc;

	*id = fi->id;
	if (fi->id || !fi->name[0])
		return 0;
	sqlite3_bind_text(st->find_iface, 1, fi->name, -1, SQLITE_STATIC);
	rc = store_step_id(st, st->find_iface, id, err);
	if (rc || *id)
		goto out;
	sqlite3_bind_text(st->ins_iface, 1, fi->name, -1, SQLITE_STATIC);
	rc = store_step_id(st, st->ins_iface, id, err);
	if (!rc)
		*id = sqlite3_last_insert_rowid(st->db);
out:
	fi->id = rc ? 0 : *id;
	return rc;
}

static bool
store_mac_is_zero(const uint8_t *mac)
{
	static const uint8_t zero[6];

	return memcmp(mac, zero, sizeof(zero)) == 0;
}

static int
store_mac_id(struct store *st, const uint8_t *mac, int64_t *id,
    struct ft_err *err)
{
	*id = 0;
	if (store_mac_is_zero(mac))
		return 0;
	return store_dict_get(st, STORE_DICT_MAC, (const char *)mac, 6, id,
	    err);
}

static int
store_app_id(struct store *st, const struct ft_flowrec *r, int64_t *id,
    struct ft_err *err)
{
	char key[FT_APP_MAX + FT_CAT_MAX];
	size_t nlen = strnlen(r->app, FT_APP_MAX - 1);
	size_t clen = strnlen(r->category, FT_CAT_MAX - 1);

	*id = 0;
	if (!nlen && !clen)
		return 0;
	memcpy(key, r->app, nlen);
	key[nlen] = '\0';
	memcpy(key + nlen + 1, r->category, clen);
	return store_dict_get(st, STORE_DICT_APP, key,
	    (uint32_t)(nlen + 1 + clen), id, err);
}

static int
store_name_id(struct store *st, const char *name, int64_t *id,
    struct ft_err *err)
{
	size_t len = strnlen(name, FT_NAME_MAX - 1);

	*id = 0;
	if (!len)
		return 0;
	return store_dict_get(st, STORE_DICT_NAME, name, (uint32_t)len, id,
	    err);
}

static int
store_resolve(struct store *st, const struct ft_flowrec *r,
    struct store_ids *ids, struct ft_err *err)
{
	int rc;

	rc = store_iface_id(st, r->iface, &ids->iface, err);
	if (!rc)
		rc = store_mac_id(st, r->cli_mac, &ids->cli_mac, err);
	if (!rc)
		rc = store_mac_id(st, r->srv_mac, &ids->srv_mac, err);
	if (!rc)
		rc = store_app_id(st, r, &ids->app, err);
	if (!rc)
		rc = store_name_id(st, r->server_name, &ids->name, err);
	if (!rc)
		rc = store_name_id(st, r->cli_name, &ids->cli_name, err);
	return rc;
}

/* The side tables a record informs: asns, MAC vendors, devices. */
static int
store_note(struct store *st, const struct ft_flowrec *r,
    const struct store_ids *ids, struct ft_err *err)
{
	int rc;

	rc = store_asn_note(st, r->asn, r->as_org, err);
	if (!rc)
		rc = store_vendor_note(st, ids->cli_mac, r->cli_vendor, err);
	if (!rc)
		rc = store_vendor_note(st, ids->srv_mac, r->srv_vendor, err);
	if (!rc)
		rc = store_devs_note(st, r, ids->cli_mac, ids->srv_mac, err);
	return rc;
}

void
store_bind_id(sqlite3_stmt *s, int col, int64_t id)
{
	if (id)
		sqlite3_bind_int64(s, col, id);
	else
		sqlite3_bind_null(s, col);
}

/* The id ref of ids, 0 when none. */
static int64_t
store_ref(const struct store_ids *ids, enum ft_field_ref ref)
{
	switch (ref) {
	case FT_REF_IFACE:
		return ids->iface;
	case FT_REF_CLIENT_MAC:
		return ids->cli_mac;
	case FT_REF_SERVER_MAC:
		return ids->srv_mac;
	case FT_REF_APP:
		return ids->app;
	case FT_REF_SERVER_NAME:
		return ids->name;
	case FT_REF_CLIENT_NAME:
		return ids->cli_name;
	default:
		return 0;
	}
}

/* Field f of r as parameter col of s (ft_fields.h says how). */
static void
store_bind_field(struct store *st, sqlite3_stmt *s, int col,
    const struct ft_field *f, const struct ft_flowrec *r,
    const struct store_ids *ids)
{
	int64_t v;

	switch (f->take) {
	case FT_TAKE_ADDR:
		sqlite3_bind_blob(s, col, (const uint8_t *)r + f->off,
		    r->ip_ver == 4 ? 4 : 16, SQLITE_STATIC);
		return;
	case FT_TAKE_COUNTRY:
		v = ft_country_pack((const char *)r + f->off);
		break;
	case FT_TAKE_REF:
		v = store_ref(ids, f->ref);
		break;
	case FT_TAKE_RUN:
		v = st->run_id;
		break;
	default:
		v = (int64_t)ft_field_uint(f, r);
		break;
	}
	if (f->only_with && !store_ref(ids, f->only_with))
		v = 0;
	if ((f->null == FT_NULL_ZERO && !v) ||
	    (f->null == FT_NULL_NO_DNS && !ft_flowrec_has_dns(r)))
		sqlite3_bind_null(s, col);
	else
		sqlite3_bind_int64(s, col, v);
}

/* A row of flows: each field of the table in its parameter. */
static void
store_bind_row(struct store *st, const struct ft_flowrec *r,
    const struct store_ids *ids)
{
	const struct ft_field *f;
	size_t i;

	for (i = 0; i < FT_F_N; i++) {
		f = &ft_flow_fields[i];
		if (f->take == FT_TAKE_UINT && !f->only_with && !f->null)
			sqlite3_bind_int64(st->ins_flow, (int)i + 1,
			    (int64_t)ft_field_uint(f, r));	/* most fields */
		else
			store_bind_field(st, st->ins_flow, (int)i + 1, f, r,
			    ids);
	}
}

/*
 * A final record without packets (the flow met a tick, then idled out)
 * becomes the end of the flow's latest row: FT_REC_FINAL and the end
 * reason set there, *row_first_us that row's first_us. *done false: no
 * row of the flow is known (an earlier writer's, pruned, or the map was
 * full), so the record is inserted.
 */
static int
store_mark_end(struct store *st, const struct ft_flowrec *r, bool *done,
    int64_t *row_first_us, struct ft_err *err)
{
	int64_t *row;
	int rc;

	*done = false;
	*row_first_us = -1;
	row = agg_per_flow_find(&st->last_row, st->run_id, (int64_t)r->flow_id);
	if (!row)
		return 0;
	sqlite3_bind_int(st->mark_end, 1, r->flags & FT_REC_FINAL);
	sqlite3_bind_int(st->mark_end, 2, r->end);
	sqlite3_bind_int64(st->mark_end, 3, *row);
	agg_per_flow_del(&st->last_row, st->run_id,
	    (int64_t)r->flow_id);
	rc = store_step_id(st, st->mark_end, row_first_us, err);
	if (rc)
		return rc;
	*done = sqlite3_changes(st->db) == 1;
	return 0;
}

/* Remember a delta's row until its flow's final record comes. */
static void
store_last_row(struct store *st, const struct ft_flowrec *r)
{
	int64_t *row;
	bool fresh;

	if (r->flags & FT_REC_FINAL) {
		agg_per_flow_del(&st->last_row, st->run_id,
		    (int64_t)r->flow_id);
		return;
	}
	row = agg_per_flow_get(&st->last_row, st->run_id, (int64_t)r->flow_id,
	    &fresh);
	if (row)	/* no memory: the end comes as a row of its own */
		*row = sqlite3_last_insert_rowid(st->db);
}

/* One record: a row of flows, or the end of the flow's latest row (*row false). */
static int
store_insert(struct store *st, const struct ft_flowrec *r, bool *row,
    struct ft_err *err)
{
	struct store_ids ids;
	int64_t unused = 0, marked_first_us = -1;
	bool marked = false;
	int rc;

	*row = false;
	rc = store_resolve(st, r, &ids, err);
	if (!rc)
		rc = store_note(st, r, &ids, err);
	if (!rc && (r->flags & FT_REC_FINAL) && !(r->pkts[0] | r->pkts[1]))
		rc = store_mark_end(st, r, &marked, &marked_first_us, err);
	if (rc)
		return rc;
	if (marked) {
		st->stats.ends_marked++;
	} else {
		store_bind_row(st, r, &ids);
		rc = store_step_id(st, st->ins_flow, &unused, err);
		if (rc)
			return rc;
		*row = true;
		store_last_row(st, r);
	}
	/* A marked end is no row: the conversations sum it as the flag it
	 * set on the latest row, as reading the hour back would. */
	if (marked)
		store_conv_note_end(st, r, marked_first_us);
	else
		store_conv_note(st, r, &ids);
	return 0;
}

int
store_append(struct store *st, const struct ft_flowrec *recs, size_t n,
    struct ft_err *err)
{
	bool row;
	size_t i;
	int rc;

	if (st->read_only)
		return ft_err_set(err, FT_EPERM, "store %s is open read-only",
		    st->path);
	for (i = 0; i < n; i++) {
		if ((int64_t)(recs[i].last_us / 1000) > st->hist.data_ms)
			st->hist.data_ms = (int64_t)(recs[i].last_us / 1000);
		if ((int64_t)(recs[i].first_us / 1000000) > st->hist.newest_s)
			st->hist.newest_s = (int64_t)(recs[i].first_us / 1000000);
		if ((int64_t)(recs[i].first_us / 1000000) < st->hist.own_from_s)
			st->hist.own_from_s =
			    (int64_t)(recs[i].first_us / 1000000);
		if (!st->in_txn && (rc = store_batch_open(st, err)))
			return rc;
		rc = store_insert(st, &recs[i], &row, err);
		if (rc)
			return store_fail(st, rc, st->batch_rows + n - i, err);
		if (!row)
			continue;
		if (++st->batch_rows + st->hist.batch_points <
		    st->batch_max_rows)
			continue;
		rc = store_commit(st, err);
		if (rc) {
			st->stats.rows_lost += n - i - 1;
			return rc;
		}
	}
	return store_batch_maybe_commit(st, err);
}

void
store_get_stats(const struct store *st, struct store_stats *out)
{
	*out = st->stats;
	out->run_id = (uint32_t)st->run_id;
}
