/* store_conv_sum.c: an hour's flows summed into conversations */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "../base/ft_port.h"
#include "store_conv_int.h"

int
conv_push(int64_t **v, size_t *n, size_t *cap, int64_t x)
{
	int64_t *p;
	size_t i;

	/* records of two or three hours interleave: look a little back */
	for (i = *n; i > 0 && i + 4 > *n; i--)
		if ((*v)[i - 1] == x)
			return 0;
	if (*n == *cap) {
		p = realloc(*v, (*cap ? 2 * *cap : 16) * sizeof(*p));
		if (!p)
			return -FT_ENOMEM;
		*v = p;
		*cap = *cap ? 2 * *cap : 16;
	}
	(*v)[(*n)++] = x;
	return 0;
}

/* Whether hour h passed a ceiling while summed live. */
bool
conv_was_over(const struct store_conv *c, int64_t h)
{
	size_t i;

	for (i = 0; i < c->n_over; i++)
		if (c->over[i] == h)
			return true;
	return false;
}

void
conv_apps_clear(struct store_conv *c)
{
	size_t i;

	for (i = 0; i < c->n_apps; i++) {
		free(c->apps[i]);
		c->apps[i] = NULL;
	}
}

void
conv_forget_over(struct store_conv *c, int64_t h)
{
	size_t i;

	for (i = 0; i < c->n_over; i++)
		if (c->over[i] == h)
			c->over[i--] = c->over[--c->n_over];
}

/*
 * The name of application id, "" for none (the writer's cache); NULL when
 * it cannot be had (no memory, an id not in apps).
 */
static const char *
conv_app_name(struct store *st, int64_t id)
{
	struct store_conv *c = &st->conv;
	sqlite3_stmt *s;
	char **n;
	size_t cap;
	int64_t k;

	if (id < 0)
		return "";
	if ((size_t)id < c->n_apps && c->apps[id])
		return c->apps[id];
	/* an id this writer has not seen: read the table again */
	if (sqlite3_prepare_v2(st->db, "SELECT id, name FROM apps", -1, &s,
	    NULL) != SQLITE_OK)
		return "";
	while (sqlite3_step(s) == SQLITE_ROW) {
		k = sqlite3_column_int64(s, 0);
		if (k < 0 || k > INT32_MAX)
			continue;
		if ((size_t)k >= c->n_apps) {
			cap = (size_t)k + 64;
			n = realloc(c->apps, cap * sizeof(*n));
			if (!n)
				break;
			memset(n + c->n_apps, 0, (cap - c->n_apps) * sizeof(*n));
			c->apps = n;
			c->n_apps = cap;
		}
		if (!c->apps[k])
			c->apps[k] = strdup((const char *)sqlite3_column_text(s,
			    1) ? (const char *)sqlite3_column_text(s, 1) : "");
	}
	sqlite3_finalize(s);
	/* NULL: no memory (or no such id), which the caller must not hide */
	return (size_t)id < c->n_apps ? c->apps[id] : NULL;
}

/* Applications a and b (names known) in the map's order: name, then id. */
static int
conv_app_cmp(struct store *st, int64_t a, int64_t b)
{
	int c = strcmp(conv_app_name(st, a), conv_app_name(st, b));

	return c ? c : (a > b) - (a < b);
}

/*
 * Record r's flags made the flow's: FINAL only when not late, FIRST when
 * it is the flow's first record; true when it is late.
 */
bool
conv_record_flags(struct ft_conv_flow *r, int64_t flags)
{
	uint64_t pkts = r->packets_cs + r->packets_sc;
	bool late = pkts && r->first_us < r->start_us;

	r->flags = (uint8_t)(flags & FT_REC_GUESSED);
	if (flags & FT_REC_FINAL && !late)
		r->flags |= FT_REC_FINAL;
	if (pkts && r->first_us == r->start_us)
		r->flags |= STORE_CONV_FIRST;
	return late;
}

/* Whether the map's rule may turn the flow around: it stays a part. */
static bool
conv_is_candidate(const struct ft_conv_flow *f)
{
	return ft_conv_candidate((f->flags & FT_REC_GUESSED) != 0,
	    f->server_port);
}

