/* test_map.c: the dependency map */
/*
 * The server-side rule, edges and their filters, node names, groups, and every
 * writer's escaping.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../src/base/ft_log.h"
#include "../../src/filter/filter.h"
#include "../../src/map/map.h"
#include "ut.h"

#define T0 1700000000000000ull	/* 2023-11-14T22:13:20Z in microseconds */
#define SEC 1000000ull

static char tmpdir[64];		/* per-process scratch directory */
static int n_stores;		/* stores made, for their file names */

/* A final TCP record of flow id: cli:cport -> srv:sport, t_s after T0. */
static struct ft_flowrec
rec(uint64_t id, uint64_t t_s, const char *cli, uint16_t cport,
    const char *srv, uint16_t sport, uint64_t bcs, uint64_t bsc)
{
	struct ft_flowrec r;
	int af = strchr(cli, ':') ? AF_INET6 : AF_INET;

	memset(&r, 0, sizeof(r));
	r.flow_id = id;
	r.first_us = T0 + t_s * SEC;
	r.last_us = r.first_us + 2 * SEC;
	r.start_us = r.first_us;
	r.ip_ver = af == AF_INET ? 4 : 6;
	inet_pton(af, cli, r.cli);
	inet_pton(af, srv, r.srv);
	r.proto = 6;
	r.cport = cport;
	r.sport = sport;
	r.bytes[0] = bcs;
	r.bytes[1] = bsc;
	r.pkts[0] = 1;
	r.pkts[1] = 1;
	r.flags = FT_REC_FINAL;
	r.end = FT_END_TCP;
	return r;
}

/* The same record with its client guessed from ports (start not seen). */
static struct ft_flowrec
guessed(struct ft_flowrec r)
{
	r.flags |= FT_REC_GUESSED;
	return r;
}

/* Output of writer f over m, as a malloc'd string. */
static char *write_map(const struct map *m, enum map_format f);

/* The map of o (and filter f) from the store at path, read-only. */
static struct map *
build_from(const char *path, struct map_opts *o, struct filter *f,
    struct ft_err *merr)
{
	struct store_opts so = { .path = path, .read_only = true };
	struct ft_err err = { 0 };
	struct store *st = NULL;
	struct map *m = NULL;

	if (store_open(&so, &st, &err)) {
		UT_FAILF("store read-only: %s", err.msg);
		return NULL;
	}
	o->range.where = f ? filter_where(f) : NULL;
	if (map_build(st, o, &m, merr ? merr : &err) && !merr)
		UT_FAILF("map: %s", err.msg);
	o->range.where = NULL;
	store_close(st);
	return m;
}

/*
 * Store recs in a new file, build the map with o (and filter expr). A
 * failure of map_build fails the case, or lands in merr when given.
 * Every map is built twice: from the records, then with the store's
 * hours rolled into conversations (store_conv_finish), and both must
 * write the same JSON (docs/internals/conv.md).
 */
static struct map *
build_err(const struct ft_flowrec *recs, size_t n, struct map_opts *o,
    const char *expr, struct ft_err *merr)
{
	char path[128], *a, *b;
	struct store_opts so = { .path = path, .commit_interval_s = 60 };
	struct ft_err err = { 0 }, err2 = { 0 };
	enum map_source src = o->source;
	struct filter *f = NULL;
	struct store *st = NULL;
	struct map *m, *m2;

	snprintf(path, sizeof(path), "%s/s%d.db", tmpdir, n_stores++);
	if (store_open(&so, &st, &err) || store_append(st, recs, n, &err)) {
		UT_FAILF("store: %s", err.msg);
		store_close(st);
		return NULL;
	}
	store_close(st);
	if (expr && filter_compile(expr, &f, &err))
		UT_FAILF("filter %s: %s", expr, err.msg);
	o->source = MAP_SRC_FLOWS;
	m = build_from(path, o, f, merr);
	st = NULL;
	if (store_open(&so, &st, &err) || store_conv_finish(st, &err))
		UT_FAILF("roll: %s", err.msg);
	store_close(st);
	o->source = src;
	m2 = build_from(path, o, f, m ? NULL : &err2);
	if (m && m2) {
		a = write_map(m, MAP_FMT_JSON);
		b = write_map(m2, MAP_FMT_JSON);
		if (strcmp(a, b))
			UT_FAILF("records and conversations differ:\n%s\n%s",
			    a, b);
		free(a);
		free(b);
	} else if (!m != !m2) {
		UT_FAILF("records %s, conversations %s", m ? "ok" : "failed",
		    m2 ? "ok" : err2.msg);
	}
	map_free(m2);
	filter_free(f);
	return m;
}

static struct map *
build(const struct ft_flowrec *recs, size_t n, struct map_opts *o,
    const char *expr)
{
	return build_err(recs, n, o, expr, NULL);
}

/* The edge from client ip to server ip on port, or NULL. */
static const struct map_edge *
edge(const struct map *m, const char *cli, const char *srv, uint16_t port)
{
	size_t i;

	for (i = 0; m && i < m->n_edges; i++)
		if (!strcmp(m->nodes[m->edges[i].from].ip, cli) &&
		    !strcmp(m->nodes[m->edges[i].to].ip, srv) &&
		    m->edges[i].port == port)
			return &m->edges[i];
	return NULL;
}

static const struct map_node *
node(const struct map *m, const char *ip)
{
	size_t i;

	for (i = 0; m && i < m->n_nodes; i++)
		if (!strcmp(m->nodes[i].ip, ip))
			return &m->nodes[i];
	return NULL;
}

/* Output of writer f over m, as a malloc'd string. */
static char *
write_map(const struct map *m, enum map_format f)
{
	struct ft_err err = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (map_write(m, f, fp, &err))
		UT_FAILF("write: %s", err.msg);
	fclose(fp);
	return buf;
}

