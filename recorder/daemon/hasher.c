/* hasher.c: executable hashes on a thread of their own (hasher.h). */
#include "hasher.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "caps.h"
#include "sha256.h"
#include "table.h"

/* Jobs waiting, being hashed and answered but not yet taken, at most. */
#define QUEUE_MAX 256u
#define READ_CHUNK (256u * 1024u)

static const char *const status_names[RG_HS_COUNT] = {
#define RG_HS_NAME(name, text) [RG_HS_##name] = text,
	RG_HASH_STATUSES(RG_HS_NAME)
#undef RG_HS_NAME
};

const char *rg_hash_status_name(enum rg_hash_status s)
{
	return (unsigned)s < RG_HS_COUNT ? status_names[s] : "error";
}

bool rg_hash_id_matches(const struct rg_hash_id *id, const struct stat *st, bool ctime)
{
	return S_ISREG(st->st_mode) && (uint64_t)st->st_dev == id->dev &&
	       (uint64_t)st->st_ino == id->ino && (uint64_t)st->st_size == id->size &&
	       (!ctime ||
		(int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec == id->ctime_ns);
}

/* Opens name and keeps it when it is the file id names (by_path: the
 * change time must match too). *st: GONE stays when there is no such
 * name (or, for /proc/PID/exe, no access to it), CHANGED when it is
 * another file, ERROR when a path could not be opened otherwise (a worse
 * verdict is not overwritten). */
static int open_same(const char *name, const struct rg_hash_id *id, bool by_path,
		     enum rg_hash_status *st)
{
	struct stat sb;
	/* O_NONBLOCK: a path replaced by a FIFO must not hang the thread */
	int fd = open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (by_path && errno != ENOENT && errno != ENOTDIR && *st == RG_HS_GONE)
			*st = RG_HS_ERROR;
		return -1;
	}
	if (fstat(fd, &sb) == 0 && rg_hash_id_matches(id, &sb, by_path))
		return fd;
	close(fd);
	*st = RG_HS_CHANGED;
	return -1;
}

/* Reads fd to its end into the digest; the file must still be id after. */
static enum rg_hash_status hash_fd(int fd, const struct rg_hash_id *id, bool ctime, char hex[65])
{
	struct rg_sha256 h;
	char *buf = rg_malloc(READ_CHUNK);
	uint64_t total = 0;
	ssize_t n;
	struct stat sb;

	rg_sha256_init(&h);
	while ((n = read(fd, buf, READ_CHUNK)) > 0 || (n < 0 && errno == EINTR)) {
		if (n > 0) {
			rg_sha256_add(&h, buf, (size_t)n);
			total += (uint64_t)n;
		}
	}
	free(buf);
	if (n < 0) {
		rg_sha256_drop(&h);
		return RG_HS_ERROR;
	}
	if (total != id->size || fstat(fd, &sb) || !rg_hash_id_matches(id, &sb, ctime)) {
		rg_sha256_drop(&h);
		return RG_HS_CHANGED;
	}
	rg_sha256_hex(&h, hex);
	return RG_HS_OK;
}

enum rg_hash_status rg_hash_file(uint32_t pid, const char *path, const struct rg_hash_id *id,
				 uint64_t max_size, char hex[65])
{
	enum rg_hash_status st = RG_HS_GONE;
	char proc[32];
	int fd = -1;
	bool ctime = false;

	if (id->size > max_size)
		return RG_HS_TOO_LARGE;
	/* /proc/PID/exe is the process's mm->exe_file, the very file the
	 * exec opened, whatever became of its name: device, inode and size
	 * suffice. Its change time moves when it is unlinked, renamed or
	 * chmod'ed after the exec, which the process's file survives; its
	 * bytes cannot change while it runs (the kernel refuses writes to a
	 * running image: ETXTBSY). A path may name any file by now: all four.
	 * /proc/PID/exe fails when the thread could not keep CAP_SYS_PTRACE
	 * (the recorder started without it): the path is tried then. */
	if (pid) {
		snprintf(proc, sizeof(proc), "/proc/%u/exe", pid);
		fd = open_same(proc, id, false, &st);
	}
	if (fd < 0 && path && path[0] == '/') {
		ctime = true;
		fd = open_same(path, id, true, &st);
	}
	if (fd < 0)
		return st;
	st = hash_fd(fd, id, ctime, hex);
	close(fd);
	return st;
}

