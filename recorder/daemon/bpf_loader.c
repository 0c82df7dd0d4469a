/* bpf_loader.c: open -> set rodata -> load -> attach -> poll (see bpf_loader.h). */
#include "bpf_loader.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "alloc.h"
#include "bpf_filter.h"
#include "hostmounts.h"
#include "clock.h"
#include "config.h"
#include "rand_guard.skel.h"
#include "script.skel.h"
#include "tracefs.h"

struct rg_bpf {
	struct rand_guard_bpf *skel;
	struct script_bpf *script; /* NULL: the kernel refused the hook */
	struct ring_buffer *rb;
	rg_record_fn fn;
	void *ctx;
	int ncpus;
	/* the `counts` map, mapped read-only (common.bpf.h says why not bpf(2)) */
	const volatile struct rg_counts *counts;
	size_t counts_len;
	int counter_errno; /* the first failed program info read, 0 while they work */
	/* the current round of rg_bpf_poll: records read, and when it ends */
	int round_n;
	int64_t round_end_ns;
};

static int verbose_libbpf;
static int quiet_libbpf; /* a load whose failure the recorder explains itself */

/* libbpf's warnings (verifier logs on a failed load) go to stderr; its
 * debug chatter only with --verbose. */
static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if ((level == LIBBPF_DEBUG || quiet_libbpf) && !verbose_libbpf)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Records between two looks at the clock: a clock read costs about as much
 * as a record, so this keeps it under 1% of a round. */
#define ROUND_CHECK_EVERY 256
/* What on_record returns to end a round: libbpf has already moved the
 * consumer past the record, and passes a callback's negative value through
 * as the result of ring_buffer__poll/consume, where nothing else can give
 * -EAGAIN (epoll_wait does not). */
#define ROUND_OVER (-EAGAIN)

/* Hands a record on and ends the round once its time is up: libbpf's loop
 * goes on while the producer keeps adding records, so a storm faster than
 * the reader would keep it there for good, and the health rows, gap rows
 * and NDJSON flushes that the caller does between rounds would never come
 * (a kill -9 then loses the gap rows that say what the storm dropped). */
