/* cmd_report.c: `rgq report`: one self-contained HTML file about an alert,
 * a process or a time range, to read in a browser or hand on.
 *
 * Every part is the output of an rgq command run here in HTML form, and the
 * command is printed above it, so each part can be reproduced (and taken
 * further) on the recording. The file loads nothing: its CSS and script
 * are inline and its Content-Security-Policy forbids any fetch, so it reads
 * the same from a USB stick on a machine without network.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "qtime.h"
#include "rgq.h"

#define TIMELINE_ROWS 2000 /* a report is read by a person; rgq has the rest */
#define MAX_TREES 10       /* a time range: the trees of its first alerted processes */

struct report {
	struct rgq *g;
	const struct rgq_command *c;
	int64_t proc_id;         /* 0: a time range */
	int64_t since, until;    /* the range, INT64_MIN / INT64_MAX open */
	char since_s[64], until_s[64];
	struct rg_buf procs_sql; /* "WITH RECURSIVE t(id) ..." of the tree, or "" */
};

static const char css[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:0 1.5em 3em;color:#1d1d1f;background:#fff}"
	"h1{font-size:1.5em;margin:.8em 0 .2em}h2{font-size:1.15em;margin:1.6em 0 .4em;"
	"border-bottom:1px solid #ddd;padding-bottom:.2em}"
	"nav a{margin-right:1em}.meta{color:#555}"
	"pre.cmd{background:#f4f4f6;border-left:3px solid #8a8aa0;padding:.4em .6em;"
	"white-space:pre-wrap;word-break:break-all;font-size:12px;margin:.3em 0 .6em}"
	"table{border-collapse:collapse;font:12px/1.35 ui-monospace,monospace;width:100%}"
	"th{position:sticky;top:0;background:#e9e9ef;text-align:left}"
	"td,th{border:1px solid #ddd;padding:2px 5px;vertical-align:top;overflow-wrap:break-word}"
	"th{white-space:nowrap}"
	"tr:nth-child(even) td{background:#fafafc}.empty{color:#777;font-style:italic}"
	".c-crit{color:#b00;font-weight:bold}.c-red{color:#c00}.c-yellow{color:#a60}"
	".c-cyan{color:#077}.c-green{color:#070}.c-blue{color:#04a}.c-magenta{color:#909}"
	".c-bold{font-weight:bold}"
	"details{margin-left:1.3em}details>summary{cursor:pointer;font:12px/1.6 ui-monospace,"
	"monospace}.this>summary{background:#fff3c4}.exe{font-weight:bold}"
	".st{color:#777}.unseen{color:#a60}input{font:inherit;margin:.3em 0}";

/* Collapse and expand the tree; filter the timeline's rows by text. */
static const char script[] =
	"function tree(open){document.querySelectorAll('#tree details')"
	".forEach(function(d){d.open=open;});}"
	"function filt(v){v=v.toLowerCase();document.querySelectorAll('#timeline tbody tr')"
	".forEach(function(r){r.style.display=r.textContent.toLowerCase().indexOf(v)<0?"
	"'none':'';});}";

static void html(const char *s)
{
	struct rg_buf b = {0};
	rgq_visible(&b, s, strlen(s));
	struct rg_buf e = {0};
	rgq_html_escape(&e, b.p ? b.p : "", b.len);
	fwrite(e.p ? e.p : "", 1, e.len, stdout);
	rg_buf_free(&b);
	rg_buf_free(&e);
}

/* An argument as a shell reads it back: bare when safe, else in '...'. */
static void shell_word(struct rg_buf *b, const char *s)
{
	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789-_./:@=+,") == strlen(s)) {
		rg_buf_adds(b, s);
		return;
	}
	rg_buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			rg_buf_adds(b, "'\\''");
		else
			rg_buf_addc(b, *s);
	}
	rg_buf_addc(b, '\'');
}

