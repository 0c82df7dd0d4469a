/* ini_reader.h: the one INI dialect of rand-guard, for the config and rule files.
 *
 * inih does the parsing, but with its defaults three kinds of line would
 * change a file's meaning without a word: a line longer than its buffer is
 * split in two, a line that starts with whitespace continues the previous
 * value, and text after a section's ']' is ignored. Its string parser also
 * gives the handler no line number. So the text goes through
 * ini_parse_stream() and our own reader, which hands inih one line per call
 * and first checks that line: no NUL byte, short enough for the buffer inih
 * passes in (so inih never splits it), not indented, and a section the
 * caller accepts with nothing but a comment after ']'.
 *
 * Line numbers: inih asks for the next line only once it has handled the
 * previous one, so during a handler call ini->line is the line being
 * handled, and the line inih returns for a syntax error counts reader calls
 * the same way. After the first error the reader reports end of input; the
 * parse stops there, and the earlier of that error and inih's first syntax
 * error is the one reported.
 */
#ifndef RG_INI_H
#define RG_INI_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define RG_INI_MAX_FILE (1 << 20) /* real configs and rule files are small */
#define RG_INI_SHOW_MAX 40        /* bytes of a name or value quoted in a message */
#define RG_INI_SHOW_BUF (RG_INI_SHOW_MAX + sizeof("..."))

struct rg_ini {
	const char *name; /* the file name in messages; NULL: none */
	/* True when a "[name]" section (n bytes, not NUL-terminated) is one the
	 * caller reads or knows to skip; false makes it an error. */
	bool (*section_ok)(void *user, const char *name, size_t n);
	/* One "key = value" (inih's handler); return 0 after rg_ini_fail to stop. */
	int (*on_key)(void *user, const char *section, const char *key, const char *value);
	void *user;

	int line;     /* the line being handled */
	bool failed;
	int err_line; /* 0: the whole file */
	char msg[256];

	const char *p, *end; /* text not yet handed to inih */
};

/* Records the first error (later ones are ignored); returns 0 so that a
 * handler can return it as "stop". line 0: the whole file. */
__attribute__((format(printf, 3, 4)))
int rg_ini_fail(struct rg_ini *ini, int line, const char *fmt, ...);

/* Parses len bytes of text, calling ini->on_key for each key. */
void rg_ini_parse(struct rg_ini *ini, const char *text, size_t len);

/* Reads the whole file at path into b (at most RG_INI_MAX_FILE bytes).
 * Returns false, with the error recorded, if it cannot. */
bool rg_ini_read_file(struct rg_ini *ini, const char *path, struct rg_buf *b);

/* The error as "NAME:LINE: MESSAGE", "NAME: MESSAGE" or "MESSAGE". */
void rg_ini_message(const struct rg_ini *ini, char *err, size_t errlen);

/* Up to n bytes of s (it may end sooner with a NUL) as they may appear in
 * a message: at most RG_INI_SHOW_MAX of them, unprintable ones as '?',
 * "..." when cut. out holds RG_INI_SHOW_BUF bytes. */
const char *rg_ini_show(char *out, const char *s, size_t n);

#endif /* RG_INI_H */
