/* test_out.c: the output writers: CSV, JSON and tables */
/*
 * Every column type, long names cut only in human tables, format names, and the
 * bounded buffer.
 */
#include <stdlib.h>

#include "../../src/out/out.h"
#include "../lib/qfix.h"
#include "ut.h"

/* One column of every type, for the writer tests. */
static const struct out_col wcols[] = {
	{ "name", OUT_TEXT, NULL },
	{ "port", OUT_INT, NULL },
	{ "pkts", OUT_COUNT, NULL },
	{ "bytes", OUT_BYTES, NULL },
	{ "time", OUT_TIME, NULL },
	{ "dur", OUT_DURATION, NULL },
	{ "addr", OUT_ADDR, NULL },
	{ "proto", OUT_PROTO, NULL },
};

static char *
write_rows(enum out_format f, bool human)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t v4[4] = { 192, 168, 1, 151 };
	const struct out_cell rows[3][8] = {
		{ { .p = "a,b \"q\"", .len = 7 }, { .i = 443 }, { .i = 1234 },
		  { .i = 2411724 }, { .i = (int64_t)QFIX_T0 + 123456 },
		  { .i = 125000000 }, { .p = v4, .len = 4 }, { .i = 6 } },
		{ { .p = "line\nbreak\x1b[31m\xff", .len = 16 }, { .i = 0 },
		  { .i = 7 }, { .i = 512 }, { .i = (int64_t)QFIX_T0 },
		  { .i = 4500 }, { .p = v6, .len = 16 }, { .i = 253 } },
		{ { .p = "caf\xc3\xa9", .len = 5 }, { .null = true },
		  { .i = 123456789 }, { .i = 5000000000000 }, { .null = true },
		  { .i = 3 * 3600 * 1000000ll + 120000000 }, { .null = true },
		  { .i = 17 } },
	};
	struct qfix_out c;
	int i;

	qfix_out_begin(&c, f, human);
	out_begin(c.w, wcols, 8, NULL);
	for (i = 0; i < 3; i++)
		out_row(c.w, rows[i], NULL);
	out_end(c.w, NULL);
	return qfix_out_end(&c);
}

static void
csv_quotes_per_rfc_4180_and_keeps_numbers_exact(void)
{
	char *got = write_rows(OUT_CSV, true);

	UT_STREQ(got, "name,port,pkts,bytes,time,dur,addr,proto\n"
	    "\"a,b \"\"q\"\"\",443,1234,2411724,2023-11-14T22:13:20.123456Z,"
	    "125.000000,192.168.1.151,6\n"
	    "\"line\nbreak\x1b[31m\xff\",0,7,512,2023-11-14T22:13:20.000000Z,"
	    "0.004500,2001:db8::1,253\n"
	    "caf\xc3\xa9,,123456789,5000000000000,,10920.000000,,17\n");
	free(got);
}

static void
json_escapes_strings_and_replaces_broken_utf8(void)
{
	char *got = write_rows(OUT_JSON, true);

	UT_STREQ(got, "[\n"
	    "{\"name\":\"a,b \\\"q\\\"\",\"port\":443,\"pkts\":1234,"
	    "\"bytes\":2411724,\"time\":\"2023-11-14T22:13:20.123456Z\","
	    "\"dur\":125.000000,\"addr\":\"192.168.1.151\",\"proto\":6},\n"
	    "{\"name\":\"line\\nbreak\\u001b[31m\\ufffd\",\"port\":0,"
	    "\"pkts\":7,\"bytes\":512,\"time\":\"2023-11-14T22:13:20.000000Z\","
	    "\"dur\":0.004500,\"addr\":\"2001:db8::1\",\"proto\":253},\n"
	    "{\"name\":\"caf\xc3\xa9\",\"port\":null,\"pkts\":123456789,"
	    "\"bytes\":5000000000000,\"time\":null,\"dur\":10920.000000,"
	    "\"addr\":null,\"proto\":17}\n]\n");
	free(got);
}

static void
an_empty_json_result_is_an_empty_array(void)
{
	struct qfix_out c;
	char *got;

	qfix_out_begin(&c, OUT_JSON, false);
	out_begin(c.w, wcols, 8, NULL);
	out_end(c.w, NULL);
	got = qfix_out_end(&c);
	UT_STREQ(got, "[]\n");
	free(got);
}

