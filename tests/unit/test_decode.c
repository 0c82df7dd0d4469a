/* test_decode.c: the decoder accepts well-formed records and counts every
 * malformed one as invalid without reading past its end. */
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "fields.h"
#include "rawrec.h"
#include "tap.h"

static unsigned char rec[RG_RECORD_MAX];
static struct rg_pathbufs pb;

/* The header of every record here: what the checks below read back. */
static const struct rg_hdr proto = {.boot_ns = 123456789, .start_ns = 1000, .tgid = 42,
				    .tid = 43, .uid = 1000, .gid = 100};

static void hdr(struct rg_hdr *h, enum rg_kind kind, uint32_t size)
{
	rawrec_hdr(h, &proto, (uint16_t)kind, size);
}

/* An exec record with exe, argv and cwd in its data area; returns its size. */
static uint32_t make_exec(const char *exe, const char *argv, uint32_t argv_len, const char *cwd)
{
	struct rg_exec *e = (struct rg_exec *)rec;
	memset(rec, 0, sizeof(rec));
	uint32_t off = rawrec_exec(rec, &proto, exe, argv, argv_len, cwd);
	e->ppid = 1;
	e->parent_start_ns = 10;
	e->euid = 0;
	e->auid = 1000;
	e->sessionid = 3;
	e->argc = 3;
	e->syscall = RG_SYS_EXECVEAT;
	e->old_tid = 44;
	memcpy(e->comm, "sh", 2);
	return off;
}

static int streq(struct rg_str s, const char *want, uint32_t len)
{
	return s.p && s.len == len && memcmp(s.p, want, len) == 0;
}

static void test_exec_ok(void)
{
	uint32_t n = make_exec("/usr/bin/sh", "sh\0-c\0echo hi\0", 15, "/tmp");
	struct rg_event ev;
	struct rg_ids ids;
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_OK, "exec: decodes");
	CHECK_INT(ev.type, RG_ET_PROCESS_START, "exec: type");
	CHECK(streq(ev.exe, "/usr/bin/sh", 11), "exec: exe");
	CHECK(streq(ev.argv, "sh\0-c\0echo hi\0", 15), "exec: argv bytes exact");
	CHECK(streq(ev.cwd, "/tmp", 4), "exec: cwd");
	CHECK(streq(ev.comm, "sh", 2), "exec: comm");
	CHECK_STR(ev.syscall, "execveat", "exec: syscall name");
	CHECK_INT(ev.pid, 42, "exec: pid is tgid");
	CHECK_INT(ev.tid, 43, "exec: tid");
	CHECK_INT(ev.auid, 1000, "exec: auid");
	CHECK_INT(ids.start_boot_ns, 1000, "exec: identity start");
	CHECK_INT(ids.parent_start_boot_ns, 10, "exec: parent identity");
	CHECK_INT(ids.old_tid, 44, "exec: old tid");
}

/* Where the image came from rides in hdr.flags and reaches the fields
 * NDJSON, SQL and rules read, by the same names. */
static void test_exec_origin(void)
{
	static const struct {
		uint32_t flags;
		int memfd, deleted;
	} cases[] = {{0, 0, 0}, {RG_F_EXE_MEMFD, 1, 0}, {RG_F_EXE_DELETED, 0, 1}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t n = make_exec("memfd:x", "x", 1, "/");
		((struct rg_exec *)rec)->hdr.flags = cases[i].flags;
		struct rg_event ev;
		struct rg_ids ids;
		char what[64];
		snprintf(what, sizeof(what), "exec flags 0x%x: exe_memfd %d, exe_deleted %d",
			 cases[i].flags, cases[i].memfd, cases[i].deleted);
		CHECK(rg_decode(rec, n, &ev, &ids, &pb) == RG_DECODE_OK &&
		      rg_field_int(rg_field_find("exe_memfd"), &ev) == cases[i].memfd &&
		      rg_field_int(rg_field_find("exe_deleted"), &ev) == cases[i].deleted, what);
	}
}

static void test_comm_unterminated(void)
{
	uint32_t n = make_exec("/x", "x", 1, "/");
	memcpy(((struct rg_exec *)rec)->comm, "0123456789abcdef", 16);
	struct rg_event ev;
	struct rg_ids ids;
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_OK, "comm of 16 bytes: ok");
	CHECK_INT(ev.comm.len, 16, "comm of 16 bytes: not read past");
}

static void test_empty_string_is_null(void)
{
	uint32_t n = make_exec("", "a", 1, "/");
	struct rg_event ev;
	struct rg_ids ids;
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_OK, "empty exe: ok");
	CHECK(ev.exe.p == NULL, "empty exe: unknown (null)");
}

/* Appends a string to the record of size *n, referenced by r. */
static void append(struct rg_sref *r, uint32_t *n, const char *v, uint32_t len)
{
	memcpy(rec + *n, v, len);
	r->off = (uint16_t)*n;
	r->len = (uint16_t)len;
	*n += len;
	((struct rg_hdr *)rec)->size = *n;
}

/* The script: the kernel's #! name or an interpreter's argument, joined to
 * cwd; the environment as sent. */
