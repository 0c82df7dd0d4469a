/* test_sequence.c: sequence rules on synthetic event streams (no kernel):
 * the partial-match store, the rule syntax and its errors, every join,
 * the download sequence's steps, and the bound under a flood. The other
 * shipped sequences, on their pattern and not out of order, outside their
 * window or across unrelated processes, are cases in tests/cases/rules/
 * (tests/unit/test_cases.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lineage.h"
#include "rules.h"
#include "sequence.h"
#include "tap.h"

#define SEC 1000000000ll

static struct rg_str S(const char *s)
{
	return (struct rg_str){s, s ? (uint32_t)strlen(s) : 0};
}

/* ---- the partial-match store ------------------------------------------------ */

/* Each eviction is counted against the rule whose partial went: the
 * sequence_eviction gap rows name it. */
static void test_evictions_by_rule(void)
{
	struct rg_seqstate *s = rg_seqstate_new(2);
	struct rg_partial a = {.rule = 0, .stage = 1, .deadline_ns = 100, .summary = "a",
			       .summary_len = 1};
	struct rg_partial b = {.rule = 5, .stage = 1, .deadline_ns = 200, .summary = "b",
			       .summary_len = 1};
	rg_seqstate_put(s, "1", 1, &a);
	rg_seqstate_put(s, "2", 1, &a);
	rg_seqstate_put(s, "3", 1, &b); /* evicts rule 0's "1" */
	rg_seqstate_put(s, "4", 1, &b); /* evicts rule 0's "2" */
	rg_seqstate_put(s, "5", 1, &b); /* evicts rule 5's "3" */
	CHECK_INT(rg_seqstate_take_evictions(s, 0), 2, "evictions are counted by rule");
	CHECK_INT(rg_seqstate_take_evictions(s, 5), 1, "each rule its own");
	CHECK_INT(rg_seqstate_take_evictions(s, 0) + rg_seqstate_take_evictions(s, 5) +
			  rg_seqstate_take_evictions(s, 3) + rg_seqstate_take_evictions(s, 999),
		  0, "a take zeroes the count; a rule never evicted has none");
	struct rg_seqstate_stats st;
	rg_seqstate_stats(s, &st);
	CHECK_INT(st.evictions, 3, "the total stays cumulative");
	rg_seqstate_put(s, "6", 1, &b);
	rg_seqstate_clear(s);
	CHECK_INT(rg_seqstate_take_evictions(s, 5), 0,
		  "clear forgets untaken counts (the next set's rule 5 is another rule)");
	rg_seqstate_free(s);
}

/* Whether (rule 1, stage 1, key) is held. */
static bool held1(struct rg_seqstate *s, const char *key)
{
	return rg_seqstate_find(s, 1, 1, key, strlen(key), 0) != NULL;
}

/* A full store evicts the partial nearest its end, and of equal ends the
 * one put (or renewed) first; the new partial takes the evicted one's
 * place, in its node when the key fits and in a new one when not, and
 * may carry the evicted one's summary either way. */
