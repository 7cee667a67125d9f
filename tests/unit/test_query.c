/* test_query.c: flow listing and top-N for every field and order */
/*
 * Over a known store; the writers are in test_out.c.
 */
#include <stdlib.h>

#include "../../src/base/ft_log.h"
#include "../../src/query/query.h"
#include "../lib/qfix.h"
#include "ut.h"

#define T0 QFIX_T0
#define SEC QFIX_SEC

static struct store *fixture;	/* the known store, read-only */

#define rec qfix_rec
#define local_ends qfix_local_ends
#define remote_end qfix_remote_end
#define capture qfix_out
#define capture_begin qfix_out_begin
#define capture_end qfix_out_end

static struct store *
fixture_open(const char *name, const struct ft_flowrec *r, size_t n)
{
	struct store *st = qfix_store(name, r, n, NULL);

	if (!st)
		UT_FAILF("fixture %s", name);
	return st;
}

/* Enrichment of the fixture: three local devices, three remote ASes. */
static void
fixture_enrich(struct ft_flowrec *r)
{
	local_ends(&r[0], 1, 0, "laptop", FT_NAME_DHCP, "Apple");
	remote_end(&r[0], 15133, "EDGECAST", "US");
	r[0].srv_name_src = FT_NAME_SNI;
	local_ends(&r[1], 2, 0, "", 0, "Raspberry Pi");
	remote_end(&r[1], 15169, "GOOGLE", "US");
	r[1].srv_name_src = FT_NAME_DNS;
	local_ends(&r[2], 1, 0, "laptop", FT_NAME_DHCP, "Apple");
	remote_end(&r[2], 15169, "GOOGLE", "US");
	local_ends(&r[3], 3, 0, "iphone", FT_NAME_LEASE, "Apple");
	remote_end(&r[3], 3320, "DTAG", "DE");
	local_ends(&r[4], 2, 1, "", 0, "Raspberry Pi");
}

/*
 * Six records of five flows; flow 1 comes as two deltas. Totals per flow
 * (bytes/packets): 1: 15000/45, 2: 240/2, 3: 210/2, 4: 3300/7, 5: 168/2.
 * Devices (client MAC): laptop 02:..:01 (flows 1, 3), iphone 02:..:03
 * (flow 4), unnamed 02:..:02 (flow 2, and flow 5 to the laptop).
 */
static int
fixture_records(struct ft_flowrec *r)
{
	r[0] = rec(1, 1000, 6, "10.0.0.1", 50000, "93.184.216.34", 443, "TLS",
	    1000, 9000, 10, 20);
	r[0].flags = 0;
	r[0].end = FT_END_ACTIVE;
	snprintf(r[0].server_name, FT_NAME_MAX, "example.com");
	r[1] = rec(2, 1010, 17, "10.0.0.2", 40000, "8.8.8.8", 53, "DNS", 80,
	    160, 1, 1);
	snprintf(r[1].server_name, FT_NAME_MAX, "example.com");
	r[2] = rec(3, 1020, 17, "10.0.0.1", 40001, "8.8.8.8", 53, "DNS", 70,
	    140, 1, 1);
	r[3] = rec(4, 1030, 6, "2001:db8::1", 51000, "2001:db8::80", 80,
	    "HTTP", 300, 3000, 3, 4);
	r[4] = rec(5, 1040, 1, "10.0.0.2", 0, "10.0.0.1", 8 << 8, "", 84, 84,
	    1, 1);
	fixture_enrich(r);
	r[5] = r[0];
	r[5].first_us = T0 + 1060 * SEC;
	r[5].last_us = r[5].first_us + 2500000;
	r[5].bytes[0] = 500;
	r[5].bytes[1] = 4500;
	r[5].pkts[0] = 5;
	r[5].pkts[1] = 10;
	r[5].flags = FT_REC_FINAL;
	return 6;
}

/* top over the fixture as CSV (or fmt), with by given as on the CLI. */
static char *
top(const char *by, enum query_order order, uint64_t limit,
    enum out_format f, bool human)
{
	struct query_top_opts o = { .order = order };
	struct ft_err err = { 0 };
	struct capture c;

