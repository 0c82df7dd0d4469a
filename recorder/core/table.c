/* table.c: the bounded table (see table.h).
 *
 * A chained hash on a 64-bit key (Fibonacci hashing, table.h), and a
 * 4-ary min-heap on (rank, order) for the eviction order: half the levels
 * of a binary one, and a level's three comparisons, made as a tournament
 * of pairs, cost less than the binary heap's two levels of one each (the
 * full sequence state's evict-insert: 293 instructions against 444).
 */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"

#define MIN_BUCKETS 64u
#define ARITY 4 /* children of a heap slot */

static unsigned bucket_of(const struct rg_table *t, uint64_t key)
{
	return rg_table_bucket(t, key);
}

/* The log2 of n, a power of two. */
static unsigned log2_of(unsigned n)
{
	unsigned k = 0;
	while (n >> (k + 1))
		k++;
	return k;
}

/* Moves every entry into n fresh buckets; when they cannot be had, keeps
 * the old ones (longer chains, the same answers: see table.h). */
static void rehash(struct rg_table *t, unsigned n)
{
	struct rg_table_link **b = rg_try_calloc(n, sizeof(*b));
	if (!b)
		return;
	unsigned old = t->nbuckets;
	t->shift = 64 - log2_of(n);
	for (unsigned i = 0; i < old; i++)
		for (struct rg_table_link *l = t->buckets[i], *next; l; l = next) {
			next = l->hnext;
			unsigned at = bucket_of(t, l->key);
			l->hnext = b[at];
			b[at] = l;
		}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
}

void rg_table_init(struct rg_table *t, unsigned max)
{
	*t = (struct rg_table){.max = max ? max : 1};
	t->maxbuckets = MIN_BUCKETS;
	while (t->maxbuckets < t->max && t->maxbuckets < 1u << 31)
		t->maxbuckets *= 2;
	t->nbuckets = MIN_BUCKETS;
	t->shift = 64 - log2_of(MIN_BUCKETS);
	t->buckets = rg_calloc(MIN_BUCKETS, sizeof(*t->buckets));
}

void rg_table_clear(struct rg_table *t, rg_table_done_fn done)
{
	unsigned n = t->size;
	t->size = 0;
	memset(t->buckets, 0, t->nbuckets * sizeof(*t->buckets));
	for (unsigned i = 0; done && i < n; i++)
		done(t->heap[i].l);
}

void rg_table_fini(struct rg_table *t, rg_table_done_fn done)
{
	rg_table_clear(t, done);
	free(t->buckets);
	free(t->heap);
	*t = (struct rg_table){0};
}

/* ---- the eviction heap ------------------------------------------------------- */

static inline int before(const struct rg_table_slot *a, const struct rg_table_slot *b)
{
	return a->rank < b->rank || (a->rank == b->rank && a->order < b->order);
}

static inline void heap_set(struct rg_table_slot *h, size_t i, struct rg_table_slot s)
{
	h[i] = s;
	s.l->at = (unsigned)i;
}

static inline size_t parent_of(size_t i)
{
	return (i - 1) / ARITY;
}

static void sift_up(struct rg_table *t, size_t i)
{
	struct rg_table_slot *h = t->heap, s = h[i];
	while (i && before(&s, &h[parent_of(i)])) {
		heap_set(h, i, h[parent_of(i)]);
		i = parent_of(i);
	}
	heap_set(h, i, s);
}

/* The earliest of slots c .. c+k-1 (k >= 1). */
static inline size_t earliest(const struct rg_table_slot *h, size_t c, size_t k)
{
	size_t m = c;
	for (size_t j = c + 1; j < c + k; j++)
		if (before(&h[j], &h[m]))
			m = j;
	return m;
}

/* Moves heap[i] down to its place. An entry sifted down is most often
 * one of the latest (a slot moved from the end, a partial just put, an
 * entry requeued), whose place is at or near the bottom: so the hole goes
 * down the earliest children to a leaf first, and the entry then climbs
 * back the few levels it must (Floyd's variant of sift-down: one
 * comparison a level on the way back, not ARITY). */
