/* map_scan.c: the map's edges summed in C from one scan of the records */
/*
 * A second, narrow pass runs only when the server-side rule has flows to
 * decide.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "../base/ft_port.h"
#include "../base/agg.h"
#include "../query/dict.h"
#include "map_int.h"
#include "../query/scan.h"

/* Server ports of name services: see ms_name_service(). */
static const uint16_t map_name_ports[] = { 53, 67, 68, 137, 138, 546, 547,
	5353, 5355 };

/* Columns of the records' scan. */
enum { MS_RUN, MS_FLOW, MS_FLAGS, MS_PROTO, MS_CLI, MS_CPORT, MS_SRV,
	MS_SPORT, MS_APP, MS_BCS, MS_BSC, MS_PKTS, MS_FIRST, MS_LAST,
	MS_START, MS_CN_SRC, MS_CN, MS_SN_SRC, MS_SN, MS_LOCAL, MS_CMAC,
	MS_SMAC };

int64_t
map_col_id(sqlite3_stmt *s, int col, int64_t none)
{
	return sqlite3_column_type(s, col) == SQLITE_NULL ? none :
	    sqlite3_column_int64(s, col);
}

/*
 * The name of a flow to a name service is the one asked about (DNS,
 * mDNS, LLMNR, NetBIOS) or the client's (DHCP), never the server's.
 */
static bool
ms_name_service(uint16_t port)
{
	size_t i;

	for (i = 0; i < sizeof(map_name_ports) / sizeof(map_name_ports[0]);
	    i++)
		if (map_name_ports[i] == port)
			return true;
	return false;
}

bool
map_names_server(uint16_t port)
{
	return !ms_name_service(port);
}

/* A name key from a source and an id column; 0 when either is missing. */
int64_t
map_col_name(sqlite3_stmt *s, int col_src, int col_id)
{
	int64_t src = sqlite3_column_int64(s, col_src);

	if (src <= 0 || sqlite3_column_type(s, col_id) == SQLITE_NULL)
		return 0;
	return FT_NAME_KEY(src, sqlite3_column_int64(s, col_id));
}

/* A record as a flow of its own. */
static void
ms_record(sqlite3_stmt *s, struct map_flow *f)
{
	int64_t local = sqlite3_column_int64(s, MS_LOCAL);

	query_col_addr(s, MS_CLI, f->cli);
	query_col_addr(s, MS_SRV, f->srv);
	f->proto = (uint8_t)sqlite3_column_int(s, MS_PROTO);
	f->cport = (uint16_t)sqlite3_column_int(s, MS_CPORT);
	f->sport = (uint16_t)sqlite3_column_int(s, MS_SPORT);
	f->guessed = (sqlite3_column_int64(s, MS_FLAGS) & FT_REC_GUESSED) != 0;
	f->cand = ft_conv_candidate(f->guessed, f->sport);
	f->app = map_col_id(s, MS_APP, -1);
	f->bcs = (uint64_t)sqlite3_column_int64(s, MS_BCS);
	f->bsc = (uint64_t)sqlite3_column_int64(s, MS_BSC);
	f->pkts = (uint64_t)sqlite3_column_int64(s, MS_PKTS);
	f->t0 = (uint64_t)sqlite3_column_int64(s, MS_FIRST);
	f->t1 = (uint64_t)sqlite3_column_int64(s, MS_LAST);
	f->cn = map_col_name(s, MS_CN_SRC, MS_CN);
	f->sn = ms_name_service(f->sport) ? 0 : map_col_name(s, MS_SN_SRC, MS_SN);
	f->cl = (local & FT_LOCAL_CLI) != 0;
	f->sl = (local & FT_LOCAL_SRV) != 0;
	f->cm = f->cl ? map_col_id(s, MS_CMAC, 0) : 0;
	f->sm = f->sl ? map_col_id(s, MS_SMAC, 0) : 0;
}

/* Record (or partial flow) r's sums into flow f (its ends are the same). */
static void
ms_flow_merge(void *dst, const void *src)
{
	struct map_flow *f = dst;
	const struct map_flow *r = src;

	f->cand |= r->cand;
	f->guessed |= r->guessed;
	f->cl |= r->cl;
	f->sl |= r->sl;
	f->app = MS_MAX(f->app, r->app);
	f->bcs += r->bcs;
	f->bsc += r->bsc;
	f->pkts += r->pkts;
	f->t0 = MS_MIN(f->t0, r->t0);
	f->t1 = MS_MAX(f->t1, r->t1);
	f->cn = ft_better_name(f->cn, r->cn);
	f->sn = ft_better_name(f->sn, r->sn);
	f->cm = MS_MAX(f->cm, r->cm);
	f->sm = MS_MAX(f->sm, r->sm);
}

