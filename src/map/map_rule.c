/* map_rule.c: the map's server-side rule */
/*
 * Listening and fan-in of the candidates' ends, from the range's edges and
 * candidates; then each candidate turned around or kept.
 */
#include <stdlib.h>
#include <string.h>

#include "../base/agg.h"
#include "map_int.h"

/* An end's key: protocol, port (2, big-endian), address. */
#define MR_END_KEY (3 + MAP_ADDR)

/* A peer of an end (fan-in): the end's index (4 bytes), the address. */
#define MR_PAIR_KEY (4 + MAP_ADDR)

#define MR_MAX (UINT32_MAX / 2)	/* ends, and pairs */

/* What the rule learns of an end. */
struct mr_end {
	uint64_t fan;		/* distinct peers */
	bool lis;		/* the server end of a flow whose start was
				 * seen */
};

struct mr {
	struct agg ends;	/* MR_END_KEY -> struct mr_end */
	struct agg pairs;	/* MR_PAIR_KEY, no value */
};

static void
mr_key(uint8_t *k, uint8_t proto, uint16_t port, const uint8_t *addr)
{
	k[0] = proto;
	k[1] = (uint8_t)(port >> 8);
	k[2] = (uint8_t)port;
	memcpy(k + 3, addr, MAP_ADDR);
}

/* The ends in question: both ends of every candidate. */
static int
mr_ends(struct mr *m, const struct map_flow *c, size_t n)
{
	uint8_t key[MR_END_KEY];
	int64_t i = 0;
	size_t k;

	for (k = 0; k < n && i >= 0; k++) {
		mr_key(key, c[k].proto, c[k].sport, c[k].srv);
		i = agg_get(&m->ends, key);
		mr_key(key, c[k].proto, c[k].cport, c[k].cli);
		if (i >= 0)
			i = agg_get(&m->ends, key);
	}
	return i < 0 ? (int)i : 0;
}

/*
 * A flow's end at addr[k] (0 server, 1 client), port: when it is a
 * candidate's end, addr[!k] is a peer; it listens when a flow whose
 * start was seen made it the server end.
 */
static int
mr_end_seen(struct mr *m, uint8_t proto, uint16_t port,
    const uint8_t *const *addr, int k, bool listens)
{
	uint8_t key[MR_END_KEY], pair[MR_PAIR_KEY];
	struct mr_end *e;
	int64_t i, p;
	size_t n;
	uint32_t u;

	mr_key(key, proto, port, addr[k]);
	if ((i = agg_find(&m->ends, key)) < 0)
		return 0;
	e = agg_val(&m->ends, (size_t)i);
	e->lis |= listens;
	u = (uint32_t)i;
	memcpy(pair, &u, sizeof(u));
	memcpy(pair + 4, addr[!k], MAP_ADDR);
	n = m->pairs.n;
	if ((p = agg_get(&m->pairs, pair)) < 0)
		return (int)p;
	e->fan += m->pairs.n > n;
	return 0;
}

/*
 * Every flow of the range is in an edge (none a candidate) or is a
 * candidate: their server ends, and the candidates' client ends.
 */
static int
mr_pass(struct mr *m, const struct ms *ms)
{
	const uint8_t *addr[2];
	const struct map_flow *c;
	const struct ms_edge *e;
	const uint8_t *key;
	size_t i;
	int rc = 0;

	for (i = 0; i < ms->edges.n && !rc; i++) {
		key = agg_key(&ms->edges, i);
		e = agg_val(&ms->edges, i);
		addr[0] = key + MS_EDGE_S;
		addr[1] = key + MS_EDGE_C;
		rc = mr_end_seen(m, key[0], (uint16_t)(key[1] << 8 | key[2]),
		    addr, 0, e->seen > 0);
	}
	for (i = 0; i < ms->n_cands && !rc; i++) {
		c = &ms->cands[i];
		addr[0] = c->srv;
		addr[1] = c->cli;
		rc = mr_end_seen(m, c->proto, c->sport, addr, 0, !c->guessed);
		if (!rc)
			rc = mr_end_seen(m, c->proto, c->cport, addr, 1, false);
	}
	return rc;
}

/* The end of key's learnt facts (every candidate's end is kept). */
static const struct mr_end *
mr_end(const struct mr *m, uint8_t proto, uint16_t port, const uint8_t *a)
{
	uint8_t key[MR_END_KEY];

	mr_key(key, proto, port, a);
	return agg_val(&m->ends, (size_t)agg_find(&m->ends, key));
}

int
map_rule(const struct ms *ms, bool *sw, struct ft_err *err)
{
	const struct map_flow *c = ms->cands;
	size_t n = ms->n_cands;
	const struct mr_end *es, *ec;
	struct mr m;
	size_t k;
	int rc;

	agg_init(&m.ends, MR_END_KEY, sizeof(struct mr_end), MR_MAX);
	agg_init(&m.pairs, MR_PAIR_KEY, 0, MR_MAX);
	rc = mr_ends(&m, c, n);
	if (!rc)
		rc = mr_pass(&m, ms);
	if (rc)
		rc = ft_err_set(err, -rc, "map: %s", ft_strerror(-rc));
	for (k = 0; k < n && !rc; k++) {
		es = mr_end(&m, c[k].proto, c[k].sport, c[k].srv);
		ec = mr_end(&m, c[k].proto, c[k].cport, c[k].cli);
		sw[k] = !es->lis && (ec->lis || ec->fan > es->fan);
	}
	agg_fini(&m.pairs);
	agg_fini(&m.ends);
	return rc;
}
