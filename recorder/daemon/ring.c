/* ring.c: the BPF ring buffer's reader (ring.h). */
#include "ring.h"

#include <errno.h>
#include <linux/bpf.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

/* A record's header: its length, with the busy and discard bits on top,
 * then the program's page offset; records start 8-byte aligned. */
static unsigned long record_span(uint32_t len)
{
	len &= ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
	return ((unsigned long)len + BPF_RINGBUF_HDR_SZ + 7) & ~7ul;
}

long rg_ring_consume(struct rg_ring_mem *m, rg_ring_fn fn, void *ctx)
{
	unsigned long cons = __atomic_load_n(m->consumer_pos, __ATOMIC_ACQUIRE);
	unsigned long freed = cons, prod;
	long n = 0;
	int rc = 0;
	/* the producer may add records while these are read: look again */
	while (!rc && cons < (prod = __atomic_load_n(m->producer_pos, __ATOMIC_ACQUIRE))) {
		while (cons < prod) {
			const uint8_t *rec = m->data + (cons & m->mask);
			uint32_t len = __atomic_load_n((const uint32_t *)rec, __ATOMIC_ACQUIRE);
			if (len & BPF_RINGBUF_BUSY_BIT)
				goto done; /* not committed yet: the next read */
			cons += record_span(len);
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				n++;
				rc = fn(ctx, rec + BPF_RINGBUF_HDR_SZ, len);
				if (rc < 0)
					break;
			}
			if (cons - freed >= RG_RING_FREE_EVERY) {
				__atomic_store_n(m->consumer_pos, cons, __ATOMIC_RELEASE);
				freed = cons;
			}
		}
	}
done:
	if (cons != freed)
		__atomic_store_n(m->consumer_pos, cons, __ATOMIC_RELEASE);
	return rc < 0 ? rc : n;
}

int rg_ring_open(struct rg_ring *r, int map_fd, size_t size)
{
	*r = (struct rg_ring){.epoll_fd = -1, .cons_map = MAP_FAILED, .prod_map = MAP_FAILED};
	r->page = (size_t)sysconf(_SC_PAGESIZE);
	r->prod_len = r->page + 2 * size;
	r->cons_map = mmap(NULL, r->page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (r->cons_map != MAP_FAILED)
		r->prod_map = mmap(NULL, r->prod_len, PROT_READ, MAP_SHARED, map_fd,
				   (off_t)r->page);
	if (r->prod_map == MAP_FAILED)
		goto fail;
	r->m = (struct rg_ring_mem){
		.consumer_pos = r->cons_map,
		.producer_pos = r->prod_map,
		.data = (const uint8_t *)r->prod_map + r->page,
		.mask = size - 1,
	};
	struct epoll_event ev = {.events = EPOLLIN};
	r->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epoll_fd < 0 || epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, map_fd, &ev) < 0)
		goto fail;
	return 0;
fail:;
	int e = -errno;
	rg_ring_close(r);
	return e;
}

void rg_ring_close(struct rg_ring *r)
{
	if (!r->page) /* never opened (zeroed) or closed */
		return;
	if (r->epoll_fd >= 0)
		close(r->epoll_fd);
	if (r->prod_map != MAP_FAILED)
		munmap(r->prod_map, r->prod_len);
	if (r->cons_map != MAP_FAILED)
		munmap(r->cons_map, r->page);
	*r = (struct rg_ring){0};
}
