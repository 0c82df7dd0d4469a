/* tracefs.h: tracefs mounted where libbpf looks for it.
 *
 * libbpf attaches a tracepoint program by the event's id in tracefs
 * (/sys/kernel/tracing, or debugfs's tracing/ where debugfs is mounted),
 * and rand-guard asks /sys/kernel/tracing/events which system call
 * tracepoints a kernel has. systemd mounts tracefs at boot; a host
 * without it (a container's init, a minimal VM) has nothing there until
 * someone mounts it, and every syscall tracepoint would then look absent.
 * Shared by the recorder's loader, the floor benchmark and the BPF unit
 * test, so that none of them depends on another having run first. */
#ifndef RG_TRACEFS_H
#define RG_TRACEFS_H

#include <sys/mount.h>
#include <unistd.h>

/* Mounts tracefs unless its events are there; a failure surfaces where
 * the events are used (attach, or the probe's answer). */
static inline void rg_tracefs_mount(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0)
		return;
	mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
}

#endif /* RG_TRACEFS_H */
