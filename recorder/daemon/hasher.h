/* hasher.h: the SHA-256 of every file that runs, off the event's path.
 *
 * A process_start carries the identity of the file that ran, from the
 * kernel's inode (device, inode, size, change time). The recorder thread
 * looks that identity up in a bounded cache it alone touches:
 *
 *   - known: the event gets exe_sha256 (or the verdict, e.g. too_large)
 *     at once, and nothing else happens: a binary run a million times is
 *     read once;
 *   - unknown: a job goes on a bounded queue (if the per-second budget
 *     and the queue allow; else the verdict is over_budget), the event
 *     leaves without a hash, and the hashing thread's answer comes back
 *     through rg_hasher_take, which the pipeline turns into a
 *     binary_hashed event of the process that ran it.
 *
 * The thread opens /proc/PID/exe while the process lives (the very file,
 * even when its name was unlinked or replaced since), else the recorded
 * path, and hashes it only when fstat gives the kernel's identity. Races
 * it cannot close (docs/schema.md, "Executable hashes"): the process can
 * exit and its file be removed before the thread opens it (gone), or the
 * path can name another file by then (changed). Of the recorder's
 * threads it alone keeps a capability after attach: CAP_SYS_PTRACE, which
 * opening another process's /proc/PID/exe needs.
 */
#ifndef RG_HASHER_H
#define RG_HASHER_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"

struct rg_hash_id {
	uint64_t dev, ino, size; /* dev as stat's st_dev */
	int64_t ctime_ns;
};

/* Why a file has (or has no) hash: the text of hash_status. */
#define RG_HASH_STATUSES(X)                                                    \
	X(OK, "ok")                   /* exe_sha256 is the file's */          \
	X(BY_PATH, "by_path")         /* a script named to its interpreter:   \
					 the file its name gave when read */     \
	X(GONE, "gone")               /* neither the process nor the path had it */ \
	X(CHANGED, "changed")         /* the path names another file now, or it \
					 changed while read */                  \
	X(TOO_LARGE, "too_large")     /* larger than [hash] max_size_mb */     \
	X(OVER_BUDGET, "over_budget") /* past max_per_second or the queue */   \
	X(ERROR, "error")             /* not a regular file, or a read failed */

enum rg_hash_status {
#define RG_HS_ENUM(name, text) RG_HS_##name,
	RG_HASH_STATUSES(RG_HS_ENUM)
#undef RG_HS_ENUM
	RG_HS_COUNT,
};

const char *rg_hash_status_name(enum rg_hash_status s);

/* Whether fstat's st (a struct stat) is the file id describes: a
 * regular file with its device, inode and size, and (ctime) change time. */
struct stat;
bool rg_hash_id_matches(const struct rg_hash_id *id, const struct stat *st, bool ctime);

/* A script named to its interpreter: no kernel record says which file it
 * read. Hashes the file the name gives now (through /proc/PID/root while
 * pid lives, so a name from another mount namespace or chroot resolves as
 * the process saw it), whose identity goes to *id; RG_HS_BY_PATH with hex
 * when read whole and unchanged. */
enum rg_hash_status rg_hash_path(uint32_t pid, const char *path, uint64_t max_size,
				 struct rg_hash_id *id, char hex[65]);

/* Hashes the file that ran: /proc/PID/exe when pid is not 0 and names it,
 * else path (when not NULL). hex gets 64 hex digits on RG_HS_OK. Blocking:
 * the hashing thread's work, and the unit tests'. */
enum rg_hash_status rg_hash_file(uint32_t pid, const char *path, const struct rg_hash_id *id,
				 uint64_t max_size, char hex[65]);

struct rg_hasher_opts {
	uint64_t max_size;   /* bytes */
	unsigned per_second; /* files queued per second at most */
	unsigned cache_max;  /* identities remembered */
	bool no_thread;      /* tests: jobs wait until rg_hasher_run_one */
};

struct rg_hasher_stats {
	uint64_t hits, queued, over_budget, hashed, bytes, evictions;
};

/* Starts the hashing thread, which drops every capability but
 * CAP_SYS_PTRACE as it starts: call it before the caller drops its own.
 * Never NULL (alloc.h). */
struct rg_hasher *rg_hasher_new(const struct rg_hasher_opts *o);
/* Stops the thread (a file being read is finished first) and frees all. */
void rg_hasher_free(struct rg_hasher *h);

/* On a process_start with an identity (exe_ino != 0): fills exe_sha256
 * and hash_status when the cache knows the file (strings valid until the
 * next call), or queues it. The same for its script: script_sha256 and
 * script_hash_status by the identity the kernel gave (a #! script), else
 * a job by name (an interpreter's argument: by_path, within the budget,
 * its verdict always a binary_hashed event). mono_ns: the monotonic
 * clock, for the budget. */
void rg_hasher_exec(struct rg_hasher *h, struct rg_event *ev, uint64_t start_boot_ns,
		    int64_t mono_ns);

struct rg_hash_result {
	int64_t proc_id;
	uint32_t pid;
	uint64_t start_boot_ns;
	struct rg_hash_id id;
	enum rg_hash_status status;
	char hex[65];
	const char *exe; /* the path at the exec; valid until the next take */
	const char *script; /* not NULL: the verdict is on this script, not exe */
};

/* The next verdict to report (a finished hash, or an over_budget), true;
 * false when there is none now. The cache learns it here. */
bool rg_hasher_take(struct rg_hasher *h, struct rg_hash_result *r);

/* Tests without the thread: hashes the oldest waiting job; false if none. */
bool rg_hasher_run_one(struct rg_hasher *h);

void rg_hasher_stats(struct rg_hasher *h, struct rg_hasher_stats *st);

#endif /* RG_HASHER_H */
