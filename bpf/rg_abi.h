/* rg_abi.h: the wire format between the BPF programs and the recorder.
 *
 * This is the only header both sides include. Every record on the EVENTS
 * ring buffer starts with struct rg_hdr; the kind selects the body. Strings
 * are not fixed arrays: they follow the body in a data area, each described
 * by a struct rg_sref (offset from the start of the record, length, and a
 * truncation bit in hdr.flags), so a record is sized to its content.
 *
 *   +-----------+----------------------+---------------------------+
 *   | rg_hdr    | kind body (fixed)    | data: strings, as sref'd  |
 *   +-----------+----------------------+---------------------------+
 *   0           sizeof(hdr)            sizeof(hdr)+sizeof(body)    hdr.size
 *
 * Rules for this file: fixed-width types only, explicit padding fields
 * that the producer zeroes, and a size assertion for every struct, so a
 * layout change breaks the build on both sides instead of decoding junk.
 * Bump RG_ABI_VERSION on any change to a layout.
 */
#ifndef RG_ABI_H
#define RG_ABI_H

#ifdef __BPF__
/* vmlinux.h provides __u8..__u64 */
#else
#include <linux/types.h>
#endif

#define RG_ABI_VERSION 11

enum rg_kind {
	RG_KIND_EXEC = 1,
	RG_KIND_FORK = 2,
	RG_KIND_EXIT = 3,
	RG_KIND_FILE = 4,
	RG_KIND_NET = 5,
	RG_KIND_SYS = 6, /* privilege and system operations; a failed exec */
	RG_KIND_MAX, /* one past the last kind (at most RG_COUNT_SLOTS) */
};

/* One CPU's counters, by kind: records the ring could not take (drops)
 * and records a kernel filter left out (filtered). A row of the `counts`
 * map (common.bpf.h), which the recorder reads through mmap. 128 bytes:
 * two CPUs' rows share no cache line. */
#define RG_COUNT_SLOTS 8
struct rg_counts {
	__u64 drops[RG_COUNT_SLOTS];
	__u64 filtered[RG_COUNT_SLOTS];
};
_Static_assert(RG_KIND_MAX <= RG_COUNT_SLOTS, "a kind without a counter slot");

/* hdr.flags: one truncation bit per bounded string, plus event bits. The
 * recorder names each in core/event.h (RG_EVENT_FLAGS): a bit added here
 * is added there too (tests/cli/test_facts.sh; decode.c asserts the bits). */
enum rg_flag {
	RG_F_EXE_TRUNC = 1u << 0,
	RG_F_ARGV_TRUNC = 1u << 1,
	RG_F_CWD_TRUNC = 1u << 2,
	RG_F_PATH_TRUNC = 1u << 3,
	RG_F_NEW_PATH_TRUNC = 1u << 4,
	RG_F_EXE_MEMFD = 1u << 5,   /* exec: the image is a memfd; exe is its name */
	RG_F_EXE_DELETED = 1u << 6, /* exec: the image was unlinked; exe is its old path */
	RG_F_SCRIPT_TRUNC = 1u << 7,
	RG_F_ENV_TRUNC = 1u << 8,   /* exec: more environment than was scanned or kept */
	RG_F_SOURCE_TRUNC = 1u << 9,
};

/* Bounds on variable data. Powers of two: the BPF side masks offsets with
 * (bound - 1) so the verifier can prove every copy stays in its buffer. */
#define RG_PATH_MAX 4096u
#define RG_ARGV_MAX 4096u
#define RG_COMM_LEN 16u
#define RG_ENV_MAX 4096u  /* exec: the allow-listed environment kept */
#define RG_ENV_SCAN 256u  /* exec: environment variables the kernel looks at */
#define RG_ENV_NAMES 16u  /* names in the allow-list ([process] env) */
#define RG_ENV_NAME_LEN 32u /* "NAME=": a name of at most 31 bytes */
#define RG_NAME_MAX 256u  /* a memfd's, module's, BPF program's or xattr's name */
/* host_mounts: a superblock's host mount point, at most this long. */
#define RG_HOSTMNT_LEN 256u
#define RG_HOSTMNT_MAX 1024u /* superblocks */

struct rg_hostmnt {
	__u32 len; /* bytes of path, 1 ("/") to RG_HOSTMNT_LEN - 1 */
	char path[RG_HOSTMNT_LEN];
};

/* Largest record a BPF program builds: header, body, and the data area. */
#define RG_RECORD_MAX 32768u

/* exec.syscall: which system call replaced the image (noted at its entry:
 * see process.bpf.h); unknown for an exec the kernel made itself. */