static void test_eviction_ties(void)
{
	struct rg_seqstate *s = rg_seqstate_new(3);
	struct rg_partial p = {.rule = 1, .stage = 1, .deadline_ns = 100};
	const char *keys[] = {"A", "B", "C"};
	for (int i = 0; i < 3; i++) {
		p.summary = keys[i];
		p.summary_len = 1;
		rg_seqstate_put(s, keys[i], 1, &p);
	}
	p.summary = "B again";
	p.summary_len = 7;
	rg_seqstate_put(s, "B", 1, &p); /* the same end: renewed, now the last of the tie */
	rg_seqstate_put(s, "D", 1, &p);
	CHECK(!held1(s, "A") && held1(s, "B") && held1(s, "C") && held1(s, "D"),
	      "ties: the first put goes first");
	rg_seqstate_put(s, "E", 1, &p);
	CHECK(!held1(s, "C") && held1(s, "B"), "ties: a renewed partial goes after those put before");
	p.deadline_ns = 50;
	rg_seqstate_put(s, "F", 1, &p); /* evicts B, the last of the 100s put before D */
	CHECK(!held1(s, "B") && held1(s, "D") && held1(s, "E") && held1(s, "F"),
	      "ties: then the renewed one");
	p.deadline_ns = 100;
	rg_seqstate_put(s, "G", 1, &p);
	CHECK(!held1(s, "F") && held1(s, "D"), "an earlier end goes before every tie");

	/* a key longer than the evicted node's room: a new node, the summary
	 * read from the evicted partial before it is freed */
	char longkey[200];
	memset(longkey, 'k', sizeof(longkey));
	const struct rg_partial *oldest = rg_seqstate_find(s, 1, 1, "D", 1, 0);
	struct rg_partial next = *oldest;
	next.stage = 2;
	next.rule = 1;
	CHECK(oldest && !strcmp(oldest->summary, "B again"), "the oldest holds its summary");
	rg_seqstate_put(s, longkey, sizeof(longkey), &next); /* evicts D */
	const struct rg_partial *f = rg_seqstate_find(s, 1, 2, longkey, sizeof(longkey), 0);
	CHECK(!held1(s, "D") && f && !strcmp(f->summary, "B again"),
	      "a new node for a longer key carries the evicted one's summary");
	/* and a short key into the evicted node, its own summary carried */
	oldest = rg_seqstate_find(s, 1, 1, "E", 1, 0);
	next = *oldest;
	next.stage = 3;
	rg_seqstate_put(s, "H", 1, &next); /* evicts E, reusing its node */
	f = rg_seqstate_find(s, 1, 3, "H", 1, 0);
	CHECK(!held1(s, "E") && f && !strcmp(f->summary, "B again") && f->deadline_ns == 100,
	      "a reused node keeps the summary it is given, its own");
	struct rg_seqstate_stats st;
	rg_seqstate_stats(s, &st);
	CHECK(st.partials == 3 && st.evictions == 6 && rg_seqstate_take_evictions(s, 1) == 6,
	      "each eviction counted, in total and by rule");
	CHECK(rg_seqstate_any(s, 1, 1) && rg_seqstate_any(s, 1, 2) && rg_seqstate_any(s, 1, 3),
	      "held by stage follows the partials that took others' places");
	rg_seqstate_free(s);
}

/* Keys of every length from 1 to 40 bytes, each also with one byte
 * changed at every place (the hash reads a key a word at a time, its last
 * word maybe again, a short key byte by byte), and each again under
 * another stage: every one is its own partial. */
static void test_keys(void)
{
	struct rg_seqstate *s = rg_seqstate_new(1u << 16);
	char key[41];
	uint64_t seq = 0;
	for (int pass = 0; pass < 2; pass++) {
		bool ok = true;
		seq = 0;
		for (unsigned n = 1; n <= 40; n++)
			for (unsigned at = 0; at <= n; at++) { /* at == n: unchanged */
				for (unsigned i = 0; i < n; i++)
					key[i] = (char)('a' + i % 26);
				if (at < n)
					key[at] = '#';
				for (unsigned stage = 1; stage <= 2; stage++) {
					struct rg_partial p = {.rule = 3, .stage = stage,
							       .deadline_ns = 100, .seqs = {++seq}};
					if (!pass)
						rg_seqstate_put(s, key, n, &p);
					const struct rg_partial *f =
						rg_seqstate_find(s, 3, stage, key, n, 0);
					ok &= f && f->seqs[0] == seq;
				}
			}
		CHECK(ok, pass ? "each key is found again, among all the others"
			       : "each key is found as put");
	}
	struct rg_seqstate_stats st;
	rg_seqstate_stats(s, &st);
	CHECK_INT(st.partials, seq, "none took another's place");
	rg_seqstate_free(s);
}

