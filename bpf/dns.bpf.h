/* dns.bpf.h: DNS messages, taken from the system calls that carry them.
 *
 * A message sent to port 53 (over UDP or TCP, to any address: a remote
 * server or a local stub such as 127.0.0.53) is a query; a message
 * received from port 53 is an answer. The port is the one the call names
 * (sendto's or sendmsg's address, recvfrom's source) or, on a connected
 * socket, its peer's. The kernel copies the message's first RG_DNS_MAX
 * bytes as the caller had them and leaves the parsing to the recorder
 * (core/dns.c): a wire-format parser has no place in the kernel, and a
 * payload that is no DNS at all (a tunnel) is evidence too.
 *
 * Hooked at the exits of sendto, sendmsg, sendmmsg (its first two
 * messages: glibc sends the A and AAAA questions in one call), recvfrom
 * and recvmsg; and of write, writev and read on the sockets a connect to
 * port 53 made (busybox, Go and glibc over TCP move DNS that way): there
 * a program looks the (process, fd) up in dns_fds, one hash lookup, and
 * only a hit goes on to the socket. Before Linux 6.3 on those calls'
 * exits, so on every read and write of the system; from 6.3 on the
 * socket's own send and receive tracepoints, so on socket I/O alone
 * (rg_on_dns_sock). There a write that a security module refuses is not
 * seen (the send never starts); at the exit it was, failed.
 * Not seen: messages past the second of one sendmmsg, and a socket whose
 * connect came before the recorder started or that moved to another fd
 * (dup) or process, when it uses write/read.
 * Every call on the send and receive hooks pays the fd-to-socket lookup;
 * only port 53 traffic pays the copy.
 */
#ifndef RG_DNS_BPF_H
#define RG_DNS_BPF_H

#include "net.bpf.h"

#define RG_IPPROTO_TCP 6
#define RG_DNS_HDR 12 /* a message is at least its header */
#define RG_EINPROGRESS 115

/* Sockets connected to port 53, by (tgid << 32 | fd): the write, writev
 * and read hooks go on to the socket only for these. Stale entries (a
 * closed fd, reused) cost one check of the socket's port. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} dns_fds SEC(".maps");

static __always_inline __u64 rg_dns_fd_key(long fd)
{
	return (bpf_get_current_pid_tgid() & 0xffffffff00000000ull) | (__u32)fd;
}

/* The user-space struct msghdr, struct mmsghdr and struct iovec of a
 * 64-bit process: spelled out because they are ABI, not kernel types. */
struct rg_iovec {
	const void *base;
	__u64 len;
};

struct rg_umsghdr {
	const void *name;
	__u32 namelen;
	__u32 pad0;
	const struct rg_iovec *iov;
	__u64 iovlen;
	const void *control;
	__u64 controllen;
	__u32 flags;
	__u32 pad1;
};

struct rg_ummsghdr {
	struct rg_umsghdr hdr;
	__u32 len; /* bytes sent or received for this message */
	__u32 pad0;
};

/* Sends a DNS record for the len bytes at buf (user memory) if sk talks to
 * port 53: to it (a query) or from it (an answer). peer is the address
 * the call named (its destination or, at a receive's exit, its source), or
 * NULL for the socket's own peer. */
static __always_inline void rg_dns_msg(struct rg_scratch *s, struct task_struct *task, long fd,
				       const void *peer, const void *buf, long len, long ret,
				       __u16 op, __u16 sys, int lv)
{
	__u8 addr[16] = {};
	__u16 port = 0;
	__u64 ino = 0;

	if (!buf || len < RG_DNS_HDR)
		return;
	struct sock *sk = rg_fd_sock(task, fd, &ino, lv);
	if (!sk)
		return;
	__u16 family = RG_LD(lv, sk, __sk_common.skc_family);
	__u16 proto = RG_LD(lv, sk, sk_protocol);
	if ((family != RG_AF_INET && family != RG_AF_INET6) ||
	    (proto != RG_IPPROTO_UDP && proto != RG_IPPROTO_TCP))
		return;
	bool named = rg_user_addr(peer, family, addr, &port);
	if (!named)
		port = bpf_ntohs(RG_LD(lv, sk, __sk_common.skc_dport));
	if (port != RG_DNS_PORT)
		return;
	struct rg_net *n = rg_net_start(s, task, sk, ino, op, sys, ret, lv);
	if (!n)
		return;
	rg_sock_ends(n, sk, !named, lv);
	if (named) {
		__builtin_memcpy(n->remote_addr, addr, sizeof(addr));
		n->remote_port = port;
	}
	if (len > RG_DNS_MAX)
		len = RG_DNS_MAX;
	/* The mask restates the bound for verifiers that lose it (5.10). */
	__u32 copy = len & (2 * RG_DNS_MAX - 1);
	if (bpf_probe_read_user(s->rec + sizeof(*n), copy, buf))
		return;
	n->dns.off = sizeof(*n);
	n->dns.len = copy;
	rg_emit(s, sizeof(*n) + copy, RG_KIND_NET);
}

