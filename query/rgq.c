/* rgq: questions to a rand-guard recording (docs/rgq.md).
 *
 *   rgq [--db PATH | -c CONFIG] [--format table|json|csv] [--wide] [--color WHEN]
 *       [--no-pager] [--tz utc|local] COMMAND [OPTIONS]
 *
 * Every command reads the database read-only (db.h) and prints through
 * out.h. Exit codes: 0 answered, 1 the database or a query failed, 2 bad
 * usage.
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "out.h"
#include "qtime.h"
#include "rgq.h"

#define DEFAULT_CONFIG "/etc/rand-guard/rand-guard.ini"

static const struct rgq_command *const commands[] = {
	&rgq_cmd_events, &rgq_cmd_tree,   &rgq_cmd_timeline, &rgq_cmd_alerts, &rgq_cmd_health,
	&rgq_cmd_gaps,   &rgq_cmd_sql,    &rgq_cmd_replay,   &rgq_cmd_export,
	&rgq_cmd_binaries, &rgq_cmd_report, &rgq_cmd_verify, &rgq_cmd_import,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: rgq [OPTIONS] COMMAND [ARGS]   (rgq COMMAND --help for its options)\n"
		   "Questions to a rand-guard recording; the database is opened read-only.\n\n"
		   "Options:\n"
		   "  --db PATH            the database (default: [store] db of the config)\n"
		   "  -c, --config PATH    take the database path from this config (default "
		   DEFAULT_CONFIG " if it exists)\n"
		   "  --format FORMAT      table (default), json (one object per line) or csv\n"
		   "  --wide               tables: whole cells (no cut at 120 bytes, no fitting)\n"
		   "  --width N            tables: fit rows to N columns (default: the terminal's)\n"
		   "  --color WHEN         auto (default: on a terminal, unless NO_COLOR is set),\n"
		   "                       always or never\n"
		   "  --no-pager           do not page; by default output to a terminal goes\n"
		   "                       through $RGQ_PAGER, $PAGER or less (LESS=FRSX)\n"
		   "  --tz ZONE            utc (default) or local: how times print, and what a\n"
		   "                       time given without a zone means\n"
		   "  --timing             print how long the command took (stderr)\n"
		   "  -h, --help           this help;  --version  the version\n"
		   "Global options may also follow the command name.\n\nCommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "\nTimes (--since, --until): 2026-11-29T18:02:03Z (UTC without a zone), "
		   "2026-11-29,\n1h / 30m / 2d (that long ago), now, @EPOCH_SECONDS.\n");
}

/* getopt codes of the global options: above any option letter */
enum { G_DB = 1000, G_CONFIG, G_FORMAT, G_TIMING, G_WIDE, G_WIDTH, G_COLOR, G_NO_PAGER, G_TZ };
#define GLOBAL_LOPTS                                                                         \
	{"db", required_argument, 0, G_DB}, {"config", required_argument, 0, G_CONFIG},      \
	{"format", required_argument, 0, G_FORMAT}, {"timing", no_argument, 0, G_TIMING},    \
	{"wide", no_argument, 0, G_WIDE}, {"width", required_argument, 0, G_WIDTH},          \
	{"color", required_argument, 0, G_COLOR}, {"colour", required_argument, 0, G_COLOR}, \
	{"no-pager", no_argument, 0, G_NO_PAGER}, {"tz", required_argument, 0, G_TZ}

int rgq_global_opt(struct rgq *g, int code, const char *arg)
{
	char *end;
	switch (code) {
	case G_DB: g->db_path = arg; break;
	case G_CONFIG: g->config = arg; break;
	case G_FORMAT:
		if (rgq_format_parse(arg, &g->fmt)) {
			fprintf(stderr, "rgq: bad --format '%s' (table, json or csv)\n", arg);
			return 2;
		}
		break;
	case G_TIMING: g->timing = true; break;
	case G_WIDE: g->style.wide = true; break;
	case G_WIDTH: {
		long w = strtol(arg, &end, 10);
		if (*end || end == arg || w < 20 || w > 100000) {
			fprintf(stderr, "rgq: bad --width '%s' (20 columns or more)\n", arg);
			return 2;
		}
		g->style.width = (unsigned)w;
		g->has_width = true;
		break;
	}
	case G_COLOR:
		g->color = !strcmp(arg, "always") ? 1 : !strcmp(arg, "never") ? 0
			 : !strcmp(arg, "auto")   ? -1 : -2;
		if (g->color == -2) {
			fprintf(stderr, "rgq: bad --color '%s' (auto, always or never)\n", arg);
			return 2;
		}
		break;
	case G_NO_PAGER: g->no_pager = true; break;
	case G_TZ:
		if (strcmp(arg, "utc") && strcmp(arg, "UTC") && strcmp(arg, "local")) {
			fprintf(stderr, "rgq: bad --tz '%s' (utc or local)\n", arg);
			return 2;
		}
		g->tz_local = !strcmp(arg, "local");
		rgq_time_local(g->tz_local);
		break;
	}
	return 0;
}

