/* test_ndjson.c: event, health and gap lines have the registry's keys in
 * its order, only the fields of their type, null for unknown values, and
 * one line each; every line carries the time as RFC 3339 beside ts_ns, the
 * host and the boot id; the writer counts written and failed lines. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ndjson.h"
#include "tap.h"

static struct rg_event exec_event(void)
{
	static const char argv[] = "sh\0-c\0echo \"hi\"\n\0";
	return (struct rg_event){
		.type = RG_ET_PROCESS_START, .seq = 7, .ts_ns = 1700000000000000000,
		.boot_ns = 5, .proc_id = 3, .pid = 10, .tid = 11, .uid = 1000, .gid = 100,
		.ppid = 1, .parent_proc_id = 0, .comm = {"sh", 2}, .exe = {"/bin/sh", 7},
		.cwd = {"/tmp/a\xff", 7}, .argv = {argv, sizeof(argv) - 1}, .argc = 3,
		.euid = 0, .egid = 0, .auid = 4294967295u, .sessionid = 2, .syscall = "execve",
		.flags = RG_EF_ARGV_TRUNC,
		.who = {.user = {"alice", 5}, .login_user = {"unset", 5}, .cgroup_id = 7,
			.cgroup_path = {"/docker/x", 9}, .container_runtime = "docker",
			.pidns = 4026531836u},
	};
}

#define STAMP(t) ",\"time\":\"" t "\",\"host\":\"h\\\"1\",\"boot_id\":\"b-1\""
static struct rg_ndjson_fmt fmt;

static void check_format(void)
{
	struct rg_buf b = {0};
	struct rg_event ev = exec_event();
	rg_ndjson_fmt_init(&fmt, &(struct rg_ndjson_opts){"h\"1", "b-1", RG_NDJSON_NATIVE});
	rg_ndjson_format_event(&fmt, &b, &ev);
	CHECK_STR(rg_buf_cstr(&b),
		  "{\"event_type\":\"process_start\",\"seq\":7,\"ts_ns\":1700000000000000000"
		  STAMP("2023-11-14T22:13:20.000000000Z") ","
		  "\"boot_ns\":5,\"proc_id\":3,\"pid\":10,\"tid\":11,\"uid\":1000,\"gid\":100,"
		  "\"ppid\":1,\"parent_proc_id\":null,\"comm\":\"sh\",\"exe\":\"/bin/sh\","
		  "\"cmdline\":\"sh -c echo \\\"hi\\\"\\n\","
		  "\"argv\":[\"sh\",\"-c\",\"echo \\\"hi\\\"\\n\"],\"argc\":3,"
		  "\"cwd\":\"/tmp/a\\udcff\",\"euid\":0,\"egid\":0,\"auid\":4294967295,"
		  "\"sessionid\":2,\"syscall\":\"execve\",\"script\":null,\"env\":null,"
		  "\"exe_truncated\":false,"
		  "\"argv_truncated\":true,\"cwd_truncated\":false,\"exe_memfd\":false,"
		  "\"exe_deleted\":false,\"script_truncated\":false,\"env_truncated\":false,"
		  "\"exe_dev\":null,\"exe_ino\":null,\"exe_size\":null,\"exe_ctime_ns\":null,"
		  "\"exe_sha256\":null,\"hash_status\":null,"
		  "\"script_dev\":null,\"script_ino\":null,\"script_size\":null,"
		  "\"script_ctime_ns\":null,\"script_sha256\":null,\"script_hash_status\":null,"
		  "\"user\":\"alice\",\"euser\":null,\"group_name\":null,\"login_user\":\"unset\","
		  "\"sudo_user\":null,\"ssh_client\":null,\"ssh_client_port\":null,\"cgroup_id\":7,"
		  "\"cgroup_path\":\"/docker/x\",\"container_id\":null,"
		  "\"container_runtime\":\"docker\",\"pidns\":4026531836,\"mntns\":null,"
		  "\"netns\":null,\"userns\":null,\"utsns\":null,\"cgroupns\":null}\n",
		  "exec event: keys in registry order, escapes, null parent, who and where");

	b.len = 0;
	struct rg_event ex = {.type = RG_ET_PROCESS_EXIT, .seq = 8, .pid = 10, .tid = 10,
			      .exit_code = -1, .signal = 9, .core_dumped = true};
	rg_ndjson_format_event(&fmt, &b, &ex);
	CHECK_STR(rg_buf_cstr(&b),
		  "{\"event_type\":\"process_exit\",\"seq\":8,\"ts_ns\":0"
		  STAMP("1970-01-01T00:00:00.000000000Z") ",\"boot_ns\":0,"
		  "\"proc_id\":null,\"pid\":10,\"tid\":10,\"uid\":0,\"gid\":0,\"ppid\":null,"
		  "\"parent_proc_id\":null,\"comm\":null,\"exe\":null,\"cmdline\":null,"
		  "\"exit_code\":-1,\"signal\":9,\"core_dumped\":true}\n",
		  "exit event: only its type's fields, unknown strings null");

	b.len = 0;
	struct rg_event empty = {.type = RG_ET_PROCESS_START, .argv = {"", 0}, .exe = {"", 0}};
	rg_ndjson_format_event(&fmt, &b, &empty);
	CHECK(strstr(rg_buf_cstr(&b), "\"argv\":[]") && strstr(b.p, "\"cmdline\":\"\""),
	      "empty argv is [] and cmdline \"\"");

	b.len = 0;
	struct rg_alert a = {.seq = 8, .ts_ns = 9, .rule_id = {"R-1", 3}, .rule_name = {"n", 1},
			     .severity = {"high", 4}, .tags = {"persistence  T1543", 18},
			     .rule_source = {"sigma", 5}, .rule_file = {"/r/x.yml", 8},
			     .summary = {"s", 1}, .rules_digest = {"d", 1}, .event_seq = 7,
			     .event_type = RG_ET_PROCESS_START, .proc_id = 3, .pid = 10,
			     .exe = {"/bin/sh", 7}};
	rg_ndjson_format_alert(&fmt, &b, &a, &ev);
	const char *want = "{\"event_type\":\"alert\",\"seq\":8,\"ts_ns\":9"
			   STAMP("1970-01-01T00:00:00.000000009Z") ",\"rule_id\":\"R-1\","
			   "\"rule_name\":\"n\",\"severity\":\"high\",\"tags\":[\"persistence\","
			   "\"T1543\"],\"rule_source\":\"sigma\",\"rule_file\":\"/r/x.yml\","
			   "\"event_seq\":7,\"proc_id\":3,\"pid\":10,\"exe\":\"/bin/sh\","
			   "\"summary\":\"s\",\"rules_digest\":\"d\",\"trigger\":{\"event_type\":"
			   "\"process_start\",\"seq\":7,\"ts_ns\":1700000000000000000,\"boot_ns\":5,";
	CHECK(!strncmp(rg_buf_cstr(&b), want, strlen(want)) && b.p[b.len - 1] == '\n' &&
	      b.p[b.len - 2] == '}' && b.p[b.len - 3] == '}' && !memchr(b.p, '\n', b.len - 1),
	      "alert: rule, tags array, acting process, then the whole event under trigger "
	      "(no stamp of its own); one line");

	b.len = 0;
	a.nsteps = 3;
	a.steps[0] = 2, a.steps[1] = 5, a.steps[2] = 7;
	rg_ndjson_format_alert(&fmt, &b, &a, NULL);
	CHECK(strstr(rg_buf_cstr(&b), "\"rules_digest\":\"d\",\"steps\":[2,5,7]}\n") != NULL,
	      "a sequence alert: every step's seq as an array");
	char json[RG_ALERT_STEPS_JSON];
	a.nsteps = RG_SEQ_MAX_STEPS;
	for (int i = 0; i < RG_SEQ_MAX_STEPS; i++)
		a.steps[i] = UINT64_MAX;
	rg_alert_steps_json(&a, json, sizeof(json));
	CHECK(strlen(json) < sizeof(json) && json[strlen(json) - 1] == ']',
	      "the largest steps array fits RG_ALERT_STEPS_JSON");

	b.len = 0;
	struct rg_gap g = {2, 100, 200, 5, "kernel_drop"};
	rg_ndjson_format_gap(&fmt, &b, &g);
	CHECK_STR(rg_buf_cstr(&b),
		  "{\"event_type\":\"gap\",\"ts_ns\":100" STAMP("1970-01-01T00:00:00.000000100Z")
		  ",\"run_id\":2,\"start_ns\":100,\"end_ns\":200,"
		  "\"count\":5,\"reason\":\"kernel_drop\"}\n", "gap line: its ts_ns is its start");
	b.len = 0;
	struct rg_gap sg = {2, 100, 200, 7, "sequence_eviction", {"SEQ-\"1", 6}};
	rg_ndjson_format_gap(&fmt, &b, &sg);
	CHECK_STR(rg_buf_cstr(&b),
		  "{\"event_type\":\"gap\",\"ts_ns\":100" STAMP("1970-01-01T00:00:00.000000100Z")
		  ",\"run_id\":2,\"start_ns\":100,\"end_ns\":200,"
		  "\"count\":7,\"reason\":\"sequence_eviction\",\"rule_id\":\"SEQ-\\\"1\"}\n",
		  "a sequence_eviction gap line names its rule");

	b.len = 0;
	struct rg_health h = {.seq = 9, .ts_ns = 1, .run_id = 2, .kernel_drops = 4, .rss_kb = 77};
	rg_ndjson_format_health(&fmt, &b, &h);
	const char *l = rg_buf_cstr(&b);
	const char *head = "{\"event_type\":\"health\",\"seq\":9,\"ts_ns\":1"
			   STAMP("1970-01-01T00:00:00.000000001Z") ",\"run_id\":2,\"events_read\":0,";
	CHECK(strncmp(l, head, strlen(head)) == 0, "health line starts with its identity");
	CHECK(strstr(l, "\"kernel_drops\":4,") && strstr(l, "\"rss_kb\":77}\n"),
	      "health line carries every counter");
	rg_buf_free(&b);
	rg_ndjson_fmt_free(&fmt);
}

static const char *time_of(struct rg_ndjson_fmt *f, int64_t ns)
{
	static struct rg_buf b;
	b.len = 0;
	rg_ndjson_add_time(f, &b, ns);
	return rg_buf_cstr(&b);
}

/* The cached second must never leak into another second's line. */
static void check_time(void)
{
	struct rg_ndjson_fmt f;
	rg_ndjson_fmt_init(&f, NULL);
	CHECK_STR(time_of(&f, 1764689788123456789), "\"2025-12-02T15:36:28.123456789Z\"",
		  "RFC 3339 UTC with nanoseconds");
	CHECK_STR(time_of(&f, 1764689788999999999), "\"2025-12-02T15:36:28.999999999Z\"",
		  "same second, from the cache");
	CHECK_STR(time_of(&f, 1764689789000000000), "\"2025-12-02T15:36:29.000000000Z\"",
		  "the next second is made anew");
	CHECK_STR(time_of(&f, 1764689788000000001), "\"2025-12-02T15:36:28.000000001Z\"",
		  "a second back (a clock step) too");
	CHECK_STR(time_of(&f, -1), "\"1969-12-31T23:59:59.999999999Z\"",
		  "before 1970: the second below");
	CHECK_STR(time_of(&f, INT64_MAX), "\"2262-04-11T23:47:16.854775807Z\"",
		  "the largest ts_ns");
	CHECK_STR(time_of(&f, INT64_MIN), "\"1677-09-21T00:12:43.145224192Z\"",
		  "the smallest ts_ns");
	CHECK_STR(f.host, "null", "no host: null");
	struct rg_buf b = {0};
	struct rg_event ev = {.type = RG_ET_FILE_WRITE, .ts_ns = 1};
	rg_ndjson_format_event(&f, &b, &ev);
	CHECK(strstr(rg_buf_cstr(&b), ",\"host\":null,\"boot_id\":null,") != NULL,
	      "unknown host and boot id are null");
	rg_buf_free(&b);
	rg_ndjson_fmt_free(&f);
	CHECK_INT(rg_ndjson_profile_parse("native"), RG_NDJSON_NATIVE, "profile native");
	CHECK_INT(rg_ndjson_profile_parse("ecs"), RG_NDJSON_ECS, "profile ecs");
	CHECK_INT(rg_ndjson_profile_parse("ECS"), -1, "profiles are lower case");
}

