/* table.h: the one bounded table, shared by the process table, the rules'
 * lineage and the sequence-rule state.
 *
 * Each of those keeps a set of entries found by an id, holds at most a
 * configured number of them, and when full must push out the entry that
 * matters least, counting it. The table is that set:
 *
 *   - intrusive: an entry embeds a struct rg_table_link, and the caller
 *     owns the entry's memory (so the table never frees what it does not
 *     know the shape of, and a caller may reuse an evicted entry);
 *   - found by a 64-bit key through a chained hash; several entries may
 *     share a key (a caller whose identity is longer, like a sequence
 *     partial, keys by its hash and compares the rest itself);
 *   - ordered for eviction by a rank the caller gives each entry, lowest
 *     first, and among equal ranks by when the entry was inserted or last
 *     requeued, oldest first. The process table and lineage rank exited
 *     processes before live ones (RG_TABLE_EXITED, RG_TABLE_LIVE), which
 *     makes the order "oldest exited, then oldest live"; sequence state
 *     ranks by deadline. A heap (4-ary) keeps the order: O(log n) to
 *     insert, requeue or remove, O(1) to find the first.
 *
 * Out of memory (alloc.h): the heap grows with the table through
 * rg_realloc, which stops the program on failure, so no operation here
 * reports failure. The bucket array grows as entries arrive (up to a
 * size fixed by the bound) through rg_try_calloc; a failed growth is
 * harmless: the table keeps its old buckets and stays correct, only its
 * chains are longer. Entries themselves are the caller's to allocate.
 *
 * Not thread-safe: each table belongs to one thread.
 */
#ifndef RG_TABLE_H
#define RG_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Eviction ranks for tables of processes: exited ones go first. */
#define RG_TABLE_EXITED 0
#define RG_TABLE_LIVE 1

/* The part of an entry the table uses; the caller sets nothing in it. */
struct rg_table_link {
	struct rg_table_link *hnext; /* hash chain */
	uint64_t key;
	unsigned at; /* index in the heap */
};

/* The entry that holds link l (l non-NULL): RG_TABLE_ENTRY(l, struct node, link). */
#define RG_TABLE_ENTRY(l, type, member) ((type *)((char *)(l) - offsetof(type, member)))

/* A heap slot carries its ordering key, so sifting compares without
 * touching the entries (each a likely cache miss). */
struct rg_table_slot {
	int64_t rank;
	uint64_t order;
	struct rg_table_link *l;
};

struct rg_table {
	struct rg_table_link **buckets;
	unsigned shift;     /* 64 - log2(buckets) */
	unsigned nbuckets, maxbuckets;
	unsigned max, size; /* the bound; entries held */
	struct rg_table_slot *heap; /* size used, cap allocated; heap[0] goes first */
	unsigned cap;
	uint64_t clock;     /* orders equal ranks */
	uint64_t evictions; /* entries rg_table_evict took out */
};

/* Makes t an empty table of at most max entries (max 0 is taken as 1). */
void rg_table_init(struct rg_table *t, unsigned max);

/* Called on each entry a clear takes out: the caller's way to free them. */
typedef void (*rg_table_done_fn)(struct rg_table_link *l);

/* Takes every entry out, in no particular order, calling done (unless
 * NULL) on each; evictions stay counted. */
void rg_table_clear(struct rg_table *t, rg_table_done_fn done);

/* Clears t as rg_table_clear does, then frees its arrays. */
void rg_table_fini(struct rg_table *t, rg_table_done_fn done);

/* The bucket of key: Fibonacci hashing, the key times 2^64/phi, top bits,
 * so sequential ids and structured hashes alike spread. */
static inline unsigned rg_table_bucket(const struct rg_table *t, uint64_t key)
{
	return (unsigned)((key * 0x9E3779B97F4A7C15ull) >> t->shift);
}

