/* test_who.c: who ran a process and where: the container a cgroup path
 * names (a table of the runtimes' real path shapes), the origin an
 * environment carries, the passwd/group/cgroup lookups of ident.c on
 * files of the test's own, and the process table filling them in. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "ident.h"
#include "proctab.h"
#include "tap.h"
#include "who.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H64B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static struct rg_str str(const char *s)
{
	return (struct rg_str){s, s ? (uint32_t)strlen(s) : 0};
}

static char *text(struct rg_str s)
{
	static char buf[4][512];
	static int i;
	char *b = buf[i++ % 4];
	if (!s.p)
		return NULL;
	snprintf(b, 512, "%.*s", (int)s.len, s.p);
	return b;
}

static void check_containers(void)
{
	static const struct {
		const char *path, *id, *runtime;
	} t[] = {
		/* docker: systemd and cgroupfs drivers, a container's own sub-cgroups */
		{"/system.slice/docker-" H64 ".scope", H64, "docker"},
		{"/docker/" H64, H64, "docker"},
		{"/docker/" H64 "/init.scope", H64, "docker"},
		{"/docker/" H64 "/docker/" H64B, H64B, "docker"}, /* docker in docker: the inner */
		/* containerd under Kubernetes (systemd driver), nerdctl, namespaces */
		{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1a2b3c4d_5e6f_7a8b_9c0d_1e2f3a4b5c6d.slice/cri-containerd-" H64 ".scope",
		 H64, "containerd"},
		{"/system.slice/nerdctl-" H64 ".scope", H64, "containerd"},
		{"/default/" H64, H64, "containerd"},
		{"/k8s.io/" H64, H64, "containerd"},
		/* CRI-O: its container, never its conmon */
		{"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podabc.slice/crio-" H64 ".scope",
		 H64, "cri-o"},
		{"/kubepods/besteffort/pod0f1e/crio-" H64, H64, "cri-o"},
		{"/machine.slice/crio-conmon-" H64 ".scope", NULL, NULL},
		/* podman: rootful, rootless (a sub-cgroup "container"), cgroupfs */
		{"/machine.slice/libpod-" H64 ".scope", H64, "podman"},
		{"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" H64 ".scope/container",
		 H64, "podman"},
		{"/libpod_parent/" H64, H64, "podman"},
		{"/machine.slice/libpod-conmon-" H64 ".scope", NULL, NULL},
		/* a Kubernetes pod under the cgroupfs driver names no runtime */
		{"/kubepods/burstable/pod1a2b3c4d-5e6f/" H64, H64, "cri"},
		/* LXC 4+, LXC 3, and its monitor */
		{"/lxc.payload.web1", "web1", "lxc"},
		{"/lxc.payload.web1/system.slice/cron.service", "web1", "lxc"},
		{"/lxc/web2", "web2", "lxc"},
		{"/lxc.monitor.web1", NULL, NULL},
		/* systemd-nspawn, as a service and run by hand; libvirt's machines are not */
		{"/machine.slice/systemd-nspawn@deb12.service/payload", "deb12", "systemd-nspawn"},
		{"/machine.slice/machine-deb12.scope", "deb12", "systemd-nspawn"},
		{"/machine.slice/machine-qemu\\x2d1\\x2dvm.scope", NULL, NULL},
		/* the host's own */
		{"/", NULL, NULL},
		{"/system.slice/ssh.service", NULL, NULL},
		{"/user.slice/user-1000.slice/session-3.scope", NULL, NULL},
		{"/system.slice/docker.service", NULL, NULL},
		{"/system.slice/docker-" H64 "0.scope", NULL, NULL},      /* 65 digits */
		{"/system.slice/docker-" "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef.scope",
		 NULL, NULL},                                             /* upper case */
		{"/somewhere/" H64, NULL, NULL}, /* a bare id under no known parent */
		{"", NULL, NULL},
		{"//docker//" H64 "//", H64, "docker"},
	};
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct rg_str id = {0};
		const char *rt = NULL;
		bool found = rg_container_parse(str(t[i].path), &id, &rt);
		char what[700];
		snprintf(what, sizeof(what), "container of %s", t[i].path);
		CHECK(found == (t[i].id != NULL), what);
		CHECK_STR(text(id), t[i].id, what);
		CHECK_STR(rt, t[i].runtime, what);
	}
	struct rg_str id = {0};
	const char *rt = NULL;
	CHECK(!rg_container_parse((struct rg_str){0}, &id, &rt), "no path, no container");
}

