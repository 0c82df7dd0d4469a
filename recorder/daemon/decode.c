/* decode.c: validates and decodes raw records (see decode.h). */
#include "decode.h"

#include <sys/sysmacros.h>

#include <arpa/inet.h>
#include <string.h>

#include "dns.h"
#include "fields.h"
#include "pathmatch.h"
#include "rg_abi.h"
#include "script.h"

static const char *const exec_syscalls[] = {
	[RG_SYS_UNKNOWN] = NULL,
	[RG_SYS_EXECVE] = "execve",
	[RG_SYS_EXECVEAT] = "execveat",
};

static const char *const file_syscalls[RG_FSYS_MAX] = {
	[RG_FSYS_OPEN] = "open", [RG_FSYS_CREAT] = "creat", [RG_FSYS_OPENAT] = "openat",
	[RG_FSYS_OPENAT2] = "openat2", [RG_FSYS_WRITE] = "write", [RG_FSYS_WRITEV] = "writev",
	[RG_FSYS_PWRITE64] = "pwrite64", [RG_FSYS_PWRITEV] = "pwritev",
	[RG_FSYS_PWRITEV2] = "pwritev2", [RG_FSYS_RENAME] = "rename",
	[RG_FSYS_COPY_FILE_RANGE] = "copy_file_range", [RG_FSYS_SENDFILE64] = "sendfile64",
	[RG_FSYS_SPLICE] = "splice",
	[RG_FSYS_RENAMEAT] = "renameat", [RG_FSYS_RENAMEAT2] = "renameat2",
	[RG_FSYS_UNLINK] = "unlink", [RG_FSYS_UNLINKAT] = "unlinkat", [RG_FSYS_RMDIR] = "rmdir",
	[RG_FSYS_CHMOD] = "chmod", [RG_FSYS_FCHMOD] = "fchmod", [RG_FSYS_FCHMODAT] = "fchmodat",
	[RG_FSYS_FCHMODAT2] = "fchmodat2", [RG_FSYS_CHOWN] = "chown", [RG_FSYS_FCHOWN] = "fchown",
	[RG_FSYS_FCHOWNAT] = "fchownat", [RG_FSYS_LCHOWN] = "lchown", [RG_FSYS_LINK] = "link",
	[RG_FSYS_LINKAT] = "linkat", [RG_FSYS_SYMLINK] = "symlink",
	[RG_FSYS_SYMLINKAT] = "symlinkat", [RG_FSYS_MKDIR] = "mkdir", [RG_FSYS_MKDIRAT] = "mkdirat",
	[RG_FSYS_UTIMENSAT] = "utimensat", [RG_FSYS_UTIMES] = "utimes", [RG_FSYS_UTIME] = "utime",
	[RG_FSYS_FUTIMESAT] = "futimesat", [RG_FSYS_SETXATTR] = "setxattr",
	[RG_FSYS_LSETXATTR] = "lsetxattr", [RG_FSYS_FSETXATTR] = "fsetxattr",
	[RG_FSYS_SETXATTRAT] = "setxattrat", [RG_FSYS_TRUNCATE] = "truncate",
	[RG_FSYS_FTRUNCATE] = "ftruncate",
};

/* A string reference must lie inside the data area of the record. */
static int sref(const void *rec, size_t size, size_t body, struct rg_sref r,
		struct rg_str *out)
{
	if (r.len == 0) {
		*out = (struct rg_str){NULL, 0};
		return 0;
	}
	if (r.off < body || (size_t)r.off + r.len > size)
		return -1;
	*out = (struct rg_str){(const char *)rec + r.off, r.len};
	return 0;
}

/* comm is NUL-padded but not guaranteed NUL-terminated at 16 bytes. */
static struct rg_str comm(const char *c)
{
	return (struct rg_str){c, (uint32_t)strnlen(c, RG_COMM_LEN)};
}

/* ev.flags is hdr.flags: each flag the event names (core/event.h) is the
 * ABI's bit of the same name. */
