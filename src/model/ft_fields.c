/* ft_fields.c: the flow record's field table. */
#include <string.h>

#include "ft_fields.h"

/* An unsigned integer member m of struct ft_flowrec. */
#define MEMBER(m)                                                       \
	.take = FT_TAKE_UINT, .off = offsetof(struct ft_flowrec, m),    \
	.size = sizeof(((const struct ft_flowrec *)0)->m)
#define ADDR(m) .take = FT_TAKE_ADDR, .off = offsetof(struct ft_flowrec, m)
#define REF(r) .take = FT_TAKE_REF, .ref = (r), .null = FT_NULL_ZERO
#define INT "INTEGER"

/*
 * In the flows table's column order (migrations 1 and 2 of
 * store_schema.c). listing, by and filter name the field where a report
 * shows, groups or tests its value as stored; derived values (duration,
 * bytes both ways, category, org, vendor, device) are no fields.
 */
const struct ft_field ft_flow_fields[FT_F_N] = {
	[FT_F_RUN] = { .name = "run", .column = "run", .sql_type = INT,
	    .take = FT_TAKE_RUN, .show = FT_SHOW_INT },
	[FT_F_FLOW] = { .name = "flow", .column = "flow", .sql_type = INT,
	    MEMBER(flow_id), .show = FT_SHOW_INT },
	[FT_F_FIRST] = { .name = "first_us", .column = "first_us",
	    .sql_type = INT, MEMBER(first_us), .show = FT_SHOW_TIME,
	    .listing = "time" },
	[FT_F_LAST] = { .name = "last_us", .column = "last_us",
	    .sql_type = INT, MEMBER(last_us), .show = FT_SHOW_TIME },
	[FT_F_START] = { .name = "start", .column = "start_us",
	    .sql_type = INT, MEMBER(start_us), .show = FT_SHOW_TIME },
	[FT_F_IFACE] = { .name = "iface", .column = "iface", .sql_type = INT,
	    REF(FT_REF_IFACE), .show = FT_SHOW_TEXT, .by = "iface",
	    .filter = "iface" },
	[FT_F_VLAN] = { .name = "vlan", .column = "vlan", .sql_type = INT,
	    MEMBER(vlan), .show = FT_SHOW_INT, .by = "vlan",
	    .filter = "vlan" },
	[FT_F_PROTO] = { .name = "proto", .column = "proto", .sql_type = INT,
	    MEMBER(proto), .show = FT_SHOW_PROTO, .listing = "proto",
	    .by = "proto", .filter = "proto" },
	[FT_F_TUNNEL] = { .name = "tunnel", .column = "tunnel",
	    .sql_type = INT, MEMBER(tunnel), .show = FT_SHOW_TEXT },
	[FT_F_CLIENT] = { .name = "client", .column = "cli",
	    .sql_type = "BLOB", ADDR(cli), .show = FT_SHOW_ADDR,
	    .listing = "client", .by = "src", .filter = "src host" },
	[FT_F_CPORT] = { .name = "cport", .column = "cport", .sql_type = INT,
	    MEMBER(cport), .show = FT_SHOW_INT, .listing = "cport",
	    .by = "src_port", .filter = "src port" },
	[FT_F_SERVER] = { .name = "server", .column = "srv",
	    .sql_type = "BLOB", ADDR(srv), .show = FT_SHOW_ADDR,
	    .listing = "server", .by = "dst", .filter = "dst host" },
	[FT_F_SPORT] = { .name = "sport", .column = "sport", .sql_type = INT,
	    MEMBER(sport), .show = FT_SHOW_INT, .listing = "sport",
	    .by = "dst_port", .filter = "dst port" },
	[FT_F_CLIENT_MAC] = { .name = "client_mac", .column = "cli_mac",
	    .sql_type = INT, REF(FT_REF_CLIENT_MAC), .show = FT_SHOW_TEXT,
	    .by = "mac", .filter = "src mac" },
	[FT_F_SERVER_MAC] = { .name = "server_mac", .column = "srv_mac",
	    .sql_type = INT, REF(FT_REF_SERVER_MAC), .show = FT_SHOW_TEXT,
	    .filter = "dst mac" },
	[FT_F_APP] = { .name = "app", .column = "app", .sql_type = INT,
	    REF(FT_REF_APP), .show = FT_SHOW_TEXT, .listing = "app",
	    .by = "app", .filter = "app" },
	[FT_F_SERVER_NAME] = { .name = "server_name", .column = "name",
	    .sql_type = INT, REF(FT_REF_SERVER_NAME), .show = FT_SHOW_NAME,
	    .listing = "server_name", .by = "name", .filter = "name" },
	[FT_F_BYTES_CS] = { .name = "bytes_cs", .column = "bytes_cs",
	    .sql_type = INT, MEMBER(bytes[0]), .show = FT_SHOW_BYTES,
	    .listing = "bytes_cs" },
	[FT_F_BYTES_SC] = { .name = "bytes_sc", .column = "bytes_sc",
	    .sql_type = INT, MEMBER(bytes[1]), .show = FT_SHOW_BYTES,
	    .listing = "bytes_sc" },
	[FT_F_PKTS_CS] = { .name = "pkts_cs", .column = "pkts_cs",
	    .sql_type = INT, MEMBER(pkts[0]), .show = FT_SHOW_COUNT,
	    .listing = "pkts_cs" },
	[FT_F_PKTS_SC] = { .name = "pkts_sc", .column = "pkts_sc",
	    .sql_type = INT, MEMBER(pkts[1]), .show = FT_SHOW_COUNT,
	    .listing = "pkts_sc" },
	[FT_F_TCP_CS] = { .name = "tcp_cs", .column = "tcp_cs",
	    .sql_type = INT, MEMBER(tcp_flags[0]), .show = FT_SHOW_TCP_FLAGS,
	    .listing = "tcp_cs" },
	[FT_F_TCP_SC] = { .name = "tcp_sc", .column = "tcp_sc",
	    .sql_type = INT, MEMBER(tcp_flags[1]), .show = FT_SHOW_TCP_FLAGS,
	    .listing = "tcp_sc" },
	[FT_F_END] = { .name = "end_reason", .column = "end_reason",
	    .sql_type = INT, MEMBER(end), .show = FT_SHOW_TEXT,
	    .listing = "end" },
	[FT_F_FLAGS] = { .name = "flags", .column = "flags", .sql_type = INT,
	    MEMBER(flags), .show = FT_SHOW_INT },
	[FT_F_LOCAL] = { .name = "local", .column = "local", .sql_type = INT,
	    MEMBER(local), .mask = FT_LOCAL_CLI | FT_LOCAL_SRV,
	    .show = FT_SHOW_INT, .filter = "dst local" },
	[FT_F_ASN] = { .name = "asn", .column = "asn", .sql_type = INT,
	    MEMBER(asn), .null = FT_NULL_ZERO, .show = FT_SHOW_INT,
	    .listing = "asn", .by = "asn", .filter = "asn" },
	[FT_F_COUNTRY] = { .name = "country", .column = "country",
	    .sql_type = INT, .take = FT_TAKE_COUNTRY,
	    .off = offsetof(struct ft_flowrec, country), .null = FT_NULL_ZERO,
	    .show = FT_SHOW_TEXT, .listing = "country", .by = "country",
	    .filter = "country" },
	[FT_F_SERVER_NAME_SRC] = { .name = "server_name_src",
	    .column = "name_src", .sql_type = INT, MEMBER(srv_name_src),
	    .only_with = FT_REF_SERVER_NAME, .show = FT_SHOW_TEXT },
	[FT_F_CLIENT_NAME] = { .name = "client_name", .column = "cli_name",
	    .sql_type = INT, REF(FT_REF_CLIENT_NAME), .show = FT_SHOW_NAME,
	    .listing = "cli_name" },
	[FT_F_CLIENT_NAME_SRC] = { .name = "client_name_src",
	    .column = "cli_name_src", .sql_type = INT, MEMBER(cli_name_src),
	    .only_with = FT_REF_CLIENT_NAME, .show = FT_SHOW_TEXT },
	[FT_F_DNS_QUERIES] = { .name = "dns_queries", .column = "dns_q",
	    .sql_type = INT, MEMBER(dns_queries), .null = FT_NULL_NO_DNS,
	    .show = FT_SHOW_COUNT },
	[FT_F_DNS_OK] = { .name = "dns_ok", .column = "dns_ok",
	    .sql_type = INT, MEMBER(dns_ok), .null = FT_NULL_NO_DNS,
	    .show = FT_SHOW_COUNT },
	[FT_F_DNS_ERR] = { .name = "dns_err", .column = "dns_err",
	    .sql_type = INT, MEMBER(dns_err), .null = FT_NULL_NO_DNS,
	    .show = FT_SHOW_COUNT },
};

const struct ft_field *
ft_field_by_column(const char *column)
{
	size_t i;

	for (i = 0; i < FT_F_N; i++)
		if (strcmp(ft_flow_fields[i].column, column) == 0)
			return &ft_flow_fields[i];
	return NULL;
}
