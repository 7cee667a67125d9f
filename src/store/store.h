/* store.h: the SQLite store: schema, batched flow writes, read-only opens */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/ft_err.h"
#include "../model/ft_conv.h"
#include "../model/ft_flowrec.h"
#include "../model/ft_series.h"

#define STORE_BATCH_MAX_ROWS 200000	/* default ceiling of one batch */
#define STORE_BUSY_TIMEOUT_S 300	/* default wait for another writer */

/*
 * How long each kind of history is kept, in days; 0 keeps it forever.
 * Windows end at the newest data in the store (packet time), but never
 * past the wall clock (docs/internals/store.md, "Retention").
 */
struct store_keep {
	uint32_t flows_days;		/* raw flow records */
	uint32_t m1_days;		/* 1-minute series */
	uint32_t h1_days;		/* 1-hour rollups */
	uint32_t d1_days;		/* 1-day rollups */
};

struct store_opts {
	const char *path;		/* database file */
	uint32_t commit_interval_s;	/* batch writes for this long */
	bool packet_clock;		/* the interval counts packet time (ingest),
					   not the wall clock (run) */
	bool keep_own;			/* never prune data at or after the oldest
					   this writer wrote (ingest: a capture
					   may be older than the store's data, or
					   span years) */
	struct store_keep keep;		/* retention; all 0 keeps everything */
	uint32_t rollup_k;		/* rows kept per period and kind in
					   rollups (0: 50); the rest is "other" */
	uint32_t rollup_local;		/* the same for local hosts and MACs (0: 256) */
	uint32_t batch_max_rows;	/* also commit at this many rows; 0 default */
	const char *command;		/* what this run is, for `runs`; may be NULL */
	bool read_only;			/* reports: open read-only, never migrate */
	bool journal;			/* keep this run's series points in
					   run_points until store_captures_done(),
					   so a run that dies can be backed out */
	uint32_t busy_timeout_s;	/* wait this long for another writer
					   (0: STORE_BUSY_TIMEOUT_S) */
	uint32_t conv_lag_s;		/* an hour's conversations roll once a
					   record this much newer is written
					   (the longest flow timeout and
					   more); 0: STORE_CONV_LAG_S */
};

