/* test_lut.c: the lookup tables */
/*
 * CSV quirks, range flattening, IPv6 level 2, vendors, corrupt files, atomic
 * replace.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/enrich/lut_int.h"
#include "ut.h"

static char tmpdir[64];		/* per-process scratch directory */
static char lutpath[128];	/* compiled file of the running case */

/* The text of each source of a build; NULL gives an empty file. */
struct texts {
	const char *asn4, *asn6, *cc4, *cc6;	/* ip-location-db CSVs */
	const char *manuf;			/* Wireshark manuf */
	const char *ieee;			/* IEEE CSV, used besides manuf */
};

static const char *
write_file(const char *name, const char *text)
{
	static char paths[8][128];
	static int next;
	char *p = paths[next++ % 8];
	FILE *f;

	snprintf(p, 128, "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	if (f) {
		fputs(text ? text : "", f);
		fclose(f);
	}
	return p;
}

/* Build the texts into a fresh compiled file named after the case. */
static int
build(const char *name, const struct texts *t, struct ft_err *err)
{
	struct lut_sources s = { .n = 0 };

	snprintf(lutpath, sizeof(lutpath), "%s/%s.lut", tmpdir, name);
	s.src[s.n++] = (struct lut_source){ .kind = LUT_ASN4,
		.path = write_file("asn-ipv4.csv", t->asn4),
		.package = "@ip-location-db/asn" };
	s.src[s.n++] = (struct lut_source){ .kind = LUT_ASN6,
		.path = write_file("asn-ipv6.csv", t->asn6) };
	s.src[s.n++] = (struct lut_source){ .kind = LUT_CC4,
		.path = write_file("cc-ipv4.csv", t->cc4) };
	s.src[s.n++] = (struct lut_source){ .kind = LUT_CC6,
		.path = write_file("cc-ipv6.csv", t->cc6) };
	if (t->ieee)
		s.src[s.n++] = (struct lut_source){ .kind = LUT_VENDOR,
			.ieee = true, .path = write_file("oui.csv", t->ieee) };
	s.src[s.n++] = (struct lut_source){ .kind = LUT_VENDOR,
		.path = write_file("manuf", t->manuf) };
	return lut_build(&s, lutpath, err);
}

static struct lut *
build_open(const char *name, const struct texts *t)
{
	struct ft_err err = { 0 };
	struct lut *l = NULL;

	if (build(name, t, &err) || lut_open(lutpath, &l, &err)) {
		UT_FAILF("%s", err.msg);
		return NULL;
	}
	return l;
}

/* AS number at an address, 0 when none. */
static uint32_t
asn_at(const struct lut *l, const char *ip)
{
	struct lut_asn a;
	uint8_t b[16];
	int v = strchr(ip, ':') ? 6 : 4;

	if (inet_pton(v == 4 ? AF_INET : AF_INET6, ip, b) != 1) {
		UT_FAILF("bad test address %s", ip);
		return 0;
	}
	return lut_asn(l, b, v, &a) ? 0 : a.asn;
}

static const char *
org_at(const struct lut *l, const char *ip)
{
	struct lut_asn a;
	uint8_t b[16];

	inet_pton(AF_INET, ip, b);
	return lut_asn(l, b, 4, &a) ? "(none)" : a.org;
}

static const char *
cc_at(const struct lut *l, const char *ip)
{
	static char cc[3];
	uint8_t b[16];
	int v = strchr(ip, ':') ? 6 : 4;

	inet_pton(v == 4 ? AF_INET : AF_INET6, ip, b);
	return lut_country(l, b, v, cc) ? "--" : cc;
}

static const char *
vendor_at(const struct lut *l, uint64_t mac48, bool long_name)
{
	struct lut_vendor v;
	uint8_t m[6];
	int i;

	for (i = 0; i < 6; i++)
		m[i] = (uint8_t)(mac48 >> (40 - 8 * i));
	if (lut_vendor(l, m, &v))
		return "(none)";
	return long_name ? v.long_name : v.short_name;
}

