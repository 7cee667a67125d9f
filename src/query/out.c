/* out.c: output writers for reports: aligned table, CSV and JSON, driven by a column table. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "out.h"

#define OUT_CELL_MAX 1024		/* one formatted value, incl. NUL */
#define OUT_TABLE_MAX_BYTES (8u << 20)	/* table text held before printing */
#define OUT_TABLE_MAX_CELLS (1u << 20)	/* table cells held before printing */

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

void
out_buf_init(struct out_buf *b, char *mem, size_t cap)
{
	b->p = mem;
	b->cap = cap;
	b->len = 0;
	b->trunc = false;
	b->p[0] = '\0';
}

void
out_buf_add(struct out_buf *b, const char *s, size_t n)
{
	size_t room = b->cap - 1 - b->len;

	if (n > room) {
		n = room;
		b->trunc = true;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
out_buf_adds(struct out_buf *b, const char *s)
{
	out_buf_add(b, s, strlen(s));
}

void
out_buf_addf(struct out_buf *b, const char *fmt, ...)
{
	size_t room = b->cap - b->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->p[b->len] = '\0';
		b->trunc = true;
		return;
	}
	if ((size_t)n >= room) {
		b->len = b->cap - 1;
		b->trunc = true;
		return;
	}
	b->len += (size_t)n;
}

int
out_parse_format(const char *s, enum out_format *f, struct ft_err *err)
{
	static const char *names[] = { "table", "csv", "json" };
	int i;

	for (i = 0; s && i < 3; i++) {
		if (strcmp(s, names[i]) == 0) {
			*f = (enum out_format)i;
			return 0;
		}
	}
	return ft_err_set(err, FT_EINVAL, "unknown format '%.64s': expected "
	    "table, csv or json", s ? s : "");
}

const char *
out_proto_name(int proto)
{
	switch (proto) {
	case 1: return "icmp";
	case 2: return "igmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 41: return "ipv6";
	case 47: return "gre";
	case 50: return "esp";
	case 51: return "ah";
	case 58: return "icmp6";
	case 89: return "ospf";
	case 132: return "sctp";
	}
	return NULL;
}

/* 2.3 MiB / 1.2 k: one decimal below 100 units, none above. */
static void
out_fmt_units(struct out_buf *b, int64_t v, double base,
    const char *const *units, int n_units, const char *unit0)
{
	double x = (double)v;
	int u = 0;

	if (v < (int64_t)base) {
		out_buf_addf(b, "%" PRId64 "%s", v, unit0);
		return;
	}
	while (x >= base && u < n_units - 1) {
		x /= base;
		u++;
	}
	out_buf_addf(b, x < 99.95 ? "%.1f %s" : "%.0f %s", x, units[u]);
}

static void
out_fmt_bytes(struct out_buf *b, int64_t v)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB",
	    "PiB", "EiB" };

	out_fmt_units(b, v, 1024.0, units, 7, " B");
}

static void
out_fmt_count(struct out_buf *b, int64_t v)
{
	static const char *const units[] = { "", "k", "M", "G", "T", "P",
	    "E" };

	out_fmt_units(b, v, 1000.0, units, 7, "");
}

/* Exact seconds from microseconds, with 3 or 6 decimals. */
static void
out_fmt_secs(struct out_buf *b, int64_t us, int decimals)
{
	const char *sign = us < 0 ? "-" : "";
	uint64_t a = us < 0 ? 0 - (uint64_t)us : (uint64_t)us;

	if (decimals == 3)
		out_buf_addf(b, "%s%" PRIu64 ".%03" PRIu64, sign, a / 1000000,
		    a % 1000000 / 1000);
	else
		out_buf_addf(b, "%s%" PRIu64 ".%06" PRIu64, sign, a / 1000000,
		    a % 1000000);
}

/* 850 ms, 12.3 s, 2m05s, 1h02m, 3d04h. */
static void
out_fmt_duration_human(struct out_buf *b, int64_t us)
{
	int64_t s = us / 1000000;

	if (us < 0)
		out_fmt_secs(b, us, 3);
	else if (us < 1000000)
		out_buf_addf(b, "%" PRId64 " ms", (us + 500) / 1000);
	else if (us < 60000000)
		out_buf_addf(b, "%.1f s", (double)us / 1e6);
	else if (s < 3600)
		out_buf_addf(b, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
	else if (s < 86400)
		out_buf_addf(b, "%" PRId64 "h%02" PRId64 "m", s / 3600,
		    s % 3600 / 60);
	else
		out_buf_addf(b, "%" PRId64 "d%02" PRId64 "h", s / 86400,
		    s % 86400 / 3600);
}

/* ISO 8601 in UTC: 2024-11-01T08:00:00Z, or with .uuuuuu. */
static void
out_fmt_time(struct out_buf *b, int64_t us, bool micro)
{
	time_t secs = (time_t)(us >= 0 ? us / 1000000 :
	    (us - 999999) / 1000000);
	int64_t frac = us - (int64_t)secs * 1000000;
	char tmp[40];
	struct tm tm;

	if (!gmtime_r(&secs, &tm) ||
	    !strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm)) {
		out_buf_addf(b, "%" PRId64, us);
		return;
	}
	out_buf_adds(b, tmp);
	if (micro)
		out_buf_addf(b, ".%06" PRId64, frac);
	out_buf_adds(b, "Z");
}

static void
out_fmt_addr(struct out_buf *b, const void *p, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];
	size_t i;

	if ((len == 4 && inet_ntop(AF_INET, p, tmp, sizeof(tmp))) ||
	    (len == 16 && inet_ntop(AF_INET6, p, tmp, sizeof(tmp)))) {
		out_buf_adds(b, tmp);
		return;
	}
	for (i = 0; i < len; i++)
		out_buf_addf(b, "%02x", ((const uint8_t *)p)[i]);
}

static bool
out_type_is_number(enum out_type t)
{
	return t == OUT_INT || t == OUT_COUNT || t == OUT_BYTES ||
	    t == OUT_DURATION || t == OUT_PROTO;
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
	}
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t
out_utf8_len(const uint8_t *s, size_t n)
{
	size_t len, i;
	uint8_t lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* JSON string: escapes, and U+FFFD for bytes that are not UTF-8. */
static void
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

/* CSV field: quoted (quotes doubled) when it holds , " CR or LF. */
static void
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

/* Hold one cell; control characters and broken UTF-8 become '?'. */
static void
out_table_hold(struct out *w, size_t col, const char *s, size_t n)
{
	const uint8_t *u = (const uint8_t *)s;
	char *d = w->text + w->text_len;
	size_t i = 0, len, wd;

	w->off[w->n_off++] = (uint32_t)w->text_len;
	while (i < n) {
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
			out_table_hold(w, i, "-", 1);
			continue;
		}
		out_fmt_cell(w, &w->cols[i], &cells[i], &b);
		out_table_hold(w, i, b.p, b.len);
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
