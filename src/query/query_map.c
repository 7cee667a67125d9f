/* query_map.c: the dependency map: edges aggregated in SQL under the server-side rule, then their ends named from the store. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "../base/ft_port.h"
#include "../store/store_sql.h"
#include "map_int.h"

/*
 * A name travels through the SQL as name_src * 2^40 + names.id, so min()
 * picks the best source (label before dhcp before ... dns), then the
 * lowest id, without text per record.
 */
#define MAP_NAME_K "1099511627776"
#define MAP_NAME_SHIFT 40
#define MAP_NAME_ID(k) ((k) & ((INT64_C(1) << MAP_NAME_SHIFT) - 1))
#define MAP_NAME_SRC(k) ((int)((k) >> MAP_NAME_SHIFT))

/*
 * Server ports of name services: the name of such a flow is the one asked
 * about (DNS, mDNS, LLMNR, NetBIOS) or the client's (DHCP), never the
 * server's, so it does not name the server.
 */
#define MAP_NAME_SERVICES "53, 67, 68, 137, 138, 546, 547, 5353, 5355"

/* An edge's end while nodes are made; 2 per edge. */
struct map_end {
	uint8_t addr[16];	/* address, len bytes */
	uint8_t len;		/* 4 or 16 */
	uint8_t role;		/* MAP_ROLE_* of this end */
	bool local;		/* a record called it local */
	int64_t name_key;	/* best name key, 0 for none */
	int64_t mac;		/* macs.id when local, 0 for none */
	uint32_t edge;		/* index in map.edges */
};

/* What a node keeps from its ends until it is named. */
struct map_ref {
	int64_t name_key;	/* best over its ends, 0 for none */
	int64_t mac;		/* a macs.id, 0 for none */
};

/* The rows being read, in arrays that grow to a ceiling. */
struct map_rows {
	struct map_edge *edges;	/* cap entries */
	struct map_end *ends;	/* 2 * cap entries */
	size_t n;		/* edges read */
	size_t cap;		/* room */
	size_t max;		/* ceiling of cap */
};

/* " AND <port> is ephemeral-looking": >= 1024 and no known service. */
static void
map_sql_ephemeral(const char *port, struct out_buf *b)
{
	size_t i;

	out_buf_addf(b, " AND %s >= 1024 AND %s NOT IN (", port, port);
	for (i = 0; i < ft_n_service_ports; i++)
		out_buf_addf(b, "%s%u", i ? ", " : "",
		    (unsigned)ft_service_ports[i]);
	out_buf_adds(b, ")");
}

/*
 * sel: the records in range that pass the filter, with what the map needs
 * of each: names as keys, MACs of local ends, guessed (g), and whether the
 * record is a whole flow (one: its first and final record). Not
 * materialized: each use below is one pass over the time index.
 */
static void
map_sql_records(const struct map_opts *o, struct out_buf *b)
{
	out_buf_adds(b, "WITH sel AS NOT MATERIALIZED (SELECT f.run AS run,"
	    " f.flow AS flow, f.proto AS proto, f.cli AS cli,"
	    " f.cport AS cport, f.srv AS srv, f.sport AS sport,"
	    " (f.flags & 2) > 0 AS g, f.app AS app, f.bytes_cs AS bcs,"
	    " f.bytes_sc AS bsc, f.pkts_cs + f.pkts_sc AS p,"
	    " f.first_us AS t0, f.last_us AS t1,"
	    " CASE WHEN f.cli_name_src > 0 THEN f.cli_name_src * "
	    MAP_NAME_K " + f.cli_name END AS cn,"
	    " CASE WHEN f.name_src > 0 AND f.sport NOT IN ("
	    MAP_NAME_SERVICES ") THEN f.name_src * " MAP_NAME_K
	    " + f.name END AS sn,"
	    " CASE WHEN f.local & 1 THEN f.cli_mac END AS cm,"
	    " CASE WHEN f.local & 2 THEN f.srv_mac END AS sm,"
	    " (f.local & 1) > 0 AS cl, (f.local & 2) > 0 AS sl,"
	    " f.first_us = f.start_us AND (f.flags & 1) > 0 AND"
	    " f.pkts_cs + f.pkts_sc > 0 AS one");
	query_from_flows(&o->range, b);
	query_where_sql(&o->range, b);
	out_buf_adds(b, ")");
}

/*
 * The server-side rule (docs/internals/map.md): a guessed flow whose
 * server port looks ephemeral is turned around when its server end never
 * listened (was the server of a flow whose start was seen) and its client
 * end did, or has more distinct peers. cand: the ends in question; ep:
 * their listening and fan-in over all records in range (one pass, skipped
 * when there are none); dec: each record with its decision sw.
 */
