/* map_scan.c: the dependency map's edges summed in C from one plain scan of the flow records, with a second, narrow pass only when the server-side rule has flows to decide. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "../base/ft_port.h"
#include "agg.h"
#include "dict.h"
#include "map_int.h"
#include "query_int.h"

/* Edge key: protocol, server port (2, big-endian), client, server. */
#define MS_EDGE_KEY (3 + 2 * MAP_ADDR)
#define MS_EDGE_C 3
#define MS_EDGE_S (3 + MAP_ADDR)

#define MS_EDGES_MAX (UINT32_MAX / 2)	/* edges before the cut */

/* An application id packed under a flow's bytes: the max finds the top. */
#define MS_APP_SHIFT 20
#define MS_APP_BYTES_MAX ((UINT64_C(1) << 42) - 1)

/* Server ports of name services: see ms_name_service(). */
static const uint16_t map_name_ports[] = { 53, 67, 68, 137, 138, 546, 547,
	5353, 5355 };

/* Columns of the records' scan. */
enum { MS_RUN, MS_FLOW, MS_FLAGS, MS_PROTO, MS_CLI, MS_CPORT, MS_SRV,
	MS_SPORT, MS_APP, MS_BCS, MS_BSC, MS_PKTS, MS_FIRST, MS_LAST,
	MS_START, MS_CN_SRC, MS_CN, MS_SN_SRC, MS_SN, MS_LOCAL, MS_CMAC,
	MS_SMAC };

/* An edge's value in the scan's groups. */
struct ms_edge {
	struct agg_sums sums;	/* bytes each way, packets, flows */
	uint64_t t0, t1;	/* first and last packet */
	int64_t cn, sn, cm, sm;	/* names and MACs of its ends */
	int64_t atop;		/* packed bytes and app of the biggest flow
				 * with a named application; -1 none */
	uint64_t sw;		/* flows turned around */
	int32_t alo, ahi;	/* lowest and highest application name
				 * rank; -1 none */
	bool cl, sl;
};

/* One map's scan. */
struct ms {
	struct store *st;
	const struct map_opts *o;
	struct query_dict apps;	/* named applications ('' is none) */
	struct agg_open open;	/* flows whose final record is to come */
	struct agg edges;	/* MS_EDGE_KEY -> struct ms_edge */
	struct map_flow *cands;	/* flows for the rule, n_cands */
	size_t n_cands, cap_cands;
};

void
map_col_addr(sqlite3_stmt *s, int col, uint8_t *a)
{
	int n = sqlite3_column_bytes(s, col);

	memset(a, 0, MAP_ADDR);
	n = n > 16 ? 16 : n < 0 ? 0 : n;
	a[0] = (uint8_t)n;
	if (n)
		memcpy(a + 1, sqlite3_column_blob(s, col), (size_t)n);
}

static int64_t
ms_col_id(sqlite3_stmt *s, int col, int64_t none)
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

/* A name key from a source and an id column; 0 when either is missing. */
static int64_t
ms_name(sqlite3_stmt *s, int col_src, int col_id)
{
	int64_t src = sqlite3_column_int64(s, col_src);

	if (src <= 0 || sqlite3_column_type(s, col_id) == SQLITE_NULL)
		return 0;
	return MAP_NAME_KEY(src, sqlite3_column_int64(s, col_id));
}

/* A record as a flow of its own. */
static void
ms_record(sqlite3_stmt *s, struct map_flow *f)
{
	int64_t local = sqlite3_column_int64(s, MS_LOCAL);

	map_col_addr(s, MS_CLI, f->cli);
	map_col_addr(s, MS_SRV, f->srv);
	f->proto = (uint8_t)sqlite3_column_int(s, MS_PROTO);
	f->cport = (uint16_t)sqlite3_column_int(s, MS_CPORT);
	f->sport = (uint16_t)sqlite3_column_int(s, MS_SPORT);
	f->cand = (sqlite3_column_int64(s, MS_FLAGS) & FT_REC_GUESSED) &&
	    f->sport >= 1024 && !ft_port_is_service(f->sport);
	f->app = ms_col_id(s, MS_APP, -1);
	f->bcs = (uint64_t)sqlite3_column_int64(s, MS_BCS);
	f->bsc = (uint64_t)sqlite3_column_int64(s, MS_BSC);
	f->pkts = (uint64_t)sqlite3_column_int64(s, MS_PKTS);
	f->t0 = (uint64_t)sqlite3_column_int64(s, MS_FIRST);
	f->t1 = (uint64_t)sqlite3_column_int64(s, MS_LAST);
	f->cn = ms_name(s, MS_CN_SRC, MS_CN);
	f->sn = ms_name_service(f->sport) ? 0 : ms_name(s, MS_SN_SRC, MS_SN);
	f->cl = (local & FT_LOCAL_CLI) != 0;
	f->sl = (local & FT_LOCAL_SRV) != 0;
	f->cm = f->cl ? ms_col_id(s, MS_CMAC, 0) : 0;
	f->sm = f->sl ? ms_col_id(s, MS_SMAC, 0) : 0;
}

