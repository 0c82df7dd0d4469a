/* seed_pipeline: writes a seed input for fuzz_pipeline (argv[1]): a
 * short, valid record stream in its format (16-bit length, record): a
 * shell forks, the child execs a program from /tmp, opens /etc/shadow,
 * renames a file into /etc/cron.d, connects to port 4444 and exits. The
 * fuzzer mutates from there instead of rediscovering the ABI. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rawrec.h"

static unsigned char out[8192];
static size_t used;

/* The header of a record by tgid (started at start), put next. */
static struct rg_hdr proc(uint32_t tgid, uint64_t start)
{
	return (struct rg_hdr){.boot_ns = 5000000000ull + used, .start_ns = start, .tgid = tgid,
			       .tid = tgid, .uid = 1000, .gid = 1000};
}

static void hdr(struct rg_hdr *h, uint16_t kind, uint32_t size, uint32_t tgid, uint64_t start)
{
	struct rg_hdr p = proc(tgid, start);
	rawrec_hdr(h, &p, kind, size);
}

static void put(const void *rec, size_t n)
{
	out[used] = (unsigned char)(n & 0xff);
	out[used + 1] = (unsigned char)(n >> 8);
	memcpy(out + used + 2, rec, n);
	used += n + 2;
}

int main(int argc, char **argv)
{
	unsigned char rec[1024];
	if (argc != 2) {
		fprintf(stderr, "usage: seed_pipeline OUT\n");
		return 2;
	}
	struct rg_fork *f = (struct rg_fork *)memset(rec, 0, sizeof(rec));
	hdr(&f->hdr, RG_KIND_FORK, sizeof(*f), 100, 1000);
	f->child_tgid = 101;
	f->child_start_ns = 2000;
	memcpy(f->comm, "bash", 4);
	put(rec, sizeof(*f));

	struct rg_hdr p = proc(101, 2000);
	struct rg_exec *e = (struct rg_exec *)rec;
	size_t n = rawrec_exec(rec, &p, "/tmp/x", "x\0-q\0", 5, "/tmp");
	e->parent_start_ns = 1000;
	e->ppid = 100;
	e->auid = 1000;
	e->argc = 2;
	e->syscall = RG_SYS_EXECVE;
	e->old_tid = 101;
	memcpy(e->comm, "x", 1);
	put(rec, n);

	/* an exec from a memfd: the shipped EXEC-MEMFD-001 fires on it */
	p = proc(101, 2000);
	n = rawrec_exec(rec, &p, "memfd:x", "x\0", 2, "/tmp");
	e->hdr.flags = RG_F_EXE_MEMFD;
	e->parent_start_ns = 1000;
	e->ppid = 100;
	e->argc = 1;
	e->syscall = RG_SYS_EXECVEAT;
	e->old_tid = 101;
	put(rec, n);

	static const char *const shadow[4] = {"/etc", "shadow", NULL, NULL};
	p = proc(101, 2000);
	n = rawrec_file(rec, &p, RG_FOP_OPEN, RG_FSYS_OPENAT, shadow);
	struct rg_file *fl = (struct rg_file *)rec;
	fl->result = -13;
	put(rec, n);

	static const char *const cron[4] = {"/tmp", "job", "/etc/cron.d", "job"};
	p = proc(101, 2000);
	n = rawrec_file(rec, &p, RG_FOP_RENAME, RG_FSYS_RENAMEAT2, cron);
	put(rec, n);

	struct rg_net *nt = (struct rg_net *)memset(rec, 0, sizeof(rec));
	hdr(&nt->hdr, RG_KIND_NET, sizeof(*nt), 101, 2000);
	nt->op = RG_NOP_CONNECT;
	nt->syscall = RG_NSYS_CONNECT;
	nt->family = 2;
	nt->protocol = 6;
	nt->remote_port = 4444;
	nt->local_port = 40000;
	memcpy(nt->remote_addr, "\x7f\x00\x00\x01", 4);
	nt->socket_id = 77;
	put(rec, sizeof(*nt));

	struct rg_exit *x = (struct rg_exit *)memset(rec, 0, sizeof(rec));
	hdr(&x->hdr, RG_KIND_EXIT, sizeof(*x), 101, 2000);
	x->signal = 9;
	memcpy(x->comm, "x", 1);
	put(rec, sizeof(*x));

	FILE *fp = fopen(argv[1], "wb");
	if (!fp || fwrite(out, 1, used, fp) != used || fclose(fp)) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