static void
map_sql_rule(struct out_buf *b)
{
	out_buf_adds(b, ", kk AS (SELECT 0 AS k UNION ALL SELECT 1), "
	    "cand AS MATERIALIZED (SELECT DISTINCT sel.proto AS proto, "
	    "CASE WHEN k THEN cli ELSE srv END AS a, "
	    "CASE WHEN k THEN cport ELSE sport END AS port "
	    "FROM sel CROSS JOIN kk WHERE g");
	map_sql_ephemeral("sport", b);
	out_buf_adds(b, "), ep AS MATERIALIZED (SELECT c.proto AS proto, "
	    "c.a AS a, c.port AS port, count(DISTINCT CASE WHEN k THEN "
	    "sel.srv ELSE sel.cli END) AS fan, max(k = 0 AND NOT g) AS lis "
	    "FROM sel CROSS JOIN kk JOIN cand c ON c.proto = sel.proto AND "
	    "c.a = (CASE WHEN k THEN sel.cli ELSE sel.srv END) AND "
	    "c.port = (CASE WHEN k THEN sel.cport ELSE sel.sport END) "
	    "WHERE EXISTS (SELECT 1 FROM cand) "
	    "GROUP BY c.proto, c.a, c.port), "
	    "dec AS NOT MATERIALIZED (SELECT sel.*, (sel.g");
	map_sql_ephemeral("sel.sport", b);
	out_buf_adds(b, " AND coalesce(es.lis, 0) = 0 AND (coalesce(ec.lis, "
	    "0) = 1 OR coalesce(ec.fan, 0) > coalesce(es.fan, 0))) AS sw "
	    "FROM sel LEFT JOIN ep es ON sel.g AND es.proto = sel.proto AND "
	    "es.a = sel.srv AND es.port = sel.sport LEFT JOIN ep ec ON "
	    "sel.g AND ec.proto = sel.proto AND ec.a = sel.cli AND "
	    "ec.port = sel.cport)");
}

/*
 * pf: one row per flow; a whole-flow record is one already, the records
 * of a long flow (deltas) are summed by (run, flow), so flows count
 * distinct (run, flow) without sorting every record.
 */
static void
map_sql_flows(struct out_buf *b)
{
	out_buf_adds(b, ", pf AS (SELECT proto, cli, cport, srv, sport, sw, "
	    "app, bcs, bsc, p, t0, t1, cn, sn, cm, sm, cl, sl FROM dec "
	    "WHERE one UNION ALL SELECT proto, cli, cport, srv, sport, "
	    "max(sw), max(app), sum(bcs), sum(bsc), sum(p), min(t0), max(t1),"
	    " min(cn), min(sn), max(cm), max(sm), max(cl), max(sl) FROM dec "
	    "WHERE NOT one GROUP BY run, flow)");
}

/* x when the flow keeps its sides, y when it was turned around. */
#define MAP_SIDE(x, y, as) \
	"CASE WHEN sw THEN " y " ELSE " x " END AS " as ", "

/* An application id packed under a flow's bytes: max() finds the top. */
#define MAP_APP_K "1048576"
#define MAP_APP_MASK "1048575"

/*
 * fl: the flows with their decided sides; e: the edges that pass, with
 * the lowest and highest application name and, packed, the application
 * of the biggest flow; then that name, for the kept edges only.
 */