#define MS_MIN(a, b) ((a) < (b) ? (a) : (b))
#define MS_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Record r's sums into flow f (its ends are the same). */
static void
ms_flow_merge(struct map_flow *f, const struct map_flow *r)
{
	f->cand |= r->cand;
	f->cl |= r->cl;
	f->sl |= r->sl;
	f->app = MS_MAX(f->app, r->app);
	f->bcs += r->bcs;
	f->bsc += r->bsc;
	f->pkts += r->pkts;
	f->t0 = MS_MIN(f->t0, r->t0);
	f->t1 = MS_MAX(f->t1, r->t1);
	f->cn = map_better_name(f->cn, r->cn);
	f->sn = map_better_name(f->sn, r->sn);
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
	e->cn = map_better_name(e->cn, sw ? f->sn : f->cn);
	e->sn = map_better_name(e->sn, sw ? f->cn : f->sn);
	e->cm = MS_MAX(e->cm, sw ? f->sm : f->cm);
	e->sm = MS_MAX(e->sm, sw ? f->cm : f->sm);
	e->cl |= sw ? f->sl : f->cl;
	e->sl |= sw ? f->cl : f->sl;
	e->sw += sw;
	r = f->app >= 0 ? query_dict_rank(&m->apps, f->app) : -1;
	if (r >= 0) {
		e->alo = e->alo < 0 ? r : MS_MIN(e->alo, r);
		e->ahi = MS_MAX(e->ahi, r);
		if (f->app < (INT64_C(1) << MS_APP_SHIFT)) {
			top = MS_MIN(f->bcs + f->bsc, MS_APP_BYTES_MAX) <<
			    MS_APP_SHIFT | (uint64_t)f->app;
			e->atop = MS_MAX(e->atop, (int64_t)top);
		}
	}
	return 0;
}

/* A finished flow: into its edge, or kept for the rule. */
static int
ms_flow_done(struct ms *m, const struct map_flow *f)
{
	size_t cap;
	void *p;

	if (!f->cand)
		return ms_edge_add(m, f, false);
	if (m->n_cands == m->cap_cands) {
		cap = m->cap_cands ? 2 * m->cap_cands : 64;
		p = realloc(m->cands, cap * sizeof(*m->cands));
		if (!p)
			return -FT_ENOMEM;
		m->cands = p;
		m->cap_cands = cap;
	}
	m->cands[m->n_cands++] = *f;
	return 0;
}

/*
 * One record. A whole flow in one record (its start and final record,
 * with packets) is done at once; the records of a long flow are summed
 * until its final record, so the flow counts once.
 */
static int
ms_row(struct ms *m, sqlite3_stmt *s)
{
	int64_t flags = sqlite3_column_int64(s, MS_FLAGS);
	int64_t run = sqlite3_column_int64(s, MS_RUN);
	int64_t flow = sqlite3_column_int64(s, MS_FLOW);
	bool final = (flags & FT_REC_FINAL) != 0, fresh;
	struct map_flow r, *f;
	int rc;

	ms_record(s, &r);
	if (final && r.pkts && sqlite3_column_int64(s, MS_START) ==
	    (int64_t)r.t0)
		return ms_flow_done(m, &r);
	f = agg_open_get(&m->open, run, flow, &fresh);
	if (!f)
		return -FT_ENOMEM;
	if (fresh)
		*f = r;
	else
		ms_flow_merge(f, &r);
	if (!final)
		return 0;
	rc = ms_flow_done(m, f);
	agg_open_del(&m->open, run, flow);
	return rc;
}

/* The flows whose final record is not in the range. */
static int
ms_open_flush(struct ms *m)
{
	struct map_flow *f;
	size_t it = 0;
	int rc;

	while ((f = agg_open_next(&m->open, &it)))
		if ((rc = ms_flow_done(m, f)))
			return rc;
	return 0;
}

