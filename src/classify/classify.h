/* classify.h: application classification (nDPI, else ports), server names */
#ifndef CLASSIFY_H
#define CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/ft_err.h"
#include "../model/ft_flowrec.h"
#include "../model/ft_pkt.h"

struct classify_opts {
	bool enabled;		/* false: port guesses only, even with nDPI built in */
	uint32_t max_active;	/* flows classified at once (nDPI states, allocated once) */
	uint32_t max_packets;	/* give up after this many packets of a flow */
	uint32_t max_names;	/* distinct server names held for open flows */
};

struct classify_stats {
	uint64_t detected;	/* flows with an application found by inspection */
	uint64_t gave_up;	/* flows that reached max_packets undetected */
	uint64_t no_slot;	/* flows not inspected: all states busy */
	uint64_t names_dropped;	/* names not kept: name table full */
	uint32_t busy;		/* states in use now */
	uint32_t names;		/* names held now */
};

struct classifier;

int classify_new(const struct classify_opts *o, struct classifier **out,
    struct ft_err *err);
void classify_free(struct classifier *c);

/*
 * Give one packet of a flow to the classifier. l7 is the flow's state (see
 * struct ft_l7); dir is 0 client->server. Cheap when l7->state is DONE.
 */
void classify_packet(struct classifier *c, struct ft_l7 *l7,
    const struct ft_pkt *pkt, unsigned dir);

/*
 * Fill app, category and server_name of n records from their l7 state. For
 * final records, finish classification (a last guess) and release the
 * flow's state and name: the records own them until this call.
 */
void classify_describe(struct classifier *c, struct ft_flowrec *recs,
    size_t n);

/*
 * Finish the classification of the live flow that holds state slot now
 * (nDPI's last guess) and return its l7, or NULL when no live flow holds
 * it. Call it only when every final record harvested so far has been
 * described: the slot of an ended flow belongs to its final record.
 */
const struct ft_l7 *classify_settle(struct classifier *c, uint32_t slot);

void classify_get_stats(const struct classifier *c, struct classify_stats *st);

/* "nDPI 4.2.0" or "ports" (no nDPI built in, or disabled). */
const char *classify_engine(const struct classifier *c);

/* Port-based guess: application name for a protocol and server port, or NULL. */
const char *classify_port_guess(uint8_t proto, uint16_t sport, uint16_t cport);

#endif
