/* bpf_filter.c: the kernel file filter's maps (see bpf_filter.h). */
#include "bpf_filter.h"

#include <bpf/bpf.h>
#include <errno.h>

#include "rg_abi.h"

/* The kernel's key form of path[0..n): with "/" appended. "/" itself is
 * n = 0. */
static struct rg_prefix_key prefix_key(const char *path, size_t n)
{
	struct rg_prefix_key k = {0};
	memcpy(k.data, path, n);
	k.data[n] = '/';
	k.prefixlen = (uint32_t)(n + 1) * 8;
	return k;
}

/* Stores path[0..n) with value v in the LPM trie fd. */
static int put_prefix(int fd, const char *path, size_t n, uint32_t v)
{
	struct rg_prefix_key k = prefix_key(path, n);
	return bpf_map_update_elem(fd, &k, &v, BPF_ANY) ? -errno : 0;
}

/* Removes path[0..n) from the LPM trie fd; one already gone is fine. */
static int drop_prefix(int fd, const char *path, size_t n)
{
	struct rg_prefix_key k = prefix_key(path, n);
	return bpf_map_delete_elem(fd, &k) && errno != ENOENT ? -errno : 0;
}

/* Whether m has the prefix path[0..n) (as stored: "/" is n = 0), or with
 * ancestor set, a prefix strictly below it. */
static bool has_key(const struct rg_pathmatch *m, const char *path, size_t n, bool ancestor)
{
	for (unsigned i = 0; i < m->nprefixes; i++) {
		const struct rg_pm_prefix *p = &m->prefixes[i];
		size_t pn = p->len == 1 ? 0 : p->len;
		if (ancestor ? pn > n && p->path[n] == '/' && !memcmp(p->path, path, n)
			     : pn == n && !memcmp(p->path, path, n))
			return true;
	}
	return false;
}

int rg_bpf_filter_fill(int prefixes_fd, int ancestors_fd, int names_fd,
		       const struct rg_pathmatch *m)
{
	for (unsigned i = 0; i < m->nprefixes; i++) {
		const struct rg_pm_prefix *p = &m->prefixes[i];
		size_t n = p->len == 1 ? 0 : p->len; /* "/" is stored as "/" */
		int rc = put_prefix(prefixes_fd, p->path, n, p->action);
		for (size_t a = 1; !rc && a < n; a++)
			if (p->path[a] == '/')
				rc = put_prefix(ancestors_fd, p->path, a, (uint32_t)a + 1);
		if (rc)
			return rc;
	}
	for (unsigned i = 0; i < m->npatterns; i++) {
		struct rg_name_key k;
		uint8_t one = 1;
		if (rg_pathmatch_kernel_pattern(m->patterns[i], &k) &&
		    bpf_map_update_elem(names_fd, &k, &one, BPF_ANY))
			return -errno;
	}
	return 0;
}

int rg_bpf_filter_prune(int prefixes_fd, int ancestors_fd, const struct rg_pathmatch *old,
			const struct rg_pathmatch *now)
{
	for (unsigned i = 0; i < old->nprefixes; i++) {
		const struct rg_pm_prefix *p = &old->prefixes[i];
		size_t n = p->len == 1 ? 0 : p->len;
		int rc = has_key(now, p->path, n, false) ? 0 : drop_prefix(prefixes_fd, p->path, n);
		for (size_t a = 1; !rc && a < n; a++)
			if (p->path[a] == '/' && !has_key(now, p->path, a, true))
				rc = drop_prefix(ancestors_fd, p->path, a);
		if (rc)
			return rc;
	}
	return 0;
}