static void
a_guessed_flow_turns_toward_the_end_that_listened(void)
{
	struct ft_flowrec r[2];
	struct map_opts o = { 0 };
	const struct map_edge *e;
	struct map *m;

	/* 10.0.0.9:5000 was seen accepting a connection (SYN seen)... */
	r[0] = rec(1, 0, "10.0.0.5", 40000, "10.0.0.9", 5000, 100, 1000);
	/* ...so a flow caught mid-way with it as the "client" turns. */
	r[1] = guessed(rec(2, 10, "10.0.0.9", 5000, "10.0.0.7", 41000, 3000,
	    300));
	m = build(r, 2, &o, NULL);
	UT_EQ(m ? m->n_edges : 0, 2);
	UT_ASSERT(edge(m, "10.0.0.5", "10.0.0.9", 5000) != NULL);
	e = edge(m, "10.0.0.7", "10.0.0.9", 5000);
	UT_ASSERT(e != NULL);
	if (e) {
		UT_EQ(e->bytes_cs, 300);
		UT_EQ(e->bytes_sc, 3000);
		UT_EQ(e->swapped, 1);
		UT_EQ(e->flows, 1);
	}
	UT_ASSERT(edge(m, "10.0.0.9", "10.0.0.7", 41000) == NULL);
	UT_EQ(node(m, "10.0.0.9") ? node(m, "10.0.0.9")->role : 0,
	    MAP_ROLE_SERVER);
	map_free(m);
}

/* Listening decides before fan-in: the other end's three peers lose. */
static void
listening_outranks_more_peers_at_the_other_end(void)
{
	struct ft_flowrec r[4];
	struct map_opts o = { 0 };
	const struct map_edge *e;
	struct map *m;

	r[0] = rec(1, 0, "10.0.0.5", 40000, "10.0.0.9", 5000, 100, 1000);
	r[1] = guessed(rec(2, 10, "10.0.0.9", 5000, "10.0.0.7", 41000, 3000,
	    300));
	/* 10.0.0.7:41000 has three peers, 10.0.0.9:5000 two */
	r[2] = guessed(rec(3, 20, "10.0.0.2", 42000, "10.0.0.7", 41000, 10,
	    20));
	r[3] = guessed(rec(4, 30, "10.0.0.3", 42001, "10.0.0.7", 41000, 10,
	    20));
	m = build(r, 4, &o, NULL);
	e = edge(m, "10.0.0.7", "10.0.0.9", 5000);
	UT_ASSERT(e != NULL);
	UT_EQ(e ? e->swapped : 0, 1);
	UT_ASSERT(edge(m, "10.0.0.9", "10.0.0.7", 41000) == NULL);
	UT_ASSERT(edge(m, "10.0.0.2", "10.0.0.7", 41000) != NULL);
	map_free(m);
}

static void
a_guessed_flow_turns_toward_the_end_with_more_peers(void)
{
	struct ft_flowrec r[3];
	struct map_opts o = { 0 };
	struct map *m;

	r[0] = guessed(rec(1, 0, "10.0.0.9", 6000, "10.0.0.1", 40001, 10, 20));
	r[1] = guessed(rec(2, 1, "10.0.0.9", 6000, "10.0.0.2", 40002, 10, 20));
	r[2] = guessed(rec(3, 2, "10.0.0.9", 6000, "10.0.0.3", 40003, 10, 20));
	m = build(r, 3, &o, NULL);
	UT_EQ(m ? m->n_edges : 0, 3);
	UT_ASSERT(edge(m, "10.0.0.1", "10.0.0.9", 6000) != NULL);
	UT_ASSERT(edge(m, "10.0.0.2", "10.0.0.9", 6000) != NULL);
	UT_ASSERT(edge(m, "10.0.0.3", "10.0.0.9", 6000) != NULL);
	map_free(m);
}

static void
the_rule_keeps_service_ports_seen_starts_and_ties(void)
{
	struct ft_flowrec r[6];
	struct map_opts o = { 0 };
	struct map *m;

	/* A guessed flow to a well-known port stays, whatever the fan-in. */
	r[0] = guessed(rec(1, 0, "10.0.0.9", 40000, "10.0.0.2", 443, 1, 1));
	r[1] = rec(2, 1, "10.0.0.3", 50000, "10.0.0.9", 40000, 1, 1);
	r[2] = rec(3, 2, "10.0.0.4", 50001, "10.0.0.9", 40000, 1, 1);
	/* A flow whose start was seen never turns. */
	r[3] = rec(4, 3, "10.0.0.9", 40000, "10.0.0.5", 45000, 1, 1);
	/* Both ends ephemeral, one peer each: the guess stays. */
	r[4] = guessed(rec(5, 4, "10.0.0.6", 33000, "10.0.0.7", 34000, 1,
	    1));
	/* A guessed server that listened elsewhere stays. */
	r[5] = guessed(rec(6, 5, "10.0.0.8", 41000, "10.0.0.9", 40000, 1, 1));
	m = build(r, 6, &o, NULL);
	UT_ASSERT(edge(m, "10.0.0.9", "10.0.0.2", 443) != NULL);
	UT_ASSERT(edge(m, "10.0.0.9", "10.0.0.5", 45000) != NULL);
	UT_ASSERT(edge(m, "10.0.0.6", "10.0.0.7", 34000) != NULL);
	UT_ASSERT(edge(m, "10.0.0.8", "10.0.0.9", 40000) != NULL);
	UT_EQ(m ? m->n_edges : 0, 6);
	map_free(m);
}