void rgq_no_rows(const struct rgq *g, const struct rgq_command *c)
{
	const char *f = g->filter && *g->filter ? g->filter : "no filter";
	if (g->in_report)
		return;
	if (!strcmp(c->name, "sql")) /* the filter is the SQL, already on screen */
		fprintf(stderr, "rgq sql: no rows\n");
	else
		fprintf(stderr, "rgq %s: no rows (%.200s%s)\n", c->name, f,
			strlen(f) > 200 ? "..." : "");
}

int rgq_parse_opts(struct rgq *g, const struct rgq_command *c, int argc, char **argv,
		   struct rgq_opts *o)
{
	static const struct option lopts[] = {
		{"since", required_argument, 0, 'S'},  {"until", required_argument, 0, 'U'},
		{"limit", required_argument, 0, 'n'},  {"type", required_argument, 0, 't'},
		{"pid", required_argument, 0, 'p'},    {"proc-id", required_argument, 0, 'P'},
		{"exe", required_argument, 0, 'e'},    {"path", required_argument, 0, 'f'},
		{"oldest", no_argument, 0, 'o'},       {"descendants", no_argument, 0, 'd'},
		{"rules", required_argument, 0, 'r'},  {"severity", required_argument, 0, 's'},
		{"rule", required_argument, 0, 'R'},   {"all", no_argument, 0, 'a'},
		{"quiet", no_argument, 0, 'q'},        {"force", no_argument, 0, 'F'},
		{"run", required_argument, 0, 'u'},    {"help", no_argument, 0, 'h'},
		{"container", required_argument, 0, 'C'},
		{"sigma", required_argument, 0, 'G'}, {"uid", required_argument, 0, 'i'},
		{"user", required_argument, 0, 'N'},
		{"cmdline", required_argument, 0, 'K'}, {"grep", required_argument, 0, 'g'},
		{"alert", required_argument, 0, 'A'},
		{"pubkey", required_argument, 0, 'y'}, {"key-fpr", required_argument, 0, 'Y'},
		{"checkpoints", required_argument, 0, 'c'},
		GLOBAL_LOPTS,
		{0, 0, 0, 0},
	};
	char err[200];
	memset(o, 0, sizeof(*o));
	o->since = INT64_MIN;
	o->until = INT64_MAX;
	o->limit = -1;
	optind = 0; /* glibc: start over, and in permuting mode */
	opterr = 0;
	int ch, idx = -1;
	/* options and arguments in any order: export OUT.db --since 1h */
	while ((ch = getopt_long(argc, argv, "h", lopts, &idx)) != -1) {
		if (ch == 'h') {
			printf("usage: rgq %s\n%s", c->usage, c->help);
			exit(0);
		}
		if (ch == '?' || ch == ':')
			return rgq_usage_error(c, "unknown or incomplete option '%s'",
					       argv[optind - 1]);
		if (ch >= G_DB) {
			int rc = rgq_global_opt(g, ch, optarg);
			if (rc)
				return rc;
			continue;
		}
		if (!strchr(c->opts, ch))
			return rgq_usage_error(c, "unknown or incomplete option '--%s'",
					       lopts[idx].name);
		char *end;
		switch (ch) {
		case 'S':
		case 'U':
			if (rgq_time_parse(optarg, g->now, ch == 'S' ? &o->since : &o->until, err,
					   sizeof(err)))
				return rgq_usage_error(c, "%s", err);
			break;
		case 'n':
		case 'p':
		case 'P':
		case 'u':
		case 'i':
		case 'A': {
			errno = 0;
			long long v = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 0)
				return rgq_usage_error(c, "'%s' is not a number", optarg);
			*(ch == 'n' ? &o->limit : ch == 'p' ? &o->pid : ch == 'P' ? &o->proc_id
						: ch == 'u' ? &o->run : ch == 'i' ? &o->uid
									      : &o->alert) = v;
			o->has_pid |= ch == 'p';
			o->has_proc |= ch == 'P';
			o->has_run |= ch == 'u';
			o->has_uid |= ch == 'i';
			o->has_alert |= ch == 'A';
			break;
		}
		case 'K': o->cmdline = optarg; break;
		case 'N': o->user = optarg; break;
		case 'g': o->grep = optarg; break;
		case 'y': o->pubkey = optarg; break;
		case 'Y': o->key_fpr = optarg; break;
		case 'c': o->checkpoints = optarg; break;
		case 't': o->type = optarg; break;
		case 'e': o->exe = optarg; break;
		case 'f': o->path = optarg; break;
		case 'G': o->sigma = optarg; break;
		case 'o': o->oldest = true; break;
		case 'd': o->descendants = true; break;
		case 'r': o->rules = optarg; break;
		case 's': o->severity = optarg; break;
		case 'R': o->rule = optarg; break;
		case 'a': o->all = true; break;
		case 'q': o->quiet = true; break;
		case 'F': o->force = true; break;
		case 'C':
			if (!*optarg || strpbrk(optarg, "*?["))
				return rgq_usage_error(c, "--container takes an id, the start of "
						       "one, or a name (no wildcards)");
			o->container = optarg;
			break;
		}
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	if (o->nargs > c->max_args)
		return rgq_usage_error(c, "unexpected argument '%s'", o->args[c->max_args]);
	if (o->since > o->until)
		return rgq_usage_error(c, "--since is after --until");
	if (o->has_pid && o->has_proc)
		return rgq_usage_error(c, "--pid or --proc-id, not both");
	const char *globs[] = {o->exe, o->path};
	for (int i = 0; i < 2; i++) /* as in rules: a glob with '/' is a whole path */
		if (globs[i] && globs[i][0] != '/' && strchr(globs[i], '/'))
			return rgq_usage_error(c, "'%s' has a '/' but is not absolute (a name "
					       "without '/' matches the file name)", globs[i]);
	return 0;
}

