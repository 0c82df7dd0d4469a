/* pathmatch.h: which paths rand-guard records, and path text helpers.
 *
 * One implementation of path matching, used by the file filter and (later)
 * the rules, so "/etc" means the same everywhere:
 *
 *   - a prefix is component-aware: "/etc" matches "/etc" and "/etc/x",
 *     never "/etcfoo";
 *   - among watch_paths, watch_writes and exclude_paths, the longest
 *     matching prefix decides ("/etc" watched, "/etc/ssl" excluded:
 *     /etc/ssl/x is not recorded, /etc/passwd is); under a watch_writes
 *     prefix only what changes files is: opens for writing, creating or
 *     truncating, first writes, renames and unlinks, not read-only opens;
 *   - with no prefix matching, a path is recorded when a watch pattern
 *     matches: a pattern without '/' is a glob on the final component
 *     ("*.service", "authorized_keys"); one with '/' is a glob on the whole
 *     path in which '*' does not cross '/' (fnmatch FNM_PATHNAME). In both,
 *     '*' and '?' match a leading '.' too: a component '*' covers hidden
 *     directories such as /tmp/.x.
 *
 * The kernel applies the prefixes exactly (LPM trie) and the patterns as a
 * superset (literal head and tail of the final component); the recorder
 * applies this exact test to what arrives.
 */
#ifndef RG_PATHMATCH_H
#define RG_PATHMATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The kernel's prefix actions (RG_PREFIX_* in rg_abi.h, checked equal in
 * pathmatch.c): this header is also read where the ABI header is not. */
enum rg_pm_action {
	RG_PM_WATCH = 1,
	RG_PM_EXCLUDE = 2,
	RG_PM_WRITES = 3,
};

struct rg_name_key; /* rg_abi.h */

struct rg_pm_prefix {
	char *path; /* without a trailing '/' ("/" is kept as "/") */
	size_t len;
	enum rg_pm_action action;
};

#define RG_PM_PREFIX_MAX 256 /* RG_PREFIX_MAX (pathmatch.c checks) */

struct rg_pathmatch {
	struct rg_pm_prefix *prefixes;
	unsigned nprefixes;
	unsigned nlisted; /* prefixes[0..nlisted): the config's; after: resolved */
	char **patterns;
	unsigned npatterns;
	/* The prefixes (their indexes) by their second byte, '\0' for "/":
	 * those of byte c are by_byte[start[c]..start[c + 1]). A path is only
	 * tested against "/" and the prefixes of its own second byte. */
	uint16_t by_byte[RG_PM_PREFIX_MAX];
	uint16_t start[257];
};

/* The [file] config lists: space-separated words; NULL for none. */
struct rg_pm_lists {
	const char *watch_paths, *watch_writes, *exclude_paths, *watch_patterns;
};

/* Builds a matcher. Returns 0, or -1 with a message naming the bad entry
 * (or a prefix given twice) in err. */
int rg_pathmatch_init(struct rg_pathmatch *m, const struct rg_pm_lists *l, char *err,
		      size_t errlen);
void rg_pathmatch_free(struct rg_pathmatch *m);

/* Adds the canonical form of each listed prefix that goes through a
 * symlink ("/bin" -> "/usr/bin" on a merged /usr, a watched file that is
 * a link), with the listed one's action: the kernel names a successful
 * open by the file's own dentries, so only the canonical form matches
 * there, while failed opens, renames and unlinks carry the caller's name,
 * which the listed form matches. A prefix that does not exist (yet) is
 * resolved as far as its longest existing ancestor. Resolved forms that
 * are already listed, or too long for the kernel key, are not added; a
 * second call drops the forms the first added and resolves anew. Calls
 * note(ctx, listed, canonical) for each form added; returns how many. */
unsigned rg_pathmatch_resolve(struct rg_pathmatch *m,
			      void (*note)(void *ctx, const char *listed, const char *canonical),
			      void *ctx);

/* True when activity on the path (absolute, normalized, len bytes) is
 * recorded; writing: the activity changes the file (see above). */
bool rg_pathmatch_wanted(const struct rg_pathmatch *m, const char *path, size_t len,
			 bool writing);