static void test_store(void)
{
	struct rg_seqstate *s = rg_seqstate_new(3);
	struct rg_seqstate_stats st;
	struct rg_partial p = {.rule = 1, .stage = 1, .deadline_ns = 100, .seqs = {7},
			       .summary = "first", .summary_len = 5};
	rg_seqstate_put(s, "a", 1, &p);
	const struct rg_partial *f = rg_seqstate_find(s, 1, 1, "a", 1, 50);
	CHECK(f && f->seqs[0] == 7 && !strcmp(f->summary, "first") && f->summary_len == 5,
	      "a partial is found by its key, its summary and length with it");
	CHECK(!rg_seqstate_find(s, 1, 2, "a", 1, 50) && !rg_seqstate_find(s, 2, 1, "a", 1, 50) &&
	      !rg_seqstate_find(s, 1, 1, "ab", 2, 50), "rule, stage and key all identify it");
	p.seqs[0] = 8;
	p.deadline_ns = 200;
	rg_seqstate_put(s, "a", 1, &p);
	rg_seqstate_stats(s, &st);
	f = rg_seqstate_find(s, 1, 1, "a", 1, 150);
	CHECK(st.partials == 1 && f && f->seqs[0] == 8, "the same key renews, not duplicates");
	CHECK(!rg_seqstate_find(s, 1, 1, "a", 1, 201), "past its deadline it never matches");
	rg_seqstate_expire(s, 201);
	rg_seqstate_stats(s, &st);
	CHECK(st.partials == 0 && st.expired == 1, "and expiry frees it, counted");

	for (int i = 0; i < 5; i++) {
		char k = (char)('a' + i);
		p.seqs[0] = 10 + (uint64_t)i;
		p.deadline_ns = 1000;
		rg_seqstate_put(s, &k, 1, &p);
	}
	rg_seqstate_stats(s, &st);
	CHECK(st.partials == 3 && st.evictions == 2, "full: the oldest are evicted and counted");
	CHECK(!rg_seqstate_find(s, 1, 1, "a", 1, 0) && rg_seqstate_find(s, 1, 1, "e", 1, 0),
	      "the newest stay");
	rg_seqstate_remove(s, rg_seqstate_find(s, 1, 1, "d", 1, 0));
	rg_seqstate_stats(s, &st);
	CHECK(st.partials == 2, "a completed partial is removed");
	rg_seqstate_expire(s, 2000);
	rg_seqstate_stats(s, &st);
	CHECK(st.partials == 0, "expire frees what the time has passed");

	/* the summary may live in a partial the put evicts */
	rg_seqstate_clear(s);
	for (int i = 0; i < 3; i++) {
		char k = (char)('a' + i);
		rg_seqstate_put(s, &k, 1, &p);
	}
	const struct rg_partial *oldest = rg_seqstate_find(s, 1, 1, "a", 1, 0);
	struct rg_partial next = *oldest;
	next.stage = 2;
	rg_seqstate_put(s, "z", 1, &next); /* evicts "a", whose summary next points into */
	f = rg_seqstate_find(s, 1, 2, "z", 1, 0);
	CHECK(f && !strcmp(f->summary, "first"), "a put copies before it evicts");
	rg_seqstate_free(s);

	/* a put copies summary_len bytes, at most RG_SEQ_SUMMARY_MAX of them,
	 * and the partial held says how many it kept */
	s = rg_seqstate_new(4);
	char longsum[RG_SEQ_SUMMARY_MAX + 40];
	memset(longsum, 's', sizeof(longsum) - 1);
	longsum[sizeof(longsum) - 1] = '\0';
	struct rg_partial wordy = {.rule = 1, .stage = 1, .deadline_ns = 100, .summary = longsum,
				   .summary_len = sizeof(longsum) - 1};
	rg_seqstate_put(s, "w", 1, &wordy);
	f = rg_seqstate_find(s, 1, 1, "w", 1, 0);
	CHECK(f && strlen(f->summary) == RG_SEQ_SUMMARY_MAX && f->summary_len == RG_SEQ_SUMMARY_MAX,
	      "a long summary is cut to RG_SEQ_SUMMARY_MAX bytes, its length with it");
	wordy.summary = "first step, and more";
	wordy.summary_len = 10;
	rg_seqstate_put(s, "v", 1, &wordy);
	f = rg_seqstate_find(s, 1, 1, "v", 1, 0);
	CHECK(f && !strcmp(f->summary, "first step") && f->summary_len == 10,
	      "a put copies summary_len bytes, not up to the NUL");
	rg_seqstate_free(s);

	/* deadlines, not the order of puts, decide expiry and eviction */
	s = rg_seqstate_new(4);
	struct rg_partial live = {.rule = 1, .stage = 1, .deadline_ns = 1000, .summary = "l",
				  .summary_len = 1};
	rg_seqstate_put(s, "L", 1, &live);
	struct rg_partial brief = {.rule = 2, .stage = 1, .deadline_ns = 100, .summary = "b",
				   .summary_len = 1};
	rg_seqstate_put(s, "1", 1, &brief);
	rg_seqstate_put(s, "2", 1, &brief);
	rg_seqstate_put(s, "3", 1, &brief);
	rg_seqstate_expire(s, 500);
	rg_seqstate_stats(s, &st);
	CHECK(st.partials == 1 && rg_seqstate_find(s, 1, 1, "L", 1, 500),
	      "expiry frees short-window partials put after a long one");
	struct rg_partial soon = {.rule = 3, .stage = 1, .deadline_ns = 600, .summary = "s",
				  .summary_len = 1};
	struct rg_partial later = {.rule = 3, .stage = 1, .deadline_ns = 2000, .summary = "x",
				   .summary_len = 1};
	rg_seqstate_put(s, "S", 1, &soon);
	rg_seqstate_put(s, "X", 1, &later);
	rg_seqstate_put(s, "Y", 1, &later);
	rg_seqstate_put(s, "Z", 1, &later); /* full: evicts the nearest end */
	CHECK(!rg_seqstate_find(s, 3, 1, "S", 1, 500) && rg_seqstate_find(s, 1, 1, "L", 1, 500),
	      "the bound evicts the partial nearest its end, not the oldest put");
	struct rg_partial older = {.rule = 3, .stage = 1, .deadline_ns = 1500, .seqs = {5},
				   .summary = "o", .summary_len = 1};
	rg_seqstate_put(s, "Z", 1, &older);
	f = rg_seqstate_find(s, 3, 1, "Z", 1, 500);
	CHECK(f && f->deadline_ns == 2000 && !strcmp(f->summary, "x"),
	      "an older chain reaching the same key does not shorten the partial held");
	rg_seqstate_free(s);
	test_evictions_by_rule();
	test_eviction_ties();
}

