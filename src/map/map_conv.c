/* map_conv.c: the map read from the hourly conversations */
/*
 * Where the hours are rolled and the filter allows; from the flow records
 * elsewhere (docs/internals/conv.md).
 */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "map_int.h"
#include "../query/scan.h"

int
map_parse_source(const char *s, enum map_source *src, struct ft_err *err)
{
	if (strcmp(s, "auto") == 0)
		*src = MAP_SRC_AUTO;
	else if (strcmp(s, "flows") == 0)
		*src = MAP_SRC_FLOWS;
	else if (strcmp(s, "conv") == 0)
		*src = MAP_SRC_CONV;
	else
		return ft_err_set(err, FT_EINVAL, "unknown source '%s': "
		    "expected auto, flows or conv", s);
	return 0;
}

void
map_plan_free(struct map_plan *p)
{
	free(p->seg);
	memset(p, 0, sizeof(*p));
}

static int
mc_push(struct map_plan *p, size_t *cap, const struct map_seg *g)
{
	struct map_seg *n;

	if (p->n == *cap) {
		n = realloc(p->seg, (*cap ? 2 * *cap : 16) * sizeof(*n));
		if (!n)
			return -FT_ENOMEM;
		p->seg = n;
		*cap = *cap ? 2 * *cap : 16;
	}
	p->seg[p->n++] = *g;
	return 0;
}

/* Records over [lo, hi) as a segment, unless empty; hi 0 open when last. */
static int
mc_raw(struct map_plan *p, size_t *cap, uint64_t lo, uint64_t hi, bool last)
{
	struct map_seg g = { .lo = lo, .hi = hi };

	if ((hi || !last) && lo >= hi)
		return 0;
	return mc_push(p, cap, &g);
}

