/* decode.c: validates and decodes raw records (see decode.h). */
#include "decode.h"

#include <arpa/inet.h>
#include <string.h>

#include "pathmatch.h"
#include "rg_abi.h"

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

static enum rg_decode_rc exec(const struct rg_exec *e, size_t size,
			      struct rg_event *ev, struct rg_ids *ids)
{
	const size_t body = sizeof(*e);

	if (size < body || e->syscall > RG_SYS_EXECVEAT)
		return RG_DECODE_INVALID;
	if (sref(e, size, body, e->exe, &ev->exe) ||
	    sref(e, size, body, e->argv, &ev->argv) ||
	    sref(e, size, body, e->cwd, &ev->cwd))
		return RG_DECODE_INVALID;
	ev->type = RG_ET_PROCESS_START;
	ev->ppid = e->ppid;
	ev->euid = e->euid;
	ev->egid = e->egid;
	ev->auid = e->auid;
	ev->sessionid = e->sessionid;
	ev->argc = e->argc;
	ev->syscall = exec_syscalls[e->syscall];
	ev->comm = comm(e->comm);
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
	b->len = 0;
	rg_path_join(b, d.p, d.len, n.p, n.len);
	*out = (struct rg_str){b->p, (uint32_t)b->len};
	return 0;
}

static enum rg_decode_rc file(const struct rg_file *f, size_t size, struct rg_event *ev,
			      struct rg_pathbufs *pb)
{
	static const enum rg_etype types[] = {
		[RG_FOP_OPEN] = RG_ET_FILE_OPEN, [RG_FOP_WRITE] = RG_ET_FILE_WRITE,
		[RG_FOP_RENAME] = RG_ET_FILE_RENAME, [RG_FOP_UNLINK] = RG_ET_FILE_UNLINK,
	};
	const size_t body = sizeof(*f);
	bool rename = f->op == RG_FOP_RENAME;

	if (size < body || f->op < RG_FOP_OPEN || f->op > RG_FOP_UNLINK || f->syscall == 0 ||
	    f->syscall >= RG_FSYS_MAX ||
	    path(&pb->path, f, size, body, f->dir, f->name, &ev->path))
		return RG_DECODE_INVALID;
	if (rename ? path(&pb->new_path, f, size, body, f->new_dir, f->new_name, &ev->new_path)
		   : f->new_dir.len || f->new_name.len)
		return RG_DECODE_INVALID;
	ev->type = types[f->op];
	ev->syscall = file_syscalls[f->syscall];
	ev->result = f->result;
	ev->fflags = f->flags;
	ev->mode = f->mode;
	return RG_DECODE_OK;
}

static const char *const net_syscalls[RG_NSYS_MAX] = {
	[RG_NSYS_CONNECT] = "connect", [RG_NSYS_BIND] = "bind", [RG_NSYS_LISTEN] = "listen",
	[RG_NSYS_ACCEPT] = "accept", [RG_NSYS_ACCEPT4] = "accept4", [RG_NSYS_SENDTO] = "sendto",
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

static enum rg_decode_rc net(const struct rg_net *n, size_t size, struct rg_event *ev,
			     struct rg_pathbufs *pb)
{
	static const enum rg_etype types[] = {
		[RG_NOP_CONNECT] = RG_ET_NET_CONNECT, [RG_NOP_BIND] = RG_ET_NET_BIND,
		[RG_NOP_LISTEN] = RG_ET_NET_LISTEN, [RG_NOP_ACCEPT] = RG_ET_NET_ACCEPT,
	};
	bool unix_ = n->family == AF_UNIX;
	if (size < sizeof(*n) || (!unix_ && size != sizeof(*n)) || n->op < RG_NOP_CONNECT ||
	    n->op > RG_NOP_ACCEPT || n->syscall == 0 || n->syscall >= RG_NSYS_MAX ||
	    (n->family != AF_INET && n->family != AF_INET6 && !unix_))
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
	return RG_DECODE_OK;
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
		return exec(data, size, ev, ids);
	case RG_KIND_FORK:
		return fork_(data, size, ev, ids);
	case RG_KIND_EXIT:
		return exit_(data, size, ev);
	case RG_KIND_FILE:
		return file(data, size, ev, pb);
	case RG_KIND_NET:
		return net(data, size, ev, pb);
	default:
		return RG_DECODE_UNSUPPORTED;
	}
}