/* A whole flow into its edge; sw: the rule turned it around. */
static int
ms_edge_add(struct ms *m, const struct map_flow *f, bool sw)
{
	uint8_t key[MS_EDGE_KEY];
	struct agg_sums *a;
	struct ms_edge *e;
	uint64_t top;
	int64_t i;
	int32_t r;

	key[0] = f->proto;
	key[1] = (uint8_t)((sw ? f->cport : f->sport) >> 8);
	key[2] = (uint8_t)(sw ? f->cport : f->sport);
	memcpy(key + MS_EDGE_C, sw ? f->srv : f->cli, MAP_ADDR);
	memcpy(key + MS_EDGE_S, sw ? f->cli : f->srv, MAP_ADDR);
	i = agg_get(&m->edges, key);
	if (i < 0)
		return (int)i;
	e = agg_val(&m->edges, (size_t)i);
	a = &e->sums;
	if (!a->flows) {
		e->t0 = f->t0;
		e->atop = -1;
		e->alo = e->ahi = -1;
	}
	a->bytes_cs += sw ? f->bsc : f->bcs;
	a->bytes_sc += sw ? f->bcs : f->bsc;
	a->packets += f->pkts;
	a->flows++;
	e->t0 = MS_MIN(e->t0, f->t0);
	e->t1 = MS_MAX(e->t1, f->t1);
	e->cn = ft_better_name(e->cn, sw ? f->sn : f->cn);
	e->sn = ft_better_name(e->sn, sw ? f->cn : f->sn);
	e->cm = MS_MAX(e->cm, sw ? f->sm : f->cm);
	e->sm = MS_MAX(e->sm, sw ? f->cm : f->sm);
	e->cl |= sw ? f->sl : f->cl;
	e->sl |= sw ? f->cl : f->sl;
	e->sw += sw;
	e->seen += !f->guessed;
	r = f->app >= 0 ? query_dict_rank(m->apps, f->app) : -1;
	if (r >= 0) {
		e->alo = e->alo < 0 ? r : MS_MIN(e->alo, r);
		e->ahi = MS_MAX(e->ahi, r);
		if (f->app < (INT64_C(1) << FT_APP_SHIFT)) {
			top = ft_app_top(f->bcs + f->bsc, f->app);
			e->atop = MS_MAX(e->atop, (int64_t)top);
		}
	}
	return 0;
}

/* A finished flow: into its edge, or kept for the rule. */
static int
ms_flow_done(void *ctx, const void *val)
{
	struct ms *m = ctx;
	const struct map_flow *f = val;
	struct map_flow *c;
	size_t cap;

	if (!f->cand)
		return ms_edge_add(m, f, false);
	if (m->n_cands == m->cap_cands) {
		cap = m->cap_cands ? 2 * m->cap_cands : 64;
		c = realloc(m->cands, cap * sizeof(*c));
		if (!c)
			return -FT_ENOMEM;
		m->cands = c;
		m->cap_cands = cap;
	}
	m->cands[m->n_cands++] = *f;
	return 0;
}

/* One record, summed into its flow (agg_merge). */
int
map_row(struct ms *m, sqlite3_stmt *s)
{
	struct map_flow r;

	ms_record(s, &r);
	return agg_merge_add(&m->flows, sqlite3_column_int64(s, MS_RUN),
	    sqlite3_column_int64(s, MS_FLOW), &r, r.pkts, (int64_t)r.t0,
	    sqlite3_column_int64(s, MS_START),
	    (sqlite3_column_int64(s, MS_FLAGS) & FT_REC_FINAL) != 0);
}

/* One conv_parts row: a flow's records of an hour, summed (conv.md). */
int
map_part_row(struct ms *m, sqlite3_stmt *s)
{
	struct map_flow r;
	int64_t flags = sqlite3_column_int64(s, MS_FLAGS);

	ms_record(s, &r);
	return agg_merge_add_sum(&m->flows, sqlite3_column_int64(s, MS_RUN),
	    sqlite3_column_int64(s, MS_FLOW), &r,
	    (flags & STORE_CONV_FIRST) != 0, (flags & FT_REC_FINAL) != 0);
}

int
map_err(int rc, struct ft_err *err)
{
	return ft_err_set(err, -rc, "map: %s", rc == -FT_EFULL ?
	    "too many edges; narrow the range or the filter" :
	    ft_strerror(-rc));
}

