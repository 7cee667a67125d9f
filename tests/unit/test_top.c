/* test_top.c: top-N by conversation, interface, category and VLAN */
/*
 * Bytes each way; distinct flows.
 */
#include <stdlib.h>

#include "../../src/base/ft_log.h"
#include "../../src/filter/filter.h"
#include "../../src/query/query.h"
#include "../lib/qfix.h"
#include "ut.h"

static struct store *st;	/* the store below, read-only */

/*
 * Five flows on three capture sources (eth0, wlan0 and one never named):
 * flow 1 10.0.0.1 -> 10.0.0.9:443 TLS (Web) on VLAN 10 as three deltas,
 * 600/6000 bytes and 3/6 packets in all; flow 2 10.0.0.2 -> 10.0.0.9:53
 * DNS (Network) on wlan0, 50/150 bytes; flow 3 10.0.0.9 -> 10.0.0.1:22 SSH
 * (RemoteAccess), the reverse pair, 400/600; flow 4 10.0.0.1 -> 10.0.0.9:443
 * TLS (Web) again, 10/20; flow 5 10.0.0.3 -> 10.0.0.9:123 with no
 * application nor category, on the unnamed source, 30/30.
 */
static size_t
records(struct ft_flowrec *r)
{
	int i;

	for (i = 0; i < 3; i++) {
		r[i] = qfix_rec(1, 60 * (uint64_t)i, 6, "10.0.0.1", 50000,
		    "10.0.0.9", 443, "TLS", 100 * (i + 1), 1000 * (i + 1), 1,
		    2);
		r[i].vlan = 10;
		r[i].flags = i == 2 ? FT_REC_FINAL : 0;
		r[i].end = i == 2 ? FT_END_TCP : FT_END_ACTIVE;
		snprintf(r[i].category, sizeof(r[i].category), "Web");
	}
	r[3] = qfix_rec(2, 10, 17, "10.0.0.2", 40000, "10.0.0.9", 53, "DNS",
	    50, 150, 1, 1);
	r[3].iface = 1;
	snprintf(r[3].category, sizeof(r[3].category), "Network");
	r[4] = qfix_rec(3, 20, 6, "10.0.0.9", 51000, "10.0.0.1", 22, "SSH",
	    400, 600, 4, 4);
	snprintf(r[4].category, sizeof(r[4].category), "RemoteAccess");
	r[5] = qfix_rec(4, 30, 6, "10.0.0.1", 50001, "10.0.0.9", 443, "TLS",
	    10, 20, 1, 1);
	snprintf(r[5].category, sizeof(r[5].category), "Web");
	r[6] = qfix_rec(5, 40, 17, "10.0.0.3", 123, "10.0.0.9", 123, "", 30,
	    30, 1, 1);
	r[6].iface = 2;
	return 7;
}

/* top over st as CSV, by and order as on the CLI, filter may be NULL. */
static char *
top(const char *by, const char *order, const char *filter)
{
	struct query_top_opts o = { .order = QUERY_ORDER_BYTES };
	struct ft_err err = { 0 };
	struct filter *f = NULL;
	struct qfix_out c;

	if (query_top_parse_by(by, &o, &err) ||
	    (order && query_top_parse_order(order, &o.order, &err)) ||
	    (filter && filter_compile(filter, &f, &err)))
		UT_FAILF("%s %s %s: %s", by, order, filter, err.msg);
	o.range.where = f ? filter_where(f) : NULL;
	qfix_out_begin(&c, OUT_CSV, false);
	if (query_top(st, &o, c.w, &err))
		UT_FAILF("top --by %s: %s", by, err.msg);
	filter_free(f);
	return qfix_out_end(&c);
}

#define TOP_EQ(by, order, filter, want)                                 \
	do {                                                            \
		char *got_ = top(by, order, filter);                    \
		UT_STREQ(got_, want);                                   \
		free(got_);                                             \
	} while (0)

