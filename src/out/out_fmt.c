/* out_fmt.c: the bounded string buffer and the formatting of single values. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "../base/ft_proto.h"
#include "out_int.h"

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
	return ft_proto_name(proto);
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

void
out_fmt_bytes(struct out_buf *b, int64_t v)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB",
	    "PiB", "EiB" };

	out_fmt_units(b, v, 1024.0, units, 7, " B");
}

void
out_fmt_count(struct out_buf *b, int64_t v)
{
	static const char *const units[] = { "", "k", "M", "G", "T", "P",
	    "E" };

	out_fmt_units(b, v, 1000.0, units, 7, "");
}

/* Exact seconds from microseconds, with 3 or 6 decimals. */
void
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
void
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
void
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

/* As nfdump shows them: CWR ECE URG ACK PSH RST SYN FIN, high bit first. */
void
out_fmt_tcp_flags(struct out_buf *b, int64_t flags)
{
	static const char letters[] = "CEUAPRSF";
	char s[9];
	int i;

	for (i = 0; i < 8; i++)
		s[i] = flags & (0x80 >> i) ? letters[i] : '.';
	s[8] = '\0';
	out_buf_adds(b, s);
}

void
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

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
size_t
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
