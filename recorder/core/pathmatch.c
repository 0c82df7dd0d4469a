/* pathmatch.c: path matching and joining (see pathmatch.h). */
#include "pathmatch.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "rg_abi.h"

_Static_assert((int)RG_PM_WATCH == (int)RG_PREFIX_WATCH &&
		       (int)RG_PM_EXCLUDE == (int)RG_PREFIX_EXCLUDE &&
		       (int)RG_PM_WRITES == (int)RG_PREFIX_WRITES,
	       "pathmatch.h's actions are the kernel's prefix actions");
_Static_assert(RG_PM_PREFIX_MAX == RG_PREFIX_MAX, "pathmatch.h's index holds every prefix");

/* fnmatch needs NUL-terminated text: paths here may come straight from an
 * event's bytes. Paths longer than PATH_MAX-ish never match a pattern. */
bool rg_path_glob(const char *pattern, const char *path, size_t len)
{
	char buf[8192];
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, path, len);
	buf[len] = '\0';
	len = strlen(buf); /* what fnmatch sees */
	const char *base = strrchr(buf, '/');
	base = base ? base + 1 : buf;
	struct rg_glob g;
	rg_glob_init(&g, pattern);
	return (g.whole ? rg_glob_may(&g, buf, len)
			: rg_glob_may(&g, base, len - (size_t)(base - buf))) &&
	       rg_glob_fnmatch(&g, buf, base);
}

/* The characters that are not literal in a pattern (fnmatch without
 * FNM_CASEFOLD or FNM_EXTMATCH, the C locale; ']' counts, conservatively). */
static bool special(char c)
{
	return c == '*' || c == '?' || c == '[' || c == ']' || c == '\\';
}

void rg_glob_init(struct rg_glob *g, const char *pattern)
{
	size_t len = strlen(pattern), head = 0, tail = len;
	while (head < len && !special(pattern[head]))
		head++;
	while (tail > head && !special(pattern[tail - 1]))
		tail--;
	*g = (struct rg_glob){pattern, len, head, tail, strchr(pattern, '/') != NULL};
}

/* No FNM_PERIOD: a component '*' matches a name that starts with '.', so
 * a glob over /tmp's subdirectories covers /tmp/.x, where an intruder
 * would hide. */
bool rg_glob_fnmatch(const struct rg_glob *g, const char *path, const char *base)
{
	if (g->whole)
		return fnmatch(g->pattern, path, FNM_PATHNAME) == 0;
	return fnmatch(g->pattern, base, 0) == 0;
}

bool rg_open_flags_write(uint32_t flags)
{
	return (flags & O_ACCMODE) || (flags & (O_CREAT | O_TRUNC));
}

static bool under(const char *path, size_t len, const struct rg_pm_prefix *p)
{
	return rg_path_has_prefix(path, len, p->path, p->len);
}

/* The byte a prefix or path is indexed by (rg_pathmatch.by_byte). */
static unsigned second_byte(const char *path, size_t len)
{
	return len > 1 ? (unsigned char)path[1] : 0;
}

/* by_byte and start anew, a counting sort of the prefixes by their
 * second byte: after init, and after resolve adds or drops prefixes. */
static void index_prefixes(struct rg_pathmatch *m)
{
	unsigned at[257] = {0};
	for (unsigned i = 0; i < m->nprefixes; i++)
		at[second_byte(m->prefixes[i].path, m->prefixes[i].len) + 1]++;
	for (unsigned c = 1; c < 257; c++)
		at[c] += at[c - 1];
	for (unsigned c = 0; c < 257; c++)
		m->start[c] = (uint16_t)at[c];
	for (unsigned i = 0; i < m->nprefixes; i++)
		m->by_byte[at[second_byte(m->prefixes[i].path, m->prefixes[i].len)]++] =
			(uint16_t)i;
}

/* The longest of the prefixes of byte c that path is under, if longer
 * than best. */
static const struct rg_pm_prefix *longest(const struct rg_pathmatch *m, unsigned c,
					  const char *path, size_t len,
					  const struct rg_pm_prefix *best)
{
	for (unsigned i = m->start[c]; i < m->start[c + 1]; i++) {
		const struct rg_pm_prefix *p = &m->prefixes[m->by_byte[i]];
		if ((!best || p->len > best->len) && under(path, len, p))
			best = p;
	}
	return best;
}

bool rg_pathmatch_wanted(const struct rg_pathmatch *m, const char *path, size_t len,
			 bool writing)
{
	unsigned c = second_byte(path, len);
	const struct rg_pm_prefix *best = longest(m, 0, path, len, NULL);
	if (c)
		best = longest(m, c, path, len, best);
	if (best)
		return best->action == RG_PM_WATCH || (best->action == RG_PM_WRITES && writing);
	for (unsigned i = 0; i < m->npatterns; i++)
		if (rg_path_glob(m->patterns[i], path, len))
			return true;
	return false;
}

