/* store_devices.c: local devices (one per MAC) and their addresses */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define STORE_DEV_SLOTS (2 * STORE_DEV_CAP)	/* power of two */
#define STORE_DADDR_SLOTS (2 * STORE_DADDR_CAP)	/* power of two */

/*
 * A name replaces the stored one when it comes from a better source
 * (lower enum ft_name_src), or from the same source and was seen no
 * earlier. The UPSERT applies the same rule against the row on disk.
 */
#define STORE_NAME_WINS(n, o)                                           \
	"(" n "name_src > 0 AND (" o "name_src = 0 OR " n "name_src < "  \
	o "name_src OR (" n "name_src = " o "name_src AND " n "name_us >= " \
	o "name_us)))"
#define STORE_NEW_WINS STORE_NAME_WINS("excluded.", "")

static const char store_sql_up_dev[] =
	"INSERT INTO devices (mac, name, name_src, name_us, vendor, first_us, "
	"last_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (mac) DO "
	"UPDATE SET "
	"name = CASE WHEN " STORE_NEW_WINS " THEN excluded.name ELSE name END, "
	"name_src = CASE WHEN " STORE_NEW_WINS " THEN excluded.name_src "
	"ELSE name_src END, "
	"name_us = CASE WHEN " STORE_NEW_WINS " THEN excluded.name_us "
	"ELSE name_us END, "
	"vendor = coalesce(excluded.vendor, vendor), "
	"first_us = min(first_us, excluded.first_us), "
	"last_us = max(last_us, excluded.last_us)";

static const char store_sql_up_addr[] =
	"INSERT INTO device_addrs (device, addr, first_us, last_us) VALUES "
	"((SELECT id FROM devices WHERE mac = ?1), ?2, ?3, ?4) "
	"ON CONFLICT (device, addr) DO UPDATE SET "
	"first_us = min(first_us, excluded.first_us), "
	"last_us = max(last_us, excluded.last_us)";

/* What one record says about one of its local ends. */
struct store_dev_seen {
	int64_t mac_id;		/* macs.id of that end */
	const uint8_t *addr;	/* its address */
	uint8_t len;		/* 4 or 16 */
	uint64_t first_us;	/* the record's first packet */
	uint64_t last_us;	/* the record's last packet */
	const char *name;	/* "" when none */
	uint8_t name_src;	/* enum ft_name_src of name */
	const char *vendor;	/* "" when unknown */
};

int
store_devs_init(struct store *st, struct ft_err *err)
{
	struct store_devs *d = &st->devs;
	int rc;

	d->dev = calloc(STORE_DEV_CAP, sizeof(d->dev[0]));
	d->dev_slot = calloc(STORE_DEV_SLOTS, sizeof(d->dev_slot[0]));
	d->addr = calloc(STORE_DADDR_CAP, sizeof(d->addr[0]));
	d->addr_slot = calloc(STORE_DADDR_SLOTS, sizeof(d->addr_slot[0]));
	if (!d->dev || !d->dev_slot || !d->addr || !d->addr_slot)
		return ft_err_set(err, FT_ENOMEM, "store: out of memory");
	rc = store_prepare(st, store_sql_up_dev, &d->up_dev, err);
	if (!rc)
		rc = store_prepare(st, store_sql_up_addr, &d->up_addr, err);
	return rc;
}

void
store_devs_fini(struct store *st)
{
	struct store_devs *d = &st->devs;

	sqlite3_finalize(d->up_dev);
	sqlite3_finalize(d->up_addr);
	free(d->dev);
	free(d->dev_slot);
	free(d->addr);
	free(d->addr_slot);
	memset(d, 0, sizeof(*d));
}

void
store_devs_clear(struct store *st)
{
	struct store_devs *d = &st->devs;

	if (!d->dev_slot)
		return;
	memset(d->dev_slot, 0, STORE_DEV_SLOTS * sizeof(d->dev_slot[0]));
	memset(d->addr_slot, 0, STORE_DADDR_SLOTS * sizeof(d->addr_slot[0]));
	d->n_dev = 0;
	d->n_addr = 0;
}

