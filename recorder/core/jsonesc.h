/* jsonesc.h: bytes to a JSON string literal, never breaking a line.
 *
 * Kernel strings are bytes, not text: a file name may hold a newline, an
 * escape sequence or invalid UTF-8. Every such byte must survive into the
 * NDJSON without splitting a record or producing JSON a parser rejects.
 *
 *  - '"', '\\' and C0 controls are escaped (\n, \t, ... or \u00XX), and so
 *    are DEL and U+2028/U+2029 (JavaScript line terminators);
 *  - well-formed UTF-8 passes through unchanged;
 *  - every byte that is not part of well-formed UTF-8 becomes \uDCXX (XX is
 *    the byte), Python's "surrogateescape": a reader can restore the exact
 *    bytes, and no valid character is ever written that way.
 */
#ifndef RG_JSONESC_H
#define RG_JSONESC_H

#include <stddef.h>

#include "buf.h"

/* Appends p[0..len) as a quoted JSON string. */
void rg_json_str(struct rg_buf *b, const char *p, size_t len);
/* The escaped bytes only, without quotes (to build one string from parts). */
void rg_json_chars(struct rg_buf *b, const char *p, size_t len);
/* Same as rg_json_str for a NUL-terminated string. */
void rg_json_str_c(struct rg_buf *b, const char *s);
/* Space-separated words (an alert's tags, a DNS answer's addresses) as a
 * JSON array of strings: ["a","b"]; runs of spaces and an empty or NULL
 * p give no empty word. Tags are this text in NDJSON and in SQL alike. */
void rg_json_words(struct rg_buf *b, const char *p, size_t len);

#endif /* RG_JSONESC_H */
