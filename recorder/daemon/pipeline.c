/* pipeline.c: one record from ring to outputs (see pipeline.h). */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "clock.h"

void rg_pipeline_init(struct rg_pipeline *p, struct rg_proctab *pt, struct rg_ndjson *nd,
		      struct rg_store *store, int64_t run_id, uint64_t first_seq,
		      int64_t now_ns)
{
	memset(p, 0, sizeof(*p));
	p->pt = pt;
	p->nd = nd;
	p->store = store;
	p->run_id = run_id;
	p->seq = first_seq ? first_seq - 1 : 0;
	p->started_ns = now_ns;
	p->last.ts_ns = now_ns;
	p->last.seq_ns = now_ns;
}

void rg_pipeline_free(struct rg_pipeline *p)
{
	rg_buf_free(&p->pb.path);
	rg_buf_free(&p->pb.new_path);
	rg_buf_free(&p->pb.script);
	rg_buf_free(&p->summary);
	free(p->matched);
	rg_dnscache_free(p->dns);
}

/* What the kernel sends whatever the path (bpf/filemeta.bpf.h): a mode
 * with the setuid or setgid bit, the security.capability attribute. */
static bool file_any_path(const struct rg_event *ev)
{
	static const char caps[] = "security.capability";
	if (ev->type == RG_ET_FILE_CHMOD)
		return ev->mode & 06000;
	return ev->type == RG_ET_FILE_SETXATTR && ev->xattr_name.len == sizeof(caps) - 1 &&
	       memcmp(ev->xattr_name.p, caps, sizeof(caps) - 1) == 0;
}

/* The kernel sends what its filter cannot rule out; this is the exact
 * decision (pathmatch.h). A rename counts when either name is wanted; a
 * link or symlink by the link it makes alone (a symlink's path is its
 * target as written). A truncated path has lost the components a prefix
 * would match: kept. */
static bool file_wanted(const struct rg_pipeline *p, const struct rg_event *ev)
{
	if (!p->files || !(RG_ET_BIT(ev->type) & RG_ET_FILE_MASK) ||
	    (ev->flags & (RG_EF_PATH_TRUNC | RG_EF_NEW_PATH_TRUNC)) || file_any_path(ev))
		return true;
	bool writing = ev->type != RG_ET_FILE_OPEN || rg_open_flags_write(ev->fflags);
	bool by_link = ev->type == RG_ET_FILE_LINK || ev->type == RG_ET_FILE_SYMLINK;
	return (!by_link && rg_pathmatch_wanted(p->files, ev->path.p, ev->path.len, writing)) ||
	       (ev->host_path.p &&
		rg_pathmatch_wanted(p->files, ev->host_path.p, ev->host_path.len, writing)) ||
	       (ev->new_path.p &&
		rg_pathmatch_wanted(p->files, ev->new_path.p, ev->new_path.len, writing));
}

void rg_pipeline_process(struct rg_pipeline *p, const struct rg_process *proc)
{
	if (p->store)
		rg_store_put_process(p->store, proc);
}

void rg_pipeline_known_process(struct rg_pipeline *p, const struct rg_process *proc)
{
	if (p->lin) {
		rg_lineage_process(p->lin, proc);
		if (p->store) /* replay seeds its lineage with the same */
			rg_store_put_seed(p->store, proc);
	}
	rg_pipeline_process(p, proc);
}

/* A match is held until its event is written: the event's seq comes first. */
static void on_match(void *arg, const struct rg_match *m)
{
	struct rg_pipeline *p = arg;
	if (p->nmatched == p->matched_cap) {
		p->matched_cap = p->matched_cap ? 2 * p->matched_cap : 8;
		p->matched = rg_realloc(p->matched, p->matched_cap * sizeof(*p->matched));
	}
	struct rg_pending *a = &p->matched[p->nmatched++];
	a->rule = m->rule;
	a->nsteps = m->nsteps;
	if (m->nsteps)
		memcpy(a->steps, m->steps, m->nsteps * sizeof(a->steps[0]));
	a->summary_at = p->summary.len;
	rg_buf_adds(&p->summary, m->summary);
	a->summary_len = p->summary.len - a->summary_at;
}

static struct rg_str str_c(const char *s)
{
	return (struct rg_str){s, s ? (uint32_t)strlen(s) : 0};
}