#define SAME_BIT(name, bit)                                                        \
	_Static_assert((unsigned)RG_EF_##name == (unsigned)RG_F_##name,             \
		       "event flag " #name " is the ABI's");
RG_EVENT_FLAGS(SAME_BIT)
#undef SAME_BIT

static void hdr(const struct rg_hdr *h, struct rg_event *ev, struct rg_ids *ids)
{
	ev->boot_ns = h->boot_ns;
	ev->pid = h->tgid;
	ev->tid = h->tid;
	ev->uid = h->uid;
	ev->gid = h->gid;
	ev->flags = h->flags;
	ids->start_boot_ns = h->start_ns;
}

/* dir joined with name in b, as rg_path_join does it. */
static struct rg_str joined(struct rg_buf *b, struct rg_str dir, struct rg_str name)
{
	b->len = 0;
	rg_path_join(b, dir.p, dir.len, name.p, name.len);
	return (struct rg_str){b->p, (uint32_t)b->len};
}

/* The kernel's place (rg_abi.h) into the event model's. */
static void place(const struct rg_place *pl, struct rg_who *w)
{
	w->cgroup_id = pl->cgroup_id;
	w->pidns = pl->pidns;
	w->mntns = pl->mntns;
	w->netns = pl->netns;
	w->userns = pl->userns;
	w->utsns = pl->utsns;
	w->cgroupns = pl->cgroupns;
}

static enum rg_decode_rc exec(const struct rg_exec *e, size_t size,
			      struct rg_event *ev, struct rg_ids *ids, struct rg_pathbufs *pb)
{
	const size_t body = sizeof(*e);

	if (size < body || e->syscall > RG_SYS_EXECVEAT)
		return RG_DECODE_INVALID;
	struct rg_str script;
	if (sref(e, size, body, e->exe, &ev->exe) ||
	    sref(e, size, body, e->argv, &ev->argv) ||
	    sref(e, size, body, e->cwd, &ev->cwd) ||
	    sref(e, size, body, e->script, &script) ||
	    sref(e, size, body, e->env, &ev->env))
		return RG_DECODE_INVALID;
	/* The kernel's #! script, else an interpreter's script argument: a
	 * name the caller gave, from the working directory. An argument at
	 * the end of a cut argv may be cut too. */
	bool argument = !script.p;
	if (argument)
		script = rg_script_arg(ev->exe, ev->argv);
	if (script.p)
		ev->script = joined(&pb->script, ev->cwd, script);
	if (argument && script.p && (ev->flags & RG_EF_ARGV_TRUNC) &&
	    script.p + script.len == ev->argv.p + ev->argv.len)
		ev->flags |= RG_EF_SCRIPT_TRUNC;
	ev->type = RG_ET_PROCESS_START;
	ev->ppid = e->ppid;
	ev->euid = e->euid;
	ev->egid = e->egid;
	ev->auid = e->auid;
	ev->sessionid = e->sessionid;
	ev->argc = e->argc;
	ev->syscall = exec_syscalls[e->syscall];
	ev->comm = comm(e->comm);
	/* The kernel's dev_t is MAJOR << 20 | MINOR; stat's st_dev encodes
	 * it otherwise (makedev): the hasher compares it with fstat's. */
	ev->exe_dev = e->exe_ino ? makedev(e->exe_dev >> 20, e->exe_dev & 0xfffff) : 0;
	ev->exe_ino = e->exe_ino;
	ev->exe_size = e->exe_size;
	ev->exe_ctime_ns = e->exe_ctime_ns;
	if (!argument && e->script_ino) { /* the #! file the kernel opened */
		ev->script_dev = makedev(e->script_dev >> 20, e->script_dev & 0xfffff);
		ev->script_ino = e->script_ino;
		ev->script_size = e->script_size;
		ev->script_ctime_ns = e->script_ctime_ns;
	}
	place(&e->place, &ev->who);
	ids->parent_start_boot_ns = e->parent_start_ns;
	ids->old_tid = e->old_tid;
	return RG_DECODE_OK;
}

static enum rg_decode_rc fork_(const struct rg_fork *f, size_t size,
			       struct rg_event *ev, struct rg_ids *ids)
{
	if (size != sizeof(*f) || f->child_tgid == 0 || f->child_tgid == f->hdr.tgid)
		return RG_DECODE_INVALID; /* a process is never its own child */
	ev->type = RG_ET_PROCESS_RELATIONSHIP;
	ev->child_pid = f->child_tgid;
	ev->comm = comm(f->comm);
	ids->child_start_boot_ns = f->child_start_ns;
	place(&f->child_place, &ids->child_place);
	return RG_DECODE_OK;
}

static enum rg_decode_rc exit_(const struct rg_exit *x, size_t size,
			       struct rg_event *ev)
{
	if (size != sizeof(*x) || x->signal > 127)
		return RG_DECODE_INVALID;
	ev->type = RG_ET_PROCESS_EXIT;
	ev->exit_code = x->exit_code;
	ev->signal = x->signal;
	ev->core_dumped = x->core != 0;
	ev->comm = comm(x->comm);
	return RG_DECODE_OK;
}

/* Joins a (dir, name) pair into b; at least one piece must be there. */
static int path(struct rg_buf *b, const void *rec, size_t size, size_t body,
		struct rg_sref dir, struct rg_sref name, struct rg_str *out)
{
	struct rg_str d, n;
	if (sref(rec, size, body, dir, &d) || sref(rec, size, body, name, &n) || (!d.p && !n.p))
		return -1;
	if (!n.p && d.p[0] == '/') { /* resolved from dentries: already canonical */
		*out = d;
		return 0;
	}
	*out = joined(b, d, n);
	return 0;
}

/* The event types that carry the field named, looked up in the registry
 * on the first call only: decoding runs for every record, and a lookup by
 * name walks the whole registry. */
static rg_etmask types_of(const char *name, const struct rg_field **cached)
{
	if (!*cached)
		*cached = rg_field_find(name);
	return (*cached)->types;
}

/* The first path of a file record. A symlink's target is kept as written:
 * the kernel resolves it from the link's directory when it is followed, so
 * no directory is joined to it. */
static int file_path(const struct rg_file *f, size_t size, struct rg_event *ev,
		     struct rg_pathbufs *pb)
{
	if (f->op != RG_FOP_SYMLINK)
		return path(&pb->path, f, size, sizeof(*f), f->dir, f->name, &ev->path);
	return f->dir.len || sref(f, size, sizeof(*f), f->name, &ev->path) || !ev->path.p;
}

static enum rg_decode_rc file(const struct rg_file *f, size_t size, struct rg_event *ev,
			      struct rg_pathbufs *pb)
{
	static const enum rg_etype types[RG_FOP_MAX] = {
		[RG_FOP_OPEN] = RG_ET_FILE_OPEN, [RG_FOP_WRITE] = RG_ET_FILE_WRITE,
		[RG_FOP_RENAME] = RG_ET_FILE_RENAME, [RG_FOP_UNLINK] = RG_ET_FILE_UNLINK,
		[RG_FOP_CHMOD] = RG_ET_FILE_CHMOD, [RG_FOP_CHOWN] = RG_ET_FILE_CHOWN,
		[RG_FOP_LINK] = RG_ET_FILE_LINK, [RG_FOP_SYMLINK] = RG_ET_FILE_SYMLINK,
		[RG_FOP_MKDIR] = RG_ET_FILE_MKDIR, [RG_FOP_UTIMES] = RG_ET_FILE_UTIMES,
		[RG_FOP_SETXATTR] = RG_ET_FILE_SETXATTR, [RG_FOP_TRUNCATE] = RG_ET_FILE_TRUNCATE,
	};
	const size_t body = sizeof(*f);

	if (size < body || f->op < RG_FOP_OPEN || f->op >= RG_FOP_MAX || f->syscall == 0 ||
	    f->syscall >= RG_FSYS_MAX || file_path(f, size, ev, pb))
		return RG_DECODE_INVALID;
	ev->type = types[f->op];
	/* a second path only where the type has one; the xattr only for setxattr */
	static const struct rg_field *new_path_f;
	bool two = types_of("new_path", &new_path_f) & RG_ET_BIT(ev->type);
	if (two ? path(&pb->new_path, f, size, body, f->new_dir, f->new_name, &ev->new_path)
		: f->new_dir.len || f->new_name.len)
		return RG_DECODE_INVALID;
	if ((f->op == RG_FOP_SETXATTR) != (f->xattr.len != 0) ||
	    sref(f, size, body, f->xattr, &ev->xattr_name))
		return RG_DECODE_INVALID;
	/* the host's path: absolute, only on opens and writes, and only when
	 * it is not the path the process used */
	if (f->host.len && ((f->op != RG_FOP_OPEN && f->op != RG_FOP_WRITE) ||
			    sref(f, size, body, f->host, &ev->host_path) || ev->host_path.p[0] != '/'))
		return RG_DECODE_INVALID;
	if (ev->host_path.p && ev->host_path.len == ev->path.len &&
	    !memcmp(ev->host_path.p, ev->path.p, ev->path.len))
		ev->host_path = (struct rg_str){0};
	ev->syscall = file_syscalls[f->syscall];
	ev->result = f->result;
	ev->fflags = f->flags;
	ev->mode = f->mode;
	ev->owner_uid = f->owner_uid;
	ev->owner_gid = f->owner_gid;
	ev->mtime_ns = f->op == RG_FOP_UTIMES ? f->mtime_ns : RG_MTIME_NOW;
	return RG_DECODE_OK;
}

static const char *const sys_syscalls[RG_SSYS_MAX] = {
	[RG_SSYS_EXECVE] = "execve", [RG_SSYS_EXECVEAT] = "execveat",
	[RG_SSYS_SETUID] = "setuid", [RG_SSYS_SETGID] = "setgid", [RG_SSYS_SETREUID] = "setreuid",
	[RG_SSYS_SETREGID] = "setregid", [RG_SSYS_SETRESUID] = "setresuid",
	[RG_SSYS_SETRESGID] = "setresgid", [RG_SSYS_SETFSUID] = "setfsuid",
	[RG_SSYS_SETFSGID] = "setfsgid", [RG_SSYS_CAPSET] = "capset",
	[RG_SSYS_PTRACE] = "ptrace", [RG_SSYS_OPEN] = "open", [RG_SSYS_OPENAT] = "openat",
	[RG_SSYS_OPENAT2] = "openat2", [RG_SSYS_MEMFD_CREATE] = "memfd_create",
	[RG_SSYS_INIT_MODULE] = "init_module", [RG_SSYS_FINIT_MODULE] = "finit_module",
	[RG_SSYS_BPF] = "bpf", [RG_SSYS_MOUNT] = "mount", [RG_SSYS_MOVE_MOUNT] = "move_mount",
	[RG_SSYS_UMOUNT] = "umount2", [RG_SSYS_UNSHARE] = "unshare", [RG_SSYS_SETNS] = "setns",
};

/* The credential ids of a cred_change, before and after. */
static void cred_ids(const struct rg_sys *y, struct rg_event *ev)
{
	const uint32_t *o = y->old_ids, *n = y->new_ids;
	ev->old_uid = o[RG_ID_UID], ev->old_euid = o[RG_ID_EUID], ev->old_fsuid = o[RG_ID_FSUID];
	ev->old_gid = o[RG_ID_GID], ev->old_egid = o[RG_ID_EGID], ev->old_fsgid = o[RG_ID_FSGID];
	ev->uid = n[RG_ID_UID], ev->euid = n[RG_ID_EUID], ev->fsuid = n[RG_ID_FSUID];
	ev->gid = n[RG_ID_GID], ev->egid = n[RG_ID_EGID], ev->fsgid = n[RG_ID_FSGID];
	ev->old_cap_effective = y->old_caps;
	ev->cap_effective = y->caps;
}

/* A privilege or system operation, or a failed exec. Its strings are
 * checked against the fields its type has: a record that carries one its
 * type does not is malformed. */
static enum rg_decode_rc sys(const struct rg_sys *y, size_t size, struct rg_event *ev,
			     struct rg_ids *ids, struct rg_pathbufs *pb)
{
	static const enum rg_etype types[RG_SOP_MAX] = {
		[RG_SOP_EXEC_FAILED] = RG_ET_PROCESS_EXEC_FAILED, [RG_SOP_CRED] = RG_ET_CRED_CHANGE,
		[RG_SOP_PTRACE] = RG_ET_PTRACE, [RG_SOP_PROC_MEM] = RG_ET_PROC_MEM_WRITE,
		[RG_SOP_MEMFD] = RG_ET_MEMFD_CREATE, [RG_SOP_MODULE] = RG_ET_MODULE_LOAD,
		[RG_SOP_BPF] = RG_ET_BPF_LOAD, [RG_SOP_MOUNT] = RG_ET_MOUNT,
		[RG_SOP_UMOUNT] = RG_ET_UMOUNT, [RG_SOP_NS] = RG_ET_NAMESPACE_CHANGE,
	};
	const size_t body = sizeof(*y);
	static const struct rg_sref none;

	if (size < body || y->op < RG_SOP_EXEC_FAILED || y->op >= RG_SOP_MAX || y->syscall == 0 ||
	    y->syscall >= RG_SSYS_MAX)
		return RG_DECODE_INVALID;
	ev->type = types[y->op];
	rg_etmask bit = RG_ET_BIT(ev->type);
	static const struct rg_field *path_f, *name_f, *source_f;
	bool has_path = types_of("path", &path_f) & bit,
	     has_name = types_of("name", &name_f) & bit,
	     has_source = types_of("source", &source_f) & bit;
	if ((!has_path && y->path.len) || (!has_name && !has_source && y->name.len) ||
	    (!has_source && y->source.len) ||
	    (has_path && y->path.len && path(&pb->path, y, size, body, none, y->path, &ev->path)) ||
	    sref(y, size, body, y->name, has_source ? &ev->fstype : &ev->name) ||
	    sref(y, size, body, y->source, &ev->source))
		return RG_DECODE_INVALID;
	ev->syscall = sys_syscalls[y->syscall];
	ev->result = y->result;
	ev->fflags = y->flags;
	ev->target_pid = y->target_tgid;
	ids->target_start_boot_ns = y->target_start_ns;
	ev->ptrace_request = y->request;
	ev->bpf_prog_type = y->request;
	if (y->op == RG_SOP_CRED)
		cred_ids(y, ev);
	return RG_DECODE_OK;
}

static const char *const net_syscalls[RG_NSYS_MAX] = {
	[RG_NSYS_CONNECT] = "connect", [RG_NSYS_BIND] = "bind", [RG_NSYS_LISTEN] = "listen",
	[RG_NSYS_ACCEPT] = "accept", [RG_NSYS_ACCEPT4] = "accept4", [RG_NSYS_SENDTO] = "sendto",
	[RG_NSYS_SENDMSG] = "sendmsg", [RG_NSYS_SENDMMSG] = "sendmmsg",
	[RG_NSYS_RECVFROM] = "recvfrom", [RG_NSYS_RECVMSG] = "recvmsg",
	[RG_NSYS_WRITE] = "write", [RG_NSYS_WRITEV] = "writev", [RG_NSYS_READ] = "read",
};

static const char *protocol_name(uint16_t p)
{
	switch (p) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case 58: return "icmpv6";
	case 132: return "sctp";
	case 136: return "udplite";
	case 262: return "mptcp";
	default: return NULL;
	}
}

