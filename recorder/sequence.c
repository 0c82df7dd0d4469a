/* sequence.c: partial matches of sequence rules (see sequence.h).
 *
 * A chained hash on (rule, stage, key) and one age list: renewing moves a
 * partial to the back, expiry and eviction take from the front. Each
 * partial is one allocation holding its key and room for the longest
 * summary, so renewing one (the common case: a process connecting again)
 * rewrites it in place.
 */
#include "sequence.h"

#include <stdlib.h>
#include <string.h>

struct node {
	struct rg_partial p; /* first: find returns &node->p */
	struct node *hnext, *prev, *next;
	uint64_t hash;
	size_t keylen;
	char summary[RG_SEQ_SUMMARY_MAX + 1];
	char key[]; /* keylen bytes */
};

struct rg_seqstate {
	struct node **buckets;
	unsigned nbuckets, max, size;
	struct node *head, *tail; /* oldest first */
	uint64_t evictions, expired;
	unsigned *held;  /* partials by rule * RG_SEQ_MAX_STEPS + stage */
	unsigned nheld;
};

static unsigned *held(struct rg_seqstate *s, unsigned rule, unsigned stage)
{
	unsigned i = rule * RG_SEQ_MAX_STEPS + stage % RG_SEQ_MAX_STEPS;
	if (i >= s->nheld) {
		unsigned n = 2 * i + RG_SEQ_MAX_STEPS;
		s->held = realloc(s->held, n * sizeof(*s->held));
		if (!s->held)
			abort();
		memset(s->held + s->nheld, 0, (n - s->nheld) * sizeof(*s->held));
		s->nheld = n;
	}
	return &s->held[i];
}

bool rg_seqstate_any(const struct rg_seqstate *s, unsigned rule, unsigned stage)
{
	unsigned i = rule * RG_SEQ_MAX_STEPS + stage % RG_SEQ_MAX_STEPS;
	return i < s->nheld && s->held[i];
}

/* FNV-1a over the identity: deterministic, so replay hashes alike. */
static uint64_t hash_of(unsigned rule, unsigned stage, const void *key, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint32_t head[2] = {rule, stage};
	const unsigned char *parts[2] = {(const unsigned char *)head, key};
	size_t lens[2] = {sizeof(head), n};
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < lens[k]; i++)
			h = (h ^ parts[k][i]) * 0x100000001b3ull;
	return h;
}

static struct node **slot(struct rg_seqstate *s, uint64_t h, unsigned rule, unsigned stage,
			  const void *key, size_t n)
{
	struct node **pp = &s->buckets[h & (s->nbuckets - 1)];
	for (; *pp; pp = &(*pp)->hnext) {
		const struct node *x = *pp;
		if (x->hash == h && x->p.rule == rule && x->p.stage == stage && x->keylen == n &&
		    !memcmp(x->key, key, n))
			break;
	}
	return pp;
}

static void unlink_age(struct rg_seqstate *s, struct node *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		s->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		s->tail = n->prev;
}

static void push_age(struct rg_seqstate *s, struct node *n)
{
	n->next = NULL;
	n->prev = s->tail;
	if (s->tail)
		s->tail->next = n;
	else
		s->head = n;
	s->tail = n;
}

static void drop(struct rg_seqstate *s, struct node *n)
{
	struct node **pp = slot(s, n->hash, n->p.rule, n->p.stage, n->key, n->keylen);
	*pp = n->hnext;
	unlink_age(s, n);
	s->size--;
	(*held(s, n->p.rule, n->p.stage))--;
	free(n);
}

struct rg_seqstate *rg_seqstate_new(unsigned max)
{
	struct rg_seqstate *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->max = max ? max : 1;
	s->nbuckets = 64;
	while (s->nbuckets < s->max)
		s->nbuckets *= 2;
	s->buckets = calloc(s->nbuckets, sizeof(*s->buckets));
	if (!s->buckets) {
		free(s);
		return NULL;
	}
	return s;
}

void rg_seqstate_clear(struct rg_seqstate *s)
{
	while (s->head)
		drop(s, s->head);
}

void rg_seqstate_free(struct rg_seqstate *s)
{
	if (!s)
		return;
	rg_seqstate_clear(s);
	free(s->buckets);
	free(s->held);
	free(s);
}

void rg_seqstate_expire(struct rg_seqstate *s, int64_t now_ns)
{
	while (s->head && s->head->p.deadline_ns < now_ns) {
		drop(s, s->head);
		s->expired++;
	}
}

const struct rg_partial *rg_seqstate_find(struct rg_seqstate *s, unsigned rule,
					  unsigned stage, const void *key, size_t keylen,
					  int64_t now_ns)
{
	if (keylen > RG_SEQ_KEY_MAX)
		keylen = RG_SEQ_KEY_MAX;
	struct node *n = *slot(s, hash_of(rule, stage, key, keylen), rule, stage, key, keylen);
	if (n && n->p.deadline_ns < now_ns) {
		drop(s, n);
		s->expired++;
		return NULL;
	}
	return n ? &n->p : NULL;
}

/* The content of p into n; p's summary may be another partial's. */
static void fill(struct node *n, const struct rg_partial *p)
{
	const char *sum = p->summary ? p->summary : "";
	size_t len = strnlen(sum, RG_SEQ_SUMMARY_MAX);
	memmove(n->summary, sum, len);
	n->summary[len] = '\0';
	n->p = *p;
	n->p.summary = n->summary;
}

void rg_seqstate_put(struct rg_seqstate *s, const void *key, size_t keylen,
		     const struct rg_partial *p)
{
	if (keylen > RG_SEQ_KEY_MAX)
		keylen = RG_SEQ_KEY_MAX;
	uint64_t h = hash_of(p->rule, p->stage, key, keylen);
	struct node *n = *slot(s, h, p->rule, p->stage, key, keylen);
	if (n) { /* renewed: the new content, at the back */
		fill(n, p);
		unlink_age(s, n);
		push_age(s, n);
		return;
	}
	/* Filled before the bound evicts: p's summary may live in the
	 * partial that goes. */
	n = malloc(sizeof(*n) + keylen);
	if (!n)
		abort();
	fill(n, p);
	n->hash = h;
	n->keylen = keylen;
	memcpy(n->key, key, keylen);
	if (s->size == s->max) {
		drop(s, s->head);
		s->evictions++;
	}
	n->hnext = NULL;
	*slot(s, h, n->p.rule, n->p.stage, n->key, keylen) = n;
	push_age(s, n);
	s->size++;
	(*held(s, n->p.rule, n->p.stage))++;
}

void rg_seqstate_remove(struct rg_seqstate *s, const struct rg_partial *p)
{
	drop(s, (struct node *)((char *)p - offsetof(struct node, p)));
}

void rg_seqstate_stats(const struct rg_seqstate *s, struct rg_seqstate_stats *out)
{
	*out = (struct rg_seqstate_stats){s->size, s->evictions, s->expired};
}
