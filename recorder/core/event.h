/* event.h: the normalized event, the one model every output reads.
 *
 * The decoder turns a raw ring-buffer record into a struct rg_event, the
 * process table enriches it, and then NDJSON, the SQLite store and the
 * rule engine all read the same struct through the same field registry
 * (fields.c). A field therefore has exactly one name: the NDJSON key, the
 * SQL column and the rule field are the registry's name.
 *
 * Strings in an event are borrowed (struct rg_str points into the raw
 * record or the process table) and valid only during dispatch; a consumer
 * that keeps an event past that copies it (the store's queue does).
 */
#ifndef RG_EVENT_H
#define RG_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rg_etype {
	RG_ET_PROCESS_START,        /* exec: a process has a new image */
	RG_ET_PROCESS_RELATIONSHIP, /* fork: a new process and its parent */
	RG_ET_PROCESS_EXIT,
	RG_ET_FILE_OPEN,
	RG_ET_FILE_WRITE,   /* the first write through one open file, per process */
	RG_ET_FILE_RENAME,
	RG_ET_FILE_UNLINK,
	RG_ET_NET_CONNECT,  /* connect, or a UDP socket's first addressed send */
	RG_ET_NET_BIND,
	RG_ET_NET_LISTEN,
	RG_ET_NET_ACCEPT,
	RG_ET_HEALTH,
	RG_ET_PROCESS_EXEC_FAILED, /* an exec that failed: the name tried */
	RG_ET_FILE_CHMOD,
	RG_ET_FILE_CHOWN,
	RG_ET_FILE_LINK,    /* a hard link: new_path is the link */
	RG_ET_FILE_SYMLINK, /* path is the target as written, new_path the link */
	RG_ET_FILE_MKDIR,
	RG_ET_FILE_UTIMES,
	RG_ET_FILE_SETXATTR,
	RG_ET_FILE_TRUNCATE,
	RG_ET_CRED_CHANGE,  /* set*id, capset */
	RG_ET_PTRACE,
	RG_ET_PROC_MEM_WRITE,
	RG_ET_MEMFD_CREATE,
	RG_ET_MODULE_LOAD,
	RG_ET_BPF_LOAD,
	RG_ET_MOUNT,
	RG_ET_UMOUNT,
	RG_ET_NAMESPACE_CHANGE, /* unshare, setns */
	RG_ET_BINARY_HASHED, /* the hash of an exec's file, after its process_start */
	RG_ET_DNS_QUERY,    /* a DNS message sent to port 53 */
	RG_ET_DNS_ANSWER,   /* a DNS message received from port 53 */
	RG_ET_COUNT,
};

/* A set of event types: bit t for type t (RG_ET_COUNT stays at most 64). */
typedef uint64_t rg_etmask;
#define RG_ET_BIT(t) ((rg_etmask)1 << (t))
#define RG_ET_PROCESS_MASK                                                     \
	(RG_ET_BIT(RG_ET_PROCESS_START) | RG_ET_BIT(RG_ET_PROCESS_RELATIONSHIP) | \
	 RG_ET_BIT(RG_ET_PROCESS_EXIT) | RG_ET_BIT(RG_ET_PROCESS_EXEC_FAILED) |   \
	 RG_ET_BIT(RG_ET_BINARY_HASHED))
/* File metadata and names: chmod, chown, link, symlink, mkdir, utimes,
 * setxattr, truncate (file_events rows like the others). */
#define RG_ET_FMETA_MASK                                                       \
	(RG_ET_BIT(RG_ET_FILE_CHMOD) | RG_ET_BIT(RG_ET_FILE_CHOWN) |            \
	 RG_ET_BIT(RG_ET_FILE_LINK) | RG_ET_BIT(RG_ET_FILE_SYMLINK) |           \
	 RG_ET_BIT(RG_ET_FILE_MKDIR) | RG_ET_BIT(RG_ET_FILE_UTIMES) |           \
	 RG_ET_BIT(RG_ET_FILE_SETXATTR) | RG_ET_BIT(RG_ET_FILE_TRUNCATE))
