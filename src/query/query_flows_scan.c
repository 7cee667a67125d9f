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

#define FS_ADDR 17		/* an address: its length, then 16 bytes */

/*
 * One merged flow: the columns of `m`, and the values of its latest
 * record that keys sort by (struct flows_sort.rec).
 */
struct fs_flow {
	int64_t id;		/* rowid of its latest record */
	int64_t records;
	int64_t first_us, last_us;
	int64_t bcs, bsc, pcs, psc;
	int64_t tcs, tsc;	/* TCP flags, ORed */
	int64_t asn;		/* -1 NULL */
	int32_t app;		/* rank of its application's name, -1 NULL */
	uint16_t cport, sport;
	uint8_t proto, end;
	uint8_t cli[FS_ADDR], srv[FS_ADDR];
	bool began;		/* nothing of it before this part's records */
};

/*
 * The flows that can place. Invariant: heap is a heap of at most limit
 * flows, the one that lists last on top; ties holds flows outside it that
 * the keys cannot tell from the top one (SQLite's later keys decide).
 */
struct fs_set {
	struct fs_flow *heap;
	size_t n_heap, cap_heap;
	struct fs_flow *ties;
	size_t n_ties, cap_ties;
	uint64_t limit;
};

/* One part of the listing's scan (all of it when it is one part). */
struct fs {
	struct store *st;
	const struct flows_sort *keys;	/* what orders the listing, in C */
	const struct query_dict *apps;	/* when a key is FK_APP */
	const struct query_part *part;
	struct agg_open open;	/* flows whose final record is to come */
	struct fs_set set;
	struct agg_parts partials;	/* flows it could not finish */
};

static int
fs_db_err(struct store *st, const char *what, int rc, struct ft_err *err)
{
	return ft_err_set(err, rc == SQLITE_BUSY ? FT_EAGAIN : FT_EDB,
	    "store %s: flows: %s: %s", store_path(st), what,
	    sqlite3_errmsg(store_db(st)));
}

static int64_t
fs_value(const struct fs_flow *f, enum flows_key key)
{
	switch (key) {
	case FK_FIRST:
		return f->first_us;
	case FK_LAST:
		return f->last_us;
	case FK_DURATION:
		return f->last_us - f->first_us;
	case FK_BYTES_CS:
		return f->bcs;
	case FK_BYTES_SC:
		return f->bsc;
	case FK_PKTS_CS:
		return f->pcs;
	case FK_PKTS_SC:
		return f->psc;
	case FK_RECORDS:
		return f->records;
	case FK_BYTES:
		return f->bcs + f->bsc;
	case FK_PACKETS:
		return f->pcs + f->psc;
	case FK_PROTO:
		return f->proto;
	case FK_CPORT:
		return f->cport;
	case FK_SPORT:
		return f->sport;
	case FK_APP:
		return f->app;
	case FK_ASN:
		return f->asn;
	case FK_END:
		return f->end;
	case FK_TCP_CS:
		return f->tcs;
	case FK_TCP_SC:
		return f->tsc;
	default:
		return 0;
	}
}

/* Whether key's value of f is NULL (it sorts last either way). */
static bool
fs_null(const struct fs_flow *f, enum flows_key key)
{
	switch (key) {
	case FK_APP:
		return f->app < 0;
	case FK_ASN:
		return f->asn < 0;
	case FK_TCP_CS:
	case FK_TCP_SC:
		return f->proto != 6;
	default:
		return false;
	}
}

/* Addresses as the listing sorts them: length, then bytes. */
static int
fs_addr_cmp(const uint8_t *a, const uint8_t *b)
{
	int c;

	if (a[0] != b[0])
		return a[0] < b[0] ? -1 : 1;
	c = memcmp(a + 1, b + 1, a[0]);
	return c < 0 ? -1 : c > 0;
}

/* Key's values of a and b: below 0, 0 or above as a's is smaller. */
static int
fs_key_cmp(const struct fs_flow *a, const struct fs_flow *b,
    enum flows_key key)
{
	int64_t x, y;

	if (key == FK_CLIENT)
		return fs_addr_cmp(a->cli, b->cli);
	if (key == FK_SERVER)
		return fs_addr_cmp(a->srv, b->srv);
	x = fs_value(a, key);
	y = fs_value(b, key);
	return x < y ? -1 : x > y;
}

/*
 * Above 0 when a lists before b, below when after, 0 when the keys cannot
 * tell (never, when they are total: newest first, then the latest record).
 * NULLs list last whichever the direction, as the SQL's NULLS LAST.
 */
static int
fs_cmp(const struct flows_sort *k, const struct fs_flow *a,
    const struct fs_flow *b)
{
	bool na, nb;
	size_t i;
	int c;

	for (i = 0; i < k->n; i++) {
		na = fs_null(a, k->key[i]);
		nb = fs_null(b, k->key[i]);
		if (na != nb)
			return na ? -1 : 1;
		if (na)
			continue;
		c = fs_key_cmp(a, b, k->key[i]);
		if (c)
			return (c > 0) == k->desc[i] ? 1 : -1;
	}
	if (!k->total)
		return 0;
	if (a->first_us != b->first_us)
		return a->first_us > b->first_us ? 1 : -1;
	return a->id > b->id ? 1 : a->id < b->id ? -1 : 0;
}

/* Room for one more flow in *a of *cap. */
static int
fs_room(struct fs_flow **a, size_t n, size_t *cap)
{
	size_t c = *cap ? 2 * *cap : 128;
	struct fs_flow *p;

	if (n < *cap)
		return 0;
	p = realloc(*a, c * sizeof(*p));
	if (!p)
		return -FT_ENOMEM;
	*a = p;
	*cap = c;
	return 0;
}