enum rg_exec_syscall {
	RG_SYS_UNKNOWN = 0,
	RG_SYS_EXECVE = 1,
	RG_SYS_EXECVEAT = 2,
};

struct rg_hdr {
	__u16 version;  /* RG_ABI_VERSION */
	__u16 kind;     /* enum rg_kind */
	__u32 size;     /* bytes of the whole record, header included */
	__u32 flags;    /* enum rg_flag */
	__u32 cpu;      /* CPU that produced it (drop counters are per CPU) */
	__u64 boot_ns;  /* bpf_ktime_get_boot_ns() at the event */
	__u64 start_ns; /* process identity: group leader's start_boottime */
	__u32 tgid;     /* process id */
	__u32 tid;      /* thread id */
	__u32 uid;      /* real uid */
	__u32 gid;      /* real gid */
};

/* A string in the record's data area. off is from the record start. */
struct rg_sref {
	__u16 off;
	__u16 len;
};

/* Where a process runs (ABI 6): its cgroup in the v2 hierarchy (the
 * kernfs id, which is the cgroup directory's inode number on the cgroup2
 * mount; on a hybrid host the unified one) and its namespaces (the
 * inode numbers /proc/PID/ns/NAME shows; pid is the namespace the process's
 * own pid lives in, not the one its children get). 0 when not known. */
struct rg_place {
	__u64 cgroup_id;
	__u32 pidns, mntns, netns, userns, utsns, cgroupns;
};

struct rg_exec {
	struct rg_hdr hdr;
	__u64 parent_start_ns; /* real parent's identity */
	__u32 ppid;
	__u32 euid;
	__u32 egid;
	__u32 auid;      /* loginuid; (u32)-1 when unset */
	__u32 sessionid; /* audit session; (u32)-1 when unset */
	__u32 argc;      /* arguments counted in argv (may be fewer than real) */
	__u16 syscall;   /* enum rg_exec_syscall */
	__u16 pad0;
	__u32 old_tid;   /* thread that called exec (differs from tgid when a
			  * non-leader thread exec'd) */
	char comm[RG_COMM_LEN];
	struct rg_sref exe;  /* absolute path of the new image */
	struct rg_sref argv; /* NUL-separated arguments, as in /proc/PID/cmdline */
	struct rg_sref cwd;  /* absolute working directory */
	struct rg_sref script; /* a script run through its #! line: the name the
				* caller gave (bprm->filename), else empty */
	struct rg_sref env;  /* NUL-separated NAME=value of the allow-listed
			      * environment variables, in the process's order */
	__u32 pad1;
	/* The identity of the file that ran (bprm->file, now mm->exe_file:
	 * for a script, its interpreter), as its inode had it at the exec: the
	 * recorder hashes a file only when fstat gives the same four. All 0
	 * when the kernel had no file. */
	__u64 exe_ino;
	__u64 exe_size;     /* i_size */
	__s64 exe_ctime_ns; /* the inode's change time, ns since the epoch */
	__u32 exe_dev;      /* i_sb->s_dev, the kernel's encoding (MAJOR << 20 | MINOR) */
	__u32 pad2;
	struct rg_place place; /* the process, after the exec */
	/* A #! script's own file (ABI 9): the file the kernel opened from
	 * bprm->filename before it replaced it with the interpreter, as its
	 * inode had it then. All 0 for an exec that was not a #! script, or
	 * when the kernel's hook could not be attached. */
	__u64 script_ino;
	__u64 script_size;
	__s64 script_ctime_ns;
	__u32 script_dev; /* as exe_dev */
	__u32 pad3;
};

/* file.op: what happened to the file. */
enum rg_file_op {
	RG_FOP_OPEN = 1,
	RG_FOP_WRITE = 2,   /* the first write through one open file */
	RG_FOP_RENAME = 3,
	RG_FOP_UNLINK = 4,
	RG_FOP_CHMOD = 5,
	RG_FOP_CHOWN = 6,
	RG_FOP_LINK = 7,     /* a hard link: path is the existing file, new_path the link */
	RG_FOP_SYMLINK = 8,  /* path is the target as written, new_path the link */
	RG_FOP_MKDIR = 9,
	RG_FOP_UTIMES = 10,  /* file times set */
	RG_FOP_SETXATTR = 11,
	RG_FOP_TRUNCATE = 12,
	RG_FOP_MAX,
};