#define RG_ET_FILE_MASK                                                        \
	(RG_ET_BIT(RG_ET_FILE_OPEN) | RG_ET_BIT(RG_ET_FILE_WRITE) |             \
	 RG_ET_BIT(RG_ET_FILE_RENAME) | RG_ET_BIT(RG_ET_FILE_UNLINK) | RG_ET_FMETA_MASK)
/* Privilege and system operations (system_events rows). */
#define RG_ET_SYS_MASK                                                         \
	(RG_ET_BIT(RG_ET_CRED_CHANGE) | RG_ET_BIT(RG_ET_PTRACE) |               \
	 RG_ET_BIT(RG_ET_PROC_MEM_WRITE) | RG_ET_BIT(RG_ET_MEMFD_CREATE) |      \
	 RG_ET_BIT(RG_ET_MODULE_LOAD) | RG_ET_BIT(RG_ET_BPF_LOAD) |             \
	 RG_ET_BIT(RG_ET_MOUNT) | RG_ET_BIT(RG_ET_UMOUNT) |                     \
	 RG_ET_BIT(RG_ET_NAMESPACE_CHANGE))
/* DNS messages are network events (network_events rows): they carry the
 * socket's fields too. */
#define RG_ET_DNS_MASK (RG_ET_BIT(RG_ET_DNS_QUERY) | RG_ET_BIT(RG_ET_DNS_ANSWER))
#define RG_ET_NET_MASK                                                         \
	(RG_ET_BIT(RG_ET_NET_CONNECT) | RG_ET_BIT(RG_ET_NET_BIND) |             \
	 RG_ET_BIT(RG_ET_NET_LISTEN) | RG_ET_BIT(RG_ET_NET_ACCEPT) | RG_ET_DNS_MASK)

/* Bytes with a length: not NUL-terminated, may hold any byte. p == NULL
 * means "unknown" and is written as null. */
struct rg_str {
	const char *p;
	uint32_t len;
};

/* ev.flags: truncation of bounded strings, and where an exec's image came
 * from. The bits are the kernel's (bpf/rg_abi.h, enum rg_flag), which this
 * side may not include: X(NAME, bit) here gives RG_EF_NAME, daemon/decode.c
 * asserts RG_EF_NAME == RG_F_NAME for each at compile time, and
 * tests/cli/test_facts.sh that both lists name the same flags. */
#define RG_EVENT_FLAGS(X)                                                         \
	X(EXE_TRUNC, 0)                                                            \
	X(ARGV_TRUNC, 1)                                                           \
	X(CWD_TRUNC, 2)                                                            \
	X(PATH_TRUNC, 3)                                                           \
	X(NEW_PATH_TRUNC, 4)                                                       \
	X(EXE_MEMFD, 5)   /* exe is a memfd's name, not a path */                  \
	X(EXE_DELETED, 6) /* exe was unlinked before the exec */                  \
	X(SCRIPT_TRUNC, 7)                                                         \
	X(ENV_TRUNC, 8)   /* more environment than was scanned or kept */          \
	X(SOURCE_TRUNC, 9)

enum rg_eflag {
#define RG_EFLAG(name, bit) RG_EF_##name = 1u << (bit),
	RG_EVENT_FLAGS(RG_EFLAG)
#undef RG_EFLAG
};
#define RG_EF_EXE_ORIGIN (RG_EF_EXE_MEMFD | RG_EF_EXE_DELETED)

struct rg_event {
	enum rg_etype type;
	uint32_t flags;
	uint64_t seq;     /* store-wide, strictly increasing */
	int64_t ts_ns;    /* wall clock, ns since the Unix epoch */
	uint64_t boot_ns; /* kernel boot-time clock, as recorded */

	/* The acting process. proc_id 0 means not (yet) known. */
	int64_t proc_id;
	uint32_t pid, tid, uid, gid;
	int64_t parent_proc_id;
	uint32_t ppid;
	struct rg_str comm, exe, cwd;
	struct rg_str argv;    /* NUL-separated, exactly as the kernel had it */
	uint32_t argc;
	uint32_t euid, egid, auid, sessionid;
	const char *syscall; /* "execve", "openat", ...; NULL = unknown */

	/* process_start: a script run through its interpreter (its #! line, or
	 * named as the interpreter's argument), absolute; the allow-listed
	 * environment, NUL-separated NAME=value */
	struct rg_str script, env;

