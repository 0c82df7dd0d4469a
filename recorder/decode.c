/* decode.c: validates and decodes raw records (see decode.h). */
#include "decode.h"

#include <string.h>

#include "rg_abi.h"

static const char *const exec_syscalls[] = {
	[RG_SYS_UNKNOWN] = NULL,
	[RG_SYS_EXECVE] = "execve",
	[RG_SYS_EXECVEAT] = "execveat",
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
	if (size != sizeof(*f) || f->child_tgid == 0)
		return RG_DECODE_INVALID;
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

enum rg_decode_rc rg_decode(const void *data, size_t size, struct rg_event *ev,
			    struct rg_ids *ids)
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
	default:
		return RG_DECODE_UNSUPPORTED;
	}
}