static void
an_edge_counts_distinct_flows_and_sums_their_deltas(void)
{
	struct ft_flowrec r[4];
	struct map_opts o = { 0 };
	const struct map_edge *e;
	struct map *m;

	/* Flow 1 in two records (a delta, then its final record). */
	r[0] = rec(1, 0, "10.0.0.1", 50000, "93.184.216.34", 443, 1000, 9000);
	r[0].flags = 0;
	r[0].end = FT_END_ACTIVE;
	r[1] = r[0];
	r[1].first_us = T0 + 60 * SEC;
	r[1].last_us = T0 + 61 * SEC;
	r[1].bytes[0] = 500;
	r[1].bytes[1] = 4500;
	r[1].flags = FT_REC_FINAL;
	/* Flow 2 to the same service, another client port. */
	r[2] = rec(2, 5, "10.0.0.1", 50001, "93.184.216.34", 443, 10, 20);
	/* Flow 3 to another port: another edge. */
	r[3] = rec(3, 6, "10.0.0.1", 50002, "93.184.216.34", 80, 1, 2);
	m = build(r, 4, &o, NULL);
	e = edge(m, "10.0.0.1", "93.184.216.34", 443);
	UT_ASSERT(e != NULL);
	if (e) {
		UT_EQ(e->flows, 2);
		UT_EQ(e->bytes_cs, 1510);
		UT_EQ(e->bytes_sc, 13520);
		UT_EQ(e->packets, 6);
		UT_EQ(e->first_us, T0);
		UT_EQ(e->last_us, T0 + 61 * SEC);
	}
	UT_EQ(m ? m->n_edges : 0, 2);
	UT_EQ(m ? m->edges[0].port : 0, 443);	/* biggest first */
	UT_EQ(m ? m->n_nodes : 0, 2);
	map_free(m);
}

/*
 * A packet older than its flow's start came after the flow's first record
 * (captures merged out of time order): its final record is earlier in time
 * than the first. Over a bounded range (the time index lists it first) and
 * in any number of parts, the flow is one flow.
 */
static void
a_late_final_record_does_not_end_its_flow_early(void)
{
	static const char *const parts[] = { "1", "2", "3" };
	struct ft_flowrec r[2];
	const struct map_edge *e;
	struct map_opts o = { 0 };
	struct map *m;
	size_t i;

	r[0] = rec(1, 100, "10.0.0.1", 50000, "10.0.0.9", 443, 1000, 9000);
	r[0].flags = 0;
	r[0].end = FT_END_ACTIVE;
	r[1] = rec(1, 50, "10.0.0.1", 50000, "10.0.0.9", 443, 10, 20);
	r[1].start_us = r[0].start_us;	/* the late packet's record */
	for (i = 0; i < 3; i++) {
		setenv("FLOWTRAIL_SCAN_PARTS", parts[i], 1);
		o.range.since_us = T0;
		o.range.until_us = T0 + 1000 * SEC;
		m = build(r, 2, &o, NULL);
		e = edge(m, "10.0.0.1", "10.0.0.9", 443);
		UT_ASSERT(e && e->flows == 1 && e->bytes_cs == 1010);
		map_free(m);
	}
	unsetenv("FLOWTRAIL_SCAN_PARTS");
}

/*
 * A flow starting after 23:00 with a late packet from before it: the
 * hour before holds the late record, the flow's own hour is left to the
 * records (conv.md), and a range from 23:00 leaves the late one out.
 */
static void
a_late_record_across_an_hour_counts_as_its_range_says(void)
{
	static const char *const parts[] = { "1", "2", "3" };
	struct ft_flowrec r[4];
	const struct map_edge *e;
	struct map_opts o = { 0 };
	struct map *m;
	size_t i;

	/* T0 + 2800 s is 23:00:00 */
	r[0] = rec(1, 2810, "10.0.0.1", 50000, "10.0.0.9", 443, 1000, 9000);
	r[0].flags = 0;
	r[0].end = FT_END_ACTIVE;
	r[1] = rec(1, 2790, "10.0.0.1", 50000, "10.0.0.9", 443, 10, 20);
	r[1].start_us = r[0].start_us;
	r[1].flags = 0;
	r[1].end = FT_END_ACTIVE;
	r[2] = rec(1, 2830, "10.0.0.1", 50000, "10.0.0.9", 443, 5, 5);
	r[2].start_us = r[0].start_us;
	r[3] = rec(2, 10, "10.0.0.2", 50001, "10.0.0.9", 443, 1, 1);
	for (i = 0; i < 3; i++) {
		setenv("FLOWTRAIL_SCAN_PARTS", parts[i], 1);
		o.range.since_us = 0;
		m = build(r, 4, &o, NULL);
		e = edge(m, "10.0.0.1", "10.0.0.9", 443);
		UT_ASSERT(e && e->flows == 1 && e->bytes_cs == 1015);
		map_free(m);
		o.range.since_us = T0 + 2800 * SEC;
		m = build(r, 4, &o, NULL);
		e = edge(m, "10.0.0.1", "10.0.0.9", 443);
		UT_ASSERT(e && e->flows == 1 && e->bytes_cs == 1005);
		UT_ASSERT(edge(m, "10.0.0.2", "10.0.0.9", 443) == NULL);
		map_free(m);
	}
	unsetenv("FLOWTRAIL_SCAN_PARTS");
}

/*
 * An hour left to its records (a late packet crosses into it) has a late
 * record of its own, of a flow starting an hour later: that hour is left
 * to its records too, or the flow would count twice.
 */
static void
a_late_record_in_an_hour_left_to_the_records_reaches_on(void)
{
	struct ft_flowrec r[6];
	const struct map_edge *e;
	struct map_opts o = { 0 };
	struct map *m;
	int i;

	/* 23:00 is T0 + 2800 s, midnight T0 + 6400 s */
	r[0] = rec(1, 2810, "10.0.0.1", 50000, "10.0.0.9", 443, 100, 100);
	r[1] = rec(1, 2790, "10.0.0.1", 50000, "10.0.0.9", 443, 10, 10);
	r[2] = rec(2, 6410, "10.0.0.2", 50001, "10.0.0.9", 443, 1000, 1000);
	r[3] = rec(2, 2900, "10.0.0.2", 50001, "10.0.0.9", 443, 20, 20);
	r[4] = rec(2, 6420, "10.0.0.2", 50001, "10.0.0.9", 443, 5, 5);
	r[5] = rec(3, 10, "10.0.0.3", 50002, "10.0.0.9", 443, 1, 1);
	for (i = 0; i < 5; i++) {
		if (i == 1 || i == 3)
			r[i].start_us = r[i - 1].start_us;
		if (i == 4)
			r[i].start_us = r[2].start_us;
		if (i != 4 && i != 5) {
			r[i].flags = 0;
			r[i].end = FT_END_ACTIVE;
		}
	}
	r[0].flags = 0;
	r[1].flags = 0;
	m = build(r, 6, &o, NULL);
	e = edge(m, "10.0.0.2", "10.0.0.9", 443);
	UT_ASSERT(e && e->flows == 1 && e->bytes_cs == 1025);
	map_free(m);
}

