/* store_int.h: the store's private parts, for src/store/ and its test */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <sqlite3.h>

#include "../agg/agg.h"
#include "store.h"

#define STORE_APP_ID 0x46547231		/* PRAGMA application_id: "FTr1" */
#define STORE_BUSY_READ_MS 5000	/* readers: wait this long for a lock */
#define STORE_N_IFACES 256		/* ft_flowrec.iface is a uint8_t */
#define STORE_IFNAME_MAX 64		/* interface name incl. NUL */
#define STORE_SEEN_CAP 4096		/* slots of a side-table cache */
#define STORE_DEV_CAP 8192		/* devices cached between flushes (~1.5 MiB) */
#define STORE_DADDR_CAP 16384		/* device addresses cached (~0.8 MiB) */

/* One schema step: running sql on version - 1 gives version. */
struct store_migration {
	int version;		/* user_version after this step */
	const char *sql;	/* statements, run in one transaction */
};

/* One cached dictionary entry; id 0 marks an empty slot. */
struct store_dslot {
	uint64_t hash;		/* hash of the key bytes */
	int64_t id;		/* row id in the dictionary table */
	uint32_t off;		/* key offset in the pool */
	uint32_t len;		/* key length */
};

/* One generation of a dictionary cache: open addressing, keys in a pool. */
struct store_dgen {
	struct store_dslot *slot;	/* cap slots */
	char *pool;			/* key bytes */
	uint32_t n;			/* used slots */
	uint32_t pool_len;		/* bytes used in pool */
};

/*
 * A dictionary table (macs, apps, names) with its in-memory cache of two
 * generations: lookups try the current one, then the previous one (and
 * copy a hit forward); when the current one has half its slots or its
 * whole pool used, the previous one is emptied and becomes current. Memory
 * stays fixed, and keys used since the last swap survive the next one, an
 * approximation of LRU without per-entry bookkeeping.
 */
struct store_dict {
	struct store_dgen gen[2];	/* current is gen[cur] */
	unsigned cur;			/* 0 or 1 */
	uint32_t cap;			/* slots per generation, power of two */
	uint32_t pool_cap;		/* pool bytes per generation */
	sqlite3_stmt *find;		/* SELECT id by key */
	sqlite3_stmt *add;		/* INSERT key */
	int (*bind)(sqlite3_stmt *s, const char *key, uint32_t len);
					/* bind key to ?1 (and ?2) */
};

enum store_dict_kind { STORE_DICT_MAC, STORE_DICT_APP, STORE_DICT_NAME,
	STORE_N_DICTS };

/*
 * What the writer last wrote to a side table (asns.org per AS number,
 * macs.vendor per MAC id): one direct-mapped slot per key hash. A hit with
 * the same value means the row is already right; anything else costs one
 * UPSERT and takes the slot. Key 0 marks an empty slot.
 */
struct store_seen_slot {
	uint64_t key;		/* AS number or macs.id, 0 empty */
	uint64_t val;		/* hash of the value written */
};

enum store_seen_kind { STORE_SEEN_ASN, STORE_SEEN_VENDOR, STORE_N_SEEN };

/* One local device, as merged from this writer's records since a flush. */
struct store_dev {
	int64_t mac_id;			/* macs.id, the device's anchor */
	uint64_t first_us;		/* earliest packet seen */
	uint64_t last_us;		/* latest packet seen */
	uint64_t name_us;		/* when name was seen (record's last) */
	uint8_t name_src;		/* enum ft_name_src, 0 no name */
	bool dirty;			/* changed since last written */
	char name[FT_NAME_MAX];		/* best name so far, "" none */
	char vendor[FT_VENDOR_MAX];	/* "" unknown */
};

/* One address of a device, merged likewise. */
struct store_daddr {
	int64_t mac_id;			/* its device's anchor */
	uint64_t first_us;		/* earliest packet from it */
	uint64_t last_us;		/* latest packet from it */
	uint8_t addr[16];		/* network order */
	uint8_t len;			/* 4 or 16 */
	bool dirty;			/* changed since last written */
};