/* An address as text into buf; null when it and its port are unset. */
static struct rg_str addr_text(uint16_t family, const uint8_t *a, uint16_t port, char *buf,
			       size_t len)
{
	static const uint8_t zero[16];
	if (!port && !memcmp(a, zero, family == AF_INET ? 4 : 16))
		return (struct rg_str){NULL, 0};
	inet_ntop(family, a, buf, (socklen_t)len);
	return (struct rg_str){buf, (uint32_t)strlen(buf)};
}

/* A unix socket path as recorded: up to its first NUL, or "@name" for an
 * abstract one (which starts with NUL and may hold any byte). */
static struct rg_str unix_text(struct rg_str raw, char *buf, size_t len)
{
	if (!raw.p)
		return raw;
	size_t n = raw.len < len - 1 ? raw.len : len - 1;
	if (raw.p[0] == '\0') {
		buf[0] = '@';
		memcpy(buf + 1, raw.p + 1, n - 1);
		return (struct rg_str){buf, (uint32_t)n};
	}
	n = strnlen(raw.p, n);
	memcpy(buf, raw.p, n);
	return (struct rg_str){buf, (uint32_t)n};
}

static enum rg_decode_rc net_unix(const struct rg_net *n, size_t size, struct rg_event *ev,
				  struct rg_pathbufs *pb)
{
	struct rg_str raw;
	if (sref(n, size, sizeof(*n), n->unix_path, &raw))
		return RG_DECODE_INVALID;
	ev->family = "unix";
	if (ev->type == RG_ET_NET_CONNECT)
		ev->remote_addr = unix_text(raw, pb->remote_addr, sizeof(pb->remote_addr));
	else
		ev->local_addr = unix_text(raw, pb->local_addr, sizeof(pb->local_addr));
	return RG_DECODE_OK;
}

