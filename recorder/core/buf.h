/* buf.h: a growable byte buffer, the one way userspace builds output. */
#ifndef RG_BUF_H
#define RG_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "event.h"

struct rg_buf {
	char *p;
	size_t len, cap;
};

void rg_buf_grow(struct rg_buf *b, size_t extra); /* the slow half of the adds */
/* Appends; on allocation failure aborts (the recorder cannot continue
 * meaningfully without memory, and a half-written record is worse).
 * Inline: NDJSON and the store append a few dozen pieces per event. */
static inline void rg_buf_add(struct rg_buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap)
		rg_buf_grow(b, n);
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}
/* One byte: inline, NDJSON adds a few dozen per line. */
static inline void rg_buf_addc(struct rg_buf *b, char c)
{
	if (b->len + 2 > b->cap)
		rg_buf_grow(b, 1);
	b->p[b->len++] = c;
}
/* Inline: of a literal, the compiler counts the bytes. */
static inline void rg_buf_adds(struct rg_buf *b, const char *s)
{
	rg_buf_add(b, s, strlen(s));
}
void rg_buf_printf(struct rg_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Decimal integers, without printf's cost (NDJSON formats many per line;
 * the signed one inline, not a call to make a call). */
void rg_buf_add_u64(struct rg_buf *b, uint64_t v);
static inline void rg_buf_add_i64(struct rg_buf *b, int64_t v)
{
	if (v < 0) {
		rg_buf_addc(b, '-');
		rg_buf_add_u64(b, -(uint64_t)v); /* INT64_MIN included */
	} else {
		rg_buf_add_u64(b, (uint64_t)v);
	}
}
/* NUL-terminates without counting the NUL in len. */
const char *rg_buf_cstr(struct rg_buf *b);
void rg_buf_free(struct rg_buf *b);

/* The display form of an argv (NUL-separated): arguments joined by one
 * space; a trailing NUL does not add an empty argument. */
void rg_buf_add_cmdline(struct rg_buf *b, struct rg_str argv);
/* Number of arguments in a NUL-separated argv. */
unsigned rg_argv_count(struct rg_str argv);

#endif /* RG_BUF_H */