/* An entry with key (of several, any one), or NULL. Inline, as is next:
 * every sequence step's lookup and every lineage question is one. */
static inline struct rg_table_link *rg_table_find(const struct rg_table *t, uint64_t key)
{
	struct rg_table_link *l = t->buckets[rg_table_bucket(t, key)];
	while (l && l->key != key)
		l = l->hnext;
	return l;
}

/* The next entry after l with l's key, or NULL: for keys that are hashes. */
static inline struct rg_table_link *rg_table_next(const struct rg_table_link *l)
{
	struct rg_table_link *n = l->hnext;
	while (n && n->key != l->key)
		n = n->hnext;
	return n;
}

/* Whether t holds its bound: an insert now must follow an eviction.
 * Inline, as is first: every sequence put asks, every event's expiry
 * asks first. */
static inline int rg_table_full(const struct rg_table *t)
{
	return t->size >= t->max;
}

/* Adds l under key at rank, last among its rank. The caller makes room
 * first (rg_table_full, rg_table_evict): inserting into a full table is a
 * bug, and the table then holds one entry over its bound rather than lose
 * one silently. */
void rg_table_insert(struct rg_table *t, struct rg_table_link *l, uint64_t key, int64_t rank);

/* Gives l a new rank and puts it last among that rank. */
void rg_table_requeue(struct rg_table *t, struct rg_table_link *l, int64_t rank);

/* Takes l out of t; the caller frees or reuses it. */
void rg_table_remove(struct rg_table *t, struct rg_table_link *l);

/* Takes out the entry first in eviction order, skipping `spare` (an entry
 * the caller still uses, or NULL), counts it in t->evictions and returns
 * it for the caller to free or reuse; NULL when there is none. */
struct rg_table_link *rg_table_evict(struct rg_table *t, const struct rg_table_link *spare);

/* rg_table_evict(t, NULL) then rg_table_insert(t, l, key, rank), in one
 * heap fix where those take two: the evicted entry's slot takes l. For a
 * full table, the common case of a bounded one (t must not be empty).
 * l may be the entry evicted, reused: the caller reads what it needs of
 * that entry first (rg_table_first names it). Returns the entry evicted,
 * counted in t->evictions. */
struct rg_table_link *rg_table_evict_insert(struct rg_table *t, struct rg_table_link *l,
					    uint64_t key, int64_t rank);

/* The entry first in eviction order and its rank, or NULL when t is empty. */
static inline struct rg_table_link *rg_table_first(const struct rg_table *t, int64_t *rank)
{
	if (!t->size)
		return NULL;
	*rank = t->heap[0].rank;
	return t->heap[0].l;
}

/* A key for the table from a longer identity: a hash of key[0..n) and
 * seed, eight bytes at a time (a multiply and a fold per word, the last
 * word overlapping the one before); under eight bytes, one word of the
 * first and last four, or of the first, middle and last byte. n is mixed
 * in, so bytes read twice or left out only ever collide between keys of
 * one length: callers compare the whole identity. Deterministic, so that
 * replay hashes as the recorder did. Also the prefilter memo's slot. */
static inline uint64_t rg_hash_bytes(uint64_t seed, const void *key, size_t n)
{
	const uint64_t mul = 0x9e3779b97f4a7c15ull;
	const unsigned char *p = key;
	uint64_t h = seed * mul ^ n, w = 0;
	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8) {
			memcpy(&w, p + i, 8);
			h = (h ^ w) * mul;
			h ^= h >> 32;
		}
		memcpy(&w, p + n - 8, 8);
	} else if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, p, 4);
		memcpy(&b, p + n - 4, 4);
		w = (uint64_t)a << 32 | b;
	} else if (n) {
		w = (uint64_t)p[0] << 16 | (uint64_t)p[n / 2] << 8 | p[n - 1];
	}
	h = (h ^ w) * mul;
	return h ^ h >> 32;
}

#endif /* RG_TABLE_H */