/* file.syscall: the exact system call. */
enum rg_file_syscall {
	RG_FSYS_OPEN = 1, RG_FSYS_CREAT, RG_FSYS_OPENAT, RG_FSYS_OPENAT2,
	RG_FSYS_WRITE, RG_FSYS_WRITEV, RG_FSYS_PWRITE64, RG_FSYS_PWRITEV, RG_FSYS_PWRITEV2,
	RG_FSYS_RENAME, RG_FSYS_RENAMEAT, RG_FSYS_RENAMEAT2,
	RG_FSYS_UNLINK, RG_FSYS_UNLINKAT, RG_FSYS_RMDIR,
	/* writes that do not go through write(2): cp uses copy_file_range */
	RG_FSYS_COPY_FILE_RANGE, RG_FSYS_SENDFILE64, RG_FSYS_SPLICE,
	RG_FSYS_CHMOD, RG_FSYS_FCHMOD, RG_FSYS_FCHMODAT, RG_FSYS_FCHMODAT2,
	RG_FSYS_CHOWN, RG_FSYS_FCHOWN, RG_FSYS_FCHOWNAT, RG_FSYS_LCHOWN,
	RG_FSYS_LINK, RG_FSYS_LINKAT, RG_FSYS_SYMLINK, RG_FSYS_SYMLINKAT,
	RG_FSYS_MKDIR, RG_FSYS_MKDIRAT, RG_FSYS_UTIMENSAT, RG_FSYS_UTIMES, RG_FSYS_UTIME,
	RG_FSYS_FUTIMESAT,
	RG_FSYS_SETXATTR, RG_FSYS_LSETXATTR, RG_FSYS_FSETXATTR, RG_FSYS_SETXATTRAT,
	RG_FSYS_TRUNCATE, RG_FSYS_FTRUNCATE,
	RG_FSYS_MAX,
};

/* A file event. Each path is sent as (dir, name), both absolute-or-empty
 * pieces the recorder joins:
 *   - name empty: dir is the whole path, resolved from the kernel's own
 *     dentries (a successful open, a write);
 *   - name absolute: name is the path as the caller gave it;
 *   - otherwise: dir is the caller's dirfd or cwd, resolved in the kernel
 *     at the time of the call, and the path is dir + "/" + name.
 * Names are the caller's bytes, read at syscall exit (see the threat
 * model on what that means). */
struct rg_file {
	struct rg_hdr hdr;
	__s64 result;   /* the syscall's return: fd, 0, bytes, or -errno */
	__u32 flags;    /* open: O_* flags; write: the file's f_flags;
			 * rename: renameat2 flags; unlink: unlinkat flags;
			 * the *at calls' AT_* flags; setxattr: XATTR_* flags */
	__u32 mode;     /* open, mkdir: creation mode; chmod: the new mode */
	__u16 op;       /* enum rg_file_op */
	__u16 syscall;  /* enum rg_file_syscall */
	__u32 owner_uid; /* chown: the new owner, (u32)-1 for unchanged */
	__u32 owner_gid;
	__u32 pad0;
	__s64 mtime_ns;  /* utimes: the modification time set, ns since the
			  * epoch; RG_MTIME_NOW when it was "now" or left */
	struct rg_sref dir, name;         /* the path */
	struct rg_sref new_dir, new_name; /* rename, link, symlink: the new path */
	struct rg_sref xattr;             /* setxattr: the attribute's name */
	/* open, write (ABI 10): where the file lives on the host when the
	 * process reached it through a bind mount, another mount namespace
	 * or a chroot (the superblock's host mount point, then the file's
	 * path in the superblock); empty otherwise, or when the host does not
	 * mount that superblock's root (host_mounts) */
	struct rg_sref host;
};
#define RG_MTIME_NOW (-1ll) /* utimes: no time given, "now", or UTIME_OMIT */

/* net.op: what happened to the socket. */
enum rg_net_op {
	RG_NOP_CONNECT = 1, /* also the first addressed send on a UDP socket */
	RG_NOP_BIND = 2,
	RG_NOP_LISTEN = 3,
	RG_NOP_ACCEPT = 4,
	RG_NOP_DNS_QUERY = 5,  /* a message sent to port 53: dns holds its first bytes */
	RG_NOP_DNS_ANSWER = 6, /* a message received on a socket that sent one */
};

enum rg_net_syscall {
	RG_NSYS_CONNECT = 1, RG_NSYS_BIND, RG_NSYS_LISTEN, RG_NSYS_ACCEPT, RG_NSYS_ACCEPT4,
	RG_NSYS_SENDTO,
	RG_NSYS_SENDMSG, RG_NSYS_SENDMMSG, RG_NSYS_RECVFROM, RG_NSYS_RECVMSG,
	RG_NSYS_WRITE, RG_NSYS_WRITEV, RG_NSYS_READ,
	RG_NSYS_MAX,
};

