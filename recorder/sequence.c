/* sequence.c: partial matches of sequence rules (see sequence.h).
 *
 * A chained hash on (rule, stage, key), and a binary min-heap on the
 * deadline (ties: the older put first). Deadlines are not in the order the
 * partials were put (a later step inherits its first step's time, and
 * windows differ between rules), so a heap is what lets expiry free every
 * expired partial, and lets the bound evict the partial nearest its end
 * rather than a live one queued behind an expired one. Each partial is one
 * allocation holding its key and room for the longest summary, so renewing
 * one (the common case: a process connecting again) rewrites it in place.
 */
#include "sequence.h"

#include <stdlib.h>
#include <string.h>

struct node {
	struct rg_partial p; /* first: find returns &node->p */
	struct node *hnext;
	uint64_t hash, order; /* order: when it was put, for ties */
	unsigned at;          /* its index in the heap */
	size_t keylen, room;  /* room: key bytes allocated */
	char summary[RG_SEQ_SUMMARY_MAX + 1];
	char key[]; /* keylen bytes */
};

/* A heap entry carries its ordering key, so sifting compares without
 * touching the partials (each a likely cache miss). */
struct slotref {
	int64_t deadline_ns;
	uint64_t order;
	struct node *n;
};

struct rg_seqstate {
	struct node **buckets;
	unsigned nbuckets, max, size;
	struct slotref *heap; /* size entries; heap[0] ends first */
	uint64_t puts, evictions, expired;
	unsigned *held;     /* partials by rule * RG_SEQ_MAX_STEPS + stage */
	unsigned nheld;
	uint64_t *evicted;  /* by rule: evictions not yet taken */
	unsigned nevicted;
};

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

/* Where held[] counts (rule, stage): stage is below RG_SEQ_MAX_STEPS. */
static unsigned held_at(unsigned rule, unsigned stage)
{
	return rule * RG_SEQ_MAX_STEPS + stage % RG_SEQ_MAX_STEPS;
}

