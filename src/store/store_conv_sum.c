/* store_conv_sum.c: an hour's flows summed into conversations */
/*
 * Summed as their records come, from the writer or read back: whole flows into
 * edges, the rest kept as parts, within ceilings (docs/internals/conv.md).
 */
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
cv_app_name(struct store *st, int64_t id)
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
cv_app_cmp(struct store *st, int64_t a, int64_t b)
{
	int c = strcmp(cv_app_name(st, a), cv_app_name(st, b));

	return c ? c : (a > b) - (a < b);
}

/*
 * Record r's flags made the flow's: FINAL only when not late, FIRST when
 * it is the flow's first record; true when it is late.
 */
bool
conv_flags(struct cv_flow *r, int64_t flags)
{
	uint64_t pkts = r->pcs + r->psc;
	bool late = pkts && r->t0 < r->start;

	r->flags = (uint8_t)(flags & FT_REC_GUESSED);
	if (flags & FT_REC_FINAL && !late)
		r->flags |= FT_REC_FINAL;
	if (pkts && r->t0 == r->start)
		r->flags |= STORE_CONV_FIRST;
	return late;
}

/* Whether the map's rule may turn the flow around: it stays a part. */
static bool
cv_cand(const struct cv_flow *f)
{
	return ft_conv_candidate((f->flags & FT_REC_GUESSED) != 0, f->sport);
}

void
conv_acc_init(struct cv_acc *a, int64_t h)
{
	memset(a, 0, sizeof(*a));
	a->hour = h;
	agg_open_init(&a->open, sizeof(struct cv_flow));
	agg_init(&a->edges, CV_EDGE_KEY, sizeof(struct cv_edge), CV_EDGES_MAX);
}

void
conv_acc_fini(struct cv_acc *a)
{
	agg_open_fini(&a->open);
	agg_fini(&a->edges);
	free(a->parts);
	free(a->raw);
	memset(a, 0, sizeof(*a));
}

/* A flow whole in the hour into its edge. */
static int
cv_edge_add(struct store *st, struct cv_acc *a, const struct cv_flow *f)
{
	const char *name;
	uint8_t key[CV_EDGE_KEY];
	struct cv_edge *e;
	int64_t i;
	uint64_t top;

	key[0] = f->proto;
	key[1] = (uint8_t)(f->sport >> 8);
	key[2] = (uint8_t)f->sport;
	key[3] = f->local;
	memcpy(key + 4, f->cli, CV_ADDR);
	memcpy(key + 4 + CV_ADDR, f->srv, CV_ADDR);
	i = agg_get(&a->edges, key);
	if (i < 0)
		return (int)i;
	e = agg_val(&a->edges, (size_t)i);
	if (!e->flows) {
		e->t0 = f->t0;
		e->t1 = f->t1;
		e->atop = -1;
		e->alo = e->ahi = -1;
	}
	e->flows++;
	e->seen += !(f->flags & FT_REC_GUESSED);
	e->bcs += f->bcs;
	e->bsc += f->bsc;
	e->pkts += f->pcs + f->psc;
	e->t0 = CV_MIN(e->t0, f->t0);
	e->t1 = CV_MAX(e->t1, f->t1);
	e->cn = ft_better_name(e->cn, f->cn);
	e->sn = ft_better_name(e->sn, f->sn);
	e->cm = CV_MAX(e->cm, f->cm);
	e->sm = CV_MAX(e->sm, f->sm);
	/* a flow without a named application does not count (as the map) */
	if (f->app < 0)
		return 0;
	name = cv_app_name(st, f->app);
	if (!name || (e->alo >= 0 && (!cv_app_name(st, e->alo) ||
	    !cv_app_name(st, e->ahi))))
		return -FT_ENOMEM;
	if (!*name)
		return 0;
	if (e->alo < 0 || cv_app_cmp(st, f->app, e->alo) < 0)
		e->alo = f->app;
	if (e->ahi < 0 || cv_app_cmp(st, f->app, e->ahi) > 0)
		e->ahi = f->app;
	if (f->app < (INT64_C(1) << FT_APP_SHIFT)) {
		top = ft_app_top(f->bcs + f->bsc, f->app);
		e->atop = CV_MAX(e->atop, (int64_t)top);
	}
	return 0;
}

