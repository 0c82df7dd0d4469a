/* fields.c: the registry of event fields and event types (see fields.h; the
 * accessors are inline there). */
#include "fields.h"

#include <string.h>

#define OFF(m) ((uint16_t)offsetof(struct rg_event, m))
#define PROC RG_ET_PROCESS_MASK
#define FILE_ RG_ET_FILE_MASK
#define NET RG_ET_NET_MASK
#define SYS RG_ET_SYS_MASK
#define ALL (PROC | FILE_ | NET | SYS)
#define EXECF RG_ET_BIT(RG_ET_PROCESS_EXEC_FAILED)
#define CHMOD RG_ET_BIT(RG_ET_FILE_CHMOD)
#define CHOWN RG_ET_BIT(RG_ET_FILE_CHOWN)
#define LINKS (RG_ET_BIT(RG_ET_FILE_LINK) | RG_ET_BIT(RG_ET_FILE_SYMLINK))
#define MKDIR RG_ET_BIT(RG_ET_FILE_MKDIR)
#define UTIMES RG_ET_BIT(RG_ET_FILE_UTIMES)
#define XATTR RG_ET_BIT(RG_ET_FILE_SETXATTR)
#define CRED RG_ET_BIT(RG_ET_CRED_CHANGE)
#define TARGET (RG_ET_BIT(RG_ET_PTRACE) | RG_ET_BIT(RG_ET_PROC_MEM_WRITE))
#define NAMED                                                                    \
	(RG_ET_BIT(RG_ET_MEMFD_CREATE) | RG_ET_BIT(RG_ET_MODULE_LOAD) |          \
	 RG_ET_BIT(RG_ET_BPF_LOAD) | RG_ET_BIT(RG_ET_NAMESPACE_CHANGE))
#define MOUNT RG_ET_BIT(RG_ET_MOUNT)
#define ACCEPT RG_ET_BIT(RG_ET_NET_ACCEPT)
#define OPEN RG_ET_BIT(RG_ET_FILE_OPEN)
#define WRITE RG_ET_BIT(RG_ET_FILE_WRITE)
#define RENAME RG_ET_BIT(RG_ET_FILE_RENAME)
#define START RG_ET_BIT(RG_ET_PROCESS_START)
#define REL RG_ET_BIT(RG_ET_PROCESS_RELATIONSHIP)
#define EXIT RG_ET_BIT(RG_ET_PROCESS_EXIT)
#define HASHED (START | RG_ET_BIT(RG_ET_BINARY_HASHED))
#define CONNECT RG_ET_BIT(RG_ET_NET_CONNECT)
#define DNS RG_ET_DNS_MASK
#define ANSWER RG_ET_BIT(RG_ET_DNS_ANSWER)

/* Order here is the NDJSON key order: common fields, then the acting
 * process's context, then what is specific to a type. */