/* ---- a small world: lineage, sequence state, rules, a clock --------------------- */

struct world {
	struct rg_ruleset *rs;
	struct rg_lineage *lin;
	struct rg_seqstate *sq;
	uint64_t seq;
	int64_t now;
	char fired[512], summary[512], steps[128];
	bool stepped; /* the last event started, continued or ended a sequence */
};

static void on_match(void *arg, const struct rg_match *m)
{
	struct world *w = arg;
	if (w->fired[0])
		strcat(w->fired, " ");
	strcat(w->fired, m->rule->id);
	snprintf(w->summary, sizeof(w->summary), "%s", m->summary);
	struct rg_alert a = {.nsteps = m->nsteps};
	if (m->nsteps)
		memcpy(a.steps, m->steps, m->nsteps * sizeof(a.steps[0]));
	rg_alert_steps_json(&a, w->steps, sizeof(w->steps));
}

static struct world *world_new(struct rg_ruleset *rs, unsigned max)
{
	struct world *w = calloc(1, sizeof(*w));
	w->rs = rs;
	w->lin = rg_lineage_new(1024);
	w->sq = rg_seqstate_new(max);
	w->now = 1000 * SEC;
	return w;
}

static void world_free(struct world *w)
{
	rg_lineage_free(w->lin);
	rg_seqstate_free(w->sq);
	rg_rules_free(w->rs);
	free(w);
}

/* Sends ev (seq and time filled) and returns the ids of the rules fired. */
static const char *send(struct world *w, struct rg_event *ev)
{
	ev->seq = ++w->seq;
	ev->ts_ns = w->now;
	w->fired[0] = w->steps[0] = '\0';
	rg_lineage_event(w->lin, ev);
	rg_rules_eval(w->rs, w->sq, ev, w->lin, on_match, w, &w->stepped);
	return w->fired;
}

/* parent forks child, which execs exe as uid. */
static const char *spawn(struct world *w, int64_t parent, int64_t child, const char *exe,
			 uint32_t uid)
{
	const char *comm = strrchr(exe, '/') + 1;
	struct rg_event f = {.type = RG_ET_PROCESS_RELATIONSHIP, .proc_id = parent,
			     .pid = (uint32_t)parent, .child_proc_id = child,
			     .child_pid = (uint32_t)child, .uid = uid};
	send(w, &f);
	struct rg_event x = {.type = RG_ET_PROCESS_START, .proc_id = child, .pid = (uint32_t)child,
			     .parent_proc_id = parent, .exe = S(exe), .comm = S(comm),
			     .argv = {comm, (uint32_t)strlen(comm)}, .argc = 1, .uid = uid,
			     .euid = uid, .auid = 1000, .syscall = "execve"};
	return send(w, &x);
}

static const char *file(struct world *w, enum rg_etype t, int64_t proc, const char *path,
			const char *new_path)
{
	const struct rg_lproc *p = rg_lineage_get(w->lin, proc);
	struct rg_event ev = {.type = t, .proc_id = proc, .pid = (uint32_t)proc,
			      .parent_proc_id = p ? p->parent_proc_id : 0,
			      .exe = p ? p->exe : S("/x"), .comm = p ? p->comm : S("x"),
			      .uid = p ? p->uid : 0, .path = S(path), .new_path = S(new_path),
			      .syscall = "openat"};
	return send(w, &ev);
}

static const char *connect_to(struct world *w, int64_t proc, uint32_t port)
{
	const struct rg_lproc *p = rg_lineage_get(w->lin, proc);
	struct rg_event ev = {.type = RG_ET_NET_CONNECT, .proc_id = proc, .pid = (uint32_t)proc,
			      .parent_proc_id = p ? p->parent_proc_id : 0,
			      .exe = p ? p->exe : S("/x"), .comm = p ? p->comm : S("x"),
			      .family = "ipv4", .protocol = "tcp", .remote_addr = S("127.0.0.1"),
			      .remote_port = port, .result = 0, .syscall = "connect"};
	return send(w, &ev);
}

