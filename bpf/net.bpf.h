/* net.bpf.h: connect, bind, listen and accept on IPv4/IPv6 sockets, and
 * the first addressed send on a UDP socket, at syscall exit.
 *
 * At the exit the result is known and the socket holds what the call
 * settled: the port a bind or listen got, the local end a connect chose,
 * the peer an accept took. What the caller asked for (the address it
 * connected or sent to) is read from its sockaddr, because a failed
 * connect clears the socket's remote end. Every record carries the
 * socket's inode number, so one socket's calls can be joined.
 *
 * Unix-domain sockets are sent only when enabled ([network] unix), with
 * their path; they and other families are otherwise counted as filtered.
 */
#ifndef RG_NET_BPF_H
#define RG_NET_BPF_H

#include <bpf/bpf_endian.h>

#include "common.bpf.h"

#define RG_AF_UNIX 1
#define RG_UNIX_PATH 108 /* sizeof(sun_path) */
#define RG_AF_INET 2
#define RG_AF_INET6 10
#define RG_IPPROTO_UDP 17
#define RG_S_IFMT 0170000
#define RG_S_IFSOCK 0140000
#define RG_EAGAIN 11

const volatile bool rg_net_unix = false; /* record unix-domain sockets */

/* UDP sockets that already sent an addressed datagram: one event each. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* struct sock * */
	__type(value, __u8);
} udp_sent SEC(".maps");

/* The socket behind fd, and its inode number; NULL if fd is not a socket. */
static __always_inline struct sock *rg_fd_sock(struct task_struct *task, long fd, __u64 *ino,
					       int lv)
{
	struct file *f = rg_fd_file(task, fd, lv);
	if (!f)
		return NULL;
	struct inode *inode = RG_LD(lv, f, f_inode);
	if ((RG_LD(lv, inode, i_mode) & RG_S_IFMT) != RG_S_IFSOCK)
		return NULL;
	*ino = RG_LD(lv, inode, i_ino);
	struct socket *sock = RG_CAST(lv, struct socket, RG_LD(lv, f, private_data));
	return RG_LD(lv, sock, sk);
}

static __always_inline void rg_in6(__u8 *dst, const struct in6_addr *a)
{
	__u32 *d = (__u32 *)dst;
	d[0] = a->in6_u.u6_addr32[0];
	d[1] = a->in6_u.u6_addr32[1];
	d[2] = a->in6_u.u6_addr32[2];
	d[3] = a->in6_u.u6_addr32[3];
}

/* rg_in6 for an address in the kernel's struct sock. */
static __always_inline void rg_in6_sk(__u8 *dst, const struct in6_addr *a, int lv)
{
	if (lv == RG_LV_CAST)
		rg_in6(dst, a);
	else
		bpf_probe_read_kernel(dst, sizeof(*a), a);
}

/* The socket's local end, and its remote end when remote is set. */
static __always_inline void rg_sock_ends(struct rg_net *n, struct sock *sk, bool remote,
					 int lv)
{
	struct sock_common *c = &sk->__sk_common;

	n->local_port = RG_LD(lv, c, skc_num);
	if (n->family == RG_AF_INET)
		*(__u32 *)n->local_addr = RG_LD(lv, c, skc_rcv_saddr);
	else
		rg_in6_sk(n->local_addr, &c->skc_v6_rcv_saddr, lv);
	if (!remote)
		return;
	n->remote_port = bpf_ntohs(RG_LD(lv, c, skc_dport));
	if (n->family == RG_AF_INET)
		*(__u32 *)n->remote_addr = RG_LD(lv, c, skc_daddr);
	else
		rg_in6_sk(n->remote_addr, &c->skc_v6_daddr, lv);
}

/* An address the caller passed (struct sockaddr_in or _in6) into addr and
 * *port; false if it cannot be read or is of another family. */
