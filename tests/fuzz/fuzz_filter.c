/* fuzz_filter.c: fuzz target of the filter language (flows and series) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/filter/filter.h"

/* Every value bound has its '?' in the SQL text, and no other '?' is there. */
static void
fz_check_where(const struct query_where *w)
{
	size_t marks = 0;
	const char *s;

	if (!w || !w->sql || w->n_vals > QUERY_WHERE_MAX)
		abort();
	for (s = w->sql; *s; s++)
		marks += *s == '?';
	if (marks != w->n_vals)
		abort();
}

/*
 * Input: one selector byte, then the expression. Bit 0 of the selector
 * picks filter_compile_series over filter_compile; the text is cut at the
 * first NUL, as a command line would be. Bit 1 reads the text as a
 * packet count rather than bytes for filter_parse_amount().
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ft_err err = { 0 };
	enum query_series_kind kind;
	struct filter *f = NULL;
	int64_t amount;
	char *expr;
	int rc;

	if (size < 1 || size > 4096)
		return 0;
	expr = malloc(size);
	if (!expr)
		return 0;
	memcpy(expr, data + 1, size - 1);
	expr[size - 1] = '\0';
	if (data[0] & 1)
		rc = filter_compile_series(expr, &f, &kind, &err);
	else
		rc = filter_compile(expr, &f, &err);
	/* A filter or one line of error, never both, never neither. */
	if (rc == 0 && !f)
		abort();
	if (rc == 0)
		fz_check_where(filter_where(f));
	if (rc != 0 && (f || err.msg[0] == '\0' || strlen(err.msg) >= sizeof(err.msg)))
		abort();
	filter_free(f);
	filter_parse_amount(expr, data[0] & 2 ? 'p' : 'b', &amount);
	free(expr);
	return 0;
}
