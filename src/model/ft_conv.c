/* ft_conv.c: the conversations' field tables, conv_edges and conv_parts. */
#include "ft_conv.h"

#define MEMBER(type, m) .offset = offsetof(type, m), \
	.size = sizeof(((type *)0)->m)
#define EDGE(m) MEMBER(struct ft_conv_edge, m)
#define PART(m) MEMBER(struct ft_conv_part, m)

const struct ft_conv_field ft_conv_edge_fields[] = {
	{ "proto", "proto", NULL, FT_CONV_INT, EDGE(proto) },
	{ "client", "cli", NULL, FT_CONV_BLOB, EDGE(client) },
	{ "server", "srv", NULL, FT_CONV_BLOB, EDGE(server) },
	{ "server_port", "sport", NULL, FT_CONV_INT, EDGE(server_port) },
	{ "local", "local", NULL, FT_CONV_INT, EDGE(local) },
	{ "flows", "flows", NULL, FT_CONV_INT, EDGE(sums.flows) },
	{ "seen", "seen", NULL, FT_CONV_INT, EDGE(sums.seen) },
	{ "bytes_cs", "bytes_cs", NULL, FT_CONV_INT, EDGE(sums.bytes_cs) },
	{ "bytes_sc", "bytes_sc", NULL, FT_CONV_INT, EDGE(sums.bytes_sc) },
	{ "packets", "packets", NULL, FT_CONV_INT, EDGE(sums.packets) },
	{ "first_us", "first_us", NULL, FT_CONV_INT, EDGE(sums.first_us) },
	{ "last_us", "last_us", NULL, FT_CONV_INT, EDGE(sums.last_us) },
	{ "client_name", "cli_name", "cli_name_src", FT_CONV_NAME,
	    EDGE(sums.client_name) },
	{ "server_name", "name", "name_src", FT_CONV_NAME,
	    EDGE(sums.server_name) },
	{ "client_mac", "cli_mac", NULL, FT_CONV_ID, EDGE(sums.client_mac) },
	{ "server_mac", "srv_mac", NULL, FT_CONV_ID, EDGE(sums.server_mac) },
	{ "app_low", "app_lo", NULL, FT_CONV_ID, EDGE(sums.app_low), -1 },
	{ "app_high", "app_hi", NULL, FT_CONV_ID, EDGE(sums.app_high), -1 },
	{ "app_top", "app_top", NULL, FT_CONV_ID, EDGE(sums.app_top), -1 },
};
const size_t ft_conv_edge_n_fields = sizeof(ft_conv_edge_fields) /
    sizeof(ft_conv_edge_fields[0]);

const struct ft_conv_field ft_conv_part_fields[] = {
	{ "run", "run", NULL, FT_CONV_INT, PART(run) },
	{ "flow", "flow", NULL, FT_CONV_INT, PART(flow) },
	{ "flags", "flags", NULL, FT_CONV_INT, PART(sums.flags) },
	{ "proto", "proto", NULL, FT_CONV_INT, PART(sums.proto) },
	{ "client", "cli", NULL, FT_CONV_BLOB, PART(sums.client) },
	{ "client_port", "cport", NULL, FT_CONV_INT, PART(sums.client_port) },
	{ "server", "srv", NULL, FT_CONV_BLOB, PART(sums.server) },
	{ "server_port", "sport", NULL, FT_CONV_INT, PART(sums.server_port) },
	{ "local", "local", NULL, FT_CONV_INT, PART(sums.local) },
	{ "app", "app", NULL, FT_CONV_ID, PART(sums.app), -1 },
	{ "bytes_cs", "bytes_cs", NULL, FT_CONV_INT, PART(sums.bytes_cs) },
	{ "bytes_sc", "bytes_sc", NULL, FT_CONV_INT, PART(sums.bytes_sc) },
	{ "packets_cs", "pkts_cs", NULL, FT_CONV_INT, PART(sums.packets_cs) },
	{ "packets_sc", "pkts_sc", NULL, FT_CONV_INT, PART(sums.packets_sc) },
	{ "first_us", "first_us", NULL, FT_CONV_INT, PART(sums.first_us) },
	{ "last_us", "last_us", NULL, FT_CONV_INT, PART(sums.last_us) },
	{ "start_us", "start_us", NULL, FT_CONV_INT, PART(sums.start_us) },
	{ "client_name", "cli_name", "cli_name_src", FT_CONV_NAME,
	    PART(sums.client_name) },
	{ "server_name", "name", "name_src", FT_CONV_NAME,
	    PART(sums.server_name) },
	{ "client_mac", "cli_mac", NULL, FT_CONV_ID, PART(sums.client_mac) },
	{ "server_mac", "srv_mac", NULL, FT_CONV_ID, PART(sums.server_mac) },
};
const size_t ft_conv_part_n_fields = sizeof(ft_conv_part_fields) /
    sizeof(ft_conv_part_fields[0]);