/* The rolled hours inside o's range, with the records around them. */
static int
mc_hours(struct store *st, const struct map_opts *o, struct map_plan *p,
    struct ft_err *err)
{
	const struct query_range *r = &o->range;
	struct map_seg g = { .conv = true };
	uint64_t at = r->since_us, h;
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	rc = sqlite3_prepare_v2(store_db(st), "SELECT hour, edges_lo, "
	    "edges_hi, parts_lo, parts_hi FROM conv_hours WHERE state = ?1 "
	    "AND hour >= ?2 AND hour <= ?3 - ?4 ORDER BY hour", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return ft_err_set(err, FT_EDB, "store %s: map: cannot read "
		    "conversations: %s", store_path(st),
		    sqlite3_errmsg(store_db(st)));
	sqlite3_bind_int64(s, 1, STORE_CONV_ROLLED);
	sqlite3_bind_int64(s, 2, (int64_t)r->since_us);
	sqlite3_bind_int64(s, 3, r->until_us && r->until_us < INT64_MAX ?
	    (int64_t)r->until_us : INT64_MAX);
	sqlite3_bind_int64(s, 4, STORE_HOUR_US);
	rc = 0;
	while (!rc && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		h = (uint64_t)sqlite3_column_int64(s, 0);
		g.lo = h;
		g.hi = h + (uint64_t)STORE_HOUR_US;
		g.e_lo = sqlite3_column_int64(s, 1);
		g.e_hi = sqlite3_column_int64(s, 2);
		g.p_lo = sqlite3_column_int64(s, 3);
		g.p_hi = sqlite3_column_int64(s, 4);
		rc = mc_raw(p, &cap, at, h, false);
		if (!rc)
			rc = mc_push(p, &cap, &g);
		at = g.hi;
		p->conv = true;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return rc < 0 ? ft_err_set(err, -rc, "map: %s",
		    ft_strerror(-rc)) : ft_err_set(err, FT_EDB, "store %s: "
		    "map: cannot read conversations: %s", store_path(st),
		    sqlite3_errmsg(store_db(st)));
	if (!p->conv)
		return 0;
	rc = mc_raw(p, &cap, at, r->until_us, true);
	return rc ? ft_err_set(err, -rc, "map: %s", ft_strerror(-rc)) : 0;
}

int
map_plan(struct store *st, const struct map_opts *o, struct map_plan *p,
    struct ft_err *err)
{
	const struct query_where *w = o->range.where;
	bool can = !w || !w->sql || !w->sql[0] || w->flow_const;
	int rc = 0;

	memset(p, 0, sizeof(*p));
	if (o->source == MAP_SRC_CONV && !can)
		return ft_err_set(err, FT_EINVAL, "map: --source conv: the "
		    "hourly conversations cannot answer this filter (they "
		    "keep host, net, proto, dst port, local and remote)");
	if (o->source != MAP_SRC_FLOWS && can)
		rc = mc_hours(st, o, p, err);
	if (rc || p->conv)
		return rc;
	map_plan_free(p);
	p->seg = calloc(1, sizeof(*p->seg));
	if (!p->seg)
		return ft_err_set(err, FT_ENOMEM, "map: %s",
		    ft_strerror(FT_ENOMEM));
	p->seg[0].lo = o->range.since_us;
	p->seg[0].hi = o->range.until_us;
	p->n = 1;
	return 0;
}

int
map_conv_prepare(struct store *st, const struct map_opts *o,
    const char *cols, const char *table, const struct map_seg *g, bool edges,
    sqlite3_stmt **s, struct ft_err *err)
{
	struct query_range r = o->range;
	int64_t lo = edges ? g->e_lo : g->p_lo, hi = edges ? g->e_hi : g->p_hi;
	char mem[QUERY_SQL_MAX];
	struct out_buf b;

	*s = NULL;
	if (hi < lo)
		return 0;
	out_buf_init(&b, mem, sizeof(mem));
	/* the hour too: rows of a range a writer gave again are not its */
	out_buf_addf(&b, "SELECT %s FROM %s f WHERE f.rowid >= ? AND "
	    "f.rowid < ? AND f.hour = %" PRId64, cols, table, (int64_t)g->lo);
	r.progress = NULL;
	r.since_us = (uint64_t)lo;
	r.until_us = (uint64_t)hi + 1;
	r.limit = 0;
	query_where_sql(&r, &b);
	out_buf_adds(&b, " LIMIT ?");
	if (b.trunc)
		return ft_err_set(err, FT_EINVAL, "query: filter too long");
	return query_prepare(st, b.p, &r, UINT64_MAX, 0, s, NULL, err);
}

int
map_plan_same(struct store *st, const struct map_opts *o,
    const struct map_plan *p, bool *same, struct ft_err *err)
{
	const struct map_seg *a, *b;
	struct map_plan q;
	int rc = map_plan(st, o, &q, err);
	size_t i;

	*same = !rc && q.n == p->n && q.conv == p->conv;
	for (i = 0; *same && i < p->n; i++) {
		a = &p->seg[i];
		b = &q.seg[i];
		*same = a->conv == b->conv && a->lo == b->lo &&
		    a->hi == b->hi && a->e_lo == b->e_lo && a->e_hi == b->e_hi &&
		    a->p_lo == b->p_lo && a->p_hi == b->p_hi;
	}
	map_plan_free(&q);
	return rc;
}

/* Columns of conv_edges read in pass 1. */
enum { MC_PROTO, MC_SPORT, MC_CLI, MC_SRV, MC_LOCAL, MC_FLOWS, MC_SEEN, MC_BCS,
	MC_BSC, MC_PKTS, MC_FIRST, MC_LAST, MC_CN_SRC, MC_CN, MC_SN_SRC,
	MC_SN, MC_CMAC, MC_SMAC, MC_ALO, MC_AHI, MC_ATOP };

static int32_t
mc_rank(const struct ms *m, sqlite3_stmt *s, int col)
{
	int64_t id = map_col_id(s, col, -1);

	return id >= 0 ? query_dict_rank(m->apps, id) : -1;
}

/* One hour's edge (its flows whole in the hour) into m's edge. */
static int
mc_edge_row(struct ms *m, sqlite3_stmt *s)
{
	uint8_t key[MS_EDGE_KEY];
	struct ms_edge e;
	uint16_t sport = (uint16_t)sqlite3_column_int(s, MC_SPORT);
	int64_t local = sqlite3_column_int64(s, MC_LOCAL);

	memset(&e, 0, sizeof(e));
	key[0] = (uint8_t)sqlite3_column_int(s, MC_PROTO);
	key[1] = (uint8_t)(sport >> 8);
	key[2] = (uint8_t)sport;
	query_col_addr(s, MC_CLI, key + MS_EDGE_C);
	query_col_addr(s, MC_SRV, key + MS_EDGE_S);
	e.sums.flows = (uint64_t)sqlite3_column_int64(s, MC_FLOWS);
	e.seen = (uint64_t)sqlite3_column_int64(s, MC_SEEN);
	e.sums.bytes_cs = (uint64_t)sqlite3_column_int64(s, MC_BCS);
	e.sums.bytes_sc = (uint64_t)sqlite3_column_int64(s, MC_BSC);
	e.sums.packets = (uint64_t)sqlite3_column_int64(s, MC_PKTS);
	e.t0 = (uint64_t)sqlite3_column_int64(s, MC_FIRST);
	e.t1 = (uint64_t)sqlite3_column_int64(s, MC_LAST);
	e.cn = map_col_name(s, MC_CN_SRC, MC_CN);
	e.sn = map_names_server(sport) ? map_col_name(s, MC_SN_SRC, MC_SN) : 0;
	e.cl = (local & FT_LOCAL_CLI) != 0;
	e.sl = (local & FT_LOCAL_SRV) != 0;
	e.cm = map_col_id(s, MC_CMAC, 0);
	e.sm = map_col_id(s, MC_SMAC, 0);
	e.alo = mc_rank(m, s, MC_ALO);
	e.ahi = mc_rank(m, s, MC_AHI);
	if (e.alo < 0 || e.ahi < 0)
		e.alo = e.ahi = -1;
	e.atop = map_col_id(s, MC_ATOP, -1);
	if (!e.sums.flows)
		return 0;
	return map_edge_merge(m, key, &e);
}

static int
mc_edges(struct ms *m, const struct map_seg *g, struct ft_err *err)
{
	sqlite3_stmt *s;
	int rc;

	rc = map_conv_prepare(m->st, m->o, "f.proto, f.sport, f.cli, f.srv, "
	    "f.local, f.flows, f.seen, f.bytes_cs, f.bytes_sc, f.packets, "
	    "f.first_us, f.last_us, f.cli_name_src, f.cli_name, f.name_src, "
	    "f.name, f.cli_mac, f.srv_mac, f.app_lo, f.app_hi, f.app_top",
	    "conv_edges", g, true, &s, err);
	return rc ? rc : map_step(m, s, mc_edge_row, err);
}

/* The flows' records and conversation parts of every segment, in order. */
static int
mc_flows(struct ms *m, const struct map_plan *p, struct ft_err *err)
{
	const struct map_seg *g;
	struct query_range r;
	sqlite3_stmt *s;
	size_t k;
	int rc = 0;

	for (k = 0; k < p->n && !rc; k++) {
		g = &p->seg[k];
		if (g->conv) {
			rc = map_conv_prepare(m->st, m->o, MAP_ROW_COLS,
			    "conv_parts", g, false, &s, err);
			if (!rc)
				rc = map_step(m, s, map_part_row, err);
			continue;
		}
		r = m->o->range;
		r.since_us = g->lo;
		r.until_us = g->hi;
		r.progress = NULL;
		rc = query_scan_prepare(m->st, &r, "SELECT " MAP_ROW_COLS, &s,
		    err);
		if (!rc)
			rc = map_step(m, s, map_row, err);
	}
	if (!rc && (rc = agg_merge_flush(&m->flows)))
		rc = map_err(rc, err);
	return rc;
}

int
map_conv_job(struct query_part *part, void *arg, struct ft_err *err)
{
	struct map_conv_job *j = arg;
	size_t k;
	int rc = 0;

	j->m->st = part->st;
	if (!part->index)
		rc = mc_flows(j->m, j->p, err);
	for (k = j->from; k < j->to && !rc; k++)
		if (j->p->seg[k].conv)
			rc = mc_edges(j->m, &j->p->seg[k], err);
	return rc;
}

/* Rows of a segment's hour: edges and parts (records count as parts). */
static uint64_t
mc_weight(const struct map_seg *g, bool edges)
{
	if (!g->conv)
		return 0;
	if (edges)
		return g->e_hi >= g->e_lo ? (uint64_t)(g->e_hi - g->e_lo) + 1 : 0;
	return g->p_hi >= g->p_lo ? (uint64_t)(g->p_hi - g->p_lo) + 1 : 0;
}

/*
 * The hours' edges cut between n jobs: job 0, which also reads the parts,
 * takes fewer, so each reads about as many rows.
 */
void
map_conv_cut(const struct map_plan *p, struct map_conv_job *jobs, size_t n)
{
	uint64_t all = 0, fixed = 0, per, got = 0;
	size_t k, j = 0;

	for (k = 0; k < p->n; k++) {
		all += mc_weight(&p->seg[k], true) + mc_weight(&p->seg[k],
		    false);
		fixed += mc_weight(&p->seg[k], false);
	}
	per = all / n + 1;
	got = fixed;
	jobs[0].from = 0;
	for (k = 0; k < p->n; k++) {
		if (j + 1 < n && got >= per * (j + 1)) {
			jobs[j].to = k;
			jobs[++j].from = k;
		}
		got += mc_weight(&p->seg[k], true);
	}
	jobs[j].to = p->n;
	while (++j < n)
		jobs[j].from = jobs[j].to = p->n;
}