/* Pass 1: every record of the range into flows, edges and candidates. */
static int
ms_pass_flows(struct ms *m, struct ft_err *err)
{
	sqlite3_stmt *s;
	int rc;

	rc = query_scan_prepare(m->st, &m->o->range, "SELECT f.run, f.flow, "
	    "f.flags, f.proto, f.cli, f.cport, f.srv, f.sport, f.app, "
	    "f.bytes_cs, f.bytes_sc, f.pkts_cs + f.pkts_sc, f.first_us, "
	    "f.last_us, f.start_us, f.cli_name_src, f.cli_name, f.name_src, "
	    "f.name, f.local, f.cli_mac, f.srv_mac", &s, err);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((rc = ms_row(m, s)))
			break;
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		rc = ms_open_flush(m);
	agg_open_fini(&m->open);
	if (!rc)
		return 0;
	if (rc < 0)
		return ft_err_set(err, -rc, "map: %s", rc == -FT_EFULL ?
		    "too many edges; narrow the range or the filter" :
		    ft_strerror(-rc));
	return ft_err_set(err, rc == SQLITE_BUSY ? FT_EAGAIN : FT_EDB,
	    "store %s: map: cannot read flows: %s", store_path(m->st),
	    sqlite3_errmsg(store_db(m->st)));
}

/*
 * Pass 2, only when there are candidates: the rule decides each (with a
 * progress line of its own), then it joins its edge.
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
	query_progress_stop(m->o->range.progress, m->st);
	rc = query_progress_start(m->o->range.progress, m->st, &m->o->range,
	    err);
	if (!rc)
		rc = map_rule(m->st, m->o, m->cands, m->n_cands, sw, err);
	for (i = 0; i < m->n_cands && !rc; i++)
		if ((rc = ms_edge_add(m, &m->cands[i], sw[i])))
			rc = ft_err_set(err, -rc, "map: %s", rc == -FT_EFULL ?
			    "too many edges; narrow the range or the filter" :
			    ft_strerror(-rc));
	free(sw);
	return rc;
}

/* Addresses compare as SQLite compares blobs: bytes, then length. */
static int
ms_addr_cmp(const uint8_t *a, const uint8_t *b)
{
	int c = memcmp(a + 1, b + 1, MS_MIN(a[0], b[0]));

	return c ? c : (int)a[0] - (int)b[0];
}

/* An edge while the kept ones are chosen. */
struct ms_rank {
	uint64_t bytes;
	uint64_t flows;
	const uint8_t *key;
	uint32_t i;		/* index in the scan's edges */
};

/* Bytes, flows (more first), then client, server, protocol, port. */
static int
ms_rank_cmp(const void *pa, const void *pb)
{
	const struct ms_rank *x = pa, *y = pb;
	int c;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	if (x->flows != y->flows)
		return x->flows > y->flows ? -1 : 1;
	if ((c = ms_addr_cmp(x->key + MS_EDGE_C, y->key + MS_EDGE_C)) ||
	    (c = ms_addr_cmp(x->key + MS_EDGE_S, y->key + MS_EDGE_S)))
		return c;
	return memcmp(x->key, y->key, 3);
}

/* Length of the master protocol of an nDPI name: "TLS" of "TLS.Google". */
static size_t
ms_master_len(const char *app)
{
	const char *dot = strchr(app, '.');

	return dot ? (size_t)(dot - app) : strlen(app);
}

/*
 * The edge's application: the one all its flows have; else the master
 * protocol they share (DNS for DNS.Google and DNS.Facebook); else that of
 * its biggest flow. Unknown only when no flow's is known.
 */
static void
ms_edge_app(const struct ms *m, const struct ms_edge *e, char *dst,
    size_t cap)
{
	const char *lo, *hi;
	int32_t top;
	size_t n;

	if (e->alo < 0 || e->atop < 0)
		return;
	lo = m->apps.text[e->alo];
	hi = m->apps.text[e->ahi];
	top = query_dict_rank(&m->apps, e->atop &
	    ((INT64_C(1) << MS_APP_SHIFT) - 1));
	n = ms_master_len(lo);
	if (!strcmp(lo, hi))
		snprintf(dst, cap, "%s", lo);
	else if (n == ms_master_len(hi) && !strncmp(lo, hi, n))
		snprintf(dst, cap, "%.*s", (int)n, lo);
	else if (top >= 0)
		snprintf(dst, cap, "%s", m->apps.text[top]);
}