/* Whether open flags change the file: write access, O_CREAT or O_TRUNC
 * (the kernel filter's rg_flags_write). */
bool rg_open_flags_write(uint32_t flags);

/* Component-aware prefix test (see above). Inline, the cheap tests first:
 * the file filter tests every file event against its prefixes and the
 * rules test paths against prefix lists, and most fail on the byte after
 * the prefix or on its last byte, without a memcmp. */
static inline bool rg_path_has_prefix(const char *path, size_t len, const char *prefix,
				      size_t plen)
{
	if (plen == 1 && prefix[0] == '/')
		return len > 0 && path[0] == '/';
	if (len < plen || (len != plen && path[plen] != '/'))
		return false;
	return !plen || (path[plen - 1] == prefix[plen - 1] && !memcmp(path, prefix, plen - 1));
}
/* Glob test of one pattern against an absolute path (see above). */
bool rg_path_glob(const char *pattern, const char *path, size_t len);

/* A glob pattern read once, for testing many paths: its literal head
 * (pattern[0..head), the bytes before its first special character '*',
 * '?', '[', ']' or a backslash) and its literal tail (pattern[tail..len),
 * the bytes after its last; tail == len when it has none, head == len
 * when it has no special character), which match only themselves, and
 * whether it has a '/' (a glob on the whole path). pattern must outlive it. */
struct rg_glob {
	const char *pattern;
	size_t len, head, tail;
	bool whole;
};
void rg_glob_init(struct rg_glob *g, const char *pattern);
/* Whether text (n bytes: the path for a whole-path glob, else its final
 * component) can match g at all: it must begin with the pattern's literal
 * head and end with its literal tail, as those match only themselves.
 * Most paths fail here, on their last byte or a compare, and fnmatch
 * (rg_glob_fnmatch) answers for the rest: rules test every file event's
 * path against globs such as "*.pem" (on rg-gen's recording, one path in
 * sixteen gets past this). Inline: the rules ask it of every glob a path
 * meets, needing no NUL-terminated copy of the path for it. */
static inline bool rg_glob_may(const struct rg_glob *g, const char *text, size_t n)
{
	size_t tn = g->len - g->tail;
	if (n < g->head || n < tn)
		return false;
	if (tn && text[n - 1] != g->pattern[g->len - 1])
		return false;
	return !memcmp(text, g->pattern, g->head) && !memcmp(text + n - tn, g->pattern + g->tail, tn);
}
/* rg_path_glob's answer for a path rg_glob_may let through: fnmatch of g
 * on the NUL-terminated path (a whole-path glob) or on its final
 * component, which starts at base. */
bool rg_glob_fnmatch(const struct rg_glob *g, const char *path, const char *base);

/* The kernel's superset form of a pattern, a key on the final component:
 * the exact name (no wildcard, at most 32 bytes), else the literal tail
 * after the last wildcard, else the literal head. Returns false when the
 * pattern has neither (e.g. "*"): every name may match. */
bool rg_pathmatch_kernel_pattern(const char *pattern, struct rg_name_key *out);

/* The kernel filter's rodata half of the name keys (file.bpf.h's rg_name_*
 * and rg_*_by_* globals): the lengths of head and tail keys; by byte value, bit L-1 when an exact or tail
 * key of length L ends with it, or a head key of length L starts with
 * it; any: some pattern has no key, so every name may match. */
struct rg_name_sets {
	bool any;
	uint32_t head_lens, tail_lens; /* bit L-1: some key of length L */
	uint32_t exact_by_last[256], tail_by_last[256], head_by_first[256];
};
void rg_pathmatch_name_sets(const struct rg_pathmatch *m, struct rg_name_sets *out);

/* Appends dir + "/" + name (name alone when it is absolute) to b,
 * lexically normalized: "//" and "." components removed, ".." removes the
 * component before it (never above "/"). A relative name with no dir (the
 * kernel could not resolve a bad dirfd) is appended as it is. */
void rg_path_join(struct rg_buf *b, const char *dir, size_t dlen, const char *name,
		  size_t nlen);

#endif /* RG_PATHMATCH_H */