/* Counters of one writer, for `run` to serve and `ingest` to print. */
struct store_stats {
	uint64_t rows;		/* flow rows committed */
	uint64_t ends_marked;	/* empty final records written as the end of
				   their flow's latest row, not as a row */
	uint64_t commits;	/* batches committed */
	uint64_t rows_lost;	/* rows of batches rolled back after a failure */
	uint64_t dict_hits;	/* dictionary lookups answered by the cache */
	uint64_t dict_misses;	/* dictionary lookups that went to SQLite */
	uint64_t dev_writes;	/* device and device address rows written */
	uint64_t points;	/* series points (minute rows) committed */
	uint64_t rolled;	/* hour and day periods rolled up */
	uint64_t conv_hours;	/* hours rolled into conversations */
	uint64_t conv_raw;	/* hours left to the flow records */
	uint64_t conv_read_back;	/* of conv_hours, summed from their
					   flow records read back, not from
					   the sums made as they were written */
	uint64_t pruned;	/* rows deleted by retention, all tables */
	uint64_t pruned_flows;	/* of which flow records */
	uint64_t pruned_series;	/* series rows (1m, 1h, 1d) */
	uint64_t pruned_conv;	/* conversation rows (edges and parts) */
	uint64_t pruned_dict[4];	/* names, MACs, devices, device
					   addresses no retained row needed */
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

/*
 * Add n minute points to the open batch; a point whose row exists (same
 * kind, minute and key) adds to it (peaks take the maximum). Commits like
 * store_append. At each commit, closed hours and days are rolled up from
 * their minutes (exact sums, the top rollup_k keys per period and kind
 * plus "other") and retention prunes a bounded amount: all in the batch's
 * transaction, so a crash leaves either both or neither.
 */
int store_append_series(struct store *st, const struct ft_series_pt *pts,
    size_t n, struct ft_err *err);

/*
 * Conversations per UTC hour (docs/internals/conv.md): conv_hours says
 * which hours are rolled; conv_edges holds the flows that lie whole in
 * one hour summed per edge, conv_parts every other flow's records of the
 * hour summed per flow.
 */
#define STORE_HOUR_US INT64_C(3600000000)
#define STORE_CONV_LAG_S 900
#define STORE_CONV_ROLLED 1	/* conv_hours.state: its rows answer it */
#define STORE_CONV_RAW 2	/* read its flow records instead */
#define STORE_CONV_STALE 3	/* rolled, then written to: its records
				   answer until it rolls again */
#define STORE_CONV_FIRST 0x80	/* conv_parts.flags: holds the first record */

/*
 * Every flow has been written (the flow table was flushed): roll every
 * hour written to, the newest too, and commit. A later record in a rolled
 * hour rolls it again.
 */
int store_conv_finish(struct store *st, struct ft_err *err);

/*
 * A capture file ingest is asked to take (docs/schema.md, `captures`).
 * The caller fills path, size and fingerprint; store_captures_begin() fills
 * the rest.
 */
enum store_cap_verdict {
	STORE_CAP_NEW,		/* not in the store: ingest it */
	STORE_CAP_REDO,		/* an ingest of it died part-way and was
				   backed out: ingest it again */
	STORE_CAP_SEEN,		/* ingested before: skip it */
	STORE_CAP_BUSY,		/* another live writer is ingesting it: skip */
	STORE_CAP_TWICE,	/* given earlier in the same list: skip */
};

#define STORE_FP_LEN 17		/* fingerprint: 16 hex digits and NUL */

struct store_capture {
	const char *path;		/* as given, for messages and the table */
	uint64_t size;			/* bytes */
	char fp[STORE_FP_LEN];		/* hash of the first and last 64 KiB */
	enum store_cap_verdict verdict;	/* out */
	int64_t run;			/* out: SEEN, BUSY, REDO: that run */
	int64_t added_us;		/* out: SEEN: when it was ingested */
	int64_t pid;			/* out: BUSY: the writer's pid */
	uint64_t packets;		/* SEEN: its packets; done: this run's */
	int64_t first_us, last_us;	/* SEEN / done: packet-time range, or -1 */
};

/*
 * Before ingesting n captures: in one transaction, find each one's
 * fingerprint; skip those ingested already (unless force) or being
 * ingested by another live writer; back out every run that died part-way
 * through one of them (its flow records, its series points with the hours
 * and days rolled from them, its conversations made stale to roll again);
 * and note the rest as this run's, partial.
 */
int store_captures_begin(struct store *st, struct store_capture *caps,
    size_t n, bool force, struct ft_err *err);

/*
 * After every record and point of this run is committed: its captures (the
 * NEW and REDO ones of caps, with packets and range filled) are done, and
 * its journal of series points goes.
 */
int store_captures_done(struct store *st, const struct store_capture *caps,
    size_t n, struct ft_err *err);

/* Commit the open batch now (end of ingest, shutdown). */
int store_commit(struct store *st, struct ft_err *err);

/*
 * Retention as it stands (seconds since the epoch; 0 for a window that
 * keeps everything): rows before each start are pruned at the next
 * commit. A writer's own data is never pruned with keep_own.
 */
struct store_windows {
	int64_t horizon_s;	/* windows end here: newest data, at most now */
	int64_t own_from_s;	/* oldest data this writer wrote, 0 none */
	int64_t flows_s;	/* flow records kept from here (an hour) */
	int64_t m1_s;		/* 1-minute series (once rolled into hours) */
	int64_t h1_s;		/* 1-hour rollups (once rolled into days) */
	int64_t d1_s;		/* 1-day rollups */
};

void store_get_windows(const struct store *st, struct store_windows *out);

/* A data time as "2024-11-01 08:00:00 UTC" into buf ("-" for 0). */
const char *store_fmt_utc(int64_t t, char *buf, size_t len);

/*
 * Flow records this writer wrote that lie before the flows window: kept
 * (keep_own), and pruned by the next writer whose windows pass them.
 */
int store_count_own_behind(struct store *st, uint64_t *n, struct ft_err *err);

/* Sizes of the tables that grow with the network's churn. */
struct store_sizes {
	uint64_t names;		/* rows of names */
	uint64_t macs;		/* rows of macs */
	uint64_t devices;	/* rows of devices */
	uint64_t device_addrs;	/* rows of device_addrs */
	uint64_t used_bytes;	/* pages in use (not free) times page size */
};

/* Count them (one full count per table; for summaries, not hot paths). */
int store_gc_sizes(struct store *st, struct store_sizes *out,
    struct ft_err *err);

/* Copy the writer's counters into out. */
void store_get_stats(const struct store *st, struct store_stats *out);

/*
 * A conversation row's columns (ft_conv_field tables, ft_conv.h), as the
 * store writes them and a reader reads them: the SELECT list with each
 * column after prefix ("f."), NULL when cap is too small; the members of
 * row bound from parameter first, or read from column first (each returns
 * the parameter or column after the row's).
 */
struct sqlite3_stmt;
const char *store_conv_select(const struct ft_conv_field *f, size_t n,
    const char *prefix, char *buf, size_t cap);
int store_conv_bind(struct sqlite3_stmt *s, int first,
    const struct ft_conv_field *f, size_t n, const void *row);
int store_conv_read(struct sqlite3_stmt *s, int first,
    const struct ft_conv_field *f, size_t n, void *row);

/* The sqlite3 handle, for the query module's readers. */
struct sqlite3 *store_db(struct store *st);

/* Path the store was opened with, for messages. */
const char *store_path(const struct store *st);

/* Schema version this program writes. */
int store_schema_version(void);

#endif
