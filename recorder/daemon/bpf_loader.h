/* bpf_loader.h: loads and attaches the BPF programs and reads the ring.
 *
 * The one place that knows libbpf and the skeleton; the rest of the
 * recorder sees records as bytes and drops as numbers.
 */
#ifndef RG_BPF_LOADER_H
#define RG_BPF_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pathmatch.h"
#include "rg_abi.h"

struct rg_bpf;

struct rg_bpf_opts {
	uint32_t ring_buffer_mb; /* power of two */
	uint32_t wakeup_kb;
	uint32_t self_tgid;      /* filtered in the kernel */
	int verbose;             /* print libbpf's debug output */
	/* file family: NULL leaves its programs unloaded */
	const struct rg_pathmatch *files;
	/* network family: space-separated hooks to load (connect bind listen
	 * accept send); NULL leaves them all unloaded */
	const char *net_hooks;
	bool net_unix;           /* unix-domain sockets too */
	/* exec: the environment variables kept, separated by spaces or
	 * commas (checked by the config loader); NULL or "" for none */
	const char *env_names;
};

/* What this kernel offers the programs, read from its BTF (no program is
 * loaded, root is not needed). Linux 5.8 is the floor. */
struct rg_bpf_kernel {
	unsigned lacks;      /* the features with a fallback it lacks: bit i for
			      * fallbacks[i] of bpf_loader.c; 0 for none */
	const char *missing; /* the features with no fallback it lacks, as
			      * "the BPF ring buffer (Linux 5.8+)"; NULL when
			      * none */
	bool dns_sock;       /* DNS over write, writev and read from the socket's
			      * send and receive tracepoints (Linux 6.3+), not
			      * those calls' exits */
};

/* Probes the kernel. Returns 0, or -1 with a one-line message in err
 * when the kernel's BTF cannot be read. */
int rg_bpf_probe_kernel(struct rg_bpf_kernel *k, char *err, size_t errlen);

/* The fallbacks k needs, as one line ("none" when none); returns buf. */
const char *rg_bpf_fallbacks(const struct rg_bpf_kernel *k, char *buf, size_t n);

/* The tracepoints the programs use that this kernel lacks (the x86-only
 * legacy calls elsewhere, module loads without modules), space-separated
 * in buf ("" when none): their calls are not recorded. Opens the object
 * but loads nothing. Returns 0 or -errno. */
int rg_bpf_missing_tracepoints(char *buf, size_t n);

/* Called for every record; data is read-only and valid during the call. */
typedef void (*rg_record_fn)(void *ctx, const void *data, size_t size);

/* Opens, configures, loads and attaches everything. Programs are attached
 * but records wait in the ring until the first rg_bpf_poll, so the caller
 * can scan /proc in between without a window of missed forks. On failure
 * returns NULL, a one-line message in err, and *exit_code: 3 when the
 * cause is privileges or missing kernel support, 1 otherwise. */
struct rg_bpf *rg_bpf_start(const struct rg_bpf_opts *o, rg_record_fn fn, void *ctx,
			    char *err, size_t errlen, int *exit_code);

/* Waits up to timeout_ms for a wakeup, then drains the ring (records are
 * submitted without wakeups below the fill threshold, so draining on the
 * timer is what normally delivers them), for round_ms at most: a producer
 * faster than the reader never lets the ring run empty, and the caller's
 * periodic work (health and gap rows) must still happen. Returns records
 * read or -errno; a round that ran out of time returns having read some. */
int rg_bpf_poll(struct rg_bpf *b, int timeout_ms, int round_ms);

/* Replaces the file filter's prefixes, filled from old, by now's (same
 * patterns: the name keys' rodata cannot change after load) while the
 * programs run, and retires the directory verdict cache. Returns 0 or
 * -errno (the filter may then hold a mix of both). */
int rg_bpf_refilter(struct rg_bpf *b, const struct rg_pathmatch *old,
		    const struct rg_pathmatch *now);

/* Detaches every program: no record is queued after it returns, while
 * what the ring holds can still be read with rg_bpf_poll. */
void rg_bpf_detach(struct rg_bpf *b);

/* Total records the kernel failed to queue (full ring), summed over CPUs;
 * per_kind (may be NULL) receives the totals per enum rg_kind. */
uint64_t rg_bpf_drops(struct rg_bpf *b, uint64_t per_kind[RG_KIND_MAX]);
/* Runs the kernel skipped of the programs that send records (their
 * recursion_misses; Linux 6.7+ for tracepoint programs, 0 before): an
 * upper bound on the records lost that way (bpf_loader.c says why). */
uint64_t rg_bpf_skipped(struct rg_bpf *b);
/* Total records the kernel's filters chose not to send (unix sockets). */
uint64_t rg_bpf_filtered(struct rg_bpf *b);
/* The errno of the first program info read that failed (0: none has):
 * skipped runs are then not counted, and the recorder says so. */
int rg_bpf_counter_errno(const struct rg_bpf *b);

void rg_bpf_stop(struct rg_bpf *b);

#endif /* RG_BPF_LOADER_H */
