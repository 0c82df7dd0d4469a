/* ini_reader.c: the checked line reader around inih (see ini_reader.h). */
#include "ini_reader.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

const char *rg_ini_show(char *out, const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n && s[i] && i < RG_INI_SHOW_MAX; i++)
		out[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	strcpy(out + i, i < n && s[i] ? "..." : "");
	return out;
}

int rg_ini_fail(struct rg_ini *ini, int line, const char *fmt, ...)
{
	va_list ap;
	if (ini->failed)
		return 0;
	ini->failed = true;
	ini->err_line = line;
	va_start(ap, fmt);
	vsnprintf(ini->msg, sizeof(ini->msg), fmt, ap);
	va_end(ap);
	return 0;
}

/* A "[name]" line: the caller must accept the name and only a comment may
 * follow. The ']' is found as inih finds it (a ';' after whitespace starts
 * a comment); a line without one is left to inih, a syntax error. */
static bool check_section(struct rg_ini *ini, const char *p)
{
	const char *name = p + 1, *e = name;
	char a[RG_INI_SHOW_BUF];
	bool was_space = false;
	while (*e && *e != ']' && !(was_space && *e == ';')) {
		was_space = isspace((unsigned char)*e);
		e++;
	}
	if (*e != ']')
		return true;
	size_t n = (size_t)(e - name);
	if (!ini->section_ok(ini->user, name, n))
		return rg_ini_fail(ini, ini->line, "unknown section [%s]",
				   rg_ini_show(a, name, n));
	for (e++; isspace((unsigned char)*e); e++)
		;
	if (*e && *e != ';' && *e != '#')
		return rg_ini_fail(ini, ini->line, "unexpected text after [%s]",
				   rg_ini_show(a, name, n));
	return true;
}

/* Checks a line's text (NUL-terminated in line) before inih sees it. */
static bool check_text(struct rg_ini *ini, const char *line)
{
	const char *p = line;
	while (isspace((unsigned char)*p))
		p++;
	if (!*p || *p == ';' || *p == '#')
		return true; /* blank or comment: inih skips these, indented or not */
	if (p > line)
		return rg_ini_fail(ini, ini->line,
				   "line starts with whitespace; continuation lines are not supported");
	return *p != '[' || check_section(ini, p);
}

/* Takes the next line off the text: its start and length without the
 * '\n', a '\r' before it, or (on the first line) a UTF-8 byte order mark. */
static void take_line(struct rg_ini *ini, const char **s, size_t *len)
{
	const char *nl = memchr(ini->p, '\n', (size_t)(ini->end - ini->p));
	*s = ini->p;
	*len = (size_t)((nl ? nl : ini->end) - ini->p);
	ini->p = nl ? nl + 1 : ini->end;
	ini->line++;
	if (*len && (*s)[*len - 1] == '\r')
		--*len;
	if (ini->line == 1 && *len >= 3 && !memcmp(*s, "\xEF\xBB\xBF", 3)) {
		*s += 3;
		*len -= 3;
	}
}

/* The ini_reader: hands inih the next line as "text\n". The line must fit
 * with its '\n' and a NUL in the size inih offers (inih would cut a longer
 * one in two) and hold no NUL (inih would see only what comes before it).
 * Returns NULL at the end of the text or after an error. */
static char *next_line(char *buf, int size, void *stream)
{
	struct rg_ini *ini = stream;
	const char *s;
	size_t len;
	if (ini->failed || ini->p == ini->end)
		return NULL;
	take_line(ini, &s, &len);
	if (memchr(s, '\0', len)) {
		rg_ini_fail(ini, ini->line, "NUL byte in line");
		return NULL;
	}
	if (len + 2 > (size_t)size) {
		rg_ini_fail(ini, ini->line, "line longer than %d bytes", size - 2);
		return NULL;
	}
	memcpy(buf, s, len);
	strcpy(buf + len, "\n");
	return check_text(ini, buf) ? buf : NULL;
}

void rg_ini_parse(struct rg_ini *ini, const char *text, size_t len)
{
	ini->p = text;
	ini->end = text + len;
	ini->line = 0;
	int rc = ini_parse_stream(next_line, ini, ini->on_key, ini->user);
	if (rc > 0 && (!ini->failed || rc < ini->err_line)) {
		ini->failed = false; /* inih's syntax error came first */
		rg_ini_fail(ini, rc, "syntax error");
	} else if (rc < 0) {
		rg_ini_fail(ini, 0, "the INI parser failed (%d)", rc);
	}
}

/* The size limit also stops a path like /dev/zero. */
bool rg_ini_read_file(struct rg_ini *ini, const char *path, struct rg_buf *b)
{
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "re");
	if (!f)
		return rg_ini_fail(ini, 0, "cannot open: %s", strerror(errno));
	do {
		n = fread(chunk, 1, sizeof(chunk), f);
		if (ferror(f)) {
			rg_ini_fail(ini, 0, "cannot read: %s", strerror(errno));
			break;
		}
		rg_buf_add(b, chunk, n);
		if (b->len > RG_INI_MAX_FILE)
			rg_ini_fail(ini, 0, "larger than %d bytes", RG_INI_MAX_FILE);
	} while (n == sizeof(chunk) && !ini->failed);
	fclose(f);
	return !ini->failed;
}

void rg_ini_message(const struct rg_ini *ini, char *err, size_t errlen)
{
	if (!ini->name)
		snprintf(err, errlen, "%s", ini->msg);
	else if (ini->err_line)
		snprintf(err, errlen, "%s:%d: %s", ini->name, ini->err_line, ini->msg);
	else
		snprintf(err, errlen, "%s: %s", ini->name, ini->msg);
}
