/* ring.h: the reader of the BPF ring buffer (the `events` map).
 *
 * libbpf's reader gives each record's space back as soon as its callback
 * returns: it stores the consumer position once a record. The programs
 * read that position on every send (is there room?), so while the
 * recorder reads, each send on a watched open took the cache line back
 * from the reader's CPU. This reader gives space back once RG_RING_FREE_EVERY
 * bytes were read, and when it stops: the ring holds at most that much
 * read and not yet free, 1/16 of the smallest ring the config allows.
 * The layout is the kernel's (kernel/bpf/ringbuf.c): a consumer page the
 * reader writes; then the producer page and the data, mapped twice in a
 * row so that a record that wraps reads as one.
 */
#ifndef RG_RING_H
#define RG_RING_H

#include <stddef.h>
#include <stdint.h>

#define RG_RING_FREE_EVERY (64u << 10)

/* A ring's memory: real mappings (rg_ring_open), or a test's own. */
struct rg_ring_mem {
	unsigned long *consumer_pos;       /* read-write */
	const unsigned long *producer_pos; /* read-only */
	const uint8_t *data;               /* 2 * (mask + 1) bytes */
	unsigned long mask;                /* data size - 1, a power of two */
};

struct rg_ring {
	struct rg_ring_mem m;
	int epoll_fd;
	void *cons_map, *prod_map;
	size_t page, prod_len;
};

/* Maps the ring of map_fd (a BPF_MAP_TYPE_RINGBUF of size bytes) and
 * makes an epoll fd that is readable on the programs' wakeups. Returns 0
 * or -errno. rg_ring_close undoes it; on a zeroed or closed ring it does
 * nothing. */
int rg_ring_open(struct rg_ring *r, int map_fd, size_t size);
void rg_ring_close(struct rg_ring *r);

/* Called for each committed record; a negative return stops the read
 * after that record, and is rg_ring_consume's result. */
typedef int (*rg_ring_fn)(void *ctx, const void *data, size_t size);

/* Reads the committed records in order, up to the first one still being
 * written, then gives their space back. Returns the records read (not
 * those discarded), or fn's negative value. */
long rg_ring_consume(struct rg_ring_mem *m, rg_ring_fn fn, void *ctx);

#endif /* RG_RING_H */