/*
 * Write-combining caches of devices and their addresses: records merge
 * into them in memory, and store_dev_flush() writes each changed entry
 * once (an UPSERT that merges with the row on disk by the same rules). An
 * entry that a record does not change costs no write, so a busy device is
 * written once per commit. Full tables are flushed and emptied. Entries
 * hold no row ids, so a rollback only has to empty them.
 */
struct store_devs {
	struct store_dev *dev;		/* STORE_DEV_CAP entries */
	uint32_t *dev_slot;		/* 2 * STORE_DEV_CAP: index + 1 */
	uint32_t n_dev;			/* entries used */
	struct store_daddr *addr;	/* STORE_DADDR_CAP entries */
	uint32_t *addr_slot;		/* 2 * STORE_DADDR_CAP, as dev_slot */
	uint32_t n_addr;		/* entries used */
	sqlite3_stmt *up_dev;		/* UPSERT into devices */
	sqlite3_stmt *up_addr;		/* UPSERT into device_addrs */
};

/* A capture source name and its id in `ifaces`, resolved lazily. */
struct store_iface {
	char name[STORE_IFNAME_MAX];	/* "" when never named */
	int64_t id;			/* ifaces.id, 0 until resolved */
};

/* Steps rolled up from finer ones: 0 hours, 1 days. */
enum { STORE_ROLL_1H, STORE_ROLL_1D, STORE_N_ROLL };

/*
 * The history writer (store_series.c). rolled_to[] mirror the rollups
 * table; dirty_from[] (in memory only: rollups run in the transaction that
 * wrote the minutes) is the oldest minute written below rolled_to, or
 * INT64_MAX. Every retention window ends at store_horizon_s(): newest_s,
 * the newest data time in the store, but never past the wall clock. With
 * keep_own (ingest) no window reaches past own_from_s, the oldest data
 * this writer wrote, so it never prunes what it writes itself (a capture
 * may be older than the store's data, or span years).
 */
struct store_hist {
	bool packet_clock;		/* commit interval in data time */
	bool keep_own;			/* windows stop at own_from_s */
	struct store_keep keep;		/* retention */
	uint32_t k, k_local;		/* rows kept per rollup period */
	int64_t newest_s;		/* newest minute or flow, seconds */
	int64_t own_from_s;		/* oldest data this writer wrote,
					   seconds; INT64_MAX none yet */
	int64_t data_ms;		/* newest data time seen, ms (packet clock) */
	int64_t rolled_to[STORE_N_ROLL];	/* closed periods rolled up to here */
	int64_t dirty_from[STORE_N_ROLL];	/* re-roll from here, INT64_MAX none */
	int64_t pruned_at;		/* newest_s hour of the last prune */
	int64_t gc_day;			/* horizon day of the last store_gc */
	bool gc_due;			/* rows pruned since the last store_gc */
	bool prune_more;		/* the last prune hit its limit */
	uint64_t batch_points;		/* points in the open batch */
	sqlite3_stmt *up_pt;		/* UPSERT into series_1m */
	sqlite3_stmt *up_journal;	/* the same into run_points, or NULL */
};

/* Bind a dictionary id at col; 0 binds NULL. */
void store_bind_id(sqlite3_stmt *s, int col, int64_t id);

/* Dictionary ids of one record, in flows column order; 0 binds NULL. */
struct store_ids {
	int64_t iface;		/* ifaces.id */
	int64_t cli_mac;	/* macs.id of the client */
	int64_t srv_mac;	/* macs.id of the server */
	int64_t app;		/* apps.id */
	int64_t name;		/* names.id of the server name */
	int64_t cli_name;	/* names.id of the client name */
};

#define STORE_CONV_LIVE 3	/* hours summed while their records come */