/* Prints "rgq --db DB ARGS" and runs ARGS here, its rows as an HTML table. */
static void run_part(struct report *r, const char *const *args)
{
	struct rg_buf cmd = {0};
	int argc = 0;
	rg_buf_adds(&cmd, "rgq --db ");
	shell_word(&cmd, r->g->db_path);
	for (; args[argc]; argc++) {
		rg_buf_addc(&cmd, ' ');
		shell_word(&cmd, args[argc]);
	}
	printf("<pre class=\"cmd\">");
	html(rg_buf_cstr(&cmd));
	printf("</pre>\n");
	rg_buf_free(&cmd);
	fflush(stdout);
	const struct rgq_command *c = rgq_find_command(args[0]);
	struct rgq_opts o;
	char **argv = rg_calloc((size_t)argc + 1, sizeof(char *));
	for (int i = 0; i < argc; i++)
		argv[i] = rg_strdup(args[i]);
	if (c && rgq_parse_opts(r->g, c, argc, argv, &o) == 0 && c->run(r->g, c, &o) == 0) {
		fflush(stdout);
	} else {
		fflush(stdout);
		printf("<p class=\"empty\">this part failed: rgq said why on stderr</p>\n");
	}
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

static void section(const char *id, const char *title, const char *note)
{
	printf("<section id=\"%s\"><h2>%s</h2>", id, title);
	if (note)
		printf("<p class=\"meta\">%s</p>", note);
	printf("\n");
}

/* The range's --since/--until arguments, appended to args at *n. */
static void range_args(const struct report *r, const char **args, int *n)
{
	if (r->since != INT64_MIN) {
		args[(*n)++] = "--since";
		args[(*n)++] = r->since_s;
	}
	if (r->until != INT64_MAX) {
		args[(*n)++] = "--until";
		args[(*n)++] = r->until_s;
	}
}

/* " AND ts_ns BETWEEN A AND B" for the SQL parts, as plain numbers. */
static void range_sql(const struct report *r, struct rg_buf *b)
{
	if (r->since != INT64_MIN)
		rg_buf_printf(b, " AND ts_ns >= %lld", (long long)r->since);
	if (r->until != INT64_MAX)
		rg_buf_printf(b, " AND ts_ns <= %lld", (long long)r->until);
}

/* The columns of rgq_tree_stmt used here. */
enum { T_DEPTH = 0, T_PID = 1, T_RELATION = 2, T_PROC_ID = 3, T_UID = 4, T_USER = 5,
       T_START = 11, T_STATUS = 13, T_EXE = 14, T_IMAGES = 15, T_CMDLINE = 16 };

/* One process tree as nested <details>, open, the process asked about
 * marked; rows come depth first, so a row closes the deeper ones before. */
static void tree_part(struct report *r, int64_t proc_id)
{
	char id[32];
	snprintf(id, sizeof(id), "%lld", (long long)proc_id);
	const char *args[] = {"tree", "--proc-id", id, NULL};
	struct rg_buf cmd = {0};
	rg_buf_adds(&cmd, "rgq --db ");
	shell_word(&cmd, r->g->db_path);
	rg_buf_printf(&cmd, " %s %s %s", args[0], args[1], args[2]);
	printf("<pre class=\"cmd\">");
	html(rg_buf_cstr(&cmd));
	printf("</pre>\n<div class=\"tree\">");
	rg_buf_free(&cmd);
	sqlite3_stmt *st = rgq_tree_stmt(r->g, r->c, proc_id, false);
	int level = -1;
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		int depth = sqlite3_column_int(st, T_DEPTH);
		for (; level >= depth; level--)
			printf("</details>");
		const char *rel = (const char *)sqlite3_column_text(st, T_RELATION);
		const char *status = (const char *)sqlite3_column_text(st, T_STATUS);
		printf("<details open%s data-proc-id=\"%lld\"><summary>",
		       rel && !strcmp(rel, "this") ? " class=\"this\"" : "",
		       (long long)sqlite3_column_int64(st, T_PROC_ID));
		printf("pid %lld <span class=\"exe\">", (long long)sqlite3_column_int64(st, T_PID));
		html(sqlite3_column_type(st, T_EXE) == SQLITE_NULL ? "-"
				: (const char *)sqlite3_column_text(st, T_EXE));
		printf("</span> ");
		if (sqlite3_column_type(st, T_CMDLINE) != SQLITE_NULL)
			html((const char *)sqlite3_column_text(st, T_CMDLINE));
		printf(" <span class=\"st\">uid %lld", (long long)sqlite3_column_int64(st, T_UID));
		if (sqlite3_column_type(st, T_USER) != SQLITE_NULL) {
			printf("(");
			html((const char *)sqlite3_column_text(st, T_USER));
			printf(")");
		}
		printf(", proc_id %lld, started ", (long long)sqlite3_column_int64(st, T_PROC_ID));
		html(sqlite3_column_type(st, T_START) == SQLITE_NULL ? "?"
				: (const char *)sqlite3_column_text(st, T_START));
		printf(", </span><span class=\"%s\">", status && !strncmp(status, "exit unseen", 11)
							 ? "unseen" : "st");
		if (status && (status[0] == '-' || (status[0] >= '0' && status[0] <= '9')))
			printf("exit ");
		html(status ? status : "-");
		printf("</span>");
		if (sqlite3_column_type(st, T_IMAGES) != SQLITE_NULL) {
			printf(" <span class=\"st\">images: ");
			html((const char *)sqlite3_column_text(st, T_IMAGES));
			printf("</span>");
		}
		printf("</summary>\n");
		level = depth;
	}
	for (; level >= 0; level--)
		printf("</details>");
	printf("</div>\n");
	sqlite3_finalize(st);
}