static void test_exec_script_env(void)
{
	struct rg_event ev;
	struct rg_ids ids;
	uint32_t n = make_exec("/usr/bin/dash", "/bin/sh\0./x.sh\0", 16, "/tmp/d");
	struct rg_exec *e = (struct rg_exec *)rec;
	append(&e->script, &n, "./x.sh", 6);
	append(&e->env, &n, "LD_PRELOAD=/x.so\0SUDO_UID=1000\0", 31);
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_OK, "exec with script and env");
	CHECK(streq(ev.script, "/tmp/d/x.sh", 11), "#! script: joined to cwd");
	CHECK(streq(ev.env, "LD_PRELOAD=/x.so\0SUDO_UID=1000\0", 31), "env: bytes exact");

	n = make_exec("/usr/bin/bash", "bash\0-x\0../y.sh\0a\0", 19, "/srv/w");
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_OK, "bash -x ../y.sh");
	CHECK(streq(ev.script, "/srv/y.sh", 9), "an interpreter's script argument, from cwd");
	CHECK(!ev.env.p, "no environment kept: null");
	CHECK(!(ev.flags & RG_EF_SCRIPT_TRUNC), "not cut");

	n = make_exec("/usr/bin/bash", "bash\0./y.s", 10, "/srv");
	((struct rg_hdr *)rec)->flags = RG_F_ARGV_TRUNC;
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_OK, "argv cut in the script");
	CHECK(streq(ev.script, "/srv/y.s", 8) && (ev.flags & RG_EF_SCRIPT_TRUNC),
	      "a script argument at the end of a cut argv is flagged cut");

	n = make_exec("/usr/bin/bash", "bash\0-c\0./y.sh\0", 16, "/srv");
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_OK, "bash -c");
	CHECK(!ev.script.p, "bash -c: no script");
}

/* A failed exec: the name tried, folded; the error; which call. */
static void test_exec_failed(void)
{
	struct rg_sys *y = (struct rg_sys *)rec;
	struct rg_event ev;
	struct rg_ids ids;
	memset(rec, 0, sizeof(struct rg_sys));
	uint32_t n = sizeof(*y);
	append(&y->path, &n, "/tmp/d/./sub/../nx", 18);
	rawrec_hdr(&y->hdr, &proto, RG_KIND_SYS, n);
	y->op = RG_SOP_EXEC_FAILED;
	y->syscall = RG_SSYS_EXECVEAT;
	y->result = -13;
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_OK, "failed exec: decodes");
	CHECK_INT(ev.type, RG_ET_PROCESS_EXEC_FAILED, "failed exec: type");
	CHECK(streq(ev.path, "/tmp/d/nx", 9), "failed exec: path folded");
	CHECK_INT(ev.result, -13, "failed exec: result");
	CHECK_STR(ev.syscall, "execveat", "failed exec: syscall");
}

/* Each case corrupts a valid exec record in one way. */
static const struct {
	const char *what;
	int want;
} malformed[] = {
	{"short header", RG_DECODE_INVALID},
	{"zero size", RG_DECODE_INVALID},
	{"hdr.size larger than record", RG_DECODE_INVALID},
	{"hdr.size smaller than record", RG_DECODE_INVALID},
	{"wrong version", RG_DECODE_INVALID},
	{"tgid 0", RG_DECODE_INVALID},
	{"unknown kind", RG_DECODE_UNSUPPORTED},
	{"kind 0", RG_DECODE_UNSUPPORTED},
	{"body cut short", RG_DECODE_INVALID},
	{"string before data area", RG_DECODE_INVALID},
	{"string past end", RG_DECODE_INVALID},
	{"string offset past end", RG_DECODE_INVALID},
	{"bad syscall", RG_DECODE_INVALID},
};

static void corrupt(int i, struct rg_exec *e, uint32_t *size)
{
	switch (i) {
	case 0: *size = sizeof(struct rg_hdr) - 1; break;
	case 1: *size = 0; break;
	case 2: e->hdr.size = *size + 1; break;
	case 3: e->hdr.size = *size - 1; break;
	case 4: e->hdr.version = RG_ABI_VERSION + 1; break;
	case 5: e->hdr.tgid = 0; break;
	case 6: e->hdr.kind = 999; break;
	case 7: e->hdr.kind = 0; break;
	case 8: *size = sizeof(*e) - 4; e->hdr.size = *size; break;
	case 9: e->exe.off = 8; break;
	case 10: e->cwd.len = 200; break;
	case 11: e->argv.off = 60000; break;
	case 12: e->syscall = 7; break;
	}
}

static void test_malformed(void)
{
	for (int i = 0; i < (int)(sizeof(malformed) / sizeof(malformed[0])); i++) {
		uint32_t n = make_exec("/bin/true", "true", 4, "/");
		corrupt(i, (struct rg_exec *)rec, &n);
		struct rg_event ev;
		struct rg_ids ids;
		CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), malformed[i].want, malformed[i].what);
	}
}