/* Opens path as the process pid sees it: through /proc/PID/root while it
 * lives (its root and mounts), else (gone, or no access) as the recorder
 * does. */
static int open_as(uint32_t pid, const char *path)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
	char proc[64 + 4096];
	if (pid && (size_t)snprintf(proc, sizeof(proc), "/proc/%u/root%s", pid, path) <
			   sizeof(proc)) {
		int fd = open(proc, flags);
		if (fd >= 0)
			return fd;
	}
	return open(path, flags);
}

enum rg_hash_status rg_hash_path(uint32_t pid, const char *path, uint64_t max_size,
				 struct rg_hash_id *id, char hex[65])
{
	struct stat sb;
	*id = (struct rg_hash_id){0};
	if (!path || path[0] != '/')
		return RG_HS_GONE;
	int fd = open_as(pid, path);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? RG_HS_GONE : RG_HS_ERROR;
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		close(fd);
		return RG_HS_ERROR;
	}
	*id = (struct rg_hash_id){(uint64_t)sb.st_dev, (uint64_t)sb.st_ino, (uint64_t)sb.st_size,
				  (int64_t)sb.st_ctim.tv_sec * 1000000000 + sb.st_ctim.tv_nsec};
	enum rg_hash_status st = RG_HS_TOO_LARGE;
	if (id->size <= max_size)
		st = hash_fd(fd, id, true, hex);
	close(fd);
	return st == RG_HS_OK ? RG_HS_BY_PATH : st;
}

/* ---- the queue and the thread -------------------------------------------- */

/* What a job hashes: the image that ran, a #! script the kernel opened
 * (by identity), or a script named to its interpreter (by name). */
enum job_kind { JOB_EXE, JOB_SCRIPT, JOB_SCRIPT_PATH };

/* The thread's last verdicts on scripts hashed by name, by the identity
 * fstat gave: a script run again unchanged is opened, not read. */
#define PATH_MEMO 64u

struct job {
	struct job *next;
	int64_t proc_id;
	uint32_t pid;
	uint64_t start_boot_ns;
	struct rg_hash_id id;
	char *exe, *script;
	enum job_kind kind;
	enum rg_hash_status status;
	char hex[65];
};

struct fifo {
	struct job *head, *tail;
};

static void fifo_push(struct fifo *f, struct job *j)
{
	j->next = NULL;
	if (f->tail)
		f->tail->next = j;
	else
		f->head = j;
	f->tail = j;
}

static struct job *fifo_pop(struct fifo *f)
{
	struct job *j = f->head;
	if (j && !(f->head = j->next))
		f->tail = NULL;
	return j;
}

/* A remembered verdict; PENDING while its job is out. */
struct centry {
	struct rg_table_link link;
	struct rg_hash_id id;
	bool pending;
	enum rg_hash_status status;
	char hex[65];
};

struct rg_hasher {
	struct rg_hasher_opts o;
	/* the recorder thread's alone */
	struct rg_table cache;
	double tokens;
	int64_t tokens_ns;
	struct job *taken; /* freed at the next take */
	uint64_t hits, queued, over_budget;
	/* shared with the thread, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct fifo jobs, done;
	unsigned outstanding; /* jobs pushed and not yet taken back */
	uint64_t hashed, bytes;
	bool stop;
	pthread_t thread;
	bool started;
	/* the thread's alone (or run_one's, without it) */
	struct {
		struct rg_hash_id id;
		char hex[65];
	} memo[PATH_MEMO];
	unsigned memo_next;
};

static bool id_equal(const struct rg_hash_id *a, const struct rg_hash_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->ctime_ns == b->ctime_ns;
}

/* A script by name: the memo answers when the file the name gives is one
 * read before (same identity); else it is read, and remembered. */