/* A flow done with in the hour: into its edge when whole, else a part. */
static int
cv_acc_done(struct store *st, struct cv_acc *a, int64_t run, int64_t flow,
    const struct cv_flow *f)
{
	struct cv_part *p;
	size_t cap;

	if ((f->flags & (FT_REC_FINAL | STORE_CONV_FIRST)) ==
	    (FT_REC_FINAL | STORE_CONV_FIRST) && !cv_cand(f))
		return cv_edge_add(st, a, f);
	if (a->n_parts == a->cap_parts) {
		if (a->n_parts >= CV_PARTS_MAX)
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
	p->f = *f;
	return 0;
}

/*
 * Record r (late: it holds a packet older than its flow's start) into
 * hour a: its flow summed, and done with at its final record. A late
 * record of a flow that starts in a later hour adds that hour to raw
 * (conv.md). -FT_EFULL past a ceiling.
 */
int
conv_acc_add(struct store *st, struct cv_acc *a, int64_t run, int64_t flow,
    const struct cv_flow *r, bool late)
{
	struct cv_flow *f;
	bool fresh;
	int rc;

	a->recs++;
	if (late && cv_hour(r->start) > a->hour &&
	    conv_push(&a->raw, &a->n_raw, &a->cap_raw, cv_hour(r->start)))
		return -FT_ENOMEM;
	if (a->open.n >= CV_OPEN_MAX)
		return -FT_EFULL;
	f = agg_open_get(&a->open, run, flow, &fresh);
	if (!f)
		return -FT_ENOMEM;
	if (fresh) {
		*f = *r;
	} else {
		f->flags |= r->flags;
		f->local |= r->local;
		f->app = CV_MAX(f->app, r->app);
		f->bcs += r->bcs;
		f->bsc += r->bsc;
		f->pcs += r->pcs;
		f->psc += r->psc;
		f->t0 = CV_MIN(f->t0, r->t0);
		f->t1 = CV_MAX(f->t1, r->t1);
		f->cn = ft_better_name(f->cn, r->cn);
		f->sn = ft_better_name(f->sn, r->sn);
		f->cm = CV_MAX(f->cm, r->cm);
		f->sm = CV_MAX(f->sm, r->sm);
	}
	if (!(r->flags & FT_REC_FINAL))	/* conv_flags(): final, not late */
		return 0;
	rc = cv_acc_done(st, a, run, flow, f);
	agg_open_del(&a->open, run, flow);
	return rc;
}

void
conv_live_free(struct store_conv *c, size_t i)
{
	if (!c->live[i])
		return;
	conv_acc_fini(&c->live[i]->acc);
	free(c->live[i]);
	c->live[i] = NULL;
}

/* Hour h's live state, made when there is room; NULL when not kept. */
static struct store_conv_live *
cv_live_get(struct store_conv *c, int64_t h)
{
	size_t i, k = STORE_CONV_LIVE;	/* an empty slot, else the oldest */

	for (i = 0; i < STORE_CONV_LIVE; i++)
		if (c->live[i] && c->live[i]->acc.hour == h)
			return c->live[i];
	for (i = 0; i < STORE_CONV_LIVE; i++) {
		if (!c->live[i]) {
			k = i;
			break;
		}
		if (k == STORE_CONV_LIVE ||
		    c->live[i]->acc.hour < c->live[k]->acc.hour)
			k = i;
	}
	if (c->live[k] && c->live[k]->acc.hour > h)
		return NULL;	/* older than every live hour: read back */
	conv_live_free(c, k);
	c->live[k] = malloc(sizeof(*c->live[k]));
	if (!c->live[k])
		return NULL;
	conv_acc_init(&c->live[k]->acc, h);
	return c->live[k];
}

/* Hour h's live state given up, and whether it passed a ceiling. */
void
conv_live_drop(struct store_conv *c, int64_t h, bool over)
{
	size_t i;

	for (i = 0; i < STORE_CONV_LIVE; i++)
		if (c->live[i] && c->live[i]->acc.hour == h)
			conv_live_free(c, i);
	if (over && conv_push(&c->over, &c->n_over, &c->cap_over, h))
		c->failed = true;
}

/* Record r (ids: its dictionary ids) as struct cv_flow; true when late. */
static bool
cv_from_rec(const struct ft_flowrec *r, const struct store_ids *ids,
    struct cv_flow *f)
{
	int n = r->ip_ver == 4 ? 4 : 16;

	memset(f, 0, sizeof(*f));
	f->cli[0] = f->srv[0] = (uint8_t)n;
	memcpy(f->cli + 1, r->cli, (size_t)n);
	memcpy(f->srv + 1, r->srv, (size_t)n);
	f->proto = r->proto;
	f->cport = r->cport;
	f->sport = r->sport;
	f->local = r->local & (FT_LOCAL_CLI | FT_LOCAL_SRV);
	f->app = ids->app ? ids->app : -1;
	f->bcs = r->bytes[0];
	f->bsc = r->bytes[1];
	f->pcs = r->pkts[0];
	f->psc = r->pkts[1];
	f->t0 = (int64_t)r->first_us;
	f->t1 = (int64_t)r->last_us;
	f->start = (int64_t)r->start_us;
	f->cn = ids->cli_name && r->cli_name_src > 0 ?
	    FT_NAME_KEY(r->cli_name_src, ids->cli_name) : 0;
	f->sn = ids->name && r->srv_name_src > 0 ?
	    FT_NAME_KEY(r->srv_name_src, ids->name) : 0;
	f->cm = f->local & FT_LOCAL_CLI ? ids->cli_mac : 0;
	f->sm = f->local & FT_LOCAL_SRV ? ids->srv_mac : 0;
	return conv_flags(f, r->flags);
}

void
store_conv_note(struct store *st, const struct ft_flowrec *r,
    const struct store_ids *ids)
{
	struct store_conv *c = &st->conv;
	struct store_conv_live *l;
	struct cv_flow f;
	int64_t t = (int64_t)r->first_us, h = cv_hour(t);
	bool late;
	int rc;

	c->clock_us = CV_MAX(c->clock_us, (int64_t)r->last_us);
	if (c->next_h < 0 || t < c->next_h) {
		/* a rolled hour (or not known yet): rolled again, read back */
		if (conv_push(&c->dirty, &c->n_dirty, &c->cap_dirty, h))
			c->failed = true;
		return;
	}
	if (conv_push(&c->touched, &c->n_touched, &c->cap_touched, h))
		c->failed = true;
	if (conv_was_over(c, h) || !(l = cv_live_get(c, h)))
		return;
	late = cv_from_rec(r, ids, &f);
	rc = conv_acc_add(st, &l->acc, st->run_id, (int64_t)r->flow_id, &f,
	    late);
	if (rc)		/* past a ceiling, or no memory */
		conv_live_drop(c, h, rc == -FT_EFULL);
}

/* Reading an hour back: its records' columns. */
enum { CR_RUN, CR_FLOW, CR_FLAGS, CR_PROTO, CR_CLI, CR_CPORT, CR_SRV,
	CR_SPORT, CR_APP, CR_BCS, CR_BSC, CR_PCS, CR_PSC, CR_FIRST, CR_LAST,
	CR_START, CR_CN_SRC, CR_CN, CR_SN_SRC, CR_SN, CR_LOCAL, CR_CMAC,
	CR_SMAC };

static void
cv_addr(sqlite3_stmt *s, int col, uint8_t *a)
{
	int n = sqlite3_column_bytes(s, col);
	const void *p = sqlite3_column_blob(s, col);

	memset(a, 0, CV_ADDR);
	if (n > 16)
		n = 16;
	a[0] = (uint8_t)n;
	if (n > 0 && p)
		memcpy(a + 1, p, (size_t)n);
}

static int64_t
cv_name(sqlite3_stmt *s, int col_src, int col_id)
{
	int64_t src = sqlite3_column_int64(s, col_src);

	if (src <= 0 || sqlite3_column_type(s, col_id) == SQLITE_NULL)
		return 0;
	return FT_NAME_KEY(src, sqlite3_column_int64(s, col_id));
}

static int64_t
cv_id(sqlite3_stmt *s, int col, int64_t none)
{
	return sqlite3_column_type(s, col) == SQLITE_NULL ? none :
	    sqlite3_column_int64(s, col);
}

/* One record of the hour, read back, into a. */
static int
cv_record(struct store *st, struct cv_acc *a, sqlite3_stmt *s)
{
	struct cv_flow r;
	bool late;

	memset(&r, 0, sizeof(r));
	cv_addr(s, CR_CLI, r.cli);
	cv_addr(s, CR_SRV, r.srv);
	r.proto = (uint8_t)sqlite3_column_int(s, CR_PROTO);
	r.cport = (uint16_t)sqlite3_column_int(s, CR_CPORT);
	r.sport = (uint16_t)sqlite3_column_int(s, CR_SPORT);
	r.local = (uint8_t)(sqlite3_column_int64(s, CR_LOCAL) & 3);
	r.app = cv_id(s, CR_APP, -1);
	r.bcs = (uint64_t)sqlite3_column_int64(s, CR_BCS);
	r.bsc = (uint64_t)sqlite3_column_int64(s, CR_BSC);
	r.pcs = (uint64_t)sqlite3_column_int64(s, CR_PCS);
	r.psc = (uint64_t)sqlite3_column_int64(s, CR_PSC);
	r.t0 = sqlite3_column_int64(s, CR_FIRST);
	r.t1 = sqlite3_column_int64(s, CR_LAST);
	r.start = sqlite3_column_int64(s, CR_START);
	r.cn = cv_name(s, CR_CN_SRC, CR_CN);
	r.sn = cv_name(s, CR_SN_SRC, CR_SN);
	r.cm = r.local & FT_LOCAL_CLI ? cv_id(s, CR_CMAC, 0) : 0;
	r.sm = r.local & FT_LOCAL_SRV ? cv_id(s, CR_SMAC, 0) : 0;
	late = conv_flags(&r, sqlite3_column_int64(s, CR_FLAGS));
	return conv_acc_add(st, a, sqlite3_column_int64(s, CR_RUN),
	    sqlite3_column_int64(s, CR_FLOW), &r, late);
}

/* Hour h's records read back into a; -FT_EFULL past a ceiling. */
int
conv_read_back(struct store *st, int64_t h, struct cv_acc *a,
    struct ft_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(st->db, "SELECT run, flow, flags, proto, "
	    "cli, cport, srv, sport, app, bytes_cs, bytes_sc, pkts_cs, "
	    "pkts_sc, first_us, last_us, start_us, cli_name_src, cli_name, name_src, name, local, "
	    "cli_mac, srv_mac FROM flows WHERE first_us >= ? AND first_us < ? "
	    "ORDER BY first_us, rowid", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_db_err(err, st->db, rc, st->path,
		    "conversations");
	sqlite3_bind_int64(s, 1, h);
	sqlite3_bind_int64(s, 2, h + STORE_HOUR_US);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((rc = cv_record(st, a, s)))
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