const struct rg_field rg_fields[] = {
	{"event_type", RG_FT_ETYPE, OFF(type), 0, 0, ALL},
	{"seq", RG_FT_U64, OFF(seq), 0, 0, ALL},
	{"ts_ns", RG_FT_I64, OFF(ts_ns), 0, 0, ALL},
	{"boot_ns", RG_FT_U64, OFF(boot_ns), 0, 0, ALL},
	{"proc_id", RG_FT_I64, OFF(proc_id), RG_FO_ZERO_NULL, 0, ALL},
	{"pid", RG_FT_U32, OFF(pid), 0, 0, ALL},
	{"tid", RG_FT_U32, OFF(tid), 0, 0, ALL},
	{"uid", RG_FT_U32, OFF(uid), 0, 0, ALL, RG_CTX_UID},
	{"gid", RG_FT_U32, OFF(gid), 0, 0, ALL},
	{"ppid", RG_FT_U32, OFF(ppid), RG_FO_ZERO_NULL, 0, ALL},
	{"parent_proc_id", RG_FT_I64, OFF(parent_proc_id), RG_FO_ZERO_NULL, 0, ALL},
	{"comm", RG_FT_STR, OFF(comm), 0, 0, ALL, RG_CTX_COMM},
	{"exe", RG_FT_STR, OFF(exe), RG_FO_PATH, 0, ALL, RG_CTX_EXE},
	{"cmdline", RG_FT_CMDLINE, OFF(argv), 0, 0, PROC, RG_CTX_CMDLINE},
	{"argv", RG_FT_ARGV, OFF(argv), 0, 0, START},
	{"argc", RG_FT_U32, OFF(argc), 0, 0, START},
	{"cwd", RG_FT_STR, OFF(cwd), RG_FO_PATH, 0, START},
	{"euid", RG_FT_U32, OFF(euid), 0, 0, START | CRED, RG_CTX_EUID},
	{"egid", RG_FT_U32, OFF(egid), 0, 0, START | CRED},
	{"auid", RG_FT_U32, OFF(auid), 0, 0, START, RG_CTX_AUID},
	{"sessionid", RG_FT_U32, OFF(sessionid), 0, 0, START},
	{"syscall", RG_FT_CSTR, OFF(syscall), 0, 0, START | EXECF | FILE_ | NET | SYS},
	{"script", RG_FT_STR, OFF(script), RG_FO_PATH, 0, HASHED},
	{"env", RG_FT_ARGV, OFF(env), 0, 0, START},
	{"exe_truncated", RG_FT_FLAG, 0, 0, RG_EF_EXE_TRUNC, START},
	{"argv_truncated", RG_FT_FLAG, 0, 0, RG_EF_ARGV_TRUNC, START},
	{"cwd_truncated", RG_FT_FLAG, 0, 0, RG_EF_CWD_TRUNC, START},
	{"exe_memfd", RG_FT_FLAG, 0, 0, RG_EF_EXE_MEMFD, START},
	{"exe_deleted", RG_FT_FLAG, 0, 0, RG_EF_EXE_DELETED, START},
	{"script_truncated", RG_FT_FLAG, 0, 0, RG_EF_SCRIPT_TRUNC, START},
	{"env_truncated", RG_FT_FLAG, 0, 0, RG_EF_ENV_TRUNC, START},
	{"exe_dev", RG_FT_U64, OFF(exe_dev), RG_FO_ZERO_NULL, 0, HASHED},
	{"exe_ino", RG_FT_U64, OFF(exe_ino), RG_FO_ZERO_NULL, 0, HASHED},
	{"exe_size", RG_FT_U64, OFF(exe_size), RG_FO_ZERO_NULL, 0, HASHED},
	{"exe_ctime_ns", RG_FT_I64, OFF(exe_ctime_ns), RG_FO_ZERO_NULL, 0, HASHED},
	{"exe_sha256", RG_FT_STR, OFF(exe_sha256), 0, 0, HASHED},
	{"hash_status", RG_FT_CSTR, OFF(hash_status), 0, 0, HASHED},
	{"script_dev", RG_FT_U64, OFF(script_dev), RG_FO_ZERO_NULL, 0, HASHED},
	{"script_ino", RG_FT_U64, OFF(script_ino), RG_FO_ZERO_NULL, 0, HASHED},
	{"script_size", RG_FT_U64, OFF(script_size), RG_FO_ZERO_NULL, 0, HASHED},
	{"script_ctime_ns", RG_FT_I64, OFF(script_ctime_ns), RG_FO_ZERO_NULL, 0, HASHED},
	{"script_sha256", RG_FT_STR, OFF(script_sha256), 0, 0, HASHED},
	{"script_hash_status", RG_FT_CSTR, OFF(script_hash_status), 0, 0, HASHED},
	{"user", RG_FT_STR, OFF(who.user), 0, 0, START, RG_CTX_USER},
	{"euser", RG_FT_STR, OFF(who.euser), 0, 0, START},
	{"group_name", RG_FT_STR, OFF(who.group), 0, 0, START},
	{"login_user", RG_FT_STR, OFF(who.login_user), 0, 0, START},
	{"sudo_user", RG_FT_STR, OFF(who.sudo_user), 0, 0, START},
	{"ssh_client", RG_FT_STR, OFF(who.ssh_client), 0, 0, START},
	{"ssh_client_port", RG_FT_U32, OFF(who.ssh_client_port), RG_FO_ZERO_NULL, 0, START},
	{"cgroup_id", RG_FT_U64, OFF(who.cgroup_id), RG_FO_ZERO_NULL, 0, START},
	{"cgroup_path", RG_FT_STR, OFF(who.cgroup_path), RG_FO_PATH, 0, START},
	{"container_id", RG_FT_STR, OFF(who.container_id), 0, 0, START, RG_CTX_CONTAINER_ID},
	{"container_runtime", RG_FT_CSTR, OFF(who.container_runtime), 0, 0, START,
	 RG_CTX_CONTAINER_RUNTIME},
	{"pidns", RG_FT_U32, OFF(who.pidns), RG_FO_ZERO_NULL, 0, START},
	{"mntns", RG_FT_U32, OFF(who.mntns), RG_FO_ZERO_NULL, 0, START},
	{"netns", RG_FT_U32, OFF(who.netns), RG_FO_ZERO_NULL, 0, START},
	{"userns", RG_FT_U32, OFF(who.userns), RG_FO_ZERO_NULL, 0, START},
	{"utsns", RG_FT_U32, OFF(who.utsns), RG_FO_ZERO_NULL, 0, START},
	{"cgroupns", RG_FT_U32, OFF(who.cgroupns), RG_FO_ZERO_NULL, 0, START},
	{"child_proc_id", RG_FT_I64, OFF(child_proc_id), RG_FO_ZERO_NULL, 0, REL},
	{"child_pid", RG_FT_U32, OFF(child_pid), 0, 0, REL},
	{"exit_code", RG_FT_I32, OFF(exit_code), 0, 0, EXIT},
	{"signal", RG_FT_U32, OFF(signal), 0, 0, EXIT},
	{"core_dumped", RG_FT_BOOL, OFF(core_dumped), 0, 0, EXIT},
	{"path", RG_FT_STR, OFF(path), RG_FO_PATH, 0, EXECF | FILE_ | SYS},
	{"new_path", RG_FT_STR, OFF(new_path), RG_FO_PATH, 0, RENAME | LINKS},
	{"host_path", RG_FT_STR, OFF(host_path), RG_FO_PATH, 0, OPEN | WRITE},
	{"flags", RG_FT_U32, OFF(fflags), 0, 0, FILE_ | SYS},
	{"mode", RG_FT_U32, OFF(mode), 0, 0, OPEN | CHMOD | MKDIR},
	{"result", RG_FT_I64, OFF(result), 0, 0, EXECF | FILE_ | NET | SYS},
	{"path_truncated", RG_FT_FLAG, 0, 0, RG_EF_PATH_TRUNC, EXECF | FILE_ | SYS},
	{"new_path_truncated", RG_FT_FLAG, 0, 0, RG_EF_NEW_PATH_TRUNC, RENAME | LINKS},
	{"owner_uid", RG_FT_U32, OFF(owner_uid), 0, 0, CHOWN},
	{"owner_gid", RG_FT_U32, OFF(owner_gid), 0, 0, CHOWN},
	{"mtime_ns", RG_FT_I64, OFF(mtime_ns), RG_FO_NEG_NULL, 0, UTIMES},
	{"xattr_name", RG_FT_STR, OFF(xattr_name), 0, 0, XATTR},
	{"family", RG_FT_CSTR, OFF(family), 0, 0, NET},
	{"protocol", RG_FT_CSTR, OFF(protocol), 0, 0, NET},
	{"local_addr", RG_FT_STR, OFF(local_addr), 0, 0, NET},
	{"local_port", RG_FT_U32, OFF(local_port), RG_FO_ZERO_NULL, 0, NET},
	{"remote_addr", RG_FT_STR, OFF(remote_addr), 0, 0, NET},
	{"remote_port", RG_FT_U32, OFF(remote_port), RG_FO_ZERO_NULL, 0, NET},
	{"socket_id", RG_FT_U64, OFF(socket_id), RG_FO_ZERO_NULL, 0, NET},
	{"new_socket_id", RG_FT_U64, OFF(new_socket_id), RG_FO_ZERO_NULL, 0, ACCEPT},
	{"remote_hostname", RG_FT_STR, OFF(remote_hostname), 0, 0, CONNECT},
	{"dns_query", RG_FT_STR, OFF(dns_query), 0, 0, DNS},
	{"dns_type", RG_FT_CSTR, OFF(dns_type), 0, 0, DNS},
	{"dns_rcode", RG_FT_I64, OFF(dns_rcode), RG_FO_NEG_NULL, 0, ANSWER},
	{"dns_answers", RG_FT_STR, OFF(dns_answers), 0, 0, ANSWER},
	{"target_pid", RG_FT_U32, OFF(target_pid), RG_FO_ZERO_NULL, 0, TARGET},
	{"target_proc_id", RG_FT_I64, OFF(target_proc_id), RG_FO_ZERO_NULL, 0, TARGET},
	{"ptrace_request", RG_FT_U32, OFF(ptrace_request), 0, 0, RG_ET_BIT(RG_ET_PTRACE)},
	{"bpf_prog_type", RG_FT_U32, OFF(bpf_prog_type), 0, 0, RG_ET_BIT(RG_ET_BPF_LOAD)},
	{"name", RG_FT_STR, OFF(name), 0, 0, NAMED},
	{"source", RG_FT_STR, OFF(source), 0, 0, MOUNT},
	{"source_truncated", RG_FT_FLAG, 0, 0, RG_EF_SOURCE_TRUNC, MOUNT},
	{"fstype", RG_FT_STR, OFF(fstype), 0, 0, MOUNT},
	{"fsuid", RG_FT_U32, OFF(fsuid), 0, 0, CRED},
	{"fsgid", RG_FT_U32, OFF(fsgid), 0, 0, CRED},
	{"old_uid", RG_FT_U32, OFF(old_uid), 0, 0, CRED},
	{"old_euid", RG_FT_U32, OFF(old_euid), 0, 0, CRED},
	{"old_fsuid", RG_FT_U32, OFF(old_fsuid), 0, 0, CRED},
	{"old_gid", RG_FT_U32, OFF(old_gid), 0, 0, CRED},
	{"old_egid", RG_FT_U32, OFF(old_egid), 0, 0, CRED},
	{"old_fsgid", RG_FT_U32, OFF(old_fsgid), 0, 0, CRED},
	{"cap_effective", RG_FT_U64, OFF(cap_effective), 0, 0, CRED},
	{"old_cap_effective", RG_FT_U64, OFF(old_cap_effective), 0, 0, CRED},
};
const unsigned rg_nfields = sizeof(rg_fields) / sizeof(rg_fields[0]);
_Static_assert(sizeof(rg_fields) / sizeof(rg_fields[0]) < RG_FIELDS_MAX,
	       "field masks are 128 bits");
