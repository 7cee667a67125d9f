/* store_int.h: the store's private parts, shared by store_db.c and store_write.c only. */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <sqlite3.h>

#include "store.h"

#define STORE_APP_ID 0x46547231		/* PRAGMA application_id: "FTr1" */
#define STORE_BUSY_TIMEOUT_MS 5000	/* wait this long for another writer */
#define STORE_N_IFACES 256		/* ft_flowrec.iface is a uint8_t */
#define STORE_IFNAME_MAX 64		/* interface name incl. NUL */

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

/* A capture source name and its id in `ifaces`, resolved lazily. */
struct store_iface {
	char name[STORE_IFNAME_MAX];	/* "" when never named */
	int64_t id;			/* ifaces.id, 0 until resolved */
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
	bool in_txn;			/* a batch is open */
	uint32_t commit_interval_s;	/* from opts */
	uint32_t batch_max_rows;	/* from opts, defaulted */
	uint64_t batch_start_ms;	/* CLOCK_MONOTONIC when the batch began */
	uint64_t batch_rows;		/* rows in the open batch */
	int64_t run_id;			/* runs.id, 0 until the first batch */
	uint64_t run_start_us;		/* wall clock at open */
	sqlite3_stmt *begin;		/* BEGIN IMMEDIATE */
	sqlite3_stmt *commit;		/* COMMIT */
	sqlite3_stmt *ins_flow;		/* INSERT INTO flows */
	sqlite3_stmt *ins_run;		/* INSERT INTO runs */
	sqlite3_stmt *find_iface;	/* SELECT id FROM ifaces */
	sqlite3_stmt *ins_iface;	/* INSERT INTO ifaces */
	struct store_dict dict[STORE_N_DICTS]; /* macs, apps, names */
	struct store_iface *ifaces;	/* STORE_N_IFACES, writer only */
	struct store_stats stats;	/* counters */
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

/* Run statements without results. */
int store_exec(sqlite3 *db, const char *path, const char *sql,
    struct ft_err *err);

/* Prepare the writer's statements and caches (store_write.c). */
int store_writer_init(struct store *st, struct ft_err *err);

/* Finalize them; safe on a partly initialised writer. */
void store_writer_fini(struct store *st);

/* Roll back the open batch, if any, and forget what it created. */
void store_rollback(struct store *st);

#endif
