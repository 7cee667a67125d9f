/* test_flows.c: the flow listing */
/*
 * Deltas merged into one line, time range and filter, sort on every column.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <time.h>

#include "../../src/base/ft_log.h"
#include "../../src/filter/filter.h"
#include "../../src/query/query.h"
#include "../lib/qfix.h"
#include "ut.h"

#define T0 QFIX_T0
#define SEC QFIX_SEC
#define NFLOWS 6		/* flows in the store */

static struct store *st;	/* the store below, read-only */

/*
 * Flow 1 is TCP 10.0.0.1:50000 -> 93.184.216.34:443 written as three
 * records at 0, 60 and 120 s: two deltas, then the final one (TCP close).
 * Its application is known from the second record on. Client flags SYN,
 * ACK, FIN|ACK; server SYN|ACK, ACK, FIN|ACK. Bytes 100+200+300 and
 * 1000+2000+3000, packets 1+2+3 and 4+5+6.
 */
static void
long_flow(struct ft_flowrec *r)
{
	static const uint8_t fcs[3] = { 0x02, 0x10, 0x11 };
	static const uint8_t fsc[3] = { 0x12, 0x10, 0x11 };
	int i;

	for (i = 0; i < 3; i++) {
		r[i] = qfix_rec(1, 60 * (uint64_t)i, 6, "10.0.0.1", 50000,
		    "93.184.216.34", 443, i ? "TLS" : "", 100 * (i + 1),
		    1000 * (i + 1), (uint64_t)i + 1, (uint64_t)i + 4);
		r[i].start_us = T0;
		r[i].tcp_flags[0] = fcs[i];
		r[i].tcp_flags[1] = fsc[i];
		r[i].flags = i == 2 ? FT_REC_FINAL : 0;
		r[i].end = i == 2 ? FT_END_TCP : FT_END_ACTIVE;
		qfix_local_ends(&r[i], 1, 0, "laptop", FT_NAME_DHCP, "Apple");
		qfix_remote_end(&r[i], 15133, "EDGECAST", "US");
		snprintf(r[i].server_name, FT_NAME_MAX, "example.com");
	}
}

/* Flow 1 and five one-record flows with values to sort by. */
static size_t
records(struct ft_flowrec *r)
{
	long_flow(r);
	r[3] = qfix_rec(2, 30, 17, "10.0.0.2", 40000, "8.8.8.8", 53, "DNS",
	    80, 160, 1, 1);
	r[3].end = FT_END_IDLE;
	qfix_remote_end(&r[3], 15169, "GOOGLE", "US");
	snprintf(r[3].server_name, FT_NAME_MAX, "dns.google");
	r[4] = qfix_rec(3, 90, 6, "2001:db8::1", 51000, "2001:db8::80", 80,
	    "HTTP", 300, 30000, 3, 25);
	r[4].last_us = r[4].first_us + 70 * SEC;
	r[4].tcp_flags[0] = 0x18;
	r[4].tcp_flags[1] = 0x1a;
	r[4].end = FT_END_FLUSH;
	qfix_local_ends(&r[4], 3, 0, "iphone", FT_NAME_LEASE, "Apple");
	qfix_remote_end(&r[4], 3320, "DTAG", "DE");
	r[5] = qfix_rec(4, 10, 1, "10.0.0.2", 0, "10.0.0.1", 8 << 8, "", 84,
	    84, 1, 1);
	r[5].end = FT_END_EVICT;
	r[6] = qfix_rec(5, 45, 17, "192.168.1.9", 5353, "224.0.0.251", 5353,
	    "MDNS", 400, 0, 4, 0);
	qfix_local_ends(&r[6], 9, 0, "", 0, "");
	r[7] = qfix_rec(6, 150, 6, "10.0.0.3", 50002, "10.0.0.1", 22, "SSH",
	    5000, 7000, 40, 50);
	r[7].tcp_flags[0] = 0x04;
	qfix_local_ends(&r[7], 3, 1, "iphone", FT_NAME_LEASE, "Apple");
	return 8;
}

