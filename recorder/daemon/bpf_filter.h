/* bpf_filter.h: writes the kernel file filter (bpf/file.bpf.h) into a
 * loaded BPF object.
 *
 * Its own file, apart from the loader, because more than one object holds
 * the filter: the recorder's, and the test objects under tests/bpf/ that
 * run the filter's helpers on their own. They must see the maps and
 * rodata exactly as the recorder fills them.
 */
#ifndef RG_BPF_FILTER_H
#define RG_BPF_FILTER_H

#include <string.h>

#include "pathmatch.h"

/* Writes m into the filter's maps, by fd (after load, before attach): the
 * prefixes into file_prefixes, the directories above each (never cached:
 * a prefix below them changes the verdict of some of their files) into
 * file_ancestors, and the name keys into file_names. Returns 0 or -errno. */
int rg_bpf_filter_fill(int prefixes_fd, int ancestors_fd, int names_fd,
		       const struct rg_pathmatch *m);

/* After rg_bpf_filter_fill(now) over a filter filled from old: removes
 * the prefixes and ancestors that only old has. Returns 0 or -errno. */
int rg_bpf_filter_prune(int prefixes_fd, int ancestors_fd, const struct rg_pathmatch *old,
			const struct rg_pathmatch *now);

/* Sets the rodata half of the name keys (file.bpf.h's rg_name_* globals,
 * from rg_pathmatch_name_sets) in ro, the rodata of any skeleton whose
 * object includes file.bpf.h (before load). A macro: each skeleton has a
 * rodata type of its own. */
#define RG_BPF_FILTER_RODATA(ro, m)                                             \
	do {                                                                    \
		struct rg_name_sets ns_;                                        \
		rg_pathmatch_name_sets((m), &ns_);                              \
		(ro)->rg_name_any = ns_.any;                                    \
		(ro)->rg_head_lens = ns_.head_lens;                             \
		(ro)->rg_tail_lens = ns_.tail_lens;                             \
		memcpy((void *)(ro)->rg_exact_by_last, ns_.exact_by_last,        \
		       sizeof(ns_.exact_by_last));                              \
		memcpy((void *)(ro)->rg_tail_by_last, ns_.tail_by_last,          \
		       sizeof(ns_.tail_by_last));                               \
		memcpy((void *)(ro)->rg_head_by_first, ns_.head_by_first,        \
		       sizeof(ns_.head_by_first));                              \
	} while (0)

#endif /* RG_BPF_FILTER_H */