static void test_fork_exit(void)
{
	struct rg_fork *f = (struct rg_fork *)rec;
	memset(rec, 0, sizeof(*f));
	hdr(&f->hdr, RG_KIND_FORK, sizeof(*f));
	f->child_tgid = 77;
	f->child_start_ns = 2000;
	struct rg_event ev;
	struct rg_ids ids;
	CHECK_INT(rg_decode(rec, sizeof(*f), &ev, &ids, &pb), RG_DECODE_OK, "fork: decodes");
	CHECK_INT(ev.child_pid, 77, "fork: child pid");
	CHECK_INT(ids.child_start_boot_ns, 2000, "fork: child identity");
	CHECK_INT(rg_decode(rec, sizeof(*f) - 8, &ev, &ids, &pb), RG_DECODE_INVALID, "fork: short record");
	f->child_tgid = 0;
	CHECK_INT(rg_decode(rec, sizeof(*f), &ev, &ids, &pb), RG_DECODE_INVALID, "fork: child 0");
	f->child_tgid = f->hdr.tgid;
	CHECK_INT(rg_decode(rec, sizeof(*f), &ev, &ids, &pb), RG_DECODE_INVALID,
		  "fork: a child with the parent's pid");

	struct rg_exit *x = (struct rg_exit *)rec;
	memset(rec, 0, sizeof(*x));
	hdr(&x->hdr, RG_KIND_EXIT, sizeof(*x));
	x->exit_code = 3;
	CHECK_INT(rg_decode(rec, sizeof(*x), &ev, &ids, &pb), RG_DECODE_OK, "exit: decodes");
	CHECK_INT(ev.exit_code, 3, "exit: code");
	x->signal = 200;
	CHECK_INT(rg_decode(rec, sizeof(*x), &ev, &ids, &pb), RG_DECODE_INVALID, "exit: signal > 127");
}

/* Random bytes of random sizes: never crash, never OK with a string that
 * points outside the record. */
static void test_random(void)
{
	srand(7);
	int escaped = 0;
	for (int i = 0; i < 200000; i++) {
		uint32_t n = (uint32_t)rand() % 400;
		for (uint32_t j = 0; j < n; j++)
			rec[j] = (unsigned char)rand();
		if (n >= sizeof(struct rg_hdr) && (i & 1)) { /* make half plausible */
			struct rg_hdr *h = (struct rg_hdr *)rec;
			h->version = RG_ABI_VERSION;
			h->size = n;
			h->kind = 1 + (uint16_t)(rand() % 3);
		}
		struct rg_event ev;
		struct rg_ids ids;
		if (rg_decode(rec, n, &ev, &ids, &pb) != RG_DECODE_OK)
			continue;
		const char *lo = (const char *)rec, *hi = lo + n;
		struct rg_str s[] = {ev.exe, ev.argv, ev.cwd, ev.comm};
		for (int k = 0; k < 4; k++)
			if (s[k].p && (s[k].p < lo || s[k].p + s[k].len > hi))
				escaped++;
	}
	CHECK_INT(escaped, 0, "random records: no string outside its record");
}

/* A file record with up to four strings: dir, name, new_dir, new_name. */
static uint32_t make_file(uint16_t op, uint16_t sys, const char *const strs[4])
{
	struct rg_file *f = (struct rg_file *)rec;
	memset(rec, 0, sizeof(rec));
	uint32_t off = rawrec_file(rec, &proto, op, sys, strs);
	f->result = -13;
	f->flags = 0101;
	f->mode = 0644;
	return off;
}

static void test_file(void)
{
	struct rg_event ev;
	struct rg_ids ids;
	const char *rel[4] = {"/etc/cron.d", "../cron.d/./job", NULL, NULL};
	uint32_t n = make_file(RG_FOP_OPEN, RG_FSYS_OPENAT, rel);
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_OK, "file open: decodes");
	CHECK_INT(ev.type, RG_ET_FILE_OPEN, "file open: type");
	CHECK(streq(ev.path, "/etc/cron.d/job", 15), "file open: dir + name joined, normalized");
	CHECK_STR(ev.syscall, "openat", "file open: syscall name");
	CHECK(ev.result == -13 && ev.fflags == 0101 && ev.mode == 0644, "file open: result, flags, mode");
	CHECK(ev.new_path.p == NULL, "file open: no new_path");

	const char *ren[4] = {NULL, "/tmp/a.service", "/etc/systemd/system", "a.service"};
	n = make_file(RG_FOP_RENAME, RG_FSYS_RENAMEAT2, ren);
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_OK, "rename: decodes");
	CHECK(streq(ev.path, "/tmp/a.service", 14) &&
	      streq(ev.new_path, "/etc/systemd/system/a.service", 29), "rename: both paths");

	static const struct {
		uint16_t op, sys;
		const char *strs[4];
		const char *what;
	} bad[] = {
		{0, RG_FSYS_OPENAT, {"/x", NULL, NULL, NULL}, "file: op 0"},
		{RG_FOP_MAX, RG_FSYS_OPENAT, {"/x", NULL, NULL, NULL}, "file: unknown op"},
		{RG_FOP_OPEN, 0, {"/x", NULL, NULL, NULL}, "file: syscall 0"},
		{RG_FOP_OPEN, RG_FSYS_MAX, {"/x", NULL, NULL, NULL}, "file: syscall past the table"},
		{RG_FOP_OPEN, RG_FSYS_OPEN, {NULL, NULL, NULL, NULL}, "file: no path at all"},
		{RG_FOP_RENAME, RG_FSYS_RENAME, {"/x", NULL, NULL, NULL}, "rename without new path"},
		{RG_FOP_UNLINK, RG_FSYS_UNLINK, {"/x", NULL, "/y", NULL}, "unlink with a new path"},
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = make_file(bad[i].op, bad[i].sys, bad[i].strs);
		CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_INVALID, bad[i].what);
	}
	n = make_file(RG_FOP_OPEN, RG_FSYS_OPEN, rel);
	((struct rg_file *)rec)->name.len = 5000;
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_INVALID, "file: name past the end");
	((struct rg_file *)rec)->hdr.size = sizeof(struct rg_file) - 8;
	CHECK_INT(rg_decode(rec, sizeof(struct rg_file) - 8, &ev, &ids, &pb), RG_DECODE_INVALID,
		  "file: body cut short");
	rg_buf_free(&pb.path);
	rg_buf_free(&pb.new_path);
}

