/* who.c: the origin an environment carries and the container a cgroup
 * path names (see who.h). */
#include "who.h"

#include <string.h>

/* ---- the container ------------------------------------------------------- */

#define ID_HEX 64 /* docker, containerd, CRI-O and podman ids: 64 hex digits */

static bool starts(struct rg_str s, const char *prefix)
{
	size_t n = strlen(prefix);
	return s.len >= n && memcmp(s.p, prefix, n) == 0;
}

static bool ends(struct rg_str s, const char *suffix)
{
	size_t n = strlen(suffix);
	return s.len >= n && memcmp(s.p + s.len - n, suffix, n) == 0;
}

static bool eq(struct rg_str s, const char *word)
{
	return s.len == strlen(word) && memcmp(s.p, word, s.len) == 0;
}

static bool hex_id(struct rg_str s)
{
	if (s.len != ID_HEX)
		return false;
	for (uint32_t i = 0; i < s.len; i++)
		if (!((s.p[i] >= '0' && s.p[i] <= '9') || (s.p[i] >= 'a' && s.p[i] <= 'f')))
			return false;
	return true;
}

/* s without prefix and suffix (the caller checked both are there). */
static struct rg_str inner(struct rg_str s, const char *prefix, const char *suffix)
{
	size_t a = strlen(prefix), b = suffix ? strlen(suffix) : 0;
	return (struct rg_str){s.p + a, (uint32_t)(s.len - a - b)};
}

/* The systemd units and cgroupfs names that carry a hex id after a
 * prefix, with or without ".scope" (the systemd cgroup driver adds it).
 * The conmon monitors (crio-conmon-ID, libpod-conmon-ID) hold no
 * container process: their "ID" is not hex, so they never match. */
static const struct {
	const char *prefix, *runtime;
} prefixed[] = {
	{"docker-", "docker"},
	{"cri-containerd-", "containerd"},
	{"nerdctl-", "containerd"},
	{"crio-", "cri-o"},
	{"libpod-", "podman"},
};

static bool prefixed_id(struct rg_str c, struct rg_str *id, const char **runtime)
{
	struct rg_str s = c;
	if (ends(s, ".scope"))
		s.len -= 6;
	for (unsigned i = 0; i < sizeof(prefixed) / sizeof(prefixed[0]); i++) {
		if (!starts(s, prefixed[i].prefix))
			continue;
		struct rg_str h = inner(s, prefixed[i].prefix, NULL);
		if (hex_id(h)) {
			*id = h;
			*runtime = prefixed[i].runtime;
			return true;
		}
	}
	return false;
}

/* A bare hex id (the cgroupfs drivers): the runtime is the parent's name,
 * "/docker/ID", "/libpod_parent/ID", containerd's namespace ("/default/ID",
 * "/k8s.io/ID", "/moby/ID"), or a Kubernetes pod's ("/kubepods/.../podUID/ID",
 * whichever CRI runtime that was). */
static const char *bare_runtime(struct rg_str parent, bool kube)
{
	if (eq(parent, "docker"))
		return "docker";
	if (eq(parent, "libpod_parent"))
		return "podman";
	if (eq(parent, "default") || eq(parent, "k8s.io") || eq(parent, "moby"))
		return "containerd";
	if (kube)
		return "cri";
	return NULL;
}

/* Names that are not hex: LXC's and systemd-nspawn's, whose id is the
 * container's (machine's) name. lxc.monitor.NAME is LXC's monitor, not
 * the container. */
static bool named_id(struct rg_str c, struct rg_str parent, struct rg_str *id,
		     const char **runtime)
{
	struct rg_str n = {0};
	const char *rt = NULL;
	if (starts(c, "lxc.payload.") && c.len > 12)
		n = inner(c, "lxc.payload.", NULL), rt = "lxc";
	else if ((eq(parent, "lxc") || eq(parent, "lxc.payload")) && c.len)
		n = c, rt = "lxc";
	else if (starts(c, "systemd-nspawn@") && ends(c, ".service") && c.len > 23)
		n = inner(c, "systemd-nspawn@", ".service"), rt = "systemd-nspawn";
	else if (eq(parent, "machine.slice") && starts(c, "machine-") && ends(c, ".scope") &&
		 c.len > 14 && !starts(inner(c, "machine-", ".scope"), "qemu"))
		n = inner(c, "machine-", ".scope"), rt = "systemd-nspawn";
	if (!rt)
		return false;
	*id = n;
	*runtime = rt;
	return true;
}

