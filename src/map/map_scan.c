/* map_scan.c: the map's edges summed in C from one scan of the records */
/*
 * A second, narrow pass runs only when the server-side rule has flows to
 * decide.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "../base/ft_port.h"
#include "../agg/agg.h"
#include "../query/dict.h"
#include "map_int.h"
#include "../query/scan.h"

/* Server ports of name services: see is_name_service(). */
static const uint16_t map_name_ports[] = { 53, 67, 68, 137, 138, 546, 547,
	5353, 5355 };

/* Columns of the records' scan. */
enum { ROW_RUN, ROW_FLOW, ROW_FLAGS, ROW_PROTO, ROW_CLI, ROW_CLI_PORT,
	ROW_SRV, ROW_SRV_PORT, ROW_APP, ROW_BYTES_CS, ROW_BYTES_SC, ROW_PACKETS,
	ROW_FIRST, ROW_LAST, ROW_START, ROW_CLI_NAME_SRC, ROW_CLI_NAME,
	ROW_SRV_NAME_SRC, ROW_SRV_NAME, ROW_LOCAL, ROW_CLI_MAC, ROW_SRV_MAC };

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
is_name_service(uint16_t port)
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
	return !is_name_service(port);
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
scan_record(sqlite3_stmt *s, struct map_flow *f)
{
	int64_t local = sqlite3_column_int64(s, ROW_LOCAL);

	query_col_addr(s, ROW_CLI, f->cli);
	query_col_addr(s, ROW_SRV, f->srv);
	f->proto = (uint8_t)sqlite3_column_int(s, ROW_PROTO);
	f->cli_port = (uint16_t)sqlite3_column_int(s, ROW_CLI_PORT);
	f->srv_port = (uint16_t)sqlite3_column_int(s, ROW_SRV_PORT);
	f->guessed = (sqlite3_column_int64(s, ROW_FLAGS) & FT_REC_GUESSED) != 0;
	f->candidate = ft_conv_candidate(f->guessed, f->srv_port);
	f->app = map_col_id(s, ROW_APP, -1);
	f->bytes_cs = (uint64_t)sqlite3_column_int64(s, ROW_BYTES_CS);
	f->bytes_sc = (uint64_t)sqlite3_column_int64(s, ROW_BYTES_SC);
	f->packets = (uint64_t)sqlite3_column_int64(s, ROW_PACKETS);
	f->first_us = (uint64_t)sqlite3_column_int64(s, ROW_FIRST);
	f->last_us = (uint64_t)sqlite3_column_int64(s, ROW_LAST);
	f->cli_name = map_col_name(s, ROW_CLI_NAME_SRC, ROW_CLI_NAME);
	f->srv_name = is_name_service(f->srv_port) ? 0 :
	    map_col_name(s, ROW_SRV_NAME_SRC, ROW_SRV_NAME);
	f->cli_local = (local & FT_LOCAL_CLI) != 0;
	f->srv_local = (local & FT_LOCAL_SRV) != 0;
	f->cli_mac = f->cli_local ? map_col_id(s, ROW_CLI_MAC, 0) : 0;
	f->srv_mac = f->srv_local ? map_col_id(s, ROW_SRV_MAC, 0) : 0;
}

/* Record (or partial flow) r's sums into flow f (its ends are the same). */
static void
scan_flow_merge(void *dst, const void *src)
{
	struct map_flow *f = dst;
	const struct map_flow *r = src;

	f->candidate |= r->candidate;
	f->guessed |= r->guessed;
	f->cli_local |= r->cli_local;
	f->srv_local |= r->srv_local;
	f->app = MAP_MAX(f->app, r->app);
	f->bytes_cs += r->bytes_cs;
	f->bytes_sc += r->bytes_sc;
	f->packets += r->packets;
	f->first_us = MAP_MIN(f->first_us, r->first_us);
	f->last_us = MAP_MAX(f->last_us, r->last_us);
	f->cli_name = ft_better_name(f->cli_name, r->cli_name);
	f->srv_name = ft_better_name(f->srv_name, r->srv_name);
	f->cli_mac = MAP_MAX(f->cli_mac, r->cli_mac);
	f->srv_mac = MAP_MAX(f->srv_mac, r->srv_mac);
}