/* make_file, then the host's path host (rg_file.host) after the strings. */
static uint32_t make_hosted(uint16_t op, const char *const strs[4], const char *host)
{
	struct rg_file *f = (struct rg_file *)rec;
	uint32_t n = make_file(op, op == RG_FOP_OPEN ? RG_FSYS_OPENAT : RG_FSYS_UNLINKAT, strs);
	f->host = (struct rg_sref){(uint16_t)n, (uint16_t)strlen(host)};
	memcpy(rec + n, host, f->host.len);
	n += f->host.len;
	f->hdr.size = n;
	return n;
}

static void test_host_path(void)
{
	struct rg_event ev;
	struct rg_ids ids;
	const char *view[4] = {"/mnt/view/f", NULL, NULL, NULL};
	uint32_t n = make_hosted(RG_FOP_OPEN, view, "/srv/watched/f");
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_OK, "host path: decodes");
	CHECK(streq(ev.path, "/mnt/view/f", 11) && streq(ev.host_path, "/srv/watched/f", 14),
	      "host path: both paths");
	n = make_hosted(RG_FOP_OPEN, view, "/mnt/view/f");
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_OK, "host path equal: decodes");
	CHECK(ev.host_path.p == NULL, "host path equal to the path: none");
	n = make_hosted(RG_FOP_OPEN, view, "srv/f");
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_INVALID, "host path relative: invalid");
	n = make_hosted(RG_FOP_UNLINK, view, "/srv/watched/f");
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_INVALID,
		  "host path on an unlink (only opens and writes have one): invalid");
	n = make_hosted(RG_FOP_OPEN, view, "/srv/watched/f");
	((struct rg_file *)rec)->host.len = 5000;
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_INVALID, "host path past the end");
	rg_buf_free(&pb.path);
	rg_buf_free(&pb.new_path);
}

/* make_file, then the attribute name xattr (NULL: none) after the strings. */
static uint32_t make_meta(uint16_t op, uint16_t sys, const char *const strs[4], const char *xattr)
{
	struct rg_file *f = (struct rg_file *)rec;
	uint32_t n = make_file(op, sys, strs);
	if (xattr) {
		f->xattr = (struct rg_sref){(uint16_t)n, (uint16_t)strlen(xattr)};
		memcpy(rec + n, xattr, f->xattr.len);
		n += f->xattr.len;
		f->hdr.size = n;
	}
	return n;
}

static int str_is(struct rg_str s, const char *want)
{
	return want ? streq(s, want, (uint32_t)strlen(want)) : s.p == NULL;
}