/*
 * Conversations per hour (store_conv.c). Hours from next_h on are not
 * rolled yet; dirty holds hours below next_h written to since the last
 * commit (rolled again at the next), kept until a commit succeeds. An hour
 * rolls once a record newer than its end by lag_us arrives, or at
 * store_conv_finish().
 */
struct store_conv {
	int64_t next_h;			/* -1 until read from conv_hours */
	int64_t clock_us;		/* newest last_us written */
	int64_t lag_us;
	int64_t *dirty;			/* n_dirty hours, unsorted */
	size_t n_dirty, cap_dirty;
	bool all;			/* every flow written: roll them all */
	bool failed;			/* out of memory noting a dirty hour */
	struct store_conv_live *live[STORE_CONV_LIVE];	/* NULL unused */
	int64_t *touched;		/* hours at or past next_h written to in
					   the open batch, n_touched */
	size_t n_touched, cap_touched;
	int64_t *over;			/* hours that passed a ceiling live */
	size_t n_over, cap_over;
	char **apps;			/* apps.name by id, n_apps, NULL unknown */
	size_t n_apps;
};

/*
 * An open store. Invariants: in_txn is true exactly while the writer holds
 * an open batch; every id in a dictionary cache, iface id and run_id exists
 * in the database or in the open batch, so all of them are forgotten when a
 * batch rolls back.
 */
struct store {
	sqlite3 *db;			/* the connection */
	char *path;			/* copy of the opened path */
	char *command;			/* copy of opts.command, "" if none */
	bool read_only;			/* opened for reports */
	bool journal;			/* series points also into run_points */
	bool run_used;			/* captures point at run_id */
	bool in_txn;			/* a batch is open */
	uint32_t commit_interval_s;	/* from opts */
	uint32_t batch_max_rows;	/* from opts, defaulted */
	uint64_t batch_start_ms;	/* CLOCK_MONOTONIC when the batch began */
	uint64_t batch_rows;		/* rows in the open batch */
	int64_t run_id;			/* runs.id, 0 until the first batch */
	uint64_t run_start_us;		/* wall clock at open */
	uint32_t busy_timeout_ms;	/* wait for another writer this long */
	uint64_t busy_since_ms;		/* CLOCK_MONOTONIC of this wait's start */
	bool busy_said;			/* this wait was announced */
	char busy_who[160];		/* the writer waited for, "" unknown */
	sqlite3_stmt *begin;		/* BEGIN IMMEDIATE */
	sqlite3_stmt *commit;		/* COMMIT */
	sqlite3_stmt *ins_flow;		/* INSERT INTO flows */
	sqlite3_stmt *ins_run;		/* INSERT INTO runs */
	sqlite3_stmt *find_iface;	/* SELECT id FROM ifaces */
	sqlite3_stmt *ins_iface;	/* INSERT INTO ifaces */
	sqlite3_stmt *mark_end;		/* UPDATE flows: a flow's end onto
					   its latest record */
	struct agg_per_flow last_row;	/* (run, flow) -> int64_t rowid of the
					   flow's latest row, until its final
					   record; writer only */
	struct store_dict dict[STORE_N_DICTS]; /* macs, apps, names */
	struct store_seen_slot *seen[STORE_N_SEEN]; /* STORE_SEEN_CAP each */
	sqlite3_stmt *up_asn;		/* UPSERT into asns */
	sqlite3_stmt *up_vendor;	/* UPDATE macs SET vendor */
	struct store_devs devs;		/* local devices, writer only */
	struct store_iface *ifaces;	/* STORE_N_IFACES, writer only */
	struct store_stats stats;	/* counters */
	struct store_hist hist;		/* series, rollups, retention */
	struct store_conv conv;		/* conversations per hour */
	int64_t data_version;		/* PRAGMA data_version at the last
					   batch open: another writer's
					   commit changes it */
};

/* The program's migration list, oldest first; the last gives the version. */
extern const struct store_migration store_migrations[];
extern const size_t store_n_migrations;

