/* map_cut.c: the map's edges cut to the biggest that pass the minimums */
/*
 * Then made rows, with their ends, for the nodes.
 */
#include <stdlib.h>
#include <string.h>

#include "map_int.h"

/* Addresses compare as SQLite compares blobs: bytes, then length. */
static int
cut_addr_cmp(const uint8_t *a, const uint8_t *b)
{
	int c = memcmp(a + 1, b + 1, MAP_MIN(a[0], b[0]));

	return c ? c : (int)a[0] - (int)b[0];
}

/* An edge while the kept ones are chosen. */
struct cut_rank {
	uint64_t bytes;
	uint64_t flows;
	const uint8_t *key;
	uint32_t i;		/* index in the scan's edges */
};

/* Bytes, flows (more first), then client, server, protocol, port. */
static int
cut_rank_cmp(const void *pa, const void *pb)
{
	const struct cut_rank *x = pa, *y = pb;
	int c;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	if (x->flows != y->flows)
		return x->flows > y->flows ? -1 : 1;
	if ((c = cut_addr_cmp(x->key + MAP_EDGE_CLI, y->key + MAP_EDGE_CLI)) ||
	    (c = cut_addr_cmp(x->key + MAP_EDGE_SRV, y->key + MAP_EDGE_SRV)))
		return c;
	return memcmp(x->key, y->key, 3);
}

/* Heap of the k best so far, the worst on top (index 0): sift x down. */
static void
cut_sift(struct cut_rank *h, size_t k, size_t i)
{
	struct cut_rank t;
	size_t c;

	while ((c = 2 * i + 1) < k) {
		if (c + 1 < k && cut_rank_cmp(&h[c + 1], &h[c]) > 0)
			c++;
		if (cut_rank_cmp(&h[c], &h[i]) <= 0)
			return;
		t = h[i];
		h[i] = h[c];
		h[c] = t;
		i = c;
	}
}

/*
 * The best k of ix[0..n-1] moved to its front, in no order: a heap of k
 * with the worst on top, so most edges cost one comparison.
 */
static void
cut_select(struct cut_rank *ix, size_t n, size_t k)
{
	size_t i;

	if (k >= n || !k)
		return;
	for (i = k / 2; i-- > 0;)
		cut_sift(ix, k, i);
	for (i = k; i < n; i++)
		if (cut_rank_cmp(&ix[i], &ix[0]) < 0) {
			ix[0] = ix[i];
			cut_sift(ix, k, 0);
		}
}

/* Length of the master protocol of an nDPI name: "TLS" of "TLS.Google". */
static size_t
master_len(const char *app)
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
cut_edge_app(const struct map_sums *m, const struct map_edge_sums *e, char *dst,
    size_t cap)
{
	const char *lo, *hi;
	int32_t top;
	size_t n;

	if (e->app_rank_lo < 0 || e->app_top < 0)
		return;
	lo = m->apps->text[e->app_rank_lo];
	hi = m->apps->text[e->app_rank_hi];
	top = query_dict_rank(m->apps, e->app_top &
	    ((INT64_C(1) << FT_APP_SHIFT) - 1));
	n = master_len(lo);
	if (!strcmp(lo, hi))
		snprintf(dst, cap, "%s", lo);
	else if (n == master_len(hi) && !strncmp(lo, hi, n))
		snprintf(dst, cap, "%.*s", (int)n, lo);
	else if (top >= 0)
		snprintf(dst, cap, "%s", m->apps->text[top]);
}

/* One end of edge i: the address at a of the key, as role. */
static void
cut_end(const uint8_t *a, uint8_t role, int64_t name, int64_t mac,
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
cut_keep(const struct map_sums *m, size_t i, struct map_rows *r, size_t k)
{
	const uint8_t *key = ft_groups_key(&m->edges, i);
	const struct map_edge_sums *x = ft_groups_val(&m->edges, i);
	const struct agg_sums *a = &x->sums;
	struct map_edge *e = &r->edges[k];

	memset(e, 0, sizeof(*e));
	e->proto = key[0];
	e->port = (uint16_t)(key[1] << 8 | key[2]);
	cut_edge_app(m, x, e->app, sizeof(e->app));
	e->bytes_cs = a->bytes_cs;
	e->bytes_sc = a->bytes_sc;
	e->packets = a->packets;
	e->flows = a->flows;
	e->first_us = x->first_us;
	e->last_us = x->last_us;
	e->swapped = x->turned;
	cut_end(key + MAP_EDGE_CLI, MAP_ROLE_CLIENT, x->cli_name, x->cli_mac,
	    x->cli_local, (uint32_t)k, &r->ends[2 * k]);
	cut_end(key + MAP_EDGE_SRV, MAP_ROLE_SERVER, x->srv_name, x->srv_mac,
	    x->srv_local, (uint32_t)k, &r->ends[2 * k + 1]);
}

/* The edges that pass the minimums, biggest first, at most r->max. */
int
map_cut(const struct map_sums *m, struct map_rows *r, struct ft_err *err)
{
	const struct agg_sums *a;
	struct cut_rank *ix;
	size_t i, n = 0;

	ix = malloc((m->edges.n ? m->edges.n : 1) * sizeof(*ix));
	if (!ix)
		return ft_err_set(err, FT_ENOMEM, "map: %s",
		    ft_strerror(FT_ENOMEM));
	for (i = 0; i < m->edges.n; i++) {
		a = ft_groups_val(&m->edges, i);
		if (a->bytes_cs + a->bytes_sc < m->o->min_bytes ||
		    a->flows < m->o->min_flows)
			continue;
		ix[n].bytes = a->bytes_cs + a->bytes_sc;
		ix[n].flows = a->flows;
		ix[n].key = ft_groups_key(&m->edges, i);
		ix[n++].i = (uint32_t)i;
	}
	cut_select(ix, n, r->max);
	n = MAP_MIN(n, r->max);
	qsort(ix, n, sizeof(*ix), cut_rank_cmp);
	r->edges = calloc(n ? n : 1, sizeof(*r->edges));
	r->ends = calloc(n ? 2 * n : 1, sizeof(*r->ends));
	if (!r->edges || !r->ends) {
		free(ix);
		return ft_err_set(err, FT_ENOMEM, "map: %s",
		    ft_strerror(FT_ENOMEM));
	}
	for (i = 0; i < n; i++)
		cut_keep(m, ix[i].i, r, i);
	r->n = n;
	free(ix);
	return 0;
}

