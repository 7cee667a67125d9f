/* run_priv.c: `run` drops root and all capabilities after its opens */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../base/ft_log.h"
#include "../config/config.h"
#include "run_priv.h"

#define STORE_FILE_MODE 0640	/* the user writes, its group reads */
#define STORE_DIR_MODE 0750

/* The directory part of path: "." when it has none. */
static void
dir_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(buf, len, ".");
	else if (slash == path)
		snprintf(buf, len, "/");
	else
		snprintf(buf, len, "%.*s", (int)(slash - path), path);
}

static const char *
base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int
run_priv_resolve(const char *want, const char *db_path,
    struct run_priv *rp, struct ft_err *err)
{
	const char *env = getenv("FLOWTRAIL_USER");
	bool named = want && want[0];
	char dir[CONFIG_PATH_MAX];
	struct passwd *pw;
	struct stat sb;

	memset(rp, 0, sizeof(*rp));
	dir_of(db_path, dir, sizeof(dir));
	rp->dir_made = stat(dir, &sb) != 0 && errno == ENOENT;
	if (!named && env && env[0]) {
		want = env;
		named = true;
	}
	if (geteuid() != 0) {
		pw = getpwuid(geteuid());
		snprintf(rp->name, sizeof(rp->name), "%s",
		    pw ? pw->pw_name : "?");
		rp->uid = geteuid();
		rp->gid = getegid();
		if (named && strcmp(want, rp->name))
			ft_log(FT_LOG_WARN, "run.user = %s: only root can change "
			    "user; run stays %s (uid %u)", want, rp->name,
			    (unsigned)rp->uid);
		return 0;
	}
	pw = getpwnam(named ? want : RUN_USER_DEFAULT);
	if (!pw && !named)
		pw = getpwnam(RUN_USER_FALLBACK);
	if (!pw && named)
		return ft_err_set(err, FT_EINVAL, "run.user: no user '%s' on "
		    "this system (root keeps root)", want);
	if (!pw)
		return ft_err_set(err, FT_EINVAL, "neither user %s nor %s "
		    "exists: create %s (`make install` does) or set run.user",
		    RUN_USER_DEFAULT, RUN_USER_FALLBACK, RUN_USER_DEFAULT);
	if (strlen(pw->pw_name) >= sizeof(rp->name))
		return ft_err_set(err, FT_EINVAL, "run.user: name too long");
	snprintf(rp->name, sizeof(rp->name), "%s", pw->pw_name);
	rp->uid = pw->pw_uid;
	rp->gid = pw->pw_gid;
	rp->keep_root = pw->pw_uid == 0;
	rp->change = !rp->keep_root;
	return 0;
}

/* Nothing in dir but names that start with one of the two bases. */
static bool
dir_holds_only(const char *dir, const char *a, const char *b)
{
	struct dirent *de;
	bool only = true;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (only && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		only = !strncmp(de->d_name, a, strlen(a)) ||
		    (b && !strncmp(de->d_name, b, strlen(b)));
	}
	closedir(d);
	return only;
}

/* Owner and mode of the open fd; path names it in messages. */
static int
give_fd(int fd, const char *path, bool is_dir, const struct run_priv *rp,
    struct ft_err *err)
{
	char self[64];
	struct stat sb;

	if (fstat(fd, &sb) || (is_dir ? !S_ISDIR(sb.st_mode) :
	    !S_ISREG(sb.st_mode)))
		return ft_err_set(err, FT_EINVAL, "%s is not a %s", path,
		    is_dir ? "directory" : "regular file");
	if (rp->change && fchownat(fd, "", rp->uid, rp->gid, AT_EMPTY_PATH))
		return ft_err_set(err, FT_EPERM, "cannot give %s to user %s: %s",
		    path, rp->name, strerror(errno));
	if (!rp->change && sb.st_uid != geteuid())
		return 0;
	/* an O_PATH descriptor takes a mode only through its /proc name */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	if (is_dir ? fchmod(fd, STORE_DIR_MODE) : chmod(self,
	    STORE_FILE_MODE))
		return ft_err_set(err, FT_EPERM, "cannot chmod %s: %s", path,
		    strerror(errno));
	return 0;
}

/*
 * Owner and mode of one path, never through a symbolic link. Files are
 * opened O_PATH: SQLite has them open, and closing any other descriptor
 * of a file would drop the process's POSIX locks on it (an O_PATH one
 * does not).
 */
static int
give_path(const char *path, bool is_dir, const struct run_priv *rp,
    struct ft_err *err)
{
	int fd, rc;

	fd = open(path, O_NOFOLLOW | O_CLOEXEC | (is_dir ? O_RDONLY |
	    O_DIRECTORY : O_PATH));
	if (fd < 0 && errno == ENOENT && !is_dir)
		return 0;
	if (fd < 0)
		return ft_err_set(err, FT_EIO, "cannot open %s to give it to "
		    "user %s: %s", path, rp->name, strerror(errno));
	rc = give_fd(fd, path, is_dir, rp, err);
	close(fd);
	return rc;
}

/* The store's directory is flowtrail's own, so it may go to the user. */
static bool
dir_is_ours(const struct run_priv *rp, const char *dir, const char *db_path,
    const char *lut_path)
{
	char lut_dir[CONFIG_PATH_MAX];
	struct stat sb;

	if (rp->dir_made)
		return true;
	if (lstat(dir, &sb) || !S_ISDIR(sb.st_mode) || !strcmp(dir, "/"))
		return false;
	if (rp->change && sb.st_uid == rp->uid)
		return true;
	dir_of(lut_path, lut_dir, sizeof(lut_dir));
	return dir_holds_only(dir, base_of(db_path),
	    strcmp(lut_dir, dir) ? NULL : base_of(lut_path));
}