/* The metadata and name ops: each record's fields as the event has them. */
static void test_file_meta(void)
{
	static const struct {
		uint16_t op, sys;
		const char *strs[4], *xattr;
		uint32_t mode, uid, gid;
		int64_t mtime;
		enum rg_etype type;
		const char *syscall, *path, *new_path;
		int64_t want_mtime;
	} cases[] = {
		{RG_FOP_CHMOD, RG_FSYS_FCHMODAT2, {"/srv", "x/../bin", NULL, NULL}, NULL, 04755, 0, 0,
		 0, RG_ET_FILE_CHMOD, "fchmodat2", "/srv/bin", NULL, RG_MTIME_NOW},
		{RG_FOP_CHMOD, RG_FSYS_FCHMOD, {"/srv/bin", NULL, NULL, NULL}, NULL, 0600, 0, 0, 0,
		 RG_ET_FILE_CHMOD, "fchmod", "/srv/bin", NULL, RG_MTIME_NOW},
		{RG_FOP_CHOWN, RG_FSYS_LCHOWN, {NULL, "/etc/sudoers", NULL, NULL}, NULL, 0, 0,
		 UINT32_MAX, 0, RG_ET_FILE_CHOWN, "lchown", "/etc/sudoers", NULL, RG_MTIME_NOW},
		{RG_FOP_LINK, RG_FSYS_LINKAT, {"/etc", "shadow", "/tmp", "s"}, NULL, 0, 0, 0, 0,
		 RG_ET_FILE_LINK, "linkat", "/etc/shadow", "/tmp/s", RG_MTIME_NOW},
		{RG_FOP_SYMLINK, RG_FSYS_SYMLINKAT, {NULL, "../../etc/shadow", "/srv/w", "l"}, NULL,
		 0, 0, 0, 0, RG_ET_FILE_SYMLINK, "symlinkat", "../../etc/shadow", "/srv/w/l",
		 RG_MTIME_NOW},
		{RG_FOP_MKDIR, RG_FSYS_MKDIR, {"/root", ".ssh", NULL, NULL}, NULL, 0700, 0, 0, 0,
		 RG_ET_FILE_MKDIR, "mkdir", "/root/.ssh", NULL, RG_MTIME_NOW},
		{RG_FOP_UTIMES, RG_FSYS_UTIMENSAT, {NULL, "/bin/ls", NULL, NULL}, NULL, 0, 0, 0,
		 1000000000123, RG_ET_FILE_UTIMES, "utimensat", "/bin/ls", NULL, 1000000000123},
		{RG_FOP_UTIMES, RG_FSYS_UTIME, {NULL, "/bin/ls", NULL, NULL}, NULL, 0, 0, 0,
		 RG_MTIME_NOW, RG_ET_FILE_UTIMES, "utime", "/bin/ls", NULL, RG_MTIME_NOW},
		{RG_FOP_SETXATTR, RG_FSYS_FSETXATTR, {"/usr/bin/python3", NULL, NULL, NULL},
		 "security.capability", 0, 0, 0, 0, RG_ET_FILE_SETXATTR, "fsetxattr",
		 "/usr/bin/python3", NULL, RG_MTIME_NOW},
		{RG_FOP_TRUNCATE, RG_FSYS_FTRUNCATE, {"/var/log/wtmp", NULL, NULL, NULL}, NULL, 0, 0,
		 0, 0, RG_ET_FILE_TRUNCATE, "ftruncate", "/var/log/wtmp", NULL, RG_MTIME_NOW},
	};
	struct rg_event ev;
	struct rg_ids ids;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t n = make_meta(cases[i].op, cases[i].sys, cases[i].strs, cases[i].xattr);
		struct rg_file *f = (struct rg_file *)rec;
		f->mode = cases[i].mode;
		f->owner_uid = cases[i].uid;
		f->owner_gid = cases[i].gid;
		f->mtime_ns = cases[i].mtime;
		char what[96];
		snprintf(what, sizeof(what), "%s: decodes", cases[i].syscall);
		if (!CHECK(rg_decode(rec, n, &ev, &ids, &pb) == RG_DECODE_OK, what))
			continue;
		snprintf(what, sizeof(what), "%s: type, syscall, paths, mode, owner, mtime, xattr",
			 cases[i].syscall);
		CHECK(ev.type == cases[i].type && !strcmp(ev.syscall, cases[i].syscall) &&
		      str_is(ev.path, cases[i].path) && str_is(ev.new_path, cases[i].new_path) &&
		      ev.mode == cases[i].mode && ev.owner_uid == cases[i].uid &&
		      ev.owner_gid == cases[i].gid && ev.mtime_ns == cases[i].want_mtime &&
		      str_is(ev.xattr_name, cases[i].xattr), what);
	}

	static const struct {
		uint16_t op, sys;
		const char *strs[4], *xattr;
		const char *what;
	} bad[] = {
		{RG_FOP_CHMOD, RG_FSYS_CHMOD, {"/x", NULL, "/y", NULL}, NULL, "chmod with a new path"},
		{RG_FOP_CHMOD, RG_FSYS_CHMOD, {"/x", NULL, NULL, NULL}, "security.x",
		 "chmod with an xattr"},
		{RG_FOP_LINK, RG_FSYS_LINK, {"/x", NULL, NULL, NULL}, NULL, "link without the link"},
		{RG_FOP_SYMLINK, RG_FSYS_SYMLINK, {"/srv", "t", "/w/l", NULL}, NULL,
		 "symlink target with a directory"},
		{RG_FOP_SYMLINK, RG_FSYS_SYMLINK, {NULL, NULL, "/w/l", NULL}, NULL,
		 "symlink without a target"},
		{RG_FOP_SETXATTR, RG_FSYS_SETXATTR, {"/x", NULL, NULL, NULL}, NULL,
		 "setxattr without a name"},
		{RG_FOP_MKDIR, RG_FSYS_MKDIRAT, {NULL, NULL, NULL, NULL}, NULL, "mkdir without a path"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t n = make_meta(bad[i].op, bad[i].sys, bad[i].strs, bad[i].xattr);
		CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_INVALID, bad[i].what);
	}
	const char *one[4] = {"/x", NULL, NULL, NULL};
	uint32_t n = make_meta(RG_FOP_SETXATTR, RG_FSYS_SETXATTR, one, "security.ima");
	((struct rg_file *)rec)->xattr.len = 200;
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_INVALID, "setxattr: name past the end");
	rg_buf_free(&pb.path);
	rg_buf_free(&pb.new_path);
}

/* A DNS record: an rg_net with the message in its data area. */
static uint32_t make_dns(uint16_t op, uint16_t protocol, const char *msg, uint16_t len)
{
	struct rg_net *n = (struct rg_net *)rec;
	memset(rec, 0, sizeof(rec));
	n->op = op;
	n->syscall = op == RG_NOP_DNS_QUERY ? RG_NSYS_SENDTO : RG_NSYS_RECVFROM;
	n->family = 2;
	n->protocol = protocol;
	n->remote_port = 53;
	memcpy(n->remote_addr, "\x7f\0\0\x35", 4);
	n->dns = (struct rg_sref){sizeof(*n), len};
	memcpy(rec + sizeof(*n), msg, len);
	hdr(&n->hdr, RG_KIND_NET, sizeof(*n) + len);
	return sizeof(*n) + len;
}