static int on_record(void *ctx, void *data, size_t size)
{
	struct rg_bpf *b = ctx;
	b->fn(b->ctx, data, size);
	if (++b->round_n % ROUND_CHECK_EVERY == 0 && rg_mono_ns() >= b->round_end_ns)
		return ROUND_OVER;
	return 0;
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

#define SYSCALL_TP "tracepoint/syscalls/"

/* The variant suffix of a program name ("_pr", "_old"; "" for none; see
 * select_variants). */
static const char *variant_of(const char *name)
{
	static const char *const suffixes[] = {"_pr", "_old"};
	size_t n = strlen(name);
	for (size_t i = 0; i < N_OF(suffixes); i++) {
		size_t m = strlen(suffixes[i]);
		if (n > m && strcmp(name + n - m, suffixes[i]) == 0)
			return suffixes[i];
	}
	return "";
}

/* Whether prog is the program base or a variant of it (base_pr, ...). */
static bool is_variant_of(const char *prog, const char *base)
{
	size_t n = strlen(base);
	return strncmp(prog, base, n) == 0 && strcmp(prog + n, variant_of(prog)) == 0;
}

/* The hook a network program serves: "rg_net_accept4" -> "accept". */
static bool net_hook_wanted(const char *prog, const char *hooks)
{
	static const char *const map[][2] = {
		{"rg_net_connect", "connect"}, {"rg_net_sendto", "send"},
		{"rg_net_bind", "bind"},       {"rg_net_listen", "listen"},
		{"rg_net_accept", "accept"},   {"rg_net_accept4", "accept"},
		{"rg_net_dns_sendto", "dns"},  {"rg_net_dns_recvfrom", "dns"},
		{"rg_net_dns_sendmsg", "dns"}, {"rg_net_dns_recvmsg", "dns"},
		{"rg_net_dns_sendmmsg", "dns"}, {"rg_net_dns_connect", "dns"},
		{"rg_net_dns_write", "dns"},   {"rg_net_dns_writev", "dns"},
		{"rg_net_dns_read", "dns"},   {"rg_net_dns_sock_send", "dns"},
		{"rg_net_dns_sock_recv", "dns"},
	};
	for (size_t i = 0; hooks && i < N_OF(map); i++) {
		size_t n = strlen(map[i][1]);
		if (!is_variant_of(prog, map[i][0]))
			continue;
		for (const char *p = hooks; (p = strstr(p, map[i][1])); p += n)
			if ((p == hooks || p[-1] == ' ' || p[-1] == ',') &&
			    (!p[n] || p[n] == ' ' || p[n] == ','))
				return true;
	}
	return false;
}

/* The tracepoint a program sits on (a syscall's, or a tp_btf one of
 * tp_btf_events), in tracefs, and whether this kernel has it: probed,
 * never guessed from a version. NULL for a program on anything else. */
static const char *const tp_btf_events[][2] = {
	{"module_load", "module"}, {"sock_send_length", "sock"}, {"sock_recv_length", "sock"}};

static const char *program_tracepoint(const struct bpf_program *prog, bool *have)
{
	static const char btf_sec[] = "tp_btf/";
	const char *sec = bpf_program__section_name(prog), *cat = NULL, *tp = NULL;
	char path[256];

	if (strncmp(sec, SYSCALL_TP, strlen(SYSCALL_TP)) == 0) {
		cat = "syscalls";
		tp = sec + strlen(SYSCALL_TP);
	}
	for (size_t i = 0; !tp && i < N_OF(tp_btf_events); i++)
		if (strncmp(sec, btf_sec, strlen(btf_sec)) == 0 &&
		    strcmp(sec + strlen(btf_sec), tp_btf_events[i][0]) == 0) {
			cat = tp_btf_events[i][1];
			tp = tp_btf_events[i][0];
		}
	if (!tp)
		return NULL;
	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/%s", cat, tp);
	*have = access(path, F_OK) == 0;
	return tp;
}

/* The DNS programs on the socket's own send and receive (Linux 6.3+),
 * which replace those on the exits of write, writev and read where the
 * kernel has both tracepoints and all they use (rg_bpf_kernel.dns_sock):
 * file reads and writes then run none of them. */
static const char *const dns_sock_progs[] = {"rg_net_dns_sock_send", "rg_net_dns_sock_recv"};
static const char *const dns_rw_progs[] = {"rg_net_dns_write", "rg_net_dns_writev",
					    "rg_net_dns_read"};

static bool is_one_of(const char *name, const char *const *bases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (is_variant_of(name, bases[i]))
			return true;
	return false;
}

/* The file and network programs, the process family's notes of exec
 * calls and the system programs sit on syscall tracepoints (and the
 * system family on module_load, DNS on the socket's send and receive
 * where k->dns_sock). A family that is off is not loaded at all;
 * otherwise each program loads only where its tracepoint exists (open,
 * creat, rename, unlink and rmdir are x86-only, newer calls may be
 * missing on older kernels, module loads on kernels without modules). */
static void select_syscall_programs(struct rg_bpf *b, const struct rg_bpf_opts *o,
				    const struct rg_bpf_kernel *k)
{
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, b->skel->obj) {
		const char *name = bpf_program__name(prog);
		bool have;
		const char *tp = program_tracepoint(prog, &have);
		if (!tp)
			continue;
		bool net = strncmp(name, "rg_net_", 7) == 0;
		bool exec = strncmp(name, "rg_exec_", 8) == 0;
		bool sys = strncmp(name, "rg_sys_", 7) == 0;
		bool want = exec || sys || (net ? net_hook_wanted(name, o->net_hooks) : o->files != NULL);
		const char *call = strncmp(tp, "sys_", 4) == 0 ? strchr(tp + 4, '_') + 1 : tp;
		bool alt = is_one_of(name, dns_sock_progs, N_OF(dns_sock_progs));
		if (k->dns_sock ? is_one_of(name, dns_rw_progs, N_OF(dns_rw_progs)) : alt)
			want = false; /* one of the two ways, never both */
		bpf_program__set_autoload(prog, want && have);
		if (want && !have && !alt && !*variant_of(name)) /* one line for all variants */
			fprintf(stderr, "rand-guard: this kernel has no %s tracepoint; %s calls "
				"are %s\n", tp, call,
				exec ? "recorded with syscall unknown" : "not recorded");
	}
}

