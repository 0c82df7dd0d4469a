/* test_table.c: the bounded table (table.h) and the allocation policy
 * (alloc.h) on their own: finding, the eviction order, the bound, and what
 * happens when memory runs out. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "table.h"
#include "tap.h"

struct item {
	int value;
	struct rg_table_link link;
};

static struct item items[5000];

static struct item *item_of(struct rg_table_link *l)
{
	return l ? RG_TABLE_ENTRY(l, struct item, link) : NULL;
}

/* The value of the entry with key, or -1. */
static int value_at(const struct rg_table *t, uint64_t key)
{
	struct item *it = item_of(rg_table_find(t, key));
	return it ? it->value : -1;
}

/* Inserts items[i] under key i at rank, with value i. */
static void put(struct rg_table *t, unsigned i, int64_t rank)
{
	items[i].value = (int)i;
	rg_table_insert(t, &items[i].link, i, rank);
}

static void test_find_remove(void)
{
	struct rg_table t;
	rg_table_init(&t, 100);
	for (unsigned i = 1; i <= 50; i++)
		put(&t, i, RG_TABLE_LIVE);
	CHECK_INT(t.size, 50, "insert: fifty held");
	CHECK_INT(value_at(&t, 7), 7, "find: an entry by its key");
	CHECK_INT(value_at(&t, 51), -1, "find: a key never put");
	rg_table_remove(&t, &items[7].link);
	CHECK_INT(value_at(&t, 7), -1, "remove: gone");
	CHECK_INT(value_at(&t, 8), 8, "remove: its neighbours stay");
	CHECK_INT(t.size, 49, "remove: size follows");
	CHECK_INT(t.evictions, 0, "remove: not an eviction");
	rg_table_fini(&t, NULL);
}

/* Keys that are hashes: several entries under one key, told apart by the
 * caller. */
static void test_shared_key(void)
{
	struct rg_table t;
	rg_table_init(&t, 10);
	for (unsigned i = 0; i < 3; i++) {
		items[i].value = (int)i;
		rg_table_insert(&t, &items[i].link, 42, RG_TABLE_LIVE);
	}
	int seen = 0;
	for (struct rg_table_link *l = rg_table_find(&t, 42); l; l = rg_table_next(l))
		seen |= 1 << item_of(l)->value;
	CHECK_INT(seen, 7, "one key: every entry under it is reached");
	rg_table_remove(&t, &items[1].link);
	seen = 0;
	for (struct rg_table_link *l = rg_table_find(&t, 42); l; l = rg_table_next(l))
		seen |= 1 << item_of(l)->value;
	CHECK_INT(seen, 5, "one key: removing one leaves the others");
	rg_table_fini(&t, NULL);
}

/* Eviction order, as named cases: a script of operations on items by
 * number and the values rg_table_evict returns, in order ("-": none).
 *   +N     insert N, live          eN    N exits (requeue, exited)
 *   tN     touch N (requeue, live) N=R   insert N at rank R
 *   qN=R   requeue N at rank R     x     evict    sN   evict sparing N
 *   rN=R   evict, inserting N at rank R in the evicted one's place */
static const struct order_case {
	const char *name, *ops, *want;
} order_cases[] = {
	{"live only: the oldest first (FIFO)", "+1 +2 +3 +4 x x", "1 2"},
	{"exited before live, in the order they exited", "+1 +2 +3 +4 e4 e1 x x x", "4 1 2"},
	{"a touched live entry goes last", "+1 +2 +3 +4 t1 x x x x", "2 3 4 1"},
	{"spare: skipped, the next oldest go", "+1 +2 +3 s1 s1 s1", "2 3 -"},
	{"spare: a root with two children takes the older", "+1 +2 +3 +4 +5 s1 s1 s1", "2 3 4"},
	{"spare: the earliest of the rest, wherever it sits", "1=1 2=9 3=8 4=7 5=2 s1 s1 s1 s1",
	 "5 4 3 2"},
	{"exited spare: the oldest live goes next", "+1 +2 +3 e1 s1 s1", "2 3"},
	{"exited spare, nothing else: none", "+1 e1 s1 x", "- 1"},
	{"ranks: the lowest first, ties by insertion", "1=500 2=100 3=300 4=100 x x x x", "2 4 3 1"},
	{"ranks: a requeued entry moves", "1=500 2=100 3=300 4=100 q2=900 x x x x", "4 3 1 2"},
	{"empty: nothing to evict", "x", "-"},
	{"evict-insert: the first goes, the new one last among its rank",
	 "1=100 2=100 3=200 r4=100 x x x", "1 2 4 3"},
	{"evict-insert: the evicted entry itself, reused at a new rank", "1=100 2=300 r1=200 x x",
	 "1 1 2"},
	{"evict-insert: ties go in put order, the reused included",
	 "1=5 2=5 3=5 4=5 5=5 r6=5 r7=1 r2=5 x x x x x x", "1 2 7 3 4 5 6 2 -"},
};