/* A whole flow into its edge; turn: the rule turned it around. */
static int
scan_edge_add(struct map_sums *m, const struct map_flow *f, bool turn)
{
	uint8_t key[MAP_EDGE_KEY];
	struct agg_sums *a;
	struct map_edge_sums *e;
	uint64_t top;
	int64_t i;
	int32_t r;

	key[0] = f->proto;
	key[1] = (uint8_t)((turn ? f->cli_port : f->srv_port) >> 8);
	key[2] = (uint8_t)(turn ? f->cli_port : f->srv_port);
	memcpy(key + MAP_EDGE_CLI, turn ? f->srv : f->cli, MAP_ADDR);
	memcpy(key + MAP_EDGE_SRV, turn ? f->cli : f->srv, MAP_ADDR);
	i = ft_groups_get(&m->edges, key);
	if (i < 0)
		return (int)i;
	e = ft_groups_val(&m->edges, (size_t)i);
	a = &e->sums;
	if (!a->flows) {
		e->first_us = f->first_us;
		e->app_top = -1;
		e->app_rank_lo = e->app_rank_hi = -1;
	}
	a->bytes_cs += turn ? f->bytes_sc : f->bytes_cs;
	a->bytes_sc += turn ? f->bytes_cs : f->bytes_sc;
	a->packets += f->packets;
	a->flows++;
	e->first_us = MAP_MIN(e->first_us, f->first_us);
	e->last_us = MAP_MAX(e->last_us, f->last_us);
	e->cli_name = ft_better_name(e->cli_name,
	    turn ? f->srv_name : f->cli_name);
	e->srv_name = ft_better_name(e->srv_name,
	    turn ? f->cli_name : f->srv_name);
	e->cli_mac = MAP_MAX(e->cli_mac, turn ? f->srv_mac : f->cli_mac);
	e->srv_mac = MAP_MAX(e->srv_mac, turn ? f->cli_mac : f->srv_mac);
	e->cli_local |= turn ? f->srv_local : f->cli_local;
	e->srv_local |= turn ? f->cli_local : f->srv_local;
	e->turned += turn;
	e->seen += !f->guessed;
	r = f->app >= 0 ? query_dict_rank(m->apps, f->app) : -1;
	if (r >= 0) {
		e->app_rank_lo = e->app_rank_lo < 0 ? r :
		    MAP_MIN(e->app_rank_lo, r);
		e->app_rank_hi = MAP_MAX(e->app_rank_hi, r);
		if (f->app < (INT64_C(1) << FT_APP_SHIFT)) {
			top = ft_app_top(f->bytes_cs + f->bytes_sc, f->app);
			e->app_top = MAP_MAX(e->app_top, (int64_t)top);
		}
	}
	return 0;
}

/* A finished flow: into its edge, or kept for the rule. */
static int
scan_flow_done(void *ctx, const void *val)
{
	struct map_sums *m = ctx;
	const struct map_flow *f = val;
	struct map_flow *c;
	size_t cap;

	if (!f->candidate)
		return scan_edge_add(m, f, false);
	if (m->n_candidates == m->cap_candidates) {
		cap = m->cap_candidates ? 2 * m->cap_candidates : 64;
		c = realloc(m->candidates, cap * sizeof(*c));
		if (!c)
			return -FT_ENOMEM;
		m->candidates = c;
		m->cap_candidates = cap;
	}
	m->candidates[m->n_candidates++] = *f;
	return 0;
}

/* One record, summed into its flow (agg_merge). */
int
map_row(struct map_sums *m, sqlite3_stmt *s)
{
	struct map_flow r;

	scan_record(s, &r);
	return agg_merge_add(&m->flows, sqlite3_column_int64(s, ROW_RUN),
	    sqlite3_column_int64(s, ROW_FLOW), &r, r.packets,
	    (int64_t)r.first_us, sqlite3_column_int64(s, ROW_START),
	    (sqlite3_column_int64(s, ROW_FLAGS) & FT_REC_FINAL) != 0);
}

