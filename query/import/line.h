/* line.h: one line of the recorder's NDJSON (output/ndjson.c) back into
 * the structs it was written from, for `rgq import`.
 *
 * An event's keys are looked up in the field registry (core/fields.h), the
 * same list the writer walked: no second list of names. Lines are read as
 * the writer wrote them, exactly:
 *  - cJSON parses the structure; integers and strings are taken from the
 *    line's own text (a lexer beside it), because cJSON keeps numbers as
 *    doubles (a ts_ns has 19 digits; a double holds 15) and rejects or cuts
 *    strings the writer makes on purpose (\u0000, and \uDCXX, the
 *    surrogate-escaped byte XX of text that is not UTF-8: core/jsonesc.h);
 *  - argv and env come back NUL-separated with the terminator of the last
 *    argument, except when the line says they were cut (*_truncated);
 *  - keys it does not know are ignored (time, host, boot_id and any a
 *    later writer adds); host and boot_id are kept for the run's row.
 * A line it cannot take is refused with the reason, never half-read.
 */
#ifndef RGQ_IMPORT_LINE_H
#define RGQ_IMPORT_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "buf.h"
#include "event.h"
#include "health.h"

/* Longer lines are refused: far past any line the recorder writes. */
#define RGI_LINE_MAX (4u << 20)

enum rgi_kind { RGI_EVENT, RGI_ALERT, RGI_HEALTH, RGI_GAP, RGI_CHECKPOINT, RGI_UNKNOWN };

struct rgi_line {
	enum rgi_kind kind;
	struct rg_event ev; /* RGI_EVENT, or an alert's triggering event (has_ev) */
	bool has_ev;        /* RGI_ALERT: the line carried it ("event" or "trigger") */
	struct rg_alert a;
	struct rg_health h;
	struct rg_gap g;
	struct rg_str host, boot_id; /* {NULL} when the line has none */
	char type[40];               /* the event_type as written (RGI_UNKNOWN) */
};

struct rgi_parser;

/* A parser owns the strings of the last line it parsed (valid until the
 * next call) and the interned constant strings (syscall names, gap
 * reasons, ...: the store keeps such pointers as they are, store.h), valid
 * until rgi_parser_free. */
struct rgi_parser *rgi_parser_new(void);
void rgi_parser_free(struct rgi_parser *p);

/* Parses line[0..len) (no newline). 0, or -1 with why filled. */
int rgi_parse(struct rgi_parser *p, const char *line, size_t len, struct rgi_line *out,
	      char *why, size_t whylen);

#endif /* RGQ_IMPORT_LINE_H */