/* Two records of one flow both at its first packet's time: one flow. */
static void
two_records_at_the_start_time_are_one_flow(void)
{
	struct ft_flowrec r[2];
	const struct map_edge *e;
	struct map_opts o = { 0 };
	struct map *m;

	r[0] = rec(1, 10, "10.0.0.1", 50000, "10.0.0.9", 443, 100, 100);
	r[0].flags = 0;
	r[0].end = FT_END_ACTIVE;
	r[1] = rec(1, 10, "10.0.0.1", 50000, "10.0.0.9", 443, 5, 5);
	m = build(r, 2, &o, NULL);
	e = edge(m, "10.0.0.1", "10.0.0.9", 443);
	UT_ASSERT(e && e->flows == 1 && e->bytes_cs == 105);
	map_free(m);
}

/*
 * A one-packet flow reported at a tick, then ended idle: its final record
 * has no packets and first = last = the flow's start, like a whole flow in
 * one record. It is still one flow.
 */
static void
an_empty_final_record_is_not_a_flow_of_its_own(void)
{
	struct ft_flowrec r[2];
	struct map_opts o = { 0 };
	const struct map_edge *e;
	struct map *m;

	r[0] = rec(1, 0, "10.0.0.1", 50000, "93.184.216.34", 443, 60, 0);
	r[0].last_us = r[0].first_us;
	r[0].flags = 0;
	r[0].end = FT_END_ACTIVE;
	r[1] = r[0];
	r[1].bytes[0] = r[1].pkts[0] = r[1].pkts[1] = 0;
	r[1].flags = FT_REC_FINAL;
	r[1].end = FT_END_IDLE;
	m = build(r, 2, &o, NULL);
	e = edge(m, "10.0.0.1", "93.184.216.34", 443);
	UT_ASSERT(e != NULL);
	UT_EQ(e ? e->flows : 0, 1);
	UT_EQ(e ? e->bytes_cs : 0, 60);
	map_free(m);
}

static void
edge_filters_drop_edges_and_their_lonely_nodes(void)
{
	struct ft_flowrec r[5];
	struct map_opts o = { 0 };
	struct map *m;

	r[0] = rec(1, 0, "10.0.0.1", 50000, "10.0.0.10", 22, 5000, 5000);
	r[1] = rec(2, 1, "10.0.0.1", 50001, "10.0.0.10", 22, 10, 10);
	r[2] = rec(3, 2, "10.0.0.2", 50000, "10.0.0.11", 80, 3000, 3000);
	r[3] = rec(4, 3, "10.0.0.3", 50000, "10.0.0.12", 25, 100, 100);
	r[4] = rec(5, 4, "10.0.0.4", 50000, "10.0.0.13", 53, 50, 50);
	o.min_bytes = 200;
	m = build(r, 5, &o, NULL);
	UT_EQ(m ? m->n_edges : 0, 3);
	UT_ASSERT(node(m, "10.0.0.13") == NULL && node(m, "10.0.0.4") == NULL);
	UT_EQ(m ? m->n_nodes : 0, 6);
	map_free(m);
	o.min_bytes = 0;
	o.min_flows = 2;
	m = build(r, 5, &o, NULL);
	UT_EQ(m ? m->n_edges : 0, 1);
	UT_ASSERT(edge(m, "10.0.0.1", "10.0.0.10", 22) != NULL);
	map_free(m);
	o.min_flows = 0;
	o.top_edges = 2;
	m = build(r, 5, &o, NULL);
	UT_EQ(m ? m->n_edges : 0, 2);
	UT_ASSERT(edge(m, "10.0.0.1", "10.0.0.10", 22) != NULL);
	UT_ASSERT(edge(m, "10.0.0.2", "10.0.0.11", 80) != NULL);
	UT_ASSERT(m && !m->truncated);
	map_free(m);
}

static void
top_edges_zero_keeps_all_up_to_the_ceiling_and_says_so(void)
{
	size_t n = MAP_EDGES_MAX + 1, i;
	struct ft_flowrec *r = calloc(n, sizeof(*r));
	struct map_opts o = { 0 };
	struct ft_err err = { 0 };
	char srv[32];
	struct map *m;

	for (i = 0; i < n; i++) {
		snprintf(srv, sizeof(srv), "10.%zu.%zu.%zu", i >> 16,
		    (i >> 8) & 255, i & 255);
		r[i] = rec(i + 1, 0, "192.168.0.1", 40000, srv, 443,
		    100 + i, 1);
	}
	m = build(r, n, &o, NULL);
	UT_EQ(m ? m->n_edges : 0, MAP_EDGES_MAX);
	UT_ASSERT(m && m->truncated);
	UT_ASSERT(edge(m, "192.168.0.1", "10.0.0.0", 443) == NULL);
	map_free(m);
	o.top_edges = MAP_EDGES_MAX + 1;
	UT_ASSERT(build_err(r, 1, &o, NULL, &err) == NULL);
	UT_STREQ(err.msg, "map: --top-edges takes at most 10000 (0 for all, "
	    "up to that)");
	free(r);
}