static enum rg_hash_status run_path_job(struct rg_hasher *h, struct job *j)
{
	struct stat sb;
	int fd = j->script[0] == '/' ? open_as(j->pid, j->script) : -1;
	if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		struct rg_hash_id id = {(uint64_t)sb.st_dev, (uint64_t)sb.st_ino,
					(uint64_t)sb.st_size,
					(int64_t)sb.st_ctim.tv_sec * 1000000000 + sb.st_ctim.tv_nsec};
		for (unsigned i = 0; i < PATH_MEMO; i++)
			if (h->memo[i].id.ino && id_equal(&h->memo[i].id, &id)) {
				close(fd);
				j->id = id;
				memcpy(j->hex, h->memo[i].hex, sizeof(j->hex));
				return RG_HS_BY_PATH;
			}
	}
	if (fd >= 0)
		close(fd);
	enum rg_hash_status st = rg_hash_path(j->pid, j->script, h->o.max_size, &j->id, j->hex);
	if (st == RG_HS_BY_PATH) {
		h->memo[h->memo_next].id = j->id;
		memcpy(h->memo[h->memo_next].hex, j->hex, sizeof(j->hex));
		h->memo_next = (h->memo_next + 1) % PATH_MEMO;
	}
	return st;
}

static void run_job(struct rg_hasher *h, struct job *j)
{
	if (j->kind == JOB_SCRIPT_PATH)
		j->status = run_path_job(h, j);
	else if (j->kind == JOB_SCRIPT) /* no /proc/PID/exe for it: its name */
		j->status = rg_hash_file(0, j->script, &j->id, h->o.max_size, j->hex);
	else
		j->status = rg_hash_file(j->pid, j->exe, &j->id, h->o.max_size, j->hex);
	pthread_mutex_lock(&h->mu);
	if (j->status == RG_HS_OK || j->status == RG_HS_BY_PATH) {
		h->hashed++;
		h->bytes += j->id.size;
	}
	fifo_push(&h->done, j);
	pthread_mutex_unlock(&h->mu);
}

