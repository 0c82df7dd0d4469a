/* prefetch.h: a reader's events (reader.h) read ahead on a thread of its
 * own, so that replay's rule evaluation and SQLite's row decoding run on
 * two CPUs at once (each is about half of replay's work).
 *
 * The thread reads through a connection of its own to the same file (a
 * connection is one thread's: rgq opens them without SQLite's mutexes),
 * and hands the events over a span of seqs at a time (struct rgq_span),
 * the reader having decoded each row into its slot and copied its text
 * out of SQLite's into the span. The events are the reader's, in its
 * order.
 */
#ifndef RGQ_PREFETCH_H
#define RGQ_PREFETCH_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "fields.h"

struct rgq_prefetch;

/* As rgq_reader_open, on the file db has open. NULL with err on failure. */
struct rgq_prefetch *rgq_prefetch_open(sqlite3 *db, uint64_t first_seq, uint64_t last_seq,
				       uint64_t from_seq, int64_t until_ns,
				       const rg_fmask by_type[RG_ET_COUNT], char *err,
				       size_t errlen);
/* As rgq_reader_next: the next event, valid until the next call; NULL at
 * the end or on an error (rgq_prefetch_error). */
const struct rg_event *rgq_prefetch_next(struct rgq_prefetch *p);
/* The reader's error once rgq_prefetch_next said NULL, else NULL. */
const char *rgq_prefetch_error(const struct rgq_prefetch *p);
/* Stops the thread (it may not have read to the end) and frees p. */
void rgq_prefetch_close(struct rgq_prefetch *p);

#endif /* RGQ_PREFETCH_H */
