/* ft_series.h: one point of a per-minute series, from stats to the store */
#ifndef FT_SERIES_H
#define FT_SERIES_H

#include <stdint.h>

#include "ft_flowrec.h"

/*
 * What a series is kept per (the `kind` column of the series tables). The
 * numbers are stored: never renumber. "in" and "out" are seen from the
 * flow's near side (docs/internals/stats.md) for iface, proto, app, asn and
 * country, and from the key itself for hosts and MACs (received and sent).
 */
enum ft_series_kind {
	FT_SK_IFACE = 1,	/* capture interface (ifaces.id in the store) */
	FT_SK_PROTO = 2,	/* IP protocol number */
	FT_SK_APP = 3,		/* application (apps.id) */
	FT_SK_LHOST = 4,	/* local host address */
	FT_SK_RHOST = 5,	/* remote host address */
	FT_SK_MAC = 6,		/* link address, client's and server's */
	FT_SK_ASN = 7,		/* remote side's AS number, 0 none */
	FT_SK_COUNTRY = 8,	/* remote side's country, packed, 0 none */
	FT_SK_MAX = 8,
};

/* Indices of ft_series_pt.v; the series tables have one column each. */
enum ft_series_val {
	FT_SV_BYTES_IN,		/* bytes received */
	FT_SV_BYTES_OUT,	/* bytes sent */
	FT_SV_PKTS_IN,		/* packets received */
	FT_SV_PKTS_OUT,		/* packets sent */
	FT_SV_FLOWS,		/* flows that started */
	FT_SV_ACTIVE,		/* flows with packets (rollups: the peak) */
	FT_SV_DNS_Q,		/* DNS queries sent (the client's host) */
	FT_SV_DNS_OK,		/* DNS replies with RCODE 0 */
	FT_SV_DNS_ERR,		/* DNS replies with an error */
	FT_SV_PEAK_BPS,		/* iface: busiest second, bits (rollups: max) */
	FT_SV_NONIP_BYTES,	/* iface: bytes of frames in no flow */
	FT_SV_NONIP_PKTS,	/* iface: those frames */
	FT_SV_N,
};

/* How two values of one counter combine. */
enum ft_combine {
	FT_COMBINE_SUM,		/* added */
	FT_COMBINE_MAX,		/* the larger kept */
};

/* What a counter counts, for the reports' formatting. */
enum ft_unit {
	FT_UNIT_COUNT,		/* packets, flows, bits per second */
	FT_UNIT_BYTES,		/* bytes */
};

/* A kind as a bit of ft_series_field.shown. */
#define FT_SK_BIT(k) (UINT32_C(1) << (k))
#define FT_SK_ALL 0x1feu	/* kinds 1 to FT_SK_MAX */

/*
 * One counter of a series point, the series point's field table: the
 * store's INSERT, UPSERT and rollup statements and the `series` report's
 * columns are all made from ft_series_fields (docs/internals/fields.md).
 */
struct ft_series_field {
	const char *name;	/* in `series` output: header and JSON key */
	const char *column;	/* of series_1m, _1h, _1d and run_points */
	enum ft_series_val val;	/* index into ft_series_pt.v */
	enum ft_unit unit;	/* formatting */
	enum ft_combine add;	/* points of one key and minute; keys */
	enum ft_combine roll;	/* a key's minutes into an hour or a day */
	uint32_t shown;		/* FT_SK_BIT()s: kinds `series` prints it for */
};

/* Every counter once, in the order `series` prints them. */
extern const struct ft_series_field ft_series_fields[FT_SV_N];

/* The entry of counter v. */
const struct ft_series_field *ft_series_field_of(enum ft_series_val v);

/*
 * One row of a minute: a key of one kind with its counters, or, with other
 * set, everything of that kind outside the minute's top K. Keys: addr for
 * hosts (ip_ver 4: first four bytes) and MACs (six bytes), num for iface
 * (capture index), proto, asn and country (ft_country_pack), app for apps
 * ("" unknown).
 */
struct ft_series_pt {
	uint32_t t;		/* minute start, seconds since the epoch */
	uint8_t kind;		/* enum ft_series_kind */
	uint8_t other;		/* 1: the folded rest of this kind */
	uint8_t ip_ver;		/* hosts: 4 or 6 */
	uint8_t addr[16];	/* hosts and MACs */
	uint32_t num;		/* iface, proto, asn, country */
	char app[FT_APP_MAX];	/* apps */
	uint64_t v[FT_SV_N];	/* counters, enum ft_series_val */
};

/* Two printable ASCII letters as one number, 'D' * 256 + 'E', as stored; else 0. */
static inline uint32_t
ft_country_pack(const char *cc)
{
	uint8_t a = (uint8_t)cc[0], b = a ? (uint8_t)cc[1] : 0;

	if (a < 0x21 || a > 0x7e || b < 0x21 || b > 0x7e)
		return 0;
	return (uint32_t)a << 8 | b;
}

#endif
