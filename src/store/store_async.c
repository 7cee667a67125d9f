/* store_async.c: a writer thread drains a ring of batches into the store */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_async.h"

#define PTS_PER_SLOT (STORE_ASYNC_SLOT * sizeof(struct ft_flowrec) / \
	sizeof(struct ft_series_pt))	/* series points that fit a slot */

enum slot_type { SLOT_RECORDS, SLOT_POINTS };

/* A batch of copies: flow records or series points, never both. */
struct slot {
	size_t n;				/* items */
	enum slot_type type;			/* which of the union */
	union {
		struct ft_flowrec recs[STORE_ASYNC_SLOT];
		struct ft_series_pt pts[PTS_PER_SLOT];
	} u;
};

/*
 * Ring of cap slots; head is the next slot the writer takes, count how many
 * are filled. Invariant: the producer only writes slot (head + count) %
 * cap, the writer only reads slot head, both under mu. The writer keeps
 * busy set while it writes a slot it has taken, so flush waits for it too.
 */
struct store_async {
	struct store *st;	/* owned by the writer while running */
	struct slot *slots;	/* cap slots */
	size_t cap;		/* slots */
	size_t head;		/* next slot to write */
	size_t count;		/* filled slots */
	size_t fill;		/* producer's partly filled slot has this many */
	bool busy;		/* writer is writing a slot outside mu */
	bool stop;		/* writer should exit when the ring is empty */
	uint64_t commit_seq;	/* commits the producer asked for */
	uint64_t commit_done;	/* of them, done (a waiter's own target) */
	bool finish_req;	/* and that the next be store_conv_finish() */
	int rc;			/* first failure, sticky */
	struct ft_err err;	/* its message */
	pthread_mutex_t mu;	/* guards everything above */
	pthread_cond_t wake;	/* writer: work or stop */
	pthread_cond_t done;	/* producer: space or idle */
	pthread_t thread;	/* the writer */
};

/* Write one slot (outside the lock). */
static int
write_slot(struct store_async *q, struct slot *s, struct ft_err *err)
{
	if (s->type == SLOT_POINTS)
		return store_append_series(q->st, s->u.pts, s->n, err);
	return store_append(q->st, s->u.recs, s->n, err);
}

static void
wait_tick(struct store_async *q)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 1;
	pthread_cond_timedwait(&q->wake, &q->mu, &ts);
}

static void *
writer_main(void *arg)
{
	struct store_async *q = arg;
	struct ft_err err = { 0 };
	struct slot *s;
	int rc;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		if (!q->count && q->commit_done == q->commit_seq) {
			if (q->stop)
				break;
			wait_tick(q);
			if (!q->count && q->commit_done == q->commit_seq &&
			    !q->rc) {
				/* Idle second: commits a batch that is due. */
				pthread_mutex_unlock(&q->mu);
				rc = store_append(q->st, NULL, 0, &err);
				pthread_mutex_lock(&q->mu);
				goto check;
			}
			continue;
		}
		if (q->count) {
			s = &q->slots[q->head];
			q->busy = true;
			pthread_mutex_unlock(&q->mu);
			rc = q->rc ? 0 : write_slot(q, s, &err);
			pthread_mutex_lock(&q->mu);
			q->head = (q->head + 1) % q->cap;
			q->count--;
			q->busy = false;
		} else {
			uint64_t target = q->commit_seq;
			bool fin = q->finish_req;

			q->finish_req = false;
			pthread_mutex_unlock(&q->mu);
			rc = q->rc ? 0 : fin ? store_conv_finish(q->st, &err) :
			    store_commit(q->st, &err);
			pthread_mutex_lock(&q->mu);
			/* only now: a waiter woken early must not see it done */
			q->commit_done = target;
		}
check:
		if (rc && !q->rc) {
			q->rc = rc;
			q->err = err;
		}
		pthread_cond_broadcast(&q->done);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

int
store_async_new(struct store *st, size_t slots, struct store_async **out,
    struct ft_err *err)
{
	struct store_async *q = calloc(1, sizeof(*q));

	if (!q)
		return ft_err_set(err, FT_ENOMEM, "out of memory");
	q->st = st;
	q->cap = slots < 2 ? 2 : slots;
	q->slots = calloc(q->cap, sizeof(*q->slots));
	if (!q->slots)
		goto out_free;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->wake, NULL);
	pthread_cond_init(&q->done, NULL);
	if (pthread_create(&q->thread, NULL, writer_main, q)) {
		pthread_cond_destroy(&q->done);
		pthread_cond_destroy(&q->wake);
		pthread_mutex_destroy(&q->mu);
		goto out_free;
	}
	*out = q;
	return 0;
out_free:
	free(q->slots);
	free(q);
	return ft_err_set(err, FT_ENOMEM, "cannot start the store writer");
}