/* Runs c's script on a fresh table; writes what was evicted to got. */
static void run_order_case(const struct order_case *c, char *got, size_t len)
{
	struct rg_table t;
	rg_table_init(&t, 100);
	got[0] = '\0';
	unsigned evicted = 0;
	for (const char *op = c->ops; *op;) {
		char kind = *op >= '0' && *op <= '9' ? '=' : *op++;
		char *end;
		unsigned n = (unsigned)strtoul(op, &end, 10);
		long rank = *end == '=' ? strtol(end + 1, &end, 10) : RG_TABLE_LIVE;
		op = end + strspn(end, " ");
		if (kind == '+' || kind == '=') {
			put(&t, n, rank);
		} else if (kind == 'r') {
			items[n].value = (int)n;
			struct item *it = item_of(rg_table_evict_insert(&t, &items[n].link, n, rank));
			size_t at = strlen(got);
			snprintf(got + at, len - at, "%s%d", at ? " " : "", it->value);
			evicted++;
		} else if (kind == 'e' || kind == 't' || kind == 'q') {
			rank = kind == 'e' ? RG_TABLE_EXITED : rank;
			rg_table_requeue(&t, &items[n].link, rank);
		} else {
			struct item *it = item_of(rg_table_evict(&t, kind == 's' ? &items[n].link : NULL));
			size_t at = strlen(got);
			snprintf(got + at, len - at, it ? "%s%d" : "%s-", at ? " " : "", it ? it->value : 0);
			evicted += it != NULL;
		}
	}
	if (t.evictions != evicted)
		snprintf(got, len, "%llu evictions counted, %u made",
			 (unsigned long long)t.evictions, evicted);
	rg_table_fini(&t, NULL);
}

static void test_eviction_order(void)
{
	for (size_t i = 0; i < sizeof(order_cases) / sizeof(order_cases[0]); i++) {
		char got[128];
		run_order_case(&order_cases[i], got, sizeof(got));
		CHECK_STR(got, order_cases[i].want, order_cases[i].name);
	}
}

/* The table against a plain model under a long random mix of every
 * change, with few ranks so that ties abound: each eviction takes what
 * the model says goes first (lowest rank, then oldest insert or requeue,
 * the spared entry skipped), and first() agrees after every step. */
#define MODEL_MAX 3000
static int model_n; /* items in play */
static struct {
	int in;
	int64_t rank;
	uint64_t order;
} model[MODEL_MAX];

/* The item the model evicts first, sparing `spare` (-1: none); -1 if none. */
static int model_first(int spare)
{
	int best = -1;
	for (int i = 0; i < model_n; i++)
		if (model[i].in && i != spare &&
		    (best < 0 || model[i].rank < model[best].rank ||
		     (model[i].rank == model[best].rank && model[i].order < model[best].order)))
			best = i;
	return best;
}

/* A random item out of the table (-1: all are in) or in it (-1: none). */
static int model_pick(uint64_t *rng, int in)
{
	for (int tries = 0; tries < 4 * model_n; tries++) {
		*rng = *rng * 6364136223846793005ull + 1442695040888963407ull;
		int i = (int)((*rng >> 33) % model_n);
		if (model[i].in == in)
			return i;
	}
	return -1;
}

/* n items for a table of max, ranks drawn from nranks values (from -1),
 * for nsteps changes, of which a remove or an evict is made `shrink` in
 * 100 times it is drawn (else an insert: the table fills); what is
 * checked is named after what. */