int rg_bpf_missing_tracepoints(char *buf, size_t n)
{
	struct rand_guard_bpf *skel = rand_guard_bpf__open();
	struct bpf_program *prog;
	size_t len = 0;

	if (!skel)
		return -errno;
	rg_tracefs_mount();
	buf[0] = 0;
	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);
		bool have;
		const char *tp = program_tracepoint(prog, &have);
		if (tp && !have && !*variant_of(name) && strncmp(name, "rg_exec_", 8) != 0 &&
		    !is_one_of(name, dns_sock_progs, N_OF(dns_sock_progs)) && len < n)
			len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? " " : "", tp);
	}
	rand_guard_bpf__destroy(skel);
	return 0;
}

/* A feature the programs use: an enumerator of one of the kernel's BPF
 * enums (a map type or helper the kernel knows), or a kfunc. */
struct rg_feature {
	const char *name, *enum_name; /* enum_name NULL: a kfunc */
	const char *label, *since;
};

/* Without these nothing loads (no fallback); the floor is Linux 5.8. */
static const struct rg_feature required[] = {
	{"BPF_MAP_TYPE_RINGBUF", "bpf_map_type", "the BPF ring buffer", "5.8"},
};

/* Features with a fallback (bit i of rg_bpf_kernel.lacks: fallbacks[i]
 * missing), and what replaces each. The first is the _pr programs'; the
 * others the _old programs' (see select_variants). */
static const struct {
	struct rg_feature f;
	const char *instead;
} fallbacks[] = {
	{{"bpf_rdonly_cast", NULL, "bpf_rdonly_cast", "6.2"},
	 "kernel memory read with probe reads"},
	{{"BPF_FUNC_get_current_task_btf", "bpf_func_id", "bpf_get_current_task_btf", "5.11"},
	 "the task read with probe reads"},
	{{"BPF_FUNC_task_pt_regs", "bpf_func_id", "bpf_task_pt_regs", "5.15"},
	 "syscall arguments from the top of the task's stack"},
	{{"BPF_FUNC_loop", "bpf_func_id", "bpf_loop", "5.17"},
	 "path walks as bounded loops"},
};
#define LACKS_CAST 1u /* fallbacks[0]; the other bits call for the _old programs */

static bool btf_has_enumerator(const struct btf *btf, const char *enum_name, const char *name)
{
	int id = btf__find_by_name_kind(btf, enum_name, BTF_KIND_ENUM);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	for (int i = 0; t && i < btf_vlen(t); i++)
		if (strcmp(btf__name_by_offset(btf, btf_enum(t)[i].name_off), name) == 0)
			return true;
	return false;
}

static bool btf_has(const struct btf *btf, const struct rg_feature *f)
{
	if (!f->enum_name)
		return btf__find_by_name_kind(btf, f->name, BTF_KIND_FUNC) > 0;
	return btf_has_enumerator(btf, f->enum_name, f->name);
}

/* Read from BTF rather than by loading test programs: needs no root, and
 * the kernel's own enums say which helpers and map types it knows. */
int rg_bpf_probe_kernel(struct rg_bpf_kernel *k, char *err, size_t errlen)
{
	static char missing[192];
	struct btf *btf = btf__load_vmlinux_btf();

	*k = (struct rg_bpf_kernel){0};
	if (!btf) {
		snprintf(err, errlen, "this kernel has no BTF (/sys/kernel/btf/vmlinux): "
			 "rand-guard needs CONFIG_DEBUG_INFO_BTF=y");
		return -1;
	}
	/* all of them, not the first: what stands between this kernel and a
	 * recording, in one line */
	size_t len = 0;
	for (size_t i = 0; i < N_OF(required); i++)
		if (!btf_has(btf, &required[i]) && len < sizeof(missing)) {
			len += (size_t)snprintf(missing + len, sizeof(missing) - len, "%s%s (Linux %s+)",
						len ? ", " : "", required[i].label, required[i].since);
			k->missing = missing;
		}
	for (size_t i = 0; i < N_OF(fallbacks); i++)
		if (!btf_has(btf, &fallbacks[i].f))
			k->lacks |= 1u << i;
	/* those programs have no variant: they need everything */
	k->dns_sock = !k->lacks &&
		      btf__find_by_name_kind(btf, "btf_trace_sock_send_length", BTF_KIND_TYPEDEF) > 0 &&
		      btf__find_by_name_kind(btf, "btf_trace_sock_recv_length", BTF_KIND_TYPEDEF) > 0;
	btf__free(btf);
	return 0;
}