static void
nodes_take_the_best_name_their_mac_and_vendor(void)
{
	struct ft_flowrec r[4];
	struct map_opts o = { 0 };
	const struct map_node *n;
	struct map *m;

	r[0] = rec(1, 0, "10.0.0.1", 50000, "93.184.216.34", 443, 10, 10);
	memcpy(r[0].cli_mac, "\x02\x00\x00\x00\x00\x01", 6);
	r[0].local = FT_LOCAL_CLI;
	snprintf(r[0].cli_name, FT_NAME_MAX, "laptop");
	r[0].cli_name_src = FT_NAME_DHCP;
	snprintf(r[0].cli_vendor, FT_VENDOR_MAX, "Apple");
	snprintf(r[0].server_name, FT_NAME_MAX, "www.example.com");
	r[0].srv_name_src = FT_NAME_SNI;
	/* A label beats the DHCP name. */
	r[1] = r[0];
	r[1].flow_id = 2;
	snprintf(r[1].cli_name, FT_NAME_MAX, "alice-laptop");
	r[1].cli_name_src = FT_NAME_LABEL;
	/* A DNS flow's name is the question, not the resolver's name. */
	r[2] = rec(3, 2, "10.0.0.1", 50001, "8.8.8.8", 53, 10, 10);
	r[2].proto = 17;
	snprintf(r[2].server_name, FT_NAME_MAX, "www.example.com");
	r[2].srv_name_src = FT_NAME_SNI;
	/* A Host header that is the address itself names nothing. */
	r[3] = rec(4, 3, "10.0.0.1", 50002, "198.51.100.7", 80, 10, 10);
	snprintf(r[3].server_name, FT_NAME_MAX, "198.51.100.7");
	r[3].srv_name_src = FT_NAME_SNI;
	m = build(r, 4, &o, NULL);
	n = node(m, "10.0.0.1");
	UT_ASSERT(n != NULL);
	if (n) {
		UT_STREQ(n->name, "alice-laptop");
		UT_EQ(n->name_src, FT_NAME_LABEL);
		UT_STREQ(n->mac, "02:00:00:00:00:01");
		UT_STREQ(n->vendor, "Apple");
		UT_ASSERT(n->local);
	}
	n = node(m, "93.184.216.34");
	UT_STREQ(n ? n->name : NULL, "www.example.com");
	UT_STREQ(n ? n->mac : NULL, "");	/* the router's: not shown */
	UT_STREQ(node(m, "8.8.8.8") ? node(m, "8.8.8.8")->name : NULL, "");
	UT_STREQ(node(m, "198.51.100.7") ? node(m, "198.51.100.7")->name :
	    NULL, "");
	map_free(m);
}

static void
an_edge_names_one_application_or_the_master_they_share(void)
{
	struct ft_flowrec r[5];
	struct map_opts o = { 0 };
	const struct map_edge *e;
	struct map *m;

	r[0] = rec(1, 0, "10.0.0.1", 50000, "8.8.8.8", 53, 10, 10);
	snprintf(r[0].app, FT_APP_MAX, "DNS.Google");
	r[1] = rec(2, 1, "10.0.0.1", 50001, "8.8.8.8", 53, 10, 10);
	snprintf(r[1].app, FT_APP_MAX, "DNS.Facebook");
	r[2] = rec(3, 2, "10.0.0.1", 50002, "10.0.0.80", 80, 10, 10);
	snprintf(r[2].app, FT_APP_MAX, "HTTP");
	r[3] = rec(4, 3, "10.0.0.1", 50003, "10.0.0.80", 80, 500, 500);
	snprintf(r[3].app, FT_APP_MAX, "WebSocket");
	r[4] = rec(5, 4, "10.0.0.1", 50004, "10.0.0.80", 80, 10, 10);
	m = build(r, 5, &o, NULL);
	e = edge(m, "10.0.0.1", "8.8.8.8", 53);
	UT_STREQ(e ? e->app : NULL, "DNS");
	e = edge(m, "10.0.0.1", "10.0.0.80", 80);
	UT_STREQ(e ? e->app : NULL, "WebSocket");	/* its biggest flow */
	UT_EQ(e ? e->flows : 0, 3);
	map_free(m);
}

static void
a_range_without_records_makes_an_empty_map(void)
{
	struct ft_flowrec r = rec(1, 0, "10.0.0.1", 50000, "10.0.0.2", 22, 1,
	    1);
	struct map_opts o = { .range = { .since_us = T0 + 100 * SEC } };
	struct map *m = build(&r, 1, &o, NULL);

	UT_ASSERT(m != NULL);
	UT_EQ(m ? m->n_edges : 1, 0);
	UT_EQ(m ? m->n_nodes : 1, 0);
	map_free(m);
}

static void
a_filter_selects_the_records_of_the_map(void)
{
	struct ft_flowrec r[3];
	struct map_opts o = { 0 };
	struct map *m;

	r[0] = rec(1, 0, "10.0.0.1", 50000, "10.0.0.10", 22, 10, 10);
	r[1] = rec(2, 1, "10.0.0.2", 50000, "10.0.0.10", 80, 10, 10);
	r[2] = rec(3, 2, "10.0.0.1", 50001, "10.0.0.11", 80, 10, 10);
	m = build(r, 3, &o, "dst port 80 and not host 10.0.0.2");
	UT_EQ(m ? m->n_edges : 0, 1);
	UT_ASSERT(edge(m, "10.0.0.1", "10.0.0.11", 80) != NULL);
	map_free(m);
	o.range.since_us = T0 + 1 * SEC;
	o.range.until_us = T0 + 2 * SEC;
	m = build(r, 3, &o, NULL);
	UT_EQ(m ? m->n_edges : 0, 1);
	UT_ASSERT(edge(m, "10.0.0.2", "10.0.0.10", 80) != NULL);
	map_free(m);
}

