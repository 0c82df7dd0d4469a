/* procfs.h: the processes already running when the recorder starts.
 *
 * Without them, the first event of a long-running daemon would have no
 * lineage. /proc gives start times in clock ticks (truncated), so rows from
 * here are matched to kernel events with tick tolerance (proctab.c).
 */
#ifndef RG_PROCFS_H
#define RG_PROCFS_H

#include "process.h"

/* Reads every /proc/PID under root. Each process's strings are malloc'd;
 * free the list with rg_procfs_free. tick_ns converts the start time,
 * wall_offset turns boot ns into wall ns. Returns the count or -errno. */
int rg_procfs_scan(const char *root, uint64_t tick_ns, int64_t wall_offset,
		   struct rg_process **out);
void rg_procfs_free(struct rg_process *procs, int n);

/* Parses the text of /proc/PID/stat: comm (between the first '(' and the
 * last ')'), ppid and starttime in ticks. Returns 0 or -1 if malformed. */
int rg_procfs_parse_stat(const char *text, struct rg_str *comm, uint32_t *ppid,
			 uint64_t *start_ticks);

#endif /* RG_PROCFS_H */