/* One alert per matching rule, after the event: its seq follows. */
static void emit_alerts(struct rg_pipeline *p, const struct rg_event *ev)
{
	for (unsigned i = 0; i < p->nmatched; i++) {
		const struct rg_pending *m = &p->matched[i];
		const struct rg_rule *r = m->rule;
		struct rg_alert a = {
			.seq = ++p->seq,
			.ts_ns = ev->ts_ns,
			.rule_id = str_c(r->id),
			.rule_name = str_c(r->name),
			.severity = str_c(rg_severity_name(r->severity)),
			.tags = str_c(r->tags ? r->tags : ""),
			.rule_source = str_c(r->sigma ? "sigma" : "rules"),
			.rule_file = str_c(r->file),
			.summary = {p->summary.p + m->summary_at, (uint32_t)m->summary_len},
			.rules_digest = str_c(p->rules->digest),
			.event_seq = ev->seq,
			.event_type = ev->type,
			.proc_id = ev->proc_id,
			.pid = ev->pid,
			.exe = ev->exe,
			.nsteps = m->nsteps,
		};
		memcpy(a.steps, m->steps, sizeof(a.steps));
		if (p->nd)
			rg_ndjson_alert(p->nd, &a, ev);
		if (p->store)
			rg_store_put_alert(p->store, &a);
	}
	p->alerts += p->nmatched;
}

/* seq, lineage, rules, then the outputs: the event, then its alerts. */
void rg_pipeline_event(struct rg_pipeline *p, struct rg_event *ev)
{
	bool stepped = false;
	ev->seq = ++p->seq;
	p->events++;
	p->nmatched = 0;
	p->summary.len = 0;
	if (p->lin) {
		rg_lineage_event(p->lin, ev);
		rg_rules_eval(p->rules, p->seqs, ev, p->lin, on_match, p, &stepped);
	}
	if (p->nd)
		rg_ndjson_event(p->nd, ev);
	/* The reserve keeps what replay and the alerts need: process events
	 * (lineage), matched events and sequence steps. */
	if (p->store)
		rg_store_put_event(p->store, ev,
				   p->nmatched > 0 || stepped ||
					   (RG_ET_BIT(ev->type) & RG_ET_PROCESS_MASK));
	if (p->nmatched)
		emit_alerts(p, ev);
}

void rg_pipeline_record(struct rg_pipeline *p, const void *data, size_t size)
{
	struct rg_event ev;
	struct rg_ids ids;

	p->events_read++;
	switch (rg_decode(data, size, &ev, &ids, &p->pb)) {
	case RG_DECODE_INVALID:
		p->events_invalid++;
		return;
	case RG_DECODE_UNSUPPORTED:
		p->events_unsupported++;
		return;
	case RG_DECODE_OK:
		break;
	}
	if (!file_wanted(p, &ev)) {
		p->filtered++;
		return;
	}
	/* a forged boot time within the offset of the clock's end stops at
	 * the end rather than wrap to a time in the past */
	if (__builtin_add_overflow((int64_t)ev.boot_ns, p->wall_offset, &ev.ts_ns))
		ev.ts_ns = p->wall_offset > 0 ? INT64_MAX : INT64_MIN;
	if (ev.type == RG_ET_DNS_ANSWER)
		rg_dnscache_put(&p->dns, &ev);
	else if (ev.type == RG_ET_NET_CONNECT)
		ev.remote_hostname = rg_dnscache_get(p->dns, ev.remote_addr, ev.boot_ns);
	const struct rg_process *changed = rg_proctab_apply(p->pt, &ev, &ids);
	if (changed)
		rg_pipeline_process(p, changed);
	if (p->hasher && ev.type == RG_ET_PROCESS_START)
		rg_hasher_exec(p->hasher, &ev, ids.start_boot_ns, rg_mono_ns());
	rg_pipeline_event(p, &ev);
}

/* The file the verdict is on: the image (exe_*), or its script (script_*,
 * exe the interpreter as at the exec). */