/*
 * Bring db from its user_version to the last step of list, each step in its
 * own transaction. Fails on a version newer than the list knows.
 */
int store_migrate_list(sqlite3 *db, const char *path,
    const struct store_migration *list, size_t n, struct ft_err *err);

/* FT_E* code (positive) for an SQLite result code. */
int store_code(int sqlite_rc);

/* Fill err for a failed SQLite call on db and return -code. */
int store_db_err(struct ft_err *err, sqlite3 *db, int rc, const char *path,
    const char *what);

/*
 * Run a one-row statement (a PRAGMA, a SELECT) and read its first column as
 * an integer (iv) and/or text (tv); both stay as they were when no row comes.
 */
int store_pragma(sqlite3 *db, const char *path, const char *sql, int64_t *iv,
    char *tv, size_t tv_cap, struct ft_err *err);

/* Run statements without results. */
int store_exec(sqlite3 *db, const char *path, const char *sql,
    struct ft_err *err);

/* Who else writes to the store (for messages), "" when unknown. */
void store_other_writer(struct store *st, char *out, size_t cap);

/* Prepare the writer's statements and caches (store_write.c). */
int store_writer_init(struct store *st, struct ft_err *err);

/* Finalize them; safe on a partly initialised writer. */
void store_writer_fini(struct store *st);

/* Record this writer in `runs` (its own transaction), at open. */
int store_run_open(struct store *st, struct ft_err *err);

/* Open a batch (BEGIN; the first also records the run). */
int store_batch_open(struct store *st, struct ft_err *err);

/* Roll back after rc and say in err what the open batch lost. */
int store_batch_fail(struct store *st, int rc, struct ft_err *err);

/* Commit when the batch is due (interval or size). */
int store_batch_maybe_commit(struct store *st, struct ft_err *err);

/* Roll back the open batch, if any, and forget what it created. */
void store_rollback(struct store *st);

/* Roll back after rc, count lost records as lost, say so in err. */
int store_fail(struct store *st, int rc, uint64_t lost, struct ft_err *err);

/* Prepare sql once for the life of the writer. */
int store_prepare(struct store *st, const char *sql, sqlite3_stmt **s,
    struct ft_err *err);

/* Step s (at most one integer row, into *id), then reset it. */
int store_step_id(struct store *st, sqlite3_stmt *s, int64_t *id,
    struct ft_err *err);

/* store_fields.c: SQL text built in a caller's buffer. */
struct store_sql {
	char *p;		/* the text, NUL-terminated */
	size_t cap, len;	/* bytes at p, used */
	bool trunc;		/* something did not fit: do not run it */
};

