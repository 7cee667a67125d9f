/* map_int.h: what the map's writers share; only for map_*.c. */
#ifndef MAP_INT_H
#define MAP_INT_H

#include "../agg/agg.h"
#include "../base/ft_groups.h"
#include "../model/ft_conv.h"
#include "../query/dict.h"
#include "map.h"
#include "../query/scan.h"

struct sqlite3_stmt;

#define MAP_TEXT_MAX 2048	/* one escaped label */

/* Fill and line colours and role names by map_node.role (0..3). */
extern const char *const map_fill[4];
extern const char *const map_stroke[4];
extern const char *const map_role[4];

/* How text is escaped for the place it goes. */
enum map_esc {
	MAP_ESC_NONE,		/* CSV fields (quoted by out_csv_field) */
	MAP_ESC_DOT,		/* inside a DOT "string" */
	MAP_ESC_MERMAID,	/* inside a Mermaid "label" */
	MAP_ESC_HTML,		/* draw.io's HTML labels */
};

/*
 * Append s to b for esc: bytes that are not UTF-8 become U+FFFD, control
 * characters a space (names come from packets), then esc's escapes.
 */
void map_text(struct out_buf *b, const char *s, enum map_esc esc);

/* A node's label, lines joined by sep: name (or address), address, vendor. */
void map_label(const struct map_node *n, const char *sep, enum map_esc esc,
    struct out_buf *b);

/* The edge's service ("tcp/443 TLS"), escaped for esc. */
void map_service(const struct map_edge *e, enum map_esc esc,
    struct out_buf *b);


/* An edge's end while nodes are made; 2 per edge. */
struct map_end {
	uint8_t addr[16];	/* address, len bytes */
	uint8_t len;		/* 4 or 16 */
	uint8_t role;		/* MAP_ROLE_* of this end */
	bool local;		/* a record called it local */
	int64_t name_key;	/* best name key, 0 for none */
	int64_t mac;		/* macs.id when local, 0 for none */
	uint32_t edge;		/* index in edges */
};

/* The kept edges and their ends, biggest first. */
struct map_rows {
	struct map_edge *edges;	/* n entries */
	struct map_end *ends;	/* 2 * n: client, server of each edge */
	size_t n;		/* edges kept */
	size_t max;		/* keep at most this many */
};

/*
 * map_scan.c: sum the flow records of o->range into edges under the
 * server-side rule (docs/internals/map.md), keeping the r->max biggest
 * that pass o's minimums; r->edges' ends (from, to) are left for the
 * nodes.
 */
int map_scan(struct store *st, const struct map_opts *o, struct map_rows *r,
    struct ft_err *err);

/* An address inside keys: its length, then 16 bytes, zero past it. */
#define MAP_ADDR QUERY_ADDR

/* One flow: its records in the range summed, sides as the store has them. */
struct map_flow {
	uint8_t cli[MAP_ADDR];
	uint8_t srv[MAP_ADDR];
	uint8_t proto;
	bool candidate;		/* guessed, ephemeral-looking server port:
				 * the rule decides its sides */
	bool cli_local, srv_local;	/* a record called the end local */
	bool guessed;		/* its start was not seen */
	uint16_t cli_port, srv_port;
	int64_t app;		/* highest apps.id of its records, -1 none */
	uint64_t bytes_cs, bytes_sc;	/* bytes each way */
	uint64_t packets;	/* packets both ways */
	uint64_t first_us, last_us;	/* first and last packet */
	int64_t cli_name, srv_name;	/* best name keys of the ends, 0 none */
	int64_t cli_mac, srv_mac;	/* highest local MAC ids, 0 none */
};


/*
 * What map_scan.c and map_cut.c share while summing. An edge's key:
 * protocol, server port (2 bytes, big-endian), client, server.
 */
#define MAP_EDGE_KEY (3 + 2 * MAP_ADDR)
#define MAP_EDGE_CLI 3
#define MAP_EDGE_SRV (3 + MAP_ADDR)

#define MAP_SCAN_EDGES_MAX (UINT32_MAX / 2)	/* edges before the cut */


#define MAP_MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAP_MAX(a, b) ((a) > (b) ? (a) : (b))

/* An edge's value in the scan's groups. */
struct map_edge_sums {
	struct agg_sums sums;	/* bytes each way, packets, flows */
	uint64_t first_us, last_us;	/* first and last packet */
	int64_t cli_name, srv_name;	/* best name keys of its ends */
	int64_t cli_mac, srv_mac;	/* highest local MAC ids of its ends */
	int64_t app_top;	/* packed bytes and app of the biggest flow
				 * with a named application; -1 none */
	uint64_t turned;	/* flows turned around */
	uint64_t seen;		/* flows whose start was seen */
	int32_t app_rank_lo;	/* lowest application name rank, -1 none */
	int32_t app_rank_hi;	/* highest application name rank, -1 none */
	bool cli_local, srv_local;	/* a record called the end local */
};