static void hashed_file(struct rg_event *ev, const struct rg_hash_result *r)
{
	bool ok = r->status == RG_HS_OK || r->status == RG_HS_BY_PATH;
	if (!r->script) {
		ev->exe_dev = r->id.dev;
		ev->exe_ino = r->id.ino;
		ev->exe_size = r->id.size;
		ev->exe_ctime_ns = r->id.ctime_ns;
		ev->hash_status = rg_hash_status_name(r->status);
		if (ok)
			ev->exe_sha256 = (struct rg_str){r->hex, 64};
		return;
	}
	ev->script = str_c(r->script);
	ev->script_dev = r->id.dev;
	ev->script_ino = r->id.ino;
	ev->script_size = r->id.size;
	ev->script_ctime_ns = r->id.ctime_ns;
	ev->script_hash_status = rg_hash_status_name(r->status);
	if (ok)
		ev->script_sha256 = (struct rg_str){r->hex, 64};
}

/* The event says what the hasher found, for the process that ran the
 * file, with its context as the process table has it now (the exe is the
 * path at the exec). */
void rg_pipeline_hashes(struct rg_pipeline *p)
{
	struct rg_hash_result r;
	while (p->hasher && rg_hasher_take(p->hasher, &r)) {
		int64_t boot_ns = rg_boot_ns();
		struct rg_event ev = {
			.type = RG_ET_BINARY_HASHED,
			.boot_ns = (uint64_t)boot_ns,
			.ts_ns = boot_ns + p->wall_offset, /* as the poll's events */
			.proc_id = r.proc_id,
			.pid = r.pid,
			.tid = r.pid,
			.exe = str_c(r.exe),
		};
		hashed_file(&ev, &r);
		const struct rg_process *pr = rg_proctab_find(p->pt, r.pid, r.start_boot_ns);
		if (pr) {
			ev.uid = pr->uid;
			ev.gid = pr->gid;
			ev.ppid = pr->ppid;
			ev.parent_proc_id = pr->parent_proc_id;
			ev.comm = pr->comm;
		}
		rg_pipeline_event(p, &ev);
	}
}

static uint64_t rss_kb(void)
{
	unsigned long size, resident;
	FILE *f = fopen("/proc/self/statm", "re");
	if (!f)
		return 0;
	int n = fscanf(f, "%lu %lu", &size, &resident);
	fclose(f);
	return n == 2 ? resident * (uint64_t)sysconf(_SC_PAGESIZE) / 1024 : 0;
}

static void put_gap(struct rg_pipeline *p, const struct rg_gap *g)
{
	if (p->nd)
		rg_ndjson_gap(p->nd, g);
	if (p->store)
		rg_store_put_gap(p->store, g);
}

/* A gap row for what a counter grew by since the last health row. The
 * window starts at that row, or at from_ns when earlier (0: no earlier
 * start): kernel drops happen when the event does, but the store drops
 * events the reader took late, whose time can be before the last row. */
static void gap(struct rg_pipeline *p, int64_t now_ns, uint64_t now, uint64_t before,
		int64_t from_ns, const char *reason)
{
	if (now <= before)
		return;
	int64_t start = from_ns && from_ns < p->last.ts_ns ? from_ns : p->last.ts_ns;
	struct rg_gap g = {p->run_id, start, now_ns, now - before, reason};
	put_gap(p, &g);
}

void rg_pipeline_clock(struct rg_pipeline *p, int64_t offset, int64_t boot_ns)
{
	int64_t step = offset - p->wall_offset;
	int64_t old_wall = boot_ns + p->wall_offset, new_wall = boot_ns + offset;
	if (step > -RG_CLOCK_JITTER_NS && step < RG_CLOCK_JITTER_NS)
		return;
	p->wall_offset = offset;
	if (step > -RG_CLOCK_STEP_MIN_NS && step < RG_CLOCK_STEP_MIN_NS)
		return;
	struct rg_gap g = {p->run_id, step < 0 ? new_wall : old_wall,
			   step < 0 ? old_wall : new_wall, 0,
			   step < 0 ? "clock_step_back" : "clock_step_forward"};
	put_gap(p, &g);
}

void rg_pipeline_sequence_gaps(struct rg_pipeline *p, int64_t now_ns)
{
	for (unsigned i = 0; p->seqs && p->rules && i < p->rules->nrules; i++) {
		uint64_t n = rg_seqstate_take_evictions(p->seqs, i);
		if (!n)
			continue;
		struct rg_gap g = {p->run_id, p->last.seq_ns, now_ns, n, "sequence_eviction",
				   str_c(p->rules->rules[i].id)};
		put_gap(p, &g);
	}
	p->last.seq_ns = now_ns;
}