const char *rg_bpf_fallbacks(const struct rg_bpf_kernel *k, char *buf, size_t n)
{
	size_t len = 0;
	snprintf(buf, n, "none");
	for (size_t i = 0; i < N_OF(fallbacks) && len < n; i++)
		if (k->lacks & (1u << i))
			len += (size_t)snprintf(buf + len, n - len, "%s%s (Linux %s+) missing: %s",
						len ? ", " : "", fallbacks[i].f.label,
						fallbacks[i].f.since, fallbacks[i].instead);
	return buf;
}

/* Whether the object has the program base + suffix. */
static bool has_program(struct rg_bpf *b, const char *base, size_t n, const char *suffix)
{
	char name[128];
	snprintf(name, sizeof(name), "%.*s%s", (int)n, base, suffix);
	return bpf_object__find_program_by_name(b->skel->obj, name) != NULL;
}

/* Loads one variant of each program that has several (see RG_LV_* in
 * common.bpf.h), built from the same source: X where the kernel has all
 * it uses, X_pr where it lacks only bpf_rdonly_cast, X_old where it lacks
 * one of the others, or the first of those the program has that it can
 * run (rg_exec has no _pr: it reads through no cast). A program with no
 * variant (the exec-call notes) loads on every kernel. */
static void select_variants(struct rg_bpf *b, const struct rg_bpf_kernel *k)
{
	const char *want = k->lacks & ~LACKS_CAST ? "_old" : k->lacks ? "_pr" : "";
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, b->skel->obj) {
		const char *name = bpf_program__name(prog), *suffix = variant_of(name);
		size_t n = strlen(name) - strlen(suffix);
		const char *use = want;
		if (!has_program(b, name, n, "_pr") && !has_program(b, name, n, "_old"))
			continue;
		if (*use && !has_program(b, name, n, use))
			use = "";
		if (strcmp(suffix, use) != 0)
			bpf_program__set_autoload(prog, false);
	}
}

/* The host's mount point of each superblock, for the host paths of files
 * reached through bind mounts, other mount namespaces and chroots
 * (hostmounts.h). Without it those files are matched by the process's
 * paths alone: said, not fatal. */
static void fill_host_mounts(struct rg_bpf *b)
{
	int n = rg_hostmounts_fill(bpf_map__fd(b->skel->maps.host_mounts), "/proc/1/mountinfo");
	if (n < 0)
		fprintf(stderr, "rand-guard: reading /proc/1/mountinfo: %s; files reached through "
			"a bind mount or another mount namespace match by their paths there alone\n",
			strerror(-n));
}

/* The `counts` map into this process's memory, read-only. */
static int map_counts(struct rg_bpf *b)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	b->counts_len = ((size_t)b->ncpus * sizeof(struct rg_counts) + page - 1) / page * page;
	void *p = mmap(NULL, b->counts_len, PROT_READ, MAP_SHARED,
		       bpf_map__fd(b->skel->maps.counts), 0);
	if (p == MAP_FAILED)
		return -errno;
	b->counts = p;
	return 0;
}

/* A program that sends records (not one that only takes a note for
 * another: the exec and system calls' entries, a module's name, a
 * script's file). */
static bool sends_records(const char *name)
{
	return !strstr(name, "_enter_") && strcmp(name, "rg_sys_module_name") != 0 &&
	       strncmp(name, "rg_script", 9) != 0;
}

/* The runs the kernel skipped of the loaded programs that send records
 * (the script hook's object sends none): it does not run a tracepoint or kprobe program on a CPU where a BPF
 * program or a bpf(2) map operation of any process is in progress
 * (trace_call_bpf), nor a tp_btf program within itself. Counted by the
 * kernel in recursion_misses since Linux 6.7 for tracepoint programs;
 * before that such a skip is silent (docs/threat-model.md). Each program on
 * a skipped tracepoint counts one (a write is watched by two before 6.3), and most
 * skipped runs would have sent nothing (an unwatched open): an upper bound
 * on the records lost. */
