/* stats.c: the open minute's key table, frame counters and top-K fold */
#include <stdlib.h>
#include <string.h>

#include "stats.h"

#define US_PER_MIN UINT64_C(60000000)
#define US_PER_S UINT64_C(1000000)
#define STATS_APPS 4096		/* distinct application names interned */
#define APP_NONE UINT32_MAX	/* no room left to intern a name */
#define TABLE_MIN 1024		/* first size of the key table */

/* A key: kind, then the number (iface, proto, asn, country, app id) or address. */
struct stats_key {
	uint8_t kind;		/* enum ft_series_kind */
	uint8_t ip_ver;		/* hosts */
	uint8_t pad[2];
	uint32_t num;		/* proto, asn, country, interned app */
	uint8_t addr[16];	/* hosts, MACs */
};

/* A slot of the open minute; free while k.kind is 0. */
struct stats_slot {
	struct stats_key k;	/* the key, kind 0 when free */
	uint64_t v[FT_SV_N];	/* counters, enum ft_series_val */
};

/* Frame counters of one interface within the open minute. */
struct iface_sec {
	uint64_t sec;		/* second being summed */
	uint64_t sec_bytes;	/* its bytes */
	uint64_t peak_bits;	/* busiest whole second so far */
	uint64_t nonip_bytes;	/* frames in no flow */
	uint64_t nonip_pkts;
	bool seen;		/* any frame this minute */
};

struct stats {
	struct stats_opts o;
	uint64_t cur_min;		/* open minute, minutes since the epoch */
	bool open;			/* something was counted in cur_min */
	struct stats_slot *tab;		/* open addressing, cap slots */
	uint32_t cap;			/* power of two */
	uint32_t used;			/* slots taken */
	uint32_t max_cap;		/* cap never grows past this */
	struct stats_slot iface[STATS_IFACES]; /* flow counters per interface */
	struct iface_sec frames[STATS_IFACES]; /* frames per interface */
	char (*apps)[FT_APP_MAX];	/* interned application names */
	uint32_t *app_slot;		/* hash of names: index + 1, 0 free */
	uint32_t n_apps;
	struct ft_series_pt *out;	/* closed points, until stats_close */
	size_t n_out, cap_out;
	struct stats_slot **sorted;		/* scratch of the fold */
	size_t cap_sorted;
	struct stats_counters c;
};

static uint32_t
fnv(const void *p, size_t n, uint32_t h)
{
	const uint8_t *b = p;

	while (n--)
		h = (h ^ *b++) * 16777619u;
	return h ^ (h >> 16);
}

static uint32_t
app_intern(struct stats *s, const char *name)
{
	size_t len = strnlen(name, FT_APP_MAX - 1);
	uint32_t mask = STATS_APPS * 2 - 1;
	uint32_t i = fnv(name, len, 2166136261u) & mask, id;

	for (;; i = (i + 1) & mask) {
		id = s->app_slot[i];
		if (!id)
			break;
		if (!strncmp(s->apps[id - 1], name, FT_APP_MAX - 1))
			return id - 1;
	}
	if (s->n_apps == STATS_APPS)
		return APP_NONE;
	memcpy(s->apps[s->n_apps], name, len);
	s->apps[s->n_apps][len] = '\0';
	s->app_slot[i] = ++s->n_apps;
	return s->n_apps - 1;
}

int
stats_new(const struct stats_opts *o, struct stats **out, struct ft_err *err)
{
	struct stats *s = calloc(1, sizeof(*s));
	uint32_t m = TABLE_MIN;

	if (!s)
		return ft_err_set(err, FT_ENOMEM, "stats: out of memory");
	s->o = *o;
	if (!s->o.top_k)
		s->o.top_k = 1;
	if (!s->o.top_local)
		s->o.top_local = 1;
	while (m < 2 * (uint64_t)o->max_keys && m < (1u << 30))
		m <<= 1;
	s->max_cap = m;
	s->cap = TABLE_MIN;
	s->tab = calloc(s->cap, sizeof(*s->tab));
	s->apps = calloc(STATS_APPS, sizeof(*s->apps));
	s->app_slot = calloc(STATS_APPS * 2, sizeof(*s->app_slot));
	if (!s->tab || !s->apps || !s->app_slot) {
		stats_free(s);
		return ft_err_set(err, FT_ENOMEM, "stats: out of memory");
	}
	*out = s;
	return 0;
}

void
stats_free(struct stats *s)
{
	if (!s)
		return;
	free(s->tab);
	free(s->apps);
	free(s->app_slot);
	free(s->out);
	free(s->sorted);
	free(s);
}

static uint32_t
slot_of(const struct stats_slot *tab, uint32_t cap, const struct stats_key *k)
{
	uint32_t i = fnv(k, sizeof(*k), 2166136261u) & (cap - 1);

	while (tab[i].k.kind && memcmp(&tab[i].k, k, sizeof(*k)))
		i = (i + 1) & (cap - 1);
	return i;
}

