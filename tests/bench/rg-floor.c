/* rg-floor: loads bpf/floor.bpf.c (empty programs on rand-guard's hooks)
 * and keeps them attached until SIGINT/SIGTERM. Prints "attached" on
 * stderr when ready.
 *
 *   rg-floor            empty programs
 *   rg-floor --submit   each program sends a record; they are read (polled
 *                       like the recorder polls) and discarded
 *   rg-floor --submit --clock   the same, each record stamped with
 *                       bpf_ktime_get_boot_ns() as the recorder's are; on
 *                       exit it says how many it read, how many had no
 *                       stamp, and the last stamp (live/test_bench checks) */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "floor.skel.h"
#include "rg_abi.h"
#include "tracefs.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Like the recorder: a tracepoint the kernel lacks is skipped (a system
 * call it does not have; module_load without module support), and where
 * the socket's send and receive have tracepoints (Linux 6.3+) the DNS
 * programs sit there instead of on read, write and writev (bpf_loader.c):
 * nothing of rand-guard's is left on read (write and writev keep the
 * file programs). */
/* Whether the kernel's BTF has the tp_btf event (its btf_trace_ type). */
static bool has_btf_trace(const struct btf *vmlinux, const char *event)
{
	char type[128];
	snprintf(type, sizeof(type), "btf_trace_%s", event);
	return btf__find_by_name_kind(vmlinux, type, BTF_KIND_TYPEDEF) > 0;
}

static void skip_missing(struct floor_bpf *skel)
{
	const char *pre = "tracepoint/syscalls/", *btf_pre = "tp_btf/";
	struct btf *vmlinux = btf__load_vmlinux_btf();
	/* as rg_bpf_probe_kernel decides it, on a kernel that has the rest */
	bool dns_sock = vmlinux && has_btf_trace(vmlinux, "sock_send_length") &&
			has_btf_trace(vmlinux, "sock_recv_length");
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, skel->obj) {
		const char *sec = bpf_program__section_name(prog);
		const char *name = bpf_program__name(prog);
		char path[256];
		if (!strcmp(name, "floor_sock_send") || !strcmp(name, "floor_sock_recv")) {
			bpf_program__set_autoload(prog, dns_sock);
			continue;
		}
		if (dns_sock && !strcmp(name, "floor_read")) { /* write: the file programs' too */
			bpf_program__set_autoload(prog, false);
			continue;
		}
		if (!strncmp(sec, btf_pre, strlen(btf_pre))) {
			bpf_program__set_autoload(
				prog, !vmlinux || has_btf_trace(vmlinux, sec + strlen(btf_pre)));
			continue;
		}
		if (strncmp(sec, pre, strlen(pre)))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/tracing/events/syscalls/%s",
			 sec + strlen(pre));
		bpf_program__set_autoload(prog, access(path, F_OK) == 0);
	}
	btf__free(vmlinux);
}

static int discard(void *ctx, void *data, size_t size)
{
	(void)ctx, (void)data, (void)size;
	return 0;
}

/* --clock: what the records' stamps were (where floor.bpf.c writes
 * them: rand-guard's header's boot_ns). */
struct stamps {
	unsigned long long records, unstamped, last;
};

static int count_stamp(void *ctx, void *data, size_t size)
{
	struct stamps *st = ctx;
	unsigned long long t = 0;

	if (size >= sizeof(struct rg_hdr))
		memcpy(&t, (char *)data + offsetof(struct rg_hdr, boot_ns), sizeof(t));
	st->records++;
	st->unstamped += t == 0;
	if (t)
		st->last = t;
	return 0;
}

int main(int argc, char **argv)
{
	bool submit = argc > 1 && strcmp(argv[1], "--submit") == 0;
	bool stamp = submit && argc > 2 && strcmp(argv[2], "--clock") == 0;
	struct ring_buffer *rb = NULL;
	struct stamps st = {0};
	int rc = 0;

	if (argc > 3 || (argc >= 2 && !submit) || (argc == 3 && !stamp)) {
		fprintf(stderr, "usage: rg-floor [--submit [--clock]]\n");
		return 2;
	}
	rg_tracefs_mount(); /* skip_missing asks it which tracepoints there are */
	struct floor_bpf *skel = floor_bpf__open();
	if (skel) {
		skip_missing(skel);
		skel->rodata->floor_submit = submit;
		skel->rodata->floor_clock = stamp;
	}
	if (!skel || floor_bpf__load(skel) || floor_bpf__attach(skel) ||
	    (submit &&
	     !(rb = ring_buffer__new(bpf_map__fd(skel->maps.floor_ring),
				     stamp ? count_stamp : discard, &st, NULL)))) {
		fprintf(stderr, "rg-floor: cannot load or attach the floor programs\n");
		rc = 3;
		goto cleanup;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "attached\n");
	while (!stop) {
		if (!submit) {
			pause();
			continue;
		}
		/* as the recorder: a short timed poll, then whatever is left */
		int n = ring_buffer__poll(rb, 50);
		if (n >= 0 || n == -EINTR)
			n = ring_buffer__consume(rb);
		if (n < 0 && n != -EINTR) {
			fprintf(stderr, "rg-floor: reading the ring: %s\n", strerror(-n));
			rc = 1;
			break;
		}
	}
	if (stamp && rc == 0 && ring_buffer__consume(rb) >= 0) /* what came after the last poll */
		fprintf(stderr, "rg-floor: %llu records, %llu unstamped, the last at %llu ns\n",
			st.records, st.unstamped, st.last);
cleanup:
	ring_buffer__free(rb);
	floor_bpf__destroy(skel);
	return rc;
}