static void
groups_are_subnets_or_best_names(void)
{
	struct ft_flowrec r[3];
	struct map_opts o = { 0 };
	struct ft_err err = { 0 };
	struct map *m;

	r[0] = rec(1, 0, "192.168.1.10", 50000, "192.168.2.20", 22, 10, 10);
	r[1] = rec(2, 1, "2001:db8:0:1::5", 50000, "2001:db8::1", 443, 10,
	    10);
	snprintf(r[1].server_name, FT_NAME_MAX, "www");
	r[1].srv_name_src = FT_NAME_SNI;
	r[2] = rec(3, 2, "192.168.1.12", 50000, "192.168.2.21", 22, 10, 10);
	snprintf(r[2].server_name, FT_NAME_MAX, "www");
	r[2].srv_name_src = FT_NAME_DNS;
	UT_EQ(map_parse_group("subnet", &o, &err), 0);
	m = build(r, 3, &o, NULL);
	UT_EQ(m ? m->n_groups : 0, 4);
	if (m && m->n_groups == 4) {
		UT_STREQ(m->groups[0].name, "192.168.1.0/24");
		UT_STREQ(m->groups[1].name, "192.168.2.0/24");
		UT_STREQ(m->groups[2].name, "2001:db8::/64");
		UT_STREQ(m->groups[3].name, "2001:db8:0:1::/64");
	}
	map_free(m);
	UT_EQ(map_parse_group("subnet/16,32", &o, &err), 0);
	m = build(r, 3, &o, NULL);
	UT_EQ(m ? m->n_groups : 0, 2);
	UT_STREQ(m && m->n_groups ? m->groups[0].name : NULL,
	    "192.168.0.0/16");
	UT_STREQ(m && m->n_groups > 1 ? m->groups[1].name : NULL,
	    "2001:db8::/32");
	map_free(m);
	UT_EQ(map_parse_group("label", &o, &err), 0);
	m = build(r, 3, &o, NULL);
	UT_ASSERT(m && m->n_groups == 5 && !strcmp(m->groups[0].name, "www") &&
	    m->groups[0].boxed && !m->groups[1].boxed);
	UT_ASSERT(m && node(m, "2001:db8::1")->group ==
	    node(m, "192.168.2.21")->group);
	map_free(m);
}

static void
group_and_format_names_parse_and_bad_ones_are_named(void)
{
	struct map_opts o = { 0 };
	struct ft_err err = { 0 };
	enum map_format f;

	UT_EQ(map_parse_format("drawio", &f, &err), 0);
	UT_EQ(f, MAP_FMT_DRAWIO);
	UT_EQ(map_parse_format("lucid", &f, &err), 0);
	UT_EQ(f, MAP_FMT_LUCID);
	UT_EQ(map_parse_format("png", &f, &err), -FT_EINVAL);
	UT_STREQ(err.msg, "unknown format 'png': expected dot, mermaid, "
	    "lucid, drawio or json");
	UT_EQ(map_parse_group("subnet/20", &o, &err), 0);
	UT_EQ(o.v4_prefix, 20);
	UT_EQ(map_parse_group("subnet/33", &o, &err), -FT_EINVAL);
	UT_STREQ(err.msg, "'subnet/33': expected subnet/V4 or subnet/V4,V6 "
	    "with prefix lengths 1-32 and 1-128");
	UT_EQ(map_parse_group("subnet/24,", &o, &err), -FT_EINVAL);
	UT_EQ(map_parse_group("subnets", &o, &err), -FT_EINVAL);
	UT_EQ(map_parse_group("vlan", &o, &err), -FT_EINVAL);
	UT_STREQ(err.msg, "unknown grouping 'vlan': expected host, "
	    "subnet[/V4[,V6]] or label");
}

/* A hand-made map with names that need escaping in every format. */
static struct map_node nasty_nodes[3] = {
	{ .ip = "10.0.0.1", .name = "a \"b\" \\c, <d> #e|f&g",
	  .name_src = FT_NAME_LABEL, .mac = "02:00:00:00:00:01",
	  .vendor = "Ven,dor", .role = MAP_ROLE_CLIENT, .local = true,
	  .group = 0 },
	{ .ip = "10.0.0.2", .name = "bad\xff" "utf8\nline",
	  .name_src = FT_NAME_SNI, .role = MAP_ROLE_SERVER, .group = 0 },
	{ .ip = "2001:db8::1", .role = MAP_ROLE_SERVER, .group = 1 },
};
static struct map_group nasty_groups[2] = {
	{ .name = "10.0.0.0/24", .boxed = true },
	{ .name = "2001:db8::1", .boxed = false },
};
static struct map_edge nasty_edges[3] = {
	{ .from = 0, .to = 1, .proto = 6, .port = 443, .app = "TLS",
	  .bytes_cs = 1000, .bytes_sc = 2048, .packets = 9, .flows = 2,
	  .first_us = T0, .last_us = T0 + SEC },
	{ .from = 0, .to = 2, .proto = 17, .port = 53, .app = "DNS\"x",
	  .bytes_cs = 10, .bytes_sc = 20, .packets = 2, .flows = 1,
	  .swapped = 1, .first_us = T0, .last_us = T0 },
	{ .from = 0, .to = 1, .proto = 1, .port = 8 << 8, .bytes_cs = 84,
	  .bytes_sc = 84, .packets = 2, .flows = 1, .first_us = T0,
	  .last_us = T0 },
};
static const struct map nasty = { nasty_nodes, 3, nasty_edges, 3,
	nasty_groups, 2, false };

