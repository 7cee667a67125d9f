/* dict.h: ids of a small table grouped and ranked by a text */
/*
 * For reports that sum flow records in C (top, map): equal texts group, and
 * ranks order as the texts do.
 */
#ifndef DICT_H
#define DICT_H

#include <stddef.h>
#include <stdint.h>

#include "../base/ft_err.h"
#include "../store/store.h"

struct sqlite3_stmt;

/* Ids of a dictionary's table are below this (apps, macs: a row each). */
#define QUERY_DICT_IDS (INT64_C(1) << 26)

/*
 * rank[id]: the place of id's text in text[], -1 for none. missing: the
 * rank of an id that is NULL or not in the table (the rank of "Unknown"
 * for top's applications, else -1).
 */
struct query_dict {
	int32_t *rank;		/* n_ids */
	size_t n_ids;
	char **text;		/* n_text, owned, ascending (BINARY) */
	size_t n_text;
	int32_t missing;
};

/*
 * Load d from sql: rows (id, text) ordered by text; a row with a NULL id
 * gives missing. who names the report in errors. On failure d is empty
 * and err says why (an id at or above QUERY_DICT_IDS is malformed).
 */
int query_dict_load(struct store *st, const char *sql, const char *who,
    struct query_dict *d, struct ft_err *err);
void query_dict_fini(struct query_dict *d);

/* The rank of id (-1 when NULL), missing when it has none. */
int32_t query_dict_rank(const struct query_dict *d, int64_t id);

/* The rank of the id in column col of a stepped row (NULL: missing). */
int32_t query_dict_col(const struct query_dict *d, struct sqlite3_stmt *s,
    int col);

#endif
