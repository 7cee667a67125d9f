/* flow_table.c: fixed pool, hash index, LRU expiry, deltas, eviction */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flow_int.h"

#define FLOW_RING_CAP 64		/* final records waiting for harvest */
#define FLOW_MAX_POOL (1u << 30)	/* keeps indices clear of FLOW_NIL */

_Static_assert(sizeof(struct flow_entry) <= 160, "flow entry grew");

/* A doubly linked list of pool indices; both ends FLOW_NIL when empty. */
struct flow_list {
	uint32_t head;		/* oldest */
	uint32_t tail;		/* newest */
};

/*
 * Entries [0, n_used) have been handed out at least once; those of them not
 * live are on the free list, the rest never were touched (their pages stay
 * unmapped until needed). stats.active counts live entries. Class lists are
 * ordered by last packet (loosely when packet time steps back), the report
 * list by rep_s. The ring holds final records not yet harvested, oldest at
 * ring_head.
 */
struct flow_table {
	struct flow_entry *pool;	/* max_flows entries, allocated once */
	uint32_t *bucket;		/* hash chain heads, FLOW_NIL when empty */
	uint32_t mask;			/* number of buckets - 1 */
	uint32_t max_flows;		/* pool size */
	uint32_t n_used;		/* entries ever handed out */
	uint32_t free_head;		/* free list through hnext */
	struct flow_list cls[FLOW_N_CLASS];	/* LRU per timeout class */
	struct flow_list rep;		/* by last report, for the active timeout */
	uint64_t timeout_us[FLOW_N_CLASS];	/* idle timeout per class */
	uint64_t active_us;		/* active timeout */
	uint64_t seed;			/* hash seed, per process */
	uint64_t next_id;		/* last flow_id handed out */
	struct flow_stats st;		/* what flow_table_get_stats reports */
	uint32_t ring_head;		/* oldest record of the ring */
	uint32_t ring_len;		/* records in the ring */
	struct ft_flowrec ring[FLOW_RING_CAP];	/* records of ended flows */
};

static inline uint32_t *
link_prev(struct flow_entry *e, bool rep)
{
	return rep ? &e->rprev : &e->lprev;
}

static inline uint32_t *
link_next(struct flow_entry *e, bool rep)
{
	return rep ? &e->rnext : &e->lnext;
}

static void
list_unlink(struct flow_table *ft, struct flow_list *l, uint32_t i, bool rep)
{
	struct flow_entry *e = &ft->pool[i];
	uint32_t p = *link_prev(e, rep), n = *link_next(e, rep);

	if (p == FLOW_NIL)
		l->head = n;
	else
		*link_next(&ft->pool[p], rep) = n;
	if (n == FLOW_NIL)
		l->tail = p;
	else
		*link_prev(&ft->pool[n], rep) = p;
}

static void
list_append(struct flow_table *ft, struct flow_list *l, uint32_t i, bool rep)
{
	struct flow_entry *e = &ft->pool[i];

	*link_prev(e, rep) = l->tail;
	*link_next(e, rep) = FLOW_NIL;
	if (l->tail == FLOW_NIL)
		l->head = i;
	else
		*link_next(&ft->pool[l->tail], rep) = i;
	l->tail = i;
}

static uint32_t
bucket_of(const struct flow_table *ft, const struct flow_key *k)
{
	return flow_key_hash(k, ft->seed) & ft->mask;
}

static uint32_t
hash_find(const struct flow_table *ft, uint32_t b, const struct flow_key *k)
{
	uint32_t i;

	for (i = ft->bucket[b]; i != FLOW_NIL; i = ft->pool[i].hnext)
		if (flow_key_eq(&ft->pool[i].key, k))
			return i;
	return FLOW_NIL;
}

static void
hash_remove(struct flow_table *ft, uint32_t i)
{
	uint32_t *pp = &ft->bucket[bucket_of(ft, &ft->pool[i].key)];

	while (*pp != i)
		pp = &ft->pool[*pp].hnext;
	*pp = ft->pool[i].hnext;
}