static void check_origin(void)
{
	static const char env1[] = "LD_PRELOAD=/x.so\0SUDO_USER=alice\0SUDO_UID=1000\0"
				   "SSH_CONNECTION=203.0.113.7 50022 10.0.0.1 22\0";
	struct rg_origin o;
	rg_origin_parse((struct rg_str){env1, sizeof(env1) - 1}, &o);
	CHECK_STR(text(o.sudo_user), "alice", "origin: SUDO_USER");
	CHECK_STR(text(o.sudo_uid), "1000", "origin: SUDO_UID");
	CHECK_STR(text(o.ssh_client), "203.0.113.7", "origin: SSH_CONNECTION's client");
	CHECK_INT(o.ssh_client_port, 50022, "origin: and its port");

	static const char env2[] = "SSH_CLIENT=2001:db8::1 41000 22\0SUDO_USER=";
	rg_origin_parse((struct rg_str){env2, sizeof(env2) - 1}, &o);
	CHECK_STR(text(o.ssh_client), "2001:db8::1", "origin: SSH_CLIENT, IPv6");
	CHECK_INT(o.ssh_client_port, 41000, "origin: SSH_CLIENT's port");
	CHECK(!o.sudo_user.p, "origin: an empty SUDO_USER (cut, no NUL) is none");

	static const char *const bad[] = {"SSH_CONNECTION=203.0.113.7", "SSH_CONNECTION= 1 2 3",
					  "SSH_CONNECTION=h 0 a 22", "SSH_CONNECTION=h 65536 a 22",
					  "SSH_CONNECTION=h 12x a 22", "XSSH_CONNECTION=h 1 a 22",
					  "SSH_CONNECTIONS=h 1 a 22"};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rg_origin_parse(str(bad[i]), &o);
		char what[100];
		snprintf(what, sizeof(what), "origin: no client from '%s'", bad[i]);
		CHECK(!o.ssh_client.p && !o.ssh_client_port, what);
	}
	rg_origin_parse((struct rg_str){0}, &o);
	CHECK(!o.sudo_user.p && !o.ssh_client.p, "origin: no environment, nothing");
}

static void put(const char *path, const char *content)
{
	char tmp[512];
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	FILE *f = fopen(tmp, "w");
	fputs(content, f);
	fclose(f);
	rename(tmp, path); /* as useradd does: a new inode */
}

static void sleep_ms(int ms)
{
	struct timespec t = {0, ms * 1000000L};
	nanosleep(&t, NULL);
}

/* Until the coarse wall clock, which a file's ctime may be taken from
 * (a clock tick behind, or more on a loaded machine), has passed t. */
static void wait_coarse_past(int64_t t)
{
	for (int i = 0; i < 1000; i++) {
		struct timespec c;
		clock_gettime(CLOCK_REALTIME_COARSE, &c);
		if ((int64_t)c.tv_sec * 1000000000LL + c.tv_nsec > t)
			return;
		sleep_ms(1);
	}
}