int rgq_print(struct rgq *g, const struct rgq_command *c, sqlite3_stmt *st)
{
	struct rgq_out o;
	int rc = rgq_out_stmt(&o, g->fmt, stdout, st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rgq_fail(c, "%s", sqlite3_errstr(rc));
	if (!o.rows)
		rgq_no_rows(g, c);
	return 0;
}

long long rgq_db_int_bound(struct rgq *g, const char *sql, long long arg)
{
	sqlite3_stmt *st;
	long long v = -1;
	if (sqlite3_prepare_v2(g->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, arg);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

void rgq_container_cond(struct rg_buf *b, const struct rgq_opts *o, bool execs)
{
	/* GLOB on a prefix uses the processes_container index (a case-
	 * sensitive LIKE); the option refuses glob characters */
	static const char procs[] = "proc_id IN (SELECT proc_id FROM processes WHERE "
				    "container_id GLOB :container || '*')";
	if (!o->container)
		return;
	if (execs) /* an exec has its own: the process may have moved in since */
		rg_buf_printf(b, " AND iif(event_type = 'process_start', container_id GLOB "
				 ":container || '*', %s)", procs);
	else
		rg_buf_printf(b, " AND %s", procs);
}

void rgq_bind_common(sqlite3_stmt *st, const struct rgq_opts *o)
{
	int i;
	if ((i = sqlite3_bind_parameter_index(st, ":since")))
		sqlite3_bind_int64(st, i, o->since);
	if ((i = sqlite3_bind_parameter_index(st, ":until")))
		sqlite3_bind_int64(st, i, o->until);
	if ((i = sqlite3_bind_parameter_index(st, ":limit"))) /* 0 or not given: all */
		sqlite3_bind_int64(st, i, o->limit <= 0 ? -1 : o->limit);
	if ((i = sqlite3_bind_parameter_index(st, ":pid")))
		sqlite3_bind_int64(st, i, o->pid);
	if ((i = sqlite3_bind_parameter_index(st, ":proc")))
		sqlite3_bind_int64(st, i, o->proc_id);
	if ((i = sqlite3_bind_parameter_index(st, ":exe")))
		sqlite3_bind_text(st, i, o->exe, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(st, ":path")))
		sqlite3_bind_text(st, i, o->path, -1, SQLITE_STATIC);
	/* the path as a file row keeps it: its directory's name, the rest */
	const char *slash = o->path ? strrchr(o->path, '/') : NULL;
	if (slash && (i = sqlite3_bind_parameter_index(st, ":path_dir")))
		sqlite3_bind_text(st, i, o->path, (int)(slash - o->path + 1), SQLITE_STATIC);
	if (slash && (i = sqlite3_bind_parameter_index(st, ":path_base")))
		sqlite3_bind_text(st, i, slash + 1, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(st, ":rule")))
		sqlite3_bind_text(st, i, o->rule, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(st, ":uid")))
		sqlite3_bind_int64(st, i, o->uid);
	if ((i = sqlite3_bind_parameter_index(st, ":cmdline")))
		sqlite3_bind_text(st, i, o->cmdline, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(st, ":grep")))
		sqlite3_bind_text(st, i, o->grep, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(st, ":user")))
		sqlite3_bind_text(st, i, o->user, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(st, ":container")))
		sqlite3_bind_text(st, i, o->container, -1, SQLITE_STATIC);
}