_Static_assert(RG_ET_COUNT <= 64, "event type masks are 64 bits");

/* A relative's context, and the target's, from the lineage (rules/eval.c
 * walks it). */
const struct rg_ctx_field rg_ctx_fields[] = {
	{"parent_exe", RG_FT_STR, RG_FO_PATH, RG_CTX_PARENT, RG_CTX_EXE, ALL},
	{"parent_comm", RG_FT_STR, 0, RG_CTX_PARENT, RG_CTX_COMM, ALL},
	{"parent_cmdline", RG_FT_CMDLINE, 0, RG_CTX_PARENT, RG_CTX_CMDLINE, ALL},
	{"ancestor_exe", RG_FT_STR, RG_FO_PATH, RG_CTX_ANCESTOR, RG_CTX_EXE, ALL},
	{"ancestor_comm", RG_FT_STR, 0, RG_CTX_ANCESTOR, RG_CTX_COMM, ALL},
	{"target_is_descendant", RG_FT_BOOL, 0, RG_CTX_TARGET, RG_CTX_DESCENDANT, TARGET},
};
const unsigned rg_nctx_fields = sizeof(rg_ctx_fields) / sizeof(rg_ctx_fields[0]);

const struct rg_event_table rg_event_tables[RG_N_EVENT_TABLES] = {
	{"process_events", PROC, "process_rows"},
	{"file_events", FILE_, "file_rows", "file_more"},
	{"network_events", NET, "network_rows"},
	{"system_events", SYS, "system_events"},
};