static __always_inline bool rg_user_addr(const void *uaddr, __u16 family, __u8 *addr,
					 __u16 *port)
{
	struct sockaddr_in6 sa = {};

	if (!uaddr || bpf_probe_read_user(&sa, sizeof(struct sockaddr_in), uaddr))
		return false;
	if (sa.sin6_family != family)
		return false;
	*port = bpf_ntohs(sa.sin6_port); /* same offset in both */
	if (family == RG_AF_INET) {
		*(__u32 *)addr = ((struct sockaddr_in *)&sa)->sin_addr.s_addr;
		return true;
	}
	if (bpf_probe_read_user(&sa, sizeof(sa), uaddr))
		return false;
	rg_in6(addr, &sa.sin6_addr);
	return true;
}

/* A unix path of len bytes at src (user memory when user) into the data
 * area; returns the record's size. */
static __always_inline __u32 rg_put_unix(struct rg_scratch *s, struct rg_net *n, const void *src,
					 long len, bool user)
{
	__u32 at = sizeof(*n);

	if (!src || len <= 0)
		return at;
	len = len > RG_UNIX_PATH ? RG_UNIX_PATH : len;
	if (user ? bpf_probe_read_user(s->rec + at, len & 0x7f, src)
		 : bpf_probe_read_kernel(s->rec + at, len & 0x7f, src))
		return at;
	n->unix_path.off = at;
	n->unix_path.len = len & 0x7f;
	return at + (len & 0x7f);
}

/* The path a call passed in a struct sockaddr_un of alen bytes. */
static __always_inline __u32 rg_unix_user(struct rg_scratch *s, struct rg_net *n,
					  const void *uaddr, long alen)
{
	return rg_put_unix(s, n, uaddr ? uaddr + 2 : NULL, alen - 2, true);
}

/* The path sk is bound to (unix_sk(sk)->addr), if any. */
static __always_inline __u32 rg_unix_bound(struct rg_scratch *s, struct rg_net *n,
					   struct sock *sk, int lv)
{
	struct unix_sock *u = RG_CAST(lv, struct unix_sock, sk);
	struct unix_address *a = RG_LD(lv, u, addr);

	if (!a)
		return sizeof(*n);
	/* name[] follows the struct: sun_family, then the path */
	const void *path = (const void *)((__u64)a + bpf_core_type_size(struct unix_address) + 2);
	return rg_put_unix(s, n, path, RG_LD(lv, a, len) - 2, false);
}

/* Starts a record for the socket sk, or returns NULL (and counts it) when
 * it is not an IPv4/IPv6 socket, or a unix one with those enabled. */
static __always_inline struct rg_net *rg_net_start(struct rg_scratch *s, struct task_struct *task,
						   struct sock *sk, __u64 ino, __u16 op,
						   __u16 sys, long ret, int lv)
{
	__u16 family = RG_LD(lv, sk, __sk_common.skc_family);
	struct rg_net *n = (struct rg_net *)s->rec;

	if (family != RG_AF_INET && family != RG_AF_INET6 &&
	    !(family == RG_AF_UNIX && rg_net_unix)) {
		rg_count_filtered(RG_KIND_NET);
		return NULL;
	}
	__builtin_memset(n, 0, sizeof(*n));
	rg_hdr_fill(&n->hdr, RG_KIND_NET, task, lv);
	n->op = op;
	n->syscall = sys;
	n->result = ret;
	n->socket_id = ino;
	n->family = family;
	n->protocol = RG_LD(lv, sk, sk_protocol);
	return n;
}

/* connect, and sendto with an address on a UDP socket (its first only). */
static __always_inline int rg_on_connect(long ret, __u16 sys, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct rg_scratch *s = rg_scratch_get();
	__u64 ino = 0;

	if (!s || rg_is_self(task, lv))
		return 0;
	struct pt_regs *regs = rg_regs(task, lv);
	const void *uaddr = (const void *)(sys == RG_NSYS_SENDTO ? RG_ARG(lv, regs, 5)
							      : RG_ARG(lv, regs, 2));
	if (sys == RG_NSYS_SENDTO && !uaddr)
		return 0; /* a send on a connected socket: its connect was recorded */
	struct sock *sk = rg_fd_sock(task, RG_ARG(lv, regs, 1), &ino, lv);
	if (!sk)
		return 0;
	if (sys == RG_NSYS_SENDTO) {
		__u64 key = (__u64)sk;
		__u8 one = 1;
		if (RG_LD(lv, sk, sk_protocol) != RG_IPPROTO_UDP ||
		    bpf_map_lookup_elem(&udp_sent, &key))
			return 0;
		bpf_map_update_elem(&udp_sent, &key, &one, BPF_ANY);
	}
	struct rg_net *n = rg_net_start(s, task, sk, ino, RG_NOP_CONNECT, sys, ret, lv);
	if (!n)
		return 0;
	__u32 size = sizeof(*n);
	if (n->family == RG_AF_UNIX) { /* a connect: sends are UDP only (above) */
		size = rg_unix_user(s, n, uaddr, RG_ARG(lv, regs, 3));
	} else {
		rg_sock_ends(n, sk, false, lv);
		rg_user_addr(uaddr, n->family, n->remote_addr, &n->remote_port);
	}
	rg_emit(s, size, RG_KIND_NET);
	return 0;
}