static void
csv_reader_handles_quotes_crlf_blank_lines_and_embedded_newlines(void)
{
	const char *p = write_file("r.csv", "a,\"b, \"\"c\"\"\",d\r\n\r\n"
	    "\"x\ny\",,z\nlast,\"\"");
	struct ft_err err = { 0 };
	struct lut_csv c;

	UT_EQ(lut_csv_open(&c, p, ',', true, &err), 0);
	UT_EQ(lut_csv_next(&c, &err), 3);
	UT_STREQ(c.field[1], "b, \"c\"");
	UT_STREQ(c.field[2], "d");
	UT_EQ(lut_csv_next(&c, &err), 3);
	UT_STREQ(c.field[0], "x\ny");
	UT_STREQ(c.field[1], "");
	UT_EQ(c.rec_line, 3);
	UT_EQ(lut_csv_next(&c, &err), 2);
	UT_STREQ(c.field[1], "");
	UT_EQ(c.rec_line, 5);
	UT_EQ(lut_csv_next(&c, &err), 0);
	lut_csv_close(&c);
}

static void
csv_reader_refuses_an_unclosed_quote_and_an_endless_record(void)
{
	static char big[LUT_CSV_MAX_RECORD + 100];
	struct ft_err err = { 0 };
	struct lut_csv c;

	lut_csv_open(&c, write_file("q.csv", "a,\"never closed\n"), ',', true,
	    &err);
	UT_EQ(lut_csv_next(&c, &err), -FT_EPARSE);
	UT_ASSERT(strstr(err.msg, "quote not closed") != NULL);
	lut_csv_close(&c);
	memset(big, 'x', sizeof(big) - 1);
	lut_csv_open(&c, write_file("big.csv", big), ',', true, &err);
	UT_EQ(lut_csv_next(&c, &err), -FT_EPARSE);
	UT_ASSERT(strstr(err.msg, "longer than") != NULL);
	lut_csv_close(&c);
}

static void
quoted_organisations_keep_their_commas_and_quotes(void)
{
	struct texts t = { .asn4 = "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\r\n"
	    "1.0.4.0,1.0.7.255,38803,\"The \"\"Quoted\"\" Co, Ltd\"\r\n"
	    "1.0.8.0,1.0.8.255,7,Unquoted, with comma\r\n"
	    "1.0.9.0,1.0.9.255,AS8,\n" };
	struct lut *l = build_open("quoted", &t);

	if (!l)
		return;
	UT_STREQ(org_at(l, "1.0.0.1"), "Cloudflare, Inc.");
	UT_EQ(asn_at(l, "1.0.0.1"), 13335);
	UT_STREQ(org_at(l, "1.0.5.5"), "The \"Quoted\" Co, Ltd");
	UT_STREQ(org_at(l, "1.0.8.8"), "Unquoted, with comma");
	UT_EQ(asn_at(l, "1.0.9.9"), 8);
	UT_STREQ(org_at(l, "1.0.9.9"), "");
	lut_close(l);
}

static void
a_nested_range_wins_inside_and_the_outer_one_resumes_after_it(void)
{
	struct texts t = { .asn4 = "10.0.0.0,10.255.255.255,1,Outer\n"
	    "10.1.0.0,10.1.255.255,2,Inner\n"
	    "10.1.2.0,10.1.2.255,3,Innermost\n"
	    "214.96.0.0,215.0.252.255,749,DoD\n"
	    "215.0.0.0,215.1.0.255,721,DoD NIC\n" };
	struct lut *l = build_open("nested", &t);

	if (!l)
		return;
	UT_EQ(asn_at(l, "10.0.255.255"), 1);
	UT_EQ(asn_at(l, "10.1.0.0"), 2);
	UT_EQ(asn_at(l, "10.1.2.128"), 3);
	UT_EQ(asn_at(l, "10.1.3.0"), 2);
	UT_EQ(asn_at(l, "10.2.0.0"), 1);
	UT_EQ(asn_at(l, "10.255.255.255"), 1);
	UT_EQ(asn_at(l, "11.0.0.0"), 0);
	UT_EQ(asn_at(l, "214.255.255.255"), 749);
	UT_EQ(asn_at(l, "215.0.0.1"), 721);
	UT_EQ(asn_at(l, "215.0.252.255"), 721);
	UT_EQ(asn_at(l, "215.1.0.255"), 721);
	UT_EQ(asn_at(l, "215.1.1.0"), 0);
	lut_close(l);
}