static void trees(struct report *r)
{
	section("tree", "Process tree",
		"Ancestors, the process and its descendants; click a process to fold it. "
		"<button onclick=\"tree(true)\">expand all</button> "
		"<button onclick=\"tree(false)\">collapse all</button>");
	if (r->proc_id) {
		tree_part(r, r->proc_id);
	} else { /* a range: the trees of the processes that alerted in it */
		struct rg_buf b = {0};
		rg_buf_adds(&b, "SELECT DISTINCT proc_id FROM alerts WHERE proc_id IS NOT NULL");
		range_sql(r, &b);
		rg_buf_printf(&b, " ORDER BY seq LIMIT %d", MAX_TREES);
		sqlite3_stmt *st = rgq_prepare(r->g, r->c, rg_buf_cstr(&b));
		rg_buf_free(&b);
		int n = 0;
		while (st && sqlite3_step(st) == SQLITE_ROW && ++n)
			tree_part(r, sqlite3_column_int64(st, 0));
		sqlite3_finalize(st);
		if (!n)
			printf("<p class=\"empty\">no process alerted in this range</p>\n");
	}
	printf("</section>\n");
}

static void alerts(struct report *r)
{
	section("alerts", "Alerts", NULL);
	if (r->proc_id) { /* the tree's: alerts has no option for descendants */
		struct rg_buf b = {0};
		rg_buf_printf(&b, "%s SELECT rg_time(ts_ns) AS time, severity, rule_id, event_seq, "
				  "event_type, pid, proc_id, exe, (SELECT user FROM processes p WHERE "
				  "p.proc_id = alerts.proc_id) AS user, summary FROM alerts WHERE "
				  "proc_id IN t", rg_buf_cstr(&r->procs_sql));
		range_sql(r, &b);
		rg_buf_adds(&b, " ORDER BY seq");
		const char *args[] = {"sql", rg_buf_cstr(&b), NULL};
		run_part(r, args);
		rg_buf_free(&b);
	} else {
		const char *args[8] = {"alerts"};
		int n = 1;
		range_args(r, args, &n);
		run_part(r, args);
	}
	printf("</section>\n");
}

static void timeline(struct report *r)
{
	char id[32], lim[32];
	snprintf(id, sizeof(id), "%lld", (long long)r->proc_id);
	snprintf(lim, sizeof(lim), "%d", TIMELINE_ROWS);
	section("timeline", "Timeline",
		"In time order, at most " "2000" " rows. Filter: <input oninput=\"filt(this.value)\" "
		"placeholder=\"text in a row\">");
	if (r->proc_id) {
		const char *args[] = {"timeline", "--proc-id", id, "--descendants", "--limit", lim,
				      NULL};
		run_part(r, args);
	} else {
		const char *args[10] = {"events", "--oldest", "--limit", lim};
		int n = 4;
		range_args(r, args, &n);
		run_part(r, args);
	}
	printf("</section>\n");
}

/* Files touched and connections: SQL over the tree (or the range). */
static void sql_part(struct report *r, const char *id, const char *title, const char *select,
		     const char *table, const char *tail)
{
	struct rg_buf b = {0};
	section(id, title, NULL);
	rg_buf_printf(&b, "%s SELECT %s FROM %s WHERE 1", rg_buf_cstr(&r->procs_sql), select,
		      table);
	if (r->proc_id)
		rg_buf_adds(&b, " AND proc_id IN t");
	range_sql(r, &b);
	rg_buf_printf(&b, " %s", tail);
	const char *args[] = {"sql", rg_buf_cstr(&b), NULL};
	run_part(r, args);
	rg_buf_free(&b);
	printf("</section>\n");
}

/* A section made of one rgq command over the report's time range. */
static void range_part(struct report *r, const char *cmd, const char *id, const char *title,
		       const char *note)
{
	const char *args[8] = {cmd};
	int n = 1;
	section(id, title, note);
	range_args(r, args, &n);
	run_part(r, args);
	printf("</section>\n");
}

