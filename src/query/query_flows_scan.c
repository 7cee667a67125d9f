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

/* Columns of the scan; from COL_PROTO only when a key reads them. */
enum {
	COL_ID, COL_RUN, COL_FLOW, COL_FLAGS, COL_FIRST, COL_LAST, COL_BYTES_CS,
	COL_BYTES_SC, COL_PACKETS_CS, COL_PACKETS_SC, COL_TCP_FLAGS_CS,
	COL_TCP_FLAGS_SC, COL_START, COL_PROTO, COL_CLIENT, COL_CLIENT_PORT,
	COL_SERVER, COL_SERVER_PORT, COL_APP, COL_ASN, COL_END
};

/* One part of the listing's scan (all of it when it is one part). */
struct flows_part {
	struct store *st;
	const struct flows_sort *keys;	/* what orders the listing, in C */
	const struct query_dict *apps;	/* when a key is KEY_APP */
	struct agg_merge flows;	/* its records summed into flows */
	struct flows_set set;
};

static int
part_db_err(struct store *st, const char *what, int rc, struct ft_err *err)
{
	return ft_err_set(err, rc == SQLITE_BUSY ? FT_EAGAIN : FT_EDB,
	    "store %s: flows: %s: %s", store_path(st), what,
	    sqlite3_errmsg(store_db(st)));
}

/* A whole flow: offered to the part's set. */
static int
part_offer(void *ctx, const void *f)
{
	struct flows_part *scan = ctx;

	return flows_offer(&scan->set, scan->keys, f);
}

/* A record as a flow of its own. */
static void
record_read(sqlite3_stmt *s, struct flows_flow *f)
{
	f->id = sqlite3_column_int64(s, COL_ID);
	f->records = 1;
	f->first_us = sqlite3_column_int64(s, COL_FIRST);
	f->last_us = sqlite3_column_int64(s, COL_LAST);
	f->bytes_cs = sqlite3_column_int64(s, COL_BYTES_CS);
	f->bytes_sc = sqlite3_column_int64(s, COL_BYTES_SC);
	f->packets_cs = sqlite3_column_int64(s, COL_PACKETS_CS);
	f->packets_sc = sqlite3_column_int64(s, COL_PACKETS_SC);
	f->tcp_flags_cs = sqlite3_column_int64(s, COL_TCP_FLAGS_CS);
	f->tcp_flags_sc = sqlite3_column_int64(s, COL_TCP_FLAGS_SC);
}

/* The record's own values that keys sort by. */
static void
record_read_keys(const struct flows_part *scan, sqlite3_stmt *s,
    struct flows_flow *f)
{
	f->proto = (uint8_t)sqlite3_column_int(s, COL_PROTO);
	query_col_addr(s, COL_CLIENT, f->client);
	f->client_port = (uint16_t)sqlite3_column_int(s, COL_CLIENT_PORT);
	query_col_addr(s, COL_SERVER, f->server);
	f->server_port = (uint16_t)sqlite3_column_int(s, COL_SERVER_PORT);
	f->app_rank = scan->apps ? query_dict_col(scan->apps, s, COL_APP) : -1;
	f->asn = sqlite3_column_type(s, COL_ASN) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(s, COL_ASN);
	f->end_reason = (uint8_t)sqlite3_column_int(s, COL_END);
}

/* The values of r, a later record of f, that are the latest record's. */
static void
flow_take_latest(struct flows_flow *f, const struct flows_flow *r)
{
	f->id = r->id;
	f->asn = r->asn;
	f->app_rank = r->app_rank;
	f->client_port = r->client_port;
	f->server_port = r->server_port;
	f->proto = r->proto;
	f->end_reason = r->end_reason;
	memcpy(f->client, r->client, QUERY_ADDR);
	memcpy(f->server, r->server, QUERY_ADDR);
}

/* Record (or partial flow) r's sums into flow f. */
static void
flow_merge(void *dst, const void *src)
{
	struct flows_flow *f = dst;
	const struct flows_flow *r = src;

	if (r->id > f->id)
		flow_take_latest(f, r);
	f->records += r->records;
	f->first_us = f->first_us < r->first_us ? f->first_us : r->first_us;
	f->last_us = f->last_us > r->last_us ? f->last_us : r->last_us;
	f->bytes_cs += r->bytes_cs;
	f->bytes_sc += r->bytes_sc;
	f->packets_cs += r->packets_cs;
	f->packets_sc += r->packets_sc;
	f->tcp_flags_cs |= r->tcp_flags_cs;
	f->tcp_flags_sc |= r->tcp_flags_sc;
}

