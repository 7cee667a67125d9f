/* query_flows_scan.c: the merged flow listing from one plain scan */
/*
 * Records summed per flow in C; only the flows that can place are sorted and
 * rendered by SQLite.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "../agg/agg.h"
#include "dict.h"
#include "flows_int.h"
#include "scan.h"

/* Columns of the scan; from FC_PROTO only when a key reads them. */
enum { FC_ID, FC_RUN, FC_FLOW, FC_FLAGS, FC_FIRST, FC_LAST, FC_BCS, FC_BSC,
	FC_PCS, FC_PSC, FC_TCS, FC_TSC, FC_START, FC_PROTO, FC_CLI, FC_CPORT,
	FC_SRV, FC_SPORT, FC_APP, FC_ASN, FC_END };

/* One part of the listing's scan (all of it when it is one part). */
struct fs {
	struct store *st;
	const struct flows_sort *keys;	/* what orders the listing, in C */
	const struct query_dict *apps;	/* when a key is FK_APP */
	struct agg_merge flows;	/* its records summed into flows */
	struct flows_set set;
};

static int
fs_db_err(struct store *st, const char *what, int rc, struct ft_err *err)
{
	return ft_err_set(err, rc == SQLITE_BUSY ? FT_EAGAIN : FT_EDB,
	    "store %s: flows: %s: %s", store_path(st), what,
	    sqlite3_errmsg(store_db(st)));
}

/* A whole flow: offered to the part's set. */
static int
fs_done(void *ctx, const void *f)
{
	struct fs *t = ctx;

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

/* Record (or partial flow) r's sums into flow f. */
static void
fs_merge(void *dst, const void *src)
{
	struct flows_flow *f = dst;
	const struct flows_flow *r = src;

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
}

/* One record, summed into its flow (agg_merge). */
static int
fs_row(struct fs *t, sqlite3_stmt *s)
{
	struct flows_flow r;

	fs_record(s, &r);
	if (t->keys->rec)
		fs_record_keys(t, s, &r);
	return agg_merge_add(&t->flows, sqlite3_column_int64(s, FC_RUN),
	    sqlite3_column_int64(s, FC_FLOW), &r, (uint64_t)(r.pcs + r.psc),
	    r.first_us, sqlite3_column_int64(s, FC_START),
	    (sqlite3_column_int64(s, FC_FLAGS) & FT_REC_FINAL) != 0);
}

#define FS_COLS "SELECT f.rowid, f.run, f.flow, f.flags, f.first_us, " \
	"f.last_us, f.bytes_cs, f.bytes_sc, f.pkts_cs, f.pkts_sc, f.tcp_cs, " \
	"f.tcp_sc, f.start_us"

/* One part's records into its flows, set and partials. */
static int
fs_scan(struct query_part *part, void *arg, struct ft_err *err)
{
	struct fs *t = arg;
	sqlite3_stmt *s;
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
		rc = agg_merge_flush(&t->flows);
	if (rc < 0)
		return ft_err_set(err, -rc, "flows: %s", ft_strerror(-rc));
	return rc ? fs_db_err(part->st, "cannot read flows", rc, err) : 0;
}

/* The parts' unfinished flows summed, and their sets, into t[0]. */
static int
fs_merge_parts(struct fs *t, size_t n)
{
	struct agg_merge *flows[QUERY_PARTS_MAX];
	const struct flows_set *set;
	size_t k, i;
	int rc;

	for (k = 0; k < n; k++)
		flows[k] = &t[k].flows;
	rc = agg_merge_join(flows, n);
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
	agg_merge_fini(&t->flows);
	flows_set_fini(&t->set);
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
		t[k].set.limit = o->range.limit ? o->range.limit :
		    QUERY_FLOWS_LIMIT;
		agg_merge_init(&t[k].flows, sizeof(struct flows_flow), k == 0,
		    k + 1 == n, fs_merge, fs_done, &t[k]);
		args[k] = &t[k];
	}
	rc = query_parts_run(parts, n, fs_scan, args, err);
	query_parts_close(parts, n);
	if (!rc && (rc = fs_merge_parts(t, n)))
		rc = ft_err_set(err, -rc, "flows: %s", ft_strerror(-rc));
	for (k = 1; k < n; k++)
		fs_fini(&t[k]);
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
