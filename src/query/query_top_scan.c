/* query_top_scan.c: top-N from one plain scan of the flow records */
/*
 * Summed per group in C; the few groups that can rank are ordered by SQLite.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "../agg/agg.h"
#include "../base/ft_groups.h"
#include "dict.h"
#include "scan.h"
#include "top_int.h"

/*
 * One key's value inside a group key: a tag, then 16 bytes. Tags: 0 NULL,
 * 1 an int64 (an id, or the rank of a text), 2 + n an address of n bytes.
 * Unused bytes are zero, so equal values compare equal with memcmp.
 */
#define TOP_SLOT 17
#define TOP_TAG_NULL 0
#define TOP_TAG_INT 1
#define TOP_TAG_BLOB 2

/* Columns of the scan before the keys. */
enum { TC_RUN, TC_FLOW, TC_FLAGS, TC_BCS, TC_BSC, TC_PKTS, TC_LATE, TC_KEYS };

#define TOP_GROUPS_MAX (UINT32_MAX / 2) /* groups of one report */

/* One report's scan. */
struct top_scan {
	struct store *st;
	const struct query_top_opts *o;
	const int *keys;	/* n_keys of enum query_key */
	size_t n_keys;
	int host;		/* index of QK_HOST in keys, -1 none */
	struct query_dict dict[TOP_ORG];	/* by enum top_slot */
	struct ft_groups groups;
	struct agg_distinct flows;
};

static int
top_db_err(struct store *st, const char *what, struct ft_err *err)
{
	return ft_err_set(err, FT_EDB, "store %s: %s: %s", store_path(st), what,
	    sqlite3_errmsg(store_db(st)));
}

static const char *const top_dict_sql[TOP_ORG] = {
	[TOP_APP] = "SELECT id, name FROM apps UNION ALL "
	    "SELECT NULL, 'Unknown' ORDER BY 2, 1",
	[TOP_CATEGORY] = "SELECT id, category FROM apps WHERE category <> '' "
	    "ORDER BY 2, 1",
	[TOP_VENDOR] = "SELECT id, vendor FROM macs WHERE vendor IS NOT NULL "
	    "ORDER BY 2, 1",
};

/* The dictionaries the keys group by. */
static int
top_dicts(struct top_scan *t, struct ft_err *err)
{
	enum top_slot k;
	size_t i;
	int rc;

	for (i = 0; i < t->n_keys; i++) {
		k = query_top_keys[t->keys[i]].slot;
		if (k >= TOP_ORG || !top_dict_sql[k] || t->dict[k].text)
			continue;
		rc = query_dict_load(t->st, top_dict_sql[k], "top",
		    &t->dict[k], err);
		if (rc)
			return rc;
	}
	return 0;
}

static void
top_slot_int(uint8_t *slot, int64_t v)
{
	slot[0] = TOP_TAG_INT;
	memcpy(slot + 1, &v, sizeof(v));
}

/* Key k's value in column col of the scan's row into slot (zeroed). */
static void
top_slot_fill(const struct top_scan *t, enum top_slot k, sqlite3_stmt *s,
    int col, uint8_t *slot)
{
	int32_t r;
	int n;

	if (k == TOP_APP || k == TOP_CATEGORY || k == TOP_VENDOR) {
		r = query_dict_col(&t->dict[k], s, col);
		if (r >= 0)
			top_slot_int(slot, r);
		return;
	}
	if (sqlite3_column_type(s, col) == SQLITE_NULL)
		return;
	if (k != TOP_ADDR) {
		top_slot_int(slot, sqlite3_column_int64(s, col));
		return;
	}
	n = sqlite3_column_bytes(s, col);
	n = n > 16 ? 16 : n;
	slot[0] = (uint8_t)(TOP_TAG_BLOB + n);
	memcpy(slot + 1, sqlite3_column_blob(s, col), (size_t)n);
}

static void
top_sums_add(struct agg_sums *m, sqlite3_stmt *s, bool new_flow)
{
	m->bytes_cs += (uint64_t)sqlite3_column_int64(s, TC_BCS);
	m->bytes_sc += (uint64_t)sqlite3_column_int64(s, TC_BSC);
	m->packets += (uint64_t)sqlite3_column_int64(s, TC_PKTS);
	m->flows += new_flow;
}