static bool
flow_is_expired(const struct flow_table *ft, const struct flow_entry *e,
    uint64_t now_us)
{
	return now_us >= e->last_us &&
	    now_us - e->last_us >= ft->timeout_us[e->cls];
}

/* Why an expired flow ends: TCP closed, or plain silence. */
static uint8_t
idle_end(const struct flow_entry *e)
{
	return e->cls == FLOW_TCP_CLOSED ? FT_END_TCP : FT_END_IDLE;
}

static unsigned
class_of(const struct flow_entry *e)
{
	uint8_t proto = flow_key_proto(&e->key);
	uint8_t any = e->tcp_flags[0] | e->tcp_flags[1];

	if (proto == FLOW_PROTO_TCP) {
		if ((any & FT_TCP_RST) ||
		    (e->tcp_flags[0] & e->tcp_flags[1] & FT_TCP_FIN))
			return FLOW_TCP_CLOSED;
		return FLOW_TCP;
	}
	return proto == FLOW_PROTO_UDP ? FLOW_UDP : FLOW_OTHER;
}

/* A free entry, or FLOW_NIL when every entry is live. */
static uint32_t
entry_take(struct flow_table *ft)
{
	uint32_t i = ft->free_head;

	if (i != FLOW_NIL) {
		ft->free_head = ft->pool[i].hnext;
		return i;
	}
	if (ft->n_used < ft->max_flows)
		return ft->n_used++;
	return FLOW_NIL;
}

/* Take a live entry out of every index and put it on the free list. */
static void
entry_release(struct flow_table *ft, uint32_t i)
{
	struct flow_entry *e = &ft->pool[i];

	hash_remove(ft, i);
	list_unlink(ft, &ft->cls[e->cls], i, false);
	list_unlink(ft, &ft->rep, i, true);
	e->cls = FLOW_N_CLASS;
	e->hnext = ft->free_head;
	ft->free_head = i;
	ft->st.active--;
}

/* Write the final record of flow i into r and free the entry. */
static void
flow_end(struct flow_table *ft, uint32_t i, struct ft_flowrec *r, uint8_t end)
{
	flow_fill_record(&ft->pool[i], r, end, FT_REC_FINAL);
	entry_release(ft, i);
}

static struct ft_flowrec *
ring_next(struct flow_table *ft)
{
	uint32_t at = (ft->ring_head + ft->ring_len++) % FLOW_RING_CAP;

	return &ft->ring[at];
}

static size_t
ring_drain(struct flow_table *ft, struct ft_flowrec *out, size_t cap)
{
	size_t n = 0;

	while (n < cap && ft->ring_len) {
		out[n++] = ft->ring[ft->ring_head];
		ft->ring_head = (ft->ring_head + 1) % FLOW_RING_CAP;
		ft->ring_len--;
	}
	return n;
}

/*
 * The class-list head with the oldest last packet; with only_expired, the
 * oldest among heads idle past their timeout at now_us. FLOW_NIL if none.
 */
static uint32_t
oldest_head(const struct flow_table *ft, uint64_t now_us, bool only_expired)
{
	uint32_t best = FLOW_NIL, h;
	const struct flow_entry *e;
	unsigned c;

	for (c = 0; c < FLOW_N_CLASS; c++) {
		h = ft->cls[c].head;
		if (h == FLOW_NIL)
			continue;
		e = &ft->pool[h];
		if (only_expired && !flow_is_expired(ft, e, now_us))
			continue;
		if (best == FLOW_NIL || e->last_us < ft->pool[best].last_us)
			best = h;
	}
	return best;
}

/*
 * The pool is full: end one flow into the ring (the caller checked it has
 * room). A flow already idle past its timeout goes first, as it would at
 * the next harvest; otherwise the least recently seen one is evicted.
 */
