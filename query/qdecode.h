/* qdecode.h: numbers of the kernel's ABI as a person reads them, for rgq's
 * table output (and its SQL functions, db.h). The names come from libc's
 * own tables where it has them (strerrorname_np, sigabbrev_np: glibc 2.32
 * on); open(2)'s flags have no such table, so they are listed here once.
 * The raw numbers stay in the database and in JSON and CSV output.
 */
#ifndef RGQ_QDECODE_H
#define RGQ_QDECODE_H

#include <stdint.h>

#include "buf.h"

/* The unset login uid (auid) and session: (uid_t)-1. */
#define RGQ_AUID_UNSET 4294967295LL

/* "EACCES" for 13 (or -13), NULL for 0 or a number libc does not name. */
const char *rgq_errno_name(int64_t e);
/* "SIGKILL" for 9, NULL for 0 or a number libc does not name. */
const char *rgq_signal_name(int64_t sig, char *buf, size_t len);
/* open(2) flags: "O_WRONLY|O_CREAT|O_TRUNC"; bits without a name as 0x... */
void rgq_open_flags(struct rg_buf *b, int64_t flags);

#endif /* RGQ_QDECODE_H */