/* One end of edge i: the address at a of the key, as role. */
static void
ms_end(const uint8_t *a, uint8_t role, int64_t name, int64_t mac,
    bool local, uint32_t edge, struct map_end *x)
{
	memset(x, 0, sizeof(*x));
	x->len = a[0];
	memcpy(x->addr, a + 1, x->len);
	x->role = role;
	x->name_key = name;
	x->mac = mac;
	x->local = local;
	x->edge = edge;
}

/* Edge i of the scan as row k of r. */
static void
ms_keep(const struct ms *m, size_t i, struct map_rows *r, size_t k)
{
	const uint8_t *key = agg_key(&m->edges, i);
	const struct ms_edge *x = agg_val(&m->edges, i);
	const struct agg_sums *a = &x->sums;
	struct map_edge *e = &r->edges[k];

	memset(e, 0, sizeof(*e));
	e->proto = key[0];
	e->port = (uint16_t)(key[1] << 8 | key[2]);
	ms_edge_app(m, x, e->app, sizeof(e->app));
	e->bytes_cs = a->bytes_cs;
	e->bytes_sc = a->bytes_sc;
	e->packets = a->packets;
	e->flows = a->flows;
	e->first_us = x->t0;
	e->last_us = x->t1;
	e->swapped = x->sw;
	ms_end(key + MS_EDGE_C, MAP_ROLE_CLIENT, x->cn, x->cm, x->cl,
	    (uint32_t)k, &r->ends[2 * k]);
	ms_end(key + MS_EDGE_S, MAP_ROLE_SERVER, x->sn, x->sm, x->sl,
	    (uint32_t)k, &r->ends[2 * k + 1]);
}

/* The edges that pass the minimums, biggest first, at most r->max. */
static int
ms_cut(struct ms *m, struct map_rows *r, struct ft_err *err)
{
	const struct agg_sums *a;
	struct ms_rank *ix;
	size_t i, n = 0;

	ix = malloc((m->edges.n ? m->edges.n : 1) * sizeof(*ix));
	if (!ix)
		return ft_err_set(err, FT_ENOMEM, "map: %s",
		    ft_strerror(FT_ENOMEM));
	for (i = 0; i < m->edges.n; i++) {
		a = agg_val(&m->edges, i);
		if (a->bytes_cs + a->bytes_sc < m->o->min_bytes ||
		    a->flows < m->o->min_flows)
			continue;
		ix[n].bytes = a->bytes_cs + a->bytes_sc;
		ix[n].flows = a->flows;
		ix[n].key = agg_key(&m->edges, i);
		ix[n++].i = (uint32_t)i;
	}
	qsort(ix, n, sizeof(*ix), ms_rank_cmp);
	n = MS_MIN(n, r->max);
	r->edges = calloc(n ? n : 1, sizeof(*r->edges));
	r->ends = calloc(n ? 2 * n : 1, sizeof(*r->ends));
	if (!r->edges || !r->ends) {
		free(ix);
		return ft_err_set(err, FT_ENOMEM, "map: %s",
		    ft_strerror(FT_ENOMEM));
	}
	for (i = 0; i < n; i++)
		ms_keep(m, ix[i].i, r, i);
	r->n = n;
	free(ix);
	return 0;
}

int
map_scan(struct store *st, const struct map_opts *o, struct map_rows *r,
    struct ft_err *err)
{
	struct ms m;
	int rc;

	memset(&m, 0, sizeof(m));
	m.st = st;
	m.o = o;
	agg_init(&m.edges, MS_EDGE_KEY, sizeof(struct ms_edge), MS_EDGES_MAX);
	agg_open_init(&m.open, sizeof(struct map_flow));
	rc = query_dict_load(st, "SELECT id, name FROM apps WHERE name <> '' "
	    "ORDER BY 2, 1", "map", &m.apps, err);
	if (!rc)
		rc = query_progress_start(o->range.progress, st, &o->range,
		    err);
	if (!rc) {
		rc = ms_pass_flows(&m, err);
		if (!rc)
			rc = ms_pass_rule(&m, err);
		query_progress_stop(o->range.progress, st);
	}
	if (!rc)
		rc = ms_cut(&m, r, err);
	query_dict_fini(&m.apps);
	agg_open_fini(&m.open);
	agg_fini(&m.edges);
	free(m.cands);
	return rc;
}