void rgq_time_cond(struct rg_buf *b, const struct rgq_opts *o, const char *col)
{
	if (o->since != INT64_MIN)
		rg_buf_printf(b, " AND %s >= :since", col);
	if (o->until != INT64_MAX)
		rg_buf_printf(b, " AND %s <= :until", col);
}

int rgq_query(struct rgq *g, const struct rgq_command *c, struct rg_buf *sql,
	      const struct rgq_opts *o)
{
	sqlite3_stmt *st = rgq_prepare(g, c, rg_buf_cstr(sql));
	rg_buf_free(sql);
	if (!st)
		return 1;
	rgq_bind_common(st, o);
	return rgq_print(g, c, st);
}

/* Says on stderr where a step of the wall clock (a clock_step_* gap row)
 * meets the --since/--until range. Times are compared as recorded (ts_ns,
 * the wall clock of the moment): after a backward step a range there holds
 * events from both sides of it, and one that ends before the step misses
 * events that came after it; seq and boot_ns keep the true order. */
static void note_clock_steps(struct rgq *g, const struct rgq_command *c,
			     const struct rgq_opts *o)
{
	sqlite3_stmt *st;
	char a[64], b[64];
	if (sqlite3_prepare_v2(g->db, "SELECT start_ns, end_ns, reason = 'clock_step_back', run_id "
				      "FROM gaps WHERE reason IN ('clock_step_back', "
				      "'clock_step_forward') AND end_ns >= ? AND start_ns <= ? "
				      "ORDER BY start_ns", -1, &st, NULL) != SQLITE_OK)
		return; /* rgq sql says what is wrong with the database */
	sqlite3_bind_int64(st, 1, o->since);
	sqlite3_bind_int64(st, 2, o->until);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t s = sqlite3_column_int64(st, 0), e = sqlite3_column_int64(st, 1);
		rgq_time_format(s, a, sizeof(a));
		rgq_time_format(e, b, sizeof(b));
		if (sqlite3_column_int(st, 2))
			fprintf(stderr, "rgq %s: the wall clock was set back %.3f s in run %lld: "
				"times from %s to %s were recorded twice, before and after the "
				"step; --since/--until compare recorded times, so this range may "
				"mix both sides (seq and boot_ns keep the order)\n", c->name,
				(double)(e - s) / 1e9, (long long)sqlite3_column_int64(st, 3), a, b);
		else
			fprintf(stderr, "rgq %s: the wall clock was set forward %.3f s in run %lld: "
				"no event has a time from %s to %s\n", c->name,
				(double)(e - s) / 1e9, (long long)sqlite3_column_int64(st, 3), a, b);
	}
	sqlite3_finalize(st);
}

/* The database path: --db, else the config's [store] db. */
static int db_path(struct rgq *g, char *err, size_t errlen)
{
	const char *config = g->config;
	if (g->db_path)
		return 0;
	struct rg_config cfg;
	rg_config_defaults(&cfg);
	if (!config && access(DEFAULT_CONFIG, F_OK) == 0)
		config = DEFAULT_CONFIG;
	if (config && rg_config_load(&cfg, config, err, errlen)) {
		rg_config_free(&cfg);
		return -1;
	}
	g->db_path = g->db_owned = rg_strdup(cfg.db);
	rg_config_free(&cfg);
	return 0;
}

const struct rgq_command *rgq_find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

/* The style of tables: colour and the width to fit, from the options and
 * whether stdout is a terminal (decided before a pager takes stdout). */
