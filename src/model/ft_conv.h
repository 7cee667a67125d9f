/* ft_conv.h: what the hourly conversations and the map agree on */
/*
 * Name keys, the biggest flow's application packed, and which flows the map's
 * server-side rule may turn around (docs/internals/conv.md, map.md).
 */
#ifndef FT_CONV_H
#define FT_CONV_H

#include <stdbool.h>
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
ft_conv_candidate(bool guessed, uint16_t sport)
{
	return guessed && sport >= 1024 && !ft_port_is_service(sport);
}

#endif