int
run_priv_give_store(const struct run_priv *rp, const char *db_path,
    const char *lut_path, struct ft_err *err)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char dir[CONFIG_PATH_MAX], p[CONFIG_PATH_MAX + 16];
	size_t i;
	int rc;

	dir_of(db_path, dir, sizeof(dir));
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", db_path, sfx[i]);
		rc = give_path(p, false, rp, err);
		if (rc)
			return rc;
	}
	if (!dir_is_ours(rp, dir, db_path, lut_path)) {
		ft_log(FT_LOG_DEBUG, "store directory %s is not flowtrail's own: "
		    "left as it is", dir);
		return 0;
	}
	return give_path(dir, true, rp, err);
}

/* Every capability set of this thread to empty, or the effective one read. */
static int
caps_io(bool set, uint64_t *eff, uint64_t *prm)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (set)
		return (int)syscall(SYS_capset, &h, d);
	if (syscall(SYS_capget, &h, d))
		return -1;
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	return 0;
}

/*
 * Empty the bounding set (needs CAP_SETPCAP) and the ambient set; true
 * when the bounding set is empty afterwards.
 */
static bool
caps_clear_bounding(void)
{
	bool all = true;
	int c;

	for (c = 0; c < 64; c++) {
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) < 0)
			break;	/* past the kernel's last capability */
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0))
			all = false;
	}
#ifdef PR_CAP_AMBIENT
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
#endif
	return all;
}

/* No capability left, none to be had by exec; err says what failed. */
static int
caps_drop_all(struct ft_err *err)
{
	uint64_t eff = 0, prm = 0;

	if (caps_io(true, NULL, NULL))
		return ft_err_set(err, FT_EPERM, "cannot drop capabilities: %s",
		    strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return ft_err_set(err, FT_EPERM, "cannot set no_new_privs: %s",
		    strerror(errno));
	/* other processes of the user (nobody!) may not ptrace or read us */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		return ft_err_set(err, FT_EPERM, "cannot set non-dumpable: %s",
		    strerror(errno));
	if (caps_io(false, &eff, &prm) || eff || prm)
		return ft_err_set(err, FT_EPERM, "capabilities remain after "
		    "dropping them (effective %#llx, permitted %#llx)",
		    (unsigned long long)eff, (unsigned long long)prm);
	return 0;
}

/* The new identity holds, and root is out of reach. */
static int
check_dropped(const struct run_priv *rp, struct ft_err *err)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;

	if (getresuid(&r, &e, &s) || getresgid(&gr, &ge, &gs) ||
	    r != rp->uid || e != rp->uid || s != rp->uid || gr != rp->gid ||
	    ge != rp->gid || gs != rp->gid)
		return ft_err_set(err, FT_EPERM, "user and group ids are not "
		    "all %u/%u after the change", (unsigned)rp->uid,
		    (unsigned)rp->gid);
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 ||
	    setgroups(0, NULL) == 0)
		return ft_err_set(err, FT_EPERM, "root could be regained after "
		    "changing to user %s: refusing to run", rp->name);
	return 0;
}

/* Started without root: drop what capabilities we have, keep the user. */
static int
drop_as_user(const struct run_priv *rp, struct ft_err *err)
{
	uint64_t eff = 0, prm = 0;
	int rc;

	caps_io(false, &eff, &prm);
	caps_clear_bounding();
	rc = caps_drop_all(err);
	if (rc)
		return rc;
	ft_log(FT_LOG_INFO, "running as user %s (uid %u): not started as "
	    "root, so no user change; %s", rp->name, (unsigned)rp->uid,
	    eff | prm ? "capabilities dropped" : "no capabilities held");
	return 0;
}

int
run_priv_drop(const struct run_priv *rp, const char *db_path,
    struct ft_err *err)
{
	char dir[CONFIG_PATH_MAX];
	bool bounding;
	int rc;

	if (rp->keep_root) {
		ft_log(FT_LOG_WARN, "running as root (run.user = root): every "
		    "capability kept");
		return 0;
	}
	if (!rp->change)
		return drop_as_user(rp, err);
	bounding = caps_clear_bounding();
	if (initgroups(rp->name, rp->gid) || setresgid(rp->gid, rp->gid,
	    rp->gid) || setresuid(rp->uid, rp->uid, rp->uid))
		return ft_err_set(err, FT_EPERM, "cannot change to user %s: %s",
		    rp->name, strerror(errno));
	rc = caps_drop_all(err);
	if (!rc)
		rc = check_dropped(rp, err);
	if (rc)
		return rc;
	dir_of(db_path, dir, sizeof(dir));
	if (access(dir, W_OK | X_OK) || access(db_path, R_OK | W_OK))
		return ft_err_set(err, FT_EPERM, "user %s cannot write in %s "
		    "(the store's directory, not flowtrail's own): give the "
		    "store a directory of its own, or use --user root",
		    rp->name, dir);
	ft_log(FT_LOG_INFO, "running as user %s (uid %u, gid %u), no "
	    "capabilities%s", rp->name, (unsigned)rp->uid, (unsigned)rp->gid,
	    bounding ? "" : " (bounding set kept: no CAP_SETPCAP)");
	return 0;
}