/* Double the table; false when it may not grow or memory is short. */
static bool
table_grow(struct stats *s)
{
	uint32_t ncap = s->cap * 2, i;
	struct stats_slot *n;

	if (ncap > s->max_cap)
		return false;
	n = calloc(ncap, sizeof(*n));
	if (!n)
		return false;
	for (i = 0; i < s->cap; i++)
		if (s->tab[i].k.kind)
			n[slot_of(n, ncap, &s->tab[i].k)] = s->tab[i];
	free(s->tab);
	s->tab = n;
	s->cap = ncap;
	return true;
}

/* The counters of key k in the open minute; the kind's "other" when full. */
static uint64_t *
key_vals(struct stats *s, const struct stats_key *k)
{
	struct stats_key other;
	uint32_t i = slot_of(s->tab, s->cap, k);

	if (s->tab[i].k.kind)
		return s->tab[i].v;
	if (k->num == APP_NONE && k->kind == FT_SK_APP)
		goto fold;
	if (s->used + 1 > s->cap / 2 && !table_grow(s))
		goto fold;
	i = slot_of(s->tab, s->cap, k);
	s->tab[i].k = *k;
	s->used++;
	return s->tab[i].v;
fold:
	/* The kind's "other" key: kind with every other byte 0xff. */
	s->c.overflow++;
	memset(&other, 0xff, sizeof(other));
	other.kind = k->kind;
	i = slot_of(s->tab, s->cap, &other);
	if (!s->tab[i].k.kind) {
		s->tab[i].k = other;
		s->used++;
	}
	return s->tab[i].v;
}

static bool
key_is_other(const struct stats_key *k)
{
	return k->num == UINT32_MAX && k->ip_ver == 0xff;
}

/* Add bytes/packets seen from the key's side: out sent, in received. */
static void
vals_add(uint64_t *v, const struct ft_flowrec *r, unsigned out_dir,
    uint64_t flows, uint64_t active)
{
	v[FT_SV_BYTES_OUT] += r->bytes[out_dir];
	v[FT_SV_BYTES_IN] += r->bytes[!out_dir];
	v[FT_SV_PKTS_OUT] += r->pkts[out_dir];
	v[FT_SV_PKTS_IN] += r->pkts[!out_dir];
	v[FT_SV_FLOWS] += flows;
	v[FT_SV_ACTIVE] += active;
}

static void
add_num(struct stats *s, uint8_t kind, uint32_t num, const struct ft_flowrec *r,
    unsigned out_dir, uint64_t flows, uint64_t active)
{
	struct stats_key k = { .kind = kind, .num = num };

	vals_add(key_vals(s, &k), r, out_dir, flows, active);
}

static void
add_host(struct stats *s, const struct ft_flowrec *r, unsigned side,
    uint64_t flows, uint64_t active)
{
	bool local = r->local & (side ? FT_LOCAL_SRV : FT_LOCAL_CLI);
	struct stats_key k = { .kind = local ? FT_SK_LHOST : FT_SK_RHOST,
	    .ip_ver = r->ip_ver };
	uint64_t *v;

	memcpy(k.addr, side ? r->srv : r->cli, 16);
	v = key_vals(s, &k);
	vals_add(v, r, side, flows, active);
	if (side == 0) {
		v[FT_SV_DNS_Q] += r->dns_queries;
		v[FT_SV_DNS_OK] += r->dns_ok;
		v[FT_SV_DNS_ERR] += r->dns_err;
	}
}

static void
add_mac(struct stats *s, const struct ft_flowrec *r, unsigned side,
    uint64_t flows, uint64_t active)
{
	struct stats_key k = { .kind = FT_SK_MAC };

	memcpy(k.addr, side ? r->srv_mac : r->cli_mac, 6);
	vals_add(key_vals(s, &k), r, side, flows, active);
}

static void minute_close(struct stats *s);

/*
 * Make minute m the open one, closing another first. An older m opens
 * again (its points go out a second time, and the store adds them to the
 * first), so every record and frame lands in its own minute.
 */
static void
minute_enter(struct stats *s, uint64_t m)
{
	if (s->open && m != s->cur_min)
		minute_close(s);
	if (!s->open) {
		s->cur_min = m;
		s->open = true;
	}
}

