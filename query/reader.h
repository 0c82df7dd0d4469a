/* reader.h: stored event rows back into events, in seq order.
 *
 * The inverse of the store's writer: the columns of process_events,
 * file_events and network_events are the registry's fields (fields.h),
 * and the row codec that wrote each one reads it back (row.h), so a row
 * becomes the struct rg_event the recorder had, and the rule engine sees
 * in replay what it saw live. The three tables are merged by seq.
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

/* Events with first_seq <= seq <= last_seq; file and network events only
 * from from_seq on and up to until_ns (process events all: the lineage
 * needs them, and timestamps need not follow seq exactly). Of an event of
 * type t, only the registry fields in by_type[t] (bit i: rg_fields[i];
 * event_type and seq always) are read; the others stay zero. Each table's
 * query selects the columns some type needs, and a row's are fetched as
 * its type needs them: a column costs per row fetched. NULL with err on
 * failure. */
struct rgq_reader *rgq_reader_open(sqlite3 *db, uint64_t first_seq, uint64_t last_seq,
				   uint64_t from_seq, int64_t until_ns,
				   const rg_fmask by_type[RG_ET_COUNT], char *err, size_t errlen);
/* The next event, the reader's (its text too) until the next call; NULL
 * at the end or on an error (rgq_reader_error). */
const struct rg_event *rgq_reader_next(struct rgq_reader *r);
/* The bytes the text of that event takes (its strings, NUL-terminated). */
size_t rgq_reader_text_size(const struct rgq_reader *r);
/* That event copied to ev and its text to text (rgq_reader_text_size
 * bytes), where ev's strings then point. */
void rgq_reader_copy(const struct rgq_reader *r, struct rg_event *ev, char *text);
const char *rgq_reader_error(const struct rgq_reader *r);
void rgq_reader_close(struct rgq_reader *r);

#endif /* RGQ_READER_H */
