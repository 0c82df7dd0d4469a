/* config.c: loads rand-guard.ini into struct rg_config (see config.h).
 *
 * inih does the parsing, but with its defaults three kinds of line would
 * change a file's meaning without a word: a line longer than its buffer is
 * split in two, a line that starts with whitespace continues the previous
 * value, and text after a section's ']' is ignored. Its string parser also
 * gives the handler no line number. So the text goes through
 * ini_parse_stream() and our own reader, which hands inih one line per call
 * and first checks that line: no NUL byte, short enough for the buffer inih
 * passes in (so inih never splits it), not indented, and a known section
 * with nothing but a comment after ']'.
 *
 * Line numbers: inih asks for the next line only once it has handled the
 * previous one, so during a handler call ld->line is the line being
 * handled, and the line inih returns for a syntax error counts reader calls
 * the same way. After the first error the reader reports end of input; the
 * parse stops there, and the earlier of that error and inih's first syntax
 * error is the one reported.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "pathmatch.h"

#define MAX_FILE_BYTES (1 << 20) /* real configs are a few hundred bytes */
#define SHOW_MAX 40              /* bytes of a name or value quoted in a message */
#define SHOW_BUF (SHOW_MAX + sizeof("..."))

/* The field's C type must match the row's type, or this does not compile. */
#define FIELD(key, ctype)                                                      \
	(offsetof(struct rg_config, key) +                                     \
	 0 * sizeof(char[_Generic(((struct rg_config *)0)->key, ctype: 1, default: -1)]))
#define INT_KEY(sec, key, lo, hi, fl, def)                                     \
	{sec, #key, RG_CFG_INT, FIELD(key, int), lo, hi, fl, def}
#define BOOL_KEY(sec, key, def)                                                \
	{sec, #key, RG_CFG_BOOL, FIELD(key, bool), 0, 1, 0, def}
#define STR_KEY(sec, key, fl, def)                                             \
	{sec, #key, RG_CFG_STRING, FIELD(key, char *), 0, PATH_MAX - 1, fl, def}
#define LIST_KEY(sec, key, def)                                                \
	{sec, #key, RG_CFG_LIST, FIELD(key, char *), 0, 64 * 1024, 0, def}

const struct rg_config_key rg_config_keys[] = {
	STR_KEY("recorder", ndjson, 0, "-"),
	INT_KEY("recorder", health_interval_s, 1, 3600, 0, "10"),
	STR_KEY("store", db, RG_CFG_NONEMPTY, "var/rand-guard.db"),
	INT_KEY("store", batch_rows, 1, 100000, 0, "1000"),
	INT_KEY("store", batch_ms, 1, 10000, 0, "200"),
	INT_KEY("store", queue_events, 1024, 4194304, 0, "65536"),
	INT_KEY("bpf", ring_buffer_mb, 1, 1024, RG_CFG_POW2, "8"),
	/* the bound for the largest ring; validate() checks the actual one */
	INT_KEY("bpf", wakeup_kb, 4, 1024 * 1024 / 2, 0, "256"),
	INT_KEY("bpf", poll_ms, 1, 1000, 0, "50"),
	INT_KEY("process", table_max, 256, 4194304, 0, "65536"),
	BOOL_KEY("process", proc_bootstrap, "true"),
	{"file", "enabled", RG_CFG_BOOL, FIELD(file_enabled, bool), 0, 1, 0, "true"},
	LIST_KEY("file", watch_paths,
		 "/etc /boot /root/.ssh /usr/local/bin /usr/local/sbin /usr/lib/systemd/system "
		 "/var/spool/cron"),
	LIST_KEY("file", watch_patterns,
		 "authorized_keys authorized_keys2 *.service *.timer .bashrc .profile "
		 ".bash_profile .bash_logout id_rsa id_ecdsa id_ed25519 ld.so.preload"),
	LIST_KEY("file", exclude_paths, "/etc/ld.so.cache /proc /sys /dev /run /tmp /var/tmp"),
	{"network", "enabled", RG_CFG_BOOL, FIELD(net_enabled, bool), 0, 1, 0, "false"},
	LIST_KEY("network", hooks, "connect bind listen accept send"),
	{"network", "unix", RG_CFG_BOOL, FIELD(net_unix, bool), 0, 1, 0, "false"},
};
#define NKEYS (sizeof(rg_config_keys) / sizeof(rg_config_keys[0]))
const size_t rg_config_nkeys = NKEYS;

struct loader {
	struct rg_config cfg; /* a working copy, kept only on success */
	const char *name;     /* the file name in messages; NULL: none */
	const char *p, *end;  /* text not yet handed to inih */
	int line;             /* the line inih is handling */
	int key_line[NKEYS];  /* where each key was set; 0: not in this text */
	bool failed;
	int err_line; /* 0: the whole file */
	char msg[256];
};

static void *field(struct rg_config *c, const struct rg_config_key *k)
{
	return (char *)c + k->offset;
}

/* Like rg_buf: without memory there is nothing sensible left to do. */
static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

/* Up to n bytes of s (it may end sooner with a NUL) as they may appear in
 * a message: at most SHOW_MAX of them, unprintable ones as '?', "..." when
 * cut. out holds SHOW_BUF bytes. */
static const char *show(char *out, const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n && s[i] && i < SHOW_MAX; i++)
		out[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	strcpy(out + i, i < n && s[i] ? "..." : "");
	return out;
}

static int find_key(const char *section, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(rg_config_keys[i].section, section) &&
		    !strcmp(rg_config_keys[i].name, name))
			return (int)i;
	return -1;
}

static bool known_section(const char *s, size_t n)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strlen(rg_config_keys[i].section) == n &&
		    !memcmp(rg_config_keys[i].section, s, n))
			return true;
	return false;
}

/* Records the error; returns 0 so that callers can return it as "stop". */
__attribute__((format(printf, 3, 4)))
static int fail(struct loader *ld, int line, const char *fmt, ...)
{
	va_list ap;
	ld->failed = true;
	ld->err_line = line;
	va_start(ap, fmt);
	vsnprintf(ld->msg, sizeof(ld->msg), fmt, ap);
	va_end(ap);
	return 0;
}

static bool set_int(int *dst, const struct rg_config_key *k, const char *s, char *why,
		    size_t n)
{
	char a[SHOW_BUF];
	char *end;
	const char *digits = s[0] == '-' ? s + 1 : s;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!isdigit((unsigned char)*digits) || *end) {
		snprintf(why, n, "'%s' is not an integer", show(a, s, SIZE_MAX));
		return false;
	}
	if (errno == ERANGE || v < k->min || v > k->max) {
		snprintf(why, n, "%s is out of range %lld..%lld", show(a, s, SIZE_MAX), k->min,
			 k->max);
		return false;
	}
	if ((k->flags & RG_CFG_POW2) && (v & (v - 1))) {
		snprintf(why, n, "%lld is not a power of two", v);
		return false;
	}
	*dst = (int)v;
	return true;
}