static void check_names(const char *dir)
{
	char pw[300], gr[300];
	snprintf(pw, sizeof(pw), "%s/passwd", dir);
	snprintf(gr, sizeof(gr), "%s/group", dir);
	put(pw, "root:x:0:0:root:/root:/bin/bash\n"
		"this line is not an entry\n"
		"alice:x:1000:1000:Alice:/home/alice:/bin/bash\n"
		"alias:x:1000:1000::/:/bin/sh\n"
		"nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n");
	put(gr, "root:x:0:\nstaff:x:50:alice\nalice:x:1000:\n");
	struct rg_ident *id = rg_ident_new(&(struct rg_ident_opts){pw, gr, "", dir});
	CHECK(rg_ident_user(id, 0, 0) == NULL, "names: nothing before the first refresh");
	rg_ident_refresh(id, 0);
	CHECK_STR(rg_ident_user(id, 0, 0), "root", "names: uid 0");
	CHECK_STR(rg_ident_user(id, 1000, 0), "alice", "names: a uid listed twice keeps its first name");
	CHECK_STR(rg_ident_user(id, 65534, 0), "nobody", "names: the last line");
	CHECK(rg_ident_user(id, 4242, 0) == NULL, "names: an unknown uid has none");
	CHECK_STR(rg_ident_group(id, 50, 0), "staff", "names: a group");
	CHECK(rg_ident_group(id, 51, 0) == NULL, "names: an unknown gid has none");

	/* alice's uid given to bob (the file replaced by a rename), with an
	 * event of alice's before and one of bob's after, both read after */
	int64_t before = rg_boot_ns();
	rg_ident_refresh(id, before); /* a look after it */
	sleep_ms(15); /* past a clock tick: the file's ctime is coarse */
	int64_t mid = rg_boot_ns(); /* after the look, before the change */
	wait_coarse_past(rg_wall_ns() + 1000000);
	put(pw, "root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000::/:/bin/sh\n");
	int64_t after = rg_boot_ns();
	rg_ident_refresh(id, before);
	struct rg_ident_stats st;
	rg_ident_stats(id, &st);
	CHECK_INT(st.user_loads, 1, "names: no look for an event made before the last look");
	rg_ident_refresh(id, after);
	CHECK_STR(rg_ident_user(id, 1000, after), "bob", "names: an event after the change: the new name");
	CHECK_STR(rg_ident_user(id, 1000, before), "alice",
		  "names: an event before it, read after: the name it had then");
	CHECK_STR(rg_ident_user(id, 1000, mid), "alice",
		  "names: and one after the last look but before the change (its ctime)");
	CHECK_STR(rg_ident_user(id, 1000, 0), "bob", "names: now: the new name");
	CHECK(rg_ident_user(id, 65534, before) && !rg_ident_user(id, 65534, after),
	      "names: a deleted user is named for its events before the deletion only");
	rg_ident_stats(id, &st);
	CHECK_INT(st.user_loads, 2, "names: passwd parsed twice (once per change)");
	CHECK_INT(st.group_loads, 1, "names: group parsed once (unchanged)");

	/* a user added right after a look, then its first process */
	rg_ident_refresh(id, rg_boot_ns());
	put(pw, "root:x:0:0:root:/root:/bin/bash\ncarol:x:4343:4343::/:/bin/sh\n");
	int64_t carol = rg_boot_ns();
	rg_ident_refresh(id, carol);
	CHECK_STR(rg_ident_user(id, 4343, carol), "carol",
		  "names: an event after the last look looks again at once");
	rg_ident_refresh(id, rg_boot_ns());
	rg_ident_stats(id, &st);
	CHECK_INT(st.user_loads, 3, "names: a look at an unchanged file parses nothing");

	/* the same size and times, a new content in place (touch -r): ctime */
	struct stat old;
	stat(pw, &old);
	sleep_ms(15);
	FILE *f = fopen(pw, "r+");
	fputs("toor", f);
	fclose(f);
	utimensat(AT_FDCWD, pw, (struct timespec[]){old.st_atim, old.st_mtim}, 0);
	rg_ident_refresh(id, rg_boot_ns());
	CHECK_STR(rg_ident_user(id, 0, 0), "toor", "names: an edit that keeps size and mtime is seen");

	/* a changed file that will not open (no descriptor left) */
	put(pw, "root:x:0:0:root:/root:/bin/bash\ndave:x:4444:4444::/:/bin/sh\n");
	struct rlimit nofile;
	getrlimit(RLIMIT_NOFILE, &nofile);
	int lowest = open("/dev/null", O_RDONLY);
	close(lowest);
	setrlimit(RLIMIT_NOFILE, &(struct rlimit){(rlim_t)lowest, nofile.rlim_max});
	rg_ident_refresh(id, rg_boot_ns());
	setrlimit(RLIMIT_NOFILE, &nofile);
	CHECK_STR(rg_ident_user(id, 0, 0), "toor", "names: a file that will not open keeps the names");
	rg_ident_refresh(id, rg_boot_ns());
	CHECK(rg_ident_user(id, 4444, 0) == NULL, "names: and is not tried again at once");
	sleep_ms(110);
	rg_ident_refresh(id, rg_boot_ns());
	CHECK_STR(rg_ident_user(id, 4444, 0), "dave", "names: but 100 ms later");

	/* a group of many members: a line far over 16 KiB */
	struct rg_buf big = {0};
	rg_buf_printf(&big, "root:x:0:\nmany:x:70:");
	for (int i = 0; i < 5000; i++)
		rg_buf_printf(&big, "%smember%d", i ? "," : "", i);
	rg_buf_printf(&big, "\nhuge:x:72:");
	for (int i = 0; i < 150000; i++)
		rg_buf_printf(&big, "%su%d", i ? "," : "", i);
	rg_buf_printf(&big, "\nafter:x:71:\n");
	rg_buf_add(&big, "", 1);
	put(gr, big.p);
	rg_buf_free(&big);
	rg_ident_refresh(id, rg_boot_ns());
	CHECK(rg_ident_group(id, 70, 0) && !strcmp(rg_ident_group(id, 70, 0), "many") &&
		      rg_ident_group(id, 71, 0) && !strcmp(rg_ident_group(id, 71, 0), "after"),
	      "names: a group line over 50 KiB, and the group after it");
	CHECK(rg_ident_group(id, 72, 0) == NULL, "names: a line over 1 MiB is skipped");

	unlink(pw);
	rg_ident_refresh(id, rg_boot_ns());
	CHECK(rg_ident_user(id, 0, 0) == NULL, "names: a missing passwd file names no one");
	rg_ident_free(id);
	unlink(gr);
}

