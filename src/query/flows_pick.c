/* flows_pick.c: which merged flows can place in a listing */
/*
 * Its sort keys compared in C, a heap of the limit and the ties at its cut.
 */
#include <stdlib.h>
#include <string.h>

#include "flows_int.h"

static int64_t
key_value(const struct flows_flow *f, enum flows_key key)
{
	switch (key) {
	case KEY_FIRST:
		return f->first_us;
	case KEY_LAST:
		return f->last_us;
	case KEY_DURATION:
		return f->last_us - f->first_us;
	case KEY_BYTES_CS:
		return f->bytes_cs;
	case KEY_BYTES_SC:
		return f->bytes_sc;
	case KEY_PACKETS_CS:
		return f->packets_cs;
	case KEY_PACKETS_SC:
		return f->packets_sc;
	case KEY_RECORDS:
		return f->records;
	case KEY_BYTES:
		return f->bytes_cs + f->bytes_sc;
	case KEY_PACKETS:
		return f->packets_cs + f->packets_sc;
	case KEY_PROTO:
		return f->proto;
	case KEY_CLIENT_PORT:
		return f->client_port;
	case KEY_SERVER_PORT:
		return f->server_port;
	case KEY_APP:
		return f->app_rank;
	case KEY_ASN:
		return f->asn;
	case KEY_END_REASON:
		return f->end_reason;
	case KEY_TCP_FLAGS_CS:
		return f->tcp_flags_cs;
	case KEY_TCP_FLAGS_SC:
		return f->tcp_flags_sc;
	default:
		return 0;
	}
}

/* Whether key's value of f is NULL (it sorts last either way). */
static bool
key_null(const struct flows_flow *f, enum flows_key key)
{
	switch (key) {
	case KEY_APP:
		return f->app_rank < 0;
	case KEY_ASN:
		return f->asn < 0;
	case KEY_TCP_FLAGS_CS:
	case KEY_TCP_FLAGS_SC:
		return f->proto != 6;
	default:
		return false;
	}
}

/* Addresses as the listing sorts them: length, then bytes. */
static int
address_cmp(const uint8_t *a, const uint8_t *b)
{
	int c;

	if (a[0] != b[0])
		return a[0] < b[0] ? -1 : 1;
	c = memcmp(a + 1, b + 1, a[0]);
	return c < 0 ? -1 : c > 0;
}

/* Key's values of a and b: below 0, 0 or above as a's is smaller. */
static int
key_cmp(const struct flows_flow *a, const struct flows_flow *b,
    enum flows_key key)
{
	int64_t x, y;

	if (key == KEY_CLIENT)
		return address_cmp(a->client, b->client);
	if (key == KEY_SERVER)
		return address_cmp(a->server, b->server);
	x = key_value(a, key);
	y = key_value(b, key);
	return x < y ? -1 : x > y;
}

/*
 * Above 0 when a lists before b, below when after, 0 when the keys cannot
 * tell (never, when they are total: newest first, then the latest record).
 * NULLs list last whichever the direction, as the SQL's NULLS LAST.
 */
static int
list_cmp(const struct flows_sort *k, const struct flows_flow *a,
    const struct flows_flow *b)
{
	bool na, nb;
	size_t i;
	int c;

	for (i = 0; i < k->n; i++) {
		na = key_null(a, k->key[i]);
		nb = key_null(b, k->key[i]);
		if (na != nb)
			return na ? -1 : 1;
		if (na)
			continue;
		c = key_cmp(a, b, k->key[i]);
		if (c)
			return (c > 0) == k->desc[i] ? 1 : -1;
	}
	if (!k->total)
		return 0;
	if (a->first_us != b->first_us)
		return a->first_us > b->first_us ? 1 : -1;
	return a->id > b->id ? 1 : a->id < b->id ? -1 : 0;
}

/* Room for one more flow in *a of *cap. */
static int
array_room(struct flows_flow **a, size_t n, size_t *cap)
{
	size_t c = *cap ? 2 * *cap : 128;
	struct flows_flow *p;

	if (n < *cap)
		return 0;
	p = realloc(*a, c * sizeof(*p));
	if (!p)
		return -FT_ENOMEM;
	*a = p;
	*cap = c;
	return 0;
}

static void
flow_swap(struct flows_flow *a, struct flows_flow *b)
{
	struct flows_flow t = *a;

	*a = *b;
	*b = t;
}

/* Restore the heap below index i: the flow listing last on top. */
static void
heap_sift_down(const struct flows_sort *k, struct flows_set *s, size_t i)
{
	size_t l, m;

	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < s->n_heap && list_cmp(k, &s->heap[l], &s->heap[m]) < 0)
			m = l;
		if (l + 1 < s->n_heap && list_cmp(k, &s->heap[l + 1],
		    &s->heap[m]) < 0)
			m = l + 1;
		if (m == i)
			return;
		flow_swap(&s->heap[i], &s->heap[m]);
		i = m;
	}
}

/*
 * Ties past this make the scan give up (-FT_EFULL): the listing falls back
 * to SQL, which sorts on disk (a first key most flows share, and a later
 * one only SQL compares: --sort +records,server_name).
 */
#ifndef FLOWS_TIES_MAX
#define FLOWS_TIES_MAX (1u << 20)
#endif

static int
tie_add(struct flows_set *s, const struct flows_flow *f)
{
	if (s->n_ties >= FLOWS_TIES_MAX)
		return -FT_EFULL;
	if (array_room(&s->ties, s->n_ties, &s->cap_ties))
		return -FT_ENOMEM;
	s->ties[s->n_ties++] = *f;
	return 0;
}

/* A merged flow: into the heap, among the ties, or gone. */
int
flows_offer(struct flows_set *s, const struct flows_sort *k,
    const struct flows_flow *f)
{
	struct flows_flow out;
	size_t i;
	int c;

	if (s->n_heap < s->limit) {
		if (array_room(&s->heap, s->n_heap, &s->cap_heap))
			return -FT_ENOMEM;
		i = s->n_heap++;
		s->heap[i] = *f;
		for (; i && list_cmp(k, &s->heap[(i - 1) / 2], &s->heap[i]) > 0;
		    i = (i - 1) / 2)
			flow_swap(&s->heap[i], &s->heap[(i - 1) / 2]);
		return 0;
	}
	c = list_cmp(k, f, &s->heap[0]);
	if (c < 0)
		return 0;
	if (c == 0)
		return tie_add(s, f);
	out = s->heap[0];
	s->heap[0] = *f;
	heap_sift_down(k, s, 0);
	if (!list_cmp(k, &out, &s->heap[0]))
		return tie_add(s, &out);
	s->n_ties = 0;		/* they tied a flow that is gone */
	return 0;
}

void
flows_set_fini(struct flows_set *s)
{
	free(s->heap);
	free(s->ties);
	memset(s, 0, sizeof(*s));
}