static unsigned *held(struct rg_seqstate *s, unsigned rule, unsigned stage)
{
	unsigned i = held_at(rule, stage);
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

/* Counts an eviction of rule's partial; grown like held. */
static void count_eviction(struct rg_seqstate *s, unsigned rule)
{
	if (rule >= s->nevicted) {
		unsigned n = 2 * rule + 8;
		s->evicted = realloc(s->evicted, n * sizeof(*s->evicted));
		if (!s->evicted)
			abort();
		memset(s->evicted + s->nevicted, 0, (n - s->nevicted) * sizeof(*s->evicted));
		s->nevicted = n;
	}
	s->evicted[rule]++;
	s->evictions++;
}

bool rg_seqstate_any(const struct rg_seqstate *s, unsigned rule, unsigned stage)
{
	unsigned i = held_at(rule, stage);
	return i < s->nheld && s->held[i];
}

/* ---- the deadline heap ------------------------------------------------------- */

static bool before(const struct slotref *a, const struct slotref *b)
{
	return a->deadline_ns < b->deadline_ns ||
	       (a->deadline_ns == b->deadline_ns && a->order < b->order);
}

static void heap_set(struct rg_seqstate *s, unsigned i, struct slotref r)
{
	s->heap[i] = r;
	r.n->at = i;
}

static void sift_up(struct rg_seqstate *s, unsigned i)
{
	struct slotref r = s->heap[i];
	while (i && before(&r, &s->heap[(i - 1) / 2])) {
		heap_set(s, i, s->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(s, i, r);
}

static void sift_down(struct rg_seqstate *s, unsigned i)
{
	struct slotref r = s->heap[i];
	for (;;) {
		unsigned c = 2 * i + 1;
		if (c >= s->size)
			break;
		if (c + 1 < s->size && before(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!before(&s->heap[c], &r))
			break;
		heap_set(s, i, s->heap[c]);
		i = c;
	}
	heap_set(s, i, r);
}

/* Writes n's entry at n->at and restores the order around it: after its
 * deadline or order changed, or after it was moved there. */
static void heap_fix(struct rg_seqstate *s, struct node *n)
{
	s->heap[n->at] = (struct slotref){n->p.deadline_ns, n->order, n};
	sift_up(s, n->at);
	sift_down(s, n->at);
}

/* Takes n out of the hash and the heap; the caller frees or reuses it. */
static void unlink_node(struct rg_seqstate *s, struct node *n)
{
	struct node **pp = slot(s, n->hash, n->p.rule, n->p.stage, n->key, n->keylen);
	*pp = n->hnext;
	struct node *last = s->heap[--s->size].n;
	if (last != n) { /* the last entry fills n's place, then finds its own */
		last->at = n->at;
		heap_fix(s, last);
	}
	(*held(s, n->p.rule, n->p.stage))--;
}

static void drop(struct rg_seqstate *s, struct node *n)
{
	unlink_node(s, n);
	free(n);
}

/* ---- the interface ----------------------------------------------------------- */

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
	s->heap = calloc(s->max, sizeof(*s->heap));
	if (!s->buckets || !s->heap) {
		rg_seqstate_free(s);
		return NULL;
	}
	return s;
}

void rg_seqstate_clear(struct rg_seqstate *s)
{
	while (s->size)
		drop(s, s->heap[s->size - 1].n);
	if (s->evicted) /* untaken counts would name the next set's rules */
		memset(s->evicted, 0, s->nevicted * sizeof(*s->evicted));
}

void rg_seqstate_free(struct rg_seqstate *s)
{
	if (!s)
		return;
	if (s->heap)
		rg_seqstate_clear(s);
	free(s->buckets);
	free(s->heap);
	free(s->held);
	free(s->evicted);
	free(s);
}

void rg_seqstate_expire(struct rg_seqstate *s, int64_t now_ns)
{
	while (s->size && s->heap[0].deadline_ns < now_ns) {
		drop(s, s->heap[0].n);
		s->expired++;
	}
}

const struct rg_partial *rg_seqstate_find(const struct rg_seqstate *s, unsigned rule,
					  unsigned stage, const void *key, size_t keylen,
					  int64_t now_ns)
{
	if (keylen > RG_SEQ_KEY_MAX)
		keylen = RG_SEQ_KEY_MAX;
	struct node *n = *slot((struct rg_seqstate *)s, hash_of(rule, stage, key, keylen), rule,
			       stage, key, keylen);
	return n && n->p.deadline_ns >= now_ns ? &n->p : NULL;
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
	if (n) {
		/* Renewed, unless the partial held has the later end: an older
		 * chain reaching the same key would only shorten it. */
		if (p->deadline_ns >= n->p.deadline_ns) {
			fill(n, p);
			n->order = ++s->puts;
			heap_fix(s, n);
		}
		return;
	}
	/* p's summary may live in the partial the bound is about to evict:
	 * copied first. Nodes have key room in 64-byte steps, so the evicted
	 * one usually takes the new partial (a flood costs no malloc). */
	char sum[RG_SEQ_SUMMARY_MAX + 1];
	size_t sumlen = strnlen(p->summary ? p->summary : "", RG_SEQ_SUMMARY_MAX);
	memcpy(sum, p->summary ? p->summary : "", sumlen);
	sum[sumlen] = '\0';
	struct rg_partial q = *p;
	q.summary = sum;
	n = NULL;
	if (s->size == s->max) { /* the one nearest its end goes */
		struct node *old = s->heap[0].n;
		unlink_node(s, old);
		count_eviction(s, old->p.rule);
		if (old->room >= keylen)
			n = old;
		else
			free(old);
	}
	if (!n) {
		size_t room = (keylen + 63) & ~(size_t)63;
		n = malloc(sizeof(*n) + room);
		if (!n)
			abort();
		n->room = room;
	}
	fill(n, &q);
	n->hash = h;
	n->order = ++s->puts;
	n->keylen = keylen;
	memcpy(n->key, key, keylen);
	n->hnext = NULL;
	*slot(s, h, n->p.rule, n->p.stage, n->key, keylen) = n;
	s->heap[s->size] = (struct slotref){n->p.deadline_ns, n->order, n};
	n->at = s->size++;
	sift_up(s, n->at);
	(*held(s, n->p.rule, n->p.stage))++;
}

void rg_seqstate_remove(struct rg_seqstate *s, const struct rg_partial *p)
{
	drop(s, (struct node *)((char *)p - offsetof(struct node, p)));
}

uint64_t rg_seqstate_take_evictions(struct rg_seqstate *s, unsigned rule)
{
	if (rule >= s->nevicted)
		return 0;
	uint64_t n = s->evicted[rule];
	s->evicted[rule] = 0;
	return n;
}

void rg_seqstate_stats(const struct rg_seqstate *s, struct rg_seqstate_stats *out)
{
	*out = (struct rg_seqstate_stats){s->size, s->evictions, s->expired};
}
