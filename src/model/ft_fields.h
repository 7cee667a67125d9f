/* ft_fields.h: the flow record's stored fields, one table. */
#ifndef FT_FIELDS_H
#define FT_FIELDS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ft_flowrec.h"

/*
 * One entry per column of the store's `flows` table, in the table's
 * column order (docs/internals/fields.md). The store's writer makes its
 * INSERT and its binds from it; the test tests/unit/test_fields.c writes
 * each field through the store and reads it back through every consumer
 * the entry names (the flows_v view, the flows listing, top --by, the
 * filter), so a name or a bind that drifts fails there.
 */
enum ft_flow_field {
	FT_F_RUN, FT_F_FLOW, FT_F_FIRST, FT_F_LAST, FT_F_START, FT_F_IFACE,
	FT_F_VLAN, FT_F_PROTO, FT_F_TUNNEL, FT_F_CLIENT, FT_F_CPORT,
	FT_F_SERVER, FT_F_SPORT, FT_F_CLIENT_MAC, FT_F_SERVER_MAC, FT_F_APP,
	FT_F_SERVER_NAME, FT_F_BYTES_CS, FT_F_BYTES_SC, FT_F_PKTS_CS,
	FT_F_PKTS_SC, FT_F_TCP_CS, FT_F_TCP_SC, FT_F_END, FT_F_FLAGS,
	FT_F_LOCAL, FT_F_ASN, FT_F_COUNTRY, FT_F_SERVER_NAME_SRC,
	FT_F_CLIENT_NAME, FT_F_CLIENT_NAME_SRC, FT_F_DNS_QUERIES, FT_F_DNS_OK,
	FT_F_DNS_ERR,
	FT_F_N			/* number of fields */
};

/* How the writer takes a field's value. */
enum ft_field_take {
	FT_TAKE_UINT,		/* unsigned integer member at off, size bytes */
	FT_TAKE_ADDR,		/* address member at off: 4 or 16 bytes, as
				   ip_ver says */
	FT_TAKE_COUNTRY,	/* char[3] member at off, ft_country_pack() */
	FT_TAKE_REF,		/* an id the writer resolves (ref) */
	FT_TAKE_RUN,		/* the writer's run id (runs.id) */
};

/*
 * Ids the writer resolves in its dictionary tables before a row is
 * written (the store's struct store_ids); 0 means none.
 */
enum ft_field_ref {
	FT_REF_NONE,
	FT_REF_IFACE,		/* ifaces.id of the capture source's name */
	FT_REF_CLIENT_MAC,	/* macs.id of cli_mac, none when all zero */
	FT_REF_SERVER_MAC,	/* macs.id of srv_mac */
	FT_REF_APP,		/* apps.id of (app, category), none when both
				   are "" */
	FT_REF_SERVER_NAME,	/* names.id of server_name, none when "" */
	FT_REF_CLIENT_NAME,	/* names.id of cli_name */
};

/* When the stored value is NULL instead of a number. */
enum ft_field_null {
	FT_NULL_NEVER,		/* always a value */
	FT_NULL_ZERO,		/* 0 is stored as NULL (ids, asn, country) */
	FT_NULL_NO_DNS,		/* NULL unless the record counted DNS
				   (queries, ok or err not 0) */
};

/*
 * How reports show the stored value; the same list as out/'s enum
 * out_type (out.c checks that they agree), kept here so that model/ does
 * not include out/.
 */
enum ft_field_show {
	FT_SHOW_TEXT,		/* text */
	FT_SHOW_NAME,		/* text naming something, cut in tables */
	FT_SHOW_INT,		/* integer as is */
	FT_SHOW_COUNT,		/* a count */
	FT_SHOW_BYTES,		/* bytes */
	FT_SHOW_TIME,		/* microseconds since the epoch */
	FT_SHOW_DURATION,	/* microseconds */
	FT_SHOW_ADDR,		/* IP address */
	FT_SHOW_PROTO,		/* IP protocol number */
	FT_SHOW_TCP_FLAGS,	/* OR of TCP flags */
};

/* One stored field of a flow record. */
struct ft_field {
	const char *name;	/* whole-word public name: the column of the
				   flows_v view that shows it */
	const char *column;	/* column of the flows table */
	const char *sql_type;	/* its declared type: INTEGER or BLOB */
	enum ft_field_take take; /* where the writer takes the value */
	size_t off;		/* offsetof(struct ft_flowrec, member) */
	size_t size;		/* FT_TAKE_UINT: bytes of the member */
	uint8_t mask;		/* FT_TAKE_UINT: bits kept, 0 all */
	enum ft_field_ref ref;	/* FT_TAKE_REF: which id */
	enum ft_field_ref only_with; /* stored as 0 when this id is none */
	enum ft_field_null null; /* when the stored value is NULL */
	enum ft_field_show show; /* how reports print the stored value */
	const char *listing;	/* column of `flows` (its CSV header and
				   JSON key), NULL when not listed */
	const char *by;		/* `top --by` field that groups on it (its
				   output column too), NULL none */
	const char *filter;	/* filter primitive that tests it, with its
				   src/dst side, NULL none */
};

/* The table, indexed by enum ft_flow_field. */
extern const struct ft_field ft_flow_fields[FT_F_N];

/* The field whose flows column is column, NULL if none. */
const struct ft_field *ft_field_by_column(const char *column);

/* FT_TAKE_UINT: f's member of r, masked (inline: the writer's hot path). */
static inline uint64_t
ft_field_uint(const struct ft_field *f, const struct ft_flowrec *r)
{
	const unsigned char *p = (const unsigned char *)r + f->off;
	uint64_t v = 0;
	uint32_t v32;
	uint16_t v16;

	switch (f->size) {
	case 1:
		v = *p;
		break;
	case 2:
		memcpy(&v16, p, 2);
		v = v16;
		break;
	case 4:
		memcpy(&v32, p, 4);
		v = v32;
		break;
	case 8:
		memcpy(&v, p, 8);
		break;
	}
	return f->mask ? v & f->mask : v;
}

/* Whether r counted DNS (the FT_NULL_NO_DNS fields have values). */
static inline int
ft_flowrec_has_dns(const struct ft_flowrec *r)
{
	return r->dns_queries || r->dns_ok || r->dns_err;
}

#endif