/* Calls add(word) for each space-separated word of list; stops at the
 * first error. */
static int each_word(struct rg_pathmatch *m, const char *list, enum rg_pm_action action,
		     int (*add)(struct rg_pathmatch *, const char *, size_t, enum rg_pm_action,
				char *, size_t),
		     char *err, size_t errlen)
{
	for (const char *p = list ? list : ""; *p;) {
		size_t skip = strspn(p, " \t,"), n;
		p += skip;
		n = strcspn(p, " \t,");
		if (n && add(m, p, n, action, err, errlen))
			return -1;
		p += n;
	}
	return 0;
}

static int add_prefix(struct rg_pathmatch *m, const char *w, size_t n, enum rg_pm_action action,
		      char *err, size_t errlen)
{
	if (w[0] != '/' || n > RG_PREFIX_LEN - 2 || memmem(w, n, "/./", 3) ||
	    memmem(w, n, "/../", 4) || memmem(w, n, "//", 2)) {
		snprintf(err, errlen, "'%.*s': a path prefix is an absolute, normalized path "
			 "of at most %d bytes", (int)n, w, RG_PREFIX_LEN - 2);
		return -1;
	}
	while (n > 1 && w[n - 1] == '/')
		n--;
	for (unsigned i = 0; i < m->nprefixes; i++) {
		if (m->prefixes[i].len == n && !memcmp(m->prefixes[i].path, w, n)) {
			snprintf(err, errlen, "'%.*s' is listed twice (watch_paths, watch_writes "
				 "and exclude_paths take a path once)", (int)n, w);
			return -1;
		}
	}
	if (m->nprefixes == RG_PREFIX_MAX) {
		snprintf(err, errlen, "more than %d watch and exclude paths", RG_PREFIX_MAX);
		return -1;
	}
	m->prefixes = rg_realloc(m->prefixes, (m->nprefixes + 1) * sizeof(*m->prefixes));
	m->prefixes[m->nprefixes++] = (struct rg_pm_prefix){rg_strndup(w, n), n, action};
	return 0;
}

static int add_pattern(struct rg_pathmatch *m, const char *w, size_t n,
		       enum rg_pm_action action, char *err, size_t errlen)
{
	(void)action;
	if ((memchr(w, '/', n) && w[0] != '/') || n > 255) {
		snprintf(err, errlen, "'%.*s': a pattern is a file name glob, or an absolute "
			 "path glob, of at most 255 bytes", (int)n, w);
		return -1;
	}
	if (m->npatterns == RG_PATTERN_MAX) {
		snprintf(err, errlen, "more than %d watch patterns", RG_PATTERN_MAX);
		return -1;
	}
	m->patterns = rg_realloc(m->patterns, (m->npatterns + 1) * sizeof(*m->patterns));
	m->patterns[m->npatterns++] = rg_strndup(w, n);
	return 0;
}

int rg_pathmatch_init(struct rg_pathmatch *m, const struct rg_pm_lists *l, char *err,
		      size_t errlen)
{
	memset(m, 0, sizeof(*m));
	if (each_word(m, l->watch_paths, RG_PM_WATCH, add_prefix, err, errlen) ||
	    each_word(m, l->watch_writes, RG_PM_WRITES, add_prefix, err, errlen) ||
	    each_word(m, l->exclude_paths, RG_PM_EXCLUDE, add_prefix, err, errlen) ||
	    each_word(m, l->watch_patterns, RG_PM_WATCH, add_pattern, err, errlen)) {
		rg_pathmatch_free(m);
		return -1;
	}
	m->nlisted = m->nprefixes;
	index_prefixes(m);
	return 0;
}

/* The canonical form of path (len bytes, absolute) into out: realpath of
 * its longest existing ancestor, then the components that do not exist.
 * Returns its length, or 0 when nothing resolves or it does not fit. */
static size_t canonical(const char *path, size_t len, char out[PATH_MAX])
{
	char head[PATH_MAX];
	size_t n = len;
	if (len >= sizeof(head))
		return 0;
	for (;;) {
		memcpy(head, path, n);
		head[n ? n : 1] = '\0';
		if (!n)
			head[0] = '/';
		if (realpath(head, out))
			break;
		if (!n)
			return 0;
		while (n > 0 && path[n - 1] != '/')
			n--; /* drop the last component ... */
		if (n > 1)
			n--; /* ... and its separator, keeping "/" */
		else
			n = 0;
	}
	size_t olen = strlen(out);
	if (n < len) { /* the part below that does not exist, as listed */
		if (olen + (len - n) + 1 >= PATH_MAX)
			return 0;
		if (olen == 1)
			olen = 0; /* "/" + "/rest": one separator */
		memcpy(out + olen, path + n, len - n);
		olen += len - n;
		out[olen] = '\0';
	}
	return olen;
}

static bool has_prefix_entry(const struct rg_pathmatch *m, const char *p, size_t n)
{
	for (unsigned i = 0; i < m->nprefixes; i++)
		if (m->prefixes[i].len == n && !memcmp(m->prefixes[i].path, p, n))
			return true;
	return false;
}