	o.range.limit = limit;
	if (query_top_parse_by(by, &o, &err))
		UT_FAILF("parse --by %s: %s", by, err.msg);
	capture_begin(&c, f, human);
	if (query_top(fixture, &o, c.w, &err))
		UT_FAILF("top --by %s: %s", by, err.msg);
	return capture_end(&c);
}

#define TOP_EQ(by, order, limit, want)                                  \
	do {                                                            \
		char *got_ = top(by, order, limit, OUT_CSV, false);     \
		UT_STREQ(got_, want);                                   \
		free(got_);                                             \
	} while (0)

static char *
flows(const struct query_range *r, enum out_format f)
{
	struct query_flows_opts o = { .range = *r, .records = true };
	struct ft_err err = { 0 };
	struct capture c;

	capture_begin(&c, f, false);
	if (query_flows(fixture, &o, c.w, &err))
		UT_FAILF("flows: %s", err.msg);
	return capture_end(&c);
}

static void
flows_lists_records_newest_first_within_since_until_and_limit(void)
{
	struct query_range r = { .limit = 3 };
	char *got;

	got = flows(&r, OUT_CSV);
	UT_STREQ(got, "time,duration,proto,client,cport,server,sport,app,"
	    "server_name,bytes_cs,bytes_sc,pkts_cs,pkts_sc,cli_name,"
	    "asn,org,country,records,end,tcp_cs,tcp_sc\n"
	    "2023-11-14T22:31:00.000000Z,2.500000,6,10.0.0.1,50000,"
	    "93.184.216.34,443,TLS,example.com,500,4500,5,10,laptop,"
	    "15133,EDGECAST,US,1,active,0,0\n"
	    "2023-11-14T22:30:40.000000Z,2.500000,1,10.0.0.2,0,"
	    "10.0.0.1,2048,,,84,84,1,1,,,,,1,active,,\n"
	    "2023-11-14T22:30:30.000000Z,2.500000,6,2001:db8::1,"
	    "51000,2001:db8::80,80,HTTP,,300,3000,3,4,iphone,3320,"
	    "DTAG,DE,1,active,0,0\n");
	free(got);
	r.limit = 0;
	r.since_us = T0 + 1010 * SEC;
	r.until_us = T0 + 1040 * SEC;
	got = flows(&r, OUT_CSV);
	UT_ASSERT(strstr(got, ",51000,") && strstr(got, ",40001,") &&
	    strstr(got, ",40000,"));
	UT_ASSERT(strstr(got, ",50000,") == NULL && strstr(got, ",2048,") ==
	    NULL);
	UT_ASSERT(strstr(got, ",51000,") < strstr(got, ",40001,") &&
	    strstr(got, ",40001,") < strstr(got, ",40000,"));
	free(got);
}

static void
flows_default_limit_is_one_hundred_rows(void)
{
	struct ft_flowrec *r = calloc(150, sizeof(*r));
	struct query_flows_opts q = { .records = true };
	struct ft_err err = { 0 };
	struct capture c;
	struct store *st;
	char *got, *p;
	int i, lines = 0;

	for (i = 0; i < 150; i++)
		r[i] = rec((uint64_t)i, (uint64_t)i, 6, "10.0.0.1", 1,
		    "10.0.0.2", 2, "", 1, 1, 1, 1);
	st = fixture_open("many", r, 150);
	capture_begin(&c, OUT_CSV, false);
	UT_EQ(query_flows(st, &q, c.w, &err), 0);
	got = capture_end(&c);
	for (p = got; (p = strchr(p, '\n')); p++)
		lines++;
	UT_EQ(lines, 1 + QUERY_FLOWS_LIMIT);
	UT_ASSERT(strstr(got, "\n2023-11-14T22:15:49.000000Z,") != NULL);
	free(got);
	store_close(st);
	free(r);
}

