/* test_progress.c: the progress line of long reports */
/*
 * Its text, the estimate, when it shows and that it goes.
 */
#include <stdlib.h>

#include "../../src/base/ft_log.h"
#include "../../src/query/query.h"
#include "../lib/qfix.h"
#include "ut.h"

#define NREC 3000		/* records in the store, one per second */

static struct store *st;	/* NREC records, read-only */

static char *
line(uint64_t rows, uint64_t estimate, uint64_t ms)
{
	static char mem[128];
	struct out_buf b;

	out_buf_init(&b, mem, sizeof(mem));
	query_progress_format(&b, rows, estimate, ms);
	return b.p;
}

static void
the_line_says_records_scanned_of_the_estimate_and_seconds(void)
{
	UT_STREQ(line(1234567, 10300000, 3400),
	    "flowtrail: scanning records: 1.2 M of ~10.3 M (11%), 3 s");
	UT_STREQ(line(999, 1000, 1000),
	    "flowtrail: scanning records: 999 of ~1.0 k (99%), 1 s");
	UT_STREQ(line(1000, 1000, 61000),
	    "flowtrail: scanning records: 1.0 k of ~1.0 k (99%), 61 s");
	UT_STREQ(line(0, 5000000, 999),
	    "flowtrail: scanning records: 0 of ~5.0 M (0%), 0 s");
	UT_STREQ(line(2500, 2000, 2000),
	    "flowtrail: scanning records: 2.5 k, 2 s");
	UT_STREQ(line(42, 0, 1500), "flowtrail: scanning records: 42, 1 s");
}

static uint64_t
estimate(uint64_t since_s, uint64_t until_s)
{
	struct query_range r = { 0 };
	struct ft_err err = { 0 };
	uint64_t n = 12345;

	r.since_us = since_s ? QFIX_T0 + since_s * QFIX_SEC : 0;
	r.until_us = until_s ? QFIX_T0 + until_s * QFIX_SEC : 0;
	UT_EQ(query_progress_estimate(st, &r, &n, &err), 0);
	return n;
}

static void
the_estimate_is_the_rowid_span_of_the_time_range(void)
{
	UT_EQ(estimate(0, 0), NREC);
	UT_EQ(estimate(1000, 0), NREC - 1000);
	UT_EQ(estimate(0, 10), 10);
	UT_EQ(estimate(100, 300), 200);
	UT_EQ(estimate(NREC + 5, 0), 0);
	UT_EQ(estimate(0, 0) >= estimate(1, 0), 1);
}

/* top --by proto with a progress line (delay_ms) into a memory stream. */
static char *
top_with_progress(uint64_t delay_ms, const char *where, uint64_t *rows)
{
	struct query_top_opts o = { .n_by = 1, .by = { QUERY_BY_PROTO } };
	struct query_where w = { where, NULL, 0, false };
	struct query_progress *p = NULL;
	struct ft_err err = { 0 };
	struct qfix_out c;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	UT_EQ(query_progress_new(fp, delay_ms, &p, &err), 0);
	o.range.progress = p;
	o.range.where = where ? &w : NULL;
	qfix_out_begin(&c, OUT_CSV, false);
	UT_EQ(query_top(st, &o, c.w, &err), 0);
	free(qfix_out_end(&c));
	*rows = query_progress_rows(p);
	query_progress_free(p);
	fclose(fp);
	return buf;
}

static void
a_report_past_the_delay_draws_the_line_and_clears_it_at_the_end(void)
{
	uint64_t rows = 0;
	char *got = top_with_progress(0, NULL, &rows);

	UT_EQ(rows, NREC);
	UT_ASSERT(strncmp(got, "\rflowtrail: scanning records: ", 30) == 0);
	UT_ASSERT(strstr(got, "of ~3.0 k (") != NULL);
	UT_ASSERT(strlen(got) >= 4 &&
	    strcmp(got + strlen(got) - 4, "\r\033[K") == 0);
	free(got);
}

static void
a_report_shorter_than_the_delay_prints_nothing(void)
{
	uint64_t rows = 0;
	char *got = top_with_progress(60000, NULL, &rows);

	UT_STREQ(got, "");
	UT_EQ(rows, NREC);
	free(got);
}

/* Scanned means in the time range, whether or not the filter passes. */
static void
records_are_counted_before_the_filter(void)
{
	uint64_t rows = 0;
	char *got = top_with_progress(60000, "f.proto = 99", &rows);

	UT_EQ(rows, NREC);
	free(got);
}

int
main(void)
{
	struct ft_flowrec *r = calloc(NREC, sizeof(*r));
	int rc, i;

	if (!r || qfix_dir_init())
		return 2;
	ft_log_level = FT_LOG_WARN;
	for (i = 0; i < NREC; i++)
		r[i] = qfix_rec((uint64_t)i, (uint64_t)i, i % 2 ? 6 : 17,
		    "10.0.0.1", 40000, "10.0.0.2", 53, "", 100, 200, 1, 1);
	st = qfix_store("progress", r, NREC, NULL);
	free(r);
	if (!st)
		return 1;
	UT_RUN(the_line_says_records_scanned_of_the_estimate_and_seconds);
	UT_RUN(the_estimate_is_the_rowid_span_of_the_time_range);
	UT_RUN(a_report_past_the_delay_draws_the_line_and_clears_it_at_the_end);
	UT_RUN(a_report_shorter_than_the_delay_prints_nothing);
	UT_RUN(records_are_counted_before_the_filter);
	store_close(st);
	qfix_dir_remove();
	rc = UT_DONE();
	return rc;
}
