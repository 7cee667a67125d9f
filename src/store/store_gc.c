/* store_gc.c: pruning what no retained row needs, on retention's schedule */
/*
 * Names, MACs, devices and device addresses.
 */
#include <stdint.h>
#include <stdio.h>

#include "../base/ft_log.h"
#include "store_int.h"

/*
 * What keeps a row (docs/internals/store.md, "Dictionaries after
 * retention"). The newest id of a dictionary always stays, so SQLite never
 * hands a deleted id out again (INTEGER PRIMARY KEY takes max + 1): a
 * writer that still holds an old id in its cache can at worst point at no
 * row, never at another value, and each writer empties its caches when
 * another one has committed (store_gc_check).
 */
static const char *const gc_sql[] = {
	/* server and client names of flows and conversations */
	"DELETE FROM names WHERE id < (SELECT max(id) FROM names) AND id NOT IN ("
	"SELECT name FROM flows WHERE name IS NOT NULL UNION "
	"SELECT cli_name FROM flows WHERE cli_name IS NOT NULL UNION "
	"SELECT name FROM conv_edges WHERE name IS NOT NULL UNION "
	"SELECT cli_name FROM conv_edges WHERE cli_name IS NOT NULL UNION "
	"SELECT name FROM conv_parts WHERE name IS NOT NULL UNION "
	"SELECT cli_name FROM conv_parts WHERE cli_name IS NOT NULL)",
	/* MACs of flows and conversations, and MAC keys of the series */
	"DELETE FROM macs WHERE id < (SELECT max(id) FROM macs) AND id NOT IN ("
	"SELECT cli_mac FROM flows WHERE cli_mac IS NOT NULL UNION "
	"SELECT srv_mac FROM flows WHERE srv_mac IS NOT NULL UNION "
	"SELECT cli_mac FROM conv_edges WHERE cli_mac IS NOT NULL UNION "
	"SELECT srv_mac FROM conv_edges WHERE srv_mac IS NOT NULL UNION "
	"SELECT cli_mac FROM conv_parts WHERE cli_mac IS NOT NULL UNION "
	"SELECT srv_mac FROM conv_parts WHERE srv_mac IS NOT NULL) AND "
	"mac NOT IN (SELECT key FROM series_1m WHERE kind = 6 UNION "
	"SELECT key FROM series_1h WHERE kind = 6 UNION "
	"SELECT key FROM series_1d WHERE kind = 6)",
	/* a device lives as long as its MAC */
	"DELETE FROM devices WHERE mac NOT IN (SELECT id FROM macs)",
	/*
	 * an address while its device lives and it is a local host key of
	 * the series or was seen since the flows window began (?1)
	 */
	"DELETE FROM device_addrs WHERE device NOT IN (SELECT id FROM devices) "
	"OR (last_us < ?1 AND addr NOT IN ("
	"SELECT key FROM series_1m WHERE kind = 4 UNION "
	"SELECT key FROM series_1h WHERE kind = 4 UNION "
	"SELECT key FROM series_1d WHERE kind = 4))",
};
#define GC_N (sizeof(gc_sql) / sizeof(gc_sql[0]))

int
store_gc(struct store *st, uint64_t *n, struct ft_err *err)
{
	int64_t since_us = store_flows_cutoff_us(st);
	uint64_t got[GC_N] = { 0 };
	sqlite3_stmt *s;
	size_t i;
	int rc = 0;

	for (i = 0; i < GC_N && !rc; i++) {
		rc = sqlite3_prepare_v2(st->db, gc_sql[i], -1, &s, NULL);
		if (rc != SQLITE_OK)
			return store_db_err(err, st->db, rc, st->path,
			    "cannot prune the dictionaries");
		sqlite3_bind_int64(s, 1, since_us);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE)
			return store_db_err(err, st->db, rc, st->path,
			    "cannot prune the dictionaries");
		rc = 0;
		got[i] = (uint64_t)sqlite3_changes(st->db);
		n[i] += got[i];
	}
	if (!st->hist.keep_own && (got[0] | got[1] | got[3]))
		ft_log(FT_LOG_INFO, "store %s: retention removed %llu names, "
		    "%llu MACs with %llu devices, and %llu device addresses "
		    "that no retained row needs", st->path,
		    (unsigned long long)got[0], (unsigned long long)got[1],
		    (unsigned long long)got[2], (unsigned long long)got[3]);
	/* this writer's caches may hold what went */
	store_dicts_clear(st);
	store_devs_clear(st);
	return 0;
}

int
store_gc_check(struct store *st, struct ft_err *err)
{
	int64_t v = 0;
	int rc = store_pragma(st->db, st->path, "PRAGMA data_version", &v,
	    NULL, 0, err);

	if (rc)
		return rc;
	if (st->data_version && v != st->data_version) {
		/* another writer committed: it may have pruned cached ids */
		store_dicts_clear(st);
		store_devs_clear(st);
	}
	st->data_version = v;
	return 0;
}

int
store_gc_sizes(struct store *st, struct store_sizes *out, struct ft_err *err)
{
	static const char *const sql[] = { "SELECT count(*) FROM names",
		"SELECT count(*) FROM macs", "SELECT count(*) FROM devices",
		"SELECT count(*) FROM device_addrs", "PRAGMA page_count",
		"PRAGMA freelist_count", "PRAGMA page_size" };
	int64_t v[7] = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; i < 7 && !rc; i++)
		rc = store_pragma(st->db, st->path, sql[i], &v[i], NULL, 0, err);
	if (rc)
		return rc;
	out->names = (uint64_t)v[0];
	out->macs = (uint64_t)v[1];
	out->devices = (uint64_t)v[2];
	out->device_addrs = (uint64_t)v[3];
	out->used_bytes = (uint64_t)((v[4] - v[5]) * v[6]);
	return 0;
}
