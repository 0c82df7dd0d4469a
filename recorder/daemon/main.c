/* main.c: the rand-guard recorder daemon.
 *
 * Order matters at start-up: the BPF programs are attached before /proc is
 * scanned, so a process created during the scan is either in /proc or in
 * the ring (or both: the process table merges them), never in neither.
 *
 * Exit codes: 0 clean stop, 1 runtime failure (database, output), 2 bad
 * configuration or usage, or an output refused (outfile.h), 3 missing
 * privileges or kernel support.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bpf_loader.h"
#include "caps.h"
#include "clock.h"
#include "config.h"
#include "ident.h"
#include "pipeline.h"
#include "procfs.h"
#include "sign.h"
#include "sign_key.h"
#include "ship.h"

#define DEFAULT_CONFIG "/etc/rand-guard/rand-guard.ini"

struct opts {
	const char *config;
	const char *db;
	const char *ndjson;
	const char *rules_dir;
	long duration_s; /* 0: until a signal */
	bool check_config;
	int verbose;
};

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rand-guard [-c CONFIG] [--db PATH] [--ndjson PATH|-] [--rules DIR]\n"
		"                  [--duration SECONDS] [--check-config] [--verbose]\n"
		"       rand-guard --clickhouse-schema [DATABASE]\n"
		"\n"
		"Records process, file and (opt-in) network activity with eBPF, evaluates\n"
		"detection rules, and writes a SQLite database and NDJSON. Installed as a\n"
		"service by scripts/install; docs in /usr/local/share/doc/rand-guard.\n"
		"\n"
		"  -c, --config PATH    configuration file (default " DEFAULT_CONFIG
		" if it exists,\n"
		"                       else built-in defaults; see docs/configuration.md)\n"
		"      --db PATH        database path (overrides [store] db)\n"
		"      --ndjson PATH    NDJSON output, '-' for stdout, '' for none\n"
		"                       (overrides [recorder] ndjson)\n"
		"      --rules DIR      directory of *.rules files (overrides [rules] dir)\n"
		"      --duration SECS  stop after SECS seconds\n"
		"      --check-config   validate the configuration and the rules, print the\n"
		"                       signing key's fingerprint, say which kernel\n"
		"                       fallbacks are needed, and exit\n"
		"      --clickhouse-schema [DATABASE]\n"
		"                       print the central ClickHouse tables' DDL (database\n"
		"                       rand_guard if not named; docs/fleet.md) and exit\n"
		"  -v, --verbose        print libbpf's debug output\n"
		"  -h, --help           this help;  -V, --version  the version\n"
		"\n"
		"SIGHUP reopens the NDJSON file, resolves the [file] paths' symlinks anew,\n"
		"reads the host's mounts again (for host paths) and reloads the rules (a\n"
		"broken rule set is reported and the running one stays). SIGINT/SIGTERM stop cleanly.\n"
		"\n"
		"Exit codes: 0 stopped cleanly, 1 runtime error, 2 bad configuration, rules\n"
		"or usage, or a refused output (another recorder's, or another user could\n"
		"reach it), 3 missing privileges or kernel support.\n");
}

/* --clickhouse-schema: the DDL of schema/clickhouse/001_tables.sql. */
static int print_clickhouse_schema(const char *database)
{
	char err[256];
	if (rg_ship_schema(stdout, database, err, sizeof(err))) {
		fprintf(stderr, "rand-guard: %s\n", err);
		return 1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{"config", required_argument, 0, 'c'}, {"db", required_argument, 0, 'd'},
		{"ndjson", required_argument, 0, 'n'}, {"duration", required_argument, 0, 't'},
		{"rules", required_argument, 0, 'r'},
		{"check-config", no_argument, 0, 'k'}, {"verbose", no_argument, 0, 'v'},
		{"clickhouse-schema", no_argument, 0, 'S'},
		{"help", no_argument, 0, 'h'},         {"version", no_argument, 0, 'V'},
		{0, 0, 0, 0},
	};
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "c:vhV", longs, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'd': o->db = optarg; break;
		case 'n': o->ndjson = optarg; break;
		case 'r': o->rules_dir = optarg; break;
		case 'k': o->check_config = true; break;
		case 'v': o->verbose = 1; break;
		case 't':
			errno = 0;
			o->duration_s = strtol(optarg, &end, 10);
			if (errno || *end || o->duration_s <= 0) {
				fprintf(stderr, "rand-guard: --duration: '%s' is not a positive "
					"number of seconds\n", optarg);
				return 2;
			}
			break;
		case 'S': exit(print_clickhouse_schema(optind < argc ? argv[optind] : "rand_guard"));
		case 'h': usage(stdout); exit(0);
		case 'V': printf("rand-guard %s\n", RG_VERSION); exit(0);
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "rand-guard: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	return 0;
}

