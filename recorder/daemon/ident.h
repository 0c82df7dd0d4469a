/* ident.h: names for the ids the kernel records, resolved when recorded.
 *
 * Users and groups: read from the passwd and group files, not through
 * NSS. getpwuid_r() may ask LDAP, SSSD or winbind over the network, on
 * the thread that drains the kernel's ring: one slow directory server
 * would stall the recording. The files are parsed whole into a sorted
 * table (glibc's fgetpwent_r/fgetgrent_r), looked up by binary search,
 * and parsed again when they change. A name is the file's at the event,
 * not at its reading: a change is noticed by the file's (device, inode,
 * size, mtime, ctime), looked at (rg_ident_refresh) whenever the last
 * look came before the event to be named, and the parse before it is
 * kept for the events made before the change (its ctime) that are read
 * after it. So a user added a moment before its first process is named,
 * one deleted a moment after keeps its name, and a uid given to another
 * account is not named by the new one before the change. A version of
 * a file that stood only between two looks is never read: its events get
 * the names of the version before it. A file that is there but will not
 * open keeps the names last read. A name that exists only in a directory
 * service stays unresolved (NULL): its id is recorded.
 *
 * Cgroups: the v2 hierarchy's mount is found in /proc/self/mountinfo
 * (/sys/fs/cgroup on a v2-only host, /sys/fs/cgroup/unified on a hybrid
 * one). A cgroup id (the kernel's kernfs id, the directory's inode
 * number) is turned into its path relative to that mount: first from the
 * "0::" line of /proc/PID/cgroup of a process in it, checked by the inode
 * of the directory it names, else by a walk of the hierarchy (at most one
 * a second, bounded). Paths are cached by id.
 */
#ifndef RG_IDENT_H
#define RG_IDENT_H

#include <stdbool.h>
#include <stdint.h>

struct rg_ident;

struct rg_ident_opts {
	const char *passwd, *group; /* NULL: /etc/passwd, /etc/group */
	const char *cgroup_root;    /* NULL: the cgroup2 mount; "" none */
	const char *proc;           /* NULL: /proc */
};

struct rg_ident_stats {
	uint64_t user_loads, group_loads; /* times each file was parsed */
	uint64_t cgroup_misses;           /* ids not in the cache */
	uint64_t cgroup_walks;            /* walks of the hierarchy */
	uint64_t cgroup_unknown;          /* ids no path was found for */
};

/* Never NULL (alloc.h). */
struct rg_ident *rg_ident_new(const struct rg_ident_opts *o);
void rg_ident_free(struct rg_ident *id);

/* Parses the passwd and group files again if they changed, unless the
 * last look came after since_boot_ns (the boot-clock time of the event to
 * be named; 0: any look will do). Costs a stat of each file per event
 * made after the last look. Names looked up stay valid until the next
 * call. */
void rg_ident_refresh(struct rg_ident *id, int64_t since_boot_ns);

/* The name of uid / gid as the files had it at boot time at_boot_ns (0:
 * now), or NULL when they had none (or were never looked at: call
 * rg_ident_refresh first). */
const char *rg_ident_user(const struct rg_ident *id, uint32_t uid, int64_t at_boot_ns);
const char *rg_ident_group(const struct rg_ident *id, uint32_t gid, int64_t at_boot_ns);

/* The id of the cgroup at path below the v2 mount (its directory's
 * inode number), cached with it; 0 when unknown. For the processes found
 * at start, which /proc names by path. */
uint64_t rg_ident_cgroup_id(struct rg_ident *id, const char *path);

/* The path of cgroup cgid below the v2 mount ("/" for its root), or NULL;
 * pid is a process in it (0: none known). Valid until the next call. */
const char *rg_ident_cgroup(struct rg_ident *id, uint64_t cgid, uint32_t pid);

/* The v2 mount in use, or NULL when there is none. */
const char *rg_ident_cgroup_root(const struct rg_ident *id);

void rg_ident_stats(const struct rg_ident *id, struct rg_ident_stats *out);

#endif /* RG_IDENT_H */