int
map_step(struct ms *m, sqlite3_stmt *s, int (*fn)(struct ms *,
    sqlite3_stmt *), struct ft_err *err)
{
	int rc;

	if (!s)
		return 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((rc = fn(m, s)))
			break;
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc < 0)
		return map_err(rc, err);
	return ft_err_set(err, rc == SQLITE_BUSY ? FT_EAGAIN : FT_EDB,
	    "store %s: map: cannot read flows: %s", store_path(m->st),
	    sqlite3_errmsg(store_db(m->st)));
}

/* Pass 1: every record of a part into flows, edges and candidates. */
static int
ms_pass_flows(struct query_part *part, void *arg, struct ft_err *err)
{
	struct ms *m = arg;
	sqlite3_stmt *s;
	int rc;

	rc = query_part_prepare(part, "SELECT " MAP_ROW_COLS, &s, err);
	if (!rc)
		rc = map_step(m, s, map_row, err);
	if (!rc && (rc = agg_merge_flush(&m->flows)))
		rc = map_err(rc, err);
	return rc;
}

/*
 * Then, only when there are candidates: the rule decides each from the
 * edges and candidates (no more reading), and it joins its edge.
 */
static int
ms_pass_rule(struct ms *m, struct ft_err *err)
{
	bool *sw;
	size_t i;
	int rc;

	if (!m->n_cands)
		return 0;
	sw = calloc(m->n_cands, sizeof(*sw));
	if (!sw)
		return ft_err_set(err, FT_ENOMEM, "map: %s",
		    ft_strerror(FT_ENOMEM));
	rc = map_rule(m, sw, err);
	for (i = 0; i < m->n_cands && !rc; i++)
		if ((rc = ms_edge_add(m, &m->cands[i], sw[i])))
			rc = map_err(rc, err);
	free(sw);
	return rc;
}

/* Edge x of another part (or an hour) into m's edge of the same key. */
int
map_edge_merge(struct ms *m, const uint8_t *key, const struct ms_edge *x)
{
	struct ms_edge *e;
	int64_t i = agg_get(&m->edges, key);

	if (i < 0)
		return (int)i;
	e = agg_val(&m->edges, (size_t)i);
	if (!e->sums.flows) {
		*e = *x;
		return 0;
	}
	e->sums.bytes_cs += x->sums.bytes_cs;
	e->sums.bytes_sc += x->sums.bytes_sc;
	e->sums.packets += x->sums.packets;
	e->sums.flows += x->sums.flows;
	e->t0 = MS_MIN(e->t0, x->t0);
	e->t1 = MS_MAX(e->t1, x->t1);
	e->cn = ft_better_name(e->cn, x->cn);
	e->sn = ft_better_name(e->sn, x->sn);
	e->cm = MS_MAX(e->cm, x->cm);
	e->sm = MS_MAX(e->sm, x->sm);
	e->atop = MS_MAX(e->atop, x->atop);
	e->sw += x->sw;
	e->seen += x->seen;
	if (x->alo >= 0) {
		e->alo = e->alo < 0 ? x->alo : MS_MIN(e->alo, x->alo);
		e->ahi = MS_MAX(e->ahi, x->ahi);
	}
	e->cl |= x->cl;
	e->sl |= x->sl;
	return 0;
}

/* Part k's edges and candidates into part 0's. */
static int
ms_merge_part(struct ms *m, const struct ms *k)
{
	size_t i;
	int rc;

	for (i = 0; i < k->edges.n; i++)
		if ((rc = map_edge_merge(m, agg_key(&k->edges, i),
		    agg_val(&k->edges, i))))
			return rc;
	for (i = 0; i < k->n_cands; i++)
		if ((rc = ms_flow_done(m, &k->cands[i])))
			return rc;
	return 0;
}

/* The parts' edges, candidates and unfinished flows into parts[0]. */
static int
ms_merge(struct ms *parts, size_t n, struct ft_err *err)
{
	struct agg_merge *flows[QUERY_PARTS_MAX] = { 0 };
	size_t k;
	int rc;

	for (k = 0; k < n; k++)
		flows[k] = &parts[k].flows;
	rc = agg_merge_join(flows, n);
	for (k = 1; k < n && !rc; k++)
		rc = ms_merge_part(&parts[0], &parts[k]);
	return rc ? map_err(rc, err) : 0;
}

static void
ms_fini(struct ms *m)
{
	agg_merge_fini(&m->flows);
	agg_fini(&m->edges);
	free(m->cands);
}