static void
conversation_is_one_row_per_client_and_server_pair(void)
{
	TOP_EQ("conversation", NULL, NULL,
	    "src,dst,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "10.0.0.1,10.0.0.9,6630,11,2,610,6020\n"
	    "10.0.0.9,10.0.0.1,1000,8,1,400,600\n"
	    "10.0.0.2,10.0.0.9,200,2,1,50,150\n"
	    "10.0.0.3,10.0.0.9,60,2,1,30,30\n");
	TOP_EQ("conversation,dst-port", "flows", NULL,
	    "src,dst,proto,dst_port,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "10.0.0.1,10.0.0.9,6,443,6630,11,2,610,6020\n"
	    "10.0.0.2,10.0.0.9,17,53,200,2,1,50,150\n"
	    "10.0.0.3,10.0.0.9,17,123,60,2,1,30,30\n"
	    "10.0.0.9,10.0.0.1,6,22,1000,8,1,400,600\n");
	TOP_EQ("src,conversation,dst", "packets", NULL,
	    "src,dst,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "10.0.0.1,10.0.0.9,6630,11,2,610,6020\n"
	    "10.0.0.9,10.0.0.1,1000,8,1,400,600\n"
	    "10.0.0.2,10.0.0.9,200,2,1,50,150\n"
	    "10.0.0.3,10.0.0.9,60,2,1,30,30\n");
}

/* The source document's question, with both ends inside the network. */
static void
the_source_documents_question_is_one_call(void)
{
	TOP_EQ("conversation,dst-port", NULL,
	    "src net 10.0.0.0/24 and dst net 10.0.0.0/24 and not host "
	    "10.0.0.2",
	    "src,dst,proto,dst_port,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "10.0.0.1,10.0.0.9,6,443,6630,11,2,610,6020\n"
	    "10.0.0.9,10.0.0.1,6,22,1000,8,1,400,600\n"
	    "10.0.0.3,10.0.0.9,17,123,60,2,1,30,30\n");
}