static void test_dns(void)
{
	static const char query[] = "\x00\x07\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
				    "\x01x\x05onion\x00\x00\x1c\x00\x01";
	static const char answer[] = "\x00\x07\x81\x80\x00\x01\x00\x02\x00\x00\x00\x00"
				     "\x01x\x05onion\x00\x00\x01\x00\x01"
				     "\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\0\0\x01"
				     "\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\0\0\x02";
	struct rg_event ev;
	struct rg_ids ids;
	uint32_t n = make_dns(RG_NOP_DNS_QUERY, 17, query, sizeof(query) - 1);
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_OK, "dns query: decodes");
	CHECK_INT(ev.type, RG_ET_DNS_QUERY, "dns query: type");
	CHECK(streq(ev.dns_query, "x.onion", 7), "dns query: the name");
	CHECK_STR(ev.dns_type, "AAAA", "dns query: the question's type");
	CHECK(streq(ev.remote_addr, "127.0.0.53", 10) && ev.remote_port == 53,
	      "dns query: the server");
	CHECK_STR(ev.syscall, "sendto", "dns query: syscall");

	n = make_dns(RG_NOP_DNS_ANSWER, 17, answer, sizeof(answer) - 1);
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_OK, "dns answer: decodes");
	CHECK_INT(ev.type, RG_ET_DNS_ANSWER, "dns answer: type");
	CHECK(streq(ev.dns_query, "x.onion", 7) && ev.dns_rcode == 0, "dns answer: name, rcode");
	CHECK(streq(ev.dns_answers, "10.0.0.1 10.0.0.2", 17), "dns answer: its addresses");

	/* a TCP answer behind its length prefix */
	char tcp[sizeof(answer) + 1] = {0, (char)(sizeof(answer) - 1)};
	memcpy(tcp + 2, answer, sizeof(answer) - 1);
	n = make_dns(RG_NOP_DNS_ANSWER, 6, tcp, sizeof(answer) + 1);
	CHECK(rg_decode(rec, n, &ev, &ids, &pb) == RG_DECODE_OK && streq(ev.dns_answers,
	      "10.0.0.1 10.0.0.2", 17), "dns answer over TCP: the prefix is taken off");

	/* bytes that are no DNS message of that direction: the event, nulls */
	n = make_dns(RG_NOP_DNS_QUERY, 17, "GET / HTTP/1.1\r\n", 16);
	CHECK(rg_decode(rec, n, &ev, &ids, &pb) == RG_DECODE_OK && !ev.dns_query.p &&
	      !ev.dns_type, "dns: not DNS at all: recorded, name and type null");
	n = make_dns(RG_NOP_DNS_ANSWER, 17, query, sizeof(query) - 1);
	CHECK(rg_decode(rec, n, &ev, &ids, &pb) == RG_DECODE_OK && !ev.dns_query.p &&
	      ev.dns_rcode == -1, "dns: a query received as an answer: name and rcode null");
	n = make_dns(RG_NOP_DNS_QUERY, 17, answer, sizeof(answer) - 1);
	CHECK(rg_decode(rec, n, &ev, &ids, &pb) == RG_DECODE_OK && !ev.dns_query.p,
	      "dns: an answer sent as a query: name null");

	/* malformed records */
	n = make_dns(RG_NOP_DNS_QUERY, 17, query, sizeof(query) - 1);
	((struct rg_net *)rec)->dns.len = 0;
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_INVALID, "dns: no message");
	n = make_dns(RG_NOP_DNS_QUERY, 17, query, sizeof(query) - 1);
	((struct rg_net *)rec)->dns.len += 1;
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_INVALID, "dns: message past the end");
	n = make_dns(RG_NOP_DNS_QUERY, 17, query, sizeof(query) - 1);
	((struct rg_net *)rec)->family = 1;
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_INVALID, "dns: on a unix socket");
}

