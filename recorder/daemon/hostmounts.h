/* hostmounts.h: where the host mounts each filesystem, for the kernel's
 * host paths (bpf/path.bpf.h, host_mounts).
 *
 * A file reached through a bind mount, another mount namespace or a chroot
 * has a path the host does not use. The kernel rebuilds the host's path
 * from the file's path inside its superblock and the host's mount point of
 * that superblock's root, which this module reads from /proc/1/mountinfo
 * (the mount namespace of pid 1, the host's as the recorder sees it): for
 * each superblock, its first mount whose root is the filesystem's root.
 */
#ifndef RG_HOSTMOUNTS_H
#define RG_HOSTMOUNTS_H

#include <stddef.h>
#include <stdint.h>

/* One line of mountinfo (proc(5)): 1 with *kdev (the kernel's s_dev
 * encoding, MAJOR << 20 | MINOR) and the mount point in mp (octal escapes
 * undone, NUL-terminated) when the mount shows its filesystem's root; 0
 * for a mount of a subdirectory (a bind mount); -1 when the line is not
 * mountinfo or the mount point does not fit mpn bytes. */
int rg_mountinfo_line(const char *line, size_t len, uint32_t *kdev, char *mp, size_t mpn);

/* Replaces what map_fd (a BPF hash: u32 s_dev -> struct rg_hostmnt) holds
 * by the mounts in path. Returns the superblocks written, or -errno. */
int rg_hostmounts_fill(int map_fd, const char *path);

#endif /* RG_HOSTMOUNTS_H */