static bool set_bool(bool *dst, const char *s, char *why, size_t n)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	char a[SHOW_BUF];
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*dst = !strcasecmp(s, yes[i]);
			return true;
		}
	}
	snprintf(why, n, "'%s' is not a boolean (true/false, yes/no, on/off, 1/0)",
		 show(a, s, SIZE_MAX));
	return false;
}

static bool set_string(char **dst, const struct rg_config_key *k, const char *s, char *why,
		       size_t n)
{
	size_t len = strlen(s);
	if (!len && (k->flags & RG_CFG_NONEMPTY)) {
		snprintf(why, n, "must not be empty");
		return false;
	}
	if (len > (size_t)k->max) {
		snprintf(why, n, "longer than %lld bytes", k->max);
		return false;
	}
	free(*dst);
	*dst = xstrdup(s);
	return true;
}

/* A list key: the first line that sets it replaces the default, a repeat
 * appends its words. */
static bool set_list(char **dst, const struct rg_config_key *k, const char *s, bool append,
		     char *why, size_t n)
{
	struct rg_buf b = {0};
	if (append && **dst) {
		rg_buf_adds(&b, *dst);
		rg_buf_addc(&b, ' ');
	}
	rg_buf_adds(&b, s);
	bool ok = set_string(dst, k, rg_buf_cstr(&b), why, n);
	rg_buf_free(&b);
	return ok;
}

/* Parses the text form s of key k into c. Returns false, with the reason
 * (without the key's name) in why, if s is not a valid value. */
static bool set_value(struct rg_config *c, const struct rg_config_key *k, const char *s,
		      bool append, char *why, size_t n)
{
	switch (k->type) {
	case RG_CFG_LIST:
		return set_list(field(c, k), k, s, append, why, n);
	case RG_CFG_INT:
		return set_int(field(c, k), k, s, why, n);
	case RG_CFG_BOOL:
		return set_bool(field(c, k), s, why, n);
	case RG_CFG_STRING:
		return set_string(field(c, k), k, s, why, n);
	}
	abort(); /* a row with a type this switch does not know */
}

/* The inih handler, and rg_config_set's way in: one "name = value". */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct loader *ld = user;
	char a[SHOW_BUF], b[SHOW_BUF], why[160];
	if (!*section)
		return fail(ld, ld->line, "key '%s' outside any section",
			    show(a, name, SIZE_MAX));
	int i = find_key(section, name);
	if (i < 0)
		return fail(ld, ld->line, "unknown key '%s' in [%s]", show(a, name, SIZE_MAX),
			    show(b, section, SIZE_MAX));
	bool list = rg_config_keys[i].type == RG_CFG_LIST, again = ld->key_line[i] != 0;
	if (again && !list)
		return fail(ld, ld->line, "duplicate key '%s' in [%s] (first set on line %d)",
			    name, section, ld->key_line[i]);
	ld->key_line[i] = ld->line;
	if (!set_value(&ld->cfg, &rg_config_keys[i], value, again, why, sizeof(why)))
		return fail(ld, ld->line, "[%s] %s: %s", section, name, why);
	return 1;
}

