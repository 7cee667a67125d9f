/* ft_time.h: time arguments ("7d", "24h", "2024-11-01T08:00") and clocks. */
#ifndef FT_TIME_H
#define FT_TIME_H

#include <stdint.h>

#include "ft_err.h"

/*
 * Parse a time argument into microseconds since the epoch: a duration back
 * from now_us ("90s", "15m", "24h", "7d", "2w"), "now", a date "2024-11-01"
 * or a local date and time "2024-11-01T08:00[:ss]" (also with a space), or
 * "@1700000000" seconds since the epoch.
 */
int ft_time_parse(const char *s, uint64_t now_us, uint64_t *out,
    struct ft_err *err);

/* Wall clock, microseconds since the epoch. */
uint64_t ft_now_us(void);

/* Monotonic clock, microseconds. */
uint64_t ft_mono_us(void);

/*
 * Local midnight at or before t (seconds since the epoch), and the one
 * after day, in the process's time zone (TZ): days of rollups and reports.
 */
int64_t ft_day_start(int64_t t);
int64_t ft_day_next(int64_t day);

#endif
