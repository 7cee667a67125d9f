/* out.h: output writers: a column table drives tables, CSV and JSON */
#ifndef OUT_H
#define OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../base/ft_err.h"

enum out_format {
	OUT_TABLE,	/* aligned columns with a header, for people */
	OUT_CSV,	/* header line, RFC 4180 quoting, exact numbers */
	OUT_JSON,	/* array of objects, one per row, exact numbers */
};

#define OUT_NAME_WIDTH 32	/* human tables cut OUT_NAME cells to this */

/* What a column holds; decides formatting, alignment and JSON type. */
enum out_type {
	OUT_TEXT,	/* UTF-8 text (p, len) */
	OUT_NAME,	/* text naming something (host, org, vendor); human
			   tables cut it to OUT_NAME_WIDTH with an ellipsis */
	OUT_INT,	/* integer shown as is: ports, ids */
	OUT_COUNT,	/* count; human: 1.2 k */
	OUT_BYTES,	/* bytes; human: 2.3 MiB */
	OUT_TIME,	/* microseconds since the epoch, shown in UTC */
	OUT_DURATION,	/* microseconds; seconds in CSV and JSON */
	OUT_ADDR,	/* IP address, 4 or 16 bytes (p, len) */
	OUT_PROTO,	/* IP protocol number; its name in tables */
	OUT_TCP_FLAGS,	/* OR of TCP flags; CEUAPRSF letters in tables */
};

/* One column of a report; reports keep these in one static table. */
struct out_col {
	const char *name;	/* header and JSON key */
	enum out_type type;	/* formatting */
	const char *expr;	/* producer's source (SQL); writers ignore it */
};

/* One value; which fields count depends on the column type. */
struct out_cell {
	int64_t i;		/* integer types, time, duration, proto */
	const void *p;		/* text or address bytes, borrowed */
	size_t len;		/* bytes at p */
	bool null;		/* no value: "-" in tables, empty, null */
};

struct out_opts {
	FILE *fp;		/* destination, borrowed */
	enum out_format format;	/* table, csv or json */
	bool human;		/* tables: units like 2.3 MiB (on a terminal) */
};

/* A bounded string buffer on caller's memory; always NUL-terminated. */
struct out_buf {
	char *p;		/* cap bytes */
	size_t len;		/* bytes used, without the NUL */
	size_t cap;		/* size of p, > 0 */
	bool trunc;		/* something did not fit */
};

struct out;

/* Parse "table", "csv" or "json"; err names the input when it is neither. */
int out_parse_format(const char *s, enum out_format *f, struct ft_err *err);

/* A writer; the caller owns it and frees it with out_free(). */
int out_new(const struct out_opts *o, struct out **out, struct ft_err *err);
void out_free(struct out *w);

/*
 * Start a result with n_cols columns; cols is borrowed until out_end(). A
 * writer can carry several results one after another.
 */
int out_begin(struct out *w, const struct out_col *cols, size_t n_cols,
    struct ft_err *err);

/* One row of n_cols cells, in column order. */
int out_row(struct out *w, const struct out_cell *cells, struct ft_err *err);

/* Finish the result (tables print here) and report write errors. */
int out_end(struct out *w, struct ft_err *err);

/* "tcp", "udp", ... for an IP protocol number, NULL when it has no name. */
const char *out_proto_name(int proto);

void out_buf_init(struct out_buf *b, char *mem, size_t cap);
void out_buf_add(struct out_buf *b, const char *s, size_t n);
void out_buf_adds(struct out_buf *b, const char *s);
void out_buf_addf(struct out_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Value formatting and escaping, for writers of their own (the map's):
 * the same text the columns of out_begin() get.
 */

/* 2.3 MiB (IEC) and 1.2 k (SI): one decimal below 100 units. */
void out_fmt_bytes(struct out_buf *b, int64_t v);
void out_fmt_count(struct out_buf *b, int64_t v);

/* ISO 8601 in UTC, with microseconds when micro. */
void out_fmt_time(struct out_buf *b, int64_t us, bool micro);

/* CEUAPRSF, a '.' for each flag not set: ...AP.SF. */
void out_fmt_tcp_flags(struct out_buf *b, int64_t flags);

/* inet_ntop of 4 or 16 bytes, else hex. */
void out_fmt_addr(struct out_buf *b, const void *p, size_t len);

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
size_t out_utf8_len(const uint8_t *s, size_t n);

/* A JSON string: escapes, and U+FFFD for bytes that are not UTF-8. */
void out_json_string(FILE *fp, const char *s, size_t n);

/* A CSV field: quoted (quotes doubled) when it holds , " CR or LF. */
void out_csv_field(FILE *fp, const char *s, size_t n);

#endif
