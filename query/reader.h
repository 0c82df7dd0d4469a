/* reader.h: stored event rows back into events, in seq order.
 *
 * The inverse of the store's writer: the columns of process_events,
 * file_events, network_events and system_events are the registry's fields
 * (fields.h), and the row codec that wrote each one reads it back
 * (row.h), so a row becomes the struct rg_event the recorder had, and the
 * rule engine sees in replay what it saw live. seq is one sequence across
 * the tables (docs/schema.md): the reader reads a range of it at a time
 * from each table, each event into the slot of its seq, so the tables
 * need no merging.
 * On process_relationship and process_exit rows, where argv is not stored,
 * the event's argv is the stored cmdline (rules read it as cmdline, which
 * is the same text).
 */
#ifndef RGQ_READER_H
#define RGQ_READER_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "fields.h"

struct rgq_reader;

/* The seqs one read covers. */
#define RGQ_SPAN 1024

/* One read's events: the event of seq first + k, if there is one
 * (present[k]), in ev[k], its text in text. Kept by the caller from one
 * read to the next (zeroed at first): a slot's fields are cleared only as
 * far as the event it last held had any. */
struct rgq_span {
	uint64_t first;
	unsigned n; /* events present */
	bool present[RGQ_SPAN];
	const void *held[RGQ_SPAN]; /* the reader's note of what ev[k] last held */
	struct rg_event ev[RGQ_SPAN];
	char *text; /* the events' strings, NUL-terminated (grown by the reader, freed by the caller) */
	size_t used, cap;
};

/* Events with first_seq <= seq <= last_seq; file and network events only
 * from from_seq on and up to until_ns (process events all: the lineage
 * needs them, and timestamps need not follow seq exactly). Of an event of
 * type t, only the registry fields in by_type[t] (bit i: rg_fields[i];
 * event_type and seq always) are read; the others stay zero. Each table's
 * query passes the columns some type of that table needs to the reader's
 * decoding function, which reads those the row's type needs (a type it
 * does not know: all of them). NULL with err on failure. */
struct rgq_reader *rgq_reader_open(sqlite3 *db, uint64_t first_seq, uint64_t last_seq,
				   uint64_t from_seq, int64_t until_ns,
				   const rg_fmask by_type[RG_ET_COUNT], char *err, size_t errlen);
/* The events of the next range of seqs that has any into s; false at the
 * end or on an error (rgq_reader_error). */
bool rgq_reader_read(struct rgq_reader *r, struct rgq_span *s);
const char *rgq_reader_error(const struct rgq_reader *r);
void rgq_reader_close(struct rgq_reader *r);

#endif /* RGQ_READER_H */