uint64_t rg_bpf_skipped(struct rg_bpf *b)
{
	struct bpf_program *prog;
	uint64_t n = 0;
	bpf_object__for_each_program(prog, b->skel->obj) {
		int fd = bpf_program__fd(prog);
		if (fd < 0 || !sends_records(bpf_program__name(prog)))
			continue; /* not loaded, or sends nothing */
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			if (!b->counter_errno)
				b->counter_errno = errno;
			continue;
		}
		n += info.recursion_misses;
	}
	return n;
}

/* The note of a #! script's own file (bpf/script.bpf.c) hooks a kernel
 * function, which a kernel may not have (security_bprm_check is an empty
 * inline without CONFIG_SECURITY) or may not let BPF trace. Its own
 * object, loaded after the others, sharing their exec_scripts map: where
 * it does not load or attach the recorder says so once and goes on (the
 * script's name is recorded all the same, and it is hashed by name).
 * fentry needs BPF trampolines: x86-64, and arm64 since 6.0; else a
 * kprobe. */
static void load_script_hook(struct rg_bpf *b)
{
	quiet_libbpf = 1;
	struct script_bpf *sk = script_bpf__open();
	const char *why = "its BPF object did not open";
	int rc = 0;
	if (!sk)
		goto fail;
	struct btf *btf = btf__load_vmlinux_btf();
	bool have = btf && btf__find_by_name_kind(btf, "security_bprm_check", BTF_KIND_FUNC) > 0;
	btf__free(btf);
	why = "this kernel has no security_bprm_check";
	if (!have)
		goto fail;
	bool trampolines = true;
#if defined(__aarch64__)
	struct utsname u;
	unsigned major = 0;
	trampolines = uname(&u) == 0 && sscanf(u.release, "%u", &major) == 1 && major >= 6;
#endif
	bpf_program__set_autoload(sk->progs.rg_script_fentry, trampolines);
	bpf_program__set_autoload(sk->progs.rg_script_kprobe, !trampolines);
	why = "sharing the exec_scripts map failed";
	if ((rc = bpf_map__reuse_fd(sk->maps.exec_scripts,
				    bpf_map__fd(b->skel->maps.exec_scripts))))
		goto fail;
	why = trampolines ? "fentry on security_bprm_check did not load"
			  : "a kprobe on security_bprm_check did not load";
	if ((rc = script_bpf__load(sk)))
		goto fail;
	why = trampolines ? "fentry on security_bprm_check did not attach"
			  : "a kprobe on security_bprm_check did not attach";
	if ((rc = script_bpf__attach(sk)))
		goto fail;
	b->script = sk;
	quiet_libbpf = 0;
	return;
fail:
	quiet_libbpf = 0;
	fprintf(stderr, "rand-guard: %s%s%s; a script run through its #! line is hashed by its "
		"name\n", why, rc ? ": " : "", rc ? strerror(-rc > 0 ? -rc : errno) : "");
	script_bpf__destroy(sk);
}

/* The BPF objects are in the executable (their skeletons' ELF bytes,
 * 7.4 MB with their debug info): libbpf read about 4 MB of them to load
 * the programs, and those pages stayed mapped, in RSS, though nothing
 * reads them again. They are clean pages of the file: unmapped, they are
 * the page cache's (reclaimable), read in again should anything touch
 * them. The whole pages inside the bytes only. */
static void unmap_elf_bytes(const void *p, size_t n)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t end = ((uintptr_t)p + n) & ~(page - 1);
	if (end > start)
		madvise((void *)start, end - start, MADV_DONTNEED);
}

_Static_assert(RG_CONFIG_ENV_NAMES == RG_ENV_NAMES &&
		       RG_CONFIG_ENV_NAME_MAX + 1 == RG_ENV_NAME_LEN,
	       "[process] env fits the kernel's allow-list");

/* The exec programs' allow-list of environment variables: each name with
 * its '=' in the first bytes of a word array, and a mask of those bytes
 * (rg_env_wanted in process.bpf.h compares a word at a time). */