static void
map_sql_edges(struct out_buf *b)
{
	out_buf_adds(b, ", fl AS (SELECT "
	    MAP_SIDE("cli", "srv", "c") MAP_SIDE("srv", "cli", "s")
	    MAP_SIDE("sport", "cport", "port")
	    MAP_SIDE("bcs", "bsc", "b_cs") MAP_SIDE("bsc", "bcs", "b_sc")
	    MAP_SIDE("cn", "sn", "c_nm") MAP_SIDE("sn", "cn", "s_nm")
	    MAP_SIDE("cm", "sm", "c_mac") MAP_SIDE("sm", "cm", "s_mac")
	    MAP_SIDE("cl", "sl", "c_loc") MAP_SIDE("sl", "cl", "s_loc")
	    "proto, app, p, t0, t1, sw FROM pf), "
	    "e AS (SELECT c, s, proto, fl.port AS port, "
	    "min(nullif(x.name, '')) AS alo, max(nullif(x.name, '')) AS ahi, "
	    "max(CASE WHEN x.name <> '' AND fl.app < " MAP_APP_K " THEN "
	    "min(b_cs + b_sc, 4398046511103) * " MAP_APP_K " + fl.app END) "
	    "AS atop, sum(b_cs) AS b_cs, sum(b_sc) AS b_sc, sum(p) AS p, "
	    "count(*) AS n, min(t0) AS t0, max(t1) AS t1, min(c_nm) AS c_nm, "
	    "min(s_nm) AS s_nm, max(c_mac) AS c_mac, max(s_mac) AS s_mac, "
	    "max(c_loc) AS c_loc, max(s_loc) AS s_loc, sum(sw) AS sw "
	    "FROM fl LEFT JOIN apps x ON x.id = fl.app "
	    "GROUP BY c, s, proto, fl.port "
	    "HAVING sum(b_cs + b_sc) >= ? AND count(*) >= ? "
	    "ORDER BY sum(b_cs + b_sc) DESC, count(*) DESC, c, s, proto, "
	    "fl.port LIMIT ?) "
	    "SELECT c, s, proto, port, alo, ahi, (SELECT name FROM apps "
	    "WHERE id = atop & " MAP_APP_MASK "), b_cs, b_sc, p, n, t0, t1, "
	    "c_nm, s_nm, c_mac, s_mac, c_loc, s_loc, sw FROM e "
	    "ORDER BY b_cs + b_sc DESC, n DESC, c, s, proto, port");
}

static int
map_rows_grow(struct map_rows *r, struct ft_err *err)
{
	size_t cap = r->cap ? r->cap * 2 : 64;
	struct map_edge *e;
	struct map_end *x;

	if (cap > r->max)
		cap = r->max;
	e = realloc(r->edges, cap * sizeof(*e));
	if (e)
		r->edges = e;
	x = e ? realloc(r->ends, 2 * cap * sizeof(*x)) : NULL;
	if (!x)
		return ft_err_set(err, FT_ENOMEM, "map: %s",
		    ft_strerror(FT_ENOMEM));
	r->ends = x;
	r->cap = cap;
	return 0;
}

static int64_t
map_col_i64(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? 0 :
	    sqlite3_column_int64(s, i);
}

static uint64_t
map_col_u64(sqlite3_stmt *s, int i)
{
	int64_t v = map_col_i64(s, i);

	return v > 0 ? (uint64_t)v : 0;
}

/* Result columns of the edge query. */
enum { MC_C, MC_S, MC_PROTO, MC_PORT, MC_APP_MIN, MC_APP_MAX, MC_APP_TOP,
	MC_BCS, MC_BSC, MC_PKTS, MC_FLOWS, MC_FIRST, MC_LAST, MC_NAME,
	MC_NAME_S, MC_MAC, MC_MAC_S, MC_LOCAL, MC_LOCAL_S, MC_SWAPPED };

/* One end of the row's edge: the client's columns, or the server's. */
static void
map_row_end(sqlite3_stmt *s, uint8_t role, uint32_t edge, struct map_end *x)
{
	int k = role == MAP_ROLE_CLIENT ? 0 : 1;
	int n = sqlite3_column_bytes(s, MC_C + k);

	memset(x, 0, sizeof(*x));
	x->len = (uint8_t)(n > 16 ? 16 : n < 0 ? 0 : n);
	if (x->len)
		memcpy(x->addr, sqlite3_column_blob(s, MC_C + k), x->len);
	x->role = role;
	x->name_key = map_col_i64(s, MC_NAME + k);
	x->mac = map_col_i64(s, MC_MAC + k);
	x->local = map_col_i64(s, MC_LOCAL + k) != 0;
	x->edge = edge;
}

/* Length of the master protocol of an nDPI name: "TLS" of "TLS.Google". */
static size_t
map_master_len(const char *app)
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
map_row_app(sqlite3_stmt *s, char *dst, size_t cap)
{
	const char *lo = (const char *)sqlite3_column_text(s, MC_APP_MIN);
	const char *hi = (const char *)sqlite3_column_text(s, MC_APP_MAX);
	const char *top = (const char *)sqlite3_column_text(s, MC_APP_TOP);
	size_t n;

	if (!lo || !hi || !top)
		return;
	n = map_master_len(lo);
	if (!strcmp(lo, hi))
		snprintf(dst, cap, "%s", lo);
	else if (n == map_master_len(hi) && !strncmp(lo, hi, n))
		snprintf(dst, cap, "%.*s", (int)n, lo);
	else
		snprintf(dst, cap, "%s", top);
}