static void
iface_groups_by_the_capture_source_name(void)
{
	TOP_EQ("iface", NULL, NULL,
	    "iface,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "eth0,7630,19,3,1010,6620\nwlan0,200,2,1,50,150\n,60,2,1,30,30\n");
	TOP_EQ("iface", "flows", "not port 443",
	    "iface,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    ",60,2,1,30,30\neth0,1000,8,1,400,600\nwlan0,200,2,1,50,150\n");
}

static void
category_groups_by_the_ndpi_category_and_unknown_is_null(void)
{
	TOP_EQ("category", NULL, NULL,
	    "category,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "Web,6630,11,2,610,6020\nRemoteAccess,1000,8,1,400,600\n"
	    "Network,200,2,1,50,150\n,60,2,1,30,30\n");
	TOP_EQ("category,app", "flows", "category web",
	    "category,app,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "Web,TLS,6630,11,2,610,6020\n");
}

static void
vlan_groups_by_the_vlan_id(void)
{
	TOP_EQ("vlan", NULL, NULL,
	    "vlan,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "10,6600,9,1,600,6000\n0,1290,14,4,490,800\n");
}

/* Three deltas of flow 1 count once; ties fall back to the keys. */
static void
order_flows_counts_distinct_flows_not_records(void)
{
	TOP_EQ("dst-port", "flows", NULL,
	    "proto,dst_port,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "6,443,6630,11,2,610,6020\n6,22,1000,8,1,400,600\n"
	    "17,53,200,2,1,50,150\n17,123,60,2,1,30,30\n");
}

/*
 * The groups are summed in C and only those that can rank go on to
 * SQLite: ties with the last one that ranks all go, so the lowest key
 * among them wins as before.
 */
static void
a_limit_keeps_the_lowest_keys_among_ties_at_the_cut(void)
{
	struct query_top_opts o = { .order = QUERY_ORDER_FLOWS };
	struct ft_err err = { 0 };
	struct qfix_out c;
	char *got;

	UT_EQ(query_top_parse_by("src", &o, &err), 0);
	o.range.limit = 2;
	qfix_out_begin(&c, OUT_CSV, false);
	UT_EQ(query_top(st, &o, c.w, &err), 0);
	got = qfix_out_end(&c);
	UT_STREQ(got, "src,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "10.0.0.1,6630,11,2,610,6020\n10.0.0.2,200,2,1,50,150\n");
	free(got);
	o.range.limit = 1;
	o.order = QUERY_ORDER_BYTES;
	qfix_out_begin(&c, OUT_CSV, false);
	UT_EQ(query_top(st, &o, c.w, &err), 0);
	got = qfix_out_end(&c);
	UT_STREQ(got, "src,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "10.0.0.1,6630,11,2,610,6020\n");
	free(got);
}

static void
host_rows_carry_the_bytes_each_way_of_their_flows(void)
{
	TOP_EQ("host", NULL, "port 22 or port 53",
	    "host,bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "10.0.0.9,1200,10,2,450,750\n10.0.0.1,1000,8,1,400,600\n"
	    "10.0.0.2,200,2,1,50,150\n");
}

static void
many_fields_group_together_up_to_the_maximum(void)
{
	struct query_top_opts o = { 0 };
	struct ft_err err = { 0 };

	TOP_EQ("conversation,dst-port,iface,category,vlan,app,name,country",
	    NULL, "vlan 10",
	    "src,dst,proto,dst_port,iface,category,vlan,app,name,country,"
	    "bytes,packets,flows,bytes_cs,bytes_sc\n"
	    "10.0.0.1,10.0.0.9,6,443,eth0,Web,10,TLS,,,6600,9,1,600,6000\n");
	UT_EQ(query_top_parse_by("conversation,iface,category,vlan,app,name,"
	    "country,asn,device", &o, &err), -FT_EINVAL);
	UT_STREQ(err.msg, "--by takes at most 8 fields");
	UT_EQ(query_top_parse_by("conversation,src", &o, &err), 0);
	UT_EQ(o.by[0], QUERY_BY_CONVERSATION);
}

/* Every row: bytes is bytes_cs + bytes_sc, in JSON too. */
static void
bytes_is_the_sum_of_both_directions_in_every_row(void)
{
	struct query_top_opts o = { .n_by = 1, .by = { QUERY_BY_HOST } };
	struct ft_err err = { 0 };
	struct qfix_out c;
	char *got, *p;
	long long b, cs, sc;
	int rows = 0;

	qfix_out_begin(&c, OUT_JSON, false);
	UT_EQ(query_top(st, &o, c.w, &err), 0);
	got = qfix_out_end(&c);
	for (p = got; (p = strstr(p, "\"bytes\":")); p++) {
		UT_EQ(sscanf(p, "\"bytes\":%lld,\"packets\":%*d,\"flows\":%*d,"
		    "\"bytes_cs\":%lld,\"bytes_sc\":%lld", &b, &cs, &sc), 3);
		UT_EQ(b, cs + sc);
		rows++;
	}
	UT_EQ(rows, 4);
	free(got);
}

int
main(void)
{
	static const char *const ifaces[] = { "eth0", "wlan0", NULL };
	struct ft_flowrec r[8];
	int rc;

	if (qfix_dir_init())
		return 2;
	ft_log_level = FT_LOG_WARN;
	st = qfix_store("top", r, records(r), ifaces);
	if (!st)
		return 1;
	UT_RUN(conversation_is_one_row_per_client_and_server_pair);
	UT_RUN(the_source_documents_question_is_one_call);
	UT_RUN(iface_groups_by_the_capture_source_name);
	UT_RUN(category_groups_by_the_ndpi_category_and_unknown_is_null);
	UT_RUN(vlan_groups_by_the_vlan_id);
	UT_RUN(order_flows_counts_distinct_flows_not_records);
	UT_RUN(host_rows_carry_the_bytes_each_way_of_their_flows);
	UT_RUN(a_limit_keeps_the_lowest_keys_among_ties_at_the_cut);
	UT_RUN(many_fields_group_together_up_to_the_maximum);
	UT_RUN(bytes_is_the_sum_of_both_directions_in_every_row);
	store_close(st);
	qfix_dir_remove();
	rc = UT_DONE();
	return rc;
}
