/* out.c: aligned table, CSV and JSON writers driven by a column table */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../model/ft_fields.h"
#include "out_int.h"

#define OUT_CELL_MAX 1024		/* one formatted value, incl. NUL */
#define OUT_TABLE_MAX_BYTES (8u << 20)	/* table text held before printing */
#define OUT_TABLE_MAX_CELLS (1u << 20)	/* table cells held before printing */

/* The field table's show types are ours, so a field's can be a column's. */
#define OUT_SAME(a, b) _Static_assert((int)OUT_##a == (int)FT_SHOW_##a, #b)
OUT_SAME(TEXT, text);
OUT_SAME(NAME, name);
OUT_SAME(INT, int);
OUT_SAME(COUNT, count);
OUT_SAME(BYTES, bytes);
OUT_SAME(TIME, time);
OUT_SAME(DURATION, duration);
OUT_SAME(ADDR, addr);
OUT_SAME(PROTO, proto);
OUT_SAME(TCP_FLAGS, tcp_flags);

/*
 * A writer. Tables are held until out_end() (or until the ceiling, then
 * printed in blocks) so columns can be aligned; CSV and JSON stream.
 */
struct out {
	FILE *fp;			/* destination, borrowed */
	enum out_format format;		/* from opts */
	bool human;			/* from opts */
	const struct out_col *cols;	/* current result's columns, borrowed */
	size_t n_cols;			/* columns */
	uint64_t n_rows;		/* rows of the current result */
	bool header_done;		/* table header printed */
	size_t *width;			/* table: display width per column */
	char *text;			/* table: cells, each NUL-terminated */
	size_t text_len;		/* bytes used in text */
	size_t text_cap;		/* size of text */
	uint32_t *off;			/* table: offset of each cell in text */
	size_t n_off;			/* cells held */
	size_t off_cap;			/* size of off */
	char raw[OUT_CELL_MAX];		/* one formatted value */
};

static bool
out_type_is_number(enum out_type t)
{
	return t == OUT_INT || t == OUT_COUNT || t == OUT_BYTES ||
	    t == OUT_DURATION || t == OUT_PROTO || t == OUT_TCP_FLAGS;
}

/* The value as text for the writer's format, into w->raw. */
static void
out_fmt_cell(struct out *w, const struct out_col *c, const struct out_cell *v,
    struct out_buf *b)
{
	bool table = w->format == OUT_TABLE, human = table && w->human;
	const char *name;

	out_buf_init(b, w->raw, sizeof(w->raw));
	switch (c->type) {
	case OUT_TEXT:
	case OUT_NAME:
		out_buf_add(b, v->p ? v->p : "", v->p ? v->len : 0);
		break;
	case OUT_COUNT:
	case OUT_BYTES:
		if (human && v->i >= 0) {
			if (c->type == OUT_BYTES)
				out_fmt_bytes(b, v->i);
			else
				out_fmt_count(b, v->i);
			break;
		}
		/* fall through */
	case OUT_INT:
		out_buf_addf(b, "%" PRId64, v->i);
		break;
	case OUT_TIME:
		out_fmt_time(b, v->i, !table);
		break;
	case OUT_DURATION:
		if (human)
			out_fmt_duration_human(b, v->i);
		else
			out_fmt_secs(b, v->i, table ? 3 : 6);
		break;
	case OUT_ADDR:
		out_fmt_addr(b, v->p, v->p ? v->len : 0);
		break;
	case OUT_PROTO:
		name = table ? out_proto_name((int)v->i) : NULL;
		if (name)
			out_buf_adds(b, name);
		else
			out_buf_addf(b, "%" PRId64, v->i);
		break;
	case OUT_TCP_FLAGS:
		if (table)
			out_fmt_tcp_flags(b, v->i);
		else
			out_buf_addf(b, "%" PRId64, v->i);
		break;
	}
}

void
out_json_string(FILE *fp, const char *s, size_t n)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t i = 0, len;

	fputc('"', fp);
	while (i < n) {
		len = out_utf8_len(u + i, n - i);
		if (len == 0)
			fputs("\\ufffd", fp);
		else if (u[i] == '"' || u[i] == '\\')
			fprintf(fp, "\\%c", u[i]);
		else if (u[i] == '\n')
			fputs("\\n", fp);
		else if (u[i] == '\t')
			fputs("\\t", fp);
		else if (u[i] == '\r')
			fputs("\\r", fp);
		else if (u[i] < 0x20 || u[i] == 0x7f)
			fprintf(fp, "\\u%04x", u[i]);
		else
			fwrite(u + i, 1, len, fp);
		i += len ? len : 1;
	}
	fputc('"', fp);
}