void
conv_hour_init(struct conv_hour *a, int64_t h)
{
	memset(a, 0, sizeof(*a));
	a->hour = h;
	agg_per_flow_init(&a->open, sizeof(struct ft_conv_flow));
	ft_groups_init(&a->edges, CONV_EDGE_KEY, sizeof(struct ft_conv_edge_sums),
	    CONV_EDGES_MAX);
}

void
conv_hour_fini(struct conv_hour *a)
{
	agg_per_flow_fini(&a->open);
	ft_groups_fini(&a->edges);
	free(a->parts);
	free(a->raw);
	memset(a, 0, sizeof(*a));
}

/* A flow whole in the hour into its edge. */
static int
conv_edge_add(struct store *st, struct conv_hour *a,
    const struct ft_conv_flow *f)
{
	const char *name;
	uint8_t key[CONV_EDGE_KEY];
	struct ft_conv_edge_sums *e;
	int64_t i;
	uint64_t top;

	key[0] = f->proto;
	key[1] = (uint8_t)(f->server_port >> 8);
	key[2] = (uint8_t)f->server_port;
	key[3] = f->local;
	memcpy(key + 4, f->client, FT_CONV_ADDR);
	memcpy(key + 4 + FT_CONV_ADDR, f->server, FT_CONV_ADDR);
	i = ft_groups_get(&a->edges, key);
	if (i < 0)
		return (int)i;
	e = ft_groups_val(&a->edges, (size_t)i);
	if (!e->flows) {
		e->first_us = f->first_us;
		e->last_us = f->last_us;
		e->app_top = -1;
		e->app_low = e->app_high = -1;
	}
	e->flows++;
	e->seen += !(f->flags & FT_REC_GUESSED);
	e->bytes_cs += f->bytes_cs;
	e->bytes_sc += f->bytes_sc;
	e->packets += f->packets_cs + f->packets_sc;
	e->first_us = CONV_MIN(e->first_us, f->first_us);
	e->last_us = CONV_MAX(e->last_us, f->last_us);
	e->client_name = ft_better_name(e->client_name, f->client_name);
	e->server_name = ft_better_name(e->server_name, f->server_name);
	e->client_mac = CONV_MAX(e->client_mac, f->client_mac);
	e->server_mac = CONV_MAX(e->server_mac, f->server_mac);
	/* a flow without a named application does not count (as the map) */
	if (f->app < 0)
		return 0;
	name = conv_app_name(st, f->app);
	if (!name || (e->app_low >= 0 && (!conv_app_name(st, e->app_low) ||
	    !conv_app_name(st, e->app_high))))
		return -FT_ENOMEM;
	if (!*name)
		return 0;
	if (e->app_low < 0 || conv_app_cmp(st, f->app, e->app_low) < 0)
		e->app_low = f->app;
	if (e->app_high < 0 || conv_app_cmp(st, f->app, e->app_high) > 0)
		e->app_high = f->app;
	if (f->app < (INT64_C(1) << FT_APP_SHIFT)) {
		top = ft_app_top(f->bytes_cs + f->bytes_sc, f->app);
		e->app_top = CONV_MAX(e->app_top, (int64_t)top);
	}
	return 0;
}

/* A flow done with in the hour: into its edge when whole, else a part. */
static int
conv_flow_done(struct store *st, struct conv_hour *a, int64_t run, int64_t flow,
    const struct ft_conv_flow *f)
{
	struct ft_conv_part *p;
	size_t cap;

	if ((f->flags & (FT_REC_FINAL | STORE_CONV_FIRST)) ==
	    (FT_REC_FINAL | STORE_CONV_FIRST) && !conv_is_candidate(f))
		return conv_edge_add(st, a, f);
	if (a->n_parts == a->cap_parts) {
		if (a->n_parts >= CONV_PARTS_MAX)
			return -FT_EFULL;
		cap = a->cap_parts ? 2 * a->cap_parts : 256;
		p = realloc(a->parts, cap * sizeof(*p));
		if (!p)
			return -FT_ENOMEM;
		a->parts = p;
		a->cap_parts = cap;
	}
	p = &a->parts[a->n_parts++];
	p->run = run;
	p->flow = flow;
	p->sums = *f;
	return 0;
}

/*
 * Record r (late: it holds a packet older than its flow's start) into
 * hour a: its flow summed, and done with at its final record. A late
 * record of a flow that starts in a later hour adds that hour to raw
 * (conv.md). -FT_EFULL past a ceiling.
 */