bool rg_container_parse(struct rg_str path, struct rg_str *id, const char **runtime)
{
	if (!path.p)
		return false;
	/* whether a Kubernetes pod's cgroup is above: any "kubepods" component */
	bool kube = false;
	for (uint32_t i = 0; i + 8 <= path.len; i++)
		if (memcmp(path.p + i, "kubepods", 8) == 0 && (i == 0 || path.p[i - 1] == '/'))
			kube = true;
	/* components from the last: the innermost container wins */
	uint32_t end = path.len;
	while (end > 0) {
		while (end > 0 && path.p[end - 1] == '/')
			end--;
		uint32_t start = end;
		while (start > 0 && path.p[start - 1] != '/')
			start--;
		if (start == end)
			break;
		struct rg_str c = {path.p + start, end - start};
		uint32_t pe = start;
		while (pe > 0 && path.p[pe - 1] == '/')
			pe--;
		uint32_t ps = pe;
		while (ps > 0 && path.p[ps - 1] != '/')
			ps--;
		struct rg_str parent = {path.p + ps, pe - ps};
		const char *rt;
		if (prefixed_id(c, id, runtime) || named_id(c, parent, id, runtime))
			return true;
		if (hex_id(c) && (rt = bare_runtime(parent, kube))) {
			*id = c;
			*runtime = rt;
			return true;
		}
		end = start;
	}
	return false;
}

/* ---- the origin ----------------------------------------------------------- */

/* The value of NAME= in env, or NULL (an empty one too). The last one wins, as getenv would
 * not promise: an environment with a name twice is rare and odd either way. */
static struct rg_str env_value(struct rg_str env, const char *name)
{
	struct rg_str r = {0};
	size_t n = strlen(name);
	for (uint32_t at = 0; at < env.len;) {
		const char *nul = memchr(env.p + at, 0, env.len - at);
		uint32_t len = nul ? (uint32_t)(nul - (env.p + at)) : env.len - at;
		if (len > n + 1 && memcmp(env.p + at, name, n) == 0 && env.p[at + n] == '=')
			r = (struct rg_str){env.p + at + n + 1, len - (uint32_t)n - 1};
		at += len + 1;
	}
	return r;
}

/* "ADDR PORT ...": the address and a port of 1 to 65535; false otherwise. */
static bool ssh_words(struct rg_str v, struct rg_str *addr, uint32_t *port)
{
	const char *sp = v.p ? memchr(v.p, ' ', v.len) : NULL;
	if (!sp || sp == v.p)
		return false;
	uint32_t p = 0, i = (uint32_t)(sp - v.p) + 1, digits = 0;
	for (; i < v.len && v.p[i] >= '0' && v.p[i] <= '9' && digits < 6; i++, digits++)
		p = p * 10 + (uint32_t)(v.p[i] - '0');
	if (!digits || p == 0 || p > 65535 || (i < v.len && v.p[i] != ' '))
		return false;
	*addr = (struct rg_str){v.p, (uint32_t)(sp - v.p)};
	*port = p;
	return true;
}

void rg_origin_parse(struct rg_str env, struct rg_origin *o)
{
	*o = (struct rg_origin){0};
	if (!env.p)
		return;
	o->sudo_user = env_value(env, "SUDO_USER");
	o->sudo_uid = env_value(env, "SUDO_UID");
	if (!ssh_words(env_value(env, "SSH_CONNECTION"), &o->ssh_client, &o->ssh_client_port))
		ssh_words(env_value(env, "SSH_CLIENT"), &o->ssh_client, &o->ssh_client_port);
}