static struct rg_ruleset *shipped(void)
{
	char dir[1024], err[512];
	const char *src = getenv("RG_SOURCE_DIR");
	snprintf(dir, sizeof(dir), "%s/config/rules.d", src ? src : ".");
	struct rg_rules_source s = {dir, false, true};
	struct rg_ruleset *rs = NULL;
	if (rg_rules_load(&rs, &s, 1, err, sizeof(err)))
		printf("# %s\n", err);
	return rs;
}

/* A world with the shipped rules and a shell (10) under init (1). */
static struct world *shipped_world(void)
{
	struct world *w = world_new(shipped(), 4096);
	struct rg_process init = {.proc_id = 1, .pid = 1, .comm = S("systemd"),
				  .exe = S("/usr/lib/systemd/systemd")};
	rg_lineage_process(w->lin, &init);
	spawn(w, 1, 10, "/usr/bin/bash", 1000);
	return w;
}

/* ---- the shipped sequences ------------------------------------------------------- */

static void test_download_exec(void)
{
	struct world *w = shipped_world();
	spawn(w, 10, 20, "/usr/bin/curl", 1000);
	connect_to(w, 20, 443);
	file(w, RG_ET_FILE_WRITE, 20, "/usr/local/bin/tool", NULL);
	CHECK_STR(spawn(w, 10, 21, "/usr/local/bin/tool", 1000), "SEQ-DOWNLOAD-EXEC-001",
		  "curl writes a file, then it runs: 001 (not 002: curl is 001's)");
	spawn(w, 10, 22, "/usr/local/bin/early", 1000);
	file(w, RG_ET_FILE_WRITE, 20, "/usr/local/bin/early", NULL);
	CHECK_STR(w->fired, "", "run first, downloaded after: nothing");
	file(w, RG_ET_FILE_WRITE, 20, "/usr/local/bin/slow", NULL);
	w->now += 10 * 60 * SEC + 1;
	CHECK_STR(spawn(w, 10, 23, "/usr/local/bin/slow", 1000), "",
		  "run more than 10 minutes after the download: nothing");

	spawn(w, 10, 30, "/usr/bin/python3.11", 1000);
	CHECK_STR(file(w, RG_ET_FILE_WRITE, 30, "/usr/local/bin/payload", NULL), "",
		  "a write without a connection before it");
	CHECK(!w->stepped, "is no step of any sequence (it needs no queue reserve)");
	CHECK_STR(spawn(w, 10, 31, "/usr/local/bin/payload", 1000), "",
		  "then its exec: nothing (no connection)");
	connect_to(w, 30, 8080);
	CHECK(w->stepped, "a connect starts sequences");
	file(w, RG_ET_FILE_WRITE, 30, "/usr/local/bin/payload2", NULL);
	CHECK(w->stepped, "the connected process's write continues one");
	CHECK_STR(spawn(w, 10, 32, "/usr/local/bin/payload2", 1000), "SEQ-DOWNLOAD-EXEC-002",
		  "connect, write by the same process, exec: three steps");
	CHECK_INT(strlen(w->steps) > 0 && strchr(w->steps, ',') != strrchr(w->steps, ','), 1,
		  "three seqs in steps");

	connect_to(w, 30, 8080);
	spawn(w, 10, 33, "/usr/bin/cp", 1000);
	file(w, RG_ET_FILE_WRITE, 33, "/usr/local/bin/payload3", NULL);
	CHECK_STR(spawn(w, 10, 34, "/usr/local/bin/payload3", 1000), "",
		  "the write by an unrelated process: not joined");
	world_free(w);
}

/* A first step stamped within a window of the clock's end (an imported
 * or forged time) waits until the end: its deadline does not wrap (the
 * sanitizer build reports the overflow it was). */
static void test_clock_end(void)
{
	struct world *w = shipped_world();
	w->now = INT64_MAX - 5 * SEC;
	spawn(w, 10, 20, "/usr/bin/curl", 1000);
	connect_to(w, 20, 443);
	file(w, RG_ET_FILE_WRITE, 20, "/usr/local/bin/tool", NULL);
	w->now += 4 * SEC;
	CHECK_STR(spawn(w, 10, 21, "/usr/local/bin/tool", 1000), "SEQ-DOWNLOAD-EXEC-001",
		  "at the clock's end: the download then its run still fires");
	world_free(w);
}

