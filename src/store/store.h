/* store.h: the SQLite store: schema and migrations, batched flow writes, read-only opens. */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/ft_err.h"
#include "../model/ft_flowrec.h"

struct store_opts {
	const char *path;		/* database file */
	uint32_t commit_interval_s;	/* batch writes for this long (wall clock) */
	bool read_only;			/* reports: open read-only, never migrate */
};

struct store;

/*
 * Open (creating and migrating when writable) the store at o->path. A
 * read-only open of a missing file, or of a file whose schema is newer than
 * this program, fails with a clear message in err.
 */
int store_open(const struct store_opts *o, struct store **out,
    struct ft_err *err);

/* Commit what is pending and close. NULL is a no-op. */
void store_close(struct store *st);

/* Name the capture source with index idx (as in ft_flowrec.iface). */
int store_set_iface(struct store *st, unsigned idx, const char *name,
    struct ft_err *err);

/*
 * Add n records to the open batch. Commits when the batch is older than the
 * commit interval. A failure leaves earlier commits intact.
 */
int store_append(struct store *st, const struct ft_flowrec *recs, size_t n,
    struct ft_err *err);

/* Commit the open batch now (end of ingest, shutdown). */
int store_commit(struct store *st, struct ft_err *err);

/* The sqlite3 handle, for the query module's readers. */
struct sqlite3 *store_db(struct store *st);

/* Schema version this program writes. */
int store_schema_version(void);

#endif