/* The addresses of an answer, as text separated by spaces, into buf. */
static struct rg_str dns_addrs(const struct rg_dns_msg *m, char *buf, size_t len)
{
	size_t o = 0;
	for (unsigned i = 0; i < m->naddrs && o + INET6_ADDRSTRLEN + 1 < len; i++) {
		if (o)
			buf[o++] = ' ';
		inet_ntop(m->addrs[i].family, m->addrs[i].a, buf + o, (socklen_t)(len - o));
		o += strlen(buf + o);
	}
	return (struct rg_str){o ? buf : NULL, (uint32_t)o};
}

/* A DNS message's facts: what was asked, and what an answer gave. Bytes
 * that are no DNS message leave them null; the event stays (something
 * talked to port 53). */
static enum rg_decode_rc dns(const struct rg_net *n, size_t size, struct rg_event *ev,
			     struct rg_pathbufs *pb)
{
	struct rg_str raw;
	if (sref(n, size, sizeof(*n), n->dns, &raw) || !raw.p || raw.len > RG_DNS_MAX)
		return RG_DECODE_INVALID;
	struct rg_dns_msg *m = &pb->dns;
	ev->dns_rcode = -1;
	const uint8_t *p = (const uint8_t *)raw.p;
	int rc = n->protocol == IPPROTO_TCP ? rg_dns_parse_tcp(p, raw.len, RG_DNS_MAX, m)
					    : rg_dns_parse(p, raw.len, m);
	if (rc || !m->has_question || m->response != (ev->type == RG_ET_DNS_ANSWER))
		return RG_DECODE_OK;
	ev->dns_query = (struct rg_str){m->qname, (uint32_t)m->qname_len};
	ev->dns_type = rg_dns_type_name(m->qtype, pb->dns_type);
	if (ev->type == RG_ET_DNS_ANSWER) {
		ev->dns_rcode = m->rcode;
		ev->dns_answers = dns_addrs(m, pb->dns_answers, sizeof(pb->dns_answers));
	}
	return RG_DECODE_OK;
}