/* ---- syntax, joins and the bound ---------------------------------------------- */

#define SEQ(id, body) "[rule \"" id "\"]\nname = " id "\nseverity = low\n" body "\n"

static const char *load_error(const char *text)
{
	static char err[512];
	struct rg_ruleset *rs = NULL;
	err[0] = '\0';
	if (!rg_rules_load_string(&rs, "t.rules", text, err, sizeof(err)))
		rg_rules_free(rs);
	return err;
}

static void test_syntax(void)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{SEQ("A", "window = 1m\nstep = 1\nevents = file_write\nmatch = path prefix /tmp"),
		 "t.rules:1: rule \"A\": a sequence needs a second step ('step = 2')"},
		{SEQ("A", "step = 1\nmatch = path prefix /tmp\nstep = 2\nevents = process_start\n"
			  "join = process"),
		 "t.rules:1: rule \"A\": a sequence needs a 'window' (e.g. 60s)"},
		{SEQ("A", "window = 1m\nmatch = path prefix /tmp"),
		 "t.rules:4: rule \"A\": 'window' applies to sequences only ('step = 1', ...)"},
		{SEQ("A", "window = 1m\nstep = 2"),
		 "t.rules:5: rule \"A\": steps are numbered in order: expected 'step = 1'"},
		{SEQ("A", "match = path prefix /tmp\nstep = 1"),
		 "t.rules:5: rule \"A\": 'step = 1' must come before the rule's events and conditions"},
		{SEQ("A", "window = 1m\nstep = 1\nmatch = path prefix /tmp\nstep = 3"),
		 "t.rules:7: rule \"A\": steps are numbered in order: expected 'step = 2'"},
		{SEQ("A", "window = 1m\nstep = 1\nmatch = uid gt 0\nstep = 2\nmatch = uid gt 0\n"
			  "join = process\nstep = 3\nmatch = uid gt 0\njoin = process\nstep = 4\n"
			  "match = uid gt 0\njoin = process\nstep = 5"),
		 "t.rules:16: rule \"A\": a sequence has at most 4 steps"},
		{SEQ("A", "window = 1m\nstep = 1\nmatch = uid gt 0\njoin = process"),
		 "t.rules:7: rule \"A\": 'join' belongs to a sequence's second or later step"},
		{SEQ("A", "window = 1m\nstep = 1\nmatch = uid gt 0\nstep = 2\nmatch = uid gt 0"),
		 "t.rules:7: rule \"A\": step 2 needs a 'join' (process, child, descendant, or "
		 "FIELD == FIELD)"},
		{SEQ("A", "window = 1m\nstep = 1\nmatch = uid gt 0\nstep = 2\njoin = process"),
		 "t.rules:7: rule \"A\": step 2 needs 'events' or a 'match' condition"},
		{SEQ("A", "window = 1m\nstep = 1\nmatch = uid gt 0\nstep = 2\nmatch = uid gt 0\n"
			  "join = sibling"),
		 "t.rules:9: rule \"A\": bad join 'sibling' (process, child, descendant, or "
		 "FIELD[|FIELD] == FIELD[|FIELD])"},
		{SEQ("A", "window = 1m\nstep = 1\nmatch = uid gt 0\nstep = 2\nmatch = uid gt 0\n"
			  "join = path == uid"),
		 "t.rules:9: rule \"A\": join 'path == uid' compares text with a number"},
		{SEQ("A", "window = 1m\nstep = 1\nmatch = uid gt 0\nstep = 2\nmatch = uid gt 0\n"
			  "join = path == exe extra"),
		 "t.rules:9: rule \"A\": bad join 'path == exe extra' (one field list on each side)"},
		{SEQ("A", "window = 1m\nstep = 1\nevents = process_start\nmatch = uid gt 0\n"
			  "step = 2\nevents = process_start\njoin = path == exe"),
		 "t.rules:10: rule \"A\": field 'path' does not exist on process_start events"},
		{SEQ("A", "window = 1m\nstep = 1\nmatch = uid gt 0\nstep = 2\nmatch = uid gt 0\n"
			  "join = process\njoin = child"),
		 "t.rules:10: rule \"A\": duplicate key 'join' (first set on line 9)"},
		{SEQ("A", "window = 25h\nstep = 1"),
		 "t.rules:4: rule \"A\": bad window '25h' (a number with ms, s, m or h; 1ms to 24h)"},
		{SEQ("A", "window = 10\nstep = 1"),
		 "t.rules:4: rule \"A\": bad window '10' (a number with ms, s, m or h; 1ms to 24h)"},
		{SEQ("A", "window = 0s\nstep = 1"),
		 "t.rules:4: rule \"A\": bad window '0s' (a number with ms, s, m or h; 1ms to 24h)"},
		{SEQ("A", "window = 1m\nstep = 1\nevents = file_open\nevents = file_write"),
		 "t.rules:7: rule \"A\": duplicate key 'events' (first set on line 6)"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[300];
		snprintf(what, sizeof(what), "refused: %s", strchr(bad[i].want, '"'));
		CHECK_STR(load_error(bad[i].text), bad[i].want, what);
	}
	CHECK_STR(load_error(SEQ("A", "window = 24h\nstep = 1\nevents = file_open\nmatch = uid gt 0\n"
				      "step = 2\nevents = file_open\njoin = child\nstep = 3\n"
				      "events = file_write\nmatch = path prefix /x\njoin = path == path")),
		  "", "a three-step sequence with a later 'events' per step loads");

	/* the digest covers windows and joins */
	const char *base = SEQ("A", "window = 1m\nstep = 1\nmatch = uid gt 0\nstep = 2\n"
				    "match = uid gt 0\njoin = process");
	const char *texts[] = {
		base,
		SEQ("A", "window = 60s\nstep = 1\nmatch = uid gt 0\nstep = 2\nmatch = uid gt 0\n"
			 "join = process"),
		SEQ("A", "window = 2m\nstep = 1\nmatch = uid gt 0\nstep = 2\nmatch = uid gt 0\n"
			 "join = process"),
		SEQ("A", "window = 1m\nstep = 1\nmatch = uid gt 0\nstep = 2\nmatch = uid gt 0\n"
			 "join = child"),
	};
	char digests[4][65];
	char err[256];
	for (int i = 0; i < 4; i++) {
		struct rg_ruleset *rs = NULL;
		rg_rules_load_string(&rs, "t.rules", texts[i], err, sizeof(err));
		snprintf(digests[i], sizeof(digests[i]), "%s", rs ? rs->digest : "");
		rg_rules_free(rs);
	}
	CHECK_STR(digests[1], digests[0], "digest: 60s and 1m are one window");
	CHECK(strcmp(digests[2], digests[0]) && strcmp(digests[3], digests[0]),
	      "digest: another window or join is another rule set");
}

