/* alloc.c: allocation with one policy for failure (see alloc.h). */
#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned fail_next; /* injected failures still to come (tests) */

void rg_alloc_fail_next(unsigned n)
{
	fail_next = n;
}

/* Whether this allocation is one a test asked to fail. */
static int injected(void)
{
	if (!fail_next)
		return 0;
	fail_next--;
	return 1;
}

/* The end of the program when memory it needs cannot be had: one line
 * that says so, then abort (a core, not a half-written record). */
static void *out_of_memory(size_t n)
{
	fprintf(stderr, "rand-guard: out of memory (%zu bytes)\n", n);
	abort();
}

void *rg_try_calloc(size_t count, size_t size)
{
	if (injected())
		return NULL;
	return calloc(count ? count : 1, size ? size : 1);
}

void *rg_calloc(size_t count, size_t size)
{
	void *p = rg_try_calloc(count, size);
	return p ? p : out_of_memory(count * size);
}

void *rg_malloc(size_t n)
{
	void *p = injected() ? NULL : malloc(n ? n : 1);
	return p ? p : out_of_memory(n);
}

void *rg_realloc(void *p, size_t n)
{
	void *q = injected() ? NULL : realloc(p, n ? n : 1);
	return q ? q : out_of_memory(n);
}

char *rg_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = rg_malloc(len + 1);
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *rg_strdup(const char *s)
{
	return rg_strndup(s, strlen(s));
}

char *rg_strs_dup(struct rg_str *const out[], const struct rg_str in[], unsigned n)
{
	size_t total = 0;
	for (unsigned i = 0; i < n; i++)
		total += in[i].len;
	char *block = rg_malloc(total), *at = block;
	for (unsigned i = 0; i < n; i++) {
		if (in[i].p)
			memcpy(at, in[i].p, in[i].len);
		*out[i] = (struct rg_str){in[i].p ? at : NULL, in[i].len};
		at += in[i].len;
	}
	return block;
}