/* The device of mac_id, a new clean-slate entry when absent. */
static struct store_dev *
store_dev_get(struct store_devs *d, int64_t mac_id, bool *fresh)
{
	uint32_t i = (uint32_t)((uint64_t)mac_id * 0x9e3779b97f4a7c15ull >> 40);
	struct store_dev *e;

	for (;; i++) {
		i &= STORE_DEV_SLOTS - 1;
		if (!d->dev_slot[i])
			break;
		e = &d->dev[d->dev_slot[i] - 1];
		if (e->mac_id == mac_id) {
			*fresh = false;
			return e;
		}
	}
	e = &d->dev[d->n_dev++];
	memset(e, 0, sizeof(*e));
	e->mac_id = mac_id;
	d->dev_slot[i] = d->n_dev;
	*fresh = true;
	return e;
}

static struct store_daddr *
store_daddr_get(struct store_devs *d, int64_t mac_id, const uint8_t *addr,
    uint8_t len, bool *fresh)
{
	uint64_t h = store_hash(addr, len) ^ (uint64_t)mac_id;
	uint32_t i = (uint32_t)(h * 0x9e3779b97f4a7c15ull >> 40);
	struct store_daddr *e;

	for (;; i++) {
		i &= STORE_DADDR_SLOTS - 1;
		if (!d->addr_slot[i])
			break;
		e = &d->addr[d->addr_slot[i] - 1];
		if (e->mac_id == mac_id && e->len == len &&
		    memcmp(e->addr, addr, len) == 0) {
			*fresh = false;
			return e;
		}
	}
	e = &d->addr[d->n_addr++];
	memset(e, 0, sizeof(*e));
	e->mac_id = mac_id;
	memcpy(e->addr, addr, len);
	e->len = len;
	d->addr_slot[i] = d->n_addr;
	*fresh = true;
	return e;
}

static bool
store_name_wins(uint8_t src, uint64_t us, uint8_t cur_src, uint64_t cur_us)
{
	if (!src)
		return false;
	if (!cur_src || src < cur_src)
		return true;
	return src == cur_src && us >= cur_us;
}

/* Widen [*first, *last] to hold [first, last]; true when it changed. */
static bool
store_widen(uint64_t *first, uint64_t *last, uint64_t f, uint64_t l,
    bool fresh)
{
	bool changed = fresh;

	if (fresh || f < *first) {
		*first = f;
		changed = true;
	}
	if (fresh || l > *last) {
		*last = l;
		changed = true;
	}
	return changed;
}

/* Copy src into dst[cap] unless equal; true when dst changed. */
static bool
store_set_str(char *dst, size_t cap, const char *src)
{
	size_t len = strnlen(src, cap - 1);

	if (strncmp(dst, src, len) == 0 && dst[len] == '\0')
		return false;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return true;
}

static void
store_dev_merge(struct store_dev *e, const struct store_dev_seen *s,
    bool fresh)
{
	bool changed = store_widen(&e->first_us, &e->last_us, s->first_us,
	    s->last_us, fresh);

	if (s->name[0] && store_name_wins(s->name_src, s->last_us,
	    e->name_src, e->name_us)) {
		if (store_set_str(e->name, sizeof(e->name), s->name) ||
		    e->name_src != s->name_src || e->name_us != s->last_us)
			changed = true;
		e->name_src = s->name_src;
		e->name_us = s->last_us;
	}
	if (s->vendor[0] && store_set_str(e->vendor, sizeof(e->vendor),
	    s->vendor))
		changed = true;
	if (changed)
		e->dirty = true;
}

/* Merge one local end; full caches are written out and emptied first. */
static int
store_devs_add(struct store *st, const struct store_dev_seen *s,
    struct ft_err *err)
{
	struct store_devs *d = &st->devs;
	struct store_daddr *a;
	struct store_dev *e;
	bool fresh = false;
	int rc;

