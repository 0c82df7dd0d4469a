/* caps.h: giving up privilege once it is no longer needed.
 *
 * Linux capabilities, the bounding set and no_new_privs belong to a
 * thread, not a process: every thread that should run without them must
 * drop them itself. The recorder's main thread does after attach; the
 * store's writer thread does as it starts (it never needs any).
 */
#ifndef RG_CAPS_H
#define RG_CAPS_H

#include <stdint.h>

/* Drops every capability of the calling thread but those in keep (bit n:
 * capability n) from effective and permitted, all from inheritable and the
 * bounding set (when allowed), and sets no_new_privs. Returns 0, or -errno
 * when capset failed. */
int rg_caps_drop(uint64_t keep);
static inline int rg_caps_drop_all(void)
{
	return rg_caps_drop(0);
}

#endif /* RG_CAPS_H */
