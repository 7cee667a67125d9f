/* store_db.c: opening the store: pragmas, identity, migrations */
#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../base/ft_log.h"
#include "../base/ft_time.h"
#include "store_int.h"

void
store_other_writer(struct store *st, char *out, size_t cap)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t pid;

	out[0] = '\0';
	/* a connection of its own: the busy one must not be re-entered */
	if (sqlite3_open_v2(st->path, &db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT pid, command, start_us FROM runs "
	    "WHERE pid IS NOT NULL ORDER BY id DESC LIMIT 64", -1, &s,
	    NULL) != SQLITE_OK)
		goto out;
	while (sqlite3_step(s) == SQLITE_ROW) {
		pid = sqlite3_column_int64(s, 0);
		if (!store_pid_alive(pid))
			continue;
		snprintf(out, cap, "pid %lld (%.100s)", (long long)pid,
		    sqlite3_column_text(s, 1) && sqlite3_column_bytes(s, 1) ?
		    (const char *)sqlite3_column_text(s, 1) : "flowtrail");
		break;
	}
out:
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/*
 * Another writer holds the store: wait for it, up to busy_timeout_ms, and
 * say once, after a second, whom we wait for. Its transactions are one
 * commit interval of work at most, so the wait is normally short.
 */
static int
store_on_busy(void *arg, int n)
{
	struct store *st = arg;
	uint64_t now = ft_mono_us() / 1000, waited;

	if (n == 0) {
		st->busy_since_ms = now;
		st->busy_said = false;
	}
	waited = now - st->busy_since_ms;
	if (waited >= st->busy_timeout_ms)
		return 0;
	if (!st->busy_said && waited >= 1000) {
		char who[sizeof(st->busy_who)];

		/* once per writer waited for, not at every wait */
		st->busy_said = true;
		store_other_writer(st, who, sizeof(who));
		if (strcmp(who, st->busy_who) || !who[0])
			ft_log(FT_LOG_WARN, "store %s: waiting for another "
			    "writer, %s, for up to %u s (store.busy-timeout)",
			    st->path, who[0] ? who : "not named in runs",
			    st->busy_timeout_ms / 1000);
		snprintf(st->busy_who, sizeof(st->busy_who), "%s", who);
	}
	usleep(n < 10 ? 1000u * (unsigned)(n + 1) : 20000u);
	return 1;
}

int
store_code(int sqlite_rc)
{
	switch (sqlite_rc & 0xff) {
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_PROTOCOL:
		return FT_EIO;
	case SQLITE_NOMEM:
		return FT_ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return FT_EAGAIN;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return FT_EPERM;
	}
	return FT_EDB;
}

int
store_db_err(struct ft_err *err, sqlite3 *db, int rc, const char *path,
    const char *what)
{
	const char *detail = sqlite3_errstr(rc);

	if ((rc & 0xff) == SQLITE_NOTADB)
		return ft_err_set(err, FT_EDB, "%s is not an SQLite database, "
		    "so not a flowtrail store", path);
	if (db && sqlite3_errcode(db) == rc)
		detail = sqlite3_errmsg(db);
	if ((rc & 0xff) == SQLITE_BUSY)
		return ft_err_set(err, store_code(rc), "store %s: %s: another "
		    "writer held the store longer than store.busy-timeout "
		    "allows (%s)", path, what, detail);
	if ((rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_FULL)
		return ft_err_set(err, store_code(rc), "store %s: %s: %s (is "
		    "the disk full, or a file size limit reached?)", path,
		    what, detail);
	return ft_err_set(err, store_code(rc), "store %s: %s: %s", path, what,
	    detail);
}

int
store_exec(sqlite3 *db, const char *path, const char *sql, struct ft_err *err)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return store_db_err(err, db, rc, path, "statement failed");
	return 0;
}

int
store_pragma(sqlite3 *db, const char *path, const char *sql, int64_t *iv,
    char *tv, size_t tv_cap, struct ft_err *err)
{
	sqlite3_stmt *s;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_db_err(err, db, rc, path, sql);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (iv)
			*iv = sqlite3_column_int64(s, 0);
		if (tv && tv_cap)
			snprintf(tv, tv_cap, "%s",
			    (const char *)sqlite3_column_text(s, 0) ?
			    (const char *)sqlite3_column_text(s, 0) : "");
		rc = SQLITE_DONE;
	}
	if (rc != SQLITE_DONE) {
		rc = store_db_err(err, db, rc, path, sql);
		sqlite3_finalize(s);
		return rc;
	}
	sqlite3_finalize(s);
	return 0;
}