/* The bytes a call moved: its return when it moved some, else (a failed
 * send) what it offered. */
static __always_inline long rg_dns_len(long ret, __u64 offered)
{
	return ret > 0 && (__u64)ret < offered ? ret : (long)offered;
}

/* rg_dns_msg for a struct msghdr at m (user memory) that moved ret bytes.
 * The message is the first buffer, or the second when the first is too
 * short to be one (a TCP length prefix sent as its own iovec). */
static __always_inline void rg_dns_msghdr(struct rg_scratch *s, struct task_struct *task,
					  long fd, const struct rg_umsghdr *m, long ret,
					  __u16 op, __u16 sys, int lv)
{
	struct rg_umsghdr h;
	struct rg_iovec iov[2] = {};

	if (bpf_probe_read_user(&h, sizeof(h), m) || !h.iov || !h.iovlen)
		return;
	if (bpf_probe_read_user(&iov[0], sizeof(iov[0]), h.iov))
		return;
	if (iov[0].len < RG_DNS_HDR && h.iovlen > 1) {
		if (bpf_probe_read_user(&iov[1], sizeof(iov[1]), h.iov + 1))
			return;
		if (ret > 0)
			ret = ret > (long)iov[0].len ? ret - (long)iov[0].len : 0;
		iov[0] = iov[1];
	}
	rg_dns_msg(s, task, fd, h.namelen ? h.name : NULL, iov[0].base,
		   rg_dns_len(ret, iov[0].len), ret, op, sys, lv);
}

/* connect: notes a socket connected (or connecting) to port 53. */
static __always_inline int rg_on_dns_connect(long ret, int lv)
{
	struct task_struct *task = rg_current(lv);
	__u8 addr[16], one = 1;
	__u16 port = 0;

	if (ret != 0 && ret != -RG_EINPROGRESS)
		return 0;
	struct pt_regs *regs = rg_regs(task, lv);
	long fd = RG_ARG(lv, regs, 1);
	const void *uaddr = (const void *)RG_ARG(lv, regs, 2);
	if ((rg_user_addr(uaddr, RG_AF_INET, addr, &port) ||
	     rg_user_addr(uaddr, RG_AF_INET6, addr, &port)) && port == RG_DNS_PORT) {
		__u64 key = rg_dns_fd_key(fd);
		bpf_map_update_elem(&dns_fds, &key, &one, BPF_ANY);
	}
	return 0;
}

/* write (op: query) and read (answer) on a socket in dns_fds: fd, buf,
 * count. writev: fd, iov, iovcnt, read as a struct msghdr's iovecs. With
 * sk (from the socket's own tracepoint), only when the fd is that socket:
 * the task's registers may name another call than the one sending (a
 * send that io_uring or a file system makes in the task's context). */
static __always_inline int rg_dns_rw(long ret, __u16 op, __u16 sys, const struct sock *sk,
				     int lv)
{
	struct task_struct *task = rg_current(lv);
	struct pt_regs *regs = rg_regs(task, lv);
	long fd = RG_ARG(lv, regs, 1);
	__u64 key = rg_dns_fd_key(fd), ino = 0;

	if (!bpf_map_lookup_elem(&dns_fds, &key))
		return 0;
	struct rg_scratch *s = rg_scratch_get();
	if (!s || (op == RG_NOP_DNS_ANSWER && ret <= 0) || rg_is_self(task, lv))
		return 0;
	if (sk && (__u64)rg_fd_sock(task, fd, &ino, lv) != (__u64)sk)
		return 0;
	const void *buf = (const void *)RG_ARG(lv, regs, 2);
	__u64 count = RG_ARG(lv, regs, 3);
	if (sys == RG_NSYS_WRITEV) {
		struct rg_iovec iov[2] = {};
		if (bpf_probe_read_user(&iov[0], sizeof(iov[0]), buf))
			return 0;
		if (iov[0].len < RG_DNS_HDR && count > 1) { /* glibc: the TCP prefix apart */
			if (bpf_probe_read_user(&iov[1], sizeof(iov[1]), buf + sizeof(iov[0])))
				return 0;
			ret = ret > (long)iov[0].len ? ret - (long)iov[0].len : ret;
			iov[0] = iov[1];
		}
		buf = iov[0].base;
		count = iov[0].len;
	}
	rg_dns_msg(s, task, fd, NULL, buf, rg_dns_len(ret, count), ret, op, sys, lv);
	return 0;
}