/* One record, summed into its flow (agg_merge). */
static int
part_add_record(struct flows_part *scan, sqlite3_stmt *s)
{
	struct flows_flow r;

	record_read(s, &r);
	if (scan->keys->reads_record)
		record_read_keys(scan, s, &r);
	return agg_merge_add(&scan->flows, sqlite3_column_int64(s, COL_RUN),
	    sqlite3_column_int64(s, COL_FLOW), &r,
	    (uint64_t)(r.packets_cs + r.packets_sc), r.first_us,
	    sqlite3_column_int64(s, COL_START),
	    (sqlite3_column_int64(s, COL_FLAGS) & FT_REC_FINAL) != 0);
}

#define SCAN_COLUMNS "SELECT f.rowid, f.run, f.flow, f.flags, f.first_us, " \
	"f.last_us, f.bytes_cs, f.bytes_sc, f.pkts_cs, f.pkts_sc, f.tcp_cs, " \
	"f.tcp_sc, f.start_us"

/* One part's records into its flows, set and partials. */
static int
part_read(struct query_part *part, void *arg, struct ft_err *err)
{
	struct flows_part *scan = arg;
	sqlite3_stmt *s;
	int rc;

	rc = query_part_prepare(part, scan->keys->reads_record ? SCAN_COLUMNS
	    ", f.proto, f.cli, f.cport, f.srv, f.sport, f.app, f.asn, "
	    "f.end_reason" : SCAN_COLUMNS, &s, err);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((rc = part_add_record(scan, s)))
			break;
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		rc = agg_merge_flush(&scan->flows);
	if (rc < 0)
		return ft_err_set(err, -rc, "flows: %s", ft_strerror(-rc));
	return rc ? part_db_err(part->st, "cannot read flows", rc, err) : 0;
}

/* The parts' unfinished flows summed, and their sets, into scan[0]. */
static int
parts_merge(struct flows_part *scan, size_t n)
{
	struct agg_merge *flows[QUERY_PARTS_MAX];
	const struct flows_set *set;
	size_t k, i;
	int rc;

	for (k = 0; k < n; k++)
		flows[k] = &scan[k].flows;
	rc = agg_merge_join(flows, n);
	for (k = 1; k < n && !rc; k++) {
		set = &scan[k].set;
		for (i = 0; i < set->n_heap && !rc; i++)
			rc = part_offer(&scan[0], &set->heap[i]);
		for (i = 0; i < set->n_ties && !rc; i++)
			rc = part_offer(&scan[0], &set->ties[i]);
	}
	return rc;
}

static void
part_fini(struct flows_part *scan)
{
	agg_merge_fini(&scan->flows);
	flows_set_fini(&scan->set);
	memset(scan, 0, sizeof(*scan));
}

/* Every part's records into scan[0]'s set. */
static int
parts_scan(struct store *st, const struct query_flows_opts *o,
    const struct flows_sort *keys, const struct query_dict *apps,
    struct flows_part *scan, struct ft_err *err)
{
	struct query_part parts[QUERY_PARTS_MAX];
	void *args[QUERY_PARTS_MAX];
	size_t n, k;
	int rc;

	rc = query_parts_open(st, &o->range, parts, &n, err);
	if (rc)
		return rc;
	for (k = 0; k < n; k++) {
		scan[k].st = st;
		scan[k].keys = keys;
		scan[k].apps = apps;
		scan[k].set.limit = o->range.limit ? o->range.limit :
		    QUERY_FLOWS_LIMIT;
		agg_merge_init(&scan[k].flows, sizeof(struct flows_flow),
		    k == 0, k + 1 == n, flow_merge, part_offer, &scan[k]);
		args[k] = &scan[k];
	}
	rc = query_parts_run(parts, n, part_read, args, err);
	query_parts_close(parts, n);
	if (!rc && (rc = parts_merge(scan, n)))
		rc = ft_err_set(err, -rc, "flows: %s", ft_strerror(-rc));
	for (k = 1; k < n; k++)
		part_fini(&scan[k]);
	return rc;
}

