/* series_int.h: what query_series.c and query_top_series.c share */
#ifndef SERIES_INT_H
#define SERIES_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "../base/ft_err.h"
#include "../out/out.h"
#include "../store/store.h"

/* rollups.rolled_to of 1h and 1d: what each step holds whole. */
int series_read_rolled(struct store *st, int64_t *h, int64_t *d,
    struct ft_err *err);

/*
 * The rows of kinds in [?1, ?2) (microseconds) with their bucket b, from
 * series_1d below rolled_d, series_1h from there to rolled_h, series_1m
 * after: each minute is counted once, in the coarsest table holding it.
 * With key, only rows whose key equals ?3.
 */
void series_add_union(struct out_buf *b, uint32_t step, int64_t rolled_h,
    int64_t rolled_d, const char *kinds, bool key);

#endif
