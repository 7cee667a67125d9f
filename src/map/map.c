/* map.c: the dependency map: edges made nodes and named from the store */
/*
 * The edges are summed by map_scan.c (or read by map_conv.c).
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "../store/store_sql.h"
#include "map_int.h"

/* What a node keeps from its ends until it is named. */
struct map_ref {
	int64_t name_key;	/* best over its ends, 0 for none */
	int64_t mac;		/* a macs.id, 0 for none */
};

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
		ref->name_key = ft_better_name(ref->name_key, x->name_key);
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
	    (!*key || src < FT_NAME_SRC(*key))) {
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
	sqlite3_bind_int64(s, 1, FT_NAME_ID(key));
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : rc;
	map_col_text(s, 0, node->name, sizeof(node->name));
	node->name_src = (uint8_t)FT_NAME_SRC(key);
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
	rc = map_scan(st, o, &r, err);
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
