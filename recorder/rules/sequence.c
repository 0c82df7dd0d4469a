/* sequence.c: partial matches of sequence rules (see sequence.h).
 *
 * A bounded table (table.h) keyed by the hash of (rule, stage, key) and
 * ranked by deadline (ties: the older put first). Deadlines are not in the
 * order the partials were put (a later step inherits its first step's
 * time, and windows differ between rules), so ranking by deadline is what
 * lets expiry free every expired partial, and lets the bound evict the
 * partial nearest its end rather than a live one queued behind an expired
 * one. Each partial is one allocation holding its key and room for the
 * longest summary, so renewing one (the common case: a process connecting
 * again) rewrites it in place; and a put into a full store (a flood) takes
 * the evicted partial's place in the table's order (rg_table_evict_insert)
 * and, when its key fits, its node.
 */
#include "sequence.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "table.h"

struct node {
	struct rg_partial p; /* first: find returns &node->p */
	struct rg_table_link link; /* keyed by hash_of() */
	size_t keylen, room;       /* room: key bytes allocated */
	char summary[RG_SEQ_SUMMARY_MAX + 1];
	char key[]; /* keylen bytes */
};

struct rg_seqstate {
	struct rg_table t;
	uint64_t expired;
	unsigned *held;     /* partials by rule * RG_SEQ_MAX_STEPS + stage */
	unsigned nheld;
	uint64_t *evicted;  /* by rule: evictions not yet taken */
	unsigned nevicted;
};

/* A hash of the identity (table.h): only where a partial sits depends on
 * it; lookups compare the whole identity, and eviction goes by deadline. */
static uint64_t hash_of(unsigned rule, unsigned stage, const void *key, size_t n)
{
	return rg_hash_bytes((uint64_t)rule << 32 | stage, key, n);
}

static struct node *node_of(struct rg_table_link *l)
{
	return l ? RG_TABLE_ENTRY(l, struct node, link) : NULL;
}

/* The partial (rule, stage, key), whose hash is h, or NULL. Inline in
 * put and find: every put and every step's look-up makes one. */
static inline struct node *lookup(const struct rg_seqstate *s, uint64_t h, unsigned rule,
				  unsigned stage, const void *key, size_t n)
{
	for (struct rg_table_link *l = rg_table_find(&s->t, h); l; l = rg_table_next(l)) {
		struct node *x = node_of(l);
		if (x->p.rule == rule && x->p.stage == stage && x->keylen == n &&
		    !memcmp(x->key, key, n))
			return x;
	}
	return NULL;
}

/* Where held[] counts (rule, stage): stage is below RG_SEQ_MAX_STEPS. */
static unsigned held_at(unsigned rule, unsigned stage)
{
	return rule * RG_SEQ_MAX_STEPS + stage % RG_SEQ_MAX_STEPS;
}

/* Makes room in held[] for index i (zeroes, as nothing is held there). */
static void held_grow(struct rg_seqstate *s, unsigned i)
{
	unsigned n = 2 * i + RG_SEQ_MAX_STEPS;
	s->held = rg_realloc(s->held, n * sizeof(*s->held));
	memset(s->held + s->nheld, 0, (n - s->nheld) * sizeof(*s->held));
	s->nheld = n;
}

/* Inline, the growth apart: every put and every eviction counts here. */
static inline unsigned *held(struct rg_seqstate *s, unsigned rule, unsigned stage)
{
	unsigned i = held_at(rule, stage);
	if (i >= s->nheld)
		held_grow(s, i);
	return &s->held[i];
}

/* Counts an eviction of rule's partial (the table counts the total);
 * grown like held. */
static void count_eviction(struct rg_seqstate *s, unsigned rule)
{
	if (rule >= s->nevicted) {
		unsigned n = 2 * rule + 8;
		s->evicted = rg_realloc(s->evicted, n * sizeof(*s->evicted));
		memset(s->evicted + s->nevicted, 0, (n - s->nevicted) * sizeof(*s->evicted));
		s->nevicted = n;
	}
	s->evicted[rule]++;
}

bool rg_seqstate_any(const struct rg_seqstate *s, unsigned rule, unsigned stage)
{
	unsigned i = held_at(rule, stage);
	return i < s->nheld && s->held[i];
}

/* The caller has taken n out of the table: n is no longer held. */
static void forget(struct rg_seqstate *s, const struct node *n)
{
	(*held(s, n->p.rule, n->p.stage))--;
}

static void drop(struct rg_seqstate *s, struct node *n)
{
	rg_table_remove(&s->t, &n->link);
	forget(s, n);
	free(n);
}

/* ---- the interface ----------------------------------------------------------- */