static void
gaps_have_no_value_and_adjacent_ranges_meet_exactly(void)
{
	struct texts t = { .asn4 = "0.0.0.0,0.0.0.9,5,Zero\n"
	    "1.2.3.4,1.2.3.4,6,One\n1.2.3.5,1.2.4.0,7,Two\n"
	    "200.0.0.0,255.255.255.255,8,Top\n",
		.cc4 = "1.0.0.0,1.255.255.255,de\n2.0.0.0,2.0.0.0,FR\n" };
	struct lut *l = build_open("gaps", &t);

	if (!l)
		return;
	UT_EQ(asn_at(l, "0.0.0.0"), 5);
	UT_EQ(asn_at(l, "0.0.0.10"), 0);
	UT_EQ(asn_at(l, "1.2.3.3"), 0);
	UT_EQ(asn_at(l, "1.2.3.4"), 6);
	UT_EQ(asn_at(l, "1.2.3.5"), 7);
	UT_EQ(asn_at(l, "1.2.4.0"), 7);
	UT_EQ(asn_at(l, "1.2.4.1"), 0);
	UT_EQ(asn_at(l, "199.255.255.255"), 0);
	UT_EQ(asn_at(l, "255.255.255.255"), 8);
	UT_STREQ(cc_at(l, "1.2.3.4"), "DE");
	UT_STREQ(cc_at(l, "2.0.0.0"), "FR");
	UT_STREQ(cc_at(l, "2.0.0.1"), "--");
	UT_STREQ(cc_at(l, "0.255.255.255"), "--");
	lut_close(l);
}

