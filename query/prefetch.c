/* prefetch.c: events read ahead on a thread (see prefetch.h).
 *
 * A ring of spans (reader.h): the thread fills the empty ones in order,
 * the caller takes the full ones in the same order and walks each one's
 * events. A span comes back to the thread as it was left: the reader
 * clears of a slot only what its last event had set. */
#include "prefetch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "db.h"
#include "reader.h"

#define NBATCH 4

struct batch {
	struct rgq_span s;
	bool end; /* the reader's last: no events */
};

struct rgq_prefetch {
	sqlite3 *db; /* the thread's own connection */
	struct rgq_reader *rd;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t changed;
	struct batch b[NBATCH];
	unsigned full;       /* batches filled and not yet given back */
	unsigned head, tail; /* the caller's next batch; the thread's */
	bool stop;
	unsigned at; /* the caller's next slot in b[head] */
	bool taken;  /* b[head] is the caller's */
	char err[256];
};

static void *run(void *arg)
{
	struct rgq_prefetch *p = arg;
	bool more = true;
	while (more) {
		pthread_mutex_lock(&p->mu);
		while (p->full == NBATCH && !p->stop)
			pthread_cond_wait(&p->changed, &p->mu);
		bool stop = p->stop;
		pthread_mutex_unlock(&p->mu);
		if (stop)
			break;
		struct batch *b = &p->b[p->tail];
		more = rgq_reader_read(p->rd, &b->s);
		b->end = !more;
		if (!more && rgq_reader_error(p->rd))
			snprintf(p->err, sizeof(p->err), "%s", rgq_reader_error(p->rd));
		p->tail = (p->tail + 1) % NBATCH;
		pthread_mutex_lock(&p->mu);
		p->full++;
		pthread_cond_broadcast(&p->changed);
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

struct rgq_prefetch *rgq_prefetch_open(sqlite3 *db, uint64_t first_seq, uint64_t last_seq,
				       uint64_t from_seq, int64_t until_ns,
				       const rg_fmask by_type[RG_ET_COUNT], char *err,
				       size_t errlen)
{
	const char *path = sqlite3_db_filename(db, "main");
	struct rgq_prefetch *p = rg_calloc(1, sizeof(*p));
	p->db = rgq_db_open(path ? path : "", err, errlen);
	if (p->db)
		p->rd = rgq_reader_open(p->db, first_seq, last_seq, from_seq, until_ns, by_type,
					err, errlen);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->changed, NULL);
	if (p->rd && pthread_create(&p->thread, NULL, run, p)) {
		snprintf(err, errlen, "reading events: cannot start a thread");
		rgq_reader_close(p->rd);
		p->rd = NULL;
	}
	if (!p->rd) {
		rgq_prefetch_close(p);
		return NULL;
	}
	return p;
}

/* Gives b[head] back to the thread (when the caller had it) and waits
 * for the next full one. */
static struct batch *next_batch(struct rgq_prefetch *p)
{
	pthread_mutex_lock(&p->mu);
	if (p->taken) {
		p->full--;
		p->head = (p->head + 1) % NBATCH;
		pthread_cond_broadcast(&p->changed);
	}
	while (!p->full)
		pthread_cond_wait(&p->changed, &p->mu);
	pthread_mutex_unlock(&p->mu);
	p->taken = true;
	p->at = 0;
	return &p->b[p->head];
}

const struct rg_event *rgq_prefetch_next(struct rgq_prefetch *p)
{
	struct batch *b = &p->b[p->head];
	for (;;) {
		if (p->taken && b->end)
			return NULL;
		if (p->taken) /* the next slot with an event */
			while (p->at < RGQ_SPAN && !b->s.present[p->at])
				p->at++;
		if (p->taken && p->at < RGQ_SPAN)
			return &b->s.ev[p->at++];
		b = next_batch(p);
	}
}

const char *rgq_prefetch_error(const struct rgq_prefetch *p)
{
	return p->err[0] ? p->err : NULL;
}

void rgq_prefetch_close(struct rgq_prefetch *p)
{
	if (!p)
		return;
	if (p->rd) {
		pthread_mutex_lock(&p->mu);
		p->stop = true;
		pthread_cond_broadcast(&p->changed);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
		rgq_reader_close(p->rd);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->changed);
	for (unsigned i = 0; i < NBATCH; i++)
		free(p->b[i].s.text);
	if (p->db)
		rgq_db_close(p->db);
	free(p);
}