static void
flows_json_is_an_array_of_objects_with_exact_values(void)
{
	struct query_range r = { .limit = 2, .until_us = T0 + 1060 * SEC };
	char *got = flows(&r, OUT_JSON);

	UT_STREQ(got, "[\n"
	    "{\"time\":\"2023-11-14T22:30:40.000000Z\",\"duration\":2.500000,"
	    "\"proto\":1,\"client\":\"10.0.0.2\",\"cport\":0,"
	    "\"server\":\"10.0.0.1\",\"sport\":2048,\"app\":null,"
	    "\"server_name\":null,\"bytes_cs\":84,"
	    "\"bytes_sc\":84,\"pkts_cs\":1,\"pkts_sc\":1,\"cli_name\":null,"
	    "\"asn\":null,\"org\":null,\"country\":null,\"records\":1,"
	    "\"end\":\"active\",\"tcp_cs\":null,\"tcp_sc\":null},\n"
	    "{\"time\":\"2023-11-14T22:30:30.000000Z\",\"duration\":2.500000,"
	    "\"proto\":6,\"client\":\"2001:db8::1\",\"cport\":51000,"
	    "\"server\":\"2001:db8::80\",\"sport\":80,\"app\":\"HTTP\","
	    "\"server_name\":null,\"bytes_cs\":300,\"bytes_sc\":3000,"
	    "\"pkts_cs\":3,\"pkts_sc\":4,\"cli_name\":\"iphone\","
	    "\"asn\":3320,\"org\":\"DTAG\",\"country\":\"DE\",\"records\":1,"
	    "\"end\":\"active\",\"tcp_cs\":0,\"tcp_sc\":0}\n"
	    "]\n");
	free(got);
}

