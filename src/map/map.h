/* map.h: the dependency map: which clients use which server services */
/*
 * From the flows table, drawn for LucidChart, draw.io, Graphviz, Mermaid or
 * JSON.
 */
#ifndef MAP_H
#define MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../base/ft_err.h"
#include "../model/ft_flowrec.h"
#include "../store/store.h"
#include "../query/query.h"

#define MAP_TOP_EDGES 200	/* --top-edges when not given */
#define MAP_EDGES_MAX 10000	/* ceiling of a map; --top-edges 0: this */
#define MAP_V4_PREFIX 24	/* subnet groups: IPv4 prefix length */
#define MAP_V6_PREFIX 64	/* and IPv6 */
#define MAP_IP_MAX 46		/* an address as text, with its NUL */
#define MAP_MAC_MAX 18		/* 00:11:22:33:44:55 and NUL */

/* What puts nodes into one group (a cluster, a subgraph). */
enum map_group_by {
	MAP_GROUP_HOST,		/* no groups */
	MAP_GROUP_SUBNET,	/* the address's /24 (IPv4) or /64 (IPv6) */
	MAP_GROUP_LABEL,	/* the best name; unnamed hosts stay alone */
};

enum map_format {
	MAP_FMT_DOT,		/* Graphviz digraph (default) */
	MAP_FMT_MERMAID,	/* Mermaid flowchart */
	MAP_FMT_LUCID,		/* LucidChart process-diagram CSV */
	MAP_FMT_DRAWIO,		/* draw.io CSV import */
	MAP_FMT_JSON,		/* nodes and edges with every attribute */
};

/* Where the map reads (--source). */
enum map_source {
	MAP_SRC_AUTO,		/* conversations where rolled and the filter
				   allows, records elsewhere */
	MAP_SRC_FLOWS,		/* always the flow records */
	MAP_SRC_CONV,		/* as auto, but a filter they cannot answer
				   is an error */
};

struct map_opts {
	struct query_range range;	/* time and filter; limit unused */
	enum map_source source;		/* where to read */
	enum map_group_by group_by;	/* nodes' groups */
	uint8_t v4_prefix;		/* subnet length; 0: MAP_V4_PREFIX */
	uint8_t v6_prefix;		/* 0: MAP_V6_PREFIX */
	uint64_t min_bytes;		/* drop edges with fewer bytes */
	uint64_t min_flows;		/* and with fewer distinct flows */
	uint64_t top_edges;		/* keep the N biggest by bytes;
					   0: all, up to MAP_EDGES_MAX */
};

/* Bits of map_node.role. */
#define MAP_ROLE_CLIENT 0x01	/* the client end of an edge */
#define MAP_ROLE_SERVER 0x02	/* the server end of an edge */

/* One host: an address with its best name, MAC and vendor. */
struct map_node {
	uint8_t addr[16];		/* IP address, addr_len bytes */
	uint8_t addr_len;		/* 4 or 16 */
	char ip[MAP_IP_MAX];		/* addr as text */
	char name[FT_NAME_MAX];		/* best name, "" when none */
	uint8_t name_src;		/* enum ft_name_src of name */
	char mac[MAP_MAC_MAX];		/* link address when local, "" */
	char vendor[FT_VENDOR_MAX];	/* its vendor, "" when unknown */
	uint8_t role;			/* MAP_ROLE_* */
	bool local;			/* in names.local-networks */
	int group;			/* index in map.groups, -1 for none */
};

/* A group of nodes, drawn as one box. */
struct map_group {
	char name[FT_NAME_MAX];		/* 10.0.0.0/24, or a name */
	bool boxed;			/* drawn as a cluster (not a lone,
					   unnamed host) */
};

/* Clients of one server service: client, server, protocol, port, app. */
struct map_edge {
	uint32_t from;			/* client: index in map.nodes */
	uint32_t to;			/* server node */
	uint8_t proto;			/* IP protocol */
	uint16_t port;			/* server port; ICMP type, code */
	char app[FT_APP_MAX];		/* application, "" when unknown */
	uint64_t bytes_cs;		/* client to server */
	uint64_t bytes_sc;		/* server to client */
	uint64_t packets;		/* both ways */
	uint64_t flows;			/* distinct flows (run, flow) */
	uint64_t swapped;		/* of them, flows the server rule
					   turned (docs/internals/map.md) */
	uint64_t first_us;		/* first packet */
	uint64_t last_us;		/* last packet */
};

/*
 * A built map. Nodes are sorted by address (IPv4 first); edges by bytes,
 * biggest first. Every edge's ends are nodes, every node has an edge.
 */
struct map {
	struct map_node *nodes;		/* n_nodes */
	size_t n_nodes;
	struct map_edge *edges;		/* n_edges */
	size_t n_edges;
	struct map_group *groups;	/* n_groups, in order of first node */
	size_t n_groups;
	bool truncated;			/* 0 top_edges hit the ceiling */
};

/*
 * Build the map of the flow records in o->range: summed in C from a plain
 * scan (in parts over the cores for long ranges), only the kept edges
 * named from the store. The caller owns *out (map_free).
 */
int map_build(struct store *st, const struct map_opts *o, struct map **out,
    struct ft_err *err);
void map_free(struct map *m);

/* Parse "host", "label", "subnet", "subnet/V4" or "subnet/V4,V6" into o. */
int map_parse_group(const char *s, struct map_opts *o, struct ft_err *err);

/* Parse "auto", "flows" or "conv". */
int map_parse_source(const char *s, enum map_source *src, struct ft_err *err);

/* Parse "dot", "mermaid", "lucid", "drawio" or "json". */
int map_parse_format(const char *s, enum map_format *f, struct ft_err *err);

/* Write m in format f; -FT_EIO when fp fails (a closed pipe). */
int map_write(const struct map *m, enum map_format f, FILE *fp,
    struct ft_err *err);

/* "tcp/443 TLS": an edge's service as every format labels it. */
void map_edge_service(const struct map_edge *e, struct out_buf *b);

#endif