static char *slurp(const char *path)
{
	static char buf[8192];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void check_writer(void)
{
	char dir[] = "/tmp/rg-ndjson.XXXXXX", path[64], link[64], err[256];
	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/out.ndjson", dir);
	snprintf(link, sizeof(link), "%s/link", dir);

	struct rg_ndjson *nd = rg_ndjson_open(path, NULL, err, sizeof(err), NULL);
	CHECK(nd != NULL, "opens a new file");
	struct rg_event ev = exec_event();
	rg_ndjson_event(nd, &ev);
	rg_ndjson_event(nd, &ev);
	CHECK_INT(rg_ndjson_written(nd), 0, "nothing written before a flush");
	rg_ndjson_flush(nd);
	CHECK_INT(rg_ndjson_written(nd), 2, "two lines written");
	struct stat sb;
	stat(path, &sb);
	CHECK_INT(sb.st_mode & 0777, 0600, "file is created 0600");
	const char *text = slurp(path);
	int lines = 0;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	CHECK_INT(lines, 2, "exactly two lines in the file");

	/* one writer: a second open of the file is refused while it is open */
	int code = 0;
	CHECK(rg_ndjson_open(path, NULL, err, sizeof(err), &code) == NULL, "a second writer is refused");
	CHECK_INT(code, 2, "as a refusal (exit code 2)");
	CHECK(strstr(err, "another rand-guard is recording to it") != NULL, "the error says why");
	CHECK_INT(rg_ndjson_reopen(nd, err, sizeof(err)), 0, "reopen without a rotation");

	/* rotation: move the file away, reopen, new lines go to a new file */
	char moved[80];
	snprintf(moved, sizeof(moved), "%s.1", path);
	rename(path, moved);
	CHECK_INT(rg_ndjson_reopen(nd, err, sizeof(err)), 0, "reopen after rotation");
	CHECK(rg_ndjson_open(path, NULL, err, sizeof(err), NULL) == NULL,
	      "the new file is the one locked");
	rg_ndjson_event(nd, &ev);
	rg_ndjson_close(nd);
	CHECK(strchr(slurp(path), '\n') != NULL, "the reopened file gets the new line");

	CHECK(symlink(path, link) == 0, "make a symlink");
	CHECK(rg_ndjson_open(link, NULL, err, sizeof(err), NULL) == NULL, "a symlink is refused");
	CHECK(strstr(err, "symlink") != NULL, "the error says why");

	nd = rg_ndjson_open("/dev/full", NULL, err, sizeof(err), NULL);
	CHECK(nd != NULL, "opens /dev/full");
	if (nd) {
		rg_ndjson_event(nd, &ev);
		rg_ndjson_flush(nd);
		CHECK_INT(rg_ndjson_failures(nd), 1, "a failed write is counted, not fatal");
		rg_ndjson_close(nd);
	}
	unlink(moved);
	unlink(link);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	check_format();
	check_time();
	check_writer();
	return tap_done();
}