static void
top_by_proto_sums_bytes_packets_and_distinct_flows(void)
{
	TOP_EQ("proto", QUERY_ORDER_BYTES, 0,
	    "proto,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "6,18300,52,2,1800,16500\n17,450,4,2,150,300\n1,168,2,1,84,84\n");
	TOP_EQ("proto", QUERY_ORDER_PACKETS, 0,
	    "proto,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "6,18300,52,2,1800,16500\n17,450,4,2,150,300\n1,168,2,1,84,84\n");
	TOP_EQ("proto", QUERY_ORDER_FLOWS, 2,
	    "proto,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "6,18300,52,2,1800,16500\n17,450,4,2,150,300\n");
}

static void
top_by_app_counts_a_flow_of_two_deltas_once(void)
{
	TOP_EQ("app", QUERY_ORDER_BYTES, 0,
	    "app,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "TLS,15000,45,1,1500,13500\nHTTP,3300,7,1,300,3000\n"
	    "DNS,450,4,2,150,300\nUnknown,168,2,1,84,84\n");
	TOP_EQ("app", QUERY_ORDER_FLOWS, 0,
	    "app,bytes,packets,flows,bytes_cs,bytes_sc\nDNS,450,4,2,150,300\n"
	    "HTTP,3300,7,1,300,3000\nTLS,15000,45,1,1500,13500\n"
	    "Unknown,168,2,1,84,84\n");
}

static void
top_by_src_and_dst_group_by_client_and_server(void)
{
	TOP_EQ("src", QUERY_ORDER_BYTES, 0,
	    "src,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "10.0.0.1,15210,47,2,1570,13640\n2001:db8::1,3300,7,1,300,3000\n"
	    "10.0.0.2,408,4,2,164,244\n");
	TOP_EQ("src", QUERY_ORDER_FLOWS, 0,
	    "src,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "10.0.0.1,15210,47,2,1570,13640\n10.0.0.2,408,4,2,164,244\n"
	    "2001:db8::1,3300,7,1,300,3000\n");
	TOP_EQ("dst", QUERY_ORDER_PACKETS, 0,
	    "dst,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "93.184.216.34,15000,45,1,1500,13500\n"
	    "2001:db8::80,3300,7,1,300,3000\n8.8.8.8,450,4,2,150,300\n"
	    "10.0.0.1,168,2,1,84,84\n");
}

static void
top_by_host_counts_each_flow_for_both_ends(void)
{
	TOP_EQ("host", QUERY_ORDER_BYTES, 0,
	    "host,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "10.0.0.1,15378,49,3,1654,13724\n"
	    "93.184.216.34,15000,45,1,1500,13500\n"
	    "2001:db8::1,3300,7,1,300,3000\n2001:db8::80,3300,7,1,300,3000\n"
	    "8.8.8.8,450,4,2,150,300\n10.0.0.2,408,4,2,164,244\n");
	TOP_EQ("host", QUERY_ORDER_FLOWS, 2,
	    "host,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "10.0.0.1,15378,49,3,1654,13724\n8.8.8.8,450,4,2,150,300\n");
}

static void
top_by_ports_groups_with_the_protocol(void)
{
	TOP_EQ("dst-port", QUERY_ORDER_BYTES, 0,
	    "proto,dst_port,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "6,443,15000,45,1,1500,13500\n6,80,3300,7,1,300,3000\n"
	    "17,53,450,4,2,150,300\n1,2048,168,2,1,84,84\n");
	TOP_EQ("src-port", QUERY_ORDER_BYTES, 0,
	    "proto,src_port,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "6,50000,15000,45,1,1500,13500\n6,51000,3300,7,1,300,3000\n"
	    "17,40000,240,2,1,80,160\n17,40001,210,2,1,70,140\n"
	    "1,0,168,2,1,84,84\n");
	TOP_EQ("dst-port,proto", QUERY_ORDER_FLOWS, 1,
	    "proto,dst_port,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "17,53,450,4,2,150,300\n");
	TOP_EQ("app,dst_port", QUERY_ORDER_BYTES, 2,
	    "app,proto,dst_port,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "TLS,6,443,15000,45,1,1500,13500\nHTTP,6,80,3300,7,1,300,3000\n");
}

static void
top_by_asn_shows_the_org_and_groups_flows_without_an_as_as_null(void)
{
	char *got;

	TOP_EQ("asn", QUERY_ORDER_BYTES, 0,
	    "asn,org,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "15133,EDGECAST,15000,45,1,1500,13500\n"
	    "3320,DTAG,3300,7,1,300,3000\n15169,GOOGLE,450,4,2,150,300\n"
	    ",,168,2,1,84,84\n");
	TOP_EQ("asn", QUERY_ORDER_FLOWS, 1,
	    "asn,org,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "15169,GOOGLE,450,4,2,150,300\n");
	got = top("asn", QUERY_ORDER_BYTES, 0, OUT_JSON, false);
	UT_ASSERT(strstr(got, "{\"asn\":15169,\"org\":\"GOOGLE\",\"bytes\":"
	    "450,\"packets\":4,\"flows\":2,\"bytes_cs\":150,"
	    "\"bytes_sc\":300}") != NULL);
	UT_ASSERT(strstr(got, "{\"asn\":null,\"org\":null,\"bytes\":168,")
	    != NULL);
	free(got);
}

static void
top_by_country_shows_the_two_letter_code(void)
{
	TOP_EQ("country", QUERY_ORDER_BYTES, 0,
	    "country,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "US,15450,49,3,1650,13800\nDE,3300,7,1,300,3000\n,168,2,1,84,84\n");
	TOP_EQ("country,asn", QUERY_ORDER_BYTES, 3,
	    "country,asn,org,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "US,15133,EDGECAST,15000,45,1,1500,13500\n"
	    "DE,3320,DTAG,3300,7,1,300,3000\n"
	    "US,15169,GOOGLE,450,4,2,150,300\n");
}

static void
top_by_mac_groups_by_client_mac_and_by_vendor_across_macs(void)
{
	TOP_EQ("mac", QUERY_ORDER_BYTES, 0,
	    "mac,vendor,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "02:00:00:00:00:01,Apple,15210,47,2,1570,13640\n"
	    "02:00:00:00:00:03,Apple,3300,7,1,300,3000\n"
	    "02:00:00:00:00:02,Raspberry Pi,408,4,2,164,244\n");
	TOP_EQ("vendor", QUERY_ORDER_BYTES, 0,
	    "vendor,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "Apple,18510,54,3,1870,16640\nRaspberry Pi,408,4,2,164,244\n");
	TOP_EQ("vendor,mac", QUERY_ORDER_FLOWS, 1,
	    "vendor,mac,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "Apple,02:00:00:00:00:01,15210,47,2,1570,13640\n");
}

static void
top_by_name_groups_by_server_name(void)
{
	TOP_EQ("name", QUERY_ORDER_BYTES, 0,
	    "name,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "example.com,15240,47,2,1580,13660\n,3678,11,3,454,3224\n");
	TOP_EQ("name,app", QUERY_ORDER_BYTES, 2,
	    "name,app,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "example.com,TLS,15000,45,1,1500,13500\n,HTTP,3300,7,1,300,3000\n");
}

static void
top_by_device_names_local_clients_or_shows_their_mac(void)
{
	char *got;

	TOP_EQ("device", QUERY_ORDER_BYTES, 0,
	    "device,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "laptop,15210,47,2,1570,13640\niphone,3300,7,1,300,3000\n"
	    "02:00:00:00:00:02,408,4,2,164,244\n");
	got = top("device,proto", QUERY_ORDER_BYTES, 0, OUT_JSON, false);
	UT_ASSERT(strstr(got, "{\"device\":\"02:00:00:00:00:02\",\"proto\":1,"
	    "\"bytes\":168,\"packets\":2,\"flows\":1,\"bytes_cs\":84,"
	    "\"bytes_sc\":84}") != NULL);
	free(got);
}

/*
 * An outbound and an inbound flow of one local machine, a flow between two
 * remote hosts, and a local flow whose client has no MAC.
 */
static void
top_by_device_counts_an_inbound_flow_for_the_local_server(void)
{
	struct ft_flowrec r[4];
	struct query_top_opts o = { .n_by = 1, .by = { QUERY_BY_DEVICE } };
	struct ft_err err = { 0 };
	struct capture c;
	struct store *st;
	char *got;

	r[0] = rec(1, 0, 6, "192.168.1.5", 40000, "198.51.100.1", 443, "",
	    100, 100, 1, 1);
	local_ends(&r[0], 5, 0, "nas", FT_NAME_LABEL, "");
	r[1] = rec(2, 1, 6, "198.51.100.7", 50000, "192.168.1.5", 22, "",
	    1000, 1000, 2, 2);
	memcpy(r[1].srv_mac, r[0].cli_mac, 6);
	r[1].local = FT_LOCAL_SRV;
	r[2] = rec(3, 2, 6, "198.51.100.7", 50000, "203.0.113.9", 22, "",
	    10, 10, 1, 1);
	r[3] = rec(4, 3, 17, "192.168.1.6", 5353, "192.168.1.5", 53, "",
	    1, 1, 1, 1);
	r[3].local = FT_LOCAL_CLI | FT_LOCAL_SRV;
	memcpy(r[3].srv_mac, r[0].cli_mac, 6);
	st = fixture_open("inbound", r, 4);
	capture_begin(&c, OUT_CSV, false);
	UT_EQ(query_top(st, &o, c.w, &err), 0);
	got = capture_end(&c);
	UT_STREQ(got, "device,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "nas,2200,6,2,1100,1100\n,22,4,2,11,11\n");
	free(got);
	store_close(st);
}

static void
filters_see_the_client_name_org_and_vendor(void)
{
	struct query_value v = { .type = QUERY_TEXT, .p = "GOOGLE", .len = 6 };
	struct query_where w = { "s.org = ?", &v, 1, false };
	struct query_top_opts o = { .n_by = 1, .by = { QUERY_BY_PROTO } };
	struct ft_err err = { 0 };
	struct capture c;
	char *got;

	o.range.where = &w;
	capture_begin(&c, OUT_CSV, false);
	UT_EQ(query_top(fixture, &o, c.w, &err), 0);
	got = capture_end(&c);
	UT_STREQ(got, "proto,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "17,450,4,2,150,300\n");
	free(got);
	v.p = "laptop";
	w.sql = "cn.name = ? AND mc.vendor = 'Apple'";
	capture_begin(&c, OUT_CSV, false);
	UT_EQ(query_top(fixture, &o, c.w, &err), 0);
	got = capture_end(&c);
	UT_STREQ(got, "proto,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "6,15000,45,1,1500,13500\n17,210,2,1,70,140\n");
	free(got);
}

static void
top_keeps_to_since_and_until(void)
{
	struct query_top_opts o = { .n_by = 1, .by = { QUERY_BY_PROTO } };
	struct ft_err err = { 0 };
	struct capture c;
	char *got;

	o.range.since_us = T0 + 1050 * SEC;
	capture_begin(&c, OUT_CSV, false);
	UT_EQ(query_top(fixture, &o, c.w, &err), 0);
	got = capture_end(&c);
	UT_STREQ(got, "proto,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "6,5000,15,1,500,4500\n");
	free(got);
	o.range.since_us = 0;
	o.range.until_us = T0 + 1000 * SEC;
	capture_begin(&c, OUT_CSV, false);
	UT_EQ(query_top(fixture, &o, c.w, &err), 0);
	got = capture_end(&c);
	UT_STREQ(got, "proto,bytes,packets,flows,bytes_cs,bytes_sc\n");
	free(got);
}

static void
a_where_fragment_binds_its_values_and_never_pastes_them(void)
{
	struct query_value v17 = { .type = QUERY_INT, .i = 17 };
	struct query_value evil = { .type = QUERY_TEXT, .p = "x' OR 1=1 --",
	    .len = 12 };
	struct query_where w = { "f.proto = ?", &v17, 1, false };
	struct query_top_opts o = { .n_by = 1, .by = { QUERY_BY_PROTO } };
	struct query_flows_opts fo = { .records = true };
	struct ft_err err = { 0 };
	struct capture c;
	char *got;

	o.range.where = &w;
	fo.range.where = &w;
	capture_begin(&c, OUT_CSV, false);
	UT_EQ(query_top(fixture, &o, c.w, &err), 0);
	got = capture_end(&c);
	UT_STREQ(got, "proto,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "17,450,4,2,150,300\n");
	free(got);
	w.sql = "a.name = ?";
	w.vals = &evil;
	capture_begin(&c, OUT_CSV, false);
	UT_EQ(query_flows(fixture, &fo, c.w, &err), 0);
	got = capture_end(&c);
	UT_ASSERT(strchr(got, '\n') == got + strlen(got) - 1);
	free(got);
	w.sql = "f.proto = ? AND f.sport = ?";
	capture_begin(&c, OUT_CSV, false);
	UT_EQ(query_flows(fixture, &fo, c.w, &err), -FT_EINVAL);
	UT_STREQ(err.msg, "query: filter has 2 placeholders for 1 values");
	free(capture_end(&c));
}

static void
bad_by_and_order_names_get_one_clear_line(void)
{
	struct query_top_opts o = { 0 };
	enum query_order ord;
	struct ft_err err = { 0 };

	UT_EQ(query_top_parse_by("proto,port", &o, &err), -FT_EINVAL);
	UT_STREQ(err.msg, "unknown --by field 'port': expected proto, app, "
	    "category, src, dst, host, conversation, dst-port, src-port, asn, "
	    "country, mac, vendor, name, device, iface or vlan");
	UT_EQ(query_top_parse_by("app,,src", &o, &err), -FT_EINVAL);
	UT_EQ(query_top_parse_by("app,app", &o, &err), -FT_EINVAL);
	UT_STREQ(err.msg, "--by lists 'app' twice");
	UT_EQ(query_top_parse_by("proto,app,src,dst,host,asn,country,mac,"
	    "vendor", &o, &err), -FT_EINVAL);
	UT_STREQ(err.msg, "--by takes at most 8 fields");
	UT_EQ(query_top_parse_by("host,dst-port", &o, &err), 0);
	UT_EQ(o.n_by, 2);
	UT_EQ(o.by[1], QUERY_BY_DST_PORT);
	UT_EQ(query_top_parse_by("asn,country,mac,device", &o, &err), 0);
	UT_EQ(o.n_by, 4);
	UT_EQ(o.by[3], QUERY_BY_DEVICE);
	UT_EQ(query_top_parse_by("vendor,name", &o, &err), 0);
	UT_EQ(o.by[0], QUERY_BY_VENDOR);
	UT_EQ(o.by[1], QUERY_BY_NAME);
	UT_EQ(query_top_parse_order("flows", &ord, &err), 0);
	UT_EQ(ord, QUERY_ORDER_FLOWS);
	UT_EQ(query_top_parse_order("size", &ord, &err), -FT_EINVAL);
	UT_STREQ(err.msg, "unknown --order 'size': expected bytes, packets or "
	    "flows");
}

static void
top_as_a_table_shows_protocol_names_aligned(void)
{
	char *got = top("proto", QUERY_ORDER_BYTES, 0, OUT_TABLE, false);

	UT_STREQ(got,
	    "proto  bytes  packets  flows  bytes_cs  bytes_sc\n"
	    "tcp    18300       52      2      1800     16500\n"
	    "udp      450        4      2       150       300\n"
	    "icmp     168        2      1        84        84\n");
	free(got);
	got = top("proto", QUERY_ORDER_BYTES, 0, OUT_JSON, true);
	UT_STREQ(got, "[\n{\"proto\":6,\"bytes\":18300,\"packets\":52,"
	    "\"flows\":2,\"bytes_cs\":1800,\"bytes_sc\":16500},\n"
	    "{\"proto\":17,\"bytes\":450,\"packets\":4,\"flows\":2,"
	    "\"bytes_cs\":150,\"bytes_sc\":300},\n"
	    "{\"proto\":1,\"bytes\":168,\"packets\":2,\"flows\":1,"
	    "\"bytes_cs\":84,\"bytes_sc\":84}\n]\n");
	free(got);
}

int
main(void)
{
	struct ft_flowrec r[6];
	int rc;

	if (qfix_dir_init())
		return 2;
	ft_log_level = FT_LOG_WARN;
	fixture = fixture_open("fixture", r, (size_t)fixture_records(r));
	if (!fixture)
		return 1;
	UT_RUN(flows_lists_records_newest_first_within_since_until_and_limit);
	UT_RUN(flows_default_limit_is_one_hundred_rows);
	UT_RUN(flows_json_is_an_array_of_objects_with_exact_values);
	UT_RUN(top_by_proto_sums_bytes_packets_and_distinct_flows);
	UT_RUN(top_by_app_counts_a_flow_of_two_deltas_once);
	UT_RUN(top_by_src_and_dst_group_by_client_and_server);
	UT_RUN(top_by_host_counts_each_flow_for_both_ends);
	UT_RUN(top_by_ports_groups_with_the_protocol);
	UT_RUN(top_by_asn_shows_the_org_and_groups_flows_without_an_as_as_null);
	UT_RUN(top_by_country_shows_the_two_letter_code);
	UT_RUN(top_by_mac_groups_by_client_mac_and_by_vendor_across_macs);
	UT_RUN(top_by_name_groups_by_server_name);
	UT_RUN(top_by_device_names_local_clients_or_shows_their_mac);
	UT_RUN(top_by_device_counts_an_inbound_flow_for_the_local_server);
	UT_RUN(filters_see_the_client_name_org_and_vendor);
	UT_RUN(top_keeps_to_since_and_until);
	UT_RUN(a_where_fragment_binds_its_values_and_never_pastes_them);
	UT_RUN(bad_by_and_order_names_get_one_clear_line);
	UT_RUN(top_as_a_table_shows_protocol_names_aligned);
	store_close(fixture);
	qfix_dir_remove();
	rc = UT_DONE();
	return rc;
}