	/* process_start, binary_hashed: the file that ran (for a script, its
	 * interpreter), as the kernel's inode had it (exe_dev as stat's
	 * st_dev), and its SHA-256 in hex once known; hash_status says why
	 * there is none ("ok", "too_large", ...: hasher.h), NULL when the
	 * hash is still to come */
	uint64_t exe_dev, exe_ino, exe_size;
	int64_t exe_ctime_ns;
	struct rg_str exe_sha256;
	const char *hash_status;
	/* process_start, binary_hashed: the script's own file, the same way:
	 * its identity where the kernel opened it (a #! script; for an
	 * interpreter's script argument only on binary_hashed, as the hasher
	 * found it by name), its SHA-256 and script_hash_status (hasher.h;
	 * "by_path" for a script hashed by its name alone) */
	uint64_t script_dev, script_ino, script_size;
	int64_t script_ctime_ns;
	struct rg_str script_sha256;
	const char *script_hash_status;
	/* process_start: who (names of the ids as the passwd and group files
	 * had them then; login_user "unset" for auid (u32)-1; the origin a
	 * sudo or SSH session left in the environment) and where (the v2
	 * cgroup, the container its path names, the namespaces' inode
	 * numbers). See struct rg_who. */
	struct rg_who {
		struct rg_str user, euser, group, login_user;
		struct rg_str sudo_user, ssh_client;
		uint32_t ssh_client_port; /* 0: none */
		uint64_t cgroup_id;       /* 0: unknown */
		struct rg_str cgroup_path, container_id;
		const char *container_runtime; /* a static name, NULL: none */
		uint32_t pidns, mntns, netns, userns, utsns, cgroupns;
	} who;

	/* file_*: absolute paths (new_path: rename's, link's target);
	 * host_path: file_open, file_write: where the file lives on the host,
	 * when the process reached it by another path (a bind mount, another
	 * mount namespace, a chroot) */
	struct rg_str path, new_path, host_path;
	uint32_t fflags;  /* "flags": open flags, renameat2/unlinkat flags */
	uint32_t mode;    /* open, mkdir: creation mode; chmod: the new mode */
	int64_t result;   /* the syscall's return value: fd, 0, bytes or -errno */
	uint32_t owner_uid, owner_gid; /* chown */
	int64_t mtime_ns;              /* utimes; negative: "now" (null) */
	struct rg_str xattr_name;      /* setxattr */

	/* system events */
	uint32_t target_pid;     /* ptrace, proc_mem_write: the other process */
	int64_t target_proc_id;
	uint32_t ptrace_request;
	uint32_t bpf_prog_type;
	struct rg_str name;      /* memfd, module, BPF program, namespace */
	struct rg_str source;    /* mount */
	struct rg_str fstype;    /* mount */
	uint32_t fsuid, fsgid;   /* cred_change: after (uid, gid, euid, egid too) */
	uint32_t old_uid, old_euid, old_fsuid, old_gid, old_egid, old_fsgid;
	uint64_t cap_effective, old_cap_effective;

	/* network_*: addresses as text ("127.0.0.1", "::1"), ports host order */
	const char *family;   /* "ipv4", "ipv6" */
	const char *protocol; /* "tcp", "udp", ...; NULL = unknown number */
	struct rg_str local_addr, remote_addr;
	uint32_t local_port, remote_port;
	uint64_t socket_id, new_socket_id;
	/* network_connect: the name a recent DNS answer gave for remote_addr */
	struct rg_str remote_hostname;

	/* dns_*: the first question's name and type; an answer's rcode and
	 * A/AAAA addresses (text, separated by spaces) */
	struct rg_str dns_query;
	const char *dns_type;
	int64_t dns_rcode; /* -1: no answer could be read */
	struct rg_str dns_answers;

	/* process_relationship */
	int64_t child_proc_id;
	uint32_t child_pid;

	/* process_exit */
	int32_t exit_code;
	uint32_t signal;
	bool core_dumped;
};

const char *rg_etype_name(enum rg_etype t);
/* Returns the type named s, or -1. */
int rg_etype_parse(const char *s);

#endif /* RG_EVENT_H */
