/* ndjson.h: the NDJSON output, one JSON object per line.
 *
 * Lines are built in memory and written with write(2) when the buffer
 * fills or the caller flushes (once per poll), so a line is never split
 * between two writes by us. Keys come from the field registry in its
 * order; an event carries the fields of its type only, and unknown values
 * are null. A failed write never blocks recording: its lines are counted
 * in ndjson_failures (health rows) and the output carries on.
 *
 * Every line starts with "event_type", then its identity and "ts_ns"
 * (integer wall-clock ns), then "time" (the same instant as RFC 3339 UTC
 * with nanoseconds: a JSON tool that reads numbers as doubles loses the
 * last digits of ts_ns), "host" and "boot_id" (docs/schema.md, NDJSON).
 * The ECS profile writes Elastic Common Schema documents instead
 * (ecs.h, docs/ecs.md).
 */
#ifndef RG_NDJSON_H
#define RG_NDJSON_H

#include <stdint.h>

#include "alert.h"
#include "buf.h"
#include "checkpoint.h"
#include "event.h"
#include "health.h"

/* [recorder] ndjson_format */
enum rg_ndjson_profile { RG_NDJSON_NATIVE, RG_NDJSON_ECS };
/* "native" or "ecs"; -1 for anything else. */
int rg_ndjson_profile_parse(const char *s);

struct rg_ndjson_opts {
	const char *host;    /* NULL: written as null */
	const char *boot_id; /* NULL: written as null */
	enum rg_ndjson_profile profile;
};

/* What a formatter keeps between lines: the host and boot id as JSON text,
 * made once, and the date and time of the last second formatted, so a
 * line in the same second formats only its nanoseconds. One per thread. */
struct rg_ndjson_time {
	int64_t sec;        /* the second `prefix` holds */
	char prefix[24];    /* "\"2026-12-02T15:36:28." */
	uint8_t prefix_len;
};
struct rg_ndjson_fmt {
	enum rg_ndjson_profile profile;
	struct rg_ndjson_time now;   /* lines' times: mostly the same second */
	struct rg_ndjson_time other; /* other times (ECS dates): not to evict it */
	char *origin;       /* ,"host":...,"boot_id":... */
	size_t origin_len;
	char *host, *boot_id; /* each a JSON value: "text" or null */
	void *ecs;          /* the ECS profile's scratch (ecs.c), NULL until used */
};
void rg_ndjson_fmt_init(struct rg_ndjson_fmt *f, const struct rg_ndjson_opts *o);
void rg_ndjson_fmt_free(struct rg_ndjson_fmt *f);
/* Appends ns as a quoted RFC 3339 UTC time with nanoseconds. */
void rg_ndjson_add_time(struct rg_ndjson_fmt *f, struct rg_buf *b, int64_t ns);
void rg_ndjson_add_time_in(struct rg_ndjson_time *t, struct rg_buf *b, int64_t ns);
/* What follows "ts_ns" on every native line: ,"time":...,"host":...,"boot_id":...
 * (a new kind of line calls it right after its ts_ns). */
void rg_ndjson_add_stamp(struct rg_ndjson_fmt *f, struct rg_buf *b, int64_t ts_ns);

struct rg_ndjson;

/* Opens path for appending ("-" is stdout) for this process's sole use:
 * a file is created 0600, and outfile.h says what is refused (a symlink,
 * another user's file, one another recorder is writing, ...). NULL with
 * err filled on failure, and *code (if not NULL) 2 when the file was
 * refused, else 1. */
struct rg_ndjson *rg_ndjson_open(const char *path, const struct rg_ndjson_opts *o, char *err,
				 size_t errlen, int *code);
void rg_ndjson_event(struct rg_ndjson *nd, const struct rg_event *ev);
void rg_ndjson_health(struct rg_ndjson *nd, const struct rg_health *h);
/* An alert, with the whole triggering event under "trigger" (ev may be
 * NULL when it is not at hand). */
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

/* The formatters, one line each with its '\n', in f's profile. */
void rg_ndjson_format_event(struct rg_ndjson_fmt *f, struct rg_buf *b,
			    const struct rg_event *ev);
void rg_ndjson_format_health(struct rg_ndjson_fmt *f, struct rg_buf *b,
			     const struct rg_health *h);
void rg_ndjson_format_gap(struct rg_ndjson_fmt *f, struct rg_buf *b, const struct rg_gap *g);
void rg_ndjson_format_checkpoint(struct rg_ndjson_fmt *f, struct rg_buf *b,
				 const struct rg_checkpoint *c);
void rg_ndjson_format_alert(struct rg_ndjson_fmt *f, struct rg_buf *b, const struct rg_alert *a,
			    const struct rg_event *ev);

#endif /* RG_NDJSON_H */
