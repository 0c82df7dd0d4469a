/* alloc.h: the one way rand-guard allocates, and its one policy for failure.
 *
 * Policy: memory rand-guard asks for is memory it needs, so a failed
 * allocation stops the program. rg_malloc, rg_calloc, rg_realloc,
 * rg_strdup and rg_strndup never return NULL: when the system has no
 * memory they write one line ("rand-guard: out of memory (N bytes)") to
 * stderr and abort. Callers therefore never test their result.
 *
 * Why not carry on without: the code that could would drop a process's
 * context, a partial sequence match or a queued row with nothing in the
 * record to say so, and "no silent loss" is the recorder's first promise.
 * A stop is not silent: the run is left unclean, the supervisor starts
 * the next one, and the time between shows as a hole in the runs. (On
 * Linux, with overcommit, the OOM killer usually comes first anyway.)
 *
 * The one exception is memory that only makes something faster and whose
 * absence loses nothing: rg_try_calloc returns NULL and its caller goes
 * on with what it had. Its only user is the bounded table's bucket growth
 * (table.h): a table that cannot grow its buckets keeps the old ones,
 * with longer chains.
 *
 * A size of zero is asked for as one byte, so NULL always means failure.
 */
#ifndef RG_ALLOC_H
#define RG_ALLOC_H

#include <stddef.h>

#include "event.h"

void *rg_malloc(size_t n);
void *rg_calloc(size_t count, size_t size);
/* As realloc; p may be NULL. */
void *rg_realloc(void *p, size_t n);
char *rg_strdup(const char *s);
/* At most n bytes of s, NUL-terminated. */
char *rg_strndup(const char *s, size_t n);

/* Copies the n strings in[] into one new block and points each *out[i]
 * at its copy (a NULL string stays NULL, with its length); returns the
 * block, which owns every copy: the caller frees it once. The process
 * tables keep an entry's strings this way, one allocation per change. */
char *rg_strs_dup(struct rg_str *const out[], const struct rg_str in[], unsigned n);

/* As rg_calloc, but NULL when there is no memory: only for memory the
 * caller can do without (see above). */
void *rg_try_calloc(size_t count, size_t size);

/* Fault injection for tests: the next n allocations through this file
 * fail as if the system had no memory (the fatal ones then stop the
 * program, as they would). Zero, the default, injects nothing. */
void rg_alloc_fail_next(unsigned n);

#endif /* RG_ALLOC_H */