static void
record_add(struct stats *s, const struct ft_flowrec *r, bool app)
{
	/* The near side: the local one, the client when both or neither. */
	unsigned near = !(r->local & FT_LOCAL_CLI) && (r->local & FT_LOCAL_SRV);
	uint64_t flows, active;
	struct stats_slot *iface_slot;

	if (!(r->pkts[0] | r->pkts[1]))
		return;
	if (s->open && r->first_us / US_PER_MIN < s->cur_min)
		s->c.late++;
	minute_enter(s, r->first_us / US_PER_MIN);
	flows = r->first_us == r->start_us;
	active = !(r->flags & FT_REC_CONT);
	iface_slot = &s->iface[r->iface];
	iface_slot->k.kind = FT_SK_IFACE;
	vals_add(iface_slot->v, r, near, flows, active);
	iface_slot->v[FT_SV_DNS_Q] += r->dns_queries;
	iface_slot->v[FT_SV_DNS_OK] += r->dns_ok;
	iface_slot->v[FT_SV_DNS_ERR] += r->dns_err;
	add_num(s, FT_SK_PROTO, r->proto, r, near, flows, active);
	if (app)
		add_num(s, FT_SK_APP, app_intern(s, r->app), r, near, flows,
		    active);
	add_num(s, FT_SK_ASN, r->asn, r, near, flows, active);
	add_num(s, FT_SK_COUNTRY, ft_country_pack(r->country), r, near, flows,
	    active);
	add_host(s, r, 0, flows, active);
	add_host(s, r, 1, flows, active);
	add_mac(s, r, 0, flows, active);
	add_mac(s, r, 1, flows, active);
}

void
stats_add(struct stats *s, const struct ft_flowrec *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		record_add(s, &r[i], true);
	s->c.records += n;
}

void
stats_add_held(struct stats *s, const struct ft_flowrec *r)
{
	record_add(s, r, false);
	s->c.records++;
}

static bool out_reserve(struct stats *s, size_t more);

void
stats_add_app(struct stats *s, const struct ft_flowrec *r)
{
	unsigned near = !(r->local & FT_LOCAL_CLI) && (r->local & FT_LOCAL_SRV);
	uint64_t m = r->first_us / US_PER_MIN, v[FT_SV_N] = { 0 };
	struct stats_key k = { .kind = FT_SK_APP };
	struct ft_series_pt *p;

	if (!(r->pkts[0] | r->pkts[1]))
		return;
	k.num = app_intern(s, r->app);
	vals_add(v, r, near, r->first_us == r->start_us,
	    !(r->flags & FT_REC_CONT));
	if (!s->open || m >= s->cur_min) {
		minute_enter(s, m);
		vals_add(key_vals(s, &k), r, near, v[FT_SV_FLOWS],
		    v[FT_SV_ACTIVE]);
		return;
	}
	/* Its minute is closed: one more point of that minute, added to it. */
	if (!out_reserve(s, 1)) {
		s->c.lost++;
		return;
	}
	p = &s->out[s->n_out++];
	s->c.late_points++;
	memset(p, 0, sizeof(*p));
	p->t = (uint32_t)(m * 60);
	p->kind = FT_SK_APP;
	memcpy(p->v, v, sizeof(p->v));
	if (k.num == APP_NONE) {
		p->other = 1;
		return;
	}
	p->num = k.num;
	memcpy(p->app, s->apps[k.num], FT_APP_MAX);
}

void
stats_frame(struct stats *s, uint8_t iface, uint64_t ts_us,
    uint32_t wire_len, bool in_flow)
{
	struct iface_sec *f = &s->frames[iface];
	uint64_t sec = ts_us / US_PER_S;

	minute_enter(s, ts_us / US_PER_MIN);
	if (!f->seen || sec > f->sec) {
		if (f->sec_bytes * 8 > f->peak_bits)
			f->peak_bits = f->sec_bytes * 8;
		f->sec = sec;
		f->sec_bytes = 0;
	}
	f->seen = true;
	f->sec_bytes += wire_len;
	if (!in_flow) {
		f->nonip_bytes += wire_len;
		f->nonip_pkts++;
	}
}

static bool
out_reserve(struct stats *s, size_t more)
{
	struct ft_series_pt *n;
	size_t cap = s->cap_out ? s->cap_out : 256;

	while (cap < s->n_out + more)
		cap *= 2;
	if (cap == s->cap_out)
		return true;
	n = realloc(s->out, cap * sizeof(*n));
	if (!n)
		return false;
	s->out = n;
	s->cap_out = cap;
	return true;
}

static void
point_emit(struct stats *s, const struct stats_key *k, const uint64_t *v)
{
	struct ft_series_pt *p = &s->out[s->n_out++];

	memset(p, 0, sizeof(*p));
	p->t = (uint32_t)(s->cur_min * 60);
	p->kind = k->kind;
	memcpy(p->v, v, sizeof(p->v));
	if (key_is_other(k)) {
		p->other = 1;
		return;
	}
	p->ip_ver = k->ip_ver;
	memcpy(p->addr, k->addr, sizeof(p->addr));
	p->num = k->num;
	if (k->kind == FT_SK_APP)
		memcpy(p->app, s->apps[k->num], FT_APP_MAX);
}