static void
tables_align_columns_and_use_human_units_when_asked(void)
{
	char *got = write_rows(OUT_TABLE, true);

	UT_STREQ(got,
	    "name              port   pkts    bytes  time                    "
	    "dur  addr           proto\n"
	    "a,b \"q\"            443  1.2 k  2.3 MiB  2023-11-14T22:13:20Z  "
	    "2m05s  192.168.1.151  tcp\n"
	    "line?break?[31m?     0      7    512 B  2023-11-14T22:13:20Z   "
	    "5 ms  2001:db8::1    253\n"
	    "caf\xc3\xa9                 -  123 M  4.5 TiB  -                 "
	    "    3h02m  -              udp\n");
	free(got);
	got = write_rows(OUT_TABLE, false);
	UT_STREQ(got,
	    "name              port       pkts          bytes  time          "
	    "              dur  addr           proto\n"
	    "a,b \"q\"            443       1234        2411724  "
	    "2023-11-14T22:13:20Z    125.000  192.168.1.151  tcp\n"
	    "line?break?[31m?     0          7            512  "
	    "2023-11-14T22:13:20Z      0.004  2001:db8::1    253\n"
	    "caf\xc3\xa9                 -  123456789  5000000000000  -       "
	    "              10920.000  -              udp\n");
	free(got);
}

/* A name column beside a text column, one row, in format f. */
static char *
write_names(enum out_format f, bool human, const char *name)
{
	static const struct out_col cols[] = {
		{ "name", OUT_NAME, NULL }, { "note", OUT_TEXT, NULL },
	};
	const struct out_cell row[2] = { { .p = name, .len = strlen(name) },
	    { .p = "x", .len = 1 } };
	struct qfix_out c;

	qfix_out_begin(&c, f, human);
	out_begin(c.w, cols, 2, NULL);
	out_row(c.w, row, NULL);
	out_end(c.w, NULL);
	return qfix_out_end(&c);
}

static void
human_tables_cut_long_names_and_csv_and_json_keep_them(void)
{
	const char *longname = "r3---sn-4g5e6nsz.googlevideo.example.com";
	const char *fits = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "012345678901234567890123456";	/* 32 code points */
	char *got;

	got = write_names(OUT_TABLE, true, longname);
	UT_STREQ(got, "name                              note\n"
	    "r3---sn-4g5e6nsz.googlevideo.ex\xe2\x80\xa6  x\n");
	free(got);
	got = write_names(OUT_TABLE, false, longname);
	UT_ASSERT(strstr(got, longname) != NULL);
	free(got);
	got = write_names(OUT_CSV, true, longname);
	UT_ASSERT(strstr(got, longname) != NULL);
	free(got);
	got = write_names(OUT_JSON, true, longname);
	UT_ASSERT(strstr(got, longname) != NULL);
	free(got);
	got = write_names(OUT_TABLE, true, fits);
	UT_ASSERT(strstr(got, fits) != NULL);
	free(got);
}

static void
format_names_parse_and_bad_ones_are_named(void)
{
	enum out_format f;
	struct ft_err err = { 0 };

	UT_EQ(out_parse_format("json", &f, &err), 0);
	UT_EQ(f, OUT_JSON);
	UT_EQ(out_parse_format("xml", &f, &err), -FT_EINVAL);
	UT_STREQ(err.msg, "unknown format 'xml': expected table, csv or json");
}

static void
the_bounded_buffer_truncates_and_says_so(void)
{
	char mem[8];
	struct out_buf b;

	out_buf_init(&b, mem, sizeof(mem));
	out_buf_addf(&b, "%d", 1234);
	out_buf_adds(&b, "abc");
	UT_STREQ(b.p, "1234abc");
	UT_ASSERT(!b.trunc);
	out_buf_adds(&b, "d");
	UT_STREQ(b.p, "1234abc");
	UT_ASSERT(b.trunc);
	out_buf_init(&b, mem, sizeof(mem));
	out_buf_addf(&b, "%s", "0123456789");
	UT_STREQ(b.p, "0123456");
	UT_ASSERT(b.trunc);
}

int
main(void)
{
	UT_RUN(csv_quotes_per_rfc_4180_and_keeps_numbers_exact);
	UT_RUN(json_escapes_strings_and_replaces_broken_utf8);
	UT_RUN(an_empty_json_result_is_an_empty_array);
	UT_RUN(tables_align_columns_and_use_human_units_when_asked);
	UT_RUN(human_tables_cut_long_names_and_csv_and_json_keep_them);
	UT_RUN(format_names_parse_and_bad_ones_are_named);
	UT_RUN(the_bounded_buffer_truncates_and_says_so);
	return UT_DONE();
}