	if (d->n_dev == STORE_DEV_CAP || d->n_addr == STORE_DADDR_CAP) {
		rc = store_devs_flush(st, err);
		if (rc)
			return rc;
		store_devs_clear(st);
	}
	e = store_dev_get(d, s->mac_id, &fresh);
	store_dev_merge(e, s, fresh);
	a = store_daddr_get(d, s->mac_id, s->addr, s->len, &fresh);
	if (store_widen(&a->first_us, &a->last_us, s->first_us, s->last_us,
	    fresh))
		a->dirty = true;
	return 0;
}

/* A group (multicast, broadcast) MAC is never a device. */
static bool
store_mac_is_unicast(const uint8_t *mac)
{
	return !(mac[0] & 1);
}

int
store_devs_note(struct store *st, const struct ft_flowrec *r,
    int64_t cli_mac_id, int64_t srv_mac_id, struct ft_err *err)
{
	struct store_dev_seen s = { .len = r->ip_ver == 4 ? 4 : 16,
	    .first_us = r->first_us, .last_us = r->last_us };
	int rc = 0;

	if ((r->local & FT_LOCAL_CLI) && cli_mac_id &&
	    store_mac_is_unicast(r->cli_mac)) {
		s.mac_id = cli_mac_id;
		s.addr = r->cli;
		s.name = r->cli_name;
		s.name_src = r->cli_name_src;
		s.vendor = r->cli_vendor;
		rc = store_devs_add(st, &s, err);
	}
	if (rc || !(r->local & FT_LOCAL_SRV) || !srv_mac_id ||
	    !store_mac_is_unicast(r->srv_mac))
		return rc;
	s.mac_id = srv_mac_id;
	s.addr = r->srv;
	/* SNI and DNS names name a service, not the machine serving it */
	s.name = r->srv_name_src >= FT_NAME_LABEL &&
	    r->srv_name_src <= FT_NAME_LEASE ? r->server_name : "";
	s.name_src = r->srv_name_src;
	s.vendor = r->srv_vendor;
	return store_devs_add(st, &s, err);
}

static void
store_bind_text0(sqlite3_stmt *s, int col, const char *text)
{
	if (text[0])
		sqlite3_bind_text(s, col, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, col);
}

static int
store_dev_write(struct store *st, struct store_dev *e, struct ft_err *err)
{
	sqlite3_stmt *s = st->devs.up_dev;
	int64_t unused = 0;
	int rc;

	sqlite3_bind_int64(s, 1, e->mac_id);
	store_bind_text0(s, 2, e->name);
	sqlite3_bind_int(s, 3, e->name[0] ? e->name_src : 0);
	sqlite3_bind_int64(s, 4, (int64_t)e->name_us);
	store_bind_text0(s, 5, e->vendor);
	sqlite3_bind_int64(s, 6, (int64_t)e->first_us);
	sqlite3_bind_int64(s, 7, (int64_t)e->last_us);
	rc = store_step_id(st, s, &unused, err);
	if (!rc) {
		e->dirty = false;
		st->stats.dev_writes++;
	}
	return rc;
}

static int
store_daddr_write(struct store *st, struct store_daddr *e,
    struct ft_err *err)
{
	sqlite3_stmt *s = st->devs.up_addr;
	int64_t unused = 0;
	int rc;

	sqlite3_bind_int64(s, 1, e->mac_id);
	sqlite3_bind_blob(s, 2, e->addr, e->len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (int64_t)e->first_us);
	sqlite3_bind_int64(s, 4, (int64_t)e->last_us);
	rc = store_step_id(st, s, &unused, err);
	if (!rc) {
		e->dirty = false;
		st->stats.dev_writes++;
	}
	return rc;
}

/* Devices first: an address row names its device by the device's id. */
int
store_devs_flush(struct store *st, struct ft_err *err)
{
	struct store_devs *d = &st->devs;
	uint32_t i;
	int rc;

	for (i = 0; i < d->n_dev; i++) {
		if (d->dev[i].dirty && (rc = store_dev_write(st, &d->dev[i],
		    err)))
			return rc;
	}
	for (i = 0; i < d->n_addr; i++) {
		if (d->addr[i].dirty && (rc = store_daddr_write(st,
		    &d->addr[i], err)))
			return rc;
	}
	return 0;
}
