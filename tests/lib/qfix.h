/* qfix.h: report-test helper: flow records, stores of them, output */
#ifndef QFIX_H
#define QFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../src/model/ft_flowrec.h"
#include "../../src/query/query.h"

#define QFIX_T0 1700000000000000ull	/* 2023-11-14T22:13:20Z, in us */
#define QFIX_SEC 1000000ull		/* one second in us */

/*
 * A final record of flow id whose first packet is t_s seconds after
 * QFIX_T0 and whose last is 2.5 s later; addresses as text (IPv4 or IPv6).
 */
struct ft_flowrec qfix_rec(uint64_t id, uint64_t t_s, uint8_t proto,
    const char *cli, uint16_t cport, const char *srv, uint16_t sport,
    const char *app, uint64_t bcs, uint64_t bsc, uint64_t pcs, uint64_t psc);

/* Mark r's client (and server when srv_mac) local, with MACs 02:..:mac. */
void qfix_local_ends(struct ft_flowrec *r, uint8_t cli_mac, uint8_t srv_mac,
    const char *name, uint8_t name_src, const char *vendor);

/* The remote side's AS and country. */
void qfix_remote_end(struct ft_flowrec *r, uint32_t asn, const char *org,
    const char *cc);

/* Make and remove the per-process scratch directory of the stores. */
int qfix_dir_init(void);
void qfix_dir_remove(void);

/*
 * A store NAME.db in the scratch directory holding the n records r, with
 * ifaces[i] naming capture source i (ifaces NULL or NULL-terminated),
 * reopened read-only as reports open it. NULL after printing why.
 */
struct store *qfix_store(const char *name, const struct ft_flowrec *r,
    size_t n, const char *const *ifaces);

/* A writer on a memory stream: what one report printed. */
struct qfix_out {
	FILE *fp;		/* memstream */
	char *buf;		/* its buffer after qfix_out_end() */
	size_t len;		/* its length */
	struct out *w;		/* writer on fp */
};

void qfix_out_begin(struct qfix_out *c, enum out_format f, bool human);

/*
 * DIR/NAME.db with its -wal and -shm files removed, written into out
 * (cap bytes); returns out.
 */
char *qfix_fresh_db(const char *dir, const char *name, char *out, size_t cap);

/*
 * The first column of the first row of sql on st's connection as an
 * integer; -1 for no row, -2 (and a line on stderr) when sql fails.
 */
int64_t qfix_sql_int(struct store *st, const char *sql);

/* The text written, malloc'd: the caller frees it. */
char *qfix_out_end(struct qfix_out *c);

#endif