/* The picks into ft_flows. */
static int
picks_fill(struct flows_part *scan, struct ft_err *err)
{
	const struct flows_set *set = &scan->set;
	const struct flows_flow *f;
	sqlite3_stmt *ins;
	size_t i;
	int rc = SQLITE_DONE;

	if (sqlite3_prepare_v2(store_db(scan->st), "INSERT INTO temp.ft_flows "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &ins, NULL))
		return part_db_err(scan->st, "cannot fill the flows' table",
		    SQLITE_ERROR, err);
	for (i = 0; i < set->n_heap + set->n_ties && rc == SQLITE_DONE; i++) {
		f = i < set->n_heap ? &set->heap[i] :
		    &set->ties[i - set->n_heap];
		sqlite3_bind_int64(ins, 1, f->id);
		sqlite3_bind_int64(ins, 2, f->records);
		sqlite3_bind_int64(ins, 3, f->first_us);
		sqlite3_bind_int64(ins, 4, f->last_us);
		sqlite3_bind_int64(ins, 5, f->bytes_cs);
		sqlite3_bind_int64(ins, 6, f->bytes_sc);
		sqlite3_bind_int64(ins, 7, f->packets_cs);
		sqlite3_bind_int64(ins, 8, f->packets_sc);
		sqlite3_bind_int64(ins, 9, f->tcp_flags_cs);
		sqlite3_bind_int64(ins, 10, f->tcp_flags_sc);
		rc = sqlite3_step(ins);
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	return rc == SQLITE_DONE ? 0 : part_db_err(scan->st, "cannot fill the "
	    "flows' table", rc, err);
}

/* Render, order and stream ft_flows through final_sql. */
static int
picks_emit(struct flows_part *scan, const char *final_sql,
    const struct out_col *cols, size_t n_cols, struct query_progress *p,
    struct out *w, struct ft_err *err)
{
	uint64_t limit = scan->set.limit;
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(store_db(scan->st), final_sql, -1, &s, NULL))
		return part_db_err(scan->st, "cannot prepare query",
		    SQLITE_ERROR, err);
	sqlite3_bind_int64(s, 1, limit > (uint64_t)INT64_MAX ? -1 :
	    (int64_t)limit);
	rc = query_run_stmt(scan->st, s, cols, n_cols, p, w, err);
	sqlite3_finalize(s);
	return rc;
}

int
query_flows_scan(struct store *st, const struct query_flows_opts *o,
    const struct flows_sort *keys, const char *final_sql,
    const struct out_col *cols, size_t n_cols, struct out *w,
    struct ft_err *err)
{
	struct flows_part scan[QUERY_PARTS_MAX];
	struct query_dict apps;
	int ro, rc = 0;

	memset(scan, 0, sizeof(scan));
	memset(&apps, 0, sizeof(apps));
	if (keys->reads_app)
		rc = query_dict_load(st, "SELECT id, name FROM apps ORDER BY "
		    "2, 1", "flows", &apps, err);
	if (!rc)
		rc = query_progress_start(o->range.progress, st, &o->range,
		    err);
	if (!rc) {
		rc = parts_scan(st, o, keys, keys->reads_app ? &apps : NULL,
		    scan, err);
		if (!rc)
			rc = query_temp_begin(st, "ft_flows", "CREATE TEMP "
			    "TABLE ft_flows (id INTEGER, records INTEGER, "
			    "first_us INTEGER, last_us INTEGER, bytes_cs "
			    "INTEGER, bytes_sc INTEGER, pkts_cs INTEGER, "
			    "pkts_sc INTEGER, tcp_cs INTEGER, tcp_sc INTEGER)",
			    &ro, err);
		if (!rc) {
			rc = picks_fill(&scan[0], err);
			if (!rc)
				rc = picks_emit(&scan[0], final_sql, cols,
				    n_cols, o->range.progress, w, err);
			query_temp_end(st, "ft_flows", ro);
		}
		query_progress_stop(o->range.progress, st);
	}
	part_fini(&scan[0]);
	query_dict_fini(&apps);
	return rc;
}
