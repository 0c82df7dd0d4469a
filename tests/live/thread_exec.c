/* thread_exec.c: execs from a thread that is not the thread group leader.
 * The kernel makes the exec'ing thread the leader (de_thread); rand-guard
 * must record one process, not two. Usage: thread_exec PROGRAM [ARGS...] */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static char **args;

static void *run(void *unused)
{
	(void)unused;
	execv(args[0], args);
	perror("execv");
	_exit(127);
}

int main(int argc, char **argv)
{
	pthread_t t;
	if (argc < 2)
		return 2;
	args = argv + 1;
	pthread_create(&t, NULL, run, NULL);
	pthread_join(t, NULL); /* never returns: the exec replaces us */
	return 1;
}
