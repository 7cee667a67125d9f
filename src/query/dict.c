/* dict.c: ids of a small table grouped by a text, loaded once per report. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"

void
query_dict_fini(struct query_dict *d)
{
	size_t i;

	for (i = 0; i < d->n_text; i++)
		free(d->text[i]);
	free(d->text);
	free(d->rank);
	memset(d, 0, sizeof(*d));
}

/* Room for id in rank[] and for one more text. */
static int
dict_room(struct query_dict *d, int64_t id)
{
	size_t n = d->n_ids, i;
	int32_t *r;
	char **t;

	if (id >= QUERY_DICT_IDS)
		return -FT_EPARSE;
	if (id >= 0 && (uint64_t)id >= n) {
		while (n <= (uint64_t)id)
			n = n ? 2 * n : 256;
		r = realloc(d->rank, n * sizeof(*r));
		if (!r)
			return -FT_ENOMEM;
		for (i = d->n_ids; i < n; i++)
			r[i] = -1;
		d->rank = r;
		d->n_ids = n;
	}
	t = realloc(d->text, (d->n_text + 1) * sizeof(*t));
	if (!t)
		return -FT_ENOMEM;
	d->text = t;
	return 0;
}

/* One (id, text) row, rows ordered by text: equal texts share a rank. */
static int
dict_row(struct query_dict *d, sqlite3_stmt *s)
{
	const char *text = (const char *)sqlite3_column_text(s, 1);
	int64_t id = sqlite3_column_type(s, 0) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(s, 0);

	int rc;

	if (!text)
		return 0;
	if ((rc = dict_room(d, id)))
		return rc;
	if (!d->n_text || strcmp(d->text[d->n_text - 1], text)) {
		d->text[d->n_text] = strdup(text);
		if (!d->text[d->n_text])
			return -FT_ENOMEM;
		d->n_text++;
	}
	if (id >= 0)
		d->rank[id] = (int32_t)d->n_text - 1;
	else
		d->missing = (int32_t)d->n_text - 1;
	return 0;
}

int
query_dict_load(struct store *st, const char *sql, const char *who,
    struct query_dict *d, struct ft_err *err)
{
	int rc = 0, step = SQLITE_DONE;
	sqlite3_stmt *s;

	memset(d, 0, sizeof(*d));
	d->missing = -1;
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) != SQLITE_OK)
		return ft_err_set(err, FT_EDB, "store %s: cannot read names of "
		    "keys: %s", store_path(st),
		    sqlite3_errmsg(store_db(st)));
	while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW)
		rc = dict_row(d, s);
	if (!rc && step != SQLITE_DONE)
		rc = ft_err_set(err, step == SQLITE_BUSY ? FT_EAGAIN : FT_EDB,
		    "store %s: cannot read names of keys: %s", store_path(st),
		    sqlite3_errmsg(store_db(st)));
	else if (rc)
		rc = ft_err_set(err, -rc, "%s: %s", who, rc == -FT_EPARSE ?
		    "an id of the store's names is out of range" :
		    ft_strerror(-rc));
	sqlite3_finalize(s);
	if (rc)
		query_dict_fini(d);
	return rc;
}

int32_t
query_dict_rank(const struct query_dict *d, int64_t id)
{
	if (id < 0 || (uint64_t)id >= d->n_ids || d->rank[id] < 0)
		return d->missing;
	return d->rank[id];
}

int32_t
query_dict_col(const struct query_dict *d, sqlite3_stmt *s, int col)
{
	if (sqlite3_column_type(s, col) == SQLITE_NULL)
		return d->missing;
	return query_dict_rank(d, sqlite3_column_int64(s, col));
}