void store_sql_init(struct store_sql *b, char *mem, size_t cap);
void store_sql_addf(struct store_sql *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * INSERT INTO table (kind, t, key, the counters of ft_series_fields in
 * order [, run]) VALUES (?1, ...); with upsert, a point whose row is
 * there adds to it by each counter's add rule.
 */
void store_series_sql_insert(struct store_sql *b, const char *table,
    bool run, bool upsert);

/*
 * SELECT key, then each counter combined by its roll rule, of one kind
 * (?1) over [?2, ?3) of src, busiest key first.
 */
void store_series_sql_roll(struct store_sql *b, const char *src);

/* A point's counters v (ft_series_pt.v) as parameters first, first + 1, ... */
void store_series_bind(sqlite3_stmt *s, int first, const uint64_t *v);

/* INSERT INTO table (hour, the columns of f) VALUES (?1, ...). */
void store_conv_sql_insert(struct store_sql *b, const char *table,
    const struct ft_conv_field *f, size_t n);

/* FNV-1a of len bytes. */
uint64_t store_hash(const void *key, size_t len);

/* Dictionaries and side tables (store_dict.c). */
int store_dicts_init(struct store *st, struct ft_err *err);
void store_dicts_fini(struct store *st);
void store_dicts_clear(struct store *st);
int store_dict_get(struct store *st, enum store_dict_kind k, const char *key,
    uint32_t len, int64_t *id, struct ft_err *err);

/* Make asns say org for asn (org "" leaves a known org alone). */
int store_asn_note(struct store *st, uint32_t asn, const char *org,
    struct ft_err *err);

/* Make macs.vendor of mac_id say vendor ("" leaves it alone). */
int store_vendor_note(struct store *st, int64_t mac_id, const char *vendor,
    struct ft_err *err);

/* Series, rollups and retention (store_series.c, store_rollup.c). */
int store_hist_init(struct store *st, struct ft_err *err);
void store_hist_fini(struct store *st);
/* Roll up and prune inside the open batch, before its commit. */
int store_hist_commit(struct store *st, struct ft_err *err);
/* Forget what the rolled-back batch changed. */
void store_hist_rollback(struct store *st);
int store_rollup(struct store *st, struct ft_err *err);
/*
 * Roll the closed hours and days over minutes [from, to) again from what
 * series_1m holds now (a period without minutes left loses its rows).
 */
int store_reroll(struct store *st, int64_t from, int64_t to,
    struct ft_err *err);

/* A writer's pid that is a live flowtrail process, not this one. */
bool store_pid_alive(int64_t pid);

/* Conversations (store_conv.c): the writer's next_h read. */
int store_conv_init(struct store *st, struct ft_err *err);

/*
 * A record written (ids its dictionary ids): its hour noted, and its flow
 * summed into the hour's live state, which spares reading the hour back
 * when it rolls if it saw all of the hour's records.
 */
void store_conv_note(struct store *st, const struct ft_flowrec *r,
    const struct store_ids *ids);

/*
 * An empty final record written as the end of its flow's latest row
 * (row_first_us: that row's first_us): the hour noted, and the flag it set
 * summed into the row's hour, not a record of its own (not counted, no
 * labels), so that the live sums equal the hour read back.
 */
void store_conv_note_end(struct store *st, const struct ft_flowrec *r,
    int64_t row_first_us);

/* Roll the hours due, in the open transaction. */
int store_conv_commit(struct store *st, struct ft_err *err);

/*
 * Flow records before this (an hour's start, microseconds) are past their
 * retention window: pruned, or about to be. 0 keeps them all.
 */
int64_t store_flows_cutoff_us(const struct store *st);

/* Where every retention window ends: the newest data, at most now. */
int64_t store_horizon_s(const struct store *st);

/*
 * Retention: the conversations of hours before cutoff_us go, a bounded
 * number of hours a call; *n counts the rows deleted.
 */
int store_conv_prune(struct store *st, int64_t cutoff_us, uint64_t *n,
    struct ft_err *err);

/* After a commit (ok) or a rollback (!ok). */
void store_conv_done(struct store *st, bool ok);
void store_conv_fini(struct store *st);
int store_prune(struct store *st, struct ft_err *err);

/*
 * Dictionaries after retention (store_gc.c): delete the names, MACs,
 * devices and device addresses no retained row needs; n[0..3] count them.
 * Empties this writer's caches.
 */
int store_gc(struct store *st, uint64_t *n, struct ft_err *err);

/* At batch open: empty the caches when another writer has committed. */
int store_gc_check(struct store *st, struct ft_err *err);

/* Devices (store_devices.c). */
int store_devs_init(struct store *st, struct ft_err *err);
void store_devs_fini(struct store *st);
void store_devs_clear(struct store *st);

/* Merge the local ends of r (cli_mac_id, srv_mac_id: macs ids or 0). */
int store_devs_note(struct store *st, const struct ft_flowrec *r,
    int64_t cli_mac_id, int64_t srv_mac_id, struct ft_err *err);

/* Write the changed devices and addresses into the open batch. */
int store_devs_flush(struct store *st, struct ft_err *err);

#endif