static void mkdirs(const char *root, const char *rel)
{
	char p[600];
	snprintf(p, sizeof(p), "%s%s", root, rel);
	for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
}

static uint64_t ino(const char *root, const char *rel)
{
	char p[600];
	struct stat st;
	snprintf(p, sizeof(p), "%s%s", root, rel);
	return stat(p, &st) == 0 ? st.st_ino : 0;
}

static void check_cgroups(const char *dir)
{
	char cg[300], proc[300], f[400];
	snprintf(cg, sizeof(cg), "%s/cg", dir);
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	mkdir(cg, 0755);
	mkdir(proc, 0755);
	mkdirs(cg, "/system.slice/docker-" H64 ".scope");
	mkdirs(cg, "/user.slice/user-1000.slice");
	mkdirs(proc, "/123");
	snprintf(f, sizeof(f), "%s/123/cgroup", proc);
	put(f, "12:pids:/system.slice\n0::/system.slice/docker-" H64 ".scope\n");
	struct rg_ident *id = rg_ident_new(&(struct rg_ident_opts){"/nonexistent", "/nonexistent",
								 cg, proc});
	uint64_t docker = ino(cg, "/system.slice/docker-" H64 ".scope");
	uint64_t user = ino(cg, "/user.slice/user-1000.slice");
	CHECK_STR(rg_ident_cgroup(id, docker, 123), "/system.slice/docker-" H64 ".scope",
		  "cgroup: from /proc/PID/cgroup's 0:: line");
	struct rg_ident_stats st;
	rg_ident_stats(id, &st);
	CHECK(st.cgroup_misses == 1 && st.cgroup_walks == 0, "cgroup: one miss, no walk");
	CHECK_STR(rg_ident_cgroup(id, docker, 0), "/system.slice/docker-" H64 ".scope",
		  "cgroup: then from the cache");
	CHECK_STR(rg_ident_cgroup(id, user, 123), "/user.slice/user-1000.slice",
		  "cgroup: a process gone or moved: the walk finds it by inode");
	CHECK_STR(rg_ident_cgroup(id, ino(cg, ""), 0), "/", "cgroup: the root is /");
	CHECK(rg_ident_cgroup(id, 1, 0) == NULL, "cgroup: an id no directory has");
	CHECK(rg_ident_cgroup(id, 0, 123) == NULL, "cgroup: id 0 is unknown");
	rg_ident_stats(id, &st);
	CHECK_INT(st.cgroup_walks, 1, "cgroup: walks at most once a second");
	CHECK_INT(st.cgroup_unknown, 1, "cgroup: the unknown id counted");
	CHECK_INT(rg_ident_cgroup_id(id, "/user.slice/user-1000.slice"), user,
		  "cgroup: a path's id (the /proc scan)");
	CHECK_INT(rg_ident_cgroup_id(id, "/no/such"), 0, "cgroup: no such path, no id");
	rg_ident_free(id);

	id = rg_ident_new(&(struct rg_ident_opts){"/nonexistent", "/nonexistent", "", proc});
	CHECK(rg_ident_cgroup_root(id) == NULL && rg_ident_cgroup(id, docker, 123) == NULL,
	      "cgroup: no v2 hierarchy, no paths");
	rg_ident_free(id);
	id = rg_ident_new(NULL);
	const char *root = rg_ident_cgroup_root(id);
	struct stat rs;
	CHECK(!root || (stat(root, &rs) == 0 && S_ISDIR(rs.st_mode)),
	      "cgroup: the host's v2 mount, if any, is a directory");
	rg_ident_free(id);
}