static void test_net(void)
{
	struct rg_net *n = (struct rg_net *)rec;
	struct rg_event ev;
	struct rg_ids ids;
	memset(rec, 0, sizeof(rec));
	hdr(&n->hdr, RG_KIND_NET, sizeof(*n));
	n->op = RG_NOP_ACCEPT;
	n->syscall = RG_NSYS_ACCEPT4;
	n->family = 10;
	n->protocol = 6;
	n->result = 5;
	n->socket_id = 100;
	n->new_socket_id = 101;
	n->local_port = 8080;
	n->remote_port = 40000;
	n->local_addr[15] = 1;                                    /* ::1 */
	memcpy(n->remote_addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff\x7f\0\0\x01", 16); /* mapped */
	CHECK_INT(rg_decode(rec, sizeof(*n), &ev, &ids, &pb), RG_DECODE_OK, "net: decodes");
	CHECK_INT(ev.type, RG_ET_NET_ACCEPT, "net: type");
	CHECK(streq(ev.local_addr, "::1", 3) && ev.local_port == 8080, "net: local end");
	CHECK(streq(ev.remote_addr, "::ffff:127.0.0.1", 16), "net: v4-mapped remote");
	CHECK_STR(ev.family, "ipv6", "net: family");
	CHECK_STR(ev.protocol, "tcp", "net: protocol");
	CHECK_STR(ev.syscall, "accept4", "net: syscall");
	CHECK(ev.socket_id == 100 && ev.new_socket_id == 101 && ev.result == 5, "net: ids, result");

	n->op = RG_NOP_LISTEN;
	n->family = 2;
	memset(n->remote_addr, 0, 16);
	n->remote_port = 0;
	memcpy(n->local_addr, "\x7f\0\0\x01", 4);
	n->protocol = 99;
	CHECK_INT(rg_decode(rec, sizeof(*n), &ev, &ids, &pb), RG_DECODE_OK, "net listen: decodes");
	CHECK(streq(ev.local_addr, "127.0.0.1", 9), "net: ipv4 text");
	CHECK(ev.remote_addr.p == NULL, "net: no remote end is null");
	CHECK(ev.protocol == NULL, "net: an unnamed protocol is null");

	static const struct {
		int field, value;
		const char *what;
	} bad[] = {
		{0, 0, "net: op 0"}, {0, 9, "net: unknown op"}, {1, 0, "net: syscall 0"},
		{1, RG_NSYS_MAX, "net: syscall past the table"}, {2, 3, "net: unknown family"},
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n->op = RG_NOP_LISTEN;
		n->syscall = RG_NSYS_LISTEN;
		n->family = 2;
		uint16_t *f = bad[i].field == 0 ? &n->op : bad[i].field == 1 ? &n->syscall : &n->family;
		*f = (uint16_t)bad[i].value;
		CHECK_INT(rg_decode(rec, sizeof(*n), &ev, &ids, &pb), RG_DECODE_INVALID, bad[i].what);
	}
	n->family = 2;
	n->hdr.size = sizeof(*n) + 4;
	CHECK_INT(rg_decode(rec, sizeof(*n) + 4, &ev, &ids, &pb), RG_DECODE_INVALID,
		  "net: a record longer than its body");

	/* unix sockets: the path in the data area */
	n->family = 1;
	n->op = RG_NOP_CONNECT;
	n->syscall = RG_NSYS_CONNECT;
	memcpy(rec + sizeof(*n), "/run/x.sock\0\0", 13);
	n->unix_path = (struct rg_sref){sizeof(*n), 13};
	n->hdr.size = sizeof(*n) + 13;
	CHECK_INT(rg_decode(rec, sizeof(*n) + 13, &ev, &ids, &pb), RG_DECODE_OK, "unix: decodes");
	CHECK(streq(ev.remote_addr, "/run/x.sock", 11) && ev.local_addr.p == NULL,
	      "unix: a connect's path, cut at its NUL");
	CHECK_STR(ev.family, "unix", "unix: family");
	n->op = RG_NOP_BIND;
	memcpy(rec + sizeof(*n), "\0abs\0x", 7);
	n->unix_path.len = 7;
	n->hdr.size = sizeof(*n) + 7;
	CHECK_INT(rg_decode(rec, sizeof(*n) + 7, &ev, &ids, &pb), RG_DECODE_OK, "unix abstract");
	CHECK(streq(ev.local_addr, "@abs\0x", 7), "unix: abstract name as @name, bytes kept");
	n->unix_path.len = 200;
	CHECK_INT(rg_decode(rec, sizeof(*n) + 7, &ev, &ids, &pb), RG_DECODE_INVALID,
		  "unix: path past the end");
}

static struct rg_sys *make_sys(uint16_t op, uint16_t sys, const char *path, const char *name,
				const char *source, uint32_t *n)
{
	memset(rec, 0, sizeof(rec));
	*n = rawrec_sys(rec, &proto, op, sys, path, name, source);
	return (struct rg_sys *)rec;
}

/* A record of each system op decodes to its type, with its call's
 * fields where the registry says the type has them. */
static void test_sys(void)
{
	struct rg_event ev;
	struct rg_ids ids;
	uint32_t n;

	struct rg_sys *y = make_sys(RG_SOP_CRED, RG_SSYS_SETRESUID, NULL, NULL, NULL, &n);
	for (int i = 0; i < RG_ID_N; i++) {
		y->old_ids[i] = 10 + i;
		y->new_ids[i] = 20 + i;
	}
	y->old_caps = 0x1fffff;
	y->caps = 0;
	y->result = 0;
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_OK, "cred: decodes");
	CHECK_INT(ev.type, RG_ET_CRED_CHANGE, "cred: type");
	CHECK_STR(ev.syscall, "setresuid", "cred: syscall");
	CHECK(ev.old_uid == 10 && ev.old_euid == 11 && ev.old_fsuid == 12 && ev.old_gid == 13 &&
	      ev.old_egid == 14 && ev.old_fsgid == 15, "cred: the ids before, in ABI order");
	CHECK(ev.uid == 20 && ev.euid == 21 && ev.fsuid == 22 && ev.gid == 23 && ev.egid == 24 &&
	      ev.fsgid == 25, "cred: the ids after (uid, gid over the header's)");
	CHECK(ev.old_cap_effective == 0x1fffff && ev.cap_effective == 0, "cred: capabilities");

	y = make_sys(RG_SOP_PTRACE, RG_SSYS_PTRACE, NULL, NULL, NULL, &n);
	y->target_tgid = 77;
	y->target_start_ns = 5000;
	y->request = 0x4206;
	CHECK(rg_decode(rec, n, &ev, &ids, &pb) == RG_DECODE_OK && ev.type == RG_ET_PTRACE &&
	      ev.target_pid == 77 && ids.target_start_boot_ns == 5000 && ev.ptrace_request == 0x4206,
	      "ptrace: target pid and identity, request");

	y = make_sys(RG_SOP_PROC_MEM, RG_SSYS_OPENAT, "/proc/77/mem", NULL, NULL, &n);
	y->target_tgid = 77;
	y->flags = 02;
	CHECK(rg_decode(rec, n, &ev, &ids, &pb) == RG_DECODE_OK && ev.type == RG_ET_PROC_MEM_WRITE &&
	      streq(ev.path, "/proc/77/mem", 12) && ev.target_pid == 77 && ev.fflags == 02 &&
	      strcmp(ev.syscall, "openat") == 0, "proc_mem_write: path, target, flags");

	y = make_sys(RG_SOP_MEMFD, RG_SSYS_MEMFD_CREATE, NULL, "payload", NULL, &n);
	y->flags = 3;
	y->result = 4;
	CHECK(rg_decode(rec, n, &ev, &ids, &pb) == RG_DECODE_OK && ev.type == RG_ET_MEMFD_CREATE &&
	      streq(ev.name, "payload", 7) && ev.fflags == 3 && ev.result == 4 && !ev.path.p,
	      "memfd_create: name, flags, result");

	y = make_sys(RG_SOP_MODULE, RG_SSYS_FINIT_MODULE, "/lib/modules/x/rk.ko", "rk", NULL, &n);
	CHECK(rg_decode(rec, n, &ev, &ids, &pb) == RG_DECODE_OK && ev.type == RG_ET_MODULE_LOAD &&
	      streq(ev.name, "rk", 2) && streq(ev.path, "/lib/modules/x/rk.ko", 20),
	      "module_load: name and file");

	y = make_sys(RG_SOP_BPF, RG_SSYS_BPF, NULL, "probe", NULL, &n);
	y->request = 26;
	CHECK(rg_decode(rec, n, &ev, &ids, &pb) == RG_DECODE_OK && ev.type == RG_ET_BPF_LOAD &&
	      streq(ev.name, "probe", 5) && ev.bpf_prog_type == 26, "bpf_load: name and type");

	y = make_sys(RG_SOP_MOUNT, RG_SSYS_MOUNT, "/mnt/./x/", "tmpfs", "none", &n);
	y->flags = 2;
	CHECK(rg_decode(rec, n, &ev, &ids, &pb) == RG_DECODE_OK && ev.type == RG_ET_MOUNT &&
	      streq(ev.path, "/mnt/x", 6) && streq(ev.fstype, "tmpfs", 5) &&
	      streq(ev.source, "none", 4) && !ev.name.p && ev.fflags == 2,
	      "mount: target (normalized), type in fstype, source");
	make_sys(RG_SOP_MOUNT, RG_SSYS_MOVE_MOUNT, "/mnt/y", NULL, NULL, &n);
	CHECK(rg_decode(rec, n, &ev, &ids, &pb) == RG_DECODE_OK && streq(ev.path, "/mnt/y", 6) &&
	      !ev.fstype.p && !ev.source.p && strcmp(ev.syscall, "move_mount") == 0,
	      "move_mount: target only");

	y = make_sys(RG_SOP_UMOUNT, RG_SSYS_UMOUNT, "/mnt/y", NULL, NULL, &n);
	y->flags = 2;
	CHECK(rg_decode(rec, n, &ev, &ids, &pb) == RG_DECODE_OK && ev.type == RG_ET_UMOUNT &&
	      streq(ev.path, "/mnt/y", 6) && ev.fflags == 2 && strcmp(ev.syscall, "umount2") == 0,
	      "umount: target and flags");

	y = make_sys(RG_SOP_NS, RG_SSYS_SETNS, NULL, "mnt:[4026531841]", NULL, &n);
	y->flags = 0x20000;
	CHECK(rg_decode(rec, n, &ev, &ids, &pb) == RG_DECODE_OK &&
	      ev.type == RG_ET_NAMESPACE_CHANGE && streq(ev.name, "mnt:[4026531841]", 16) &&
	      ev.fflags == 0x20000, "setns: namespace name and type");

	static const struct {
		uint16_t op, sys;
		const char *path, *name, *source, *what;
	} bad[] = {
		{0, RG_SSYS_SETUID, NULL, NULL, NULL, "sys: op 0"},
		{RG_SOP_MAX, RG_SSYS_SETUID, NULL, NULL, NULL, "sys: unknown op"},
		{RG_SOP_CRED, 0, NULL, NULL, NULL, "sys: syscall 0"},
		{RG_SOP_CRED, RG_SSYS_MAX, NULL, NULL, NULL, "sys: syscall past the table"},
		{RG_SOP_CRED, RG_SSYS_SETUID, NULL, "x", NULL, "cred with a name"},
		{RG_SOP_PTRACE, RG_SSYS_PTRACE, NULL, NULL, "/dev/sda", "ptrace with a source"},
		{RG_SOP_UMOUNT, RG_SSYS_UMOUNT, "/mnt", "tmpfs", NULL, "umount with a type"},
		{RG_SOP_NS, RG_SSYS_UNSHARE, NULL, NULL, "/x", "unshare with a source"},
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make_sys(bad[i].op, bad[i].sys, bad[i].path, bad[i].name, bad[i].source, &n);
		CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_INVALID, bad[i].what);
	}
	y = make_sys(RG_SOP_MEMFD, RG_SSYS_MEMFD_CREATE, NULL, "payload", NULL, &n);
	y->name.len = 500;
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_INVALID, "memfd: name past the end");
	y = make_sys(RG_SOP_MOUNT, RG_SSYS_MOUNT, "/mnt", NULL, "none", &n);
	y->source.off = 8;
	CHECK_INT(rg_decode(rec, n, &ev, &ids, &pb), RG_DECODE_INVALID,
		  "mount: source before the data area");
	y = make_sys(RG_SOP_CRED, RG_SSYS_SETUID, NULL, NULL, NULL, &n);
	y->hdr.size = sizeof(*y) - 8;
	CHECK_INT(rg_decode(rec, sizeof(*y) - 8, &ev, &ids, &pb), RG_DECODE_INVALID,
		  "sys: body cut short");
	rg_buf_free(&pb.path);
}

int main(void)
{
	test_exec_ok();
	test_exec_origin();
	test_exec_script_env();
	test_exec_failed();
	test_comm_unterminated();
	test_empty_string_is_null();
	test_malformed();
	test_fork_exit();
	test_random();
	test_file();
	test_host_path();
	test_file_meta();
	test_net();
	test_dns();
	test_sys();
	return tap_done();
}
