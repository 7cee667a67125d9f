/* ft_conv.h: the hourly conversations: rows, field tables, name keys */
#ifndef FT_CONV_H
#define FT_CONV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/ft_port.h"

/*
 * A name travels as source * 2^40 + names.id, so the smaller key is the
 * better name (label before dhcp before ... dns), then the lower id; 0 is
 * none.
 */
#define FT_NAME_SHIFT 40
#define FT_NAME_KEY(src, id) ((int64_t)(src) << FT_NAME_SHIFT | (id))
#define FT_NAME_ID(k) ((k) & ((INT64_C(1) << FT_NAME_SHIFT) - 1))
#define FT_NAME_SRC(k) ((int)((k) >> FT_NAME_SHIFT))

static inline int64_t
ft_better_name(int64_t a, int64_t b)
{
	if (!a)
		return b;
	return b && b < a ? b : a;
}

/*
 * An application id packed under a flow's bytes, so the maximum over an
 * edge's flows is its biggest flow's (conv_edges.app_top); ids from
 * 2^FT_APP_SHIFT on are not packed.
 */
#define FT_APP_SHIFT 20
#define FT_APP_BYTES_MAX ((UINT64_C(1) << 42) - 1)

static inline uint64_t
ft_app_top(uint64_t bytes, int64_t app)
{
	return (bytes < FT_APP_BYTES_MAX ? bytes : FT_APP_BYTES_MAX) <<
	    FT_APP_SHIFT | (uint64_t)app;
}

/*
 * A flow whose start was not seen, to a server port that looks
 * ephemeral: the map's rule decides its sides, so the conversations keep
 * it per flow, with its client port.
 */
static inline bool
ft_conv_candidate(bool guessed, uint16_t server_port)
{
	return guessed && server_port >= 1024 &&
	    !ft_port_is_service(server_port);
}

/* An address as the conversations hold it: a length byte, then 16. */
#define FT_CONV_ADDR 17

/*
 * A flow's records of one hour, summed (docs/internals/conv.md): what the
 * store sums per flow, and what a conv_parts row holds.
 */
struct ft_conv_flow {
	uint8_t client[FT_CONV_ADDR];	/* FT_CONV_ADDR form */
	uint8_t server[FT_CONV_ADDR];	/* FT_CONV_ADDR form */
	uint8_t proto;			/* IP protocol */
	uint8_t local;			/* FT_LOCAL_CLI | FT_LOCAL_SRV */
	uint8_t flags;			/* FT_REC_*, STORE_CONV_FIRST */
	uint16_t client_port, server_port;
	int64_t app;			/* highest apps.id, -1 none */
	uint64_t bytes_cs, bytes_sc;	/* client to server, back */
	uint64_t packets_cs, packets_sc;	/* the same in packets */
	int64_t first_us, last_us;	/* first, last packet of the hour */
	int64_t start_us;		/* the flow's first packet */
	int64_t client_name, server_name;	/* best name keys, 0 none */
	int64_t client_mac, server_mac;	/* macs.id of a local end */
};

/* A conv_parts row: a flow done with in the hour but not whole in it. */
struct ft_conv_part {
	int64_t run, flow;		/* the flow's ids (flows.run, .flow) */
	struct ft_conv_flow sums;	/* its records of the hour */
};

/* An edge's sums over its flows whole in the hour. */
struct ft_conv_edge_sums {
	uint64_t flows;			/* flows */
	uint64_t seen;			/* of them, start seen */
	uint64_t bytes_cs, bytes_sc;	/* client to server, back */
	uint64_t packets;		/* both ways */
	int64_t first_us, last_us;	/* first and last packet */
	int64_t client_name, server_name;	/* best name keys, 0 none */
	int64_t client_mac, server_mac;	/* highest macs.id, 0 none */
	int64_t app_top;		/* max ft_app_top(), -1 none */
	int64_t app_low, app_high;	/* apps.id of the lowest and highest
					 * application name, -1 none */
};

/* A conv_edges row: protocol, server port, local, client, server, sums. */
struct ft_conv_edge {
	uint8_t proto;			/* IP protocol */
	uint8_t local;			/* FT_LOCAL_CLI | FT_LOCAL_SRV */
	uint16_t server_port;
	uint8_t client[FT_CONV_ADDR];	/* FT_CONV_ADDR form */
	uint8_t server[FT_CONV_ADDR];	/* FT_CONV_ADDR form */
	struct ft_conv_edge_sums sums;
};

/* How a conversation column is held in C and in SQL. */
enum ft_conv_type {
	FT_CONV_INT,	/* an unsigned integer of .size bytes, or int64_t */
	FT_CONV_BLOB,	/* an FT_CONV_ADDR address: a BLOB of its length */
	FT_CONV_ID,	/* int64_t id: NULL when <= 0, read back as .none */
	FT_CONV_NAME,	/* int64_t name key: .src_column, then .column */
};

/*
 * One column of conv_edges or conv_parts, the conversations' field
 * tables: the store's INSERTs and binds and the map's reading are made
 * from them (docs/internals/fields.md). Offsets are into struct
 * ft_conv_edge or struct ft_conv_part.
 */
struct ft_conv_field {
	const char *name;	/* the member, in whole words */
	const char *column;	/* SQL column (a name's id) */
	const char *src_column;	/* a name's source column, else NULL */
	enum ft_conv_type type;	/* how it is bound and read */
	size_t offset, size;	/* of the member in its row struct */
	int64_t none;		/* FT_CONV_ID: what NULL reads as */
};

/* conv_edges' columns after hour, in table order. */
extern const struct ft_conv_field ft_conv_edge_fields[];
extern const size_t ft_conv_edge_n_fields;

/* conv_parts' columns after hour, in table order. */
extern const struct ft_conv_field ft_conv_part_fields[];
extern const size_t ft_conv_part_n_fields;

#endif