static void run_model(int n, unsigned max, unsigned nranks, unsigned shrink, unsigned nsteps,
		      const char *what)
{
	struct rg_table t;
	rg_table_init(&t, max);
	model_n = n;
	memset(model, 0, sizeof(model));
	uint64_t rng = 42, clock = 0;
	unsigned steps = 0, evictions = 0;
	int ok = 1;
	for (; steps < nsteps && ok; steps++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		unsigned op = (unsigned)(rng >> 60) % 5;
		int64_t rank = (int64_t)((rng >> 40) % nranks) - 1;
		if ((op == 2 || op == 3) && (rng >> 20) % 100 >= shrink)
			op = 0;
		int i = model_pick(&rng, op == 0 || op == 4 ? 0 : 1);
		if (i < 0)
			continue;
		if (op == 0 && !rg_table_full(&t)) { /* insert */
			items[i].value = i;
			rg_table_insert(&t, &items[i].link, (uint64_t)i, rank);
			model[i].in = 1, model[i].rank = rank, model[i].order = ++clock;
		} else if (op == 0 || op == 4) { /* evict-insert, when full or not */
			if (!t.size)
				continue;
			int want = model_first(-1);
			items[i].value = i;
			struct item *it = item_of(rg_table_evict_insert(&t, &items[i].link, (uint64_t)i, rank));
			ok &= it && it->value == want;
			model[want].in = 0;
			model[i].in = 1, model[i].rank = rank, model[i].order = ++clock;
			evictions++;
		} else if (op == 1) { /* requeue */
			rg_table_requeue(&t, &items[i].link, rank);
			model[i].rank = rank, model[i].order = ++clock;
		} else if (op == 2) { /* remove */
			rg_table_remove(&t, &items[i].link);
			model[i].in = 0;
		} else { /* evict, sparing i every other time */
			int spare = rng >> 63 ? i : -1;
			int want = model_first(spare);
			struct item *it = item_of(
				rg_table_evict(&t, spare < 0 ? NULL : &items[spare].link));
			ok &= (it ? it->value : -1) == want;
			if (want >= 0)
				model[want].in = 0, evictions++;
		}
		int64_t r = 0;
		struct item *f = item_of(rg_table_first(&t, &r));
		int want = model_first(-1);
		ok &= (f ? f->value : -1) == want && (!f || r == model[want].rank);
		for (int k = 0; k < model_n && ok && steps % 1000 == 0; k++)
			ok &= (value_at(&t, (uint64_t)k) == k) == model[k].in;
	}
	char name[160];
	snprintf(name, sizeof(name), "model, %s: every eviction and first() as the model says", what);
	CHECK(ok, name);
	snprintf(name, sizeof(name), "model, %s: evictions counted, evict-insert's among them", what);
	CHECK_INT(t.evictions, evictions, name);
	rg_table_fini(&t, NULL);
}

static void test_model(void)
{
	/* few ranks: ties abound; as many removes as inserts keep the
	 * table at a few dozen entries */
	run_model(300, 200, 4, 100, 200000, "a few dozen entries, 4 ranks, 200 000 changes");
	/* a full table as deep as the sequence state's (evict-insert at its
	 * bound, as a flood of partials does), ranks like deadlines: mostly
	 * distinct, some tied */
	run_model(3000, 2000, 5000, 10, 40000, "2 000 entries, 5 000 ranks, 40 000 changes");
}

/* first() is what expiry reads: the lowest rank and its entry. */
static void test_first(void)
{
	struct rg_table t;
	int64_t rank = 0;
	rg_table_init(&t, 10);
	CHECK(rg_table_first(&t, &rank) == NULL, "first: none in an empty table");
	put(&t, 1, 500);
	put(&t, 2, 100);
	put(&t, 3, 100);
	struct item *it = item_of(rg_table_first(&t, &rank));
	CHECK(it && it->value == 2 && rank == 100, "first: the lowest rank, the older of a tie");
	CHECK(rg_table_full(&t) == 0, "full: three of ten is not");
	rg_table_fini(&t, NULL);
}

static unsigned done_calls;

