/* sigma_map.c: what a Sigma rule's logsource and fields mean in rand-guard
 * (docs/rules.md, "Sigma"): the event types of each category, the
 * rand-guard field of each Sigma field, and the syscalls rand-guard
 * records (an auditd rule on any other would load and never fire). */
#include "sigma.h"

#include <string.h>
#include <strings.h>

#include "event.h"

#define T(x) RG_ET_BIT(RG_ET_##x)
#define FILE_TYPES (RG_ET_FILE_MASK)
/* Every event a syscall made: what auditd's SYSCALL records stand for. */
#define SYSCALL_TYPES                                                                   \
	(T(PROCESS_START) | T(PROCESS_EXEC_FAILED) | RG_ET_FILE_MASK | RG_ET_NET_MASK | \
	 RG_ET_SYS_MASK)

static const struct sigma_category categories[] = {
	/* a file is created: an open with O_CREAT (sigma.c adds that test),
	 * or a name made by rename, link or symlink */
	{"file_event", T(FILE_OPEN) | T(FILE_RENAME) | T(FILE_LINK) | T(FILE_SYMLINK), true},
	{"file_delete", T(FILE_UNLINK), false},
	{"file_rename", T(FILE_RENAME), false},
	{"network_connection", T(NET_CONNECT) | T(NET_ACCEPT), false},
	{"process_creation", T(PROCESS_START), false},
	{"process_termination", T(PROCESS_EXIT), false},
};

const struct sigma_category *sigma_category_find(const char *name)
{
	for (size_t i = 0; i < sizeof(categories) / sizeof(categories[0]); i++)
		if (!strcmp(categories[i].name, name))
			return &categories[i];
	return NULL;
}

/* Sigma's field to rand-guard's, by category ("*": every category; "auditd":
 * the auditd service). A field whose rand-guard name the registry lacks is
 * data rand-guard does not record (e.g. user names before they were). */
static const struct sigma_field fields[] = {
	{"*", "Image", "exe", 0},
	{"*", "ProcessId", "pid", 0},
	{"*", "User", "user", 0},
	{"process_creation", "CommandLine", "cmdline", SF_KEYWORDS},
	{"process_creation", "ParentImage", "parent_exe", 0},
	{"process_creation", "ParentCommandLine", "parent_cmdline", 0},
	{"process_creation", "CurrentDirectory", "cwd", 0},
	{"process_creation", "ParentProcessId", "ppid", 0},
	/* Sysmon for Linux fills LogonId with the audit login uid */
	{"process_creation", "LogonId", "auid", 0},
	{"process_termination", "ProcessId", "pid", 0},
	{"file_event", "TargetFilename", "target_path", SF_KEYWORDS},
	{"file_delete", "TargetFilename", "path", SF_KEYWORDS},
	{"file_rename", "TargetFilename", "new_path", 0},
	{"file_rename", "SourceFilename", "path", 0},
	{"network_connection", "DestinationIp", "remote_addr", 0},
	{"network_connection", "DestinationPort", "remote_port", 0},
	{"network_connection", "SourceIp", "local_addr", 0},
	{"network_connection", "SourcePort", "local_port", 0},
	{"network_connection", "Protocol", "protocol", 0},
	{"network_connection", "DestinationHostname", "remote_hostname", 0},
	{"network_connection", "Initiated", NULL, SF_INITIATED},
	{"auditd", "type", NULL, SF_AUDIT_TYPE},
	{"auditd", "SYSCALL", "syscall", SF_SYSCALL},
	{"auditd", "exe", "exe", 0},
	{"auditd", "comm", "comm", 0},
	{"auditd", "uid", "uid", 0},
	{"auditd", "euid", "euid", 0},
	{"auditd", "auid", "auid", 0},
	{"auditd", "pid", "pid", 0},
	{"auditd", "ppid", "ppid", 0},
	{"auditd", "cwd", "cwd", 0},
	{"auditd", "name", "path", 0}, /* a PATH record's name */
};

const struct sigma_field *sigma_field_find(const char *category, const char *name)
{
	const struct sigma_field *any = NULL;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strcmp(fields[i].sigma, name))
			continue;
		if (!strcmp(fields[i].category, category))
			return &fields[i];
		if (!strcmp(fields[i].category, "*") && strcmp(category, "auditd"))
			any = &fields[i];
	}
	return any;
}

const struct sigma_field *sigma_keywords(const char *category)
{
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if ((fields[i].flags & SF_KEYWORDS) && !strcmp(fields[i].category, category))
			return &fields[i];
	return NULL;
}