/* Where each health counter's value comes from: one SRC_ macro per counter
 * of RG_HEALTH_FIELDS (core/health.h), which fills the row, so a counter
 * added there without its source here does not compile, and
 * tests/cli/test_facts.sh finds a source left for a counter that is gone. */
struct health_src {
	const struct rg_pipeline *p;
	const struct rg_store_stats *ss;
	const struct rg_proctab_stats *ps;
	const struct rg_seqstate_stats *sq;
	const struct rg_hasher_stats *hs;
	int64_t now_ns;
};
#define SRC_events_read(s) ((s)->p->events_read)
#define SRC_events_invalid(s) ((s)->p->events_invalid)
#define SRC_events_unsupported(s) ((s)->p->events_unsupported)
#define SRC_kernel_drops(s) ((s)->p->kernel_drops)
#define SRC_kernel_drops_process(s) ((s)->p->kernel_drops_by_family[0])
#define SRC_kernel_drops_file(s) ((s)->p->kernel_drops_by_family[1])
#define SRC_kernel_drops_network(s) ((s)->p->kernel_drops_by_family[2])
#define SRC_kernel_drops_system(s) ((s)->p->kernel_drops_by_family[3])
#define SRC_kernel_skipped(s) ((s)->p->kernel_skipped)
#define SRC_user_drops(s) ((s)->ss->user_drops)
#define SRC_user_drops_process(s) ((s)->ss->user_drops_by_table[0])
#define SRC_user_drops_file(s) ((s)->ss->user_drops_by_table[1])
#define SRC_user_drops_network(s) ((s)->ss->user_drops_by_table[2])
#define SRC_user_drops_system(s) ((s)->ss->user_drops_by_table[3])
#define SRC_filtered(s) ((s)->p->filtered + (s)->p->kernel_filtered)
#define SRC_ndjson_written(s) ((s)->p->nd ? rg_ndjson_written((s)->p->nd) : 0)
#define SRC_ndjson_failures(s) ((s)->p->nd ? rg_ndjson_failures((s)->p->nd) : 0)
#define SRC_rows_processes(s) ((s)->ss->rows_processes)
#define SRC_rows_process_events(s) ((s)->ss->rows_process_events)
#define SRC_rows_file_events(s) ((s)->ss->rows_file_events)
#define SRC_rows_network_events(s) ((s)->ss->rows_network_events)
#define SRC_rows_system_events(s) ((s)->ss->rows_system_events)
#define SRC_rows_gaps(s) ((s)->ss->rows_gaps)
#define SRC_rows_alerts(s) ((s)->ss->rows_alerts)
#define SRC_store_failures(s) ((s)->ss->store_failures)
#define SRC_rows_pruned(s) ((s)->ss->rows_pruned)
#define SRC_batches(s) ((s)->ss->batches)
#define SRC_batch_commit_us_max(s) ((s)->ss->batch_commit_us_max)
#define SRC_queue_depth(s) ((s)->ss->queue_depth)
#define SRC_wal_bytes(s) ((s)->ss->wal_bytes)
#define SRC_checkpoints(s) ((s)->ss->checkpoints)
#define SRC_checkpoints_blocked(s) ((s)->ss->checkpoints_blocked)
#define SRC_checkpoint_us_max(s) ((s)->ss->checkpoint_us_max)
#define SRC_wal_pinned(s) ((s)->ss->wal_pinned)
#define SRC_proctab_size(s) ((s)->ps->size)
#define SRC_proctab_evictions(s) ((s)->ps->evictions)
#define SRC_name_loads(s) ((s)->ps->name_loads)
#define SRC_cgroups_unknown(s) ((s)->ps->cgroups_unknown)
#define SRC_alerts(s) ((s)->p->alerts)
#define SRC_rules_enabled(s) ((s)->p->rules ? (s)->p->rules->nenabled : 0)
#define SRC_rule_reloads(s) ((s)->p->rule_reloads)
#define SRC_rule_reload_failures(s) ((s)->p->rule_reload_failures)
#define SRC_queue_reserve_used(s) ((s)->ss->reserve_used)
#define SRC_lineage_evictions(s) ((s)->p->lin ? rg_lineage_evictions((s)->p->lin) : 0)
#define SRC_sequence_partials(s) ((s)->sq->partials)
#define SRC_sequence_evictions(s) ((s)->sq->evictions)
#define SRC_hash_cache_hits(s) ((s)->hs->hits)
#define SRC_hashes_computed(s) ((s)->hs->hashed)
#define SRC_hash_over_budget(s) ((s)->hs->over_budget)
#define SRC_ship_rows(s) ((s)->ss->ship_rows)
#define SRC_ship_failures(s) ((s)->ss->ship_failures)
#define SRC_ship_lag_rows(s) ((s)->ss->ship_lag_rows)
#define SRC_ship_lag_s(s) ((s)->ss->ship_lag_s)
#define SRC_uptime_s(s) ((uint64_t)(((s)->now_ns - (s)->p->started_ns) / 1000000000))
#define SRC_rss_kb(s) (rss_kb())

