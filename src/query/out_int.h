/* out_int.h: value formatting shared by out.c and out_fmt.c only. */
#ifndef OUT_INT_H
#define OUT_INT_H

#include "out.h"

/* Exact seconds from microseconds, with 3 or 6 decimals. */
void out_fmt_secs(struct out_buf *b, int64_t us, int decimals);

/* 850 ms, 12.3 s, 2m05s, 1h02m, 3d04h. */
void out_fmt_duration_human(struct out_buf *b, int64_t us);

/* ISO 8601 in UTC, with microseconds when micro. */
void out_fmt_time(struct out_buf *b, int64_t us, bool micro);

/* CEUAPRSF, a '.' for each flag not set: ...AP.SF. */
void out_fmt_tcp_flags(struct out_buf *b, int64_t flags);

/* inet_ntop of 4 or 16 bytes, else hex. */
void out_fmt_addr(struct out_buf *b, const void *p, size_t len);

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
size_t out_utf8_len(const uint8_t *s, size_t n);

#endif