static void
dot_escapes_quotes_and_backslashes_and_boxes_groups(void)
{
	char *got = write_map(&nasty, MAP_FMT_DOT);

	UT_STREQ(got, "digraph flowtrail_map {\n"
	    "\tgraph [rankdir=LR, newrank=true, ranksep=1.5, nodesep=0.3, "
	    "fontsize=10];\n"
	    "\tnode [shape=box, style=\"rounded,filled\", fontsize=10];\n"
	    "\tedge [fontsize=8, color=\"#555555\", fontcolor=\"#333333\"];\n"
	    "\tsubgraph cluster_1 {\n\t\tlabel=\"10.0.0.0/24\";\n"
	    "\t\tstyle=rounded;\n\t\tcolor=\"#999999\";\n"
	    "\t\tn1 [label=\"a \\\"b\\\" \\\\c, <d> #e|f&g\\n10.0.0.1\\n"
	    "Ven,dor\", fillcolor=\"#dae8fc\", color=\"#6c8ebf\"];\n"
	    "\t\tn2 [label=\"bad\xef\xbf\xbdutf8 line\\n10.0.0.2\", "
	    "fillcolor=\"#d5e8d4\", color=\"#82b366\"];\n\t}\n"
	    "\tn3 [label=\"2001:db8::1\", fillcolor=\"#d5e8d4\", "
	    "color=\"#82b366\"];\n"
	    "\tn1 -> n2 [label=\"tcp/443 TLS\\n3.0 KiB, 2 flows\"];\n"
	    "\tn1 -> n3 [label=\"udp/53 DNS\\\"x\\n30 B, 1 flow\"];\n"
	    "\tn1 -> n2 [label=\"icmp/8:0\\n168 B, 1 flow\"];\n}\n");
	free(got);
}

static void
mermaid_escapes_with_entity_codes_and_uses_subgraphs(void)
{
	char *got = write_map(&nasty, MAP_FMT_MERMAID);

	UT_STREQ(got, "flowchart LR\n"
	    "\tsubgraph g1[\"10.0.0.0/24\"]\n"
	    "\t\tn1[\"a #quot;b#quot; \\c, #60;d#62; #35;e#124;f#38;g<br>"
	    "10.0.0.1<br>Ven,dor\"]:::client\n"
	    "\t\tn2[\"bad\xef\xbf\xbdutf8 line<br>10.0.0.2\"]:::server\n"
	    "\tend\n"
	    "\tn3[\"2001:db8::1\"]:::server\n"
	    "\tn1 -->|\"tcp/443 TLS\"| n2\n"
	    "\tn1 -->|\"udp/53 DNS#quot;x\"| n3\n"
	    "\tn1 -->|\"icmp/8:0\"| n2\n"
	    "\tclassDef client fill:#dae8fc,stroke:#6c8ebf\n"
	    "\tclassDef server fill:#d5e8d4,stroke:#82b366\n"
	    "\tclassDef both fill:#fff2cc,stroke:#d6b656\n");
	free(got);
}

static void
lucid_csv_quotes_per_rfc_4180_with_shapes_then_lines(void)
{
	char *got = write_map(&nasty, MAP_FMT_LUCID);

	UT_STREQ(got, "Id,Name,Shape Library,Page ID,Contained By,Group,"
	    "Line Source,Line Destination,Source Arrow,Destination Arrow,"
	    "Text Area 1\n"
	    "1,Page,,,,,,,,,Dependency map\n"
	    "2,Process,Flowchart Shapes,1,,,,,,,\"a \"\"b\"\" \\c, <d> "
	    "#e|f&g\n10.0.0.1\nVen,dor\"\n"
	    "3,Process,Flowchart Shapes,1,,,,,,,\"bad\xef\xbf\xbdutf8 line\n"
	    "10.0.0.2\"\n"
	    "4,Process,Flowchart Shapes,1,,,,,,,2001:db8::1\n"
	    "5,Line,,1,,,2,3,None,Arrow,tcp/443 TLS\n"
	    "6,Line,,1,,,2,4,None,Arrow,\"udp/53 DNS\"\"x\"\n"
	    "7,Line,,1,,,2,3,None,Arrow,icmp/8:0\n");
	free(got);
}

static void
drawio_csv_connects_per_service_and_escapes_html_labels(void)
{
	char *got = write_map(&nasty, MAP_FMT_DRAWIO);
	const char *style = "\"style\":\"curved=1;endArrow=blockThin;"
	    "endFill=1;fontSize=9;\"}\n";
	char want[4096];

	snprintf(want, sizeof(want), "## flowtrail map: in draw.io, Arrange > "
	    "Insert > Advanced > CSV, paste this, Import.\n"
	    "# label: %%name%%<br><i style=\"color:gray;\">%%info%%</i>\n"
	    "# style: rounded=1;whiteSpace=wrap;html=1;fillColor=%%fill%%;"
	    "strokeColor=%%stroke%%;\n"
	    "# namespace: csvimport-\n"
	    "# connect: {\"from\":\"s1\",\"to\":\"id\",\"label\":"
	    "\"icmp/8:0\",%s"
	    "# connect: {\"from\":\"s2\",\"to\":\"id\",\"label\":"
	    "\"tcp/443 TLS\",%s"
	    "# connect: {\"from\":\"s3\",\"to\":\"id\",\"label\":"
	    "\"udp/53 DNS\\\"x\",%s"
	    "# width: auto\n# height: auto\n# padding: 12\n"
	    "# ignore: id,info,fill,stroke,s1,s2,s3\n"
	    "# nodespacing: 40\n# levelspacing: 100\n# edgespacing: 40\n"
	    "# layout: horizontalflow\n"
	    "id,name,ip,mac,vendor,group,role,info,fill,stroke,s1,s2,s3\n"
	    "n1,\"a &quot;b&quot; \\c, &lt;d&gt; #e|f&amp;g\",10.0.0.1,"
	    "02:00:00:00:00:01,\"Ven,dor\",10.0.0.0/24,client,"
	    "\"10.0.0.1, Ven,dor\",#dae8fc,#6c8ebf,n2,n2,n3\n"
	    "n2,bad\xef\xbf\xbdutf8 line,10.0.0.2,,,10.0.0.0/24,server,"
	    "10.0.0.2,#d5e8d4,#82b366,,,\n"
	    "n3,2001:db8::1,2001:db8::1,,,2001:db8::1,server,,#d5e8d4,"
	    "#82b366,,,\n", style, style, style);
	UT_STREQ(got, want);
	free(got);
}