static uint64_t
slot_bytes(const struct stats_slot *e)
{
	return e->v[FT_SV_BYTES_IN] + e->v[FT_SV_BYTES_OUT];
}

/* Busiest first; equal ones by key, so output never depends on hashing. */
static int
slot_cmp(const void *a, const void *b)
{
	const struct stats_slot *x = *(const struct stats_slot *const *)a;
	const struct stats_slot *y = *(const struct stats_slot *const *)b;
	uint64_t bx = slot_bytes(x), by = slot_bytes(y);

	if (bx != by)
		return bx > by ? -1 : 1;
	return memcmp(&x->k, &y->k, sizeof(x->k));
}

/* How many keys of kind a minute keeps before the rest is "other". */
static uint32_t
kind_keep(const struct stats *s, uint8_t kind)
{
	return kind == FT_SK_LHOST || kind == FT_SK_MAC ? s->o.top_local :
	    s->o.top_k;
}

/* The top K of one kind, then "other" with the rest (and any overflow). */
static void
fold_kind(struct stats *s, uint8_t kind)
{
	uint64_t rest[FT_SV_N] = { 0 };
	struct stats_key other_key = { 0 };
	size_t n = 0, i, j, k = kind_keep(s, kind);
	bool any_rest = false;

	for (i = 0; i < s->cap; i++)
		if (s->tab[i].k.kind == kind)
			s->sorted[n++] = &s->tab[i];
	if (n)
		qsort(s->sorted, n, sizeof(*s->sorted), slot_cmp);
	for (i = 0; i < n; i++) {
		if (i < k && !key_is_other(&s->sorted[i]->k)) {
			point_emit(s, &s->sorted[i]->k, s->sorted[i]->v);
			continue;
		}
		if (i < k)
			k++;	/* "other" does not take a place of the top */
		for (j = 0; j < FT_SV_N; j++)
			rest[j] += s->sorted[i]->v[j];
		any_rest = true;
	}
	if (any_rest) {
		memset(&other_key, 0xff, sizeof(other_key));
		other_key.kind = kind;
		point_emit(s, &other_key, rest);
	}
}

static void
ifaces_emit(struct stats *s)
{
	struct iface_sec *f;
	struct stats_key k = { .kind = FT_SK_IFACE };
	unsigned i;

	for (i = 0; i < STATS_IFACES; i++) {
		f = &s->frames[i];
		if (!f->seen && !s->iface[i].k.kind)
			continue;
		if (f->sec_bytes * 8 > f->peak_bits)
			f->peak_bits = f->sec_bytes * 8;
		s->iface[i].v[FT_SV_PEAK_BPS] = f->peak_bits;
		s->iface[i].v[FT_SV_NONIP_BYTES] = f->nonip_bytes;
		s->iface[i].v[FT_SV_NONIP_PKTS] = f->nonip_pkts;
		k.num = i;
		point_emit(s, &k, s->iface[i].v);
	}
	memset(s->iface, 0, sizeof(s->iface));
	memset(s->frames, 0, sizeof(s->frames));
}

static void
minute_close(struct stats *s)
{
	static const uint8_t kinds[] = { FT_SK_PROTO, FT_SK_APP, FT_SK_LHOST,
	    FT_SK_RHOST, FT_SK_MAC, FT_SK_ASN, FT_SK_COUNTRY };
	struct stats_slot **ns;
	size_t i;

	if (!s->open)
		return;
	if (s->cap_sorted < s->used) {
		ns = realloc(s->sorted, s->used * sizeof(*ns));
		if (!ns)
			goto out_lost;
		s->sorted = ns;
		s->cap_sorted = s->used;
	}
	if (!out_reserve(s, s->used + STATS_IFACES + FT_SK_MAX))
		goto out_lost;
	ifaces_emit(s);
	for (i = 0; i < sizeof(kinds); i++)
		fold_kind(s, kinds[i]);
	s->c.minutes++;
	goto out_reset;
out_lost:
	s->c.lost++;
out_reset:
	memset(s->tab, 0, (size_t)s->cap * sizeof(*s->tab));
	memset(s->iface, 0, sizeof(s->iface));
	memset(s->frames, 0, sizeof(s->frames));
	s->used = 0;
	s->open = false;
}

size_t
stats_close(struct stats *s, uint64_t now_us,
    const struct ft_series_pt **pts)
{
	size_t n;

	if (s->open && (now_us == UINT64_MAX ||
	    now_us / US_PER_MIN > s->cur_min))
		minute_close(s);
	n = s->n_out;
	s->c.points += n;
	s->n_out = 0;	/* the caller reads them before the next call */
	*pts = s->out;
	return n;
}

void
stats_get_counters(const struct stats *s, struct stats_counters *out)
{
	*out = s->c;
}
