/* run_priv.h: `run` leaves root: its user, its store, no capabilities */
#ifndef RUN_PRIV_H
#define RUN_PRIV_H

#include <stdbool.h>
#include <sys/types.h>

#include "../base/ft_err.h"

#define RUN_USER_DEFAULT "flowtrail"	/* made by `make install` */
#define RUN_USER_FALLBACK "nobody"	/* when RUN_USER_DEFAULT does not exist */

/* What run_priv_resolve() decided; owned by the caller (stack). */
struct run_priv {
	char name[64];		/* user run becomes, or the user it runs as */
	uid_t uid;		/* its uid */
	gid_t gid;		/* its primary group */
	bool change;		/* started as root: leave it for name */
	bool keep_root;		/* started as root and asked to stay root */
	bool dir_made;		/* the store's directory did not exist yet */
};

/*
 * Decide from run.user (want; "" for $FLOWTRAIL_USER, else flowtrail, else
 * nobody) and who runs us, before anything opens; also notes whether the
 * store's directory exists. A named user that does not exist is an error.
 */
int run_priv_resolve(const char *want, const char *db_path,
    struct run_priv *rp, struct ft_err *err);

/*
 * Give the store to the user (call with the store open, so its -wal and
 * -shm exist): its files 0640 and owned by the user; its directory 0750
 * and owned by the user when it is flowtrail's own (made by this run,
 * already the user's, or holding nothing but the store and the lookup
 * tables). Another directory is left as it is. Also sets umask 027.
 */
int run_priv_give_store(const struct run_priv *rp, const char *db_path,
    const char *lut_path, struct ft_err *err);

/*
 * Leave root for the user (groups, gid, uid), drop every capability
 * (effective, permitted, inheritable, ambient, bounding as far as the
 * kernel lets us), set no_new_privs, check that root cannot be regained
 * and that the store's directory is writable, and log one line saying
 * who run is now. Call before any thread starts: capabilities and
 * no_new_privs are per thread.
 */
int run_priv_drop(const struct run_priv *rp, const char *db_path,
    struct ft_err *err);

#endif