/* flows over st: sort as on the CLI (NULL: default), filter may be NULL. */
static char *
flows(const char *sort, bool desc, bool recs, uint64_t since_s,
    uint64_t until_s, const char *filter, enum out_format fmt)
{
	struct query_flows_opts o = { .records = recs };
	struct ft_err err = { 0 };
	struct filter *f = NULL;
	struct qfix_out c;

	if ((sort && query_flows_parse_sort(sort, desc, &o, &err)) ||
	    (filter && filter_compile(filter, &f, &err)))
		UT_FAILF("%s %s: %s", sort, filter, err.msg);
	o.range.where = f ? filter_where(f) : NULL;
	o.range.since_us = since_s ? T0 + since_s * SEC : 0;
	o.range.until_us = until_s ? T0 + until_s * SEC : 0;
	qfix_out_begin(&c, fmt, false);
	if (query_flows(st, &o, c.w, &err))
		UT_FAILF("flows --sort %s: %s", sort, err.msg);
	filter_free(f);
	return qfix_out_end(&c);
}

/* The line of flow 1 (cport 50000), or NULL. */
static char *
line_of_flow1(char *csv)
{
	char *p = strstr(csv, ",10.0.0.1,50000,"), *end;

	if (!p)
		return NULL;
	while (p > csv && p[-1] != '\n')
		p--;
	end = strchr(p, '\n');
	if (end)
		*end = '\0';
	return p;
}

static void
a_flow_of_three_records_is_one_line_with_summed_counters(void)
{
	char *got = flows(NULL, false, false, 0, 0, "port 50000", OUT_CSV);

	UT_STREQ(got, "time,duration,proto,client,cport,server,sport,app,"
	    "server_name,bytes_cs,bytes_sc,pkts_cs,pkts_sc,cli_name,asn,org,"
	    "country,records,end,tcp_cs,tcp_sc\n"
	    "2023-11-14T22:13:20.000000Z,122.500000,6,10.0.0.1,50000,"
	    "93.184.216.34,443,TLS,example.com,600,6000,6,15,laptop,15133,"
	    "EDGECAST,US,3,tcp,19,19\n");
	free(got);
	got = flows(NULL, false, true, 0, 0, "port 50000", OUT_CSV);
	UT_STREQ(got, "time,duration,proto,client,cport,server,sport,app,"
	    "server_name,bytes_cs,bytes_sc,pkts_cs,pkts_sc,cli_name,asn,org,"
	    "country,records,end,tcp_cs,tcp_sc\n"
	    "2023-11-14T22:15:20.000000Z,2.500000,6,10.0.0.1,50000,"
	    "93.184.216.34,443,TLS,example.com,300,3000,3,6,laptop,15133,"
	    "EDGECAST,US,1,tcp,17,17\n"
	    "2023-11-14T22:14:20.000000Z,2.500000,6,10.0.0.1,50000,"
	    "93.184.216.34,443,TLS,example.com,200,2000,2,5,laptop,15133,"
	    "EDGECAST,US,1,active,16,16\n"
	    "2023-11-14T22:13:20.000000Z,2.500000,6,10.0.0.1,50000,"
	    "93.184.216.34,443,,example.com,100,1000,1,4,laptop,15133,"
	    "EDGECAST,US,1,active,2,18\n");
	free(got);
}

static void
the_default_lists_merged_flows_newest_first(void)
{
	char *got = flows(NULL, false, false, 0, 0, NULL, OUT_CSV), *p;
	int lines = 0;

	for (p = got; (p = strchr(p, '\n')); p++)
		lines++;
	UT_EQ(lines, 1 + NFLOWS);
	UT_ASSERT(strstr(got, "\n2023-11-14T22:15:50.000000Z,") <
	    strstr(got, "\n2023-11-14T22:14:50.000000Z,"));
	UT_ASSERT(strstr(got, "\n2023-11-14T22:13:30.000000Z,") <
	    strstr(got, "\n2023-11-14T22:13:20.000000Z,"));
	free(got);
}

