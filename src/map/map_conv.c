/* map_conv.c: the map read from the hourly conversations where rolled, else from flow records. */
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
plan_push(struct map_plan *p, size_t *cap, const struct map_seg *g)
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
plan_records(struct map_plan *p, size_t *cap, uint64_t lo, uint64_t hi, bool last)
{
	struct map_seg g = { .lo = lo, .hi = hi };

	if ((hi || !last) && lo >= hi)
		return 0;
	return plan_push(p, cap, &g);
}

/* The rolled hours inside o's range, with the records around them. */
static int
plan_hours(struct store *st, const struct map_opts *o, struct map_plan *p,
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
		g.edges_lo = sqlite3_column_int64(s, 1);
		g.edges_hi = sqlite3_column_int64(s, 2);
		g.parts_lo = sqlite3_column_int64(s, 3);
		g.parts_hi = sqlite3_column_int64(s, 4);
		rc = plan_records(p, &cap, at, h, false);
		if (!rc)
			rc = plan_push(p, &cap, &g);
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
	rc = plan_records(p, &cap, at, r->until_us, true);
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
		rc = plan_hours(st, o, p, err);
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
	int64_t lo = edges ? g->edges_lo : g->parts_lo, hi = edges ? g->edges_hi : g->parts_hi;
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
		    a->hi == b->hi && a->edges_lo == b->edges_lo && a->edges_hi == b->edges_hi &&
		    a->parts_lo == b->parts_lo && a->parts_hi == b->parts_hi;
	}
	map_plan_free(&q);
	return rc;
}

_Static_assert(MAP_ADDR == FT_CONV_ADDR, "map and conversation addresses");

/* An application id as its name's rank, -1 none. */
static int32_t
conv_rank(const struct map_sums *m, int64_t id)
{
	return id >= 0 ? query_dict_rank(m->apps, id) : -1;
}

/* One hour's edge (its flows whole in the hour) into m's edge. */
static int
conv_edge_row(struct map_sums *m, sqlite3_stmt *s)
{
	uint8_t key[MAP_EDGE_KEY];
	struct ft_conv_edge row;
	const struct ft_conv_edge_sums *x = &row.sums;
	struct map_edge_sums e;

	memset(&row, 0, sizeof(row));
	store_conv_read(s, 0, ft_conv_edge_fields, ft_conv_edge_n_fields, &row);
	memset(&e, 0, sizeof(e));
	key[0] = row.proto;
	key[1] = (uint8_t)(row.server_port >> 8);
	key[2] = (uint8_t)row.server_port;
	memcpy(key + MAP_EDGE_CLI, row.client, MAP_ADDR);
	memcpy(key + MAP_EDGE_SRV, row.server, MAP_ADDR);
	e.sums.flows = x->flows;
	e.seen = x->seen;
	e.sums.bytes_cs = x->bytes_cs;
	e.sums.bytes_sc = x->bytes_sc;
	e.sums.packets = x->packets;
	e.first_us = (uint64_t)x->first_us;
	e.last_us = (uint64_t)x->last_us;
	e.cli_name = x->client_name;
	e.srv_name = map_names_server(row.server_port) ? x->server_name : 0;
	e.cli_local = (row.local & FT_LOCAL_CLI) != 0;
	e.srv_local = (row.local & FT_LOCAL_SRV) != 0;
	e.cli_mac = x->client_mac;
	e.srv_mac = x->server_mac;
	e.app_rank_lo = conv_rank(m, x->app_low);
	e.app_rank_hi = conv_rank(m, x->app_high);
	if (e.app_rank_lo < 0 || e.app_rank_hi < 0)
		e.app_rank_lo = e.app_rank_hi = -1;
	e.app_top = x->app_top;
	if (!e.sums.flows)
		return 0;
	return map_edge_merge(m, key, &e);
}

static int
conv_edges_read(struct map_sums *m, const struct map_seg *g, struct ft_err *err)
{
	char cols[1024];
	sqlite3_stmt *s;
	int rc;

	if (!store_conv_select(ft_conv_edge_fields, ft_conv_edge_n_fields,
	    "f.", cols, sizeof(cols)))
		return ft_err_set(err, FT_EINVAL, "map: conversation columns "
		    "too long");
	rc = map_conv_prepare(m->st, m->o, cols, "conv_edges", g, true, &s,
	    err);
	return rc ? rc : map_step(m, s, conv_edge_row, err);
}

/* The flows' records and conversation parts of every segment, in order. */
static int
conv_flows_read(struct map_sums *m, const struct map_plan *p, struct ft_err *err)
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
		rc = conv_flows_read(j->m, j->p, err);
	for (k = j->from; k < j->to && !rc; k++)
		if (j->p->seg[k].conv)
			rc = conv_edges_read(j->m, &j->p->seg[k], err);
	return rc;
}

/* Rows of a segment's hour: edges and parts (records count as parts). */
static uint64_t
conv_weight(const struct map_seg *g, bool edges)
{
	if (!g->conv)
		return 0;
	if (edges)
		return g->edges_hi >= g->edges_lo ? (uint64_t)(g->edges_hi - g->edges_lo) + 1 : 0;
	return g->parts_hi >= g->parts_lo ? (uint64_t)(g->parts_hi - g->parts_lo) + 1 : 0;
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
		all += conv_weight(&p->seg[k], true) + conv_weight(&p->seg[k],
		    false);
		fixed += conv_weight(&p->seg[k], false);
	}
	per = all / n + 1;
	got = fixed;
	jobs[0].from = 0;
	for (k = 0; k < p->n; k++) {
		if (j + 1 < n && got >= per * (j + 1)) {
			jobs[j].to = k;
			jobs[++j].from = k;
		}
		got += conv_weight(&p->seg[k], true);
	}
	jobs[j].to = p->n;
	while (++j < n)
		jobs[j].from = jobs[j].to = p->n;
}