void
out_csv_field(FILE *fp, const char *s, size_t n)
{
	size_t i;

	if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) &&
	    !memchr(s, '\r', n)) {
		fwrite(s, 1, n, fp);
		return;
	}
	fputc('"', fp);
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			fputc('"', fp);
		fputc(s[i], fp);
	}
	fputc('"', fp);
}

static void
out_csv_row(struct out *w, const struct out_cell *cells)
{
	struct out_buf b;
	size_t i;

	for (i = 0; i < w->n_cols; i++) {
		if (i)
			fputc(',', w->fp);
		if (cells[i].null)
			continue;
		out_fmt_cell(w, &w->cols[i], &cells[i], &b);
		out_csv_field(w->fp, b.p, b.len);
	}
	fputc('\n', w->fp);
}

static void
out_json_row(struct out *w, const struct out_cell *cells)
{
	struct out_buf b;
	size_t i;

	fputs(w->n_rows ? ",\n{" : "\n{", w->fp);
	for (i = 0; i < w->n_cols; i++) {
		if (i)
			fputc(',', w->fp);
		out_json_string(w->fp, w->cols[i].name,
		    strlen(w->cols[i].name));
		fputc(':', w->fp);
		if (cells[i].null) {
			fputs("null", w->fp);
			continue;
		}
		out_fmt_cell(w, &w->cols[i], &cells[i], &b);
		if (out_type_is_number(w->cols[i].type))
			fwrite(b.p, 1, b.len, w->fp);
		else
			out_json_string(w->fp, b.p, b.len);
	}
	fputc('}', w->fp);
}