static int
store_user_version(sqlite3 *db, const char *path, int *v, struct ft_err *err)
{
	int64_t x = 0;
	int rc = store_pragma(db, path, "PRAGMA user_version", &x, NULL, 0,
	    err);

	*v = (int)x;
	return rc;
}

static int
store_newer_err(struct ft_err *err, const char *path, int have, int know)
{
	return ft_err_set(err, FT_ENOTSUP,
	    "store %s has schema version %d, newer than this flowtrail "
	    "knows (%d): upgrade flowtrail", path, have, know);
}

/* One step in its own transaction; a concurrent opener may have done it. */
static int
store_migrate_step(sqlite3 *db, const char *path,
    const struct store_migration *m, struct ft_err *err)
{
	char sql[64];
	int have, rc;

	rc = store_exec(db, path, "BEGIN IMMEDIATE", err);
	if (rc)
		return rc;
	rc = store_user_version(db, path, &have, err);
	if (rc || have >= m->version)
		goto out_rollback;
	rc = store_exec(db, path, m->sql, err);
	if (rc)
		goto out_rollback;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", m->version);
	rc = store_exec(db, path, sql, err);
	if (rc)
		goto out_rollback;
	rc = store_exec(db, path, "COMMIT", err);
	if (rc)
		goto out_rollback;
	ft_log(FT_LOG_DEBUG, "store %s: schema version %d", path, m->version);
	return 0;
out_rollback:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	if (rc && err) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		ft_err_set(err, -rc, "cannot upgrade store %s to schema "
		    "version %d: %.160s", path, m->version, why);
	}
	return rc;
}

int
store_migrate_list(sqlite3 *db, const char *path,
    const struct store_migration *list, size_t n, struct ft_err *err)
{
	int have, last = n ? list[n - 1].version : 0, rc;
	size_t i;

	rc = store_user_version(db, path, &have, err);
	if (rc)
		return rc;
	if (have > last)
		return store_newer_err(err, path, have, last);
	for (i = 0; i < n && have < last; i++) {
		if (list[i].version <= have)
			continue;
		rc = store_migrate_step(db, path, &list[i], err);
		if (rc)
			return rc;
	}
	if (have && have < last)
		ft_log(FT_LOG_INFO, "store %s: upgraded from schema version "
		    "%d to %d", path, have, last);
	else if (have < last)
		ft_log(FT_LOG_INFO, "store %s: created (schema version %d)",
		    path, last);
	return 0;
}

/*
 * Refuse files that are SQLite but not ours, before touching them. One
 * statement reads all three, so it sees one snapshot: read one by one, a
 * writer creating the store could commit between them (no id yet, then
 * its tables), and the file would look foreign.
 */
static int
store_check_identity(struct store *st, int *version, struct ft_err *err)
{
	int64_t app_id = 0, n_objects = 0;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(st->db, "SELECT (SELECT application_id FROM "
	    "pragma_application_id), (SELECT user_version FROM "
	    "pragma_user_version), (SELECT count(*) FROM sqlite_schema)", -1,
	    &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		app_id = sqlite3_column_int64(s, 0);
		*version = sqlite3_column_int(s, 1);
		n_objects = sqlite3_column_int64(s, 2);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_OK)
		return store_db_err(err, st->db, rc, st->path,
		    "cannot read the store's identity");
	if (app_id == STORE_APP_ID || (app_id == 0 && *version == 0 &&
	    n_objects == 0))
		return 0;
	return ft_err_set(err, FT_EINVAL, "%s is an SQLite database but not a "
	    "flowtrail store (application_id %#llx)", st->path,
	    (unsigned long long)app_id);
}

/* "file:PATH?immutable=1", the path percent-encoded as URIs want. */
static int
store_immutable_uri(const char *path, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = (size_t)snprintf(out, cap, "file:");
	const unsigned char *p;

	for (p = (const unsigned char *)path; *p && n + 4 < cap; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/._-~", *p)) {
			out[n++] = (char)*p;
			continue;
		}
		out[n++] = '%';
		out[n++] = hex[*p >> 4];
		out[n++] = hex[*p & 15];
	}
	if (*p || n + sizeof("?immutable=1") > cap)
		return -1;
	snprintf(out + n, cap - n, "?immutable=1");
	return 0;
}