static void
map_row(sqlite3_stmt *s, struct map_rows *r)
{
	struct map_edge *e = &r->edges[r->n];

	memset(e, 0, sizeof(*e));
	e->proto = (uint8_t)sqlite3_column_int(s, MC_PROTO);
	e->port = (uint16_t)sqlite3_column_int(s, MC_PORT);
	map_row_app(s, e->app, sizeof(e->app));
	e->bytes_cs = map_col_u64(s, MC_BCS);
	e->bytes_sc = map_col_u64(s, MC_BSC);
	e->packets = map_col_u64(s, MC_PKTS);
	e->flows = map_col_u64(s, MC_FLOWS);
	e->first_us = map_col_u64(s, MC_FIRST);
	e->last_us = map_col_u64(s, MC_LAST);
	e->swapped = map_col_u64(s, MC_SWAPPED);
	map_row_end(s, MAP_ROLE_CLIENT, (uint32_t)r->n, &r->ends[2 * r->n]);
	map_row_end(s, MAP_ROLE_SERVER, (uint32_t)r->n,
	    &r->ends[2 * r->n + 1]);
	r->n++;
}

/* Run the edge query into r: at most r->max rows. */
static int
map_fetch(struct store *st, const struct map_opts *o, struct map_rows *r,
    struct ft_err *err)
{
	struct query_range range = o->range;
	char mem[QUERY_SQL_MAX];
	struct out_buf b;
	sqlite3_stmt *s;
	int rc, idx;

	out_buf_init(&b, mem, sizeof(mem));
	map_sql_records(o, &b);
	map_sql_rule(&b);
	map_sql_flows(&b);
	map_sql_edges(&b);
	if (b.trunc)
		return ft_err_set(err, FT_EINVAL, "query: filter too long");
	range.limit = r->max;
	rc = query_prepare(st, b.p, &range, r->max, 2, &s, &idx, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, idx, o->min_bytes > INT64_MAX ? INT64_MAX :
	    (int64_t)o->min_bytes);
	sqlite3_bind_int64(s, idx + 1, o->min_flows > INT64_MAX ? INT64_MAX :
	    (int64_t)o->min_flows);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (r->n == r->cap && (rc = map_rows_grow(r, err)))
			goto out_finalize;
		map_row(s, r);
	}
	if (rc != SQLITE_DONE)
		rc = ft_err_set(err, rc == SQLITE_BUSY ? FT_EAGAIN : FT_EDB,
		    "store %s: map query failed: %s", store_path(st),
		    sqlite3_errmsg(store_db(st)));
	else
		rc = 0;
out_finalize:
	sqlite3_finalize(s);
	return rc;
}

static int
map_addr_cmp(const uint8_t *a, uint8_t alen, const uint8_t *b, uint8_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

static int
map_end_cmp(const void *pa, const void *pb)
{
	const struct map_end *a = pa, *b = pb;
	int c = map_addr_cmp(a->addr, a->len, b->addr, b->len);

	if (c)
		return c;
	return a->edge < b->edge ? -1 : a->edge > b->edge;
}

/* A smaller name key wins; 0 is none. */
static int64_t
map_better_name(int64_t a, int64_t b)
{
	if (!a)
		return b;
	return b && b < a ? b : a;
}

/* One node per distinct address of the ends, in address order. */
static int
map_nodes(struct map *m, struct map_rows *r, struct map_ref **refs,
    struct ft_err *err)
{
	size_t n_ends = 2 * r->n, i, n = 0;
	struct map_node *node = NULL;
	struct map_ref *ref = NULL;
	struct map_end *x;
	struct out_buf b;

	if (n_ends)
		qsort(r->ends, n_ends, sizeof(*r->ends), map_end_cmp);
	m->nodes = calloc(n_ends ? n_ends : 1, sizeof(*m->nodes));
	*refs = calloc(n_ends ? n_ends : 1, sizeof(**refs));
	if (!m->nodes || !*refs)
		return ft_err_set(err, FT_ENOMEM, "map: %s",
		    ft_strerror(FT_ENOMEM));
	for (i = 0; i < n_ends; i++) {
		x = &r->ends[i];
		if (!node || map_addr_cmp(node->addr, node->addr_len, x->addr,
		    x->len)) {
			node = &m->nodes[n];
			ref = &(*refs)[n++];
			memcpy(node->addr, x->addr, x->len);
			node->addr_len = x->len;
			node->group = -1;
			out_buf_init(&b, node->ip, sizeof(node->ip));
			out_fmt_addr(&b, x->addr, x->len);
		}
		node->role |= x->role;
		node->local |= x->local;
		ref->name_key = map_better_name(ref->name_key, x->name_key);
		if (x->mac > ref->mac)
			ref->mac = x->mac;
		if (x->role == MAP_ROLE_CLIENT)
			m->edges[x->edge].from = (uint32_t)(n - 1);
		else
			m->edges[x->edge].to = (uint32_t)(n - 1);
	}
	m->n_nodes = n;
	return 0;
}

/* Text of column i of a stepped row into dst. */
static void
map_col_text(sqlite3_stmt *s, int i, char *dst, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

/* The node's MAC, vendor, and its device's name when that is better. */
static int
map_name_mac(sqlite3_stmt *s, int64_t mac, struct map_node *node,
    int64_t *key)
{
	int src, rc;

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, mac);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : rc;
	map_col_text(s, 0, node->mac, sizeof(node->mac));
	map_col_text(s, 1, node->vendor, sizeof(node->vendor));
	src = sqlite3_column_int(s, 3);
	if (sqlite3_column_type(s, 2) != SQLITE_NULL && src > 0 &&
	    (!*key || src < MAP_NAME_SRC(*key))) {
		map_col_text(s, 2, node->name, sizeof(node->name));
		node->name_src = (uint8_t)src;
		*key = 0;
	}
	return 0;
}

static int
map_name_text(sqlite3_stmt *s, int64_t key, struct map_node *node)
{
	int rc;

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, MAP_NAME_ID(key));
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : rc;
	map_col_text(s, 0, node->name, sizeof(node->name));
	node->name_src = (uint8_t)MAP_NAME_SRC(key);
	return 0;
}