int
conv_hour_add(struct store *st, struct conv_hour *a, int64_t run, int64_t flow,
    const struct ft_conv_flow *r, bool late)
{
	struct ft_conv_flow *f;
	bool fresh;
	int rc;

	a->records++;
	if (late && conv_hour_of(r->start_us) > a->hour &&
	    conv_push(&a->raw, &a->n_raw, &a->cap_raw, conv_hour_of(r->start_us)))
		return -FT_ENOMEM;
	if (a->open.n >= CONV_OPEN_MAX)
		return -FT_EFULL;
	f = agg_per_flow_get(&a->open, run, flow, &fresh);
	if (!f)
		return -FT_ENOMEM;
	if (fresh) {
		*f = *r;
	} else {
		f->flags |= r->flags;
		f->local |= r->local;
		f->app = CONV_MAX(f->app, r->app);
		f->bytes_cs += r->bytes_cs;
		f->bytes_sc += r->bytes_sc;
		f->packets_cs += r->packets_cs;
		f->packets_sc += r->packets_sc;
		f->first_us = CONV_MIN(f->first_us, r->first_us);
		f->last_us = CONV_MAX(f->last_us, r->last_us);
		f->client_name = ft_better_name(f->client_name, r->client_name);
		f->server_name = ft_better_name(f->server_name, r->server_name);
		f->client_mac = CONV_MAX(f->client_mac, r->client_mac);
		f->server_mac = CONV_MAX(f->server_mac, r->server_mac);
	}
	if (!(r->flags & FT_REC_FINAL))	/* conv_record_flags(): final, not late */
		return 0;
	rc = conv_flow_done(st, a, run, flow, f);
	agg_per_flow_del(&a->open, run, flow);
	return rc;
}

void
conv_live_free(struct store_conv *c, size_t i)
{
	if (!c->live[i])
		return;
	conv_hour_fini(&c->live[i]->sums);
	free(c->live[i]);
	c->live[i] = NULL;
}

/* Hour h's live state, made when there is room; NULL when not kept. */
static struct store_conv_live *
conv_live_get(struct store_conv *c, int64_t h)
{
	size_t i, k = STORE_CONV_LIVE;	/* an empty slot, else the oldest */

	for (i = 0; i < STORE_CONV_LIVE; i++)
		if (c->live[i] && c->live[i]->sums.hour == h)
			return c->live[i];
	for (i = 0; i < STORE_CONV_LIVE; i++) {
		if (!c->live[i]) {
			k = i;
			break;
		}
		if (k == STORE_CONV_LIVE ||
		    c->live[i]->sums.hour < c->live[k]->sums.hour)
			k = i;
	}
	if (c->live[k] && c->live[k]->sums.hour > h)
		return NULL;	/* older than every live hour: read back */
	conv_live_free(c, k);
	c->live[k] = malloc(sizeof(*c->live[k]));
	if (!c->live[k])
		return NULL;
	conv_hour_init(&c->live[k]->sums, h);
	return c->live[k];
}

/* Hour h's live state given up, and whether it passed a ceiling. */
void
conv_live_drop(struct store_conv *c, int64_t h, bool over)
{
	size_t i;

	for (i = 0; i < STORE_CONV_LIVE; i++)
		if (c->live[i] && c->live[i]->sums.hour == h)
			conv_live_free(c, i);
	if (over && conv_push(&c->over, &c->n_over, &c->cap_over, h))
		c->failed = true;
}

/* Record r (ids: its dictionary ids) as struct ft_conv_flow; true when late. */
static bool
conv_from_record(const struct ft_flowrec *r, const struct store_ids *ids,
    struct ft_conv_flow *f)
{
	int n = r->ip_ver == 4 ? 4 : 16;

