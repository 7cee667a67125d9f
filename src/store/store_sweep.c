/* store_sweep.c: dictionary, device and device-address rows that no retained row references, removed. */
#include <string.h>

#include "store_int.h"

/* Series keys of one kind in every resolution, for NOT IN. */
#define SWEEP_KEYS(kind)                                                \
	"SELECT key FROM series_1m WHERE kind = " kind                  \
	" UNION ALL SELECT key FROM series_1h WHERE kind = " kind       \
	" UNION ALL SELECT key FROM series_1d WHERE kind = " kind

/* One dictionary column of the flow and conversation tables, non-NULL. */
#define SWEEP_COL(tab, col) \
	"SELECT " col " FROM " tab " WHERE " col " IS NOT NULL"

/*
 * In this order, since each frees what the next one checks: an address
 * outlives its last flow only while a host series row names it; a device
 * outlives its last flow while it has an address or a MAC series row; a
 * MAC while a flow, conversation, device or MAC series row holds it; a
 * name while a flow or conversation holds it. NULLs stay out of the lists
 * (NOT IN a list with a NULL removes nothing). ?1 is the time before which
 * no flow record is kept.
 */
static const char *const sweep_sql[] = {
	"DELETE FROM device_addrs WHERE last_us < ?1 AND addr NOT IN ("
	    SWEEP_KEYS("4") ")",
	"DELETE FROM devices WHERE last_us < ?1 AND NOT EXISTS (SELECT 1 "
	    "FROM device_addrs x WHERE x.device = devices.id) AND mac NOT IN "
	    "(SELECT m.id FROM macs m WHERE m.mac IN (" SWEEP_KEYS("6") "))",
	"DELETE FROM device_addrs WHERE device NOT IN (SELECT id FROM "
	    "devices)",
	"DELETE FROM macs WHERE id NOT IN ("
	    SWEEP_COL("flows", "cli_mac") " UNION ALL "
	    SWEEP_COL("flows", "srv_mac") " UNION ALL "
	    SWEEP_COL("conv_edges", "cli_mac") " UNION ALL "
	    SWEEP_COL("conv_edges", "srv_mac") " UNION ALL "
	    SWEEP_COL("conv_parts", "cli_mac") " UNION ALL "
	    SWEEP_COL("conv_parts", "srv_mac") " UNION ALL "
	    "SELECT mac FROM devices) AND mac NOT IN (" SWEEP_KEYS("6") ")",
	"DELETE FROM names WHERE id NOT IN ("
	    SWEEP_COL("flows", "name") " UNION ALL "
	    SWEEP_COL("flows", "cli_name") " UNION ALL "
	    SWEEP_COL("conv_edges", "name") " UNION ALL "
	    SWEEP_COL("conv_edges", "cli_name") " UNION ALL "
	    SWEEP_COL("conv_parts", "name") " UNION ALL "
	    SWEEP_COL("conv_parts", "cli_name") ")",
};

#define SWEEP_N (sizeof(sweep_sql) / sizeof(sweep_sql[0]))

static int
sweep_one(struct store *st, const char *sql, int64_t cutoff_us, uint64_t *n,
    struct ft_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_db_err(err, st->db, rc, st->path, "sweep");
	if (sqlite3_bind_parameter_count(s) >= 1)
		sqlite3_bind_int64(s, 1, cutoff_us);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_err(err, st->db, rc, st->path, "sweep");
	*n += (uint64_t)sqlite3_changes(st->db);
	return 0;
}

int
store_sweep(struct store *st, int64_t cutoff_us, struct ft_err *err)
{
	uint64_t n = 0;
	size_t i;
	int rc = 0;

	for (i = 0; i < SWEEP_N && !rc; i++)
		rc = sweep_one(st, sweep_sql[i], cutoff_us, &n, err);
	if (rc)
		return rc;
	if (n) {
		/* cached ids may name deleted rows, and SQLite reuses the
		   highest; the device caches were flushed by this commit */
		store_dicts_clear(st);
		store_devs_clear(st);
	}
	st->stats.swept += n;
	return 0;
}

int
store_sizes(struct store *st, struct store_sizes *sz, struct ft_err *err)
{
	static const char *const sql[] = {
		"SELECT count(*) FROM flows", "SELECT count(*) FROM names",
		"SELECT count(*) FROM macs", "SELECT count(*) FROM devices",
		"SELECT count(*) FROM device_addrs",
	};
	int64_t *out[] = { &sz->flows, &sz->names, &sz->macs, &sz->devices,
	    &sz->device_addrs };
	sqlite3_stmt *s;
	size_t i;
	int rc;

	memset(sz, 0, sizeof(*sz));
	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		rc = sqlite3_prepare_v2(st->db, sql[i], -1, &s, NULL);
		if (rc == SQLITE_OK) {
			rc = sqlite3_step(s);
			if (rc == SQLITE_ROW)
				*out[i] = sqlite3_column_int64(s, 0);
			sqlite3_finalize(s);
		}
		if (rc != SQLITE_ROW)
			return store_db_err(err, st->db, rc, st->path,
			    "count rows");
	}
	return 0;
}