/* At the exits of write, writev and read (before Linux 6.3). */
static __always_inline int rg_on_dns_rw(long ret, __u16 op, __u16 sys, int lv)
{
	return rg_dns_rw(ret, op, sys, NULL, lv);
}

/* The system call a task is in, by its native number (a 32-bit task's
 * numbers that equal these are calls that move no socket data). */
#if defined(__TARGET_ARCH_x86)
#define RG_SYSCALL_NR(regs) ((regs)->orig_ax)
#define RG_NR_READ 0
#define RG_NR_WRITE 1
#define RG_NR_WRITEV 20
#elif defined(__TARGET_ARCH_arm64)
#define RG_SYSCALL_NR(regs) ((regs)->syscallno)
#define RG_NR_READ 63
#define RG_NR_WRITE 64
#define RG_NR_WRITEV 66
#else
#error "rg_on_dns_sock: this architecture's system call numbers are not known"
#endif

/* the kernel's PF_IO_WORKER, PF_USER_WORKER and PF_KTHREAD */
#define RG_PF_WORKERS (0x00000010 | 0x00004000 | 0x00200000)

/* Linux 6.3+: write, writev and read on a socket, from the socket's own
 * send and receive (sock_send_length, sock_recv_length) inside the call,
 * where the buffers are already filled. A hook on those calls' exits
 * made every read and write on the host run a program; these run for
 * socket I/O only. ret is what the socket call gives the system call;
 * sendto, recvmsg and the rest have hooks of their own. Kernel threads
 * and io_uring or other user workers call no read or write of their own. */
static __always_inline int rg_on_dns_sock(const struct sock *sk, long ret, bool recv)
{
	struct task_struct *task = bpf_get_current_task_btf();
	if (task->flags & RG_PF_WORKERS)
		return 0;
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	long nr = RG_SYSCALL_NR(regs);

	if (recv)
		return nr == RG_NR_READ
			       ? rg_dns_rw(ret, RG_NOP_DNS_ANSWER, RG_NSYS_READ, sk, RG_LV_CAST)
			       : 0;
	if (nr == RG_NR_WRITE)
		return rg_dns_rw(ret, RG_NOP_DNS_QUERY, RG_NSYS_WRITE, sk, RG_LV_CAST);
	if (nr == RG_NR_WRITEV)
		return rg_dns_rw(ret, RG_NOP_DNS_QUERY, RG_NSYS_WRITEV, sk, RG_LV_CAST);
	return 0;
}

/* sendto (op: query) and recvfrom (answer): fd, buf, len, flags, addr. */
static __always_inline int rg_on_dns_xfer(long ret, __u16 op, __u16 sys, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct rg_scratch *s = rg_scratch_get();

	if (!s || (op == RG_NOP_DNS_ANSWER && ret <= 0) || rg_is_self(task, lv))
		return 0;
	struct pt_regs *regs = rg_regs(task, lv);
	rg_dns_msg(s, task, RG_ARG(lv, regs, 1),
		   (const void *)RG_ARG(lv, regs, 5),
		   (const void *)RG_ARG(lv, regs, 2),
		   rg_dns_len(ret, RG_ARG(lv, regs, 3)), ret, op, sys, lv);
	return 0;
}

/* sendmsg (op: query) and recvmsg (answer): fd, msg, flags. */
static __always_inline int rg_on_dns_msg(long ret, __u16 op, __u16 sys, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct rg_scratch *s = rg_scratch_get();

	if (!s || (op == RG_NOP_DNS_ANSWER && ret <= 0) || rg_is_self(task, lv))
		return 0;
	struct pt_regs *regs = rg_regs(task, lv);
	rg_dns_msghdr(s, task, RG_ARG(lv, regs, 1),
		      (const struct rg_umsghdr *)RG_ARG(lv, regs, 2), ret, op, sys,
		      lv);
	return 0;
}

/* sendmmsg: fd, msgvec, vlen, flags; returns the messages sent. The first
 * two, each with the bytes it sent as its result. */
static __always_inline int rg_on_dns_mmsg(long ret, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct rg_scratch *s = rg_scratch_get();

	if (!s || ret <= 0 || rg_is_self(task, lv))
		return 0;
	struct pt_regs *regs = rg_regs(task, lv);
	long fd = RG_ARG(lv, regs, 1);
	const struct rg_ummsghdr *v = (const void *)RG_ARG(lv, regs, 2);
	for (int i = 0; i < 2 && i < ret; i++) {
		__u32 sent = 0;
		if (bpf_probe_read_user(&sent, sizeof(sent), &v[i].len))
			break;
		rg_dns_msghdr(s, task, fd, &v[i].hdr, sent, RG_NOP_DNS_QUERY, RG_NSYS_SENDMMSG,
			      lv);
	}
	return 0;
}

#endif /* RG_DNS_BPF_H */