/* A network event. IPv4/IPv6: addresses in network byte order (IPv4 in
 * the first 4 bytes), ports in host order. Unix-domain (when enabled): the
 * socket path in the data area, raw (an abstract name starts with NUL). */
struct rg_net {
	struct rg_hdr hdr;
	__s64 result;        /* the syscall's return: 0, an fd, bytes, or -errno */
	__u64 socket_id;     /* the socket's inode number (accept: the listener) */
	__u64 new_socket_id; /* accept: the accepted socket's inode number */
	__u16 op;            /* enum rg_net_op */
	__u16 syscall;       /* enum rg_net_syscall */
	__u16 family;        /* AF_INET (2), AF_INET6 (10), AF_UNIX (1) */
	__u16 protocol;      /* IPPROTO_TCP (6), IPPROTO_UDP (17), ... */
	__u16 local_port, remote_port;
	__u32 pad0;
	__u8 local_addr[16], remote_addr[16];
	struct rg_sref unix_path; /* AF_UNIX: the path the call named or the
				   * socket is bound to (see docs/schema.md) */
	struct rg_sref dns;       /* dns ops: the message's first RG_DNS_MAX bytes,
				   * as sent or received (TCP: with its 2-byte
				   * length prefix when the call carried it) */
};
/* Bytes of a DNS message kept: the whole of a classic UDP message, which
 * holds the question (at most 255 bytes of name) and the first answers. */
#define RG_DNS_MAX 512u
#define RG_DNS_PORT 53

/* sys.op: a privilege or system operation (one SQL table, system_events),
 * or a failed exec (a process_events row). */
enum rg_sys_op {
	RG_SOP_EXEC_FAILED = 1, /* path: the name tried; result: -errno */
	RG_SOP_CRED = 2,        /* old_ids/new_ids, old_caps/caps */
	RG_SOP_PTRACE = 3,      /* target_tgid, request */
	RG_SOP_PROC_MEM = 4,    /* an open for writing of another process's
				 * /proc/PID/mem: target_tgid, path */
	RG_SOP_MEMFD = 5,       /* name, flags */
	RG_SOP_MODULE = 6,      /* name, path (finit_module's file), flags */
	RG_SOP_BPF = 7,         /* a BPF program load: request (its type), name */
	RG_SOP_MOUNT = 8,       /* source, path (target), name (fs type), flags */
	RG_SOP_UMOUNT = 9,      /* path, flags */
	RG_SOP_NS = 10,         /* unshare: flags; setns: flags (nstype), name */
	RG_SOP_MAX,
};

enum rg_sys_syscall {
	RG_SSYS_EXECVE = 1, RG_SSYS_EXECVEAT,
	RG_SSYS_SETUID, RG_SSYS_SETGID, RG_SSYS_SETREUID, RG_SSYS_SETREGID,
	RG_SSYS_SETRESUID, RG_SSYS_SETRESGID, RG_SSYS_SETFSUID, RG_SSYS_SETFSGID,
	RG_SSYS_CAPSET,
	RG_SSYS_PTRACE, RG_SSYS_OPEN, RG_SSYS_OPENAT, RG_SSYS_OPENAT2,
	RG_SSYS_MEMFD_CREATE, RG_SSYS_INIT_MODULE, RG_SSYS_FINIT_MODULE, RG_SSYS_BPF,
	RG_SSYS_MOUNT, RG_SSYS_MOVE_MOUNT, RG_SSYS_UMOUNT, RG_SSYS_UNSHARE, RG_SSYS_SETNS,
	RG_SSYS_MAX,
};

/* The ids of a credential, in this order, in sys.old_ids and sys.new_ids. */
enum rg_cred_id { RG_ID_UID, RG_ID_EUID, RG_ID_FSUID, RG_ID_GID, RG_ID_EGID, RG_ID_FSGID,
		  RG_ID_N };

struct rg_sys {
	struct rg_hdr hdr;
	__s64 result;       /* the syscall's return: 0, an fd, or -errno */
	__u16 op;           /* enum rg_sys_op */
	__u16 syscall;      /* enum rg_sys_syscall */
	__u32 target_tgid;  /* ptrace, proc_mem: the other process (global pid) */
	__u64 target_start_ns; /* its identity, when the kernel had its task */
	__u32 flags;        /* the call's flags argument (see the ops) */
	__u32 request;      /* ptrace: the request; bpf: the program type */
	__u32 old_ids[RG_ID_N]; /* cred: before the call (enum rg_cred_id) */
	__u32 new_ids[RG_ID_N]; /* cred: after it */
	__u64 old_caps;     /* cred: effective capabilities before */
	__u64 caps;         /* cred: after */
	struct rg_sref path;   /* see the ops */
	struct rg_sref name;
	struct rg_sref source; /* mount: the source */
	__u32 pad0;
};