/* One conv_parts row: a flow's records of an hour, summed (conv.md). */
int
map_part_row(struct map_sums *m, sqlite3_stmt *s)
{
	struct map_flow r;
	int64_t flags = sqlite3_column_int64(s, ROW_FLAGS);

	scan_record(s, &r);
	return agg_merge_add_sum(&m->flows, sqlite3_column_int64(s, ROW_RUN),
	    sqlite3_column_int64(s, ROW_FLOW), &r,
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
map_step(struct map_sums *m, sqlite3_stmt *s, int (*fn)(struct map_sums *,
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
scan_pass_flows(struct query_part *part, void *arg, struct ft_err *err)
{
	struct map_sums *m = arg;
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
scan_pass_rule(struct map_sums *m, struct ft_err *err)
{
	bool *turn;
	size_t i;
	int rc;

	if (!m->n_candidates)
		return 0;
	turn = calloc(m->n_candidates, sizeof(*turn));
	if (!turn)
		return ft_err_set(err, FT_ENOMEM, "map: %s",
		    ft_strerror(FT_ENOMEM));
	rc = map_rule(m, turn, err);
	for (i = 0; i < m->n_candidates && !rc; i++)
		if ((rc = scan_edge_add(m, &m->candidates[i], turn[i])))
			rc = map_err(rc, err);
	free(turn);
	return rc;
}

/* Edge x of another part (or an hour) into m's edge of the same key. */
int
map_edge_merge(struct map_sums *m, const uint8_t *key,
    const struct map_edge_sums *x)
{
	struct map_edge_sums *e;
	int64_t i = ft_groups_get(&m->edges, key);

	if (i < 0)
		return (int)i;
	e = ft_groups_val(&m->edges, (size_t)i);
	if (!e->sums.flows) {
		*e = *x;
		return 0;
	}
	e->sums.bytes_cs += x->sums.bytes_cs;
	e->sums.bytes_sc += x->sums.bytes_sc;
	e->sums.packets += x->sums.packets;
	e->sums.flows += x->sums.flows;
	e->first_us = MAP_MIN(e->first_us, x->first_us);
	e->last_us = MAP_MAX(e->last_us, x->last_us);
	e->cli_name = ft_better_name(e->cli_name, x->cli_name);
	e->srv_name = ft_better_name(e->srv_name, x->srv_name);
	e->cli_mac = MAP_MAX(e->cli_mac, x->cli_mac);
	e->srv_mac = MAP_MAX(e->srv_mac, x->srv_mac);
	e->app_top = MAP_MAX(e->app_top, x->app_top);
	e->turned += x->turned;
	e->seen += x->seen;
	if (x->app_rank_lo >= 0) {
		e->app_rank_lo = e->app_rank_lo < 0 ? x->app_rank_lo :
		    MAP_MIN(e->app_rank_lo, x->app_rank_lo);
		e->app_rank_hi = MAP_MAX(e->app_rank_hi, x->app_rank_hi);
	}
	e->cli_local |= x->cli_local;
	e->srv_local |= x->srv_local;
	return 0;
}

/* Part k's edges and candidates into part 0's. */
static int
scan_merge_part(struct map_sums *m, const struct map_sums *k)
{
	size_t i;
	int rc;

	for (i = 0; i < k->edges.n; i++)
		if ((rc = map_edge_merge(m, ft_groups_key(&k->edges, i),
		    ft_groups_val(&k->edges, i))))
			return rc;
	for (i = 0; i < k->n_candidates; i++)
		if ((rc = scan_flow_done(m, &k->candidates[i])))
			return rc;
	return 0;
}

/* The parts' edges, candidates and unfinished flows into parts[0]. */
static int
scan_merge(struct map_sums *parts, size_t n, struct ft_err *err)
{
	struct agg_merge *flows[QUERY_PARTS_MAX] = { 0 };
	size_t k;
	int rc;

	for (k = 0; k < n; k++)
		flows[k] = &parts[k].flows;
	rc = agg_merge_join(flows, n);
	for (k = 1; k < n && !rc; k++)
		rc = scan_merge_part(&parts[0], &parts[k]);
	return rc ? map_err(rc, err) : 0;
}

static void
scan_fini(struct map_sums *m)
{
	agg_merge_fini(&m->flows);
	ft_groups_fini(&m->edges);
	free(m->candidates);
}

/* Part k of n of a scan, on connection st; first and last: its place. */
static void
scan_init(struct map_sums *m, struct store *st, const struct map_opts *o,
    const struct query_dict *apps, bool first, bool last)
{
	m->st = st;
	m->o = o;
	m->apps = apps;
	ft_groups_init(&m->edges, MAP_EDGE_KEY, sizeof(struct map_edge_sums),
	    MAP_SCAN_EDGES_MAX);
	agg_merge_init(&m->flows, sizeof(struct map_flow), first, last,
	    scan_flow_merge, scan_flow_done, m);
}

/* Pass 1 over the parts of the range, merged into sums[0]. */
static int
scan_parts(struct store *st, const struct map_opts *o,
    const struct query_dict *apps, struct map_sums *sums, struct ft_err *err)
{
	struct query_part parts[QUERY_PARTS_MAX];
	void *args[QUERY_PARTS_MAX];
	size_t n, k;
	int rc;

	rc = query_parts_open(st, &o->range, parts, &n, err);
	if (rc)
		return rc;
	for (k = 0; k < n; k++) {
		scan_init(&sums[k], st, o, apps, k == 0, k + 1 == n);
		args[k] = &sums[k];
	}
	rc = query_parts_run(parts, n, scan_pass_flows, args, err);
	query_parts_close(parts, n);
	if (!rc)
		rc = scan_merge(sums, n, err);
	for (k = 1; k < n; k++)
		scan_fini(&sums[k]);
	return rc;
}

/* Pass 1 from the plan's records and conversations, in parts. */
static int
scan_conv(struct store *st, const struct map_opts *o,
    const struct query_dict *apps, const struct map_plan *p,
    struct map_sums *sums, struct ft_err *err)
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
		scan_init(&sums[k], parts[k].st, o, apps, true, true);
		jobs[k].m = &sums[k];
		jobs[k].p = p;
		args[k] = &jobs[k];
	}
	map_conv_cut(p, jobs, n);
	rc = query_parts_run(parts, n, map_conv_job, args, err);
	query_parts_close(parts, n);
	sums[0].st = st;
	if (!rc)
		rc = scan_merge(sums, n, err);
	for (k = 1; k < n; k++)
		scan_fini(&sums[k]);
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
scan_any(struct store *st, const struct map_opts *o,
    const struct query_dict *apps, struct map_sums *sums, struct ft_err *err)
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
		rc = scan_conv(st, o, apps, &plan, sums, err);
		if (!rc)
			rc = map_plan_same(st, o, &plan, &same, err);
		map_plan_free(&plan);
		if (rc || same)
			return rc;
		scan_fini(&sums[0]);
		memset(&sums[0], 0, sizeof(sums[0]));
	}
	return rc ? rc : scan_parts(st, o, apps, sums, err);
}

int
map_scan(struct store *st, const struct map_opts *o, struct map_rows *r,
    struct ft_err *err)
{
	struct map_sums sums[QUERY_PARTS_MAX];
	struct query_dict apps;
	int rc;

	memset(sums, 0, sizeof(sums));
	rc = query_dict_load(st, "SELECT id, name FROM apps WHERE name <> '' "
	    "ORDER BY 2, 1", "map", &apps, err);
	if (rc)
		return rc;
	rc = query_progress_start(o->range.progress, st, &o->range, err);
	if (!rc) {
		rc = scan_any(st, o, &apps, sums, err);
		if (!rc)
			rc = scan_pass_rule(&sums[0], err);
		query_progress_stop(o->range.progress, st);
	}
	if (!rc)
		rc = map_cut(&sums[0], r, err);
	scan_fini(&sums[0]);
	query_dict_fini(&apps);
	return rc;
}
