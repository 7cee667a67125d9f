/* map_rule.c: the map's server-side rule */
/*
 * Listening and fan-in of the candidates' ends, from the range's edges and
 * candidates; then each candidate turned around or kept.
 */
#include <stdlib.h>
#include <string.h>

#include "../base/ft_groups.h"
#include "map_int.h"

/* An end's key: protocol, port (2, big-endian), address. */
#define RULE_END_KEY (3 + MAP_ADDR)

/* A peer of an end (fan-in): the end's index (4 bytes), the address. */
#define RULE_PEER_KEY (4 + MAP_ADDR)

#define RULE_MAX (UINT32_MAX / 2)	/* ends, and peers */

/* What the rule learns of an end. */
struct rule_end {
	uint64_t fan_in;	/* distinct peers */
	bool listens;		/* the server end of a flow whose start was
				 * seen */
};

/* What the rule learns of the range: its ends and their peers. */
struct rule_state {
	struct ft_groups ends;	/* RULE_END_KEY -> struct rule_end */
	struct ft_groups peers;	/* RULE_PEER_KEY, no value */
};

static void
rule_end_key(uint8_t *k, uint8_t proto, uint16_t port, const uint8_t *addr)
{
	k[0] = proto;
	k[1] = (uint8_t)(port >> 8);
	k[2] = (uint8_t)port;
	memcpy(k + 3, addr, MAP_ADDR);
}

/* The ends in question: both ends of every candidate. */
static int
rule_add_ends(struct rule_state *rule, const struct map_flow *flows, size_t n)
{
	const struct map_flow *f;
	uint8_t key[RULE_END_KEY];
	int64_t i = 0;
	size_t k;

	for (k = 0; k < n && i >= 0; k++) {
		f = &flows[k];
		rule_end_key(key, f->proto, f->srv_port, f->srv);
		i = ft_groups_get(&rule->ends, key);
		rule_end_key(key, f->proto, f->cli_port, f->cli);
		if (i >= 0)
			i = ft_groups_get(&rule->ends, key);
	}
	return i < 0 ? (int)i : 0;
}

/*
 * A flow's end at addr[k] (0 server, 1 client), port: when it is a
 * candidate's end, addr[!k] is a peer; it listens when a flow whose
 * start was seen made it the server end.
 */
static int
rule_end_seen(struct rule_state *rule, uint8_t proto, uint16_t port,
    const uint8_t *const *addr, int k, bool listens)
{
	uint8_t key[RULE_END_KEY], peer[RULE_PEER_KEY];
	struct rule_end *e;
	int64_t i, p;
	size_t n;
	uint32_t u;

	rule_end_key(key, proto, port, addr[k]);
	if ((i = ft_groups_find(&rule->ends, key)) < 0)
		return 0;
	e = ft_groups_val(&rule->ends, (size_t)i);
	e->listens |= listens;
	u = (uint32_t)i;
	memcpy(peer, &u, sizeof(u));
	memcpy(peer + 4, addr[!k], MAP_ADDR);
	n = rule->peers.n;
	if ((p = ft_groups_get(&rule->peers, peer)) < 0)
		return (int)p;
	e->fan_in += rule->peers.n > n;
	return 0;
}

/*
 * Every flow of the range is in an edge (none a candidate) or is a
 * candidate: their server ends, and the candidates' client ends.
 */
static int
rule_learn(struct rule_state *rule, const struct map_sums *sums)
{
	const uint8_t *addr[2];
	const struct map_flow *c;
	const struct map_edge_sums *e;
	const uint8_t *key;
	size_t i;
	int rc = 0;

	for (i = 0; i < sums->edges.n && !rc; i++) {
		key = ft_groups_key(&sums->edges, i);
		e = ft_groups_val(&sums->edges, i);
		addr[0] = key + MAP_EDGE_SRV;
		addr[1] = key + MAP_EDGE_CLI;
		rc = rule_end_seen(rule, key[0],
		    (uint16_t)(key[1] << 8 | key[2]), addr, 0, e->seen > 0);
	}
	for (i = 0; i < sums->n_candidates && !rc; i++) {
		c = &sums->candidates[i];
		addr[0] = c->srv;
		addr[1] = c->cli;
		rc = rule_end_seen(rule, c->proto, c->srv_port, addr, 0,
		    !c->guessed);
		if (!rc)
			rc = rule_end_seen(rule, c->proto, c->cli_port, addr, 1,
			    false);
	}
	return rc;
}

/* What was learnt of f's server (or client) end; every candidate's is kept. */
static const struct rule_end *
rule_end_find(const struct rule_state *rule, const struct map_flow *f,
    bool server)
{
	uint8_t key[RULE_END_KEY];

	if (server)
		rule_end_key(key, f->proto, f->srv_port, f->srv);
	else
		rule_end_key(key, f->proto, f->cli_port, f->cli);
	return ft_groups_val(&rule->ends, (size_t)ft_groups_find(&rule->ends, key));
}

int
map_rule(const struct map_sums *sums, bool *turn, struct ft_err *err)
{
	const struct map_flow *flows = sums->candidates;
	size_t n = sums->n_candidates;
	const struct rule_end *server, *client;
	struct rule_state rule;
	size_t k;
	int rc;

	ft_groups_init(&rule.ends, RULE_END_KEY, sizeof(struct rule_end),
	    RULE_MAX);
	ft_groups_init(&rule.peers, RULE_PEER_KEY, 0, RULE_MAX);
	rc = rule_add_ends(&rule, flows, n);
	if (!rc)
		rc = rule_learn(&rule, sums);
	if (rc)
		rc = ft_err_set(err, -rc, "map: %s", ft_strerror(-rc));
	for (k = 0; k < n && !rc; k++) {
		server = rule_end_find(&rule, &flows[k], true);
		client = rule_end_find(&rule, &flows[k], false);
		turn[k] = !server->listens &&
		    (client->listens || client->fan_in > server->fan_in);
	}
	ft_groups_fini(&rule.peers);
	ft_groups_fini(&rule.ends);
	return rc;
}
