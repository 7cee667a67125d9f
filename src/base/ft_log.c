/* ft_log.c: the one place that writes log lines. */
#include <stdarg.h>
#include <stdio.h>

#include "ft_log.h"

int ft_log_level = FT_LOG_INFO;

void
ft_log_write(int level, const char *fmt, ...)
{
	static const char *names[] = { "error", "warning", "info", "debug" };
	va_list ap;

	fprintf(stderr, "flowtrail: %s: ", names[level & 3]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
