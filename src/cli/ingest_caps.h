/* ingest_caps.h: which capture files the store has taken, and this run's */
#ifndef INGEST_CAPS_H
#define INGEST_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "../store/store.h"
#include "cli.h"

/*
 * The files of one ingest: caps[i] describes files[i]; todo lists the
 * files to read (those not skipped), todo_cap[j] the caps index of
 * todo[j]. Owner: the caller, through ingest_caps_fini().
 */
struct ingest_caps {
	struct store_capture *caps;	/* n, one per file given */
	int n;
	char **todo;			/* n_todo paths, borrowed from argv */
	int *todo_cap;			/* n_todo indexes into caps */
	int n_todo;
};

/*
 * Fingerprint every file, ask the store (store_captures_begin) and say on
 * stderr what is skipped or taken back out. 0, or 1 with an error printed.
 * Without a store (st NULL) every file is read.
 */
int ingest_caps_prepare(const struct cli *cli, struct store *st,
    char **files, int n, bool force, struct ingest_caps *ic);

/* A frame of todo file j at ts_us: counted in that file's range. */
void ingest_caps_frame(struct ingest_caps *ic, int j, uint64_t ts_us);

/* Every file read whole and committed: mark them done in the store. */
int ingest_caps_done(const struct cli *cli, struct store *st,
    struct ingest_caps *ic);

void ingest_caps_fini(struct ingest_caps *ic);

#endif