/*
 * A reader of a WAL store needs its -shm index, which SQLite makes (or
 * grows) on first read: on a full disk that fails with an I/O error
 * although the store is intact. Then read the file as it is, without
 * locks or index: whole when the write-ahead log is empty (no writer has
 * commits waiting for a checkpoint); else say what is left out.
 */
static int
store_open_full_disk(struct store *st, int *version, struct ft_err *err)
{
	char uri[8192], wal[4096];
	struct stat sb;
	int rc;

	if (store_immutable_uri(st->path, uri, sizeof(uri)))
		return -FT_EIO;
	sqlite3_close(st->db);
	st->db = NULL;
	rc = sqlite3_open_v2(uri, &st->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, NULL);
	if (rc != SQLITE_OK)
		return store_db_err(err, st->db, rc, st->path, "cannot open");
	rc = store_check_identity(st, version, err);
	if (rc)
		return rc;
	snprintf(wal, sizeof(wal), "%s-wal", st->path);
	if (stat(wal, &sb) == 0 && sb.st_size > 0)
		ft_log(FT_LOG_WARN, "store %s: the disk is full, so it is read "
		    "without its write-ahead log: the last %lld KiB of commits "
		    "are not shown", st->path,
		    (long long)(sb.st_size + 1023) / 1024);
	else
		ft_log(FT_LOG_DEBUG, "store %s: the disk is full: read as it "
		    "is, read-only", st->path);
	return 0;
}

static int
store_open_ro(struct store *st, struct ft_err *err)
{
	struct stat sb;
	int rc, version;

	if (stat(st->path, &sb) != 0 && errno == ENOENT)
		return ft_err_set(err, FT_ENOENT, "no store at %s: run "
		    "`flowtrail ingest` or `flowtrail run` first", st->path);
	rc = sqlite3_open_v2(st->path, &st->db,
	    SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		return store_db_err(err, st->db, rc, st->path, "cannot open");
	sqlite3_busy_timeout(st->db, STORE_BUSY_READ_MS);
	rc = store_check_identity(st, &version, err);
	if (rc == -FT_EIO)
		rc = store_open_full_disk(st, &version, err);
	if (rc)
		return rc;
	if (version == 0)
		return ft_err_set(err, FT_ENOENT, "no store at %s (empty file): "
		    "run `flowtrail ingest` or `flowtrail run` first", st->path);
	if (version > store_schema_version())
		return store_newer_err(err, st->path, version,
		    store_schema_version());
	if (version < store_schema_version())
		return ft_err_set(err, FT_ENOTSUP, "store %s has schema version "
		    "%d, older than %d: open it once with `flowtrail run` or "
		    "`flowtrail ingest` to upgrade it", st->path, version,
		    store_schema_version());
	return store_exec(st->db, st->path, "PRAGMA query_only = 1", err);
}

/* WAL so reports read while we write; NORMAL sync is safe in WAL mode. */
static int
store_set_pragmas(struct store *st, struct ft_err *err)
{
	char mode[16];
	int rc;

	rc = store_pragma(st->db, st->path, "PRAGMA journal_mode = WAL", NULL,
	    mode, sizeof(mode), err);
	if (rc)
		return rc;
	if (strcmp(mode, "wal") != 0)
		return ft_err_set(err, FT_EIO, "store %s: cannot use WAL mode "
		    "(journal mode stays '%s'); is the file on a network or "
		    "read-only file system?", st->path, mode);
	return store_exec(st->db, st->path, "PRAGMA synchronous = NORMAL;"
	    "PRAGMA cache_size = -8192;"
	    "PRAGMA wal_autocheckpoint = 4096;", err);
}

static int
store_open_rw(struct store *st, struct ft_err *err)
{
	int rc, version;

	rc = sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		return store_db_err(err, st->db, rc, st->path, "cannot open");
	sqlite3_busy_handler(st->db, store_on_busy, st);
	rc = store_check_identity(st, &version, err);
	if (!rc && version > store_schema_version())
		rc = store_newer_err(err, st->path, version,
		    store_schema_version());
	if (!rc)
		rc = store_set_pragmas(st, err);
	if (!rc)
		rc = store_migrate_list(st->db, st->path, store_migrations,
		    store_n_migrations, err);
	if (!rc)
		rc = store_writer_init(st, err);
	if (!rc)
		rc = store_run_open(st, err);
	return rc;
}

static uint64_t
store_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int
store_copy_opts(struct store *st, const struct store_opts *o,
    struct ft_err *err)
{
	st->path = strdup(o->path);
	st->command = strdup(o->command ? o->command : "");
	if (!st->path || !st->command)
		return ft_err_set(err, FT_ENOMEM, "store: out of memory");
	st->read_only = o->read_only;
	st->journal = o->journal;
	st->busy_timeout_ms = (o->busy_timeout_s ? o->busy_timeout_s :
	    STORE_BUSY_TIMEOUT_S) * 1000u;
	st->commit_interval_s = o->commit_interval_s;
	st->hist.packet_clock = o->packet_clock;
	st->hist.keep_own = o->keep_own;
	st->hist.keep = o->keep;
	st->hist.k = o->rollup_k ? o->rollup_k : 50;
	st->hist.k_local = o->rollup_local ? o->rollup_local : 256;
	st->batch_max_rows = o->batch_max_rows ? o->batch_max_rows :
	    STORE_BATCH_MAX_ROWS;
	st->run_start_us = store_wall_us();
	st->conv.lag_us = (int64_t)(o->conv_lag_s ? o->conv_lag_s :
	    STORE_CONV_LAG_S) * 1000000;
	st->conv.next_h = -1;
	return 0;
}

/* A store this open created and could not finish leaves no file behind. */
static void
store_unlink_new(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char p[4096];
	size_t i;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		if (snprintf(p, sizeof(p), "%s%s", path, sfx[i]) <
		    (int)sizeof(p))
			unlink(p);
	}
}

