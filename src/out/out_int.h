/* out_int.h: value formatting shared by out.c and out_fmt.c only. */
#ifndef OUT_INT_H
#define OUT_INT_H

#include "out.h"

/* Exact seconds from microseconds, with 3 or 6 decimals. */
void out_fmt_secs(struct out_buf *b, int64_t us, int decimals);

/* 850 ms, 12.3 s, 2m05s, 1h02m, 3d04h. */
void out_fmt_duration_human(struct out_buf *b, int64_t us);

#endif