/* The process table fills names and place from its ident. */
static void check_proctab(const char *dir)
{
	char pw[300], gr[300];
	snprintf(pw, sizeof(pw), "%s/passwd", dir);
	snprintf(gr, sizeof(gr), "%s/group", dir);
	put(pw, "root:x:0:0::/:/bin/sh\nalice:x:1000:1000::/:/bin/sh\nsvc:x:33:33::/:/bin/sh\n");
	put(gr, "root:x:0:\nalice:x:1000:\n");
	struct rg_ident *id = rg_ident_new(&(struct rg_ident_opts){pw, gr, "", dir});
	struct rg_proctab *pt = rg_proctab_new(64, 1, 10000000);
	rg_proctab_set_ident(pt, id);

	static const char env[] = "SUDO_USER=alice\0SSH_CONNECTION=192.0.2.9 5000 192.0.2.1 22\0";
	struct rg_event ev = {.type = RG_ET_PROCESS_START, .pid = 50, .tid = 50, .uid = 0,
			      .gid = 0, .euid = 0, .auid = 1000, .sessionid = 3, .ppid = 1,
			      .exe = str("/usr/bin/id"), .comm = str("id"),
			      .env = {env, sizeof(env) - 1},
			      .who = {.cgroup_id = 77, .pidns = 4026531836u, .mntns = 9}};
	struct rg_ids ids = {.start_boot_ns = 1000};
	const struct rg_process *p = rg_proctab_apply(pt, &ev, &ids);
	CHECK(p != NULL, "proctab: an exec writes its row");
	CHECK_STR(text(ev.who.user), "root", "proctab: exec: user");
	CHECK_STR(text(ev.who.login_user), "alice", "proctab: exec: login_user");
	CHECK_STR(text(ev.who.group), "root", "proctab: exec: group_name");
	CHECK_STR(text(ev.who.sudo_user), "alice", "proctab: exec: sudo_user");
	CHECK_STR(text(ev.who.ssh_client), "192.0.2.9", "proctab: exec: ssh_client");
	CHECK_STR(text(p->who.euser), "root", "proctab: the row has the names too");
	CHECK(p->who.cgroup_id == 77 && p->who.pidns == 4026531836u && p->who.mntns == 9,
	      "proctab: the row has the kernel's place");

	/* a fork: the child has its parent's names, the kernel's namespaces */
	struct rg_event fk = {.type = RG_ET_PROCESS_RELATIONSHIP, .pid = 50, .tid = 50,
			      .child_pid = 51};
	struct rg_ids fids = {.start_boot_ns = 1000, .child_start_boot_ns = 2000,
			      .child_place = {.cgroup_id = 77, .pidns = 5, .mntns = 9}};
	p = rg_proctab_apply(pt, &fk, &fids);
	CHECK(p && p->pid == 51, "proctab: a fork writes the child's row");
	CHECK_STR(text(p->who.user), "root", "proctab: fork: the child has the parent's user");
	CHECK_STR(text(p->who.sudo_user), "alice", "proctab: fork: and its origin");
	CHECK_INT(p->who.pidns, 5, "proctab: fork: the child's own pid namespace");

	/* the child drops to uid 1000 (a cred_change) and execs: names follow */
	struct rg_event cr = {.type = RG_ET_CRED_CHANGE, .pid = 51, .tid = 51, .uid = 1000,
			      .gid = 1000, .euid = 1000};
	p = rg_proctab_apply(pt, &cr, &(struct rg_ids){.start_boot_ns = 2000});
	CHECK(p != NULL, "proctab: a credential change rewrites the row");
	CHECK_STR(text(p->who.user), "alice", "proctab: cred_change: user renamed");
	CHECK_STR(text(p->who.group), "alice", "proctab: cred_change: group_name too");
	CHECK(cr.exe.p == p->exe.p && cr.comm.p == p->comm.p,
	      "proctab: cred_change: the event borrows the row's new strings, not the freed ones");

	struct rg_event ex = ev;
	ex.pid = ex.tid = 52;
	ex.uid = ex.euid = 4242; /* no such user */
	ex.auid = 4294967295u;
	ex.env = (struct rg_str){0};
	p = rg_proctab_apply(pt, &ex, &(struct rg_ids){.start_boot_ns = 3000});
	CHECK(!ex.who.user.p && !p->who.euser.p, "proctab: a uid with no name has none");
	CHECK_STR(text(ex.who.login_user), "unset", "proctab: auid 4294967295 is 'unset'");
	CHECK(!ex.who.sudo_user.p && !ex.who.ssh_client.p, "proctab: no environment, no origin");

	rg_proctab_free(pt);
	rg_ident_free(id);
	unlink(pw);
	unlink(gr);
}

int main(void)
{
	char dir[] = "/tmp/rg-test-who.XXXXXX";
	if (!mkdtemp(dir)) {
		printf("not ok 1 - needs /tmp\n");
		return 1;
	}
	check_containers();
	check_origin();
	check_names(dir);
	check_cgroups(dir);
	check_proctab(dir);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return tap_done();
}
