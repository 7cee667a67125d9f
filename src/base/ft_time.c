/* ft_time.c: parsing of time arguments, and the two clocks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ft_time.h"

uint64_t
ft_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t
ft_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int
parse_duration(const char *s, uint64_t *us)
{
	unsigned long long n;
	uint64_t unit;
	char *end;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -FT_EINVAL;
	switch (*end) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	default: return -FT_EINVAL;
	}
	if (end[1] || n > 100ull * 365 * 86400 / unit)
		return -FT_EINVAL;
	*us = n * unit * 1000000u;
	return 0;
}

static int
parse_date(const char *s, uint64_t *out)
{
	struct tm tm;
	const char *end;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (!end)
		return -FT_EINVAL;
	if (*end == 'T' || *end == ' ') {
		const char *e2 = strptime(end + 1, "%H:%M:%S", &tm);

		if (!e2)
			e2 = strptime(end + 1, "%H:%M", &tm);
		end = e2;
	}
	if (!end || *end)
		return -FT_EINVAL;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1 || t < 0)
		return -FT_EINVAL;
	*out = (uint64_t)t * 1000000u;
	return 0;
}

int
ft_time_parse(const char *s, uint64_t now_us, uint64_t *out,
    struct ft_err *err)
{
	unsigned long long n;
	uint64_t d;
	char *end;

	if (!strcmp(s, "now")) {
		*out = now_us;
		return 0;
	}
	if (s[0] == '@') {
		errno = 0;
		n = strtoull(s + 1, &end, 10);
		if (!errno && end != s + 1 && !*end) {
			*out = (uint64_t)n * 1000000u;
			return 0;
		}
	} else if (parse_duration(s, &d) == 0) {
		*out = d > now_us ? 0 : now_us - d;
		return 0;
	} else if (parse_date(s, out) == 0) {
		return 0;
	}
	return ft_err_set(err, FT_EINVAL,
	    "bad time '%s': expected a duration like 7d, 24h, 30m, a date "
	    "2024-11-01, 2024-11-01T08:00, or @SECONDS", s);
}

int64_t
ft_day_start(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

int64_t
ft_day_next(int64_t day)
{
	time_t tt = (time_t)day;
	struct tm tm;

	localtime_r(&tt, &tm);
	tm.tm_mday++;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}