static void test_joins(void)
{
	char err[256];
	struct rg_ruleset *rs = NULL;
	rg_rules_load_string(&rs, "t.rules",
		SEQ("DESC", "window = 1m\nstep = 1\nevents = file_open\nmatch = path equals /a\n"
			    "step = 2\nevents = file_open\nmatch = path equals /b\njoin = descendant")
		SEQ("NUM", "window = 1m\nstep = 1\nevents = file_open\nmatch = path equals /n1\n"
			   "step = 2\nevents = network_connect\njoin = uid == remote_port")
		SEQ("ARGV", "window = 1m\nstep = 1\nevents = file_write\nmatch = path prefix /s\n"
			    "step = 2\nevents = process_start\njoin = path == argv"),
		err, sizeof(err));
	CHECK(rs != NULL, "join rules load");
	struct world *w = world_new(rs, 64);
	spawn(w, 1, 2, "/usr/bin/a", 0);
	spawn(w, 2, 3, "/usr/bin/b", 0);
	spawn(w, 3, 4, "/usr/bin/c", 0);
	file(w, RG_ET_FILE_OPEN, 2, "/a", NULL);
	CHECK_STR(file(w, RG_ET_FILE_OPEN, 4, "/b", NULL), "DESC", "descendant: a grandchild");
	file(w, RG_ET_FILE_OPEN, 4, "/a", NULL);
	CHECK_STR(file(w, RG_ET_FILE_OPEN, 2, "/b", NULL), "", "descendant: not an ancestor");
	CHECK_STR(file(w, RG_ET_FILE_OPEN, 4, "/b", NULL), "DESC", "descendant: the process itself");

	/* numbers join numbers: uid 0 of the opener == port 0? use uid 8080 */
	spawn(w, 1, 5, "/usr/bin/d", 8080);
	file(w, RG_ET_FILE_OPEN, 5, "/n1", NULL);
	CHECK_STR(connect_to(w, 2, 8081), "", "a number join: another value");
	CHECK_STR(connect_to(w, 2, 8080), "NUM", "a number join: the same value, any process");

	/* argv: any one argument */
	file(w, RG_ET_FILE_WRITE, 2, "/s/run.sh", NULL);
	struct rg_event x = {.type = RG_ET_PROCESS_START, .proc_id = 6, .pid = 6,
			     .exe = S("/usr/bin/dash"), .comm = S("sh"),
			     .argv = {"sh\0/s/run.sh\0", 13}, .argc = 2};
	CHECK_STR(send(w, &x), "ARGV", "a join on argv: any argument");
	world_free(w);
}

