/* store_dict.c: dictionaries (macs, apps, names), side tables, cached */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static int
store_bind_blob(sqlite3_stmt *s, const char *key, uint32_t len)
{
	return sqlite3_bind_blob(s, 1, key, (int)len, SQLITE_STATIC);
}

static int
store_bind_text(sqlite3_stmt *s, const char *key, uint32_t len)
{
	return sqlite3_bind_text(s, 1, key, (int)len, SQLITE_STATIC);
}

/* An app key is "name\0category". */
static int
store_bind_app(sqlite3_stmt *s, const char *key, uint32_t len)
{
	uint32_t nlen = (uint32_t)strnlen(key, len);
	int rc = sqlite3_bind_text(s, 1, key, (int)nlen, SQLITE_STATIC);

	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 2, key + nlen + 1,
		    (int)(len - nlen - 1), SQLITE_STATIC);
	return rc;
}

/*
 * Per dictionary: its SQL, key binder and cache size per generation (slots,
 * pool bytes); about 1.5 MiB in all, most of it for server names.
 */
static const struct {
	const char *find;	/* SELECT id by key */
	const char *add;	/* INSERT key */
	int (*bind)(sqlite3_stmt *, const char *, uint32_t); /* key binder */
	uint32_t cap;		/* cache slots, power of two */
	uint32_t pool_cap;	/* cache key bytes */
} store_dict_defs[STORE_N_DICTS] = {
	[STORE_DICT_MAC] = { "SELECT id FROM macs WHERE mac = ?1",
	    "INSERT INTO macs (mac) VALUES (?1)", store_bind_blob,
	    4096, 2048 * 6 },
	[STORE_DICT_APP] = {
	    "SELECT id FROM apps WHERE name = ?1 AND category = ?2",
	    "INSERT INTO apps (name, category) VALUES (?1, ?2)",
	    store_bind_app, 1024, 512 * 48 },
	[STORE_DICT_NAME] = { "SELECT id FROM names WHERE name = ?1",
	    "INSERT INTO names (name) VALUES (?1)", store_bind_text,
	    16384, 8192 * 32 },
};

/* An AS's organisation changes rarely; keep a known one over "". */
static const char store_sql_up_asn[] =
	"INSERT INTO asns (asn, org) VALUES (?1, ?2) ON CONFLICT (asn) DO "
	"UPDATE SET org = excluded.org WHERE excluded.org IS NOT NULL AND "
	"org IS NOT excluded.org";

static const char store_sql_up_vendor[] =
	"UPDATE macs SET vendor = ?2 WHERE id = ?1 AND vendor IS NOT ?2";