static void
make_room(struct flow_table *ft, uint64_t now_us)
{
	uint32_t i = oldest_head(ft, now_us, true);
	uint8_t end;

	if (i != FLOW_NIL) {
		end = idle_end(&ft->pool[i]);
	} else {
		i = oldest_head(ft, 0, false);
		end = FT_END_EVICT;
		ft->st.evicted++;
	}
	flow_end(ft, i, ring_next(ft), end);
}

/* Fresh state for a flow whose first packet is p; lists are the caller's. */
static void
flow_start(struct flow_table *ft, struct flow_entry *e, const struct ft_pkt *p,
    const struct flow_pkt_side *ps)
{
	bool guessed;
	unsigned c = flow_client_side(p, ps, &guessed);

	e->flow_id = ++ft->next_id;
	e->start_us = e->first_us = e->last_us = p->ts_us;
	memset(e->bytes, 0, sizeof(e->bytes));
	memset(e->pkts, 0, sizeof(e->pkts));
	memset(e->mac, 0, sizeof(e->mac));
	memset(e->tcp_flags, 0, sizeof(e->tcp_flags));
	e->bits = (uint8_t)((c ? FLOW_B_CLI1 : 0) |
	    (guessed ? FLOW_B_GUESSED : 0) |
	    flow_tun_code(p->tunnel) << FLOW_B_TUN_SHIFT);
	e->rep_s = (uint32_t)(p->ts_us / US_PER_S);
	memset(&e->l7, 0, sizeof(e->l7));
	ft->st.created++;
}

static int
flow_create(struct flow_table *ft, uint32_t b, const struct flow_key *k,
    const struct ft_pkt *p, const struct flow_pkt_side *ps, uint32_t *out)
{
	uint32_t i = entry_take(ft);
	struct flow_entry *e;

	if (i == FLOW_NIL) {
		if (ft->ring_len == FLOW_RING_CAP)
			return -FT_EAGAIN;
		make_room(ft, p->ts_us);
		i = entry_take(ft);
	}
	e = &ft->pool[i];
	e->key = *k;
	e->hnext = ft->bucket[b];
	ft->bucket[b] = i;
	e->cls = FLOW_N_CLASS;
	flow_start(ft, e, p, ps);
	list_append(ft, &ft->rep, i, true);
	ft->st.active++;
	*out = i;
	return 0;
}

/*
 * Whether p cannot join live flow e: e has been silent past its timeout,
 * or a new TCP connection (SYN) reuses the ports of a closed one.
 */
static bool
flow_must_restart(const struct flow_table *ft, const struct flow_entry *e,
    const struct ft_pkt *p)
{
	if (flow_is_expired(ft, e, p->ts_us))
		return true;
	return e->cls == FLOW_TCP_CLOSED &&
	    (p->tcp_flags & (FT_TCP_SYN | FT_TCP_ACK)) == FT_TCP_SYN;
}

/* End flow i into the ring and start a new flow in the same entry. */
static int
flow_restart(struct flow_table *ft, uint32_t i, const struct ft_pkt *p,
    const struct flow_pkt_side *ps)
{
	struct flow_entry *e = &ft->pool[i];

	if (ft->ring_len == FLOW_RING_CAP)
		return -FT_EAGAIN;
	flow_fill_record(e, ring_next(ft), idle_end(e), FT_REC_FINAL);
	list_unlink(ft, &ft->cls[e->cls], i, false);
	list_unlink(ft, &ft->rep, i, true);
	e->cls = FLOW_N_CLASS;
	flow_start(ft, e, p, ps);
	list_append(ft, &ft->rep, i, true);
	return 0;
}

