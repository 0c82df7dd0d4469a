/* who.h: pure parsers of who ran a process and where: the origin its
 * environment carries, and the container its cgroup path names. No file
 * is read: both are unit-tested on tables of inputs and fuzzed.
 *
 * Container runtimes put each container's processes in a cgroup whose
 * name carries the container's id (docker-ID.scope, /docker/ID,
 * cri-containerd-ID.scope, crio-ID, libpod-ID.scope, lxc.payload.NAME,
 * systemd-nspawn@NAME.service, ...). rg_container_parse reads the id and
 * the runtime back from the path, the innermost component that names one
 * winning (a container in a container is the inner one).
 *
 * The origin: sudo sets SUDO_USER and SUDO_UID, sshd SSH_CONNECTION
 * ("client port server port") and SSH_CLIENT ("client port serverport")
 * in the environment of the session, which its processes inherit.
 */
#ifndef RG_WHO_H
#define RG_WHO_H

#include <stdbool.h>

#include "event.h"

/* The id (a slice of path) and the runtime ("docker", "containerd",
 * "cri-o", "podman", "cri", "systemd-nspawn", "lxc") of the container
 * path names; false, with *id and *runtime untouched, when it names
 * none. path is a cgroup v2 path such as "/system.slice/docker-ID.scope",
 * not NUL-terminated. */
bool rg_container_parse(struct rg_str path, struct rg_str *id, const char **runtime);

/* What an environment (NUL-separated NAME=value, as [process] env keeps
 * it) says of the session: slices of env, NULL when absent. */
struct rg_origin {
	struct rg_str sudo_user, sudo_uid;
	struct rg_str ssh_client; /* the client's address */
	uint32_t ssh_client_port; /* 0: none */
};
void rg_origin_parse(struct rg_str env, struct rg_origin *o);

#endif /* RG_WHO_H */