unsigned rg_pathmatch_resolve(struct rg_pathmatch *m,
			      void (*note)(void *ctx, const char *listed, const char *canonical),
			      void *ctx)
{
	unsigned added = 0;
	for (unsigned i = m->nlisted; i < m->nprefixes; i++)
		free(m->prefixes[i].path);
	m->nprefixes = m->nlisted;
	for (unsigned i = 0; i < m->nlisted; i++) {
		char real[PATH_MAX];
		const struct rg_pm_prefix *p = &m->prefixes[i];
		size_t n = canonical(p->path, p->len, real);
		if (!n || n > RG_PREFIX_LEN - 2 || has_prefix_entry(m, real, n) ||
		    m->nprefixes == RG_PREFIX_MAX)
			continue;
		m->prefixes = rg_realloc(m->prefixes, (m->nprefixes + 1) * sizeof(*m->prefixes));
		m->prefixes[m->nprefixes++] = (struct rg_pm_prefix){rg_strndup(real, n), n,
								    m->prefixes[i].action};
		if (note)
			note(ctx, m->prefixes[i].path, real);
		added++;
	}
	index_prefixes(m);
	return added;
}

void rg_pathmatch_free(struct rg_pathmatch *m)
{
	for (unsigned i = 0; i < m->nprefixes; i++)
		free(m->prefixes[i].path);
	for (unsigned i = 0; i < m->npatterns; i++)
		free(m->patterns[i]);
	free(m->prefixes);
	free(m->patterns);
	memset(m, 0, sizeof(*m));
}

bool rg_pathmatch_kernel_pattern(const char *pattern, struct rg_name_key *out)
{
	const char *base = strrchr(pattern, '/');
	base = base ? base + 1 : pattern;
	size_t n = strlen(base), head = strcspn(base, "*?[\\"), tail = 0;
	while (head < n && tail < n - head && !strchr("*?]\\", base[n - 1 - tail]))
		tail++; /* literal bytes after the last wildcard */
	memset(out, 0, sizeof(*out));
	if (head == n) {
		out->kind = n <= RG_PATTERN_PART ? RG_NAME_EXACT : RG_NAME_HEAD;
		out->len = (uint8_t)(n <= RG_PATTERN_PART ? n : RG_PATTERN_PART);
		memcpy(out->name, base, out->len);
	} else if (tail) {
		out->kind = RG_NAME_TAIL;
		out->len = (uint8_t)(tail < RG_PATTERN_PART ? tail : RG_PATTERN_PART);
		memcpy(out->name, base + n - out->len, out->len);
	} else if (head) {
		out->kind = RG_NAME_HEAD;
		out->len = (uint8_t)(head < RG_PATTERN_PART ? head : RG_PATTERN_PART);
		memcpy(out->name, base, out->len);
	}
	return out->kind != 0;
}

void rg_pathmatch_name_sets(const struct rg_pathmatch *m, struct rg_name_sets *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; m && i < m->npatterns; i++) {
		struct rg_name_key k;
		if (!rg_pathmatch_kernel_pattern(m->patterns[i], &k) || k.len == 0) {
			out->any = true;
			continue;
		}
		uint32_t bit = 1u << (k.len - 1);
		if (k.kind == RG_NAME_HEAD) {
			out->head_lens |= bit;
			out->head_by_first[k.name[0]] |= bit;
		} else if (k.kind == RG_NAME_TAIL) {
			out->tail_lens |= bit;
			out->tail_by_last[k.name[k.len - 1]] |= bit;
		}
		else
			out->exact_by_last[k.name[k.len - 1]] |= bit;
	}
}

void rg_path_join(struct rg_buf *b, const char *dir, size_t dlen, const char *name,
		  size_t nlen)
{
	size_t start = b->len;
	if (!dlen && !(nlen && name[0] == '/')) {
		rg_buf_add(b, name, nlen); /* no directory known: as the caller gave it */
		return;
	}
	rg_buf_addc(b, '/');
	for (int part = 0; part < 2; part++) {
		const char *s = part ? name : dir;
		size_t n = part ? nlen : dlen;
		if (!part && nlen && name[0] == '/')
			continue; /* an absolute name ignores the directory */
		for (size_t i = 0; i < n;) {
			size_t c = 0;
			while (i + c < n && s[i + c] != '/')
				c++;
			if (c == 2 && s[i] == '.' && s[i + 1] == '.') {
				while (b->len > start + 1 && b->p[b->len - 1] != '/')
					b->len--; /* drop the last component ... */
				if (b->len > start + 1)
					b->len--; /* ... and its separator */
			} else if (c && !(c == 1 && s[i] == '.')) {
				if (b->p[b->len - 1] != '/')
					rg_buf_addc(b, '/');
				rg_buf_add(b, s + i, c);
			}
			i += c + 1;
		}
	}
}
