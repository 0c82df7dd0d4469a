/* decode.h: raw ring-buffer record -> struct rg_event.
 *
 * The kernel is trusted to be correct, but a record is checked as if it
 * were not: a version, kind or size mismatch (an old object against a new
 * recorder, a bug, memory corruption) is counted and dropped, never read
 * past its end.
 */
#ifndef RG_DECODE_H
#define RG_DECODE_H

#include <netinet/in.h>
#include <stddef.h>

#include "buf.h"
#include "dns.h"
#include "event.h"

enum rg_decode_rc {
	RG_DECODE_OK = 0,
	RG_DECODE_INVALID,     /* malformed: counted in events_invalid */
	RG_DECODE_UNSUPPORTED, /* well-formed, unknown kind: events_unsupported */
};

/* Identity of the processes an event names, which the process table needs
 * and the event model does not carry (it carries proc_ids instead). */
struct rg_ids {
	uint64_t start_boot_ns;        /* the acting process */
	uint64_t parent_start_boot_ns; /* exec: the real parent */
	uint64_t child_start_boot_ns;  /* fork: the new process */
	struct rg_who child_place;     /* fork: its cgroup id and namespaces */
	uint32_t old_tid;              /* exec: the thread that called exec */
	uint64_t target_start_boot_ns; /* ptrace, proc_mem_write: the other
					* process, when the kernel knew it */
};

/* Where a file event's paths are joined from the kernel's (dir, name)
 * pieces (see rg_abi.h); reused from record to record. */
struct rg_pathbufs {
	struct rg_buf path, new_path, script;
	char local_addr[128], remote_addr[128]; /* network addresses as text, or
						   * a unix socket path */
	struct rg_dns_msg dns;                  /* a DNS message, parsed */
	char dns_type[RG_DNS_TYPE_TEXT];
	char dns_answers[RG_DNS_ADDRS_MAX * (INET6_ADDRSTRLEN + 1)];
};

/* Decodes size bytes at data into ev and ids. Strings in ev point into data
 * or pb (copy before either is reused). Fields not set by the record are
 * zero; seq, ts_ns and the proc_ids are the caller's to fill. */
enum rg_decode_rc rg_decode(const void *data, size_t size, struct rg_event *ev,
			    struct rg_ids *ids, struct rg_pathbufs *pb);

/* Calls fn with each syscall name a record can carry (the `syscall`
 * field's values): the Sigma mapping's list is checked against these. */
void rg_decode_syscalls(void (*fn)(const char *name, void *arg), void *arg);

#endif /* RG_DECODE_H */