static void
store_free(struct store *st)
{
	free(st->path);
	free(st->command);
	free(st);
}

/*
 * SQLite's memory statistics take a global mutex on every allocation; the
 * writer thread allocates per row. Off, once, before SQLite starts.
 */
static void
store_sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int
store_open(const struct store_opts *o, struct store **out,
    struct ft_err *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct store *st;
	bool existed;
	int rc;

	pthread_once(&once, store_sqlite_setup);
	if (!o || !o->path || !o->path[0] || !out)
		return ft_err_set(err, FT_EINVAL, "store: no database path");
	st = calloc(1, sizeof(*st));
	if (!st)
		return ft_err_set(err, FT_ENOMEM, "store: out of memory");
	rc = store_copy_opts(st, o, err);
	if (rc)
		goto out_free;
	existed = st->read_only || access(st->path, F_OK) == 0;
	rc = st->read_only ? store_open_ro(st, err) : store_open_rw(st, err);
	if (rc)
		goto out_close_db;
	*out = st;
	return 0;
out_close_db:
	store_writer_fini(st);
	sqlite3_close(st->db);
	if (!existed)
		store_unlink_new(st->path);
out_free:
	store_free(st);
	return rc;
}

/* A writer that wrote nothing leaves no row in `runs`. */
static void
store_run_close(struct store *st)
{
	char sql[64];

	if (!st->run_id || st->stats.commits || st->run_used)
		return;
	snprintf(sql, sizeof(sql), "DELETE FROM runs WHERE id = %lld",
	    (long long)st->run_id);
	sqlite3_exec(st->db, sql, NULL, NULL, NULL);
}

void
store_close(struct store *st)
{
	struct ft_err err = { 0 };

	if (!st)
		return;
	if (!st->read_only && store_commit(st, &err))
		ft_log(FT_LOG_ERROR, "%s", err.msg);
	store_writer_fini(st);
	if (!st->read_only)
		store_run_close(st);
	if (!st->read_only)
		sqlite3_exec(st->db, "PRAGMA optimize", NULL, NULL, NULL);
	if (sqlite3_close(st->db) != SQLITE_OK)
		ft_log(FT_LOG_ERROR, "store %s: close: %s", st->path,
		    sqlite3_errmsg(st->db));
	store_free(st);
}

struct sqlite3 *
store_db(struct store *st)
{
	return st->db;
}

const char *
store_path(const struct store *st)
{
	return st->path;
}