static void
json_has_every_attribute_with_exact_numbers(void)
{
	char *got = write_map(&nasty, MAP_FMT_JSON);

	UT_STREQ(got, "{\"nodes\":[\n"
	    "{\"id\":\"n1\",\"label\":\"a \\\"b\\\" \\\\c, <d> #e|f&g\\n"
	    "10.0.0.1\\nVen,dor\",\"ip\":\"10.0.0.1\",\"name\":\"a \\\"b\\\" "
	    "\\\\c, <d> #e|f&g\",\"name_src\":\"label\",\"mac\":"
	    "\"02:00:00:00:00:01\",\"vendor\":\"Ven,dor\",\"local\":true,"
	    "\"role\":\"client\",\"group\":\"10.0.0.0/24\"},\n"
	    "{\"id\":\"n2\",\"label\":\"bad\xef\xbf\xbdutf8 line\\n10.0.0.2\","
	    "\"ip\":\"10.0.0.2\",\"name\":\"bad\xef\xbf\xbdutf8 line\","
	    "\"name_src\":\"sni\",\"mac\":null,\"vendor\":null,\"local\":false,"
	    "\"role\":\"server\",\"group\":\"10.0.0.0/24\"},\n"
	    "{\"id\":\"n3\",\"label\":\"2001:db8::1\",\"ip\":\"2001:db8::1\","
	    "\"name\":null,\"name_src\":null,\"mac\":null,\"vendor\":null,"
	    "\"local\":false,\"role\":\"server\",\"group\":\"2001:db8::1\"}\n"
	    "],\"edges\":[\n"
	    "{\"from\":\"n1\",\"to\":\"n2\",\"proto\":6,\"port\":443,"
	    "\"app\":\"TLS\",\"service\":\"tcp/443 TLS\",\"bytes_c2s\":1000,"
	    "\"bytes_s2c\":2048,\"bytes\":3048,\"packets\":9,\"flows\":2,"
	    "\"swapped\":0,\"first\":\"2023-11-14T22:13:20.000000Z\","
	    "\"last\":\"2023-11-14T22:13:21.000000Z\"},\n"
	    "{\"from\":\"n1\",\"to\":\"n3\",\"proto\":17,\"port\":53,"
	    "\"app\":\"DNS\\\"x\",\"service\":\"udp/53 DNS\\\"x\","
	    "\"bytes_c2s\":10,\"bytes_s2c\":20,\"bytes\":30,\"packets\":2,"
	    "\"flows\":1,\"swapped\":1,"
	    "\"first\":\"2023-11-14T22:13:20.000000Z\","
	    "\"last\":\"2023-11-14T22:13:20.000000Z\"},\n"
	    "{\"from\":\"n1\",\"to\":\"n2\",\"proto\":1,\"port\":2048,"
	    "\"app\":null,\"service\":\"icmp/8:0\",\"bytes_c2s\":84,"
	    "\"bytes_s2c\":84,\"bytes\":168,\"packets\":2,\"flows\":1,"
	    "\"swapped\":0,\"first\":\"2023-11-14T22:13:20.000000Z\","
	    "\"last\":\"2023-11-14T22:13:20.000000Z\"}\n"
	    "],\"truncated\":false}\n");
	free(got);
}

static void
an_empty_map_is_valid_in_every_format(void)
{
	static const struct map empty = { 0 };
	char *got;

	got = write_map(&empty, MAP_FMT_JSON);
	UT_STREQ(got, "{\"nodes\":[\n],\"edges\":[\n],\"truncated\":false}\n");
	free(got);
	got = write_map(&empty, MAP_FMT_DOT);
	UT_ASSERT(got && strstr(got, "digraph") && got[strlen(got) - 2] == '}');
	free(got);
	got = write_map(&empty, MAP_FMT_DRAWIO);
	UT_ASSERT(got && strstr(got, "\nid,name,ip,mac,vendor,group,role,info,"
	    "fill,stroke\n"));
	free(got);
}

static void
rm_tmpdir(void)
{
	char p[384];
	struct dirent *e;
	DIR *d = opendir(tmpdir);

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(tmpdir);
}

int
main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_map.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 2;
	ft_log_level = FT_LOG_WARN;
	UT_RUN(a_guessed_flow_turns_toward_the_end_that_listened);
	UT_RUN(listening_outranks_more_peers_at_the_other_end);
	UT_RUN(a_guessed_flow_turns_toward_the_end_with_more_peers);
	UT_RUN(the_rule_keeps_service_ports_seen_starts_and_ties);
	UT_RUN(an_edge_counts_distinct_flows_and_sums_their_deltas);
	UT_RUN(an_empty_final_record_is_not_a_flow_of_its_own);
	UT_RUN(a_late_final_record_does_not_end_its_flow_early);
	UT_RUN(a_late_record_across_an_hour_counts_as_its_range_says);
	UT_RUN(a_late_record_in_an_hour_left_to_the_records_reaches_on);
	UT_RUN(two_records_at_the_start_time_are_one_flow);
	UT_RUN(edge_filters_drop_edges_and_their_lonely_nodes);
	UT_RUN(top_edges_zero_keeps_all_up_to_the_ceiling_and_says_so);
	UT_RUN(nodes_take_the_best_name_their_mac_and_vendor);
	UT_RUN(an_edge_names_one_application_or_the_master_they_share);
	UT_RUN(a_range_without_records_makes_an_empty_map);
	UT_RUN(a_filter_selects_the_records_of_the_map);
	UT_RUN(groups_are_subnets_or_best_names);
	UT_RUN(group_and_format_names_parse_and_bad_ones_are_named);
	UT_RUN(dot_escapes_quotes_and_backslashes_and_boxes_groups);
	UT_RUN(mermaid_escapes_with_entity_codes_and_uses_subgraphs);
	UT_RUN(lucid_csv_quotes_per_rfc_4180_with_shapes_then_lines);
	UT_RUN(drawio_csv_connects_per_service_and_escapes_html_labels);
	UT_RUN(json_has_every_attribute_with_exact_numbers);
	UT_RUN(an_empty_map_is_valid_in_every_format);
	rm_tmpdir();
	return UT_DONE();
}