/* A process's report covers its tree's lifetime, a second either side,
 * unless --since/--until say otherwise; still running: up to the end. */
static void lifetime(struct report *r)
{
	struct rg_buf b = {0};
	rg_buf_printf(&b, "%s SELECT min(start_ns), iif(count(exit_ns) = count(*), max(exit_ns), "
			  "NULL) FROM processes WHERE proc_id IN t", rg_buf_cstr(&r->procs_sql));
	sqlite3_stmt *st = rgq_prepare(r->g, r->c, rg_buf_cstr(&b));
	rg_buf_free(&b);
	if (st && sqlite3_step(st) == SQLITE_ROW) {
		if (r->since == INT64_MIN && sqlite3_column_type(st, 0) != SQLITE_NULL)
			r->since = sqlite3_column_int64(st, 0) - 1000000000;
		if (r->until == INT64_MAX && sqlite3_column_type(st, 1) != SQLITE_NULL)
			r->until = sqlite3_column_int64(st, 1) + 1000000000;
	}
	sqlite3_finalize(st);
}

/* The scope: an alert's process (or, without one, the minutes around it),
 * a process, or the time range given. Sets proc_id and the range. */
static int scope(struct report *r, const struct rgq_opts *o, struct rg_buf *title)
{
	struct rgq *g = r->g;
	r->since = o->since;
	r->until = o->until;
	r->proc_id = o->has_proc ? o->proc_id : 0;
	if (o->has_alert) {
		sqlite3_stmt *st = rgq_prepare(g, r->c, "SELECT proc_id, ts_ns, rule_id, summary "
						       "FROM alerts WHERE seq = ?");
		if (!st)
			return 1;
		sqlite3_bind_int64(st, 1, o->alert);
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_finalize(st);
			return rgq_fail(r->c, "no alert with seq %lld (rgq alerts lists them; "
					"--format json shows seq with rgq sql)", o->alert);
		}
		r->proc_id = sqlite3_column_int64(st, 0);
		int64_t t = sqlite3_column_int64(st, 1);
		rg_buf_printf(title, "alert %lld: %s: %s", o->alert, sqlite3_column_text(st, 2),
			      sqlite3_column_text(st, 3));
		if (!r->proc_id) { /* no process: five minutes either side */
			r->since = t - 300LL * 1000000000;
			r->until = t + 300LL * 1000000000;
		}
		sqlite3_finalize(st);
	} else if (o->has_pid) {
		if (!(r->proc_id = rgq_resolve_pid(g, r->c, o->pid)))
			return 1;
	}
	if (r->proc_id) {
		if (rgq_db_int_bound(g, "SELECT count(*) FROM processes WHERE proc_id = ?",
				     r->proc_id) != 1)
			return rgq_fail(r->c, "no process with proc_id %lld", (long long)r->proc_id);
		rg_buf_printf(&r->procs_sql, "WITH RECURSIVE t(id) AS (SELECT %lld UNION SELECT "
					     "p.proc_id FROM processes p JOIN t ON p.parent_proc_id "
					     "= t.id)", (long long)r->proc_id);
		if (!title->len)
			rg_buf_printf(title, "process %lld", (long long)r->proc_id);
		lifetime(r);
	} else if (!title->len) {
		rg_buf_adds(title, "time range");
	}
	if (r->since != INT64_MIN)
		rgq_time_format(r->since, r->since_s, sizeof(r->since_s));
	if (r->until != INT64_MAX)
		rgq_time_format(r->until, r->until_s, sizeof(r->until_s));
	return 0;
}

static void head(struct report *r, const char *title)
{
	char now[64];
	printf("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	       "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
	       "<meta name=\"viewport\" content=\"width=device-width\">\n<title>rand-guard: ");
	html(title);
	printf("</title>\n<style>%s</style>\n<script>%s</script>\n</head><body>\n"
	       "<h1>rand-guard report: ", css, script);
	html(title);
	printf("</h1>\n<p class=\"meta\">Recording <code>");
	html(r->g->db_path);
	printf("</code>; range %s to %s; written by rgq %s at %s. Each part below is the "
	       "output of the rgq command above it.</p>\n",
	       r->since == INT64_MIN ? "its start" : r->since_s,
	       r->until == INT64_MAX ? "its end" : r->until_s, RG_VERSION,
	       rgq_time_format(r->g->now, now, sizeof(now)));
	printf("<nav><a href=\"#alerts\">Alerts</a><a href=\"#tree\">Process tree</a>"
	       "<a href=\"#timeline\">Timeline</a><a href=\"#files\">Files</a>"
	       "<a href=\"#net\">Connections</a><a href=\"#bin\">Executables</a>"
	       "<a href=\"#gaps\">Coverage</a></nav>\n");
}

