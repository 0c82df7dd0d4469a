/* rgq-import: `rgq import`, a recording rebuilt from the recorder's NDJSON.
 *
 *   rgq import -o OUT.db [-c CONFIG] [--quiet] FILE.ndjson... (- for stdin)
 *
 * rgq itself never writes a recording (it links the store's reading side
 * only: tests/cli/test_layers.sh); this program is the one that does, with
 * the store's own writer, so the imported rows are the rows the recorder
 * wrote: the same seq and values, through the same row codec and queue.
 * rgq runs it for `rgq import`. Each line is parsed by line.h; processes
 * and the lineage seed come from the events (procs.h). What the stream
 * does not carry is listed in docs/rgq.md and in the summary.
 *
 * Exit status: 0 every line was imported (a duplicate stored once and a
 * checkpoint counted count as imported); 1 a line was skipped or a row not
 * written; 2 usage, an input that cannot be read, or an output refused.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "clock.h"
#include "config.h"
#include "fields.h"
#include "line.h"
#include "ndjson.h"
#include "procs.h"
#include "store.h"

#define REPORT_MAX 10     /* bad lines reported one by one */
#define SYNC_EVERY 16384  /* rows queued between waits for the writer */
#define QUEUE_ROWS 65536  /* the store's queue: never full (SYNC_EVERY) */

/* What the NDJSON does not carry, said in the summary (docs/rgq.md has
 * the long form). */
static const char not_carried[] =
	"not in the NDJSON, so not in OUT: the recorder's runs (one run is made for the import),\n"
	"  its hash chain (OUT gets a chain of its own), processes' exact start times (taken from\n"
	"  the first line that shows them), and of processes running before the recorder started:\n"
	"  cwd, env, auid, sessionid, names, cgroup and namespaces (docs/rgq.md, \"rgq import\")\n";

/* ---- seq and gap sets ------------------------------------------------------ */

/* seq -> the hash of what was imported under it and the event type (an
 * alert without its trigger takes the type from its event's line). */
struct seen {
	uint64_t *key, *hash;
	uint8_t *type;
	size_t n, cap;
};