/* A "[name]" line: the name must be a known section and only a comment may
 * follow. The ']' is found as inih finds it (a ';' after whitespace starts
 * a comment); a line without one is left to inih, a syntax error. */
static bool check_section(struct loader *ld, const char *p)
{
	const char *name = p + 1, *e = name;
	char a[SHOW_BUF];
	bool was_space = false;
	while (*e && *e != ']' && !(was_space && *e == ';')) {
		was_space = isspace((unsigned char)*e);
		e++;
	}
	if (*e != ']')
		return true;
	int n = (int)(e - name);
	if (!known_section(name, (size_t)n))
		return fail(ld, ld->line, "unknown section [%s]", show(a, name, (size_t)n));
	for (e++; isspace((unsigned char)*e); e++)
		;
	if (*e && *e != ';' && *e != '#')
		return fail(ld, ld->line, "unexpected text after [%.*s]", n, name);
	return true;
}

/* Checks a line's text (NUL-terminated in line) before inih sees it. */
static bool check_text(struct loader *ld, const char *line)
{
	const char *p = line;
	while (isspace((unsigned char)*p))
		p++;
	if (!*p || *p == ';' || *p == '#')
		return true; /* blank or comment: inih skips these, indented or not */
	if (p > line)
		return fail(ld, ld->line,
			    "line starts with whitespace; continuation lines are not supported");
	return *p != '[' || check_section(ld, p);
}

/* Takes the next line off the text: its start and length without the
 * '\n', a '\r' before it, or (on the first line) a UTF-8 byte order mark. */
static void take_line(struct loader *ld, const char **s, size_t *len)
{
	const char *nl = memchr(ld->p, '\n', (size_t)(ld->end - ld->p));
	*s = ld->p;
	*len = (size_t)((nl ? nl : ld->end) - ld->p);
	ld->p = nl ? nl + 1 : ld->end;
	ld->line++;
	if (*len && (*s)[*len - 1] == '\r')
		--*len;
	if (ld->line == 1 && *len >= 3 && !memcmp(*s, "\xEF\xBB\xBF", 3)) {
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
	struct loader *ld = stream;
	const char *s;
	size_t len;
	if (ld->failed || ld->p == ld->end)
		return NULL;
	take_line(ld, &s, &len);
	if (memchr(s, '\0', len)) {
		fail(ld, ld->line, "NUL byte in line");
		return NULL;
	}
	if (len + 2 > (size_t)size) {
		fail(ld, ld->line, "line longer than %d bytes", size - 2);
		return NULL;
	}
	memcpy(buf, s, len);
	strcpy(buf + len, "\n");
	return check_text(ld, buf) ? buf : NULL;
}

/* Parses len bytes of text into ld->cfg, recording the first error. */
static void parse(struct loader *ld, const char *text, size_t len)
{
	ld->p = text;
	ld->end = text + len;
	int rc = ini_parse_stream(next_line, ld, on_key, ld);
	if (rc > 0 && (!ld->failed || rc < ld->err_line))
		fail(ld, rc, "syntax error");
	else if (rc < 0)
		fail(ld, 0, "the INI parser failed (%d)", rc);
}

/* Reads the whole file into b. Returns false, with the error recorded, if
 * it cannot be read or is larger than any sensible config (which also
 * stops a path like /dev/zero). */
static bool read_file(struct loader *ld, const char *path, struct rg_buf *b)
{
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "re");
	if (!f)
		return fail(ld, 0, "cannot open: %s", strerror(errno));
	do {
		n = fread(chunk, 1, sizeof(chunk), f);
		if (ferror(f)) {
			fail(ld, 0, "cannot read: %s", strerror(errno));
			break;
		}
		rg_buf_add(b, chunk, n);
		if (b->len > MAX_FILE_BYTES)
			fail(ld, 0, "larger than %d bytes", MAX_FILE_BYTES);
	} while (n == sizeof(chunk) && !ld->failed);
	fclose(f);
	return !ld->failed;
}

