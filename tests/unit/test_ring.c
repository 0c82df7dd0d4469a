/* test_ring.c: the ring buffer's reader (ring.h) on a ring made in
 * memory the way the kernel lays one out: records in order, whole across
 * the end of the data, discarded ones skipped, a record still being
 * written ending the read, the callback ending it, records added while
 * it reads, and the space given back in steps, never ahead of a record
 * being read. (The live tests read the programs' real ring through it.) */
#include <linux/bpf.h>

#include "ring.h"
#include "tap.h"

#define SIZE (256u << 10)

static uint8_t data[2 * SIZE]; /* the data, and its second mapping */
static unsigned long cons, prod;
static struct rg_ring_mem mem = {&cons, &prod, data, SIZE - 1};

static void put(unsigned long pos, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned long o = (pos + i) & (SIZE - 1);
		data[o] = data[o + SIZE] = ((const uint8_t *)p)[i];
	}
}

/* Writes a record of n bytes, each its number's low byte, with the
 * header's bits; returns where it starts. */
static unsigned long add(uint32_t n, uint32_t bits, uint8_t fill)
{
	unsigned long at = prod;
	uint32_t hdr[2] = {n | bits, 0};
	put(at, hdr, sizeof(hdr));
	for (uint32_t i = 0; i < n; i++)
		put(at + BPF_RINGBUF_HDR_SZ + i, &fill, 1);
	prod += (BPF_RINGBUF_HDR_SZ + n + 7) & ~7u;
	return at;
}

static void commit(unsigned long at, uint32_t n)
{
	uint32_t len = n;
	put(at, &len, sizeof(len));
}

struct seen {
	unsigned n;
	uint8_t fill[1024];
	uint32_t size[1024];
	bool whole;  /* every byte of every record its fill */
	int stop_at; /* return -7 from this record (1-based), 0: never */
	int add_at;  /* add a record when reading this one */
	bool track;  /* no discarded records: at follows the reads */
	unsigned long at; /* where the record being read starts */
	bool lagged; /* space given back ahead of a record read, or far behind */
};

static int on_rec(void *ctx, const void *p, size_t size)
{
	struct seen *s = ctx;
	const uint8_t *b = p;
	if (size > 4096) /* a header's bits taken for its length */
		return -9;
	if (s->n < 1024) {
		s->fill[s->n] = size ? b[0] : 0;
		s->size[s->n] = (uint32_t)size;
	}
	for (size_t i = 0; i < size; i++)
		s->whole &= b[i] == b[0];
	if (s->track) {
		s->lagged |= (size_t)(b - BPF_RINGBUF_HDR_SZ - data) != (s->at & (SIZE - 1));
		s->lagged |= cons > s->at || s->at - cons >= RG_RING_FREE_EVERY + 1024;
		s->at += (BPF_RINGBUF_HDR_SZ + size + 7) & ~7ul;
	}
	s->n++;
	if ((int)s->n == s->add_at)
		add(40, 0, 0xee);
	return (int)s->n == s->stop_at ? -7 : 0;
}

static struct seen read_all(int stop_at, int add_at, bool track)
{
	struct seen s = {.whole = true, .stop_at = stop_at, .add_at = add_at, .track = track,
			 .at = cons};
	long n = rg_ring_consume(&mem, on_rec, &s);
	if (stop_at)
		CHECK_INT(n, -7, "the callback's negative value is the result");
	else
		CHECK_INT(n, s.n, "the result counts the records read");
	return s;
}

static void check_order(void)
{
	add(10, 0, 1);
	add(0, 0, 2);
	add(33, BPF_RINGBUF_DISCARD_BIT, 3);
	add(100, 0, 4);
	struct seen s = read_all(0, 0, false);
	CHECK_INT(s.n, 3, "three records read, the discarded one skipped");
	CHECK(s.fill[0] == 1 && s.fill[2] == 4 && s.size[0] == 10 && s.size[1] == 0 &&
	      s.size[2] == 100, "in order, each its size");
	CHECK(s.whole, "each record's bytes");
	CHECK_INT(cons, prod, "all of it given back");
	s = read_all(0, 0, false);
	CHECK_INT(s.n, 0, "nothing read twice");
}

static void check_busy(void)
{
	add(16, 0, 5);
	unsigned long at = add(24, BPF_RINGBUF_BUSY_BIT, 6);
	add(8, 0, 7);
	struct seen s = read_all(0, 0, false);
	CHECK_INT(s.n, 1, "a record being written ends the read");
	CHECK_INT(cons, at, "and is not given back");
	commit(at, 24);
	s = read_all(0, 0, false);
	CHECK(s.n == 2 && s.fill[0] == 6 && s.fill[1] == 7, "committed, it is read next");
	CHECK_INT(cons, prod, "then all given back");
}

static void check_wrap(void)
{
	while ((prod & (SIZE - 1)) < SIZE - 300) /* the next record crosses the end */
		add(200, BPF_RINGBUF_DISCARD_BIT, 0);
	struct seen s = read_all(0, 0, false);
	CHECK_INT(s.n, 0, "only discarded records");
	add(500, 0, 9);
	s = read_all(0, 0, false);
	CHECK(s.n == 1 && s.size[0] == 500 && s.whole, "a record across the end is read whole");
	CHECK_INT(cons, prod, "and given back");
}

static void check_stop_and_add(void)
{
	for (int i = 0; i < 5; i++)
		add(16, 0, (uint8_t)(20 + i));
	struct seen s = read_all(2, 0, false);
	CHECK_INT(s.n, 2, "the callback stops the read after its record");
	unsigned long after = cons;
	s = read_all(0, 1, false);
	CHECK(after < prod && s.n == 4 && s.fill[0] == 22 && s.fill[3] == 0xee,
	      "the next read goes on from there, and reads a record added meanwhile");
	CHECK_INT(cons, prod, "all given back");
}

static void check_steps(void)
{
	unsigned long from = cons;
	for (int i = 0; i < 400; i++) /* 243 200 bytes: most of the ring */
		add(600, 0, (uint8_t)i);
	struct seen s = read_all(0, 0, true);
	CHECK_INT(s.n, 400, "400 records");
	CHECK(!s.lagged, "space given back in steps, never ahead of the record read");
	CHECK_INT(cons, prod, "all of it at the end");
	CHECK(prod - from > 2 * RG_RING_FREE_EVERY, "past several steps");
}

int main(void)
{
	check_order();
	check_busy();
	check_wrap();
	check_stop_and_add();
	check_steps();
	return tap_done();
}