static enum rg_decode_rc net(const struct rg_net *n, size_t size, struct rg_event *ev,
			     struct rg_pathbufs *pb)
{
	static const enum rg_etype types[] = {
		[RG_NOP_CONNECT] = RG_ET_NET_CONNECT, [RG_NOP_BIND] = RG_ET_NET_BIND,
		[RG_NOP_LISTEN] = RG_ET_NET_LISTEN, [RG_NOP_ACCEPT] = RG_ET_NET_ACCEPT,
		[RG_NOP_DNS_QUERY] = RG_ET_DNS_QUERY, [RG_NOP_DNS_ANSWER] = RG_ET_DNS_ANSWER,
	};
	bool unix_ = n->family == AF_UNIX;
	bool dns_ = n->op == RG_NOP_DNS_QUERY || n->op == RG_NOP_DNS_ANSWER;
	if (size < sizeof(*n) || (!unix_ && !dns_ && size != sizeof(*n)) ||
	    n->op < RG_NOP_CONNECT || n->op > RG_NOP_DNS_ANSWER || n->syscall == 0 ||
	    n->syscall >= RG_NSYS_MAX || (n->family != AF_INET && n->family != AF_INET6 && !unix_) ||
	    (unix_ && dns_))
		return RG_DECODE_INVALID;
	ev->type = types[n->op];
	ev->syscall = net_syscalls[n->syscall];
	ev->result = n->result;
	ev->socket_id = n->socket_id;
	ev->new_socket_id = n->new_socket_id;
	if (unix_)
		return net_unix(n, size, ev, pb);
	ev->family = n->family == AF_INET ? "ipv4" : "ipv6";
	ev->protocol = protocol_name(n->protocol);
	ev->local_addr = addr_text(n->family, n->local_addr, n->local_port, pb->local_addr,
				   sizeof(pb->local_addr));
	ev->remote_addr = addr_text(n->family, n->remote_addr, n->remote_port, pb->remote_addr,
				    sizeof(pb->remote_addr));
	ev->local_port = n->local_port;
	ev->remote_port = n->remote_port;
	return dns_ ? dns(n, size, ev, pb) : RG_DECODE_OK;
}