/*
 * Whether the record ends its flow: its final one, unless it came late
 * (agg_record_is_late(), computed in the scan's SQL so that only final
 * records read their times; the time index may list it before the flow's
 * first).
 */
static bool
top_final(sqlite3_stmt *s)
{
	return (sqlite3_column_int64(s, TC_FLAGS) & FT_REC_FINAL) &&
	    !sqlite3_column_int(s, TC_LATE);
}

/*
 * One record: its group, and for host the group of its other end when
 * that is another address; then its sums, and the flow where it is new.
 */
static int
top_row(struct top_scan *t, sqlite3_stmt *s)
{
	uint8_t key[QUERY_KEYS_MAX * TOP_SLOT];
	size_t i, len = t->n_keys * TOP_SLOT;
	int64_t g[2] = { -1, -1 };
	bool fresh[2];
	uint8_t *hs;
	int rc;

	memset(key, 0, len);
	for (i = 0; i < t->n_keys; i++)
		top_slot_fill(t, query_top_keys[t->keys[i]].slot, s,
		    TC_KEYS + (int)i, key + i * TOP_SLOT);
	g[0] = ft_groups_get(&t->groups, key);
	if (g[0] < 0)
		return (int)g[0];
	if (t->host >= 0) {
		hs = key + (size_t)t->host * TOP_SLOT;
		memset(hs, 0, TOP_SLOT);
		top_slot_fill(t, TOP_ADDR, s, TC_KEYS + (int)t->n_keys, hs);
		if (memcmp(ft_groups_key(&t->groups, (size_t)g[0]) +
		    (hs - key), hs, TOP_SLOT)) {
			g[1] = ft_groups_get(&t->groups, key);
			if (g[1] < 0)
				return (int)g[1];
		}
	}
	rc = agg_distinct_see(&t->flows, sqlite3_column_int64(s, TC_RUN),
	    sqlite3_column_int64(s, TC_FLOW), top_final(s), g, 2, fresh);
	if (rc)
		return rc;
	for (i = 0; i < 2 && g[i] >= 0; i++)
		top_sums_add(ft_groups_val(&t->groups, (size_t)g[i]), s,
		    fresh[i]);
	return 0;
}

/*
 * The scan's columns: run, flow, flags, sums, whether a final record came
 * late (an empty one never does: its time is the flow's last packet),
 * keys, (host) f.srv.
 */
static int
top_scan_cols(const struct top_scan *t, struct out_buf *b)
{
	size_t i;

	out_buf_adds(b, "SELECT f.run, f.flow, f.flags, f.bytes_cs, "
	    "f.bytes_sc, f.pkts_cs + f.pkts_sc, CASE WHEN f.flags & 1 THEN "
	    "f.first_us < f.start_us END");
	for (i = 0; i < t->n_keys; i++)
		out_buf_addf(b, ", %s", query_top_keys[t->keys[i]].col.expr);
	if (t->host >= 0)
		out_buf_adds(b, ", f.srv");
	return b->trunc ? -FT_EINVAL : 0;
}

static int
top_scan_run(struct top_scan *t, struct ft_err *err)
{
	char mem[QUERY_SQL_MAX];
	struct out_buf b;
	sqlite3_stmt *s;
	int rc;

	out_buf_init(&b, mem, sizeof(mem));
	if (top_scan_cols(t, &b))
		return ft_err_set(err, FT_EINVAL, "query: filter too long");
	rc = query_scan_prepare(t->st, &t->o->range, b.p, &s, err);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		rc = top_row(t, s);
		if (rc)
			break;
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc < 0)
		return ft_err_set(err, -rc, "top: %s", rc == -FT_EFULL ?
		    "too many groups; narrow the range or the filter" :
		    ft_strerror(-rc));
	return ft_err_set(err, rc == SQLITE_BUSY ? FT_EAGAIN : FT_EDB,
	    "store %s: query failed: %s", store_path(t->st),
	    sqlite3_errmsg(store_db(t->st)));
}

static uint64_t
top_metric(const struct agg_sums *m, enum query_order order)
{
	switch (order) {
	case QUERY_ORDER_PACKETS:
		return m->packets;
	case QUERY_ORDER_FLOWS:
		return m->flows;
	default:
		return m->bytes_cs + m->bytes_sc;
	}
}