static __always_inline int rg_on_bind(long ret, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct rg_scratch *s = rg_scratch_get();
	__u64 ino = 0;

	if (!s || rg_is_self(task, lv))
		return 0;
	struct pt_regs *regs = rg_regs(task, lv);
	struct sock *sk = rg_fd_sock(task, RG_ARG(lv, regs, 1), &ino, lv);
	struct rg_net *n = sk ? rg_net_start(s, task, sk, ino, RG_NOP_BIND, RG_NSYS_BIND, ret, lv)
			      : NULL;
	if (!n)
		return 0;
	const void *uaddr = (const void *)RG_ARG(lv, regs, 2);
	__u32 size = sizeof(*n);
	if (n->family == RG_AF_UNIX)
		size = rg_unix_user(s, n, uaddr, RG_ARG(lv, regs, 3));
	else if (ret == 0) /* what it got (a port 0 bind gets a real port) */
		rg_sock_ends(n, sk, false, lv);
	else               /* what it asked for */
		rg_user_addr(uaddr, n->family, n->local_addr, &n->local_port);
	rg_emit(s, size, RG_KIND_NET);
	return 0;
}

static __always_inline int rg_on_listen(long ret, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct rg_scratch *s = rg_scratch_get();
	__u64 ino = 0;

	if (!s || rg_is_self(task, lv))
		return 0;
	struct pt_regs *regs = rg_regs(task, lv);
	struct sock *sk = rg_fd_sock(task, RG_ARG(lv, regs, 1), &ino, lv);
	struct rg_net *n = sk ? rg_net_start(s, task, sk, ino, RG_NOP_LISTEN, RG_NSYS_LISTEN,
					     ret, lv)
			      : NULL;
	if (!n)
		return 0;
	__u32 size = sizeof(*n);
	if (n->family == RG_AF_UNIX)
		size = rg_unix_bound(s, n, sk, lv);
	else
		rg_sock_ends(n, sk, false, lv);
	rg_emit(s, size, RG_KIND_NET);
	return 0;
}

/* accept/accept4. A non-blocking accept with nothing waiting (-EAGAIN) is
 * not an event: servers poll that way. */
static __always_inline int rg_on_accept(long ret, __u16 sys, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct rg_scratch *s = rg_scratch_get();
	__u64 ino = 0, new_ino = 0;

	if (!s || ret == -RG_EAGAIN || rg_is_self(task, lv))
		return 0;
	struct pt_regs *regs = rg_regs(task, lv);
	struct sock *lsk = rg_fd_sock(task, RG_ARG(lv, regs, 1), &ino, lv);
	struct sock *sk = ret >= 0 ? rg_fd_sock(task, ret, &new_ino, lv) : lsk;
	struct rg_net *n = lsk && sk ? rg_net_start(s, task, sk, ino, RG_NOP_ACCEPT, sys, ret,
						    lv)
				     : NULL;
	if (!n)
		return 0;
	n->new_socket_id = new_ino;
	__u32 size = sizeof(*n);
	if (n->family == RG_AF_UNIX)
		size = rg_unix_bound(s, n, lsk, lv); /* the listener's path */
	else
		rg_sock_ends(n, sk, ret >= 0, lv);
	rg_emit(s, size, RG_KIND_NET);
	return 0;
}

#endif /* RG_NET_BPF_H */