/* Part k of n of a scan, on connection st; first and last: its place. */
static void
ms_init(struct ms *m, struct store *st, const struct map_opts *o,
    const struct query_dict *apps, bool first, bool last)
{
	m->st = st;
	m->o = o;
	m->apps = apps;
	agg_init(&m->edges, MS_EDGE_KEY, sizeof(struct ms_edge), MS_EDGES_MAX);
	agg_merge_init(&m->flows, sizeof(struct map_flow), first, last,
	    ms_flow_merge, ms_flow_done, m);
}

/* Pass 1 over the parts of the range, merged into ms[0]. */
static int
ms_scan_parts(struct store *st, const struct map_opts *o,
    const struct query_dict *apps, struct ms *ms, struct ft_err *err)
{
	struct query_part parts[QUERY_PARTS_MAX];
	void *args[QUERY_PARTS_MAX];
	size_t n, k;
	int rc;

	rc = query_parts_open(st, &o->range, parts, &n, err);
	if (rc)
		return rc;
	for (k = 0; k < n; k++) {
		ms_init(&ms[k], st, o, apps, k == 0, k + 1 == n);
		args[k] = &ms[k];
	}
	rc = query_parts_run(parts, n, ms_pass_flows, args, err);
	query_parts_close(parts, n);
	if (!rc)
		rc = ms_merge(ms, n, err);
	for (k = 1; k < n; k++)
		ms_fini(&ms[k]);
	return rc;
}

/* Pass 1 from the plan's records and conversations, in parts. */
static int
ms_scan_conv(struct store *st, const struct map_opts *o,
    const struct query_dict *apps, const struct map_plan *p, struct ms *ms,
    struct ft_err *err)
{
	struct query_part parts[QUERY_PARTS_MAX];
	struct map_conv_job jobs[QUERY_PARTS_MAX];
	void *args[QUERY_PARTS_MAX];
	size_t n = QUERY_PARTS_MAX, k;
	int rc;

	rc = query_parts_conns(st, &o->range, parts, &n, err);
	if (rc)
		return rc;
	for (k = 0; k < n; k++) {
		/* one flow table, part 0's, sees every flow whole */
		ms_init(&ms[k], parts[k].st, o, apps, true, true);
		jobs[k].m = &ms[k];
		jobs[k].p = p;
		args[k] = &jobs[k];
	}
	map_conv_cut(p, jobs, n);
	rc = query_parts_run(parts, n, map_conv_job, args, err);
	query_parts_close(parts, n);
	ms[0].st = st;
	if (!rc)
		rc = ms_merge(ms, n, err);
	for (k = 1; k < n; k++)
		ms_fini(&ms[k]);
	return rc;
}

/*
 * Pass 1 from the conversations where the plan has them, else the records.
 * The conversations are read on several connections without one snapshot:
 * a writer rolling an hour again meanwhile (rows deleted and written anew)
 * makes the plan stale, so the plan is made again after reading and, when
 * it changed, the reading is done again (then, a third time, from the
 * records, which a roll never changes).
 */
static int
ms_scan_any(struct store *st, const struct map_opts *o,
    const struct query_dict *apps, struct ms *ms, struct ft_err *err)
{
	struct map_plan plan;
	bool same = false;
	int rc, tries;

	for (tries = 0; tries < 2; tries++) {
		rc = map_plan(st, o, &plan, err);
		if (rc || !plan.conv) {
			map_plan_free(&plan);
			break;
		}
		rc = ms_scan_conv(st, o, apps, &plan, ms, err);
		if (!rc)
			rc = map_plan_same(st, o, &plan, &same, err);
		map_plan_free(&plan);
		if (rc || same)
			return rc;
		ms_fini(&ms[0]);
		memset(&ms[0], 0, sizeof(ms[0]));
	}
	return rc ? rc : ms_scan_parts(st, o, apps, ms, err);
}

int
map_scan(struct store *st, const struct map_opts *o, struct map_rows *r,
    struct ft_err *err)
{
	struct ms ms[QUERY_PARTS_MAX];
	struct query_dict apps;
	int rc;

	memset(ms, 0, sizeof(ms));
	rc = query_dict_load(st, "SELECT id, name FROM apps WHERE name <> '' "
	    "ORDER BY 2, 1", "map", &apps, err);
	if (rc)
		return rc;
	rc = query_progress_start(o->range.progress, st, &o->range, err);
	if (!rc) {
		rc = ms_scan_any(st, o, &apps, ms, err);
		if (!rc)
			rc = ms_pass_rule(&ms[0], err);
		query_progress_stop(o->range.progress, st);
	}
	if (!rc)
		rc = map_cut(&ms[0], r, err);
	ms_fini(&ms[0]);
	query_dict_fini(&apps);
	return rc;
}
