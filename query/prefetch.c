/* prefetch.c: events read ahead on a thread (see prefetch.h).
 *
 * A ring of batches: the thread fills the empty ones in order, the
 * caller takes the full ones in the same order. A batch holds up to
 * BATCH events and an arena for their text; an event whose text does not
 * fit waits, unread further, for the next batch (the reader's event stays
 * valid until it is asked for the next one). */
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
	struct rg_event spare; /* read, not yet in a batch (pending) */
	bool pending;
	/* the event's text fields, by offset: struct rg_str, or const char * */
	uint16_t str_off[RG_FIELDS_MAX], cstr_off[RG_FIELDS_MAX];
	unsigned nstr, ncstr;
};

static bool has_off(const uint16_t *offs, unsigned n, uint16_t off)
{
	for (unsigned i = 0; i < n; i++)
		if (offs[i] == off)
			return true;
	return false;
}

/* The offsets of the text fields the reader fills (mask: of any type),
 * each once (cmdline and argv share one). */
static void find_texts(struct rgq_prefetch *p, rg_fmask mask)
{
	for (unsigned i = 0; i < rg_nfields; i++) {
		const struct rg_field *f = &rg_fields[i];
		bool str = f->type == RG_FT_STR || f->type == RG_FT_ARGV || f->type == RG_FT_CMDLINE;
		if (!(mask & RG_FBIT(i)))
			continue;
		if (str && !has_off(p->str_off, p->nstr, f->off))
			p->str_off[p->nstr++] = f->off;
		else if (f->type == RG_FT_CSTR && !has_off(p->cstr_off, p->ncstr, f->off))
			p->cstr_off[p->ncstr++] = f->off;
	}
}

static struct rg_str *str_at(struct rg_event *ev, uint16_t off)
{
	return (struct rg_str *)((char *)ev + off);
}

static const char **cstr_at(struct rg_event *ev, uint16_t off)
{
	return (const char **)((char *)ev + off);
}

/* The arena bytes ev's text takes (each string NUL-terminated, as
 * SQLite's are). */
static size_t text_size(const struct rgq_prefetch *p, struct rg_event *ev)
{
	size_t n = 0;
	for (unsigned i = 0; i < p->nstr; i++)
		if (str_at(ev, p->str_off[i])->p)
			n += str_at(ev, p->str_off[i])->len + 1;
	for (unsigned i = 0; i < p->ncstr; i++)
		if (*cstr_at(ev, p->cstr_off[i]))
			n += strlen(*cstr_at(ev, p->cstr_off[i])) + 1;
	return n;
}

static const char *copy_text(struct batch *b, const char *s, size_t n)
{
	char *d = b->arena + b->used;
	memcpy(d, s, n);
	d[n] = '\0';
	b->used += n + 1;
	return d;
}

/* Moves the text of ev, b's next event, into b's arena and counts ev in;
 * false when it does not fit (b then has events: ev waits for the next
 * batch). */
static bool take(const struct rgq_prefetch *p, struct batch *b, struct rg_event *ev)
{
	size_t need = text_size(p, ev);
	if (b->used + need > b->cap) {
		if (b->n)
			return false;
		b->arena = rg_realloc(b->arena, need); /* nothing points into it yet */
		b->cap = need;
	}
	for (unsigned i = 0; i < p->nstr; i++) {
		struct rg_str *s = str_at(ev, p->str_off[i]);
		if (s->p)
			s->p = copy_text(b, s->p, s->len);
	}
	for (unsigned i = 0; i < p->ncstr; i++) {
		const char **s = cstr_at(ev, p->cstr_off[i]);
		if (*s)
			*s = copy_text(b, *s, strlen(*s));
	}
	b->n++;
	return true;
}

/* Fills b from the reader, which decodes into b's slots. False when the
 * reader has ended (b then holds the last events). */
static bool fill(struct rgq_prefetch *p, struct batch *b)
{
	b->n = 0;
	b->used = 0;
	if (p->pending) {
		b->ev[0] = p->spare;
		p->pending = false;
		take(p, b, &b->ev[0]);
	}
	while (b->n < BATCH) {
		struct rg_event *ev = &b->ev[b->n];
		if (!rgq_reader_next(p->rd, ev))
			return false;
		if (!take(p, b, ev)) {
			p->spare = *ev; /* its text is still the reader's */
			p->pending = true;
			return true;
		}
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
	rg_fmask any = 0;
	for (unsigned t = 0; t < RG_ET_COUNT; t++)
		any |= by_type[t];
	find_texts(p, any);
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