	memset(f, 0, sizeof(*f));
	f->client[0] = f->server[0] = (uint8_t)n;
	memcpy(f->client + 1, r->cli, (size_t)n);
	memcpy(f->server + 1, r->srv, (size_t)n);
	f->proto = r->proto;
	f->client_port = r->cport;
	f->server_port = r->sport;
	f->local = r->local & (FT_LOCAL_CLI | FT_LOCAL_SRV);
	f->app = ids->app ? ids->app : -1;
	f->bytes_cs = r->bytes[0];
	f->bytes_sc = r->bytes[1];
	f->packets_cs = r->pkts[0];
	f->packets_sc = r->pkts[1];
	f->first_us = (int64_t)r->first_us;
	f->last_us = (int64_t)r->last_us;
	f->start_us = (int64_t)r->start_us;
	f->client_name = ids->cli_name && r->cli_name_src > 0 ?
	    FT_NAME_KEY(r->cli_name_src, ids->cli_name) : 0;
	f->server_name = ids->name && r->srv_name_src > 0 ?
	    FT_NAME_KEY(r->srv_name_src, ids->name) : 0;
	f->client_mac = f->local & FT_LOCAL_CLI ? ids->cli_mac : 0;
	f->server_mac = f->local & FT_LOCAL_SRV ? ids->srv_mac : 0;
	return conv_record_flags(f, r->flags);
}

/*
 * Record r written into the hour of t: the clock moved, the hour noted
 * (stale when rolled already); true when its live sum may take it.
 */
static bool
conv_note_hour(struct store_conv *c, const struct ft_flowrec *r, int64_t t)
{
	int64_t h = conv_hour_of(t);

	c->clock_us = CONV_MAX(c->clock_us, (int64_t)r->last_us);
	if (c->next_h < 0 || t < c->next_h) {
		/* a rolled hour (or not known yet): rolled again, read back */
		if (conv_push(&c->dirty, &c->n_dirty, &c->cap_dirty, h))
			c->failed = true;
		return false;
	}
	if (conv_push(&c->touched, &c->n_touched, &c->cap_touched, h))
		c->failed = true;
	return !conv_was_over(c, h);
}

void
store_conv_note(struct store *st, const struct ft_flowrec *r,
    const struct store_ids *ids)
{
	struct store_conv *c = &st->conv;
	struct store_conv_live *l;
	struct ft_conv_flow f;
	int64_t t = (int64_t)r->first_us, h = conv_hour_of(t);
	bool late;
	int rc;

	if (!conv_note_hour(c, r, t) || !(l = conv_live_get(c, h)))
		return;
	late = conv_from_record(r, ids, &f);
	rc = conv_hour_add(st, &l->sums, st->run_id, (int64_t)r->flow_id, &f,
	    late);
	if (rc)		/* past a ceiling, or no memory */
		conv_live_drop(c, h, rc == -FT_EFULL);
}

void
store_conv_note_end(struct store *st, const struct ft_flowrec *r,
    int64_t row_first_us)
{
	struct store_conv *c = &st->conv;
	struct ft_conv_flow *f;
	struct conv_hour *a = NULL;
	int64_t h = conv_hour_of(row_first_us), flow = (int64_t)r->flow_id;
	size_t i;
	int rc;

	if (!conv_note_hour(c, r, row_first_us))
		return;
	for (i = 0; i < STORE_CONV_LIVE; i++)
		if (c->live[i] && c->live[i]->sums.hour == h)
			a = &c->live[i]->sums;
	if (!a)
		return;		/* not summed live: read back */
	f = agg_per_flow_find(&a->open, st->run_id, flow);
	if (!f || row_first_us < (int64_t)r->start_us) {
		/* the row is not the live sums' (or late, where reading
		 * back decides by its packets): the hour is read back */
		conv_live_drop(c, h, false);
		return;
	}
	f->flags |= FT_REC_FINAL;
	rc = conv_flow_done(st, a, st->run_id, flow, f);
	agg_per_flow_del(&a->open, st->run_id, flow);
	if (rc)
		conv_live_drop(c, h, rc == -FT_EFULL);
}

/* Reading an hour back: its records' columns. */
enum { COL_RUN, COL_FLOW, COL_FLAGS, COL_PROTO, COL_CLIENT, COL_CLIENT_PORT,
	COL_SERVER, COL_SERVER_PORT, COL_APP, COL_BYTES_CS, COL_BYTES_SC,
	COL_PACKETS_CS, COL_PACKETS_SC, COL_FIRST, COL_LAST, COL_START,
	COL_CLIENT_NAME_SRC, COL_CLIENT_NAME, COL_SERVER_NAME_SRC,
	COL_SERVER_NAME, COL_LOCAL, COL_CLIENT_MAC, COL_SERVER_MAC };