/* Display width in a terminal: code points (wide characters not handled). */
static size_t
out_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((uint8_t)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static bool
out_right_aligned(enum out_type t)
{
	return t == OUT_INT || t == OUT_COUNT || t == OUT_BYTES ||
	    t == OUT_DURATION;
}

static void
out_table_line(struct out *w, const char *const *cell)
{
	size_t i, pad, wd;

	for (i = 0; i < w->n_cols; i++) {
		wd = out_width(cell[i]);
		pad = w->width[i] > wd ? w->width[i] - wd : 0;
		if (i)
			fputs("  ", w->fp);
		if (out_right_aligned(w->cols[i].type))
			fprintf(w->fp, "%*s%s", (int)pad, "", cell[i]);
		else if (i + 1 < w->n_cols)
			fprintf(w->fp, "%s%*s", cell[i], (int)pad, "");
		else
			fputs(cell[i], w->fp);
	}
	fputc('\n', w->fp);
}

/* Print the held rows (and the header once), then hold nothing. */
static void
out_table_flush(struct out *w)
{
	const char *cell[64];
	size_t r, i, n = w->n_cols < 64 ? w->n_cols : 64;

	if (!w->header_done) {
		for (i = 0; i < n; i++)
			cell[i] = w->cols[i].name;
		out_table_line(w, cell);
		w->header_done = true;
	}
	for (r = 0; r + w->n_cols <= w->n_off; r += w->n_cols) {
		for (i = 0; i < n; i++)
			cell[i] = w->text + w->off[r + i];
		out_table_line(w, cell);
	}
	w->text_len = 0;
	w->n_off = 0;
}

/* Room for one more row of at most n_cols * OUT_CELL_MAX bytes. */
static int
out_table_reserve(struct out *w, struct ft_err *err)
{
	size_t need = w->text_len + w->n_cols * OUT_CELL_MAX, cap;
	void *p;

	if (need > OUT_TABLE_MAX_BYTES ||
	    w->n_off + w->n_cols > OUT_TABLE_MAX_CELLS) {
		out_table_flush(w);
		need = w->n_cols * OUT_CELL_MAX;
	}
	if (need > w->text_cap) {
		cap = w->text_cap ? w->text_cap : 16384;
		while (cap < need)
			cap *= 2;
		if (!(p = realloc(w->text, cap)))
			return ft_err_set(err, FT_ENOMEM, "out of memory");
		w->text = p;
		w->text_cap = cap;
	}
	if (w->n_off + w->n_cols > w->off_cap) {
		cap = w->off_cap ? w->off_cap * 2 : 1024;
		while (cap < w->n_off + w->n_cols)
			cap *= 2;
		if (!(p = realloc(w->off, cap * sizeof(w->off[0]))))
			return ft_err_set(err, FT_ENOMEM, "out of memory");
		w->off = p;
		w->off_cap = cap;
	}
	return 0;
}

/*
 * Hold one cell; control characters and broken UTF-8 become '?'. A cell
 * longer than max code points (0: no limit) keeps max - 1 and an ellipsis.
 */
static void
out_table_hold(struct out *w, size_t col, const char *s, size_t n,
    size_t max)
{
	const uint8_t *u = (const uint8_t *)s;
	char *d = w->text + w->text_len, *cut = NULL;
	size_t i = 0, len, wd, cps = 0;

	w->off[w->n_off++] = (uint32_t)w->text_len;
	while (i < n) {
		if (max && ++cps == max)
			cut = d;
		len = out_utf8_len(u + i, n - i);
		if (len == 0 || u[i] < 0x20 || u[i] == 0x7f) {
			*d++ = '?';
			i++;
			continue;
		}
		memcpy(d, u + i, len);
		d += len;
		i += len;
	}
	if (cut && cps > max) {
		memcpy(cut, "\xe2\x80\xa6", 3);	/* U+2026 HORIZONTAL ELLIPSIS */
		d = cut + 3;
	}
	*d++ = '\0';
	wd = out_width(w->text + w->text_len);
	if (wd > w->width[col])
		w->width[col] = wd;
	w->text_len = (size_t)(d - w->text);
}

static int
out_table_row(struct out *w, const struct out_cell *cells, struct ft_err *err)
{
	struct out_buf b;
	size_t i;
	int rc;

	rc = out_table_reserve(w, err);
	if (rc)
		return rc;
	for (i = 0; i < w->n_cols; i++) {
		if (cells[i].null) {
			out_table_hold(w, i, "-", 1, 0);
			continue;
		}
		out_fmt_cell(w, &w->cols[i], &cells[i], &b);
		out_table_hold(w, i, b.p, b.len, w->human &&
		    w->cols[i].type == OUT_NAME ? OUT_NAME_WIDTH : 0);
	}
	return 0;
}

int
out_new(const struct out_opts *o, struct out **out, struct ft_err *err)
{
	struct out *w = calloc(1, sizeof(*w));

	if (!w)
		return ft_err_set(err, FT_ENOMEM, "out of memory");
	w->fp = o->fp ? o->fp : stdout;
	w->format = o->format;
	w->human = o->human;
	*out = w;
	return 0;
}

void
out_free(struct out *w)
{
	if (!w)
		return;
	free(w->width);
	free(w->text);
	free(w->off);
	free(w);
}

static void
out_csv_header(struct out *w)
{
	size_t i;

	for (i = 0; i < w->n_cols; i++) {
		if (i)
			fputc(',', w->fp);
		out_csv_field(w->fp, w->cols[i].name, strlen(w->cols[i].name));
	}
	fputc('\n', w->fp);
}

int
out_begin(struct out *w, const struct out_col *cols, size_t n_cols,
    struct ft_err *err)
{
	size_t *wd, i;

	if (!n_cols || n_cols > 64)
		return ft_err_set(err, FT_EINVAL, "out: %zu columns, expected "
		    "1 to 64", n_cols);
	wd = realloc(w->width, n_cols * sizeof(*wd));
	if (!wd)
		return ft_err_set(err, FT_ENOMEM, "out of memory");
	w->width = wd;
	w->cols = cols;
	w->n_cols = n_cols;
	w->n_rows = 0;
	w->header_done = false;
	w->text_len = w->n_off = 0;
	for (i = 0; i < n_cols; i++)
		wd[i] = out_width(cols[i].name);
	if (w->format == OUT_CSV)
		out_csv_header(w);
	else if (w->format == OUT_JSON)
		fputc('[', w->fp);
	return 0;
}

int
out_row(struct out *w, const struct out_cell *cells, struct ft_err *err)
{
	int rc = 0;

	if (w->format == OUT_TABLE)
		rc = out_table_row(w, cells, err);
	else if (w->format == OUT_CSV)
		out_csv_row(w, cells);
	else
		out_json_row(w, cells);
	if (!rc)
		w->n_rows++;
	return rc;
}

int
out_end(struct out *w, struct ft_err *err)
{
	if (w->format == OUT_TABLE)
		out_table_flush(w);
	else if (w->format == OUT_JSON)
		fputs(w->n_rows ? "\n]\n" : "]\n", w->fp);
	w->cols = NULL;
	if (fflush(w->fp) != 0 || ferror(w->fp))
		return ft_err_set(err, FT_EIO, "cannot write output: %s",
		    strerror(errno));
	return 0;
}