/*
 * Only records whose first packet is in [since, until) merge: from 60 s
 * the line starts at the second record; before 120 s the final record is
 * out, so the line ends "active" (the flow went on).
 */
static void
merging_keeps_to_the_records_in_the_time_range(void)
{
	char *got, *l;

	got = flows(NULL, false, false, 60, 0, NULL, OUT_CSV);
	l = line_of_flow1(got);
	UT_STREQ(l, "2023-11-14T22:14:20.000000Z,62.500000,6,10.0.0.1,50000,"
	    "93.184.216.34,443,TLS,example.com,500,5000,5,11,laptop,15133,"
	    "EDGECAST,US,2,tcp,17,17");
	free(got);
	got = flows(NULL, false, false, 1, 120, NULL, OUT_CSV);
	l = line_of_flow1(got);
	UT_STREQ(l, "2023-11-14T22:14:20.000000Z,2.500000,6,10.0.0.1,50000,"
	    "93.184.216.34,443,TLS,example.com,200,2000,2,5,laptop,15133,"
	    "EDGECAST,US,1,active,16,16");
	free(got);
	got = flows(NULL, false, false, 0, 120, NULL, OUT_CSV);
	l = line_of_flow1(got);
	UT_ASSERT(l && strstr(l, ",300,3000,3,9,") && strstr(l, ",2,active,"));
	free(got);
	got = flows(NULL, false, false, 121, 0, NULL, OUT_CSV);
	UT_ASSERT(line_of_flow1(got) == NULL);
	free(got);
}

/* A filter selects records; the merged line sums the ones selected. */
static void
merging_sums_only_the_records_the_filter_selects(void)
{
	char *got, *l;

	got = flows(NULL, false, false, 0, 0, "port 443 and bytes > 1500",
	    OUT_CSV);
	l = line_of_flow1(got);
	UT_ASSERT(l && strstr(l, ",500,5000,5,11,") && strstr(l, ",2,tcp,"));
	free(got);
	got = flows(NULL, false, false, 0, 0, "app TLS", OUT_CSV);
	l = line_of_flow1(got);
	UT_ASSERT(l && strstr(l, "2023-11-14T22:14:20.000000Z,") == l);
	free(got);
}

static void
tcp_flags_show_as_letters_in_tables_and_numbers_elsewhere(void)
{
	char *got = flows(NULL, false, false, 0, 0, "port 50000", OUT_TABLE);

	UT_ASSERT(strstr(got, "tcp_cs    tcp_sc\n") != NULL);
	UT_ASSERT(strstr(got, "  3  tcp  ...A..SF  ...A..SF\n") != NULL);
	free(got);
	got = flows(NULL, false, false, 0, 0, "port 50000", OUT_JSON);
	UT_ASSERT(strstr(got, "\"records\":3,\"end\":\"tcp\",\"tcp_cs\":19,"
	    "\"tcp_sc\":19}") != NULL);
	free(got);
	got = flows("time", false, false, 0, 12, "proto icmp", OUT_TABLE);
	UT_ASSERT(strstr(got, "evict  -       -\n") != NULL);
	free(got);
}

/* CSV fields of one line, split in place (the fixture has no quoting). */
static int
split(char *line, char **field, int max)
{
	int n = 0;

	field[n++] = line;
	for (; *line && n < max; line++) {
		if (*line == ',') {
			*line = '\0';
			field[n++] = line + 1;
		}
	}
	return n;
}

/* A sort key as a number or text comparable in C; NULL when empty. */
struct skey { bool null; bool text; int64_t i; uint8_t a[17]; const char *s; };

static int64_t
iso_us(const char *s)
{
	struct tm tm = { 0 };
	int us = 0;

	sscanf(s, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &us);
	tm.tm_year -= 1900;
	tm.tm_mon--;
	return (int64_t)timegm(&tm) * 1000000 + us;
}

static int64_t
secs_us(const char *s)
{
	long long a = 0, b = 0;

	sscanf(s, "%lld.%lld", &a, &b);
	return a * 1000000 + b;
}

