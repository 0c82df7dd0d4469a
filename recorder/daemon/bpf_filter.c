/* bpf_filter.c: the kernel file filter's maps (see bpf_filter.h). */
#include "bpf_filter.h"

#include <bpf/bpf.h>
#include <errno.h>

#include "rg_abi.h"

/* Stores path[0..n) + "/" (the kernel's key form) with value v in the
 * LPM trie fd. "/" itself is n = 0. */
static int put_prefix(int fd, const char *path, size_t n, uint32_t v)
{
	struct rg_prefix_key k = {0};
	memcpy(k.data, path, n);
	k.data[n] = '/';
	k.prefixlen = (uint32_t)(n + 1) * 8;
	return bpf_map_update_elem(fd, &k, &v, BPF_ANY) ? -errno : 0;
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