/* The [file] lists must make a matcher; an error names the list's line. */
static void validate_file_lists(struct loader *ld)
{
	const char *names[] = {"watch_paths", "watch_patterns", "exclude_paths"};
	for (int i = 0; i < 3 && !ld->failed; i++) {
		struct rg_pathmatch m;
		char why[200];
		const char *list = *(char **)field(&ld->cfg, &rg_config_keys[find_key("file", names[i])]);
		int rc = rg_pathmatch_init(&m, i == 0 ? list : NULL, i == 1 ? list : NULL,
					   i == 2 ? list : NULL, why, sizeof(why));
		if (rc)
			fail(ld, ld->key_line[find_key("file", names[i])], "[file] %s: %s",
			     names[i], why);
		else
			rg_pathmatch_free(&m);
	}
}

/* [network] hooks: known names only. */
static void validate_hooks(struct loader *ld)
{
	static const char *const known[] = {"connect", "bind", "listen", "accept", "send"};
	const char *p = ld->cfg.hooks;
	while (p && *p && !ld->failed) {
		size_t n = strcspn(p += strspn(p, " \t,"), " \t,"), k;
		for (k = 0; n && k < sizeof(known) / sizeof(known[0]); k++)
			if (strlen(known[k]) == n && !memcmp(p, known[k], n))
				break;
		if (n && k == sizeof(known) / sizeof(known[0]))
			fail(ld, ld->key_line[find_key("network", "hooks")],
			     "[network] hooks: unknown hook '%.*s' (connect bind listen accept send)",
			     (int)(n > SHOW_MAX ? SHOW_MAX : n), p);
		p += n;
	}
}

/* Cross-key rules, once every key is parsed. An error names the line of
 * the later of the keys involved. */
static void validate(struct loader *ld)
{
	validate_file_lists(ld);
	validate_hooks(ld);
	if (ld->failed)
		return;
	int ring = find_key("bpf", "ring_buffer_mb"), wake = find_key("bpf", "wakeup_kb");
	int half = ld->cfg.ring_buffer_mb * 1024 / 2;
	int line = ld->key_line[ring] > ld->key_line[wake] ? ld->key_line[ring]
							     : ld->key_line[wake];
	if (ld->cfg.wakeup_kb > half)
		fail(ld, line, "[bpf] wakeup_kb: %d is out of range %lld..%d (half of ring_buffer_mb = %d MB)",
		     ld->cfg.wakeup_kb, rg_config_keys[wake].min, half, ld->cfg.ring_buffer_mb);
}

/* Starts a load or set on a private copy of c. */
static void begin(struct loader *ld, const struct rg_config *c, const char *name)
{
	memset(ld, 0, sizeof(*ld));
	ld->name = name;
	ld->cfg = *c;
	for (size_t i = 0; i < NKEYS; i++) {
		if (rg_config_keys[i].type >= RG_CFG_STRING) { /* owned strings */
			char **s = field(&ld->cfg, &rg_config_keys[i]);
			*s = xstrdup(*s);
		}
	}
}

/* Ends a load or set: validates, then moves the copy into c, or discards
 * it and writes the message. Returns 0 or 2. */
static int finish(struct loader *ld, struct rg_config *c, char *err, size_t errlen)
{
	if (!ld->failed)
		validate(ld);
	if (!ld->failed) {
		rg_config_free(c);
		*c = ld->cfg;
		return 0;
	}
	rg_config_free(&ld->cfg);
	if (!ld->name)
		snprintf(err, errlen, "%s", ld->msg);
	else if (ld->err_line)
		snprintf(err, errlen, "%s:%d: %s", ld->name, ld->err_line, ld->msg);
	else
		snprintf(err, errlen, "%s: %s", ld->name, ld->msg);
	return 2;
}

void rg_config_defaults(struct rg_config *c)
{
	char why[160];
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < NKEYS; i++)
		if (!set_value(c, &rg_config_keys[i], rg_config_keys[i].def, false, why,
			       sizeof(why)))
			abort(); /* a row whose default breaks its own range */
}

int rg_config_load(struct rg_config *c, const char *path, char *err, size_t errlen)
{
	struct loader ld;
	struct rg_buf text = {0};
	begin(&ld, c, path);
	if (read_file(&ld, path, &text))
		parse(&ld, rg_buf_cstr(&text), text.len);
	rg_buf_free(&text);
	return finish(&ld, c, err, errlen);
}

int rg_config_load_string(struct rg_config *c, const char *name, const char *text,
			  char *err, size_t errlen)
{
	struct loader ld;
	begin(&ld, c, name);
	parse(&ld, text, strlen(text));
	return finish(&ld, c, err, errlen);
}

int rg_config_set(struct rg_config *c, const char *section, const char *key,
		  const char *value, char *err, size_t errlen)
{
	struct loader ld;
	begin(&ld, c, NULL);
	on_key(&ld, section, key, value);
	return finish(&ld, c, err, errlen);
}

void rg_config_free(struct rg_config *c)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (rg_config_keys[i].type >= RG_CFG_STRING) { /* owned strings */
			char **s = field(c, &rg_config_keys[i]);
			free(*s);
			*s = NULL;
		}
	}
}