/* The key of column name (or --sort alias) from a line's fields. */
static struct skey
key_of(const char *name, char **hdr, char **v, int n)
{
	static const char *const ends[] = { "active", "idle", "tcp", "evict",
	    "flush" };
	struct skey k = { 0 };
	int i, c = -1;

	if (!strcmp(name, "last"))
		return (struct skey){ .i = iso_us(v[0]) + secs_us(v[1]) };
	if (!strcmp(name, "bytes") || !strcmp(name, "packets")) {
		i = name[0] == 'b' ? 9 : 11;
		return (struct skey){ .i = atoll(v[i]) + atoll(v[i + 1]) };
	}
	for (i = 0; i < n; i++)
		if (!strcmp(hdr[i], name))
			c = i;
	if (c < 0)
		return (struct skey){ .null = true, .s = "no such column" };
	if (!v[c][0])
		return (struct skey){ .null = true };
	if (c == 0)
		k.i = iso_us(v[c]);
	else if (c == 1)
		k.i = secs_us(v[c]);
	else if (c == 3 || c == 5) {
		k.text = true;
		k.a[0] = strchr(v[c], ':') ? 16 : 4;
		inet_pton(k.a[0] == 4 ? AF_INET : AF_INET6, v[c], k.a + 1);
		k.s = (const char *)k.a;
	} else if (!strcmp(name, "end")) {
		for (k.i = 0; k.i < 5 && strcmp(ends[k.i], v[c]); k.i++)
			;
	} else if (strchr("0123456789", v[c][0]) && strcmp(name, "org")) {
		k.i = atoll(v[c]);
	} else {
		k.text = true;
		k.s = v[c];
	}
	return k;
}

/* <0, 0, >0 as a sorts before b ascending; NULLs after everything. */
static int
key_cmp(const struct skey *a, const struct skey *b)
{
	if (a->null || b->null)
		return (int)a->null - (int)b->null;
	if (a->text && a->s == (const char *)a->a)
		return memcmp(a->a, b->a, 17);
	if (a->text)
		return strcmp(a->s, b->s);
	return (a->i > b->i) - (a->i < b->i);
}

/* Rows of flows --sort name come in order of the key, either way. */
static void
check_sorted(const char *name, bool desc)
{
	char sort[64], *got, *line, *next, *hdr[32], *prev[32], *cur[32];
	struct skey a, b;
	int n, rows = 0, cmp;

	snprintf(sort, sizeof(sort), "%s%s", desc ? "-" : "+", name);
	got = flows(sort, !desc, true, 0, 0, NULL, OUT_CSV);
	line = got;
	next = strchr(line, '\n');
	*next = '\0';
	n = split(line, hdr, 32);
	for (line = next + 1; (next = strchr(line, '\n')); line = next + 1) {
		*next = '\0';
		split(line, cur, 32);
		if (rows++) {
			a = key_of(name, hdr, prev, n);
			b = key_of(name, hdr, cur, n);
			cmp = a.null || b.null ? key_cmp(&a, &b) :
			    (desc ? -1 : 1) * key_cmp(&a, &b);
			if (cmp > 0)
				UT_FAILF("--sort %s: row %d before row %d",
				    sort, rows - 1, rows);
		}
		memcpy(prev, cur, sizeof(prev));
	}
	UT_EQ(rows, 8);
	free(got);
}

static void
every_column_sorts_both_ways_with_nulls_last(void)
{
	static const char *const names[] = { "time", "duration", "proto",
	    "client", "cport", "server", "sport", "app", "server_name",
	    "bytes_cs", "bytes_sc", "pkts_cs", "pkts_sc", "cli_name", "asn",
	    "org", "country", "records", "end", "tcp_cs", "tcp_sc", "last",
	    "bytes", "packets" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		check_sorted(names[i], false);
		check_sorted(names[i], true);
	}
}

