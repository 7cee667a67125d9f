/* store.h: the SQLite store: schema and migrations, batched flow writes, read-only opens. */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/ft_err.h"
#include "../model/ft_flowrec.h"

#define STORE_BATCH_MAX_ROWS 200000	/* default ceiling of one batch */

struct store_opts {
	const char *path;		/* database file */
	uint32_t commit_interval_s;	/* batch writes for this long (wall clock) */
	uint32_t batch_max_rows;	/* also commit at this many rows; 0 default */
	const char *command;		/* what this run is, for `runs`; may be NULL */
	bool read_only;			/* reports: open read-only, never migrate */
};

/* Counters of one writer, for `run` to serve and `ingest` to print. */
struct store_stats {
	uint64_t rows;		/* flow rows committed */
	uint64_t commits;	/* batches committed */
	uint64_t rows_lost;	/* rows of batches rolled back after a failure */
	uint64_t dict_hits;	/* dictionary lookups answered by the cache */
	uint64_t dict_misses;	/* dictionary lookups that went to SQLite */
	uint64_t dev_writes;	/* device and device address rows written */
	uint32_t run_id;	/* this writer's row in `runs`, 0 before the first */
};

struct store;

/*
 * Open (creating and migrating when writable) the store at o->path. A
 * read-only open of a missing file, or of a file whose schema is newer than
 * this program, fails with a clear message in err. The caller owns *out and
 * releases it with store_close().
 */
int store_open(const struct store_opts *o, struct store **out,
    struct ft_err *err);

/*
 * Commit what is pending and close. NULL is a no-op. A failed final commit
 * is logged; call store_commit() first to see it as an error.
 */
void store_close(struct store *st);

/* Name the capture source with index idx (as in ft_flowrec.iface). */
int store_set_iface(struct store *st, unsigned idx, const char *name,
    struct ft_err *err);

/*
 * Add n records to the open batch. Commits when the batch is older than the
 * commit interval (0: at every call) or holds batch_max_rows rows. Call it
 * with n == 0 on every tick so a quiet network still commits on time. A
 * failure rolls back the open batch (its rows are lost and counted) and
 * leaves earlier commits intact; returns -FT_EIO (disk full, I/O) or
 * -FT_EDB.
 */
int store_append(struct store *st, const struct ft_flowrec *recs, size_t n,
    struct ft_err *err);

/* Commit the open batch now (end of ingest, shutdown). */
int store_commit(struct store *st, struct ft_err *err);

/* Copy the writer's counters into out. */
void store_get_stats(const struct store *st, struct store_stats *out);

/* The sqlite3 handle, for the query module's readers. */
struct sqlite3 *store_db(struct store *st);

/* Path the store was opened with, for messages. */
const char *store_path(const struct store *st);

/* Schema version this program writes. */
int store_schema_version(void);

#endif
