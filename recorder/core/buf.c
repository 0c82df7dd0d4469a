/* buf.c: growable byte buffer (see buf.h). */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

static void reserve(struct rg_buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->p = rg_realloc(b->p, cap);
	b->cap = cap;
}

void rg_buf_grow(struct rg_buf *b, size_t extra)
{
	reserve(b, extra);
}

void rg_buf_printf(struct rg_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Two digits per division: NDJSON writes about ten integers per event,
 * nanosecond times among them (19 digits), and one digit at a time was
 * the largest item in a profile of the recorder's main thread. */
static const char digits2[201] = "00010203040506070809101112131415161718192021222324252627282930"
				 "31323334353637383940414243444546474849505152535455565758596061"
				 "62636465666768697071727374757677787980818283848586878889909192"
				 "93949596979899";

/* The number of decimal digits of v: log10 from the bit length, then
 * one comparison, instead of a division per digit. pow10[0] is 0, not 1:
 * 0 has a digit too. */
static unsigned ndigits(uint64_t v)
{
	static const uint64_t pow10[20] = {
		0ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
		100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
		10000000000000ull, 100000000000000ull, 1000000000000000ull,
		10000000000000000ull, 100000000000000000ull, 1000000000000000000ull,
		10000000000000000000ull,
	};
	unsigned bits = 64 - (unsigned)__builtin_clzll(v | 1);
	unsigned n = (bits * 1233) >> 12; /* floor(log10(2^bits)): 1233 / 4096 ~ log10(2) */
	return n + (v >= pow10[n]); /* n <= 19 */
}

/* The last two digits of v at end[-2..-1]; returns v / 100. In 32 bits:
 * a division by a constant there is a multiply and a shift, in 64 bits
 * twice as many instructions. */
static inline uint32_t two_digits(char *end, uint32_t v)
{
	memcpy(end - 2, digits2 + (v % 100) * 2, 2);
	return v / 100;
}

/* Written in place, right to left, once the number of digits is known:
 * no copy from a scratch array (a call to memcpy for a few bytes). Eight
 * digits at a time go to 32-bit arithmetic: NDJSON's nanosecond times
 * have 19. */
void rg_buf_add_u64(struct rg_buf *b, uint64_t v)
{
	unsigned n = ndigits(v);
	if (b->len + n + 1 > b->cap)
		rg_buf_grow(b, n);
	char *p = b->p + b->len + n;
	b->len += n;
	for (; v >= 100000000; v /= 100000000, p -= 8) {
		uint32_t low = (uint32_t)(v % 100000000);
		for (int i = 0; i < 4; i++)
			low = two_digits(p - 2 * i, low);
	}
	uint32_t w = (uint32_t)v;
	for (; w >= 100; p -= 2)
		w = two_digits(p, w);
	if (w >= 10)
		two_digits(p, w);
	else
		p[-1] = (char)('0' + w);
}

const char *rg_buf_cstr(struct rg_buf *b)
{
	reserve(b, 0);
	b->p[b->len] = '\0';
	return b->p;
}

void rg_buf_free(struct rg_buf *b)
{
	free(b->p);
	*b = (struct rg_buf){0};
}

void rg_buf_add_cmdline(struct rg_buf *b, struct rg_str argv)
{
	uint32_t n = argv.len;
	if (n && argv.p[n - 1] == '\0')
		n--;
	for (uint32_t i = 0; i < n; i++)
		rg_buf_addc(b, argv.p[i] ? argv.p[i] : ' ');
}

unsigned rg_argv_count(struct rg_str argv)
{
	if (!argv.p || !argv.len)
		return 0;
	unsigned n = 1;
	for (uint32_t i = 0; i + 1 < argv.len; i++)
		n += argv.p[i] == '\0';
	return n;
}