/* auditd's record types that rand-guard's events stand for. */
rg_etmask sigma_audit_type(const char *type)
{
	if (!strcasecmp(type, "EXECVE"))
		return T(PROCESS_START);
	if (!strcasecmp(type, "SYSCALL"))
		return SYSCALL_TYPES;
	if (!strcasecmp(type, "PATH"))
		return FILE_TYPES;
	return 0;
}

/* The `syscall` values rand-guard's events carry (recorder/daemon/decode.c
 * names them; tests/unit/test_sigma.c checks the two lists agree), and the
 * event types that carry each. */
#define EXEC (T(PROCESS_START) | T(PROCESS_EXEC_FAILED))
#define CRED T(CRED_CHANGE)
const struct sigma_syscall sigma_syscalls[] = {
	{"execve", EXEC}, {"execveat", EXEC},
	/* an open is a file event, or a write into another process's memory */
	{"open", FILE_TYPES | T(PROC_MEM_WRITE)}, {"creat", FILE_TYPES},
	{"openat", FILE_TYPES | T(PROC_MEM_WRITE)}, {"openat2", FILE_TYPES | T(PROC_MEM_WRITE)},
	/* write and writev: a file's first write, or a DNS message on a socket */
	{"write", FILE_TYPES | RG_ET_DNS_MASK}, {"writev", FILE_TYPES | RG_ET_DNS_MASK},
	{"read", RG_ET_DNS_MASK}, {"pwrite64", FILE_TYPES},
	{"pwritev", FILE_TYPES}, {"pwritev2", FILE_TYPES}, {"rename", FILE_TYPES},
	{"copy_file_range", FILE_TYPES}, {"sendfile64", FILE_TYPES}, {"splice", FILE_TYPES},
	{"renameat", FILE_TYPES}, {"renameat2", FILE_TYPES}, {"unlink", FILE_TYPES},
	{"unlinkat", FILE_TYPES}, {"rmdir", FILE_TYPES}, {"chmod", FILE_TYPES},
	{"fchmod", FILE_TYPES}, {"fchmodat", FILE_TYPES}, {"fchmodat2", FILE_TYPES},
	{"chown", FILE_TYPES}, {"fchown", FILE_TYPES}, {"fchownat", FILE_TYPES},
	{"lchown", FILE_TYPES}, {"link", FILE_TYPES}, {"linkat", FILE_TYPES},
	{"symlink", FILE_TYPES}, {"symlinkat", FILE_TYPES}, {"mkdir", FILE_TYPES},
	{"mkdirat", FILE_TYPES}, {"utimensat", FILE_TYPES}, {"utimes", FILE_TYPES},
	{"utime", FILE_TYPES}, {"futimesat", FILE_TYPES}, {"setxattr", FILE_TYPES},
	{"lsetxattr", FILE_TYPES}, {"fsetxattr", FILE_TYPES}, {"setxattrat", FILE_TYPES},
	{"truncate", FILE_TYPES}, {"ftruncate", FILE_TYPES},
	{"setuid", CRED}, {"setgid", CRED}, {"setreuid", CRED}, {"setregid", CRED},
	{"setresuid", CRED}, {"setresgid", CRED}, {"setfsuid", CRED}, {"setfsgid", CRED},
	{"capset", CRED}, {"ptrace", T(PTRACE)}, {"memfd_create", T(MEMFD_CREATE)},
	{"init_module", T(MODULE_LOAD)}, {"finit_module", T(MODULE_LOAD)},
	{"bpf", T(BPF_LOAD)}, {"mount", T(MOUNT)}, {"move_mount", T(MOUNT)},
	{"umount2", T(UMOUNT)}, {"unshare", T(NAMESPACE_CHANGE)},
	{"setns", T(NAMESPACE_CHANGE)},
	{"connect", RG_ET_NET_MASK}, {"bind", RG_ET_NET_MASK}, {"listen", RG_ET_NET_MASK},
	{"accept", RG_ET_NET_MASK}, {"accept4", RG_ET_NET_MASK}, {"sendto", RG_ET_NET_MASK},
	{"sendmsg", RG_ET_DNS_MASK}, {"sendmmsg", RG_ET_DNS_MASK}, {"recvfrom", RG_ET_DNS_MASK},
	{"recvmsg", RG_ET_DNS_MASK},
	{NULL, 0},
};

rg_etmask sigma_syscall_types(const char *name)
{
	for (const struct sigma_syscall *s = sigma_syscalls; s->name; s++)
		if (!strcasecmp(s->name, name))
			return s->types;
	return 0;
}
