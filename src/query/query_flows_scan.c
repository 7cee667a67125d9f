/* query_flows_scan.c: the merged flow listing from one plain scan: records summed per flow in C, only the flows that can place sorted and rendered by SQLite. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "dict.h"
#include "flows_int.h"
#include "query_int.h"

/* Columns of the scan; from FC_PROTO only when a key reads them. */
enum { FC_ID, FC_RUN, FC_FLOW, FC_FLAGS, FC_FIRST, FC_LAST, FC_BCS, FC_BSC,
	FC_PCS, FC_PSC, FC_TCS, FC_TSC, FC_START, FC_PROTO, FC_CLI, FC_CPORT,
	FC_SRV, FC_SPORT, FC_APP, FC_ASN, FC_END };

/* One part of the listing's scan (all of it when it is one part). */
struct fs {
	struct store *st;
	const struct flows_sort *keys;	/* what orders the listing, in C */
	const struct query_dict *apps;	/* when a key is FK_APP */
	const struct query_part *part;
	struct agg_open open;	/* flows whose final record is to come */
	struct flows_set set;
	struct agg_parts partials;	/* flows it could not finish */
};

static int
fs_db_err(struct store *st, const char *what, int rc, struct ft_err *err)
{
	return ft_err_set(err, rc == SQLITE_BUSY ? FT_EAGAIN : FT_EDB,
	    "store %s: flows: %s: %s", store_path(st), what,
	    sqlite3_errmsg(store_db(st)));
}

static int
fs_done(struct fs *t, const struct flows_flow *f)
{
	return flows_offer(&t->set, t->keys, f);
}

/* A record as a flow of its own. */
static void
fs_record(sqlite3_stmt *s, struct flows_flow *f)
{
	f->id = sqlite3_column_int64(s, FC_ID);
	f->records = 1;
	f->first_us = sqlite3_column_int64(s, FC_FIRST);
	f->last_us = sqlite3_column_int64(s, FC_LAST);
	f->bcs = sqlite3_column_int64(s, FC_BCS);
	f->bsc = sqlite3_column_int64(s, FC_BSC);
	f->pcs = sqlite3_column_int64(s, FC_PCS);
	f->psc = sqlite3_column_int64(s, FC_PSC);
	f->tcs = sqlite3_column_int64(s, FC_TCS);
	f->tsc = sqlite3_column_int64(s, FC_TSC);
	f->began = false;
}

/* The record's own values that keys sort by. */
static void
fs_record_keys(const struct fs *t, sqlite3_stmt *s, struct flows_flow *f)
{
	f->proto = (uint8_t)sqlite3_column_int(s, FC_PROTO);
	query_col_addr(s, FC_CLI, f->cli);
	f->cport = (uint16_t)sqlite3_column_int(s, FC_CPORT);
	query_col_addr(s, FC_SRV, f->srv);
	f->sport = (uint16_t)sqlite3_column_int(s, FC_SPORT);
	f->app = t->apps ? query_dict_col(t->apps, s, FC_APP) : -1;
	f->asn = sqlite3_column_type(s, FC_ASN) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(s, FC_ASN);
	f->end = (uint8_t)sqlite3_column_int(s, FC_END);
}

/* The values of r, a later record of f, that are the latest record's. */
static void
fs_latest(struct flows_flow *f, const struct flows_flow *r)
{
	f->id = r->id;
	f->asn = r->asn;
	f->app = r->app;
	f->cport = r->cport;
	f->sport = r->sport;
	f->proto = r->proto;
	f->end = r->end;
	memcpy(f->cli, r->cli, QUERY_ADDR);
	memcpy(f->srv, r->srv, QUERY_ADDR);
}

static void
fs_merge(struct flows_flow *f, const struct flows_flow *r)
{
	if (r->id > f->id)
		fs_latest(f, r);
	f->records += r->records;
	f->first_us = f->first_us < r->first_us ? f->first_us : r->first_us;
	f->last_us = f->last_us > r->last_us ? f->last_us : r->last_us;
	f->bcs += r->bcs;
	f->bsc += r->bsc;
	f->pcs += r->pcs;
	f->psc += r->psc;
	f->tcs |= r->tcs;
	f->tsc |= r->tsc;
	f->began |= r->began;
}

/*
 * A flow whose records this part saw all of (it began here, or in the
 * first part, and ended here, or in the last) is done; another waits for
 * the parts to be merged.
 */
static int
fs_end(struct fs *t, int64_t run, int64_t flow, const struct flows_flow *f,
    bool final)
{
	if (f->began && (final || t->part->index + 1 == t->part->n))
		return fs_done(t, f);
	return agg_parts_add(&t->partials, run, flow, f);
}