static bool
mac_is_zero(const uint8_t *m)
{
	return !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

/* Count p in flow i (direction dir) and keep its class list in LRU order. */
static void
flow_account(struct flow_table *ft, uint32_t i, const struct ft_pkt *p,
    unsigned dir)
{
	struct flow_entry *e = &ft->pool[i];
	unsigned cls;

	if (!(e->pkts[0] | e->pkts[1]) || p->ts_us < e->first_us)
		e->first_us = p->ts_us;
	if (p->ts_us < e->start_us && !(e->bits & FLOW_B_EMITTED))
		e->start_us = p->ts_us;
	if (p->ts_us > e->last_us)
		e->last_us = p->ts_us;
	e->bytes[dir] += p->wire_len;
	e->pkts[dir]++;
	e->tcp_flags[dir] |= p->tcp_flags;
	memcpy(e->mac[dir], p->src_mac, 6);
	if (mac_is_zero(e->mac[!dir]))
		memcpy(e->mac[!dir], p->dst_mac, 6);
	cls = class_of(e);
	if (cls == e->cls && ft->cls[cls].tail == i)
		return;
	if (e->cls != FLOW_N_CLASS)
		list_unlink(ft, &ft->cls[e->cls], i, false);
	e->cls = (uint8_t)cls;
	list_append(ft, &ft->cls[cls], i, false);
}

int
flow_table_update(struct flow_table *ft, const struct ft_pkt *pkt,
    struct flow_hit *hit)
{
	struct flow_pkt_side ps;
	struct flow_key k;
	uint32_t b, i;
	int rc = 0;

	if (pkt->ip_ver != 4 && pkt->ip_ver != 6)
		return -FT_EINVAL;
	flow_key_make(pkt, &k, &ps);
	b = bucket_of(ft, &k);
	i = hash_find(ft, b, &k);
	hit->is_new = true;
	if (i == FLOW_NIL)
		rc = flow_create(ft, b, &k, pkt, &ps, &i);
	else if (flow_must_restart(ft, &ft->pool[i], pkt))
		rc = flow_restart(ft, i, pkt, &ps);
	else
		hit->is_new = false;
	if (rc)
		return rc;
	hit->dir = ps.side ^ (ft->pool[i].bits & FLOW_B_CLI1);
	hit->l7 = &ft->pool[i].l7;
	flow_account(ft, i, pkt, hit->dir);
	return 0;
}

static size_t
harvest_idle(struct flow_table *ft, uint64_t now_us, struct ft_flowrec *out,
    size_t cap)
{
	size_t n = 0;
	uint32_t i;

	while (n < cap && (i = oldest_head(ft, now_us, true)) != FLOW_NIL)
		flow_end(ft, i, &out[n++], idle_end(&ft->pool[i]));
	return n;
}

/*
 * Deltas at the tick: every flow not reported since the last multiple of
 * the active timeout at or before now_us (the tick) reports what it counted,
 * which is all from before the tick (docs/internals/flow.md); quiet ones
 * only move on. Records so never straddle a tick, nor a minute.
 */
static size_t
harvest_active(struct flow_table *ft, uint64_t now_us,
    struct ft_flowrec *out, size_t cap)
{
	uint64_t tick_us = now_us - now_us % ft->active_us;
	uint32_t tick_s = (uint32_t)(tick_us / US_PER_S);
	struct flow_entry *e;
	size_t n = 0;
	uint32_t i;

	while (n < cap && (i = ft->rep.head) != FLOW_NIL) {
		e = &ft->pool[i];
		if (e->rep_s >= tick_s)
			break;
		if (e->pkts[0] | e->pkts[1]) {
			flow_fill_record(e, &out[n++], FT_END_ACTIVE, 0);
			memset(e->bytes, 0, sizeof(e->bytes));
			memset(e->pkts, 0, sizeof(e->pkts));
			e->bits |= FLOW_B_REPORTED | FLOW_B_EMITTED;
		} else {
			e->bits &= (uint8_t)~FLOW_B_REPORTED;
		}
		e->rep_s = tick_s;
		list_unlink(ft, &ft->rep, i, true);
		list_append(ft, &ft->rep, i, true);
	}
	return n;
}

size_t
flow_table_harvest(struct flow_table *ft, uint64_t now_us,
    struct ft_flowrec *out, size_t cap)
{
	size_t n;

	if (!cap)
		return 0;
	n = ring_drain(ft, out, cap);
	n += harvest_idle(ft, now_us, out + n, cap - n);
	n += harvest_active(ft, now_us, out + n, cap - n);
	ft->st.records += n;
	return n;
}

size_t
flow_table_flush(struct flow_table *ft, struct ft_flowrec *out, size_t cap)
{
	size_t n;
	uint32_t i;

	if (!cap)
		return 0;
	n = ring_drain(ft, out, cap);
	while (n < cap && (i = oldest_head(ft, 0, false)) != FLOW_NIL)
		flow_end(ft, i, &out[n++], FT_END_FLUSH);
	ft->st.records += n;
	return n;
}

void
flow_table_get_stats(const struct flow_table *ft, struct flow_stats *st)
{
	*st = ft->st;
	st->max_flows = ft->max_flows;
}

static void
table_init(struct flow_table *ft, const struct flow_opts *o)
{
	unsigned c;

	ft->max_flows = o->max_flows;
	ft->free_head = FLOW_NIL;
	ft->rep.head = ft->rep.tail = FLOW_NIL;
	for (c = 0; c < FLOW_N_CLASS; c++)
		ft->cls[c].head = ft->cls[c].tail = FLOW_NIL;
	ft->timeout_us[FLOW_TCP] = o->tcp_timeout_s * US_PER_S;
	ft->timeout_us[FLOW_TCP_CLOSED] = o->tcp_closed_timeout_s * US_PER_S;
	ft->timeout_us[FLOW_UDP] = o->udp_timeout_s * US_PER_S;
	ft->timeout_us[FLOW_OTHER] = o->other_timeout_s * US_PER_S;
	ft->active_us = o->active_timeout_s * US_PER_S;
	/* Only lookup speed depends on the seed, never the output. */
	ft->seed = (uint64_t)time(NULL) * UINT64_C(0x9e3779b97f4a7c15) ^
	    (uint64_t)(uintptr_t)ft;
}

int
flow_table_new(const struct flow_opts *o, struct flow_table **out,
    struct ft_err *err)
{
	struct flow_table *ft;
	uint32_t nb = 16;

	if (!o || o->max_flows < 1 || o->max_flows > FLOW_MAX_POOL)
		return ft_err_set(err, FT_EINVAL,
		    "flow table: max-flows must be 1..%u", FLOW_MAX_POOL);
	if (o->active_timeout_s < 1 || 60 % o->active_timeout_s)
		return ft_err_set(err, FT_EINVAL,
		    "flow.active-timeout must divide a minute (1, 2, 3, 4, 5, "
		    "6, 10, 12, 15, 20, 30 or 60 s), got %u",
		    o->active_timeout_s);
	ft = calloc(1, sizeof(*ft));
	if (!ft)
		goto out_nomem;
	while (nb < o->max_flows)
		nb <<= 1;
	ft->pool = calloc(o->max_flows, sizeof(*ft->pool));
	if (!ft->pool)
		goto out_free;
	ft->bucket = malloc((size_t)nb * sizeof(*ft->bucket));
	if (!ft->bucket)
		goto out_free_pool;
	memset(ft->bucket, 0xff, (size_t)nb * sizeof(*ft->bucket));
	ft->mask = nb - 1;
	table_init(ft, o);
	*out = ft;
	return 0;
out_free_pool:
	free(ft->pool);
out_free:
	free(ft);
out_nomem:
	return ft_err_set(err, FT_ENOMEM, "flow table: cannot allocate %u flows",
	    o->max_flows);
}

void
flow_table_free(struct flow_table *ft)
{
	if (!ft)
		return;
	free(ft->bucket);
	free(ft->pool);
	free(ft);
}