/* One part of a map's scan (all of it when the scan is one part). */
struct map_sums {
	struct store *st;
	const struct map_opts *o;
	const struct query_dict *apps;	/* named applications */
	struct agg_merge flows;	/* its records summed into flows */
	struct ft_groups edges;	/* MAP_EDGE_KEY -> struct map_edge_sums */
	struct map_flow *candidates;	/* flows for the rule, n_candidates */
	size_t n_candidates, cap_candidates;
};

/*
 * Where a map reads, in time order (map_conv.c): flow records of
 * [lo, hi) (0: open), or one rolled hour's conversation rows by rowid.
 */
struct map_seg {
	bool conv;
	uint64_t lo, hi;		/* records: since and until, 0 open */
	int64_t edges_lo, edges_hi;	/* conv: conv_edges rowids, inclusive */
	int64_t parts_lo, parts_hi;	/* conv: conv_parts rowids */
};

struct map_plan {
	struct map_seg *seg;		/* n segments, in time order */
	size_t n;
	bool conv;			/* some segment is conversations */
};

/*
 * The segments of o's range: rolled hours wholly inside it from the
 * conversations when o->source and the filter allow, the rest (all of it
 * otherwise) from the records.
 */
int map_plan(struct store *st, const struct map_opts *o, struct map_plan *p,
    struct ft_err *err);
void map_plan_free(struct map_plan *p);

/* *same: planning o again gives p (no hour rolled again or pruned since). */
int map_plan_same(struct store *st, const struct map_opts *o,
    const struct map_plan *p, bool *same, struct ft_err *err);

/*
 * "SELECT cols FROM table f" over segment g's rows of its hour (its edges,
 * or its parts) and o's filter; *s NULL when it has none.
 */
int map_conv_prepare(struct store *st, const struct map_opts *o,
    const char *cols, const char *table, const struct map_seg *g, bool edges,
    struct sqlite3_stmt **s, struct ft_err *err);

/*
 * Pass 1 over a plan with conversations, in parts: each job sums the
 * edges of its hours (segments [from, to)) into its m; job 0 also every
 * segment's flow records and conversation parts, in time order, so its
 * m->flows (one part: first and last) sees each flow's pieces in order.
 */
struct map_conv_job {
	struct map_sums *m;
	const struct map_plan *p;
	size_t from, to;
};

/* jobs[0..n-1]'s shares, about as many rows each. */
void map_conv_cut(const struct map_plan *p, struct map_conv_job *jobs,
    size_t n);

/* One job (query_parts_run()): arg a struct map_conv_job. */
int map_conv_job(struct query_part *part, void *arg, struct ft_err *err);

/* map_scan.c, for map_conv.c: rows of MAP_ROW_COLS. */
#define MAP_ROW_COLS "f.run, f.flow, f.flags, f.proto, f.cli, f.cport, " \
	"f.srv, f.sport, f.app, f.bytes_cs, f.bytes_sc, f.pkts_cs + " \
	"f.pkts_sc, f.first_us, f.last_us, f.start_us, f.cli_name_src, " \
	"f.cli_name, f.name_src, f.name, f.local, f.cli_mac, f.srv_mac"
/* A flow record. */
int map_row(struct map_sums *m, struct sqlite3_stmt *s);

/* The rows of s (NULL: none) through fn, then s finalized; err says why not. */
int map_step(struct map_sums *m, struct sqlite3_stmt *s,
    int (*fn)(struct map_sums *, struct sqlite3_stmt *), struct ft_err *err);

/* err for a negative FT_E* of the map's sums ("too many edges"). */
int map_err(int rc, struct ft_err *err);
/* A conv_parts row. */
int map_part_row(struct map_sums *m, struct sqlite3_stmt *s);
int map_edge_merge(struct map_sums *m, const uint8_t *key,
    const struct map_edge_sums *x);

/* Column col as an id, none when NULL; a name key from two columns. */
int64_t map_col_id(struct sqlite3_stmt *s, int col, int64_t none);
int64_t map_col_name(struct sqlite3_stmt *s, int col_src, int col_id);

/* Whether a name from a flow to server port `port` names the server. */
bool map_names_server(uint16_t port);

/* map_cut.c: m's edges at or above o's minimums, the biggest r->max. */
int map_cut(const struct map_sums *m, struct map_rows *r, struct ft_err *err);

/*
 * map_rule.c: decide m's candidate flows (map_flow.candidate): turn[i] set when
 * the rule turns m->candidates[i] around. Every other flow of the range is in
 * m->edges by then, so no more reading.
 */
int map_rule(const struct map_sums *m, bool *turn, struct ft_err *err);

/* map_group.c: put the nodes into groups as o->group_by says. */
int map_group(struct map *m, const struct map_opts *o, struct ft_err *err);

/* map_csv.c */
int map_write_lucid(const struct map *m, FILE *fp);
int map_write_drawio(const struct map *m, FILE *fp);

#endif