static void
ipv6_ranges_at_both_ends_of_the_space_and_inside_a_48_are_found(void)
{
	struct texts t = {
		.asn6 = "::,::ffff,1,Bottom\n"
		    "2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,2,Doc\n"
		    "2001:db8:1::80,2001:db8:1::ff,3,Tiny\n"
		    "2001:db8:1:0:1::,2001:db8:1:0:1::,4,One\n"
		    "2001:db9::,2001:db9::,5,Lonely\n"
		    "ffff:ffff::,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,6,Top\n",
		.cc6 = "::,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,ZZ\n"
		    "2001:db8:1::,2001:db8:1::7f,AB\n" };
	struct lut *l = build_open("v6", &t);

	if (!l)
		return;
	UT_EQ(asn_at(l, "::"), 1);
	UT_EQ(asn_at(l, "::ffff"), 1);
	UT_EQ(asn_at(l, "::1:0"), 0);
	UT_EQ(asn_at(l, "2001:db8::1"), 2);
	UT_EQ(asn_at(l, "2001:db8:1::7f"), 2);
	UT_EQ(asn_at(l, "2001:db8:1::80"), 3);
	UT_EQ(asn_at(l, "2001:db8:1::ff"), 3);
	UT_EQ(asn_at(l, "2001:db8:1::100"), 2);
	UT_EQ(asn_at(l, "2001:db8:1:0:1::"), 4);
	UT_EQ(asn_at(l, "2001:db8:1:0:1::1"), 2);
	UT_EQ(asn_at(l, "2001:db8:2::"), 2);
	UT_EQ(asn_at(l, "2001:db9::"), 5);
	UT_EQ(asn_at(l, "2001:db9::1"), 0);
	UT_EQ(asn_at(l, "ffff:fffe:ffff:ffff:ffff:ffff:ffff:ffff"), 0);
	UT_EQ(asn_at(l, "ffff:ffff::"), 6);
	UT_EQ(asn_at(l, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 6);
	UT_STREQ(cc_at(l, "2001:db8:1::7f"), "AB");
	UT_STREQ(cc_at(l, "2001:db8:1::80"), "ZZ");
	UT_STREQ(cc_at(l, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "ZZ");
	lut_close(l);
}

static void
ipv4_mapped_ipv6_addresses_use_the_ipv4_table(void)
{
	struct texts t = { .asn4 = "8.8.8.0,8.8.8.255,15169,Google LLC\n",
		.cc4 = "8.8.8.0,8.8.8.255,US\n" };
	struct lut *l = build_open("mapped", &t);

	if (!l)
		return;
	UT_EQ(asn_at(l, "::ffff:8.8.8.8"), 15169);
	UT_STREQ(cc_at(l, "::ffff:8.8.8.8"), "US");
	UT_EQ(asn_at(l, "::8.8.8.8"), 0);
	lut_close(l);
}

static void
manuf_prefixes_of_36_and_28_bits_beat_the_24_bit_one(void)
{
	struct texts t = { .manuf = "# comment\n\n"
	    "00:55:DA\tBigCo\tBig Company, Inc\n"
	    "00:55:DA:10:00:00/28\tKoolPOS\tKoolPOS Inc.\n"
	    "00:55:DA:12:30:00/36\tTiny\tTiny Ltd\t# a comment\n"
	    "00:00:13\tCamex\n"
	    "00:00:D1\tAdaptec\t\tAdaptec, Inc.\t# \"Nodem\" product\n"
	    "08-00-2B\tDEC # Digital Equipment\r\n" };
	struct lut *l = build_open("manuf", &t);

	if (!l)
		return;
	UT_STREQ(vendor_at(l, 0x0055da000001u, false), "BigCo");
	UT_STREQ(vendor_at(l, 0x0055da000001u, true), "Big Company, Inc");
	UT_STREQ(vendor_at(l, 0x0055da1fffffu, false), "KoolPOS");
	UT_STREQ(vendor_at(l, 0x0055da123000u, true), "Tiny Ltd");
	UT_STREQ(vendor_at(l, 0x0055da123fffu, false), "Tiny");
	UT_STREQ(vendor_at(l, 0x0055da124000u, false), "KoolPOS");
	UT_STREQ(vendor_at(l, 0x0055da200000u, false), "BigCo");
	UT_STREQ(vendor_at(l, 0x000013abcdefu, true), "Camex");
	UT_STREQ(vendor_at(l, 0x0000d1000000u, true), "Adaptec, Inc.");
	UT_STREQ(vendor_at(l, 0x08002b010203u, true), "Digital Equipment");
	UT_STREQ(vendor_at(l, 0x000014000000u, true), "(none)");
	lut_close(l);
}

static void
ieee_csv_with_embedded_newlines_and_trailing_spaces_is_read(void)
{
	struct texts t = { .ieee = "Registry,Assignment,Organization Name,Organization Address\r\n"
	    "MA-L,002272,American Micro-Fuel Device Corp.,"
	    "2181 Buchanan Loop Ferndale WA US 98248 \r\n"
	    "MA-L,3C22FB,\"Apple, Inc.  \",\"1 Infinite Loop\nCupertino CA\"\r\n"
	    "MA-M,3C22FB1,\"Multi\r\nLine Org\",Somewhere\r\n"
	    "MA-S,70B3D5001,Small One,Street\r\n",
		.manuf = "70:B3:D5\tIEEERegi\tIEEE Registration Authority\n" };
	struct lut *l = build_open("ieee", &t);

	if (!l)
		return;
	UT_STREQ(vendor_at(l, 0x002272000000u, true),
	    "American Micro-Fuel Device Corp.");
	UT_STREQ(vendor_at(l, 0x3c22fb000001u, true), "Apple, Inc.");
	UT_STREQ(vendor_at(l, 0x3c22fb000001u, false), "Apple");
	UT_STREQ(vendor_at(l, 0x3c22fb100001u, true), "Multi Line Org");
	UT_STREQ(vendor_at(l, 0x70b3d5001abcu, true), "Small One");
	UT_STREQ(vendor_at(l, 0x70b3d5002000u, true),
	    "IEEE Registration Authority");
	lut_close(l);
}

/* Found by fuzz_lut_csv: a skipped last record failed the build with no message. */
static void
sources_whose_last_record_is_skipped_still_build(void)
{
	struct texts t = { .manuf = "00:00:13\tCamex\n# the end\n",
		.ieee = "Registry,Assignment,Organization Name,Organization Address\r\n" };
	struct lut *l = build_open("lastskip", &t);

	if (!l)
		return;
	UT_STREQ(vendor_at(l, 0x000013abcdefu, true), "Camex");
	lut_close(l);
}

static void
a_bad_row_is_named_by_file_and_line_and_nothing_is_written(void)
{
	struct texts t = { .asn4 = "1.0.0.0,1.0.0.255,1,A\n1.0.1.0,1.0.0.255,2,B\n" };
	struct ft_err err = { 0 };

	UT_EQ(build("badrow", &t, &err), -FT_EPARSE);
	UT_ASSERT(strstr(err.msg, "asn-ipv4.csv:2: range ends before it starts") != NULL);
	UT_ASSERT(access(lutpath, F_OK) != 0);
	t.asn4 = "1.0.0.0,1.0.0.255,x1,A\n";
	UT_EQ(build("badrow", &t, &err), -FT_EPARSE);
	UT_ASSERT(strstr(err.msg, "expected an AS number") != NULL);
	t.asn4 = NULL;
	t.cc4 = "1.0.0.0,1.0.0.255,USA\n";
	UT_EQ(build("badrow", &t, &err), -FT_EPARSE);
	UT_ASSERT(strstr(err.msg, "cc-ipv4.csv:1: expected a two-letter country code") != NULL);
	t.cc4 = NULL;
	t.manuf = "00:00:0\tShort\n";
	UT_EQ(build("badrow", &t, &err), -FT_EPARSE);
	UT_ASSERT(strstr(err.msg, "manuf:1:") != NULL);
}

static void
a_table_without_any_source_is_refused(void)
{
	struct lut_sources s = { .n = 1 };
	struct ft_err err = { 0 };

	s.src[0] = (struct lut_source){ .kind = LUT_ASN4,
		.path = write_file("asn-ipv4.csv", "") };
	UT_EQ(lut_build(&s, "/nonexistent/x.lut", &err), -FT_ENOENT);
	UT_ASSERT(strstr(err.msg, "no source for IP to ASN (IPv6)") != NULL);
}

/* Copy lutpath with a change; returns the copy's path. */
static const char *
damaged_copy(const char *name, long flip_at, long keep_bytes)
{
	static char p[160];
	char *buf = NULL;
	long n;
	FILE *f = fopen(lutpath, "rb");

	if (!f)
		return "";
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		n = 0;
	fclose(f);
	if (flip_at >= 0 && flip_at < n)
		buf[flip_at] ^= 0x40;
	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	f = fopen(p, "wb");
	if (f && buf)
		fwrite(buf, 1, (size_t)(keep_bytes >= 0 && keep_bytes < n ?
		    keep_bytes : n), f);
	if (f)
		fclose(f);
	free(buf);
	return p;
}

static void
a_corrupt_or_truncated_file_is_refused_with_a_message(void)
{
	struct texts t = { .asn4 = "1.0.0.0,1.0.0.255,1,A\n" };
	struct ft_err err = { 0 };
	struct lut *l = build_open("corrupt", &t);
	struct stat st;
	long size;

	if (!l)
		return;
	lut_close(l);
	stat(lutpath, &st);
	size = (long)st.st_size;
	UT_EQ(lut_open(damaged_copy("flip.lut", size / 2, -1), &l, &err),
	    -FT_EPARSE);
	UT_ASSERT(strstr(err.msg, "checksum") != NULL);
	UT_EQ(lut_open(damaged_copy("cut.lut", -1, size - 8), &l, &err),
	    -FT_EPARSE);
	UT_ASSERT(strstr(err.msg, "truncated") != NULL);
	UT_EQ(lut_open(damaged_copy("head.lut", -1, 100), &l, &err),
	    -FT_EPARSE);
	UT_EQ(lut_open(damaged_copy("empty.lut", -1, 0), &l, &err), -FT_EPARSE);
	UT_EQ(lut_open(damaged_copy("magic.lut", 0, -1), &l, &err), -FT_EPARSE);
	UT_ASSERT(strstr(err.msg, "not a flowtrail lookup file") != NULL);
	UT_EQ(lut_open(damaged_copy("version.lut", 8, -1), &l, &err),
	    -FT_EPARSE);
	UT_ASSERT(strstr(err.msg, "format version") != NULL);
	UT_EQ(lut_open("/nonexistent/lut.bin", &l, &err), -FT_ENOENT);
	UT_ASSERT(l == NULL);
}

static void
a_failed_build_leaves_the_old_file_valid_and_no_temporary(void)
{
	struct texts t = { .asn4 = "1.0.0.0,1.0.0.255,1,Old\n" };
	struct ft_err err = { 0 };
	char tmp[160];
	struct lut *l;

	l = build_open("atomic", &t);
	lut_close(l);
	t.asn4 = "1.0.0.0,1.0.0.255,2,New\n1.0.1.0,1.0.1.255,3,New\n"
	    "oops,this,is,bad\n";
	UT_EQ(build("atomic", &t, &err), -FT_EPARSE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", lutpath);
	UT_ASSERT(access(tmp, F_OK) != 0);
	UT_EQ(lut_open(lutpath, &l, &err), 0);
	if (l) {
		UT_EQ(asn_at(l, "1.0.0.1"), 1);
		lut_close(l);
	}
	/* A stale OUT.tmp from a crash does not stop the next build. */
	write_file("atomic.lut.tmp", "garbage");
	t.asn4 = "1.0.0.0,1.0.0.255,2,New\n";
	UT_EQ(build("atomic", &t, &err), 0);
	UT_ASSERT(access(tmp, F_OK) != 0);
}

static void
reload_swaps_in_a_rebuilt_file_and_ignores_an_unchanged_one(void)
{
	struct texts t = { .asn4 = "1.0.0.0,1.0.0.255,1,A\n" };
	struct ft_err err = { 0 };
	struct lut *l = NULL;
	bool again = false;

	UT_EQ(build("reload", &t, &err), 0);
	UT_EQ(lut_reload_if_changed(&l, lutpath, &again, &err), 0);
	UT_ASSERT(again && l);
	UT_EQ(lut_reload_if_changed(&l, lutpath, &again, &err), 0);
	UT_ASSERT(!again);
	t.asn4 = "1.0.0.0,1.0.0.255,2,B\n";
	UT_EQ(build("reload", &t, &err), 0);
	UT_EQ(lut_reload_if_changed(&l, lutpath, &again, &err), 0);
	UT_ASSERT(again);
	if (l)
		UT_EQ(asn_at(l, "1.0.0.1"), 2);
	rename(write_file("reload.bad", "not a table"), lutpath);
	UT_EQ(lut_reload_if_changed(&l, lutpath, &again, &err), -FT_EPARSE);
	UT_EQ(lut_reload_if_changed(&l, lutpath, &again, &err), 0);
	UT_ASSERT(!again);
	if (l)
		UT_EQ(asn_at(l, "1.0.0.1"), 2);
	lut_close(l);
}

static void
info_reports_sources_rows_and_attribution(void)
{
	struct texts t = { .asn4 = "1.0.0.0,1.0.0.255,1,A\n2.0.0.0,2.0.0.255,2,B\n" };
	struct lut *l = build_open("info", &t);
	struct lut_info in;

	if (!l)
		return;
	lut_info(l, &in);
	UT_EQ(in.format_version, LUT_FORMAT_VERSION);
	UT_EQ(in.n_sources, 5);
	UT_STREQ(in.src[0].file, "asn-ipv4.csv");
	UT_STREQ(in.src[0].package, "@ip-location-db/asn");
	UT_EQ(in.src[0].rows, 2);
	UT_EQ(in.n_asns, 2);
	UT_ASSERT(strstr(in.attribution, "RouteViews") != NULL);
	UT_ASSERT(strstr(in.attribution, "db-ip.com") != NULL);
	UT_ASSERT(strstr(in.attribution, "CC BY 4.0") != NULL);
	lut_close(l);
}

/* A random range of the brute-force test. */
struct rr {
	struct lut_key s, e;	/* inclusive */
	uint32_t asn;		/* value */
};

static bool
k_le(struct lut_key a, struct lut_key b)
{
	return a.hi < b.hi || (a.hi == b.hi && a.lo <= b.lo);
}

static uint64_t
rnd64(void)
{
	return (uint64_t)random() << 33 ^ (uint64_t)random() << 11 ^
	    (uint64_t)random();
}

/* Keys in few /48s of 2001:db8::/32 (v6) or 10.0.0.0/12 (v4), so ranges nest and split. */
static struct lut_key
rnd_key(bool v6)
{
	struct lut_key k = { 0, 0 };

	if (!v6) {
		k.lo = 0x0a000000u | (rnd64() & 0xfffff);
		return k;
	}
	k.hi = 0x20010db800000000u | (rnd64() % 6) << 16;
	if (random() % 2)
		k.hi |= rnd64() & 0xffff;
	if (random() % 2)
		k.lo = rnd64() >> (random() % 64);
	return k;
}

/* Smallest range containing k, the later on a tie; 0 if none. */
static uint32_t
reference(const struct rr *r, int n, struct lut_key k)
{
	struct lut_key best = { 0, 0 }, sz;
	uint32_t asn = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (!k_le(r[i].s, k) || !k_le(k, r[i].e))
			continue;
		sz.lo = r[i].e.lo - r[i].s.lo;
		sz.hi = r[i].e.hi - r[i].s.hi - (r[i].e.lo < r[i].s.lo);
		if (!asn || k_le(sz, best)) {
			best = sz;
			asn = r[i].asn;
		}
	}
	return asn;
}

static void
key_text(struct lut_key k, bool v6, char *buf)
{
	uint8_t b[16];
	int i;

	for (i = 0; i < 8; i++) {
		b[i] = (uint8_t)(k.hi >> (56 - 8 * i));
		b[8 + i] = (uint8_t)(k.lo >> (56 - 8 * i));
	}
	if (v6)
		inet_ntop(AF_INET6, b, buf, 64);
	else
		inet_ntop(AF_INET, b + 12, buf, 64);
}

static uint32_t
lookup_key(const struct lut *l, struct lut_key k, bool v6)
{
	char txt[64];

	key_text(k, v6, txt);
	return asn_at(l, txt);
}

/* Ranges: some fresh, some inside an earlier one; returns how many. */
static int
random_ranges(struct rr *r, int n, bool v6, char *csv, size_t cap)
{
	char a[64], b[64];
	size_t len = 0;
	int i;

	for (i = 0; i < n; i++) {
		struct lut_key x = rnd_key(v6), y = x;

		if (!v6)
			y.lo += rnd64() % (random() % 2 ? 64 : 65536);
		else if (random() % 2)
			y.lo += rnd64() >> (random() % 64);
		else
			y.hi += rnd64() % (random() % 8 ? 4 : 0x18000);

		if (i && random() % 3 == 0) {	/* nested in an earlier one */
			const struct rr *o = &r[random() % i];

			x = o->s;
			y = o->e;
			if (!v6)
				x.lo += (y.lo - x.lo) / 4;
			else if (x.hi != y.hi)
				x.hi += (y.hi - x.hi) / 4;
		}
		r[i].s = k_le(x, y) ? x : y;
		r[i].e = k_le(x, y) ? y : x;
		r[i].asn = (uint32_t)i + 1;
		key_text(r[i].s, v6, a);
		key_text(r[i].e, v6, b);
		len += (size_t)snprintf(csv + len, cap - len, "%s,%s,%u,Org %d\n",
		    a, b, r[i].asn, i);
	}
	return n;
}

static struct lut_key
key_step(struct lut_key k, int d)
{
	struct lut_key o = k;

	o.lo = k.lo + (uint64_t)(int64_t)d;
	if (d > 0 && o.lo < k.lo)
		o.hi++;
	if (d < 0 && o.lo > k.lo)
		o.hi--;
	return o;
}

static void
random_nested_ranges_match_a_brute_force_reference(void)
{
	static struct rr r[400];
	static char csv[400 * 120];
	int v, i, j, n, bad = 0;

	srandom(42);
	for (v = 0; v < 2; v++) {
		struct texts t = { 0 };
		struct lut *l;

		n = random_ranges(r, 400, v, csv, sizeof(csv));
		*(v ? &t.asn6 : &t.asn4) = csv;
		l = build_open(v ? "random6" : "random4", &t);
		if (!l)
			return;
		if (v)	/* the test reaches level 2 */
			UT_ASSERT(l->hdr->tab[LUT_ASN6].n2 > 100);
		for (i = 0; i < n && bad < 5; i++) {
			for (j = -1; j <= 1; j++) {
				struct lut_key ks = key_step(r[i].s, j);
				struct lut_key ke = key_step(r[i].e, j);

				if (lookup_key(l, ks, v) != reference(r, n, ks) ||
				    lookup_key(l, ke, v) != reference(r, n, ke)) {
					UT_FAILF("IPv%d: range %d edge %+d differs",
					    v ? 6 : 4, i, j);
					bad++;
				}
			}
		}
		for (i = 0; i < 5000 && bad < 5; i++) {
			struct lut_key k = rnd_key(v);

			if (lookup_key(l, k, v) != reference(r, n, k)) {
				UT_FAILF("IPv%d: random key %d differs", v ? 6 : 4, i);
				bad++;
			}
		}
		lut_close(l);
	}
}

static void
many_values_use_wider_value_fields(void)
{
	static const int counts[2] = { 300, 70000 };
	static const int widths[2] = { 2, 3 };
	size_t cap = 70000 * 48, len;
	char *csv = malloc(cap);
	int c, i;

	for (c = 0; c < 2 && csv; c++) {
		struct texts t = { .asn4 = csv };
		struct lut *l;
		char ip[32];

		for (i = 0, len = 0; i < counts[c]; i++)
			len += (size_t)snprintf(csv + len, cap - len,
			    "%d.%d.%d.0,%d.%d.%d.255,%d,AS number %d\n",
			    1 + (i >> 16), (i >> 8) & 255, i & 255, 1 + (i >> 16),
			    (i >> 8) & 255, i & 255, 100000 + i, i);
		l = build_open("wide", &t);
		if (!l)
			break;
		UT_EQ(l->hdr->tab[LUT_ASN4].val_bytes, widths[c]);
		for (i = 0; i < counts[c]; i += 97) {
			snprintf(ip, sizeof(ip), "%d.%d.%d.7", 1 + (i >> 16),
			    (i >> 8) & 255, i & 255);
			UT_EQ(asn_at(l, ip), 100000 + i);
		}
		lut_close(l);
	}
	free(csv);
}

static void
a_crowded_bucket_is_searched_through_its_samples(void)
{
	size_t cap = 3000 * 96, len = 0;
	char *csv = malloc(cap), ip[64];
	struct lut *l;
	int i;

	if (!csv)
		return;
	for (i = 0; i < 3000; i++)	/* every other /48 of 2a00::/16 */
		len += (size_t)snprintf(csv + len, cap - len,
		    "2a00:%x:%x::,2a00:%x:%x:ffff:ffff:ffff:ffff:ffff,%d,N\n",
		    i / 100, (i % 100) * 2, i / 100, (i % 100) * 2, i + 1);
	l = build_open("crowded", &(struct texts){ .asn6 = csv });
	free(csv);
	if (!l)
		return;
	UT_ASSERT(l->hdr->tab[LUT_ASN6].n_samples > 0);
	for (i = 0; i < 3000; i++) {
		snprintf(ip, sizeof(ip), "2a00:%x:%x::", i / 100, (i % 100) * 2);
		UT_EQ(asn_at(l, ip), i + 1);
		snprintf(ip, sizeof(ip), "2a00:%x:%x:ffff::1", i / 100,
		    (i % 100) * 2);
		UT_EQ(asn_at(l, ip), i + 1);
		snprintf(ip, sizeof(ip), "2a00:%x:%x::", i / 100,
		    (i % 100) * 2 + 1);
		UT_EQ(asn_at(l, ip), 0);
	}
	UT_EQ(asn_at(l, "2a00::1"), 1);
	UT_EQ(asn_at(l, "29ff:ffff::"), 0);
	UT_EQ(asn_at(l, "2a01::"), 0);
	lut_close(l);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

int
main(void)
{
	int rc;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_lut.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 2;
	UT_RUN(csv_reader_handles_quotes_crlf_blank_lines_and_embedded_newlines);
	UT_RUN(csv_reader_refuses_an_unclosed_quote_and_an_endless_record);
	UT_RUN(quoted_organisations_keep_their_commas_and_quotes);
	UT_RUN(a_nested_range_wins_inside_and_the_outer_one_resumes_after_it);
	UT_RUN(gaps_have_no_value_and_adjacent_ranges_meet_exactly);
	UT_RUN(ipv6_ranges_at_both_ends_of_the_space_and_inside_a_48_are_found);
	UT_RUN(ipv4_mapped_ipv6_addresses_use_the_ipv4_table);
	UT_RUN(manuf_prefixes_of_36_and_28_bits_beat_the_24_bit_one);
	UT_RUN(ieee_csv_with_embedded_newlines_and_trailing_spaces_is_read);
	UT_RUN(sources_whose_last_record_is_skipped_still_build);
	UT_RUN(a_bad_row_is_named_by_file_and_line_and_nothing_is_written);
	UT_RUN(a_table_without_any_source_is_refused);
	UT_RUN(a_corrupt_or_truncated_file_is_refused_with_a_message);
	UT_RUN(a_failed_build_leaves_the_old_file_valid_and_no_temporary);
	UT_RUN(reload_swaps_in_a_rebuilt_file_and_ignores_an_unchanged_one);
	UT_RUN(info_reports_sources_rows_and_attribution);
	UT_RUN(random_nested_ranges_match_a_brute_force_reference);
	UT_RUN(many_values_use_wider_value_fields);
	UT_RUN(a_crowded_bucket_is_searched_through_its_samples);
	rc = UT_DONE();
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