static void
conv_column_addr(sqlite3_stmt *s, int col, uint8_t *a)
{
	int n = sqlite3_column_bytes(s, col);
	const void *p = sqlite3_column_blob(s, col);

	memset(a, 0, FT_CONV_ADDR);
	if (n > 16)
		n = 16;
	a[0] = (uint8_t)n;
	if (n > 0 && p)
		memcpy(a + 1, p, (size_t)n);
}

static int64_t
conv_column_name(sqlite3_stmt *s, int col_src, int col_id)
{
	int64_t src = sqlite3_column_int64(s, col_src);

	if (src <= 0 || sqlite3_column_type(s, col_id) == SQLITE_NULL)
		return 0;
	return FT_NAME_KEY(src, sqlite3_column_int64(s, col_id));
}

static int64_t
conv_column_id(sqlite3_stmt *s, int col, int64_t none)
{
	return sqlite3_column_type(s, col) == SQLITE_NULL ? none :
	    sqlite3_column_int64(s, col);
}

/* One record of the hour, read back, into a. */
static int
conv_read_record(struct store *st, struct conv_hour *a, sqlite3_stmt *s)
{
	struct ft_conv_flow r;
	bool late;

	memset(&r, 0, sizeof(r));
	conv_column_addr(s, COL_CLIENT, r.client);
	conv_column_addr(s, COL_SERVER, r.server);
	r.proto = (uint8_t)sqlite3_column_int(s, COL_PROTO);
	r.client_port = (uint16_t)sqlite3_column_int(s, COL_CLIENT_PORT);
	r.server_port = (uint16_t)sqlite3_column_int(s, COL_SERVER_PORT);
	r.local = (uint8_t)(sqlite3_column_int64(s, COL_LOCAL) & 3);
	r.app = conv_column_id(s, COL_APP, -1);
	r.bytes_cs = (uint64_t)sqlite3_column_int64(s, COL_BYTES_CS);
	r.bytes_sc = (uint64_t)sqlite3_column_int64(s, COL_BYTES_SC);
	r.packets_cs = (uint64_t)sqlite3_column_int64(s, COL_PACKETS_CS);
	r.packets_sc = (uint64_t)sqlite3_column_int64(s, COL_PACKETS_SC);
	r.first_us = sqlite3_column_int64(s, COL_FIRST);
	r.last_us = sqlite3_column_int64(s, COL_LAST);
	r.start_us = sqlite3_column_int64(s, COL_START);
	r.client_name = conv_column_name(s, COL_CLIENT_NAME_SRC, COL_CLIENT_NAME);
	r.server_name = conv_column_name(s, COL_SERVER_NAME_SRC, COL_SERVER_NAME);
	r.client_mac = r.local & FT_LOCAL_CLI ?
	    conv_column_id(s, COL_CLIENT_MAC, 0) : 0;
	r.server_mac = r.local & FT_LOCAL_SRV ?
	    conv_column_id(s, COL_SERVER_MAC, 0) : 0;
	late = conv_record_flags(&r, sqlite3_column_int64(s, COL_FLAGS));
	return conv_hour_add(st, a, sqlite3_column_int64(s, COL_RUN),
	    sqlite3_column_int64(s, COL_FLOW), &r, late);
}

/* Hour h's records read back into a; -FT_EFULL past a ceiling. */
int
conv_read_back(struct store *st, int64_t h, struct conv_hour *a,
    struct ft_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(st->db, "SELECT run, flow, flags, proto, "
	    "cli, cport, srv, sport, app, bytes_cs, bytes_sc, pkts_cs, "
	    "pkts_sc, first_us, last_us, start_us, cli_name_src, cli_name, "
	    "name_src, name, local, cli_mac, srv_mac FROM flows WHERE "
	    "first_us >= ? AND first_us < ? ORDER BY first_us, rowid", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_db_err(err, st->db, rc, st->path,
		    "conversations");
	sqlite3_bind_int64(s, 1, h);
	sqlite3_bind_int64(s, 2, h + STORE_HOUR_US);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((rc = conv_read_record(st, a, s)))
			break;
	sqlite3_finalize(s);
	if (rc == -FT_EFULL)
		return rc;
	if (rc < 0)
		return ft_err_set(err, -rc, "conversations: %s",
		    ft_strerror(-rc));
	if (rc != SQLITE_DONE)
		return store_db_err(err, st->db, rc, st->path,
		    "conversations");
	return 0;
}
