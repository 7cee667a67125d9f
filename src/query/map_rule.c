/* map_rule.c: the map's server-side rule: listening and fan-in of the candidates' ends over the range, then each candidate turned around or kept. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "map_int.h"
#include "query_int.h"

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

/* Columns of the rule's pass. */
enum { MR_PROTO, MR_CLI, MR_CPORT, MR_SRV, MR_SPORT, MR_FLAGS };

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
 * One record: for each of its ends that is a candidate's, the other end
 * is a peer; a seen start makes the server end listen.
 */
static int
mr_row(struct mr *m, sqlite3_stmt *s)
{
	uint8_t key[MR_END_KEY], pair[MR_PAIR_KEY], addr[2][MAP_ADDR];
	uint8_t proto = (uint8_t)sqlite3_column_int(s, MR_PROTO);
	bool seen = !(sqlite3_column_int64(s, MR_FLAGS) & FT_REC_GUESSED);
	struct mr_end *e;
	int64_t i, p;
	size_t n;
	uint32_t u;
	int k;

	query_col_addr(s, MR_SRV, addr[0]);
	query_col_addr(s, MR_CLI, addr[1]);
	for (k = 0; k < 2; k++) {
		mr_key(key, proto, (uint16_t)sqlite3_column_int(s,
		    k ? MR_CPORT : MR_SPORT), addr[k]);
		if ((i = agg_find(&m->ends, key)) < 0)
			continue;
		e = agg_val(&m->ends, (size_t)i);
		e->lis |= !k && seen;
		u = (uint32_t)i;
		memcpy(pair, &u, sizeof(u));
		memcpy(pair + 4, addr[!k], MAP_ADDR);
		n = m->pairs.n;
		if ((p = agg_get(&m->pairs, pair)) < 0)
			return (int)p;
		e->fan += m->pairs.n > n;
	}
	return 0;
}

static int
mr_pass(struct mr *m, struct store *st, const struct map_opts *o,
    struct ft_err *err)
{
	sqlite3_stmt *s;
	int rc;

	rc = query_scan_prepare(st, &o->range, "SELECT f.proto, f.cli, "
	    "f.cport, f.srv, f.sport, f.flags", &s, err);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((rc = mr_row(m, s)))
			break;
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc < 0)
		return ft_err_set(err, -rc, "map: %s", ft_strerror(-rc));
	return ft_err_set(err, rc == SQLITE_BUSY ? FT_EAGAIN : FT_EDB,
	    "store %s: map: cannot read flows: %s", store_path(st),
	    sqlite3_errmsg(store_db(st)));
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
map_rule(struct store *st, const struct map_opts *o,
    const struct map_flow *c, size_t n, bool *sw, struct ft_err *err)
{
	const struct mr_end *es, *ec;
	struct mr m;
	size_t k;
	int rc;

	agg_init(&m.ends, MR_END_KEY, sizeof(struct mr_end), MR_MAX);
	agg_init(&m.pairs, MR_PAIR_KEY, 0, MR_MAX);
	rc = mr_ends(&m, c, n);
	if (rc)
		rc = ft_err_set(err, -rc, "map: %s", ft_strerror(-rc));
	if (!rc)
		rc = mr_pass(&m, st, o, err);
	for (k = 0; k < n && !rc; k++) {
		es = mr_end(&m, c[k].proto, c[k].sport, c[k].srv);
		ec = mr_end(&m, c[k].proto, c[k].cport, c[k].cli);
		sw[k] = !es->lis && (ec->lis || ec->fan > es->fan);
	}
	agg_fini(&m.pairs);
	agg_fini(&m.ends);
	return rc;
}