/* Loads the config file (explicit, or the default one if present) and
 * applies command-line overrides. Returns 0 or the exit code; *used is the
 * file read, or NULL. */
static int load_config(const struct opts *o, struct rg_config *cfg, const char **used)
{
	char err[512];
	rg_config_defaults(cfg);
	const char *path = o->config;
	if (!path && access(DEFAULT_CONFIG, F_OK) == 0)
		path = DEFAULT_CONFIG;
	*used = path;
	if (path && rg_config_load(cfg, path, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	if ((o->db && rg_config_set(cfg, "store", "db", o->db, err, sizeof(err))) ||
	    (o->ndjson && rg_config_set(cfg, "recorder", "ndjson", o->ndjson, err, sizeof(err))) ||
	    (o->rules_dir && rg_config_set(cfg, "rules", "dir", o->rules_dir, err, sizeof(err)))) {
		fprintf(stderr, "rand-guard: %s\n", err);
		return 2;
	}
	return 0;
}

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	buf[0] = '\0';
	if (f) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

/* The rules the configuration names (rules.h); 0 or 2 with the message.
 * A set with no enabled rule means no detection: that is said in one line
 * nobody can take for a notice (its wording avoids "recording", the word
 * scripts wait for), and is 2 for --check-config (check), unless
 * [rules] allow_none says it is meant. */
static int load_rules(const struct rg_config *cfg, const char *config_path,
		      struct rg_ruleset **out, bool check)
{
	char err[512], notice[PATH_MAX + 64];
	if (rg_rules_load_config(cfg, config_path, out, err, sizeof(err), notice,
				 sizeof(notice))) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	unsigned nrules = (*out)->nrules;
	rg_rules_sigma_report(*out, check ? stdout : stderr, check);
	if (notice[0] && nrules) /* with no rule at all, the notice is the reason below */
		fprintf(stderr, "rand-guard: %s\n", notice);
	if ((*out)->nenabled)
		return 0;
	char why[PATH_MAX + 96];
	if (nrules)
		snprintf(why, sizeof(why), "%u loaded, none enabled", nrules);
	else
		snprintf(why, sizeof(why), "%s", notice[0] ? notice : "the configuration names no rules");
	if (cfg->allow_none) {
		fprintf(stderr, "rand-guard: no detection rules enabled (%s): events are stored "
			"without detection, as [rules] allow_none says\n", why);
		return 0;
	}
	if (check) {
		fprintf(stderr, "rand-guard: configuration has no enabled rules (%s); set "
			"[rules] allow_none = true to store events without detection\n", why);
		return 2;
	}
	fprintf(stderr, "rand-guard: WARNING: no detection rules enabled (%s): events are "
		"stored but no rule runs and no alert can be raised\n", why);
	return 0;
}

struct recorder {
	struct rg_config cfg;
	const char *config_path;
	struct rg_ruleset *rules;
	struct rg_lineage *lin;
	struct rg_seqstate *seqs;
	struct rg_store *store;
	struct rg_ship *ship;
	struct rg_ndjson *nd;
	struct rg_proctab *pt;
	struct rg_ident *ident;
	const uint8_t *sign_key; /* the checkpoints' key, locked memory; NULL: none */
	char key_made[PATH_MAX + 64]; /* the line saying a new key was made */
	struct rg_bpf *bpf;
	struct rg_pipeline pl;
	struct rg_pathmatch files;
	char boot_id[64], host[256];
	uint64_t evictions_warned; /* sequence evictions the last warning covered */
	int64_t evictions_warned_ns;
};

static void on_record(void *ctx, const void *data, size_t size)
{
	rg_pipeline_record(ctx, data, size);
}

static void on_known(void *arg, int64_t proc_id, uint32_t pid, uint64_t start_boot_ns)
{
	rg_proctab_known(arg, proc_id, pid, start_boot_ns);
}

static void on_bootstrap_row(void *arg, const struct rg_process *p)
{
	rg_pipeline_known_process(arg, p);
}

/* The checkpoints' key file: [store] signing_key, or beside the database. */
static void key_path(const struct rg_config *c, char *out, size_t n)
{
	if (c->signing_key[0])
		snprintf(out, n, "%s", c->signing_key);
	else
		snprintf(out, n, "%s.key", c->db);
}

/* The signing key, read (or made) once here, before anything else runs:
 * from then on it is only in locked memory (sign_key.h). None when the
 * chain or checkpoints are off. 0, or the exit code. */
static int load_key(struct recorder *r, int *code)
{
	char path[PATH_MAX - 64], err[PATH_MAX + 160], fpr[2 * RG_SIGN_FPR + 1];
	bool created;
	if (!r->cfg.chain || !r->cfg.checkpoint_s)
		return 0;
	key_path(&r->cfg, path, sizeof(path));
	r->sign_key = rg_sign_key_load(path, &created, err, sizeof(err), code);
	if (!r->sign_key) {
		fprintf(stderr, "rand-guard: signing key: %s\n", err);
		return -1;
	}
	rg_sign_fpr(r->sign_key + RG_SIGN_SEED, fpr);
	if (created) /* said once recording, after any reason not to start */
		snprintf(r->key_made, sizeof(r->key_made), "made a new signing key %s "
			 "(fingerprint %s)", path, fpr);
	return 0;
}

/* --check-config: the key's fingerprint and public key, or what is wrong
 * with its file; a missing one is made at the first start, not here. */
static int check_key(const struct rg_config *c)
{
	char path[PATH_MAX], err[PATH_MAX + 160], hex[2 * RG_SIGN_PK + 1];
	struct stat sb;
	bool created;
	int code;
	if (!c->chain || !c->checkpoint_s) {
		printf("signing key: none (checkpoints are off)\n");
		return 0;
	}
	key_path(c, path, sizeof(path));
	if (lstat(path, &sb) && errno == ENOENT) {
		printf("signing key: %s does not exist yet: the first start makes it\n", path);
		return 0;
	}
	const uint8_t *sk = rg_sign_key_load(path, &created, err, sizeof(err), &code);
	if (!sk) {
		fprintf(stderr, "rand-guard: signing key: %s\n", err);
		return 2;
	}
	rg_sign_fpr(sk + RG_SIGN_SEED, hex);
	printf("signing key: %s fingerprint %s\n", path, hex);
	rg_hex(sk + RG_SIGN_SEED, RG_SIGN_PK, hex);
	printf("signing key: public key %s\n", hex);
	rg_sign_key_free(sk);
	return 0;
}

/* The checkpoints the writer committed, to NDJSON (the writer never waits
 * for this thread: it leaves them in the store's outbox). */
static void write_checkpoints(struct recorder *r)
{
	struct rg_checkpoint cp[8];
	unsigned n;
	if (!r->sign_key || !r->store)
		return;
	while ((n = rg_store_take_checkpoints(r->store, cp, 8, NULL)) > 0)
		for (unsigned i = 0; r->nd && i < n; i++)
			rg_ndjson_checkpoint(r->nd, &cp[i]);
}

/* NDJSON first, then the database, then the key: a refused output (exit
 * 2, see outfile.h) stops the start before the database is written, and a
 * refused database before a key is made. Every NDJSON line names the host
 * and boot: read first. */
static int open_outputs(struct recorder *r)
{
	char err[512];
	int code = 0;
	const struct rg_config *c = &r->cfg;
	read_line("/proc/sys/kernel/random/boot_id", r->boot_id, sizeof(r->boot_id));
	if (c->host[0]) /* [recorder] host: one machine's name for the fleet */
		snprintf(r->host, sizeof(r->host), "%s", c->host);
	else
		gethostname(r->host, sizeof(r->host) - 1);
	struct rg_ndjson_opts no = {r->host, r->boot_id,
				    (enum rg_ndjson_profile)rg_ndjson_profile_parse(c->ndjson_format)};
	if (c->ndjson[0] && !(r->nd = rg_ndjson_open(c->ndjson, &no, err, sizeof(err), &code))) {
		fprintf(stderr, "rand-guard: %s\n", err);
		return code;
	}
	struct rg_store_opts so = {c->batch_rows, c->batch_ms, c->queue_events,
				   (int64_t)c->max_age_h * 3600, c->max_size_mb, 1000,
				   c->wal_warn_mb, !c->chain, NULL, 0};
	r->store = rg_store_open(c->db, &so, err, sizeof(err), &code);
	if (!r->store) {
		fprintf(stderr, "rand-guard: %s\n", err);
		return code;
	}
	if (load_key(r, &code))
		return code;
	rg_store_sign(r->store, r->sign_key, c->checkpoint_s);
	return 0;
}

/* Once the programs are attached, the outputs open and /proc scanned,
 * nothing the main thread still does needs a capability: it reads its
 * ring and maps through the fds it holds, and writes files it owns as
 * uid 0. It drops them all (caps.h; the store's writer thread already
 * has), so code execution in the recorder would not inherit CAP_BPF,
 * CAP_SYS_ADMIN or CAP_DAC_OVERRIDE. */
static void drop_capabilities(void)
{
	/* Before 5.19, with unprivileged BPF disabled, every bpf() command
	 * needed CAP_BPF, one on a held fd included: keep it there, for the
	 * programs' counts of skipped runs and SIGHUP's filter updates. */
	struct utsname u;
	int major = 0, minor = 0;
	bool old = uname(&u) == 0 && sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
		   (major < 5 || (major == 5 && minor < 19));
	int rc = rg_caps_drop(old ? 1ull << CAP_BPF : 0);
	if (rc)
		fprintf(stderr, "rand-guard: cannot drop capabilities: %s\n", strerror(-rc));
	else
		fprintf(stderr, "rand-guard: capabilities dropped after attach; keeps %s\n",
			old ? "CAP_BPF (this kernel checks it for every bpf() call)" : "none");
}

static void note_resolved(void *ctx, const char *listed, const char *canonical)
{
	(void)ctx;
	fprintf(stderr, "rand-guard: [file] %s is %s: both are matched\n", listed, canonical);
}

/* The file filter's matcher from the [file] lists, with the prefixes'
 * symlinks resolved as they are now. The config loader has checked the
 * lists: this cannot fail there. */
static int build_files(const struct rg_config *c, struct rg_pathmatch *m, char *err,
		       size_t errlen)
{
	struct rg_pm_lists lists = {c->watch_paths, c->watch_writes, c->exclude_paths,
				    c->watch_patterns};
	if (rg_pathmatch_init(m, &lists, err, errlen))
		return -1;
	rg_pathmatch_resolve(m, note_resolved, NULL);
	return 0;
}

/* [ship]: the shipper's thread, once the run's row is there (ship.h). */
static int start_ship(struct recorder *r)
{
	char err[512];
	const struct rg_config *c = &r->cfg;
	struct rg_ship_opts o = {
		.db_path = c->db, .url = c->ship_url, .database = c->ship_database,
		.user = c->ship_user, .password_file = c->ship_password_file,
		.ca_file = c->ship_ca_file, .host = r->host, .batch_rows = c->ship_batch_rows,
		.interval_ms = c->ship_interval_ms, .timeout_s = c->ship_timeout_s,
		.backoff_max_s = c->ship_backoff_max_s,
	};
	r->ship = rg_ship_start(&o, r->store, err, sizeof(err));
	if (!r->ship) {
		fprintf(stderr, "rand-guard: %s\n", err);
		return -1;
	}
	char dest[512];
	rg_ship_dest_name(c->ship_url, c->ship_database, dest, sizeof(dest));
	fprintf(stderr, "rand-guard: shipping to %s\n", dest);
	return 0;
}

/* Store ids, process table, BPF, run row, /proc: see the order note above. */
static int start(struct recorder *r, int verbose)
{
	char err[512];
	uint64_t max_seq;
	int64_t max_proc_id;
	rg_store_max_ids(r->store, &max_seq, &max_proc_id);

	uint64_t tick_ns = 1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK);
	r->pt = rg_proctab_new((unsigned)r->cfg.table_max, max_proc_id + 1, tick_ns);
	r->ident = rg_ident_new(NULL);
	rg_proctab_set_ident(r->pt, r->ident);
	r->lin = rg_lineage_new((unsigned)r->cfg.table_max);
	r->seqs = rg_seqstate_new((unsigned)r->cfg.sequence_max);
	rg_store_live_processes(r->store, r->boot_id, on_known, r->pt);

	const struct rg_config *c = &r->cfg;
	if (c->file_enabled && build_files(c, &r->files, err, sizeof(err))) {
		fprintf(stderr, "rand-guard: [file]: %s\n", err);
		return 2;
	}
	struct rg_bpf_opts bo = {
		.ring_buffer_mb = (uint32_t)c->ring_buffer_mb,
		.wakeup_kb = (uint32_t)c->wakeup_kb,
		.self_tgid = (uint32_t)getpid(),
		.verbose = verbose,
		.files = c->file_enabled ? &r->files : NULL,
		.net_hooks = c->net_enabled ? c->hooks : NULL,
		.net_unix = c->net_unix,
		.env_names = c->env,
	};
	int code;
	r->bpf = rg_bpf_start(&bo, on_record, &r->pl, err, sizeof(err), &code);
	if (!r->bpf) {
		fprintf(stderr, "rand-guard: %s\n", err);
		return code;
	}

	if (c->ship_enabled) { /* its cursors, read before the writer's thread starts */
		char dest[512];
		rg_ship_dest_name(c->ship_url, c->ship_database, dest, sizeof(dest));
		rg_store_ship_dest(r->store, dest);
	}
	int64_t now = rg_wall_ns();
	int64_t run_id = rg_store_begin_run(r->store, r->host, r->boot_id, RG_VERSION, now,
					    max_seq + 1, (unsigned)r->cfg.table_max,
					    (unsigned)r->cfg.sequence_max);
	rg_pipeline_init(&r->pl, r->pt, r->nd, r->store, run_id, max_seq + 1, now);
	r->pl.files = bo.files;
	r->pl.rules = r->rules;
	r->pl.lin = r->lin;
	r->pl.seqs = r->seqs;
	rg_store_put_meta(r->store, "rules_digest", r->rules->digest);
	r->pl.wall_offset = rg_wall_offset_ns(NULL);
	if (r->cfg.proc_bootstrap) {
		struct rg_process *procs;
		int n = rg_procfs_scan("/proc", tick_ns, r->pl.wall_offset, &procs);
		if (n >= 0) {
			rg_proctab_bootstrap(r->pt, procs, (unsigned)n, on_bootstrap_row, &r->pl);
			rg_procfs_free(procs, n);
		}
	}
	if (c->ship_enabled && start_ship(r))
		return 2;
	if (c->hash_enabled) /* before the drop: its thread keeps CAP_SYS_PTRACE */
		r->pl.hasher = rg_hasher_new(&(struct rg_hasher_opts){
			.max_size = (uint64_t)c->hash_max_size_mb << 20,
			.per_second = (unsigned)c->hash_per_second,
			.cache_max = (unsigned)c->hash_cache_max,
		});
	drop_capabilities();
	if (r->key_made[0])
		fprintf(stderr, "rand-guard: %s\n", r->key_made);
	fprintf(stderr, "rand-guard %s: recording (run %lld) to %s%s%s with %u of %u rules\n",
		RG_VERSION, (long long)run_id, r->cfg.db, r->nd ? " and NDJSON " : "",
		r->nd ? r->cfg.ndjson : "", r->rules->nenabled, r->rules->nrules);
	return 0;
}

#define EVICTION_WARN_NS (60 * 1000000000ll)

/* An evicted partial is a sequence the rules may have missed. Said on
 * stderr at the first health row after it, then at most once a minute
 * with the count since the previous line; the sequence_eviction gap rows
 * hold every interval's count by rule. */
static void warn_evictions(struct recorder *r, int64_t now_ns)
{
	struct rg_seqstate_stats sq;
	rg_seqstate_stats(r->seqs, &sq);
	uint64_t n = sq.evictions - r->evictions_warned;
	int64_t since = r->evictions_warned_ns ? r->evictions_warned_ns : r->pl.started_ns;
	if (!n || (r->evictions_warned_ns && now_ns - since < EVICTION_WARN_NS))
		return;
	fprintf(stderr, "rand-guard: WARNING: %llu partial sequence matches evicted in the last "
		"%lld s ([rules] sequence_max = %d was full): sequence rules may have missed "
		"matches; rgq gaps shows them by rule\n", (unsigned long long)n,
		(long long)((now_ns - since) / 1000000000), r->cfg.sequence_max);
	r->evictions_warned = sq.evictions;
	r->evictions_warned_ns = now_ns;
}

static void health(struct recorder *r)
{
	uint64_t kind[RG_KIND_MAX];
	r->pl.kernel_drops = rg_bpf_drops(r->bpf, kind);
	r->pl.kernel_drops_by_family[0] = kind[RG_KIND_EXEC] + kind[RG_KIND_FORK] + kind[RG_KIND_EXIT];
	r->pl.kernel_drops_by_family[1] = kind[RG_KIND_FILE];
	r->pl.kernel_drops_by_family[2] = kind[RG_KIND_NET];
	r->pl.kernel_drops_by_family[3] = kind[RG_KIND_SYS];
	r->pl.kernel_skipped = rg_bpf_skipped(r->bpf);
	static bool warned;
	if (rg_bpf_counter_errno(r->bpf) && !warned) {
		warned = true; /* those counts are not zero: they are unknown */
		fprintf(stderr, "rand-guard: cannot read the BPF programs' counts of skipped runs "
			"(%s): those losses are not counted\n", strerror(rg_bpf_counter_errno(r->bpf)));
	}
	r->pl.kernel_filtered = rg_bpf_filtered(r->bpf);
	int64_t now = rg_wall_ns();
	rg_pipeline_health(&r->pl, now);
	warn_evictions(r, now);
}

/* SIGHUP, file filter: the running prefixes' symlinks resolved anew (one
 * made or changed since the start), in the kernel and in the pipeline's
 * matcher. Both run on this thread, so the swap needs no lock. */
static void reresolve_files(struct recorder *r)
{
	char err[512];
	struct rg_pathmatch now;
	if (build_files(&r->cfg, &now, err, sizeof(err))) {
		fprintf(stderr, "rand-guard: [file]: %s\n", err);
		return;
	}
	int rc = rg_bpf_refilter(r->bpf, &r->files, &now);
	if (rc)
		fprintf(stderr, "rand-guard: rewriting the file filter: %s\n", strerror(-rc));
	rg_pathmatch_free(&r->files);
	r->files = now;
}

/* SIGHUP: reopen the NDJSON file (log rotation), resolve the file
 * filter's symlinks anew, and reload the rules. The config file is not
 * reread: its [rule] sections are, with the directory the running config
 * names. A broken set leaves the running one. */
static void reload(struct recorder *r)
{
	char err[512];
	struct rg_ruleset *fresh;
	reload_requested = 0;
	if (r->nd && rg_ndjson_reopen(r->nd, err, sizeof(err)))
		fprintf(stderr, "rand-guard: %s\n", err);
	if (r->cfg.file_enabled)
		reresolve_files(r);
	if (load_rules(&r->cfg, r->config_path, &fresh, false)) {
		r->pl.rule_reload_failures++;
		fprintf(stderr, "rand-guard: rules not reloaded; still running the set %.12s\n",
			r->rules->digest);
		return;
	}
	if (strcmp(fresh->digest, r->rules->digest)) {
		/* partials and evictions name the old set's rules */
		rg_pipeline_sequence_gaps(&r->pl, rg_wall_ns());
		rg_seqstate_clear(r->seqs);
	}
	rg_rules_free(r->rules);
	r->rules = fresh;
	r->pl.rules = fresh;
	r->pl.rule_reloads++;
	rg_store_put_meta(r->store, "rules_digest", fresh->digest);
	fprintf(stderr, "rand-guard: rules reloaded: %u of %u enabled, digest %.12s\n",
		fresh->nenabled, fresh->nrules, fresh->digest);
}

/* Polls until a signal or the duration ends; health rows on their clock. */
static int loop(struct recorder *r, long duration_s)
{
	int64_t t0 = rg_mono_ns();
	int64_t every = (int64_t)r->cfg.health_interval_s * 1000000000;
	int64_t next_health = t0 + every;
	while (!stop_requested) {
		int n = rg_bpf_poll(r->bpf, r->cfg.poll_ms, r->cfg.poll_ms);
		if (n < 0) {
			fprintf(stderr, "rand-guard: reading the ring buffer: %s\n", strerror(-n));
			return 1;
		}
		int64_t boot_ns, offset = rg_wall_offset_ns(&boot_ns);
		rg_pipeline_clock(&r->pl, offset, boot_ns);
		rg_pipeline_hashes(&r->pl);
		write_checkpoints(r);
		if (r->nd)
			rg_ndjson_flush(r->nd);
		int64_t now = rg_mono_ns();
		if (now >= next_health) {
			health(r);
			next_health = now + every;
		}
		if (reload_requested)
			reload(r);
		if (duration_s && now - t0 >= duration_s * 1000000000)
			break;
	}
	return 0;
}

#define SHIP_DRAIN_MS 5000

/* Detaches the programs, drains what the ring still holds (nothing new
 * comes after the detach, so this ends, and no record queued before it is
 * left unread), writes a final health row, and closes the database
 * cleanly. */
static void shutdown_all(struct recorder *r)
{
	if (r->bpf) {
		rg_bpf_detach(r->bpf);
		while (rg_bpf_poll(r->bpf, 0, r->cfg.poll_ms) > 0)
			;
		rg_pipeline_hashes(&r->pl); /* those done; the rest are not waited for */
		if (r->store)
			health(r);
	}
	rg_bpf_stop(r->bpf);
	if (r->store) { /* its stop checkpoint goes out before NDJSON closes */
		rg_store_end_run(r->store, rg_wall_ns());
		write_checkpoints(r);
	}
	if (r->ship) { /* what is committed goes first, for a few seconds at most */
		rg_store_sync(r->store);
		rg_ship_stop(r->ship, SHIP_DRAIN_MS);
	}
	if (r->nd)
		rg_ndjson_close(r->nd);
	if (r->store)
		rg_store_close(r->store, rg_wall_ns());
	rg_sign_key_free(r->sign_key);
	if (r->pl.last_health.seq) { /* it recorded: say what, as the last word */
		char summary[256];
		rg_pipeline_summary(&r->pl, summary, sizeof(summary));
		fprintf(stderr, "%s\n", summary);
	}
	rg_hasher_free(r->pl.hasher);
	rg_proctab_free(r->pt);
	rg_ident_free(r->ident);
	rg_lineage_free(r->lin);
	rg_seqstate_free(r->seqs);
	rg_rules_free(r->rules);
	rg_pipeline_free(&r->pl);
	rg_pathmatch_free(&r->files);
	rg_config_free(&r->cfg);
}

/* --check-config's kernel line: what this kernel lacks and the fallbacks
 * the programs will use (probed from BTF; nothing is loaded). Advisory:
 * the configuration's exit status does not depend on it. */
static void print_kernel(void)
{
	struct rg_bpf_kernel k;
	char err[256], fb[512];

	if (rg_bpf_probe_kernel(&k, err, sizeof(err)))
		printf("kernel: %s\n", err);
	else if (k.missing)
		printf("kernel: lacks %s, which rand-guard needs\n", k.missing);
	else
		printf("kernel: supported; fallbacks: %s\n", rg_bpf_fallbacks(&k, fb, sizeof(fb)));
	if (rg_bpf_missing_tracepoints(fb, sizeof(fb)) == 0 && fb[0])
		printf("kernel: no tracepoint (those calls are not recorded): %s\n", fb);
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	struct recorder r = {0};
	int rc = parse_args(argc, argv, &o);
	if (rc)
		return rc;
	rc = load_config(&o, &r.cfg, &r.config_path);
	if (!rc)
		rc = load_rules(&r.cfg, r.config_path, &r.rules, o.check_config);
	if (rc || o.check_config) {
		if (!rc)
			printf("configuration OK; rules: %u of %u enabled, digest %s\n",
			       r.rules->nenabled, r.rules->nrules, r.rules->digest);
		if (!rc)
			rc = check_key(&r.cfg);
		if (!rc)
			print_kernel();
		rg_rules_free(r.rules);
		rg_config_free(&r.cfg);
		return rc;
	}

	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = open_outputs(&r);
	if (!rc)
		rc = start(&r, o.verbose);
	if (!rc)
		rc = loop(&r, o.duration_s);
	shutdown_all(&r);
	return rc;
}
