/* flows_int.h: what query_flows.c shares with query_flows_scan.c */
#ifndef FLOWS_INT_H
#define FLOWS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "scan.h"

/* A merged flow's own values that a listing can be sorted by first. */
enum flows_key {
	KEY_NONE,		/* sorted by something else */
	KEY_FIRST,		/* m.first_us */
	KEY_LAST,		/* m.last_us */
	KEY_DURATION,		/* m.last_us - m.first_us */
	KEY_BYTES_CS,
	KEY_BYTES_SC,
	KEY_PACKETS_CS,
	KEY_PACKETS_SC,
	KEY_RECORDS,
	KEY_BYTES,		/* both ways */
	KEY_PACKETS,		/* both ways */
	/* From here, values of the flow's latest record (f). */
	KEY_PROTO,
	KEY_CLIENT,		/* address: length, then bytes */
	KEY_CLIENT_PORT,
	KEY_SERVER,
	KEY_SERVER_PORT,
	KEY_APP,		/* its name, NULL last */
	KEY_ASN,		/* NULL last */
	KEY_END_REASON,		/* f.end_reason */
	KEY_TCP_FLAGS_CS,	/* m.tcp_cs of a TCP flow, else NULL */
	KEY_TCP_FLAGS_SC,
};

/*
 * The keys of a listing that the scan orders by: the leading sort keys
 * that are merged flows' values, each descending or not. total: they are
 * all the keys, and the listing's own last ones (newest first, then the
 * latest record) follow, so no two flows tie.
 */
struct flows_sort {
	enum flows_key key[QUERY_SORT_MAX];
	bool desc[QUERY_SORT_MAX];
	size_t n;			/* 1 or more */
	bool total;
	bool reads_record;	/* a key reads the latest record */
	bool reads_app;		/* a key is KEY_APP */
};

/*
 * The merged listing of o from one plain scan: records summed per (run,
 * flow) in C, in the scan's order (rowid, or the time index for a
 * bounded range: a flow's records in the order they were written, while
 * its packets' times do not go back), a flow done at its final record;
 * only the flows that can place among o's limit by keys, ties at
 * the cut included, go to a temporary table ft_flows with the columns of
 * `m` (id, records, first_us, last_us, bytes_cs, bytes_sc, pkts_cs,
 * pkts_sc, tcp_cs, tcp_sc). Then final_sql, which reads `m` from that
 * table and has one `?`, the limit, renders, orders and streams them into
 * w.
 */
/*
 * One merged flow: the columns of `m`, and the values of its latest
 * record that keys sort by (struct flows_sort.reads_record).
 */
struct flows_flow {
	int64_t id;		/* rowid of its latest record */
	int64_t records;
	int64_t first_us, last_us;
	int64_t bytes_cs, bytes_sc, packets_cs, packets_sc;
	int64_t tcp_flags_cs, tcp_flags_sc;	/* ORed */
	int64_t asn;		/* -1 NULL */
	int32_t app_rank;	/* rank of its application's name, -1 NULL */
	uint16_t client_port, server_port;
	uint8_t proto, end_reason;
	uint8_t client[QUERY_ADDR], server[QUERY_ADDR];
};

/*
 * The flows that can place. Invariant: heap is a heap of at most limit
 * flows, the one that lists last on top; ties holds flows outside it that
 * the keys cannot tell from the top one (SQLite's later keys decide).
 */
struct flows_set {
	struct flows_flow *heap;
	size_t n_heap, cap_heap;
	struct flows_flow *ties;
	size_t n_ties, cap_ties;
	uint64_t limit;
};

/*
 * Offer a merged flow to s, ordered by k: kept in the heap or among the
 * ties, or dropped. 0, or -FT_ENOMEM, or -FT_EFULL past FLOWS_TIES_MAX ties.
 */
int flows_offer(struct flows_set *s, const struct flows_sort *k,
    const struct flows_flow *f);
void flows_set_fini(struct flows_set *s);

/* -FT_EFULL: too many flows tie at the cut, and nothing was written. */
int query_flows_scan(struct store *st, const struct query_flows_opts *o,
    const struct flows_sort *keys, const char *final_sql,
    const struct out_col *cols, size_t n_cols, struct out *w,
    struct ft_err *err);

#endif
