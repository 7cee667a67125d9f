/* ft_series.c: the series point's field table. */
#include <stddef.h>

#include "ft_series.h"

/* Interfaces and hosts count DNS; only interfaces see the wire itself. */
#define SHOWN_DNS (FT_SK_BIT(FT_SK_IFACE) | FT_SK_BIT(FT_SK_LHOST) | \
	FT_SK_BIT(FT_SK_RHOST))
#define SHOWN_IFACE FT_SK_BIT(FT_SK_IFACE)

const struct ft_series_field ft_series_fields[FT_SV_N] = {
	{ .name = "bytes_in", .column = "bytes_in", .val = FT_SV_BYTES_IN,
	    .unit = FT_UNIT_BYTES, .shown = FT_SK_ALL },
	{ .name = "bytes_out", .column = "bytes_out", .val = FT_SV_BYTES_OUT,
	    .unit = FT_UNIT_BYTES, .shown = FT_SK_ALL },
	{ .name = "packets_in", .column = "pkts_in", .val = FT_SV_PKTS_IN,
	    .shown = FT_SK_ALL },
	{ .name = "packets_out", .column = "pkts_out", .val = FT_SV_PKTS_OUT,
	    .shown = FT_SK_ALL },
	{ .name = "flows", .column = "flows", .val = FT_SV_FLOWS,
	    .shown = FT_SK_ALL },
	/* flows with packets: two writers' add up, a key's minutes peak */
	{ .name = "active", .column = "active", .val = FT_SV_ACTIVE,
	    .roll = FT_COMBINE_MAX, .shown = FT_SK_ALL },
	{ .name = "peak_bps", .column = "peak_bps", .val = FT_SV_PEAK_BPS,
	    .add = FT_COMBINE_MAX, .roll = FT_COMBINE_MAX,
	    .shown = SHOWN_IFACE },
	{ .name = "nonip_bytes", .column = "nonip_bytes",
	    .val = FT_SV_NONIP_BYTES, .unit = FT_UNIT_BYTES,
	    .shown = SHOWN_IFACE },
	{ .name = "dns_queries", .column = "dns_q", .val = FT_SV_DNS_Q,
	    .shown = SHOWN_DNS },
	{ .name = "dns_ok", .column = "dns_ok", .val = FT_SV_DNS_OK,
	    .shown = SHOWN_DNS },
	{ .name = "dns_errors", .column = "dns_err", .val = FT_SV_DNS_ERR,
	    .shown = SHOWN_DNS },
	/* kept for the interfaces, not printed */
	{ .name = "nonip_packets", .column = "nonip_pkts",
	    .val = FT_SV_NONIP_PKTS, .shown = 0 },
};

const struct ft_series_field *
ft_series_field_of(enum ft_series_val v)
{
	size_t i;

	for (i = 0; i < FT_SV_N; i++)
		if (ft_series_fields[i].val == v)
			return &ft_series_fields[i];
	return NULL;
}