/* Hand the producer's partly filled slot to the writer. Under mu. */
static void
publish(struct store_async *q)
{
	if (!q->fill)
		return;
	q->slots[(q->head + q->count) % q->cap].n = q->fill;
	q->count++;
	q->fill = 0;
	pthread_cond_signal(&q->wake);
}

static int
sticky(struct store_async *q, struct ft_err *err)
{
	if (err)
		*err = q->err;
	return q->rc;
}

/* Queue copies of n items of one type, size bytes each, per to a slot. */
static int
queue_items(struct store_async *q, enum slot_type type, const void *items,
    size_t size, size_t per, size_t n, struct ft_err *err)
{
	const char *p = items;
	struct slot *s;
	size_t k;

	pthread_mutex_lock(&q->mu);
	while (n && !q->rc) {
		while (q->count == q->cap && !q->rc)
			pthread_cond_wait(&q->done, &q->mu);
		if (q->rc)
			break;
		s = &q->slots[(q->head + q->count) % q->cap];
		if (q->fill && s->type != type) {
			publish(q);
			continue;
		}
		s->type = type;
		k = per - q->fill;
		if (k > n)
			k = n;
		/* The slot is the producer's alone until published. */
		memcpy((char *)&s->u + q->fill * size, p, k * size);
		q->fill += k;
		p += k * size;
		n -= k;
		if (q->fill == per)
			publish(q);
	}
	/* A partial slot goes out now: items should not wait for more traffic. */
	if (!q->rc && q->count < q->cap)
		publish(q);
	n = (size_t)sticky(q, err);
	pthread_mutex_unlock(&q->mu);
	return (int)n;
}

int
store_async_append(struct store_async *q, const struct ft_flowrec *recs,
    size_t n, struct ft_err *err)
{
	return queue_items(q, SLOT_RECORDS, recs, sizeof(*recs), STORE_ASYNC_SLOT,
	    n, err);
}

int
store_async_series(struct store_async *q, const struct ft_series_pt *pts,
    size_t n, struct ft_err *err)
{
	return queue_items(q, SLOT_POINTS, pts, sizeof(*pts), PTS_PER_SLOT, n, err);
}

static int
async_commit(struct store_async *q, bool finish, struct ft_err *err)
{
	uint64_t want;
	int rc;

	pthread_mutex_lock(&q->mu);
	while (q->fill && q->count == q->cap && !q->rc)
		pthread_cond_wait(&q->done, &q->mu);
	publish(q);
	want = ++q->commit_seq;
	q->finish_req |= finish;
	pthread_cond_signal(&q->wake);
	while ((q->count || q->busy || q->commit_done < want) && !q->rc)
		pthread_cond_wait(&q->done, &q->mu);
	rc = sticky(q, err);
	pthread_mutex_unlock(&q->mu);
	return rc;
}

int
store_async_flush(struct store_async *q, struct ft_err *err)
{
	return async_commit(q, false, err);
}

int
store_async_finish(struct store_async *q, struct ft_err *err)
{
	return async_commit(q, true, err);
}

void
store_async_free(struct store_async *q)
{
	if (!q)
		return;
	store_async_flush(q, NULL);
	pthread_mutex_lock(&q->mu);
	q->stop = true;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL);
	pthread_cond_destroy(&q->done);
	pthread_cond_destroy(&q->wake);
	pthread_mutex_destroy(&q->mu);
	free(q->slots);
	free(q);
}