static void set_env_names(struct rand_guard_bpf *skel, const char *list)
{
	unsigned i = 0;
	for (const char *p = list ? list : ""; *p && i < RG_ENV_NAMES;) {
		size_t n = strcspn(p += strspn(p, " \t,"), " \t,");
		if (n && n < RG_ENV_NAME_LEN) {
			char word[RG_ENV_NAME_LEN] = {0}, mask[RG_ENV_NAME_LEN] = {0};
			memcpy(word, p, n);
			word[n] = '=';
			memset(mask, 0xff, n + 1);
			memcpy((void *)skel->rodata->rg_env_words[i], word, sizeof(word));
			memcpy((void *)skel->rodata->rg_env_masks[i], mask, sizeof(mask));
			i++;
		}
		p += n;
	}
	skel->rodata->rg_env_count = i;
}

/* Checks what we can check before libbpf gives a less direct error. */
static int preflight(struct rg_bpf_kernel *k, char *err, size_t errlen)
{
	if (rg_bpf_probe_kernel(k, err, errlen))
		return -1;
	if (k->missing) {
		snprintf(err, errlen, "this kernel lacks %s, which rand-guard needs", k->missing);
		return -1;
	}
	if (geteuid() != 0) {
		snprintf(err, errlen, "loading BPF programs needs root "
			 "(CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE); run as root");
		return -1;
	}
	return 0;
}

static void fail(char *err, size_t errlen, int *exit_code, const char *what, int e)
{
	e = e < 0 ? -e : e;
	snprintf(err, errlen, "%s: %s%s", what, strerror(e),
		 e == EPERM || e == EACCES ? " (are BPF and tracing allowed here? "
					     "lockdown or a seccomp policy can forbid them)" : "");
	*exit_code = e == EPERM || e == EACCES || e == ENOSYS || e == EOPNOTSUPP ? 3 : 1;
}

struct rg_bpf *rg_bpf_start(const struct rg_bpf_opts *o, rg_record_fn fn, void *ctx,
			    char *err, size_t errlen, int *exit_code)
{
	struct rg_bpf_kernel k;
	char fb[512];

	*exit_code = 3;
	if (preflight(&k, err, errlen))
		return NULL;
	if (k.lacks)
		fprintf(stderr, "rand-guard: fallbacks: %s\n", rg_bpf_fallbacks(&k, fb, sizeof(fb)));
	verbose_libbpf = o->verbose;
	libbpf_set_print(print_libbpf);
	rg_tracefs_mount();

	struct rg_bpf *b = rg_calloc(1, sizeof(*b));
	b->fn = fn;
	b->ctx = ctx;
	b->ncpus = libbpf_num_possible_cpus();
	b->skel = rand_guard_bpf__open();
	if (!b->skel) {
		fail(err, errlen, exit_code, "opening the BPF object", errno);
		goto cleanup;
	}
	b->skel->rodata->rg_self_tgid = o->self_tgid;
	b->skel->rodata->rg_wakeup_bytes = (uint64_t)o->wakeup_kb << 10;
	RG_BPF_FILTER_RODATA(b->skel->rodata, o->files);
	b->skel->rodata->rg_net_unix = o->net_unix;
	struct stat root;
	if (stat("/", &root) == 0) { /* the host's root, for host paths (path.bpf.h) */
		b->skel->rodata->rg_host_root_dev = major(root.st_dev) << 20 | minor(root.st_dev);
		b->skel->rodata->rg_host_root_ino = root.st_ino;
	}
	set_env_names(b->skel, o->env_names);
	select_syscall_programs(b, o, &k);
	select_variants(b, &k);
	int rc = bpf_map__set_max_entries(b->skel->maps.events, o->ring_buffer_mb << 20);
	if (!rc)
		rc = bpf_map__set_max_entries(b->skel->maps.scratch, (uint32_t)b->ncpus);
	if (!rc)
		rc = bpf_map__set_max_entries(b->skel->maps.counts, (uint32_t)b->ncpus);
	if (!rc)
		rc = rand_guard_bpf__load(b->skel);
	if (rc) {
		fail(err, errlen, exit_code, "loading BPF programs", rc);
		goto cleanup;
	}
	if ((rc = map_counts(b))) {
		fail(err, errlen, exit_code, "mapping the BPF counters", rc);
		goto cleanup;
	}
	if (o->files && (rc = rg_bpf_filter_fill(bpf_map__fd(b->skel->maps.file_prefixes),
						 bpf_map__fd(b->skel->maps.file_ancestors),
						 bpf_map__fd(b->skel->maps.file_names), o->files))) {
		fail(err, errlen, exit_code, "writing the file filter", rc);
		goto cleanup;
	}
	if (o->files)
		fill_host_mounts(b);
	rc = rand_guard_bpf__attach(b->skel);
	if (rc) {
		fail(err, errlen, exit_code, "attaching BPF programs", rc);
		goto cleanup;
	}
	load_script_hook(b);
	/* Loading took ~20 MB of heap for a moment (the kernel's BTF, parsed
	 * for CO-RE, and the objects' own), freed now but kept by malloc as
	 * holes in the heap: given back, the recorder's RSS is ~10 MB lower for
	 * the rest of its life (docs/benchmarks.md, Memory). */
	malloc_trim(0);
	size_t n;
	const void *bytes = rand_guard_bpf__elf_bytes(&n);
	unmap_elf_bytes(bytes, n);
	bytes = script_bpf__elf_bytes(&n);
	unmap_elf_bytes(bytes, n);
	b->rb = ring_buffer__new(bpf_map__fd(b->skel->maps.events), on_record, b, NULL);
	if (!b->rb) {
		fail(err, errlen, exit_code, "opening the ring buffer", errno);
		goto cleanup;
	}
	return b;
cleanup:
	rg_bpf_stop(b);
	return NULL;
}