/* One record: a flow of one record is done at once; else summed. */
static int
fs_row(struct fs *t, sqlite3_stmt *s)
{
	int64_t run = sqlite3_column_int64(s, FC_RUN);
	int64_t flow = sqlite3_column_int64(s, FC_FLOW);
	bool final = (sqlite3_column_int64(s, FC_FLAGS) & FT_REC_FINAL) != 0;
	struct flows_flow r, *f = agg_open_find(&t->open, run, flow);
	bool fresh;
	int rc;

	fs_record(s, &r);
	if (t->keys->rec)
		fs_record_keys(t, s, &r);
	/* Its first record carries its first packet (an empty final record
	 * after a one-packet delta has the same time). */
	r.began = t->part->index == 0 || (r.pcs + r.psc > 0 &&
	    sqlite3_column_int64(s, FC_START) == r.first_us);
	/* A record holding a packet older than the flow's start came late:
	 * the time index may list it before the flow's first, so it does not
	 * end the flow (the scan's end does). */
	if (r.pcs + r.psc > 0 && r.first_us < sqlite3_column_int64(s,
	    FC_START))
		final = false;
	if (!f && final)
		return fs_end(t, run, flow, &r, true);
	if (!f) {
		f = agg_open_get(&t->open, run, flow, &fresh);
		if (!f)
			return -FT_ENOMEM;
		*f = r;
		return 0;
	}
	fs_merge(f, &r);
	if (!final)
		return 0;
	rc = fs_end(t, run, flow, f, true);
	agg_open_del(&t->open, run, flow);
	return rc;
}

#define FS_COLS "SELECT f.rowid, f.run, f.flow, f.flags, f.first_us, " \
	"f.last_us, f.bytes_cs, f.bytes_sc, f.pkts_cs, f.pkts_sc, f.tcp_cs, " \
	"f.tcp_sc, f.start_us"

/* One part's records into its flows, set and partials. */
static int
fs_scan(struct query_part *part, void *arg, struct ft_err *err)
{
	struct fs *t = arg;
	struct flows_flow *f;
	int64_t id[2];
	sqlite3_stmt *s;
	size_t it = 0;
	int rc;

	rc = query_part_prepare(part, t->keys->rec ? FS_COLS ", f.proto, "
	    "f.cli, f.cport, f.srv, f.sport, f.app, f.asn, f.end_reason" :
	    FS_COLS, &s, err);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((rc = fs_row(t, s)))
			break;
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		rc = 0;
	while (!rc && (f = agg_open_next(&t->open, &it, id)))
		rc = fs_end(t, id[0], id[1], f, false);
	agg_open_fini(&t->open);
	if (rc < 0)
		return ft_err_set(err, -rc, "flows: %s", ft_strerror(-rc));
	return rc ? fs_db_err(part->st, "cannot read flows", rc, err) : 0;
}

static void
fs_merge_v(void *dst, const void *src)
{
	fs_merge(dst, src);
}

/* The parts' unfinished flows summed, and their sets, into t[0]. */
static int
fs_merge_parts(struct fs *t, size_t n)
{
	struct agg_parts *lists[QUERY_PARTS_MAX];
	const struct flows_set *set;
	struct agg_open all;
	struct flows_flow *f;
	size_t k, i, it = 0;
	int rc;

	for (k = 0; k < n; k++)
		lists[k] = &t[k].partials;
	agg_open_init(&all, sizeof(struct flows_flow));
	rc = agg_parts_sum(lists, n, fs_merge_v, &all);
	while (!rc && (f = agg_open_next(&all, &it, NULL)))
		rc = fs_done(&t[0], f);
	agg_open_fini(&all);
	for (k = 1; k < n && !rc; k++) {
		set = &t[k].set;
		for (i = 0; i < set->n_heap && !rc; i++)
			rc = fs_done(&t[0], &set->heap[i]);
		for (i = 0; i < set->n_ties && !rc; i++)
			rc = fs_done(&t[0], &set->ties[i]);
	}
	return rc;
}

static void
fs_fini(struct fs *t)
{
	agg_open_fini(&t->open);
	flows_set_fini(&t->set);
	agg_parts_fini(&t->partials);
	memset(t, 0, sizeof(*t));
}

/* Every part's records into t[0]'s set. */
static int
fs_scan_parts(struct store *st, const struct query_flows_opts *o,
    const struct flows_sort *keys, const struct query_dict *apps,
    struct fs *t, struct ft_err *err)
{
	struct query_part parts[QUERY_PARTS_MAX];
	void *args[QUERY_PARTS_MAX];
	size_t n, k;
	int rc;