static void sift_down(struct rg_table *t, size_t i)
{
	struct rg_table_slot *h = t->heap, s = h[i];
	size_t top = i, n = t->size, c;
	while ((c = ARITY * i + 1) + ARITY <= n) { /* four children: two pairs' winners */
		/* by pointer: fewer index-to-address sums than by index */
		const struct rg_table_slot *kid = &h[c];
		const struct rg_table_slot *a = before(kid + 1, kid) ? kid + 1 : kid;
		const struct rg_table_slot *b = before(kid + 3, kid + 2) ? kid + 3 : kid + 2;
		const struct rg_table_slot *m = before(b, a) ? b : a;
		heap_set(h, i, *m);
		i = (size_t)(m - h);
	}
	if (c < n) { /* the last level's few */
		c = earliest(h, c, n - c);
		heap_set(h, i, h[c]);
		i = c;
	}
	while (i > top && before(&s, &h[parent_of(i)])) {
		heap_set(h, i, h[parent_of(i)]);
		i = parent_of(i);
	}
	heap_set(h, i, s);
}

/* Sets slot i to s and restores the order around it: up when s goes
 * before its parent, else down. */
static void heap_fix(struct rg_table *t, unsigned i, struct rg_table_slot s)
{
	t->heap[i] = s;
	if (i && before(&s, &t->heap[parent_of(i)]))
		sift_up(t, i);
	else
		sift_down(t, i);
}

/* ---- changes ------------------------------------------------------------------- */

/* Puts l at the head of key's chain. */
static void hash_link(struct rg_table *t, struct rg_table_link *l, uint64_t key)
{
	unsigned b = bucket_of(t, key);
	l->key = key;
	l->hnext = t->buckets[b];
	t->buckets[b] = l;
}

static void hash_unlink(struct rg_table *t, struct rg_table_link *l)
{
	struct rg_table_link **pp = &t->buckets[bucket_of(t, l->key)];
	while (*pp != l)
		pp = &(*pp)->hnext;
	*pp = l->hnext;
}

void rg_table_insert(struct rg_table *t, struct rg_table_link *l, uint64_t key, int64_t rank)
{
	if (t->size >= t->nbuckets && t->nbuckets < t->maxbuckets)
		rehash(t, 2 * t->nbuckets);
	if (t->size == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->heap = rg_realloc(t->heap, t->cap * sizeof(*t->heap));
	}
	hash_link(t, l, key);
	unsigned i = t->size++;
	heap_fix(t, i, (struct rg_table_slot){rank, ++t->clock, l});
}

void rg_table_requeue(struct rg_table *t, struct rg_table_link *l, int64_t rank)
{
	heap_fix(t, l->at, (struct rg_table_slot){rank, ++t->clock, l});
}

void rg_table_remove(struct rg_table *t, struct rg_table_link *l)
{
	hash_unlink(t, l);
	struct rg_table_slot last = t->heap[--t->size];
	if (last.l != l) /* the last slot fills l's place, then finds its own */
		heap_fix(t, l->at, last);
}

struct rg_table_link *rg_table_evict(struct rg_table *t, const struct rg_table_link *spare)
{
	unsigned i = 0;
	if (t->size && t->heap[0].l == spare) /* then the second: a child of the root */
		i = t->size > 1 ? earliest(t->heap, 1, t->size - 1 < ARITY ? t->size - 1 : ARITY) : 1;
	if (i >= t->size)
		return NULL;
	struct rg_table_link *l = t->heap[i].l;
	rg_table_remove(t, l);
	t->evictions++;
	return l;
}

/* The first entry's slot takes l: the old one leaves the hash, l joins
 * it, and the slot, now l's rank and the newest order, sifts down (it is
 * at the root: nothing is before it but what it displaced). */
struct rg_table_link *rg_table_evict_insert(struct rg_table *t, struct rg_table_link *l,
					    uint64_t key, int64_t rank)
{
	struct rg_table_link *old = t->heap[0].l;
	hash_unlink(t, old);
	hash_link(t, l, key);
	t->evictions++;
	t->heap[0] = (struct rg_table_slot){rank, ++t->clock, l};
	sift_down(t, 0);
	return old;
}