static void *worker(void *arg)
{
	struct rg_hasher *h = arg;
	pthread_setname_np(pthread_self(), "rg-hasher"); /* for top -H, ps -L */
	/* CAP_SYS_PTRACE alone: /proc/PID/exe of a process whose
	 * capabilities are not a subset of this thread's, or of another uid,
	 * opens only with it (cap_ptrace_access_check), and without it a file
	 * unlinked after its exec could not be read at all. Nothing else: the
	 * bounding set goes, no_new_privs is set (caps.h). */
	rg_caps_drop(1ull << CAP_SYS_PTRACE);
	pthread_mutex_lock(&h->mu);
	while (!h->stop) {
		struct job *j = fifo_pop(&h->jobs);
		if (!j) {
			pthread_cond_wait(&h->cv, &h->mu);
			continue;
		}
		pthread_mutex_unlock(&h->mu);
		run_job(h, j);
		pthread_mutex_lock(&h->mu);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

struct rg_hasher *rg_hasher_new(const struct rg_hasher_opts *o)
{
	struct rg_hasher *h = rg_calloc(1, sizeof(*h));
	h->o = *o;
	h->tokens = o->per_second;
	rg_table_init(&h->cache, o->cache_max);
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	if (!o->no_thread && pthread_create(&h->thread, NULL, worker, h) == 0)
		h->started = true;
	return h;
}

static void free_jobs(struct fifo *f)
{
	for (struct job *j; (j = fifo_pop(f));) {
		free(j->exe);
		free(j->script);
		free(j);
	}
}

static void free_entry(struct rg_table_link *l)
{
	free(RG_TABLE_ENTRY(l, struct centry, link));
}

void rg_hasher_free(struct rg_hasher *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	h->stop = true;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
	if (h->started)
		pthread_join(h->thread, NULL);
	free_jobs(&h->jobs);
	free_jobs(&h->done);
	if (h->taken) {
		free(h->taken->exe);
		free(h->taken->script);
		free(h->taken);
	}
	rg_table_fini(&h->cache, free_entry);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	free(h);
}

bool rg_hasher_run_one(struct rg_hasher *h)
{
	pthread_mutex_lock(&h->mu);
	struct job *j = fifo_pop(&h->jobs);
	pthread_mutex_unlock(&h->mu);
	if (j)
		run_job(h, j);
	return j != NULL;
}

/* ---- the cache (the recorder thread's) ------------------------------------ */

static uint64_t id_key(const struct rg_hash_id *id)
{
	uint64_t k = id->ino * 0x9e3779b97f4a7c15ull;
	k ^= (id->dev + 0x7f4a7c15ull) * 0xbf58476d1ce4e5b9ull;
	k ^= ((uint64_t)id->ctime_ns ^ id->size) * 0x94d049bb133111ebull;
	return k ^ (k >> 31);
}

static struct centry *cache_find(struct rg_hasher *h, const struct rg_hash_id *id)
{
	for (struct rg_table_link *l = rg_table_find(&h->cache, id_key(id)); l; l = rg_table_next(l)) {
		struct centry *e = RG_TABLE_ENTRY(l, struct centry, link);
		if (!memcmp(&e->id, id, sizeof(*id)))
			return e;
	}
	return NULL;
}

/* All entries have one rank: the table's order among them is the order
 * of insert or requeue, so the least recently run goes first. */
static struct centry *cache_add(struct rg_hasher *h, const struct rg_hash_id *id)
{
	struct centry *e = NULL;
	if (rg_table_full(&h->cache)) {
		struct rg_table_link *l = rg_table_evict(&h->cache, NULL);
		e = l ? RG_TABLE_ENTRY(l, struct centry, link) : NULL;
	}
	if (!e)
		e = rg_malloc(sizeof(*e));
	memset(e, 0, sizeof(*e));
	e->id = *id;
	rg_table_insert(&h->cache, &e->link, id_key(id), 0);
	return e;
}

/* One more file may be hashed now: a token bucket of per_second tokens,
 * refilled continuously. */
static bool take_token(struct rg_hasher *h, int64_t mono_ns)
{
	if (h->tokens_ns) {
		h->tokens += (double)(mono_ns - h->tokens_ns) * h->o.per_second / 1e9;
		if (h->tokens > h->o.per_second)
			h->tokens = h->o.per_second;
	}
	h->tokens_ns = mono_ns;
	if (h->tokens < 1)
		return false;
	h->tokens -= 1;
	return true;
}

static bool queue_job(struct rg_hasher *h, const struct rg_event *ev, uint64_t start_boot_ns,
		      const struct rg_hash_id *id, enum job_kind kind)
{
	pthread_mutex_lock(&h->mu);
	bool room = h->outstanding < QUEUE_MAX;
	if (room) {
		struct job *j = rg_calloc(1, sizeof(*j));
		j->proc_id = ev->proc_id;
		j->pid = ev->pid;
		j->start_boot_ns = start_boot_ns;
		j->id = *id;
		j->exe = ev->exe.p ? rg_strndup(ev->exe.p, ev->exe.len) : NULL;
		j->kind = kind;
		if (kind != JOB_EXE)
			j->script = rg_strndup(ev->script.p, ev->script.len);
		fifo_push(&h->jobs, j);
		h->outstanding++;
		pthread_cond_signal(&h->cv);
	}
	pthread_mutex_unlock(&h->mu);
	return room;
}

/* One file's verdict at an exec, into *sha and *status: from the cache,
 * or a job (nothing yet), or over_budget. */
static void look_up(struct rg_hasher *h, const struct rg_event *ev, uint64_t start_boot_ns,
		    int64_t mono_ns, const struct rg_hash_id *id, enum job_kind kind,
		    struct rg_str *sha, const char **status)
{
	struct centry *e = cache_find(h, id);
	if (e) {
		rg_table_requeue(&h->cache, &e->link, 0);
		if (!e->pending) {
			h->hits++;
			*status = rg_hash_status_name(e->status);
			if (e->status == RG_HS_OK)
				*sha = (struct rg_str){e->hex, 64};
		}
		return; /* pending: its binary_hashed event is to come */
	}
	if (id->size > h->o.max_size) { /* known without reading it */
		e = cache_add(h, id);
		e->status = RG_HS_TOO_LARGE;
		*status = rg_hash_status_name(e->status);
		return;
	}
	if (!take_token(h, mono_ns) || !queue_job(h, ev, start_boot_ns, id, kind)) {
		h->over_budget++;
		*status = rg_hash_status_name(RG_HS_OVER_BUDGET);
		return; /* not remembered: the next exec tries again */
	}
	h->queued++;
	cache_add(h, id)->pending = true;
}

/* A script named to its interpreter: no identity to look up, so a job by
 * name every time (the thread's memo spares the read of a file it knows). */
static void script_by_path(struct rg_hasher *h, struct rg_event *ev, uint64_t start_boot_ns,
			   int64_t mono_ns)
{
	static const struct rg_hash_id none;
	if (!take_token(h, mono_ns) || !queue_job(h, ev, start_boot_ns, &none, JOB_SCRIPT_PATH)) {
		h->over_budget++;
		ev->script_hash_status = rg_hash_status_name(RG_HS_OVER_BUDGET);
		return;
	}
	h->queued++;
}

void rg_hasher_exec(struct rg_hasher *h, struct rg_event *ev, uint64_t start_boot_ns,
		    int64_t mono_ns)
{
	struct rg_hash_id id = {ev->exe_dev, ev->exe_ino, ev->exe_size, ev->exe_ctime_ns};
	if (id.ino)
		look_up(h, ev, start_boot_ns, mono_ns, &id, JOB_EXE, &ev->exe_sha256,
			&ev->hash_status);
	/* a cut name names no file */
	if (!ev->script.p || ev->script.p[0] != '/' || (ev->flags & RG_EF_SCRIPT_TRUNC))
		return;
	struct rg_hash_id sid = {ev->script_dev, ev->script_ino, ev->script_size,
				 ev->script_ctime_ns};
	if (sid.ino)
		look_up(h, ev, start_boot_ns, mono_ns, &sid, JOB_SCRIPT, &ev->script_sha256,
			&ev->script_hash_status);
	else
		script_by_path(h, ev, start_boot_ns, mono_ns);
}

/* The cache learns a verdict: kept when it holds for the identity (a
 * hash, too large); forgotten when the next exec may do better (the file
 * was gone or changed when the thread came to it, or a read failed). */
static void learn(struct rg_hasher *h, const struct job *j)
{
	/* by name: only a hash says which file the name gave */
	if (!j->id.ino || (j->kind == JOB_SCRIPT_PATH && j->status != RG_HS_BY_PATH))
		return;
	struct centry *e = cache_find(h, &j->id);
	bool keep = j->status == RG_HS_OK || j->status == RG_HS_TOO_LARGE ||
		    j->status == RG_HS_BY_PATH;
	if (!keep) {
		if (e) {
			rg_table_remove(&h->cache, &e->link);
			free(e);
		}
		return;
	}
	if (!e)
		e = cache_add(h, &j->id);
	e->pending = false;
	/* by name, the file had this identity when read: a later exec that
	 * the kernel says ran this very identity has its hash */
	e->status = j->status == RG_HS_BY_PATH ? RG_HS_OK : j->status;
	memcpy(e->hex, j->hex, sizeof(e->hex));
}

bool rg_hasher_take(struct rg_hasher *h, struct rg_hash_result *r)
{
	if (h->taken) {
		free(h->taken->exe);
		free(h->taken->script);
		free(h->taken);
		h->taken = NULL;
	}
	pthread_mutex_lock(&h->mu);
	struct job *j = fifo_pop(&h->done);
	if (j)
		h->outstanding--;
	pthread_mutex_unlock(&h->mu);
	if (!j)
		return false;
	learn(h, j);
	h->taken = j;
	*r = (struct rg_hash_result){j->proc_id, j->pid, j->start_boot_ns, j->id, j->status,
				     "", j->exe, j->kind == JOB_EXE ? NULL : j->script};
	memcpy(r->hex, j->hex, sizeof(r->hex));
	return true;
}

void rg_hasher_stats(struct rg_hasher *h, struct rg_hasher_stats *st)
{
	pthread_mutex_lock(&h->mu);
	*st = (struct rg_hasher_stats){h->hits, h->queued, h->over_budget, h->hashed, h->bytes,
				       h->cache.evictions};
	pthread_mutex_unlock(&h->mu);
}