static int
top_cmp_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * The least metric a group needs to rank among the first limit: that of
 * the limit-th group (ties with it go on to SQLite's ordering); 0 when
 * every group ranks.
 */
static int
top_threshold(const struct top_scan *t, uint64_t limit, uint64_t *thr)
{
	uint64_t *m;
	size_t i;

	*thr = 0;
	if (t->groups.n <= limit)
		return 0;
	m = malloc(t->groups.n * sizeof(*m));
	if (!m)
		return -FT_ENOMEM;
	for (i = 0; i < t->groups.n; i++)
		m[i] = top_metric(ft_groups_val(&t->groups, i), t->o->order);
	qsort(m, t->groups.n, sizeof(*m), top_cmp_desc);
	*thr = m[limit - 1];
	free(m);
	return 0;
}

static int64_t
top_i64(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* The value of key i of a group, as the rendering reads k_<name>. */
static void
top_bind_key(const struct top_scan *t, sqlite3_stmt *s, int idx, size_t i,
    const uint8_t *slot, sqlite3_stmt *org)
{
	enum top_slot k = query_top_keys[t->keys[i]].slot;
	int64_t v;

	if (slot[0] == TOP_TAG_NULL) {
		sqlite3_bind_null(s, idx);
		return;
	}
	if (slot[0] >= TOP_TAG_BLOB) {
		sqlite3_bind_blob(s, idx, slot + 1, slot[0] - TOP_TAG_BLOB,
		    SQLITE_TRANSIENT);
		return;
	}
	memcpy(&v, slot + 1, sizeof(v));
	if (k == TOP_APP || k == TOP_CATEGORY || k == TOP_VENDOR) {
		sqlite3_bind_text(s, idx, t->dict[k].text[v], -1,
		    SQLITE_STATIC);
	} else if (k == TOP_ORG) {
		sqlite3_bind_int64(org, 1, v);
		if (sqlite3_step(org) == SQLITE_ROW)
			sqlite3_bind_value(s, idx, sqlite3_column_value(org, 0));
		else
			sqlite3_bind_null(s, idx);
		sqlite3_reset(org);
	} else {
		sqlite3_bind_int64(s, idx, v);
	}
}

/* Group i into the temporary table through the prepared insert s. */
static int
top_insert(const struct top_scan *t, sqlite3_stmt *s, sqlite3_stmt *org,
    size_t i)
{
	const struct agg_sums *m = ft_groups_val(&t->groups, i);
	const uint8_t *key = ft_groups_key(&t->groups, i);
	int idx = 1;
	size_t k;

	for (k = 0; k < t->n_keys; k++)
		top_bind_key(t, s, idx++, k, key + k * TOP_SLOT, org);
	sqlite3_bind_int64(s, idx++, top_i64(m->bytes_cs));
	sqlite3_bind_int64(s, idx++, top_i64(m->bytes_sc));
	sqlite3_bind_int64(s, idx++, top_i64(m->packets));
	sqlite3_bind_int64(s, idx, top_i64(m->flows));
	if (sqlite3_step(s) != SQLITE_DONE)
		return -FT_EDB;
	sqlite3_reset(s);
	return 0;
}

/* "CREATE ..." or "INSERT ..." of the temporary table ft_top. */
static void
top_table_sql(const struct top_scan *t, bool insert, struct out_buf *b)
{
	size_t i;

	out_buf_adds(b, insert ? "INSERT INTO temp.ft_top VALUES (" :
	    "CREATE TEMP TABLE ft_top (");
	for (i = 0; i < t->n_keys; i++)
		out_buf_addf(b, insert ? "?, " : "k_%s, ",
		    query_top_keys[t->keys[i]].col.name);
	out_buf_adds(b, insert ? "?, ?, ?, ?)" :
	    "bc INTEGER, bs INTEGER, p INTEGER, n INTEGER)");
}

/* The groups whose metric reaches thr into ft_top. */
static int
top_fill(const struct top_scan *t, uint64_t thr, struct ft_err *err)
{
	sqlite3_stmt *ins = NULL, *org = NULL;
	char mem[1024];
	struct out_buf b;
	size_t i;
	int rc = 0;

	out_buf_init(&b, mem, sizeof(mem));
	top_table_sql(t, true, &b);
	if (sqlite3_prepare_v2(store_db(t->st), b.p, -1, &ins, NULL) ||
	    sqlite3_prepare_v2(store_db(t->st), "SELECT org FROM asns "
	    "WHERE asn = ?", -1, &org, NULL)) {
		rc = top_db_err(t->st, "cannot fill the groups' table", err);
		goto out;
	}
	for (i = 0; i < t->groups.n && !rc; i++)
		if (top_metric(ft_groups_val(&t->groups, i), t->o->order) >=
		    thr)
			rc = top_insert(t, ins, org, i);
	if (rc)
		rc = top_db_err(t->st, "cannot fill the groups' table", err);
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(org);
	return rc;
}

/* Render, order and stream ft_top: the last step of the SQL it replaces. */
static int
top_emit(const struct top_scan *t, uint64_t limit, const struct out_col *cols,
    size_t n_cols, struct out *w, struct ft_err *err)
{
	char mem[QUERY_SQL_MAX];
	struct out_buf b;
	sqlite3_stmt *s;
	size_t i;
	int rc;

	out_buf_init(&b, mem, sizeof(mem));
	out_buf_adds(&b, "SELECT ");
	for (i = 0; i < t->n_keys; i++) {
		if (query_top_keys[t->keys[i]].out)
			out_buf_addf(&b, "%s, ", query_top_keys[t->keys[i]].out);
		else
			out_buf_addf(&b, "k_%s, ",
			    query_top_keys[t->keys[i]].col.name);
	}
	out_buf_addf(&b, "bc + bs, p, n, bc, bs FROM temp.ft_top ORDER BY %zu "
	    "DESC", t->n_keys + 1 + (size_t)t->o->order);
	for (i = 0; i < t->n_keys; i++)
		out_buf_addf(&b, ", %zu", i + 1);
	out_buf_adds(&b, " LIMIT ?");
	if (sqlite3_prepare_v2(store_db(t->st), b.p, -1, &s, NULL) != SQLITE_OK)
		return top_db_err(t->st, "cannot prepare query", err);
	sqlite3_bind_int64(s, 1, top_i64(limit));
	rc = query_run_stmt(t->st, s, cols, n_cols, t->o->range.progress, w,
	    err);
	sqlite3_finalize(s);
	return rc;
}

/* The groups that can rank, through ft_top, into w. */
static int
top_output(struct top_scan *t, const struct out_col *cols, size_t n_cols,
    struct out *w, struct ft_err *err)
{
	uint64_t limit = t->o->range.limit ? t->o->range.limit :
	    QUERY_TOP_LIMIT, thr;
	char mem[1024];
	struct out_buf b;
	int ro, rc;

	rc = top_threshold(t, limit, &thr);
	if (rc)
		return ft_err_set(err, -rc, "top: %s", ft_strerror(-rc));
	out_buf_init(&b, mem, sizeof(mem));
	top_table_sql(t, false, &b);
	rc = query_temp_begin(t->st, "ft_top", b.p, &ro, err);
	if (!rc)
		rc = top_fill(t, thr, err);
	if (!rc)
		rc = top_emit(t, limit, cols, n_cols, w, err);
	query_temp_end(t->st, "ft_top", ro);
	return rc;
}

int
query_top_scan(struct store *st, const struct query_top_opts *o,
    const int *keys, size_t n, const struct out_col *cols, size_t n_cols,
    struct out *w, struct ft_err *err)
{
	struct top_scan t;
	size_t i;
	int rc;

	memset(&t, 0, sizeof(t));
	t.st = st;
	t.o = o;
	t.keys = keys;
	t.n_keys = n;
	t.host = -1;
	for (i = 0; i < n; i++)
		if (keys[i] == QK_HOST)
			t.host = (int)i;
	ft_groups_init(&t.groups, n * TOP_SLOT, sizeof(struct agg_sums),
	    TOP_GROUPS_MAX);
	agg_distinct_init(&t.flows);
	rc = top_dicts(&t, err);
	if (!rc)
		rc = query_progress_start(o->range.progress, st, &o->range, err);
	if (!rc) {
		rc = top_scan_run(&t, err);
		agg_distinct_fini(&t.flows);
		if (!rc)
			rc = top_output(&t, cols, n_cols, w, err);
		query_progress_stop(o->range.progress, st);
	}
	for (i = 0; i < TOP_ORG; i++)
		query_dict_fini(&t.dict[i]);
	agg_distinct_fini(&t.flows);
	ft_groups_fini(&t.groups);
	return rc;
}