/* The kernel-side file filter, written by the recorder before attach.
 *
 * Prefixes live in an LPM trie: the longest stored prefix of a path wins,
 * so "/etc/ssl" excluded inside a watched "/etc" is excluded. A prefix is
 * stored with a trailing '/' and a path is looked up with one appended,
 * which makes matching component-aware ("/etc" never matches "/etcfoo").
 *
 * Name patterns become hash keys on the final path component: the exact
 * name, or the literal head or tail of a glob (a superset: "*.service"
 * is the tail ".service"). One lookup per kind and length in use, no loop
 * over patterns. The recorder applies the exact glob to what arrives. */
#define RG_PREFIX_LEN 256  /* bytes of a path the prefix filter sees */
#define RG_PREFIX_MAX 256  /* watch + exclude prefixes */
#define RG_PATTERN_MAX 128
#define RG_PATTERN_PART 32 /* bytes of a name a pattern key holds */

enum rg_prefix_action {
	RG_PREFIX_WATCH = 1,
	RG_PREFIX_EXCLUDE = 2,
	RG_PREFIX_WRITES = 3, /* only what changes files: opens for writing, creating or
			       * truncating, writes, renames, unlinks */
};

struct rg_prefix_key {
	__u32 prefixlen; /* in bits */
	__u8 data[RG_PREFIX_LEN];
};

enum rg_name_kind {
	RG_NAME_EXACT = 1, /* the whole name */
	RG_NAME_HEAD = 2,  /* the name starts with it */
	RG_NAME_TAIL = 3,  /* the name ends with it */
};

/* Unused bytes of name are zero: the hash compares the whole key. */
struct rg_name_key {
	__u8 kind; /* enum rg_name_kind */
	__u8 len;
	__u16 pad0;
	__u8 name[RG_PATTERN_PART];
};

/* A new process (not a thread): the header is the parent. */
struct rg_fork {
	struct rg_hdr hdr;
	__u64 child_start_ns;
	__u32 child_tgid;
	__u32 pad0;
	char comm[RG_COMM_LEN];
	struct rg_place child_place; /* the new process's (clone can give it new
				      * namespaces or, CLONE_INTO_CGROUP, a cgroup) */
};

/* The last thread of a process exited: the header is the process. */
struct rg_exit {
	struct rg_hdr hdr;
	__s32 exit_code; /* status passed to exit(), when not signalled */
	__u32 signal;    /* terminating signal, 0 for a normal exit */
	__u32 core;      /* 1 when a core was dumped */
	__u32 pad0;
	char comm[RG_COMM_LEN];
};

/* Compiled on both sides: clang -target bpf and the host compiler must agree. */
_Static_assert(sizeof(struct rg_hdr) == 48, "rg_hdr layout");
_Static_assert(sizeof(struct rg_sref) == 4, "rg_sref layout");
_Static_assert(sizeof(struct rg_place) == 32, "rg_place layout");
_Static_assert(sizeof(struct rg_exec) == 224, "rg_exec layout");
_Static_assert(sizeof(struct rg_fork) == 112, "rg_fork layout");
_Static_assert(sizeof(struct rg_exit) == 80, "rg_exit layout");
_Static_assert(sizeof(struct rg_file) == 112, "rg_file layout");
_Static_assert(sizeof(struct rg_sys) == 160, "rg_sys layout");
_Static_assert(sizeof(struct rg_net) == 128, "rg_net layout");
_Static_assert(sizeof(struct rg_prefix_key) == 260, "rg_prefix_key layout");
_Static_assert(sizeof(struct rg_name_key) == 36, "rg_name_key layout");
_Static_assert(RG_RECORD_MAX >= sizeof(struct rg_file) + 4 * RG_PATH_MAX,
	       "a rename record fits its bounds");
_Static_assert(RG_RECORD_MAX >= sizeof(struct rg_sys) + 3 * RG_PATH_MAX,
	       "a mount record fits its bounds");
_Static_assert(RG_RECORD_MAX >= sizeof(struct rg_exec) + 3 * RG_PATH_MAX + RG_ARGV_MAX + RG_ENV_MAX,
	  "an exec record fits its bounds");

#endif /* RG_ABI_H */
