/* store_fields.c: SQL text, binds and reads made from the series and conversation field tables. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "store_int.h"

void
store_sql_init(struct store_sql *b, char *mem, size_t cap)
{
	b->p = mem;
	b->cap = cap;
	b->len = 0;
	b->trunc = cap == 0;
	if (cap)
		mem[0] = '\0';
}

void
store_sql_addf(struct store_sql *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->trunc)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->trunc = true;
		return;
	}
	b->len += (size_t)n;
}

/* "?first, ?first+1, ..." n of them. */
static void
sql_params(struct store_sql *b, int first, int n)
{
	int i;

	for (i = 0; i < n; i++)
		store_sql_addf(b, "%s?%d", i ? ", " : "", first + i);
}

void
store_series_sql_insert(struct store_sql *b, const char *table, bool run,
    bool upsert)
{
	const struct ft_series_field *f;
	size_t i;

	store_sql_addf(b, "INSERT INTO %s (kind, t, key", table);
	for (i = 0; i < FT_SV_N; i++)
		store_sql_addf(b, ", %s", ft_series_fields[i].column);
	store_sql_addf(b, "%s) VALUES (", run ? ", run" : "");
	sql_params(b, 1, 3 + FT_SV_N + run);
	store_sql_addf(b, ")");
	if (!upsert)
		return;
	store_sql_addf(b, " ON CONFLICT (%skind, t, key) DO UPDATE SET ",
	    run ? "run, " : "");
	for (i = 0; i < FT_SV_N; i++) {
		f = &ft_series_fields[i];
		if (f->add == FT_COMBINE_MAX)
			store_sql_addf(b, "%s%s = max(%s, excluded.%s)",
			    i ? ", " : "", f->column, f->column, f->column);
		else
			store_sql_addf(b, "%s%s = %s + excluded.%s",
			    i ? ", " : "", f->column, f->column, f->column);
	}
}

void
store_series_sql_roll(struct store_sql *b, const char *src)
{
	const struct ft_series_field *f;
	size_t i;

	store_sql_addf(b, "SELECT key");
	for (i = 0; i < FT_SV_N; i++) {
		f = &ft_series_fields[i];
		store_sql_addf(b, ", %s(%s)", f->roll == FT_COMBINE_MAX ?
		    "max" : "sum", f->column);
	}
	store_sql_addf(b, " FROM %s WHERE kind = ?1 AND t >= ?2 AND t < ?3 "
	    "GROUP BY key ORDER BY sum(bytes_in) + sum(bytes_out) DESC, key",
	    src);
}

void
store_series_bind(sqlite3_stmt *s, int first, const uint64_t *v)
{
	size_t i;

	for (i = 0; i < FT_SV_N; i++)
		sqlite3_bind_int64(s, first + (int)i,
		    (int64_t)v[ft_series_fields[i].val]);
}

/* The columns of f, each after prefix, comma-separated. */
static void
conv_sql_columns(struct store_sql *b, const char *prefix,
    const struct ft_conv_field *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (f[i].type == FT_CONV_NAME)
			store_sql_addf(b, "%s%s%s", i ? ", " : "", prefix,
			    f[i].src_column);
		store_sql_addf(b, "%s%s%s", i || f[i].type == FT_CONV_NAME ?
		    ", " : "", prefix, f[i].column);
	}
}

void
store_conv_sql_insert(struct store_sql *b, const char *table,
    const struct ft_conv_field *f, size_t n)
{
	int params = 1;
	size_t i;

	store_sql_addf(b, "INSERT INTO %s (hour, ", table);
	conv_sql_columns(b, "", f, n);
	for (i = 0; i < n; i++)
		params += f[i].type == FT_CONV_NAME ? 2 : 1;
	store_sql_addf(b, ") VALUES (");
	sql_params(b, 1, params);
	store_sql_addf(b, ")");
}

const char *
store_conv_select(const struct ft_conv_field *f, size_t n, const char *prefix,
    char *buf, size_t cap)
{
	struct store_sql b;

	store_sql_init(&b, buf, cap);
	conv_sql_columns(&b, prefix, f, n);
	return b.trunc ? NULL : buf;
}

/* The integer member at p, size bytes: unsigned, or int64_t. */
static int64_t
member_int(const uint8_t *p, size_t size)
{
	uint16_t u16;
	int64_t i64;

	switch (size) {
	case 1:
		return *p;
	case 2:
		memcpy(&u16, p, 2);
		return u16;
	default:
		memcpy(&i64, p, 8);
		return i64;
	}
}

static void
member_set_int(uint8_t *p, size_t size, int64_t v)
{
	uint16_t u16 = (uint16_t)v;

	switch (size) {
	case 1:
		*p = (uint8_t)v;
		return;
	case 2:
		memcpy(p, &u16, 2);
		return;
	default:
		memcpy(p, &v, 8);
	}
}

int
store_conv_bind(sqlite3_stmt *s, int first, const struct ft_conv_field *f,
    size_t n, const void *row)
{
	const uint8_t *p;
	int col = first;
	int64_t v;
	size_t i;

	for (i = 0; i < n; i++) {
		p = (const uint8_t *)row + f[i].offset;
		switch (f[i].type) {
		case FT_CONV_BLOB:
			sqlite3_bind_blob(s, col++, p + 1, p[0] > 16 ? 16 :
			    p[0], SQLITE_TRANSIENT);
			break;
		case FT_CONV_ID:
			v = member_int(p, f[i].size);
			store_bind_id(s, col++, v > 0 ? v : 0);
			break;
		case FT_CONV_NAME:
			v = member_int(p, f[i].size);
			sqlite3_bind_int64(s, col++, FT_NAME_SRC(v));
			store_bind_id(s, col++, FT_NAME_ID(v));
			break;
		default:
			sqlite3_bind_int64(s, col++, member_int(p, f[i].size));
		}
	}
	return col;
}

int
store_conv_read(sqlite3_stmt *s, int first, const struct ft_conv_field *f,
    size_t n, void *row)
{
	const void *blob;
	uint8_t *p;
	int col = first, len;
	int64_t src, v;
	size_t i;

	for (i = 0; i < n; i++) {
		p = (uint8_t *)row + f[i].offset;
		switch (f[i].type) {
		case FT_CONV_BLOB:
			len = sqlite3_column_bytes(s, col);
			blob = sqlite3_column_blob(s, col++);
			len = len > 16 ? 16 : len;
			memset(p, 0, FT_CONV_ADDR);
			p[0] = (uint8_t)len;
			if (len > 0 && blob)
				memcpy(p + 1, blob, (size_t)len);
			break;
		case FT_CONV_ID:
			v = sqlite3_column_type(s, col) == SQLITE_NULL ?
			    f[i].none : sqlite3_column_int64(s, col);
			member_set_int(p, f[i].size, v);
			col++;
			break;
		case FT_CONV_NAME:
			src = sqlite3_column_int64(s, col++);
			v = src <= 0 || sqlite3_column_type(s, col) ==
			    SQLITE_NULL ? 0 : FT_NAME_KEY(src,
			    sqlite3_column_int64(s, col));
			member_set_int(p, f[i].size, v);
			col++;
			break;
		default:
			member_set_int(p, f[i].size,
			    sqlite3_column_int64(s, col++));
		}
	}
	return col;
}