struct rg_seqstate *rg_seqstate_new(unsigned max)
{
	struct rg_seqstate *s = rg_calloc(1, sizeof(*s));
	rg_table_init(&s->t, max);
	return s;
}

/* Frees a partial a clear let go of (the clear zeroes held at once). */
static void node_done(struct rg_table_link *l)
{
	free(node_of(l));
}

void rg_seqstate_clear(struct rg_seqstate *s)
{
	rg_table_clear(&s->t, node_done);
	if (s->held)
		memset(s->held, 0, s->nheld * sizeof(*s->held));
	if (s->evicted) /* untaken counts would name the next set's rules */
		memset(s->evicted, 0, s->nevicted * sizeof(*s->evicted));
}

void rg_seqstate_free(struct rg_seqstate *s)
{
	if (!s)
		return;
	rg_table_fini(&s->t, node_done);
	free(s->held);
	free(s->evicted);
	free(s);
}

void rg_seqstate_expire(struct rg_seqstate *s, int64_t now_ns)
{
	struct rg_table_link *l;
	int64_t deadline;
	while ((l = rg_table_first(&s->t, &deadline)) && deadline < now_ns) {
		drop(s, node_of(l));
		s->expired++;
	}
}

const struct rg_partial *rg_seqstate_find(const struct rg_seqstate *s, unsigned rule,
					  unsigned stage, const void *key, size_t keylen,
					  int64_t now_ns)
{
	if (keylen > RG_SEQ_KEY_MAX)
		keylen = RG_SEQ_KEY_MAX;
	struct node *n = lookup(s, hash_of(rule, stage, key, keylen), rule, stage, key, keylen);
	return n && n->p.deadline_ns >= now_ns ? &n->p : NULL;
}

/* The content of p into n; p's summary may be another partial's, even
 * n's own (a reused node: memmove). */
static void fill(struct node *n, const struct rg_partial *p)
{
	size_t len = !p->summary ? 0 : p->summary_len < RG_SEQ_SUMMARY_MAX ? p->summary_len
									    : RG_SEQ_SUMMARY_MAX;
	if (len)
		memmove(n->summary, p->summary, len);
	n->summary[len] = '\0';
	n->p = *p;
	n->p.summary = n->summary;
	n->p.summary_len = len;
}

/* A node with room for keylen key bytes, in 64-byte steps: an evicted
 * one usually has room for the next key (a flood costs no malloc). */
static struct node *node_new(size_t keylen)
{
	size_t room = (keylen + 63) & ~(size_t)63;
	struct node *n = rg_malloc(sizeof(*n) + room);
	n->room = room;
	return n;
}

/* Fills n with p and key. */
static void set(struct node *n, const struct rg_partial *p, const void *key, size_t keylen)
{
	fill(n, p);
	n->keylen = keylen;
	memcpy(n->key, key, keylen);
}

/* A new partial in a full table: it takes the place of the one nearest
 * its end, in that one's node when the key fits. p's summary may be that
 * one's: the new node is filled before the old is freed, and a reused
 * node's summary moves onto itself. */
static void put_evicting(struct rg_seqstate *s, uint64_t h, const void *key, size_t keylen,
			 const struct rg_partial *p)
{
	int64_t rank;
	struct node *old = node_of(rg_table_first(&s->t, &rank));
	forget(s, old);
	count_eviction(s, old->p.rule);
	struct node *n = old->room >= keylen ? old : node_new(keylen);
	set(n, p, key, keylen);
	rg_table_evict_insert(&s->t, &n->link, h, n->p.deadline_ns);
	if (n != old)
		free(old);
}

void rg_seqstate_put(struct rg_seqstate *s, const void *key, size_t keylen,
		     const struct rg_partial *p)
{
	if (keylen > RG_SEQ_KEY_MAX)
		keylen = RG_SEQ_KEY_MAX;
	uint64_t h = hash_of(p->rule, p->stage, key, keylen);
	struct node *n = lookup(s, h, p->rule, p->stage, key, keylen);
	if (n) {
		/* Renewed, unless the partial held has the later end: an older
		 * chain reaching the same key would only shorten it. */
		if (p->deadline_ns >= n->p.deadline_ns) {
			fill(n, p);
			rg_table_requeue(&s->t, &n->link, n->p.deadline_ns);
		}
		return;
	}
	struct rg_partial q = *p; /* p may be the evicted node's own */
	if (rg_table_full(&s->t)) {
		put_evicting(s, h, key, keylen, &q);
	} else {
		n = node_new(keylen);
		set(n, &q, key, keylen);
		rg_table_insert(&s->t, &n->link, h, n->p.deadline_ns);
	}
	(*held(s, q.rule, q.stage))++;
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
	*out = (struct rg_seqstate_stats){s->t.size, s->t.evictions, s->expired};
}
