/* listfile.c: a rule value "@FILE" stands for the values a list file
 * holds, such as known-bad SHA-256 hashes (`exe_sha256 in @bad.sha256`).
 *
 * One value per line, its first word: a `sha256sum` output line ("HASH
 * NAME") gives its hash. Blank lines and lines starting with '#' are
 * skipped. A relative FILE is relative to the directory of the file the
 * rule is in. The file is read when the rules load (and on every reload),
 * so its values are part of the rules digest. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "rules_int.h"

#define LISTFILE_MAX (64u << 20) /* a million hashes with their names */

static int lfail(struct loader *ld, const char *path, const char *what)
{
	if (ld->cur)
		return rg_ini_fail(&ld->ini, ld->ini.line, "rule \"%s\": list file %s: %s",
				   ld->cur->id, path, what);
	return rg_ini_fail(&ld->ini, ld->ini.line, "list file %s: %s", path, what);
}

/* FILE, or the rule file's directory joined to it. */
static char *resolve(const struct loader *ld, const char *name)
{
	const char *slash = name[0] == '/' || !ld->name ? NULL : strrchr(ld->name, '/');
	if (!slash)
		return rg_strdup(name);
	size_t dir = (size_t)(slash - ld->name) + 1;
	char *p = rg_malloc(dir + strlen(name) + 1);
	memcpy(p, ld->name, dir);
	strcpy(p + dir, name);
	return p;
}

/* The whole regular file, NUL-terminated; NULL with errno on failure. */
static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	char *buf = NULL;
	if (fd < 0)
		return NULL;
	int err = fstat(fd, &st) ? errno
		  : !S_ISREG(st.st_mode) ? EINVAL
		  : (uint64_t)st.st_size > LISTFILE_MAX ? EFBIG : 0;
	if (err) {
		close(fd);
		errno = err;
		return NULL;
	}
	buf = rg_malloc((size_t)st.st_size + 1);
	size_t n = 0;
	ssize_t r;
	while (n < (size_t)st.st_size && (r = read(fd, buf + n, (size_t)st.st_size - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

char *rules_listfile_values(const char *text, size_t len, unsigned *count)
{
	struct rg_buf out = {0};
	const char *p = text, *end = text + len;
	*count = 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		while (p < eol && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		const char *w = p;
		while (p < eol && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\0')
			p++;
		if (p > w && *w == '@') { /* lists do not nest */
			free(out.p);
			*count = 0;
			return NULL;
		}
		if (p > w && *w != '#') {
			/* quoted: the rule tokenizer takes the word as it is */
			rg_buf_addc(&out, '"');
			for (const char *c = w; c < p; c++) {
				if (*c == '"' || *c == '\\')
					rg_buf_addc(&out, '\\');
				rg_buf_addc(&out, *c);
			}
			rg_buf_adds(&out, "\" ");
			(*count)++;
		}
		p = eol + 1;
	}
	rg_buf_addc(&out, '\0');
	return out.p;
}

char *rules_listfile(struct loader *ld, const char *name)
{
	char *path = resolve(ld, name), *text, *vals = NULL;
	size_t len = 0;
	unsigned n;
	if (!(text = slurp(path, &len))) {
		lfail(ld, path, errno == EFBIG ? "larger than 64 MiB"
			       : errno == EINVAL ? "not a regular file" : strerror(errno));
	} else if (!(vals = rules_listfile_values(text, len, &n))) {
		lfail(ld, path, "a value starts with '@' (list files do not nest)");
	} else if (!n) {
		lfail(ld, path, "has no value");
		free(vals);
		vals = NULL;
	}
	free(text);
	free(path);
	return vals;
}
