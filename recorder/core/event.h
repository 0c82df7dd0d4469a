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
	RG_ET_COUNT,
};

#define RG_ET_BIT(t) (1u << (t))
#define RG_ET_PROCESS_MASK                                                     \
	(RG_ET_BIT(RG_ET_PROCESS_START) | RG_ET_BIT(RG_ET_PROCESS_RELATIONSHIP) | \
	 RG_ET_BIT(RG_ET_PROCESS_EXIT))
#define RG_ET_FILE_MASK                                                        \
	(RG_ET_BIT(RG_ET_FILE_OPEN) | RG_ET_BIT(RG_ET_FILE_WRITE) |             \
	 RG_ET_BIT(RG_ET_FILE_RENAME) | RG_ET_BIT(RG_ET_FILE_UNLINK))
#define RG_ET_NET_MASK                                                         \
	(RG_ET_BIT(RG_ET_NET_CONNECT) | RG_ET_BIT(RG_ET_NET_BIND) |             \
	 RG_ET_BIT(RG_ET_NET_LISTEN) | RG_ET_BIT(RG_ET_NET_ACCEPT))

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
	X(EXE_DELETED, 6) /* exe was unlinked before the exec */

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

	/* file_*: absolute paths (new_path: rename's target) */
	struct rg_str path, new_path;
	uint32_t fflags;  /* "flags": open flags, renameat2/unlinkat flags */
	uint32_t mode;    /* open: creation mode */
	int64_t result;   /* the syscall's return value: fd, 0, bytes or -errno */

	/* network_*: addresses as text ("127.0.0.1", "::1"), ports host order */
	const char *family;   /* "ipv4", "ipv6" */
	const char *protocol; /* "tcp", "udp", ...; NULL = unknown number */
	struct rg_str local_addr, remote_addr;
	uint32_t local_port, remote_port;
	uint64_t socket_id, new_socket_id;

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