static void count_done(struct rg_table_link *l)
{
	(void)l;
	done_calls++;
}

/* Many entries, the bound held by the caller as the three tables do:
 * the buckets grow, the heap grows, nothing is lost or found wrongly. */
static void test_bound_and_growth(void)
{
	struct rg_table t;
	rg_table_init(&t, 3000);
	for (unsigned i = 0; i < 5000; i++) {
		if (rg_table_full(&t))
			rg_table_evict(&t, NULL);
		put(&t, i, i % 7 ? RG_TABLE_LIVE : RG_TABLE_EXITED);
	}
	CHECK_INT(t.size, 3000, "bound: size stays at max");
	CHECK_INT(t.evictions, 2000, "bound: each entry over it evicted");
	/* every exited one went (each was first in line after it came), and
	 * the rest of the evictions took the oldest live ones */
	unsigned exited = 5000 / 7 + 1, live_seen = 0;
	int ok = 1;
	for (unsigned i = 0; i < 5000; i++) {
		int live = i % 7 != 0;
		int kept = live && live_seen >= 2000 - exited;
		live_seen += live;
		ok &= (value_at(&t, i) == (int)i) == kept;
	}
	CHECK(ok, "bound: the exited and the oldest live were the ones evicted");
	CHECK(t.nbuckets >= 2048, "growth: the buckets grew with the entries");
	rg_table_clear(&t, count_done);
	CHECK(done_calls == 3000 && t.size == 0, "clear: every entry handed back once");
	CHECK(rg_table_find(&t, 4999) == NULL, "clear: nothing left to find");
	put(&t, 7, RG_TABLE_LIVE);
	CHECK_INT(value_at(&t, 7), 7, "clear: the table is usable again");
	rg_table_fini(&t, count_done);
	CHECK_INT(done_calls, 3001, "fini: hands back what is still held");
}

/* A failed bucket growth keeps the old buckets: the table stays whole. */
static void test_failed_growth(void)
{
	struct rg_table t;
	rg_table_init(&t, 1000);
	for (unsigned i = 0; i < 64; i++)
		put(&t, i, RG_TABLE_LIVE);
	unsigned before = t.nbuckets;
	rg_alloc_fail_next(1); /* the resize the next insert asks for */
	put(&t, 64, RG_TABLE_LIVE);
	CHECK_INT(t.nbuckets, before, "failed growth: the old buckets stay");
	for (unsigned i = 65; i < 1000; i++)
		put(&t, i, RG_TABLE_LIVE);
	int ok = 1;
	for (unsigned i = 0; i < 1000; i++)
		ok &= value_at(&t, i) == (int)i;
	CHECK(ok, "failed growth: every entry found, before and after");
	CHECK(t.nbuckets > before, "failed growth: a later growth succeeds");
	rg_table_fini(&t, NULL);
}

/* Memory the program needs: no memory stops it with one line, never a
 * NULL for the caller to mishandle. Run in a child that is meant to die. */
static void test_fatal_allocation(void)
{
	int out[2];
	if (pipe(out)) {
		CHECK(0, "fatal allocation: pipe");
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		dup2(out[1], STDERR_FILENO);
		rg_alloc_fail_next(1);
		void *p = rg_malloc(4096);
		_exit(p ? 3 : 4); /* not reached when the policy holds */
	}
	close(out[1]);
	char line[128] = {0};
	ssize_t n = read(out[0], line, sizeof(line) - 1);
	close(out[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
	      "fatal allocation: the program stops (SIGABRT)");
	CHECK(n > 0 && strcmp(line, "rand-guard: out of memory (4096 bytes)\n") == 0,
	      "fatal allocation: one line says why");
	rg_alloc_fail_next(1);
	CHECK(rg_try_calloc(1, 8) == NULL, "try: an injected failure is a NULL");
	void *p = rg_try_calloc(0, 0);
	CHECK(p != NULL, "try: zero bytes is not a failure");
	free(p);
}

int main(void)
{
	test_find_remove();
	test_shared_key();
	test_eviction_order();
	test_first();
	test_model();
	test_bound_and_growth();
	test_failed_growth();
	test_fatal_allocation();
	return tap_done();
}