static size_t seen_slot(const struct seen *s, uint64_t k)
{
	size_t i = (size_t)((k * 0x9e3779b97f4a7c15ull) >> 20) & (s->cap - 1);
	while (s->key[i] && s->key[i] != k)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static void seen_grow(struct seen *s)
{
	struct seen old = *s;
	s->cap = s->cap ? 2 * s->cap : 4096;
	s->key = rg_calloc(s->cap, sizeof(*s->key));
	s->hash = rg_calloc(s->cap, sizeof(*s->hash));
	s->type = rg_calloc(s->cap, sizeof(*s->type));
	for (size_t i = 0; i < old.cap; i++)
		if (old.key[i]) {
			size_t j = seen_slot(s, old.key[i]);
			s->key[j] = old.key[i];
			s->hash[j] = old.hash[i];
			s->type[j] = old.type[i];
		}
	free(old.key);
	free(old.hash);
	free(old.type);
}

static bool seen_has(const struct seen *s, uint64_t k)
{
	return s->cap && s->key[seen_slot(s, k)] == k;
}

/* The slot of k (0 is never a key: seq starts at 1), made when absent. */
static size_t seen_get(struct seen *s, uint64_t k, bool *added)
{
	if (2 * (s->n + 1) > s->cap)
		seen_grow(s);
	size_t i = seen_slot(s, k);
	*added = !s->key[i];
	if (*added) {
		s->key[i] = k;
		s->n++;
	}
	return i;
}

static uint64_t fnv(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
	return h | 1; /* never 0 */
}

/* ---- the import ------------------------------------------------------------ */

struct import {
	const char *out;
	struct rg_store *store;
	struct rgi_parser *parser;
	struct rgi_procs *procs;
	struct seen seen;
	struct seen gaps; /* by the gap's hash: a gap has no seq */
	struct seen runs; /* the recorder's run ids, from health and gap lines */
	struct rg_buf canon; /* a row as the writer formats it: what is hashed */
	struct rg_ndjson_fmt canon_fmt; /* native, no host: the row's own values only */
	int64_t run_id;
	unsigned lineage_max, sequence_max;
	uint64_t queued;
	/* where the lines were, and what they held */
	const char *file;
	uint64_t lineno, lines, blank;
	uint64_t events, by_type[RG_ET_COUNT], from_alerts, alerts, health, gaps_n, seeds;
	uint64_t duplicates, conflicts, checkpoints, skipped, unknown_types;
	uint64_t min_seq, max_seq;
	int64_t min_ts, max_ts;
	char *digest; /* the rules digest of the last alert */
	unsigned reported;
	bool progress;
	int64_t started, last_progress;
};

static void report(struct import *im, const char *fmt, const char *why)
{
	if (im->reported++ < REPORT_MAX) {
		if (im->progress)
			fputc('\n', stderr);
		fprintf(stderr, "rgq import: %s:%" PRIu64 ": ", im->file, im->lineno);
		fprintf(stderr, fmt, why);
		fputc('\n', stderr);
	}
}

static void note_range(struct import *im, uint64_t seq, int64_t ts)
{
	if (seq && (!im->min_seq || seq < im->min_seq))
		im->min_seq = seq;
	if (seq > im->max_seq)
		im->max_seq = seq;
	if (!im->min_ts || ts < im->min_ts)
		im->min_ts = ts;
	if (ts > im->max_ts)
		im->max_ts = ts;
}

static void seed(void *arg, const struct rg_process *p)
{
	struct import *im = arg;
	rg_store_put_seed(im->store, p);
	im->seeds++;
}

/* The one run of the import, begun at its first row: host and boot id
 * from the line when it has them (the NDJSON of this version's writer
 * does). Its start and first seq are set at the end (finish_run). */
static int begin_run(struct import *im, const struct rgi_line *l, int64_t ts)
{
	if (im->run_id > 0)
		return 0;
	char host[256], boot[64];
	snprintf(host, sizeof(host), "%.*s", l->host.p ? (int)l->host.len : 7,
		 l->host.p ? l->host.p : "unknown");
	snprintf(boot, sizeof(boot), "%.*s", l->boot_id.p ? (int)l->boot_id.len : 7,
		 l->boot_id.p ? l->boot_id.p : "unknown");
	im->run_id = rg_store_begin_run(im->store, host, boot, "import " RG_VERSION, ts, 1,
					im->lineage_max, im->sequence_max);
	if (im->run_id <= 0) {
		fprintf(stderr, "rgq import: %s: cannot begin the run\n", im->out);
		return -1;
	}
	return 0;
}

/* The writer's queue is bounded and drops what does not fit (store.h):
 * the import waits for it now and then instead. */
static void queued(struct import *im)
{
	if (++im->queued % SYNC_EVERY == 0)
		rg_store_sync(im->store);
}

/* A row under seq, unless one is there: the same row again is a
 * duplicate (a resend), other values under the same seq a conflict (the
 * first kept). True when the row is new. */
static bool first_time(struct import *im, uint64_t seq, uint64_t hash, int type)
{
	bool added;
	size_t i = seen_get(&im->seen, seq, &added);
	if (added) {
		im->seen.hash[i] = hash;
		im->seen.type[i] = (uint8_t)type;
		return true;
	}
	if (im->seen.hash[i] == hash) {
		im->duplicates++;
	} else {
		char what[48];
		snprintf(what, sizeof(what), "%" PRIu64, seq);
		report(im, "seq %s was imported before with other values: the first is kept", what);
		im->conflicts++;
	}
	return false;
}

static int put_event(struct import *im, const struct rgi_line *l, const struct rg_event *ev,
		     bool from_alert)
{
	im->canon.len = 0;
	rg_ndjson_format_event(&im->canon_fmt, &im->canon, ev);
	if (!first_time(im, ev->seq, fnv(im->canon.p, im->canon.len), ev->type))
		return 0;
	if (begin_run(im, l, ev->ts_ns))
		return -1;
	rgi_procs_event(im->procs, ev, seed, im);
	rg_store_put_event(im->store, ev, true);
	queued(im);
	note_range(im, ev->seq, ev->ts_ns);
	im->events++;
	im->by_type[ev->type]++;
	im->from_alerts += from_alert;
	return 0;
}

static int put_alert(struct import *im, struct rgi_line *l)
{
	struct rg_alert *a = &l->a;
	if (l->has_ev) { /* its event too, in case its own line was lost */
		if (!seen_has(&im->seen, l->ev.seq) && put_event(im, l, &l->ev, true))
			return -1;
	} else {
		if (!seen_has(&im->seen, a->event_seq) ||
		    im->seen.type[seen_slot(&im->seen, a->event_seq)] >= RG_ET_COUNT) {
			report(im, "%s", "an alert without its triggering event, whose line is not "
			       "in the stream: skipped");
			im->skipped++;
			return 0;
		}
		a->event_type = (enum rg_etype)im->seen.type[seen_slot(&im->seen, a->event_seq)];
	}
	im->canon.len = 0;
	rg_ndjson_format_alert(&im->canon_fmt, &im->canon, a, NULL);
	if (!first_time(im, a->seq, fnv(im->canon.p, im->canon.len), RG_ET_COUNT))
		return 0;
	if (begin_run(im, l, a->ts_ns))
		return -1;
	free(im->digest);
	im->digest = rg_strndup(a->rules_digest.p, a->rules_digest.len);
	rg_store_put_alert(im->store, a);
	queued(im);
	note_range(im, a->seq, a->ts_ns);
	im->alerts++;
	return 0;
}

/* A run id the lines name (0 is none: ids start at 1). */
static void note_run(struct import *im, int64_t run_id)
{
	bool added;
	if (run_id > 0)
		seen_get(&im->runs, (uint64_t)run_id, &added);
}

static int put_health(struct import *im, const struct rgi_line *l)
{
	note_run(im, l->h.run_id);
	im->canon.len = 0;
	rg_ndjson_format_health(&im->canon_fmt, &im->canon, &l->h);
	if (!first_time(im, l->h.seq, fnv(im->canon.p, im->canon.len), RG_ET_COUNT))
		return 0;
	if (begin_run(im, l, l->h.ts_ns))
		return -1;
	rg_store_put_health(im->store, &l->h);
	queued(im);
	note_range(im, l->h.seq, l->h.ts_ns);
	im->health++;
	return 0;
}

/* A gap has no seq: the same values twice are one gap sent twice. */
static int put_gap(struct import *im, const struct rgi_line *l)
{
	note_run(im, l->g.run_id);
	im->canon.len = 0;
	rg_ndjson_format_gap(&im->canon_fmt, &im->canon, &l->g);
	bool added;
	seen_get(&im->gaps, fnv(im->canon.p, im->canon.len), &added);
	if (!added) {
		im->duplicates++;
		return 0;
	}
	if (begin_run(im, l, l->g.end_ns))
		return -1;
	rg_store_put_gap(im->store, &l->g);
	queued(im);
	im->gaps_n++;
	return 0;
}

static int one_line(struct import *im, const char *text, size_t len)
{
	struct rgi_line l;
	char why[256];
	im->lines++;
	size_t k = 0;
	while (k < len && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r'))
		k++;
	if (k == len) {
		im->blank++;
		return 0;
	}
	if (rgi_parse(im->parser, text, len, &l, why, sizeof(why))) {
		report(im, "%s: skipped", why);
		im->skipped++;
		im->unknown_types += l.kind == RGI_UNKNOWN && !strncmp(why, "unknown", 7);
		return 0;
	}
	switch (l.kind) {
	case RGI_EVENT: return put_event(im, &l, &l.ev, false);
	case RGI_ALERT: return put_alert(im, &l);
	case RGI_HEALTH: return put_health(im, &l);
	case RGI_GAP: return put_gap(im, &l);
	/* Signed chain heads (branch sign's line). Their signature could be
	 * checked here, against a key given on the command line; their head
	 * names a link of the recorder's chain, whose batches the stream does
	 * not show, so they cannot yet be tied to the rows imported. */
	case RGI_CHECKPOINT: im->checkpoints++; return 0;
	case RGI_UNKNOWN: break;
	}
	return 0;
}

static void show_progress(struct import *im, bool last)
{
	int64_t now = rg_mono_ns();
	if (!im->progress || (!last && now - im->last_progress < 1000000000))
		return;
	im->last_progress = now;
	double s = (double)(now - im->started) / 1e9;
	fprintf(stderr, "\rrgq import: %" PRIu64 " lines, %.0f lines/s%s", im->lines,
		s > 0 ? (double)im->lines / s : 0.0, last ? "\n" : "");
}

/* The next line of f into b, without its newline; of a line longer than
 * RGI_LINE_MAX only that much is kept (the parser refuses it), so a
 * stream without newlines cannot take all memory. -1 at the end. */
static int read_line(FILE *f, struct rg_buf *b)
{
	int c;
	bool any = false;
	b->len = 0;
	while ((c = getc_unlocked(f)) != EOF) {
		any = true;
		if (c == '\n')
			break;
		if (b->len <= RGI_LINE_MAX)
			rg_buf_addc(b, (char)c);
	}
	return any ? 0 : -1;
}

static int one_file(struct import *im, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		fprintf(stderr, "rgq import: %s: %s\n", path, strerror(errno));
		return -1;
	}
	im->file = strcmp(path, "-") ? path : "(stdin)";
	im->lineno = 0;
	struct rg_buf line = {0};
	int rc = 0;
	while (!rc && read_line(f, &line) == 0) {
		im->lineno++;
		rc = one_line(im, line.p ? line.p : "", line.len);
		if ((im->lines & 1023) == 0)
			show_progress(im, false);
	}
	if (!rc && ferror(f)) {
		fprintf(stderr, "rgq import: %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	rg_buf_free(&line);
	if (f != stdin)
		fclose(f);
	return rc;
}

static void put_process(void *arg, const struct rg_process *p)
{
	struct import *im = arg;
	rg_store_put_process(im->store, p);
	queued(im);
}

/* The run's row as the import knows it: from its first row to its last
 * (rows of several files may come in any order). The runs table is not
 * in the hash chain (chain.h): this changes no link. */
static int finish_run(struct import *im)
{
	sqlite3 *db;
	char *msg = NULL;
	if (sqlite3_open_v2(im->out, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		fprintf(stderr, "rgq import: %s: %s\n", im->out, sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	char *sql = sqlite3_mprintf(
		"UPDATE runs SET started_ns = %lld, first_seq = %llu, stopped_ns = %lld, "
		"last_seq = %llu WHERE run_id = %lld; "
		"INSERT OR REPLACE INTO meta (key, value) VALUES ('run_started_ns', '%lld');",
		(long long)im->min_ts, (unsigned long long)(im->min_seq ? im->min_seq : 1),
		(long long)im->max_ts, (unsigned long long)im->max_seq, (long long)im->run_id,
		(long long)im->min_ts);
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fprintf(stderr, "rgq import: %s: %s\n", im->out, msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	sqlite3_free(sql);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

/* Processes, meta and the run, once every line is in. */
static int finish(struct import *im, int nfiles, char **files)
{
	struct rgi_line none = {0};
	if (begin_run(im, &none, rg_wall_ns())) /* a stream without rows: still a recording */
		return -1;
	if (!im->min_ts)
		im->min_ts = im->max_ts = rg_wall_ns();
	rgi_procs_each(im->procs, put_process, im);
	if (im->digest)
		rg_store_put_meta(im->store, "rules_digest", im->digest);
	struct rg_buf from = {0};
	rg_buf_adds(&from, "rgq import of");
	for (int i = 0; i < nfiles; i++)
		rg_buf_printf(&from, " %s", files[i]);
	rg_store_put_meta(im->store, "imported_from", rg_buf_cstr(&from));
	rg_buf_free(&from);
	rg_store_sync(im->store);
	struct rg_store_stats st;
	rg_store_stats(im->store, &st);
	rg_store_close(im->store, im->max_ts);
	im->store = NULL;
	int rc = finish_run(im);
	if (st.user_drops || st.store_failures) {
		fprintf(stderr, "rgq import: %s: %" PRIu64 " rows were not written (%" PRIu64
			" refused by SQLite, %" PRIu64 " dropped)\n", im->out,
			st.user_drops + st.store_failures, st.store_failures, st.user_drops);
		rc = -1;
	}
	return rc;
}

static void summary(const struct import *im, int nfiles)
{
	double s = (double)(rg_mono_ns() - im->started) / 1e9;
	printf("rgq import: %s: %" PRIu64 " lines from %d file%s in %.1f s\n", im->out, im->lines,
	       nfiles, nfiles == 1 ? "" : "s", s);
	printf("  events       %10" PRIu64, im->events);
	for (int t = 0, n = 0; t < RG_ET_COUNT; t++)
		if (im->by_type[t])
			printf("%s %s %" PRIu64, n++ ? "," : " ", rg_etype_name((enum rg_etype)t),
			       im->by_type[t]);
	printf("\n");
	if (im->from_alerts)
		printf("               %10" PRIu64 " of them only in an alert's trigger (their own "
		       "line was missing)\n", im->from_alerts);
	printf("  alerts       %10" PRIu64 "\n", im->alerts);
	printf("  health       %10" PRIu64 "\n", im->health);
	printf("  gaps         %10" PRIu64 "\n", im->gaps_n);
	if (im->runs.n > 1)
		printf("  runs         %10zu  of the recorder, by the run_id of health and gap lines: "
		       "imported as one run (no recorder_down gaps between them: the store writes "
		       "those, not the NDJSON)\n", im->runs.n);
	printf("  processes    %10u  derived from the events; %" PRIu64 " seen running before "
	       "the stream made them (the lineage's seed)\n", rgi_procs_count(im->procs),
	       im->seeds);
	printf("  duplicates   %10" PRIu64 "  lines already imported (same seq, same values): "
	       "stored once\n", im->duplicates);
	if (im->conflicts)
		printf("  conflicts    %10" PRIu64 "  lines with an imported seq but other values: "
		       "skipped, the first kept\n", im->conflicts);
	printf("  checkpoints  %10" PRIu64 "  counted, not verified\n", im->checkpoints);
	printf("  skipped      %10" PRIu64 "  bad lines", im->skipped);
	if (im->unknown_types)
		printf(" (%" PRIu64 " of an unknown event_type)", im->unknown_types);
	printf("\n");
	if (im->blank)
		printf("  blank        %10" PRIu64 "\n", im->blank);
	fputs(not_carried, stdout);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: rgq import -o|--output OUT.db [-c|--config CONFIG] [--quiet]\n"
		   "                  FILE.ndjson... (- for stdin)\n"
		   "Rebuilds a recording from the recorder's NDJSON (docs/rgq.md, \"rgq import\").\n"
		   "OUT.db must not exist or be empty. -c: the recorder's configuration, for the\n"
		   "lineage and sequence bounds replay uses ([process] table_max,\n"
		   "[rules] sequence_max; their defaults without it).\n"
		   "Exit status 0: every line imported; 1: lines skipped or rows not written;\n"
		   "2: usage, an unreadable input or a refused output.\n");
}

/* OUT must be new (or empty): an import into a recording would make a
 * second run with a recorder_down gap between, and its processes would
 * not see the first one's. */
static int check_out(const char *out)
{
	struct stat sb;
	if (lstat(out, &sb) == 0 && (!S_ISREG(sb.st_mode) || sb.st_size > 0)) {
		fprintf(stderr, "rgq import: %s exists and is not empty: refusing to write into it "
			"(import all files at once into a new file)\n", out);
		return -1;
	}
	return 0;
}

static int bounds(struct import *im, const char *config)
{
	struct rg_config cfg;
	char err[512];
	rg_config_defaults(&cfg);
	int rc = 0;
	if (config && rg_config_load(&cfg, config, err, sizeof(err))) {
		fprintf(stderr, "rgq import: %s\n", err);
		rc = -1;
	}
	im->lineage_max = (unsigned)cfg.table_max;
	im->sequence_max = (unsigned)cfg.sequence_max;
	rg_config_free(&cfg);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"output", required_argument, 0, 'o'}, {"config", required_argument, 0, 'c'},
		{"quiet", no_argument, 0, 'q'},        {"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	struct import im = {0};
	const char *config = NULL;
	bool quiet = false;
	int ch;
	while ((ch = getopt_long(argc, argv, "o:c:qh", lopts, NULL)) != -1) {
		switch (ch) {
		case 'o': im.out = optarg; break;
		case 'c': config = optarg; break;
		case 'q': quiet = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!im.out || optind >= argc) {
		fprintf(stderr, "rgq import: %s\n", !im.out ? "-o OUT.db is required"
							    : "no NDJSON file given (- for stdin)");
		usage(stderr);
		return 2;
	}
	for (int i = optind; i < argc; i++)
		if (strcmp(argv[i], "-") && access(argv[i], R_OK)) {
			fprintf(stderr, "rgq import: %s: %s\n", argv[i], strerror(errno));
			return 2;
		}
	if (check_out(im.out) || bounds(&im, config))
		return 2;
	char err[512];
	int code;
	struct rg_store_opts so = {.batch_rows = 5000, .batch_ms = 200, .queue_events = QUEUE_ROWS};
	im.store = rg_store_open(im.out, &so, err, sizeof(err), &code);
	if (!im.store) {
		fprintf(stderr, "rgq import: %s\n", err);
		return 2;
	}
	im.parser = rgi_parser_new();
	im.procs = rgi_procs_new();
	rg_ndjson_fmt_init(&im.canon_fmt, NULL);
	im.progress = !quiet && isatty(STDERR_FILENO);
	im.started = im.last_progress = rg_mono_ns();
	int rc = 0;
	for (int i = optind; i < argc && !rc; i++)
		rc = one_file(&im, argv[i]);
	show_progress(&im, true);
	if (im.reported > REPORT_MAX)
		fprintf(stderr, "rgq import: ... and %u more lines not imported\n",
			im.reported - REPORT_MAX);
	if (!rc)
		rc = finish(&im, argc - optind, argv + optind);
	else if (im.store)
		rg_store_close(im.store, im.max_ts);
	if (!rc)
		summary(&im, argc - optind);
	rgi_procs_free(im.procs);
	rgi_parser_free(im.parser);
	rg_buf_free(&im.canon);
	rg_ndjson_fmt_free(&im.canon_fmt);
	free(im.seen.key), free(im.seen.hash), free(im.seen.type);
	free(im.gaps.key), free(im.gaps.hash), free(im.gaps.type);
	free(im.runs.key), free(im.runs.hash), free(im.runs.type);
	free(im.digest);
	if (rc)
		return 1;
	return im.skipped || im.conflicts ? 1 : 0;
}
