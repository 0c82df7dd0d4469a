/* ndjson.h: the NDJSON output, one JSON object per line.
 *
 * Lines are built in memory and written with write(2) when the buffer
 * fills or the caller flushes (once per poll), so a line is never split
 * between two writes by us. Keys come from the field registry in its
 * order; an event carries the fields of its type only, and unknown values
 * are null. A failed write never blocks recording: its lines are counted
 * in ndjson_failures (health rows) and the output carries on.
 */
#ifndef RG_NDJSON_H
#define RG_NDJSON_H

#include <stdint.h>

#include "alert.h"
#include "buf.h"
#include "checkpoint.h"
#include "event.h"
#include "health.h"

struct rg_ndjson;

/* Opens path for appending ("-" is stdout) for this process's sole use:
 * a file is created 0600, and outfile.h says what is refused (a symlink,
 * another user's file, one another recorder is writing, ...). NULL with
 * err filled on failure, and *code (if not NULL) 2 when the file was
 * refused, else 1. */
struct rg_ndjson *rg_ndjson_open(const char *path, char *err, size_t errlen, int *code);
void rg_ndjson_event(struct rg_ndjson *nd, const struct rg_event *ev);
void rg_ndjson_health(struct rg_ndjson *nd, const struct rg_health *h);
/* An alert, with the whole triggering event under "event" (ev may be NULL
 * when it is not at hand). */
void rg_ndjson_alert(struct rg_ndjson *nd, const struct rg_alert *a, const struct rg_event *ev);
void rg_ndjson_gap(struct rg_ndjson *nd, const struct rg_gap *g);
/* A signed checkpoint of the hash chain (store/sign.h): event_type
 * "checkpoint", ts_ns, run_id, link, head, key_fpr, pubkey, sig. */
void rg_ndjson_checkpoint(struct rg_ndjson *nd, const struct rg_checkpoint *c);
/* Writes what is buffered. */
void rg_ndjson_flush(struct rg_ndjson *nd);
/* Flushes, then reopens the path (log rotation, on SIGHUP) with the
 * checks and the lock of the first open; on failure (-1) the old file
 * stays in use. */
int rg_ndjson_reopen(struct rg_ndjson *nd, char *err, size_t errlen);
/* Flushes and closes; NULL is fine. */
void rg_ndjson_close(struct rg_ndjson *nd);
uint64_t rg_ndjson_written(const struct rg_ndjson *nd);
uint64_t rg_ndjson_failures(const struct rg_ndjson *nd);

/* The formatters, one line each with its '\n' (also used by rgq). */
void rg_ndjson_format_event(struct rg_buf *b, const struct rg_event *ev);
void rg_ndjson_format_health(struct rg_buf *b, const struct rg_health *h);
void rg_ndjson_format_gap(struct rg_buf *b, const struct rg_gap *g);
void rg_ndjson_format_checkpoint(struct rg_buf *b, const struct rg_checkpoint *c);
void rg_ndjson_format_alert(struct rg_buf *b, const struct rg_alert *a,
			    const struct rg_event *ev);

#endif /* RG_NDJSON_H */