/* Names, MACs and vendors of the nodes: one indexed look-up each. */
static int
map_names(struct store *st, struct map *m, const struct map_ref *refs,
    struct ft_err *err)
{
	static const char *const sql[2] = {
		"SELECT name FROM names WHERE id = ?",
		"SELECT " SQL_MAC("m.mac") ", m.vendor, d.name, d.name_src "
		"FROM macs m LEFT JOIN devices d ON d.mac = m.id "
		"WHERE m.id = ?",
	};
	sqlite3_stmt *s[2] = { NULL, NULL };
	int64_t key;
	size_t i;
	int rc = 0;

	for (i = 0; i < 2 && !rc; i++)
		rc = sqlite3_prepare_v2(store_db(st), sql[i], -1, &s[i], NULL);
	for (i = 0; i < m->n_nodes && rc == SQLITE_OK; i++) {
		key = refs[i].name_key;
		if (refs[i].mac)
			rc = map_name_mac(s[1], refs[i].mac, &m->nodes[i],
			    &key);
		if (!rc && key)
			rc = map_name_text(s[0], key, &m->nodes[i]);
		if (!strcmp(m->nodes[i].name, m->nodes[i].ip)) {
			m->nodes[i].name[0] = '\0';	/* Host: 10.0.0.5 */
			m->nodes[i].name_src = 0;
		}
	}
	if (rc != SQLITE_OK)
		rc = ft_err_set(err, FT_EDB, "store %s: map names: %s",
		    store_path(st), sqlite3_errmsg(store_db(st)));
	sqlite3_finalize(s[0]);
	sqlite3_finalize(s[1]);
	return rc;
}

int
map_build(struct store *st, const struct map_opts *o, struct map **out,
    struct ft_err *err)
{
	struct map_rows r = { 0 };
	struct map_ref *refs = NULL;
	struct map *m;
	int rc;

	if (o->top_edges > MAP_EDGES_MAX)
		return ft_err_set(err, FT_EINVAL, "map: --top-edges takes at "
		    "most %d (0 for all, up to that)", MAP_EDGES_MAX);
	m = calloc(1, sizeof(*m));
	if (!m)
		return ft_err_set(err, FT_ENOMEM, "map: %s",
		    ft_strerror(FT_ENOMEM));
	r.max = o->top_edges ? o->top_edges : MAP_EDGES_MAX + 1;
	rc = map_fetch(st, o, &r, err);
	if (rc)
		goto out_free;
	if (!o->top_edges && r.n > MAP_EDGES_MAX) {
		r.n = MAP_EDGES_MAX;
		m->truncated = true;
	}
	m->edges = r.edges;
	m->n_edges = r.n;
	r.edges = NULL;
	rc = map_nodes(m, &r, &refs, err);
	if (!rc)
		rc = map_names(st, m, refs, err);
	if (!rc)
		rc = map_group(m, o, err);
	if (rc)
		goto out_free;
	free(refs);
	free(r.ends);
	*out = m;
	return 0;
out_free:
	free(refs);
	free(r.ends);
	free(r.edges);
	map_free(m);
	return rc;
}

void
map_free(struct map *m)
{
	if (!m)
		return;
	free(m->nodes);
	free(m->edges);
	free(m->groups);
	free(m);
}