/* FNV-1a: keys are short and few per row. */
uint64_t
store_hash(const void *key, size_t len)
{
	const uint8_t *p = key;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void
store_dgen_clear(struct store_dgen *g, uint32_t cap)
{
	memset(g->slot, 0, cap * sizeof(g->slot[0]));
	g->n = 0;
	g->pool_len = 0;
}

/* The slot holding key, or the empty slot where it belongs. */
static struct store_dslot *
store_dgen_slot(struct store_dgen *g, uint32_t cap, uint64_t h,
    const char *key, uint32_t len)
{
	uint32_t i = (uint32_t)h & (cap - 1);
	struct store_dslot *s;

	for (;; i = (i + 1) & (cap - 1)) {
		s = &g->slot[i];
		if (!s->id)
			return s;
		if (s->hash == h && s->len == len &&
		    memcmp(g->pool + s->off, key, len) == 0)
			return s;
	}
}

/* Insert into the current generation, swapping generations when full. */
static void
store_dict_put(struct store_dict *d, uint64_t h, const char *key,
    uint32_t len, int64_t id)
{
	struct store_dgen *g = &d->gen[d->cur];
	struct store_dslot *s;

	if (len > d->pool_cap)
		return;
	if (g->n + 1 > d->cap / 2 || len > d->pool_cap - g->pool_len) {
		d->cur ^= 1;
		g = &d->gen[d->cur];
		store_dgen_clear(g, d->cap);
	}
	s = store_dgen_slot(g, d->cap, h, key, len);
	s->hash = h;
	s->id = id;
	s->off = g->pool_len;
	s->len = len;
	memcpy(g->pool + g->pool_len, key, len);
	g->pool_len += len;
	g->n++;
}

/* Cached id of key, 0 when neither generation has it. */
static int64_t
store_dict_find(struct store_dict *d, uint64_t h, const char *key,
    uint32_t len)
{
	struct store_dslot *s;
	int64_t id;

	s = store_dgen_slot(&d->gen[d->cur], d->cap, h, key, len);
	if (s->id)
		return s->id;
	s = store_dgen_slot(&d->gen[d->cur ^ 1], d->cap, h, key, len);
	id = s->id;	/* the put below may empty s's generation */
	if (id)
		store_dict_put(d, h, key, len, id);
	return id;
}

/* SELECT the key's id, INSERT it when absent. */
static int
store_dict_lookup(struct store *st, struct store_dict *d, const char *key,
    uint32_t len, int64_t *id, struct ft_err *err)
{
	int rc;

	*id = 0;
	d->bind(d->find, key, len);
	rc = store_step_id(st, d->find, id, err);
	if (rc || *id)
		return rc;
	d->bind(d->add, key, len);
	rc = store_step_id(st, d->add, id, err);
	if (!rc)
		*id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int
store_dict_get(struct store *st, enum store_dict_kind k, const char *key,
    uint32_t len, int64_t *id, struct ft_err *err)
{
	struct store_dict *d = &st->dict[k];
	uint64_t h = store_hash(key, len);
	int rc;

	*id = store_dict_find(d, h, key, len);
	if (*id) {
		st->stats.dict_hits++;
		return 0;
	}
	st->stats.dict_misses++;
	rc = store_dict_lookup(st, d, key, len, id, err);
	if (!rc)
		store_dict_put(d, h, key, len, *id);
	return rc;
}

static int
store_dict_init(struct store *st, enum store_dict_kind k, struct ft_err *err)
{
	struct store_dict *d = &st->dict[k];
	int g, rc;

	d->cap = store_dict_defs[k].cap;
	d->pool_cap = store_dict_defs[k].pool_cap;
	d->bind = store_dict_defs[k].bind;
	for (g = 0; g < 2; g++) {
		d->gen[g].slot = calloc(d->cap, sizeof(d->gen[g].slot[0]));
		d->gen[g].pool = malloc(d->pool_cap);
		if (!d->gen[g].slot || !d->gen[g].pool)
			return ft_err_set(err, FT_ENOMEM,
			    "store: out of memory");
	}
	rc = store_prepare(st, store_dict_defs[k].find, &d->find, err);
	if (!rc)
		rc = store_prepare(st, store_dict_defs[k].add, &d->add, err);
	return rc;
}

int
store_dicts_init(struct store *st, struct ft_err *err)
{
	int k, rc;

	for (k = 0; k < STORE_N_DICTS; k++) {
		rc = store_dict_init(st, (enum store_dict_kind)k, err);
		if (rc)
			return rc;
	}
	for (k = 0; k < STORE_N_SEEN; k++) {
		st->seen[k] = calloc(STORE_SEEN_CAP, sizeof(*st->seen[k]));
		if (!st->seen[k])
			return ft_err_set(err, FT_ENOMEM,
			    "store: out of memory");
	}
	rc = store_prepare(st, store_sql_up_asn, &st->up_asn, err);
	if (!rc)
		rc = store_prepare(st, store_sql_up_vendor, &st->up_vendor,
		    err);
	return rc;
}

void
store_dicts_fini(struct store *st)
{
	int k, g;

	for (k = 0; k < STORE_N_DICTS; k++) {
		sqlite3_finalize(st->dict[k].find);
		sqlite3_finalize(st->dict[k].add);
		for (g = 0; g < 2; g++) {
			free(st->dict[k].gen[g].slot);
			free(st->dict[k].gen[g].pool);
		}
		memset(&st->dict[k], 0, sizeof(st->dict[k]));
	}
	for (k = 0; k < STORE_N_SEEN; k++) {
		free(st->seen[k]);
		st->seen[k] = NULL;
	}
	sqlite3_finalize(st->up_asn);
	sqlite3_finalize(st->up_vendor);
	st->up_asn = st->up_vendor = NULL;
}

void
store_dicts_clear(struct store *st)
{
	struct store_dict *d;
	int k;

	for (k = 0; k < STORE_N_DICTS; k++) {
		d = &st->dict[k];
		store_dgen_clear(&d->gen[0], d->cap);
		store_dgen_clear(&d->gen[1], d->cap);
	}
	for (k = 0; k < STORE_N_SEEN; k++)
		memset(st->seen[k], 0, STORE_SEEN_CAP * sizeof(*st->seen[k]));
}

/* The slot of key; a hit when it holds key with val. */
static struct store_seen_slot *
store_seen_slot(struct store *st, enum store_seen_kind k, uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ull;

	return &st->seen[k][h >> 52 & (STORE_SEEN_CAP - 1)];
}

int
store_asn_note(struct store *st, uint32_t asn, const char *org,
    struct ft_err *err)
{
	size_t len = strnlen(org, FT_ORG_MAX - 1);
	uint64_t h = store_hash(org, len);
	struct store_seen_slot *s = store_seen_slot(st, STORE_SEEN_ASN, asn);
	int64_t unused = 0;
	int rc;

	if (!asn || (s->key == asn && s->val == h))
		return 0;
	sqlite3_bind_int64(st->up_asn, 1, asn);
	if (len)
		sqlite3_bind_text(st->up_asn, 2, org, (int)len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st->up_asn, 2);
	rc = store_step_id(st, st->up_asn, &unused, err);
	if (!rc) {
		s->key = asn;
		s->val = h;
	}
	return rc;
}

int
store_vendor_note(struct store *st, int64_t mac_id, const char *vendor,
    struct ft_err *err)
{
	size_t len = strnlen(vendor, FT_VENDOR_MAX - 1);
	uint64_t h = store_hash(vendor, len);
	struct store_seen_slot *s;
	int64_t unused = 0;
	int rc;

	if (!mac_id || !len)
		return 0;
	s = store_seen_slot(st, STORE_SEEN_VENDOR, (uint64_t)mac_id);
	if (s->key == (uint64_t)mac_id && s->val == h)
		return 0;
	sqlite3_bind_int64(st->up_vendor, 1, mac_id);
	sqlite3_bind_text(st->up_vendor, 2, vendor, (int)len, SQLITE_STATIC);
	rc = store_step_id(st, st->up_vendor, &unused, err);
	if (!rc) {
		s->key = (uint64_t)mac_id;
		s->val = h;
	}
	return rc;
}