int rg_bpf_poll(struct rg_bpf *b, int timeout_ms, int round_ms)
{
	struct epoll_event ev;
	/* the wait is ours, so that the round's time starts after it */
	if (timeout_ms && epoll_wait(ring_buffer__epoll_fd(b->rb), &ev, 1, timeout_ms) < 0 &&
	    errno != EINTR)
		return -errno;
	b->round_n = 0;
	b->round_end_ns = rg_mono_ns() + (int64_t)round_ms * 1000000;
	int n = ring_buffer__consume(b->rb);
	if (n < 0 && n != ROUND_OVER)
		return n;
	return b->round_n;
}

void rg_bpf_detach(struct rg_bpf *b)
{
	if (b)
		rand_guard_bpf__detach(b->skel);
}

uint64_t rg_bpf_drops(struct rg_bpf *b, uint64_t per_kind[RG_KIND_MAX])
{
	uint64_t total = 0;
	for (uint32_t k = 0; k < RG_KIND_MAX; k++) {
		uint64_t sum = 0;
		for (int c = 0; c < b->ncpus; c++)
			sum += b->counts[c].drops[k];
		if (per_kind)
			per_kind[k] = sum;
		total += sum;
	}
	return total;
}

int rg_bpf_counter_errno(const struct rg_bpf *b)
{
	return b->counter_errno;
}

/* Fill first, then prune, then the generation: a program that reads the
 * new generation finds the new maps, and a verdict cached from the old
 * ones carries the old generation, so it is never used. */
int rg_bpf_refilter(struct rg_bpf *b, const struct rg_pathmatch *old,
		    const struct rg_pathmatch *now)
{
	fill_host_mounts(b); /* mounts made or gone since */
	int pfd = bpf_map__fd(b->skel->maps.file_prefixes);
	int afd = bpf_map__fd(b->skel->maps.file_ancestors);
	int rc = rg_bpf_filter_fill(pfd, afd, bpf_map__fd(b->skel->maps.file_names), now);
	if (!rc)
		rc = rg_bpf_filter_prune(pfd, afd, old, now);
	__atomic_fetch_add(&b->skel->data->rg_dir_gen, 1, __ATOMIC_SEQ_CST);
	return rc;
}

uint64_t rg_bpf_filtered(struct rg_bpf *b)
{
	uint64_t total = 0;
	for (int c = 0; c < b->ncpus; c++)
		for (uint32_t k = 0; k < RG_KIND_MAX; k++)
			total += b->counts[c].filtered[k];
	return total;
}

void rg_bpf_stop(struct rg_bpf *b)
{
	if (!b)
		return;
	ring_buffer__free(b->rb);
	if (b->counts)
		munmap((void *)b->counts, b->counts_len);
	script_bpf__destroy(b->script);
	rand_guard_bpf__destroy(b->skel);
	free(b);
}
