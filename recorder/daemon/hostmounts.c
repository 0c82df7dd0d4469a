/* hostmounts.c: the host's mount point of each superblock (hostmounts.h). */
#include "hostmounts.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rg_abi.h"

/* The next space-separated field of line[*at..len), as [*f, *f + *n). */
static int field(const char *line, size_t len, size_t *at, const char **f, size_t *n)
{
	while (*at < len && line[*at] == ' ')
		(*at)++;
	size_t start = *at;
	while (*at < len && line[*at] != ' ' && line[*at] != '\n')
		(*at)++;
	*f = line + start;
	*n = *at - start;
	return *n ? 0 : -1;
}

static int octal(char c)
{
	return c >= '0' && c <= '7' ? c - '0' : -1;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static int unescape(const char *s, size_t n, char *out, size_t outn)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\\' && i + 3 < n) {
			int a = octal(s[i + 1]), b = octal(s[i + 2]), d = octal(s[i + 3]);
			if (a >= 0 && b >= 0 && d >= 0 && a <= 3) {
				c = (char)(a << 6 | b << 3 | d);
				i += 3;
			}
		}
		if (o + 1 >= outn)
			return -1;
		out[o++] = c;
	}
	out[o] = 0;
	return 0;
}

int rg_mountinfo_line(const char *line, size_t len, uint32_t *kdev, char *mp, size_t mpn)
{
	const char *f;
	size_t n, at = 0;
	char num[24];
	if (field(line, len, &at, &f, &n) || field(line, len, &at, &f, &n) || /* ids */
	    field(line, len, &at, &f, &n) || n >= sizeof(num))
		return -1;
	memcpy(num, f, n);
	num[n] = 0;
	unsigned major, minor;
	char end;
	if (sscanf(num, "%u:%u%c", &major, &minor, &end) != 2 || major > 0xfff ||
	    minor > 0xfffff)
		return -1;
	const char *root;
	size_t rootn;
	if (field(line, len, &at, &root, &rootn) || field(line, len, &at, &f, &n) || f[0] != '/')
		return -1;
	if (unescape(f, n, mp, mpn))
		return -1;
	*kdev = major << 20 | minor;
	return rootn == 1 && root[0] == '/';
}

int rg_hostmounts_fill(int map_fd, const char *path)
{
	FILE *in = fopen(path, "re");
	if (!in)
		return -errno;
	/* emptied first: a superblock unmounted since, or its number reused */
	uint32_t key, next;
	while (bpf_map_get_next_key(map_fd, NULL, &next) == 0 &&
	       bpf_map_delete_elem(map_fd, &next) == 0)
		;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int written = 0;
	while ((len = getline(&line, &cap, in)) > 0) {
		struct rg_hostmnt v = {0};
		if (rg_mountinfo_line(line, (size_t)len, &key, v.path, sizeof(v.path)) != 1)
			continue;
		v.len = (uint32_t)strlen(v.path);
		/* the first mount of a superblock's root: the one mounted earliest */
		if (bpf_map_update_elem(map_fd, &key, &v, BPF_NOEXIST) == 0)
			written++;
	}
	free(line);
	fclose(in);
	return written;
}
