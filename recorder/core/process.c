/* process.c: a process's strings kept together (see process.h). */
#include "process.h"

#include "alloc.h"

char *rg_process_dup_strs(struct rg_process *t)
{
	enum { NSTRS = 14 };
	struct rg_who *w = &t->who;
	const struct rg_str in[NSTRS] = {t->comm, t->exe, t->argv, t->cwd, t->script, t->env,
					 w->user, w->euser, w->group, w->login_user,
					 w->sudo_user, w->ssh_client, w->cgroup_path,
					 w->container_id};
	struct rg_str *const out[NSTRS] = {&t->comm, &t->exe, &t->argv, &t->cwd, &t->script,
					   &t->env, &w->user, &w->euser, &w->group,
					   &w->login_user, &w->sudo_user, &w->ssh_client,
					   &w->cgroup_path, &w->container_id};
	return rg_strs_dup(out, in, NSTRS);
}
