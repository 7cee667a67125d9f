/* store_async.h: the store's writer thread behind a bounded queue */
/*
 * So SQLite never stalls the packet path.
 */
#ifndef STORE_ASYNC_H
#define STORE_ASYNC_H

#include <stddef.h>

#include "../base/ft_err.h"
#include "../model/ft_flowrec.h"
#include "store.h"

#define STORE_ASYNC_SLOT 512	/* records per queue slot */

struct store_async;

/*
 * Start a writer thread that owns st until store_async_free(): nobody else
 * may use st meanwhile. slots (>= 2) bounds the queue: at most slots *
 * STORE_ASYNC_SLOT records wait; a full queue makes append wait (back
 * pressure) rather than drop.
 */
int store_async_new(struct store *st, size_t slots, struct store_async **out,
    struct ft_err *err);

/*
 * Queue a copy of n records. Returns the writer's first failure (sticky),
 * with its message, once it has happened; records after it are not queued.
 */
int store_async_append(struct store_async *q, const struct ft_flowrec *recs,
    size_t n, struct ft_err *err);

/* Queue a copy of n series points, in order with the records. */
int store_async_series(struct store_async *q, const struct ft_series_pt *pts,
    size_t n, struct ft_err *err);

/* Wait until everything queued is written, then commit. */
int store_async_flush(struct store_async *q, struct ft_err *err);

/*
 * The same when every flow has been written (the flow table flushed):
 * the commit rolls the newest hours' conversations too
 * (store_conv_finish).
 */
int store_async_finish(struct store_async *q, struct ft_err *err);

/* Flush, stop the thread, give st back to the caller. NULL is a no-op. */
void store_async_free(struct store_async *q);

#endif
