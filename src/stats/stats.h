/* stats.h: flow records and frame counters summed into minute points */
#ifndef STATS_H
#define STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/ft_err.h"
#include "../model/ft_flowrec.h"
#include "../model/ft_series.h"

#define STATS_IFACES 256	/* capture indices are 8 bits */

struct stats_opts {
	uint32_t top_k;		/* rows kept per minute of proto, app, remote
				   host, asn and country; the rest is "other" */
	uint32_t top_local;	/* rows kept per minute of local hosts and MACs */
	uint32_t max_keys;	/* distinct keys held per minute in all; past
				   it, new keys go straight to "other" */
};

struct stats_counters {
	uint64_t records;	/* flow records added */
	uint64_t late;		/* records of a minute before the open one:
				   that minute opened again for them */
	uint64_t overflow;	/* keys past max_keys, folded into "other" */
	uint64_t minutes;	/* minutes closed */
	uint64_t lost;		/* minutes whose points memory could not hold */
	uint64_t points;	/* points handed out */
	uint64_t late_points;	/* of which added to a minute already closed
				   (held records' applications): the store
				   adds them to that minute's row of the key */
};

struct stats;

int stats_new(const struct stats_opts *o, struct stats **out,
    struct ft_err *err);
void stats_free(struct stats *s);

/*
 * Count one frame of capture index iface at ts_us: its bits go to the
 * busiest-second figure of the interface, and when it is in no flow
 * (in_flow false: not IP, or not decodable), to the non-IP counters, all
 * in the frame's own minute. O(1) and without allocation when the caller
 * closes each minute first (stats_close at the tick, as the pipeline
 * does); a frame of another minute closes the open one here.
 */
void stats_frame(struct stats *s, uint8_t iface, uint64_t ts_us,
    uint32_t wire_len, bool in_flow);

/*
 * Add n enriched records to the minute of their first packet. The flow table
 * cuts records at every tick, so a record lies within one minute. A record
 * of another minute than the open one closes it and opens its own: a later
 * minute as time goes on, an earlier one again when the record is late
 * (counted; its points go out once more and the store adds them up). May
 * allocate (the key table grows by doubling up to max_keys).
 */
void stats_add(struct stats *s, const struct ft_flowrec *r, size_t n);

/*
 * A record whose application is not final yet (the pipeline holds it until
 * classification ends): stats_add_held() adds it to every kind but the
 * application, stats_add_app() later adds it to its application, in the
 * open minute when that is its minute, else as one more point of its own
 * minute (the store adds points of one key and minute together).
 */
void stats_add_held(struct stats *s, const struct ft_flowrec *r);
void stats_add_app(struct stats *s, const struct ft_flowrec *r);

/*
 * Close every minute that ends at or before now_us (UINT64_MAX: all, at the
 * end of input) and hand out their points: per kind the top K keys by bytes
 * both ways, then one "other" row with the rest, so every kind sums to the
 * interface rows. *pts stays valid until the next call on s. Returns the
 * number of points.
 */
size_t stats_close(struct stats *s, uint64_t now_us,
    const struct ft_series_pt **pts);

void stats_get_counters(const struct stats *s, struct stats_counters *out);

#endif