/* Opens OUT for the report (0600: it is evidence) and points stdout at it;
 * the old stdout is returned to put back, or -1 after saying why. */
static int redirect(const struct rgq_command *c, const char *out, bool force)
{
	int fd = open(out, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
				   (force ? O_TRUNC : O_EXCL), 0600);
	if (fd < 0) {
		rgq_fail(c, "%s: %s%s", out, strerror(errno),
			 errno == EEXIST ? " (--force replaces it)" : "");
		return -1;
	}
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	return saved;
}

static int run_report(struct rgq *g, const struct rgq_command *c, const struct rgq_opts *o)
{
	int ways = !!o->has_alert + !!o->has_proc + !!o->has_pid;
	bool ranged = o->since != INT64_MIN || o->until != INT64_MAX;
	if (o->nargs != 1)
		return rgq_usage_error(c, "give the HTML file to write");
	if (ways > 1 || (!ways && !ranged))
		return rgq_usage_error(c, "name one of --alert SEQ, --proc-id ID or --pid N, or "
				       "a range with --since/--until");
	struct report r = {.g = g, .c = c};
	struct rg_buf title = {0};
	int rc = scope(&r, o, &title);
	if (rc) {
		rg_buf_free(&title);
		rg_buf_free(&r.procs_sql);
		return rc;
	}
	int saved = redirect(c, o->args[0], o->force);
	if (saved < 0) {
		rg_buf_free(&title);
		rg_buf_free(&r.procs_sql);
		return 1;
	}
	enum rgq_format fmt = g->fmt;
	g->fmt = RGQ_HTML;
	g->in_report = true;
	head(&r, rg_buf_cstr(&title));
	alerts(&r);
	trees(&r);
	timeline(&r);
	sql_part(&r, "files", "Files touched",
		 "path, group_concat(DISTINCT event_type) AS operations, count(*) AS events, "
		 "rg_time(min(ts_ns)) AS first, rg_time(max(ts_ns)) AS last, "
		 "group_concat(DISTINCT exe) AS by",
		 "file_events", "GROUP BY path ORDER BY min(seq) LIMIT 1000");
	sql_part(&r, "net", "Connections",
		 "rg_time(ts_ns) AS time, event_type, pid, proc_id, exe, protocol, local_addr, "
		 "local_port, remote_addr, remote_port, rg_errno(result) AS result",
		 "network_events", "ORDER BY seq LIMIT 1000");
	range_part(&r, "binaries", "bin", "Executables",
		   "Every file that ran in this range (on the whole host, not only the processes "
		   "above), once, with its SHA-256 or why there is none.");
	range_part(&r, "gaps", "gaps", "Coverage",
		   "What the recording holds of this range: recorded spans, and every gap with its "
		   "reason (events lost there are in no part above).");
	printf("</body></html>\n");
	fflush(stdout);
	bool failed = ferror(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	g->fmt = fmt;
	g->in_report = false;
	if (failed)
		rc = rgq_fail(c, "%s: a write failed", o->args[0]);
	else
		fprintf(stderr, "rgq report: wrote %s (%s)\n", o->args[0], rg_buf_cstr(&title));
	rg_buf_free(&title);
	rg_buf_free(&r.procs_sql);
	return rc;
}

const struct rgq_command rgq_cmd_report = {
	"report", "one self-contained HTML file about an alert, a process or a time range",
	"report OUT.html (--alert SEQ | --proc-id ID | --pid N | --since TIME --until TIME)\n"
	"       [--force]",
	"Writes OUT.html (mode 0600; an existing file only with --force): the alerts,\n"
	"the process tree (collapsible), a timeline (at most 2000 rows, filterable),\n"
	"the files touched, the connections, the executables that ran (with their\n"
	"hashes) and the coverage gaps, each under the rgq command that prints it. --alert SEQ (the alert's seq: rgq sql \"SELECT seq,\n"
	"rule_id FROM alerts\", or the seq of an alert row of rgq timeline): the\n"
	"process that raised it and its descendants; --proc-id ID or --pid N: that\n"
	"process and its descendants, over their lifetime; --since/--until:\n"
	"everything in the range (with a process, the range instead of its lifetime).\n"
	"The file loads nothing from anywhere (inline CSS and script, a\n"
	"Content-Security-Policy that forbids fetching): open it in any browser.\n",
	"SUpPAF", 1, run_report,
};