/* Later keys break ties of earlier ones; aliases name the same column. */
static void
sort_keys_combine_and_aliases_name_columns(void)
{
	char *got = flows("-src-port,dst", false, true, 0, 0, "proto tcp",
	    OUT_CSV);
	char *a = strstr(got, ",51000,"), *b = strstr(got, ",50002,"),
	    *c = strstr(got, ",50000,");

	UT_ASSERT(a && b && c && a < b && b < c);
	free(got);
	got = flows("app,-bytes", false, false, 0, 0, NULL, OUT_CSV);
	a = strstr(got, "\n2023-11-14T22:13:50.000000Z,");	/* DNS */
	b = strstr(got, "\n2023-11-14T22:14:50.000000Z,");	/* HTTP */
	c = strstr(got, "\n2023-11-14T22:13:30.000000Z,");	/* no app */
	UT_ASSERT(a && b && c && a < b && b < c);
	free(got);
	/* top's spellings of the ports sort as the listing's own */
	got = flows("-src-port,dst", false, true, 0, 0, "proto tcp", OUT_CSV);
	a = flows("-src_port,dst", false, true, 0, 0, "proto tcp", OUT_CSV);
	UT_STREQ(a, got);
	free(a);
	free(got);
	got = flows("dst-port", false, true, 0, 0, NULL, OUT_CSV);
	a = flows("dst_port", false, true, 0, 0, NULL, OUT_CSV);
	UT_STREQ(a, got);
	free(a);
	free(got);
	got = flows("name", true, false, 0, 0, "proto udp", OUT_CSV);
	a = strstr(got, ",example.com,");
	UT_ASSERT(strstr(got, ",dns.google,") < strstr(got, "\n2023-11-14T"
	    "22:14:05.000000Z,") && a == NULL);
	free(got);
}

static void
bad_sort_lists_get_one_clear_line(void)
{
	struct query_flows_opts o = { 0 };
	struct ft_err err = { 0 };

	UT_EQ(query_flows_parse_sort("bytes,size", false, &o, &err),
	    -FT_EINVAL);
	UT_STREQ(err.msg, "unknown --sort column 'size': expected a column "
	    "of flows (time, duration, proto, client, server, app, bytes_cs, "
	    "...) or first, last, bytes, packets, src, dst, src-port, "
	    "dst-port, name");
	UT_EQ(query_flows_parse_sort("bytes,,time", false, &o, &err),
	    -FT_EINVAL);
	UT_STREQ(err.msg, "--sort 'bytes,,time': empty column name");
	UT_EQ(query_flows_parse_sort("-", false, &o, &err), -FT_EINVAL);
	UT_EQ(query_flows_parse_sort("a,b,c,d,e,f,g,h,i", false, &o, &err),
	    -FT_EINVAL);
	UT_EQ(query_flows_parse_sort("time,last,bytes,packets,src,dst,app,"
	    "+end", true, &o, &err), 0);
	UT_EQ(o.n_sort, 8);
	UT_ASSERT(o.sort[0].desc && !o.sort[7].desc);
	UT_EQ(query_flows_parse_sort("-bytes,name", false, &o, &err), 0);
	UT_EQ(o.n_sort, 2);
	UT_ASSERT(o.sort[0].desc && !o.sort[1].desc);
}

int
main(void)
{
	struct ft_flowrec r[8];
	int rc;

	if (qfix_dir_init())
		return 2;
	ft_log_level = FT_LOG_WARN;
	st = qfix_store("flows", r, records(r), NULL);
	if (!st)
		return 1;
	UT_RUN(a_flow_of_three_records_is_one_line_with_summed_counters);
	UT_RUN(the_default_lists_merged_flows_newest_first);
	UT_RUN(merging_keeps_to_the_records_in_the_time_range);
	UT_RUN(merging_sums_only_the_records_the_filter_selects);
	UT_RUN(tcp_flags_show_as_letters_in_tables_and_numbers_elsewhere);
	UT_RUN(every_column_sorts_both_ways_with_nulls_last);
	UT_RUN(sort_keys_combine_and_aliases_name_columns);
	UT_RUN(bad_sort_lists_get_one_clear_line);
	store_close(st);
	qfix_dir_remove();
	rc = UT_DONE();
	return rc;
}