static void
fs_swap(struct fs_flow *a, struct fs_flow *b)
{
	struct fs_flow t = *a;

	*a = *b;
	*b = t;
}

/* Restore the heap below index i: the flow listing last on top. */
static void
fs_sift_down(const struct flows_sort *k, struct fs_set *s, size_t i)
{
	size_t l, m;

	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < s->n_heap && fs_cmp(k, &s->heap[l], &s->heap[m]) < 0)
			m = l;
		if (l + 1 < s->n_heap && fs_cmp(k, &s->heap[l + 1],
		    &s->heap[m]) < 0)
			m = l + 1;
		if (m == i)
			return;
		fs_swap(&s->heap[i], &s->heap[m]);
		i = m;
	}
}

/*
 * Ties past this make the scan give up (-FT_EFULL): the listing falls back
 * to SQL, which sorts on disk (a first key most flows share, and a later
 * one only SQL compares: --sort +records,server_name).
 */
#ifndef FS_TIES_MAX
#define FS_TIES_MAX (1u << 20)
#endif

static int
fs_tie(struct fs_set *s, const struct fs_flow *f)
{
	if (s->n_ties >= FS_TIES_MAX)
		return -FT_EFULL;
	if (fs_room(&s->ties, s->n_ties, &s->cap_ties))
		return -FT_ENOMEM;
	s->ties[s->n_ties++] = *f;
	return 0;
}

/* A done flow: into the heap, among the ties, or gone. */
static int
fs_done(struct fs *t, const struct fs_flow *f)
{
	const struct flows_sort *k = t->keys;
	struct fs_set *s = &t->set;
	struct fs_flow out;
	size_t i;
	int c;

	if (s->n_heap < s->limit) {
		if (fs_room(&s->heap, s->n_heap, &s->cap_heap))
			return -FT_ENOMEM;
		i = s->n_heap++;
		s->heap[i] = *f;
		for (; i && fs_cmp(k, &s->heap[(i - 1) / 2], &s->heap[i]) > 0;
		    i = (i - 1) / 2)
			fs_swap(&s->heap[i], &s->heap[(i - 1) / 2]);
		return 0;
	}
	c = fs_cmp(k, f, &s->heap[0]);
	if (c < 0)
		return 0;
	if (c == 0)
		return fs_tie(s, f);
	out = s->heap[0];
	s->heap[0] = *f;
	fs_sift_down(k, s, 0);
	if (!fs_cmp(k, &out, &s->heap[0]))
		return fs_tie(s, &out);
	s->n_ties = 0;		/* they tied a flow that is gone */
	return 0;
}

/* A record as a flow of its own. */
static void
fs_record(sqlite3_stmt *s, struct fs_flow *f)
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

/* Column col's address blob into a (FS_ADDR bytes). */
static void
fs_col_addr(sqlite3_stmt *s, int col, uint8_t *a)
{
	int n = sqlite3_column_bytes(s, col);

	memset(a, 0, FS_ADDR);
	n = n > 16 ? 16 : n < 0 ? 0 : n;
	a[0] = (uint8_t)n;
	if (n)
		memcpy(a + 1, sqlite3_column_blob(s, col), (size_t)n);
}

/* The record's own values that keys sort by. */
static void
fs_record_keys(const struct fs *t, sqlite3_stmt *s, struct fs_flow *f)
{
	f->proto = (uint8_t)sqlite3_column_int(s, FC_PROTO);
	fs_col_addr(s, FC_CLI, f->cli);
	f->cport = (uint16_t)sqlite3_column_int(s, FC_CPORT);
	fs_col_addr(s, FC_SRV, f->srv);
	f->sport = (uint16_t)sqlite3_column_int(s, FC_SPORT);
	f->app = t->apps ? query_dict_col(t->apps, s, FC_APP) : -1;
	f->asn = sqlite3_column_type(s, FC_ASN) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(s, FC_ASN);
	f->end = (uint8_t)sqlite3_column_int(s, FC_END);
}

/* The values of r, a later record of f, that are the latest record's. */
static void
fs_latest(struct fs_flow *f, const struct fs_flow *r)
{
	f->id = r->id;
	f->asn = r->asn;
	f->app = r->app;
	f->cport = r->cport;
	f->sport = r->sport;
	f->proto = r->proto;
	f->end = r->end;
	memcpy(f->cli, r->cli, FS_ADDR);
	memcpy(f->srv, r->srv, FS_ADDR);
}

static void
fs_merge(struct fs_flow *f, const struct fs_flow *r)
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
fs_end(struct fs *t, int64_t run, int64_t flow, const struct fs_flow *f,
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
	struct fs_flow r, *f = agg_open_find(&t->open, run, flow);
	bool fresh;
	int rc;

	fs_record(s, &r);
	if (t->keys->rec)
		fs_record_keys(t, s, &r);
	/* Its first record carries its first packet (an empty final record
	 * after a one-packet delta has the same time). */
	r.began = t->part->index == 0 || (r.pcs + r.psc > 0 &&
	    sqlite3_column_int64(s, FC_START) == r.first_us);
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
	struct fs_flow *f;
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
	const struct fs_set *set;
	struct agg_open all;
	struct fs_flow *f;
	size_t k, i, it = 0;
	int rc;

	for (k = 0; k < n; k++)
		lists[k] = &t[k].partials;
	agg_open_init(&all, sizeof(struct fs_flow));
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
	free(t->set.heap);
	free(t->set.ties);
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
		agg_open_init(&t[k].open, sizeof(struct fs_flow));
		agg_parts_init(&t[k].partials, sizeof(struct fs_flow));
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
	const struct fs_set *set = &t->set;
	const struct fs_flow *f;
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
