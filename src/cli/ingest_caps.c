/* ingest_caps.c: capture fingerprints, so ingest skips what it took */
/*
 * A capture ingested twice is skipped, and one whose ingest died is redone.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ingest_caps.h"

#define CAPS_EDGE (64u << 10)	/* bytes hashed at each end of a file */

static uint64_t
fnv(uint64_t h, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/*
 * size and FNV-1a of the first and the last 64 KiB (the whole file when
 * smaller): cheap on a file of any size, and a capture that grew, shrank
 * or was rewritten differs. -1 when the file cannot be read.
 */
static int
caps_fingerprint(const char *path, struct store_capture *c)
{
	static unsigned char buf[CAPS_EDGE];
	uint64_t h = 0xcbf29ce484222325ull;
	struct stat sb;
	ssize_t got;
	off_t tail;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) != 0)
		goto out_fail;
	c->size = (uint64_t)sb.st_size;
	got = pread(fd, buf, sizeof(buf), 0);
	if (got < 0)
		goto out_fail;
	h = fnv(h, buf, (size_t)got);
	tail = sb.st_size > (off_t)(2 * CAPS_EDGE) ? sb.st_size - CAPS_EDGE :
	    (off_t)got;
	got = pread(fd, buf, sizeof(buf), tail);
	if (got < 0)
		goto out_fail;
	h = fnv(h, buf, (size_t)got);
	close(fd);
	snprintf(c->fp, sizeof(c->fp), "%016llx", (unsigned long long)h);
	return 0;
out_fail:
	close(fd);
	return -1;
}

static const char *
caps_time(char *buf, size_t cap, int64_t us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (us < 0 || !gmtime_r(&t, &tm) ||
	    !strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, cap, "?");
	return buf;
}

static void
caps_say(const struct cli *cli, const struct store_capture *c)
{
	char a[32], f[32], l[32];

	switch (c->verdict) {
	case STORE_CAP_SEEN:
		cli_error(cli, "%s: already in the store (ingested %s, run "
		    "%lld: %llu packets from %s to %s): skipped; --force adds "
		    "it again", c->path, caps_time(a, sizeof(a), c->added_us),
		    (long long)c->run, (unsigned long long)c->packets,
		    caps_time(f, sizeof(f), c->first_us),
		    caps_time(l, sizeof(l), c->last_us));
		break;
	case STORE_CAP_BUSY:
		cli_error(cli, "%s: being ingested now by pid %lld (run %lld): "
		    "skipped", c->path, (long long)c->pid, (long long)c->run);
		break;
	case STORE_CAP_TWICE:
		cli_error(cli, "%s: the same capture as an earlier file of this "
		    "command: read once", c->path);
		break;
	case STORE_CAP_REDO:
		cli_error(cli, "%s: an earlier ingest of it (run %lld) stopped "
		    "part-way: what it wrote is taken out, and it is ingested "
		    "again", c->path, (long long)c->run);
		break;
	default:
		break;
	}
}

static int
caps_alloc(struct ingest_caps *ic, int n)
{
	memset(ic, 0, sizeof(*ic));
	ic->caps = calloc((size_t)n, sizeof(*ic->caps));
	ic->todo = calloc((size_t)n, sizeof(*ic->todo));
	ic->todo_cap = calloc((size_t)n, sizeof(*ic->todo_cap));
	ic->n = n;
	return ic->caps && ic->todo && ic->todo_cap ? 0 : -1;
}

int
ingest_caps_prepare(const struct cli *cli, struct store *st, char **files,
    int n, bool force, struct ingest_caps *ic)
{
	struct ft_err err = { 0 };
	int i;

	if (caps_alloc(ic, n)) {
		cli_error(cli, "out of memory");
		return 1;
	}
	for (i = 0; i < n; i++) {
		ic->caps[i].path = files[i];
		ic->caps[i].first_us = ic->caps[i].last_us = -1;
		if (st && caps_fingerprint(files[i], &ic->caps[i])) {
			cli_error(cli, "%s: cannot read it", files[i]);
			return 1;
		}
	}
	if (st && store_captures_begin(st, ic->caps, (size_t)n, force, &err)) {
		cli_error(cli, "%s", err.msg);
		return 1;
	}
	for (i = 0; i < n; i++) {
		caps_say(cli, &ic->caps[i]);
		if (ic->caps[i].verdict != STORE_CAP_NEW &&
		    ic->caps[i].verdict != STORE_CAP_REDO)
			continue;
		ic->todo_cap[ic->n_todo] = i;
		ic->todo[ic->n_todo++] = files[i];
	}
	return 0;
}

void
ingest_caps_frame(struct ingest_caps *ic, int j, uint64_t ts_us)
{
	struct store_capture *c;

	if (j < 0 || j >= ic->n_todo)
		return;
	c = &ic->caps[ic->todo_cap[j]];
	c->packets++;
	if (c->first_us < 0 || (int64_t)ts_us < c->first_us)
		c->first_us = (int64_t)ts_us;
	if ((int64_t)ts_us > c->last_us)
		c->last_us = (int64_t)ts_us;
}

int
ingest_caps_done(const struct cli *cli, struct store *st,
    struct ingest_caps *ic)
{
	struct ft_err err = { 0 };

	if (!st)
		return 0;
	if (store_captures_done(st, ic->caps, (size_t)ic->n, &err)) {
		cli_error(cli, "%s (the records are in the store; the next "
		    "ingest of these files replaces them)", err.msg);
		return 1;
	}
	return 0;
}

void
ingest_caps_fini(struct ingest_caps *ic)
{
	free(ic->caps);
	free(ic->todo);
	free(ic->todo_cap);
	memset(ic, 0, sizeof(*ic));
}