	rc = query_parts_open(st, &o->range, parts, &n, err);
	if (rc)
		return rc;
	for (k = 0; k < n; k++) {
		t[k].st = st;
		t[k].keys = keys;
		t[k].apps = apps;
		t[k].part = &parts[k];
		t[k].set.limit = o->range.limit ? o->range.limit :
		    QUERY_FLOWS_LIMIT;
		agg_open_init(&t[k].open, sizeof(struct flows_flow));
		agg_parts_init(&t[k].partials, sizeof(struct flows_flow));
		args[k] = &t[k];
	}
	rc = query_parts_run(parts, n, fs_scan, args, err);
	query_parts_close(parts, n);
	if (!rc && (rc = fs_merge_parts(t, n)))
		rc = ft_err_set(err, -rc, "flows: %s", ft_strerror(-rc));
	for (k = 1; k < n; k++)
		fs_fini(&t[k]);
	t[0].part = NULL;
	return rc;
}

/* The picks into ft_flows. */
static int
fs_fill(struct fs *t, struct ft_err *err)
{
	const struct flows_set *set = &t->set;
	const struct flows_flow *f;
	sqlite3_stmt *ins;
	size_t i;
	int rc = SQLITE_DONE;

	if (sqlite3_prepare_v2(store_db(t->st), "INSERT INTO temp.ft_flows "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &ins, NULL))
		return fs_db_err(t->st, "cannot fill the flows' table",
		    SQLITE_ERROR, err);
	for (i = 0; i < set->n_heap + set->n_ties && rc == SQLITE_DONE; i++) {
		f = i < set->n_heap ? &set->heap[i] :
		    &set->ties[i - set->n_heap];
		sqlite3_bind_int64(ins, 1, f->id);
		sqlite3_bind_int64(ins, 2, f->records);
		sqlite3_bind_int64(ins, 3, f->first_us);
		sqlite3_bind_int64(ins, 4, f->last_us);
		sqlite3_bind_int64(ins, 5, f->bcs);
		sqlite3_bind_int64(ins, 6, f->bsc);
		sqlite3_bind_int64(ins, 7, f->pcs);
		sqlite3_bind_int64(ins, 8, f->psc);
		sqlite3_bind_int64(ins, 9, f->tcs);
		sqlite3_bind_int64(ins, 10, f->tsc);
		rc = sqlite3_step(ins);
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	return rc == SQLITE_DONE ? 0 : fs_db_err(t->st, "cannot fill the "
	    "flows' table", rc, err);
}

/* Render, order and stream ft_flows through final_sql. */
static int
fs_emit(struct fs *t, const char *final_sql, const struct out_col *cols,
    size_t n_cols, struct query_progress *p, struct out *w,
    struct ft_err *err)
{
	uint64_t limit = t->set.limit;
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(store_db(t->st), final_sql, -1, &s, NULL))
		return fs_db_err(t->st, "cannot prepare query", SQLITE_ERROR,
		    err);
	sqlite3_bind_int64(s, 1, limit > (uint64_t)INT64_MAX ? -1 :
	    (int64_t)limit);
	rc = query_run_stmt(t->st, s, cols, n_cols, p, w, err);
	sqlite3_finalize(s);
	return rc;
}

int
query_flows_scan(struct store *st, const struct query_flows_opts *o,
    const struct flows_sort *keys, const char *final_sql,
    const struct out_col *cols, size_t n_cols, struct out *w,
    struct ft_err *err)
{
	struct fs t[QUERY_PARTS_MAX];
	struct query_dict apps;
	int ro, rc = 0;

	memset(t, 0, sizeof(t));
	memset(&apps, 0, sizeof(apps));
	if (keys->app)
		rc = query_dict_load(st, "SELECT id, name FROM apps ORDER BY "
		    "2, 1", "flows", &apps, err);
	if (!rc)
		rc = query_progress_start(o->range.progress, st, &o->range,
		    err);
	if (!rc) {
		rc = fs_scan_parts(st, o, keys, keys->app ? &apps : NULL, t,
		    err);
		if (!rc)
			rc = query_temp_begin(st, "ft_flows", "CREATE TEMP "
			    "TABLE ft_flows (id INTEGER, records INTEGER, "
			    "first_us INTEGER, last_us INTEGER, bytes_cs "
			    "INTEGER, bytes_sc INTEGER, pkts_cs INTEGER, "
			    "pkts_sc INTEGER, tcp_cs INTEGER, tcp_sc INTEGER)",
			    &ro, err);
		if (!rc) {
			rc = fs_fill(&t[0], err);
			if (!rc)
				rc = fs_emit(&t[0], final_sql, cols, n_cols,
				    o->range.progress, w, err);
			query_temp_end(st, "ft_flows", ro);
		}
		query_progress_stop(o->range.progress, st);
	}
	fs_fini(&t[0]);
	query_dict_fini(&apps);
	return rc;
}