void rg_pipeline_health(struct rg_pipeline *p, int64_t now_ns)
{
	struct rg_store_stats ss = {0};
	struct rg_proctab_stats ps;

	if (p->store)
		rg_store_stats(p->store, &ss);
	rg_proctab_stats(p->pt, &ps);
	struct rg_seqstate_stats sq = {0};
	if (p->seqs)
		rg_seqstate_stats(p->seqs, &sq);

	gap(p, now_ns, p->kernel_drops, p->last.kernel_drops, 0, "kernel_drop");
	gap(p, now_ns, p->kernel_skipped, p->last.kernel_skipped, 0, "kernel_skipped");
	gap(p, now_ns, ss.user_drops, p->last.user_drops, ss.user_drop_oldest_ns, "user_drop");
	gap(p, now_ns, p->events_invalid, p->last.invalid, 0, "invalid");
	rg_pipeline_sequence_gaps(p, now_ns);
	p->last.ts_ns = now_ns;
	p->last.kernel_drops = p->kernel_drops;
	p->last.kernel_skipped = p->kernel_skipped;
	p->last.user_drops = ss.user_drops;
	p->last.invalid = p->events_invalid;

	struct rg_hasher_stats hs = {0};
	if (p->hasher)
		rg_hasher_stats(p->hasher, &hs);
	struct health_src src = {p, &ss, &ps, &sq, &hs, now_ns};
	struct rg_health h = {.seq = ++p->seq, .ts_ns = now_ns, .run_id = p->run_id};
#define HEALTH_FILL(name, kind, what) h.name = SRC_##name(&src);
	RG_HEALTH_FIELDS(HEALTH_FILL)
#undef HEALTH_FILL
	if (p->nd)
		rg_ndjson_health(p->nd, &h);
	if (p->store)
		rg_store_put_health(p->store, &h);
	p->last_health = h;
}

/* "3.2 s", "14 min 05 s", "2 h 07 min": what a person reads at a glance. */
static void span(char *buf, size_t n, int64_t ns)
{
	int64_t s = ns / 1000000000;
	if (s < 60)
		snprintf(buf, n, "%.1f s", (double)ns / 1e9);
	else if (s < 3600)
		snprintf(buf, n, "%lld min %02lld s", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(buf, n, "%lld h %02lld min", (long long)(s / 3600),
			 (long long)(s / 60 % 60));
}

void rg_pipeline_summary(const struct rg_pipeline *p, char *buf, size_t n)
{
	const struct rg_health *h = &p->last_health;
	char ran[32];
	span(ran, sizeof(ran), h->ts_ns - p->started_ns);
	int at = snprintf(buf, n, "rand-guard: stopped after %s (run %lld): %llu events, %llu "
			  "alerts, %llu dropped (kernel %llu, userspace %llu)", ran,
			  (long long)p->run_id, (unsigned long long)p->events,
			  (unsigned long long)h->alerts,
			  (unsigned long long)(h->kernel_drops + h->user_drops),
			  (unsigned long long)h->kernel_drops, (unsigned long long)h->user_drops);
	if (at > 0 && (size_t)at < n && h->store_failures)
		at += snprintf(buf + at, n - (size_t)at, ", %llu rows not stored",
			       (unsigned long long)h->store_failures);
	if (at > 0 && (size_t)at < n && h->ndjson_failures)
		snprintf(buf + at, n - (size_t)at, ", %llu NDJSON lines not written",
			 (unsigned long long)h->ndjson_failures);
}