/* A sequence is evaluated on a type only its first step takes when the
 * event has a text that step needs (prefilter.c: first_only); on a type a
 * later step takes, always: the later step continues a partial whatever
 * texts the event has. */
static void test_first_step_texts(void)
{
	char err[256];
	struct rg_ruleset *rs = NULL;
	rg_rules_load_string(&rs, "t.rules",
		SEQ("FIRST", "window = 1m\nstep = 1\nevents = file_write\n"
			     "match = path contains needle\nstep = 2\nevents = process_start\n"
			     "join = path == exe")
		SEQ("BOTH", "window = 1m\nstep = 1\nevents = file_open\nmatch = path equals /one\n"
			    "step = 2\nevents = file_open\njoin = process"),
		err, sizeof(err));
	CHECK(rs != NULL, "first-step rules load");
	struct world *w = world_new(rs, 64);
	spawn(w, 1, 2, "/usr/bin/a", 0);
	file(w, RG_ET_FILE_WRITE, 2, "/x/hay", NULL);
	CHECK(!w->stepped, "a write without the first step's text starts nothing");
	CHECK_STR(spawn(w, 1, 3, "/x/hay", 0), "", "and its exec fires nothing");
	file(w, RG_ET_FILE_WRITE, 2, "/x/a-needle", NULL);
	CHECK(w->stepped, "a write with it starts a partial");
	CHECK_STR(spawn(w, 1, 4, "/x/a-needle", 0), "FIRST", "which its exec ends");
	file(w, RG_ET_FILE_OPEN, 2, "/one", NULL);
	CHECK(w->stepped, "an open of /one starts BOTH");
	CHECK_STR(file(w, RG_ET_FILE_OPEN, 2, "/other", NULL), "BOTH",
		  "an open without /one, of the type the first step takes too, ends it");
	world_free(w);
}

/* An attacker flooding step 1 with new keys cannot grow the state. */
static void test_flood(void)
{
	struct world *w = shipped_world();
	rg_seqstate_free(w->sq);
	w->sq = rg_seqstate_new(256);
	spawn(w, 10, 11, "/usr/bin/cp", 1000);
	file(w, RG_ET_FILE_WRITE, 11, "/tmp/real-payload", NULL);
	char path[64];
	for (int i = 0; i < 100000; i++) {
		snprintf(path, sizeof(path), "/tmp/flood-%d", i);
		file(w, RG_ET_FILE_WRITE, 11, path, NULL);
	}
	struct rg_seqstate_stats st;
	rg_seqstate_stats(w->sq, &st);
	CHECK_INT(st.partials, 256, "100 000 first steps: the state holds its bound");
	CHECK(st.evictions >= 100000 - 256, "and counts what it pushed out");
	uint64_t by_rule = 0, drop_exec = 0;
	for (unsigned i = 0; i < w->rs->nrules; i++) {
		uint64_t n = rg_seqstate_take_evictions(w->sq, i);
		by_rule += n;
		if (!strcmp(w->rs->rules[i].id, "SEQ-DROP-EXEC-001"))
			drop_exec = n;
	}
	CHECK(by_rule == st.evictions && drop_exec > 0,
	      "every eviction is counted against a rule, the flooded one among them");
	CHECK_STR(spawn(w, 10, 12, "/tmp/real-payload", 1000), "EXEC-TMP-001",
		  "the flooded-out partial cannot fire (the eviction count says why)");
	CHECK_STR(spawn(w, 10, 13, "/tmp/flood-99999", 1000), "EXEC-TMP-001 SEQ-DROP-EXEC-001",
		  "a partial still held does");

	/* repeating the same step renews instead of growing */
	struct world *v = shipped_world();
	spawn(v, 10, 20, "/usr/bin/python3.11", 1000);
	for (int i = 0; i < 10000; i++)
		connect_to(v, 20, 443);
	rg_seqstate_stats(v->sq, &st);
	CHECK(st.partials <= 2 && st.evictions == 0, "10 000 connects by one process: one partial per rule");
	world_free(v);
	world_free(w);
}

int main(void)
{
	test_store();
	test_keys();
	test_syntax();
	test_joins();
	test_first_step_texts();
	test_download_exec();
	test_clock_end();
	test_flood();
	return tap_done();
}