enum rg_decode_rc rg_decode(const void *data, size_t size, struct rg_event *ev,
			    struct rg_ids *ids, struct rg_pathbufs *pb)
{
	const struct rg_hdr *h = data;

	memset(ev, 0, sizeof(*ev));
	memset(ids, 0, sizeof(*ids));
	if (size < sizeof(*h) || h->size != size || h->version != RG_ABI_VERSION ||
	    h->tgid == 0)
		return RG_DECODE_INVALID;
	hdr(h, ev, ids);
	switch (h->kind) {
	case RG_KIND_EXEC:
		return exec(data, size, ev, ids, pb);
	case RG_KIND_FORK:
		return fork_(data, size, ev, ids);
	case RG_KIND_EXIT:
		return exit_(data, size, ev);
	case RG_KIND_FILE:
		return file(data, size, ev, pb);
	case RG_KIND_NET:
		return net(data, size, ev, pb);
	case RG_KIND_SYS:
		return sys(data, size, ev, ids, pb);
	default:
		return RG_DECODE_UNSUPPORTED;
	}
}

void rg_decode_syscalls(void (*fn)(const char *name, void *arg), void *arg)
{
	const char *const *tables[] = {exec_syscalls, file_syscalls, sys_syscalls, net_syscalls};
	const size_t sizes[] = {sizeof(exec_syscalls) / sizeof(*exec_syscalls), RG_FSYS_MAX,
				RG_SSYS_MAX, RG_NSYS_MAX};
	for (size_t t = 0; t < 4; t++)
		for (size_t i = 0; i < sizes[t]; i++)
			if (tables[t][i])
				fn(tables[t][i], arg);
}