static const char *const etype_names[RG_ET_COUNT] = {
	[RG_ET_PROCESS_START] = "process_start",
	[RG_ET_PROCESS_RELATIONSHIP] = "process_relationship",
	[RG_ET_PROCESS_EXIT] = "process_exit",
	[RG_ET_FILE_OPEN] = "file_open",
	[RG_ET_FILE_WRITE] = "file_write",
	[RG_ET_FILE_RENAME] = "file_rename",
	[RG_ET_FILE_UNLINK] = "file_unlink",
	[RG_ET_NET_CONNECT] = "network_connect",
	[RG_ET_NET_BIND] = "network_bind",
	[RG_ET_NET_LISTEN] = "network_listen",
	[RG_ET_NET_ACCEPT] = "network_accept",
	[RG_ET_HEALTH] = "health",
	[RG_ET_PROCESS_EXEC_FAILED] = "process_exec_failed",
	[RG_ET_FILE_CHMOD] = "file_chmod",
	[RG_ET_FILE_CHOWN] = "file_chown",
	[RG_ET_FILE_LINK] = "file_link",
	[RG_ET_FILE_SYMLINK] = "file_symlink",
	[RG_ET_FILE_MKDIR] = "file_mkdir",
	[RG_ET_FILE_UTIMES] = "file_utimes",
	[RG_ET_FILE_SETXATTR] = "file_setxattr",
	[RG_ET_FILE_TRUNCATE] = "file_truncate",
	[RG_ET_CRED_CHANGE] = "cred_change",
	[RG_ET_PTRACE] = "ptrace",
	[RG_ET_PROC_MEM_WRITE] = "proc_mem_write",
	[RG_ET_MEMFD_CREATE] = "memfd_create",
	[RG_ET_MODULE_LOAD] = "module_load",
	[RG_ET_BPF_LOAD] = "bpf_load",
	[RG_ET_MOUNT] = "mount",
	[RG_ET_UMOUNT] = "umount",
	[RG_ET_NAMESPACE_CHANGE] = "namespace_change",
	[RG_ET_BINARY_HASHED] = "binary_hashed",
	[RG_ET_DNS_QUERY] = "dns_query",
	[RG_ET_DNS_ANSWER] = "dns_answer",
};

const char *rg_etype_name(enum rg_etype t)
{
	return (unsigned)t < RG_ET_COUNT ? etype_names[t] : "unknown";
}

int rg_etype_parse(const char *s)
{
	for (int t = 0; t < RG_ET_COUNT; t++)
		if (strcmp(s, etype_names[t]) == 0)
			return t;
	return -1;
}

const struct rg_field *rg_field_find(const char *name)
{
	for (unsigned i = 0; i < rg_nfields; i++)
		if (strcmp(rg_fields[i].name, name) == 0)
			return &rg_fields[i];
	return NULL;
}

const struct rg_ctx_field *rg_ctx_field_find(const char *name)
{
	for (unsigned i = 0; i < rg_nctx_fields; i++)
		if (strcmp(rg_ctx_fields[i].name, name) == 0)
			return &rg_ctx_fields[i];
	return NULL;
}

rg_fmask rg_fields_mask(const char *const *names)
{
	rg_fmask m = 0;
	for (; *names; names++) {
		const struct rg_field *f = rg_field_find(*names);
		m |= f ? RG_FBIT(f - rg_fields) : RG_FIELDS_UNKNOWN;
	}
	return m;
}

