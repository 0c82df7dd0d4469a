/* prefetch.c: events read ahead on a thread (see prefetch.h).
 *
 * A ring of batches: the thread fills the empty ones in order, the
 * caller takes the full ones in the same order. A batch holds up to
 * BATCH events and an arena for their text; an event whose text does not
 * fit waits, the reader not asked further, for the next batch (the
 * reader's event stays valid until it is asked for the next one). */
#include "prefetch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "db.h"
#include "reader.h"

#define NBATCH 4
#define BATCH 512
#define ARENA (256 * 1024) /* grown for one event that needs more */

struct batch {
	struct rg_event ev[BATCH];
	unsigned n;
	bool end; /* the reader's last batch */
	char *arena;
	size_t used, cap;
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
	unsigned at; /* the caller's next event in b[head] */
	bool taken;  /* b[head] is the caller's */
	char err[256];
	bool pending; /* the reader's event is read, not yet in a batch */
};

/* Copies the reader's event and its text into b; false when the text
 * does not fit (b then has events: the event waits for the next batch). */
static bool take(struct rgq_prefetch *p, struct batch *b)
{
	size_t need = rgq_reader_text_size(p->rd);
	if (b->used + need > b->cap) {
		if (b->n)
			return false;
		b->arena = rg_realloc(b->arena, need); /* nothing points into it yet */
		b->cap = need;
	}
	rgq_reader_copy(p->rd, &b->ev[b->n++], b->arena + b->used);
	b->used += need;
	return true;
}

/* Fills b from the reader. False when the reader has ended (b then holds
 * the last events). */
static bool fill(struct rgq_prefetch *p, struct batch *b)
{
	b->n = 0;
	b->used = 0;
	while (b->n < BATCH) {
		if (!p->pending && !rgq_reader_next(p->rd))
			return false;
		p->pending = !take(p, b);
		if (p->pending)
			return true;
	}
	return true;
}

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
		more = fill(p, b);
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
	for (unsigned i = 0; p->rd && i < NBATCH; i++) {
		p->b[i].arena = rg_malloc(ARENA);
		p->b[i].cap = ARENA;
	}
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

const struct rg_event *rgq_prefetch_next(struct rgq_prefetch *p)
{
	struct batch *b = &p->b[p->head];
	while (!p->taken || p->at == b->n) {
		if (p->taken && b->end)
			return NULL;
		pthread_mutex_lock(&p->mu);
		if (p->taken) { /* done with it: the thread's to fill again */
			p->full--;
			p->head = (p->head + 1) % NBATCH;
			b = &p->b[p->head];
			pthread_cond_broadcast(&p->changed);
		}
		while (!p->full)
			pthread_cond_wait(&p->changed, &p->mu);
		pthread_mutex_unlock(&p->mu);
		p->taken = true;
		p->at = 0;
	}
	return &b->ev[p->at++];
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
		free(p->b[i].arena);
	if (p->db)
		rgq_db_close(p->db);
	free(p);
}