static void choose_style(struct rgq *g)
{
	bool tty = isatty(STDOUT_FILENO);
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
	if (g->color < 0)
		g->style.color = tty && !(no_color && *no_color) && !(term && !strcmp(term, "dumb"));
	else
		g->style.color = g->color;
	if (g->has_width || !tty)
		return;
	const char *cols = getenv("COLUMNS");
	struct winsize ws;
	long w = cols ? strtol(cols, NULL, 10) : 0;
	if (w <= 0 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		w = ws.ws_col;
	g->style.width = w >= 20 ? (unsigned)w : 0;
}

/* Output to a terminal goes through a pager, as git's does: $RGQ_PAGER,
 * else $PAGER, else less; "" or "cat" is none. LESS=FRSX unless LESS is
 * set: quit when it fits one screen, keep colours, cut long lines (scroll
 * sideways), leave the screen as it was. Returns the pager's pid or 0. */
static pid_t start_pager(const struct rgq *g, const struct rgq_command *c)
{
	if (g->no_pager || !isatty(STDOUT_FILENO) || !strcmp(c->name, "export") ||
	    !strcmp(c->name, "report") ||
	    !strcmp(c->name, "replay")) /* replay's progress on stderr would cross it */
		return 0;
	const char *pager = getenv("RGQ_PAGER");
	if (!pager)
		pager = getenv("PAGER");
	if (!pager)
		pager = "less";
	if (!*pager || !strcmp(pager, "cat"))
		return 0;
	int fd[2];
	if (pipe(fd))
		return 0;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return 0;
	}
	if (pid == 0) {
		dup2(fd[0], STDIN_FILENO);
		close(fd[0]);
		close(fd[1]);
		setenv("LESS", "FRSX", 0);
		setenv("LV", "-c", 0);
		execl("/bin/sh", "sh", "-c", pager, (char *)NULL);
		_exit(127);
	}
	dup2(fd[1], STDOUT_FILENO);
	close(fd[0]);
	close(fd[1]);
	return pid;
}

/* The pager reads to the end of what rgq wrote; rgq waits for the reader. */
static void end_pager(pid_t pid)
{
	if (!pid)
		return;
	fflush(stdout);
	close(STDOUT_FILENO);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* The command's arguments as one line, for "no rows (...)". */
static char *join_args(int argc, char **argv)
{
	struct rg_buf raw = {0}, b = {0};
	for (int i = 0; i < argc; i++) {
		if (i)
			rg_buf_addc(&raw, ' ');
		rg_buf_adds(&raw, argv[i]);
	}
	rgq_visible(&b, raw.p ? raw.p : "", raw.len);
	rg_buf_free(&raw);
	char *s = rg_strdup(rg_buf_cstr(&b));
	rg_buf_free(&b);
	return s;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		GLOBAL_LOPTS,
		{"help", no_argument, 0, 'h'},
		{"version", no_argument, 0, 'V'},
		{0, 0, 0, 0},
	};
	struct rgq g = {.fmt = RGQ_TABLE, .now = rg_wall_ns(), .color = -1};
	char err[512];
	int ch, rc;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+c:h", lopts, NULL)) != -1) {
		switch (ch) {
		case 'c': g.config = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("rgq %s\n", RG_VERSION); return 0;
		case '?':
		case ':':
			fprintf(stderr, "rgq: unknown or incomplete option '%s' (rgq --help)\n",
				argv[optind - 1]);
			return 2;
		default:
			if ((rc = rgq_global_opt(&g, ch, optarg)))
				return rc;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	const struct rgq_command *c = rgq_find_command(argv[optind]);
	if (!c) {
		fprintf(stderr, "rgq: unknown command '%s' (rgq --help)\n", argv[optind]);
		return 2;
	}
	if (c == &rgq_cmd_import) /* writes, opens no recording: its own program */
		return rgq_import_exec(argc - optind, argv + optind);
	struct rgq_opts o;
	g.filter = join_args(argc - optind - 1, argv + optind + 1);
	rc = rgq_parse_opts(&g, c, argc - optind, argv + optind, &o);
	if (!rc && g.db_path && g.config) {
		fprintf(stderr, "rgq: --db or -c, not both\n");
		rc = 2;
	}
	if (!rc && db_path(&g, err, sizeof(err))) {
		fprintf(stderr, "rgq: %s\n", err);
		rc = 2;
	}
	if (rc) {
		free(g.filter);
		return rc;
	}
	int64_t t0 = rg_mono_ns();
	g.db = rgq_db_open(g.db_path, err, sizeof(err));
	if (!g.db) {
		fprintf(stderr, "rgq: %s\n", err);
		free(g.db_owned);
		free(g.filter);
		return 1;
	}
	choose_style(&g);
	rgq_out_set_style(&g.style);
	pid_t pager = start_pager(&g, c);
	if (o.since != INT64_MIN || o.until != INT64_MAX)
		note_clock_steps(&g, c, &o);
	rc = c->run(&g, c, &o);
	rgq_db_close(g.db);
	if (g.timing) /* what the command took, without starting the process */
		fprintf(stderr, "rgq: %s took %.3f ms\n", c->name, (double)(rg_mono_ns() - t0) / 1e6);
	end_pager(pager);
	free(g.db_owned);
	free(g.filter);
	return rc;
}
