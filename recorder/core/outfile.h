/* outfile.h: opening an output file for one recorder's sole use.
 *
 * The database and the NDJSON file are the evidence: no other local user
 * may read, change or redirect them, and two recorders must never write
 * one file (they would hand out the same seq and proc_id). So, in the
 * manner of sshd's StrictModes, an output is refused, with one line saying
 * why, when
 *  - a symlink on the way to its directory belongs to another user, or
 *    sits in a directory others can write without the sticky bit;
 *  - its directory is owned by another user than root or us, or others
 *    can write it without the sticky bit (they could swap the file);
 *  - the file, or a companion SQLite opens by name next to it (-wal,
 *    -shm, -journal), is a symlink, not a regular file, owned by another
 *    user, writable by group or others, or has a second hard link;
 *  - another recorder holds the file's lock.
 * The checks are made on descriptors: the directory is opened component
 * by component, the file through it with O_NOFOLLOW and then fstat'ed,
 * so what was checked is what is used. A missing file is created 0600
 * (O_EXCL) only once its directory has passed.
 *
 * The lock is an open-file-description lock (F_OFD_SETLK) on one byte
 * past SQLite's lock bytes (which are 2^30 .. 2^30 + 511): it conflicts
 * with nothing SQLite does, so readers (rgq, sqlite3) are never blocked,
 * and it goes when the descriptor is closed, by exit or by kill -9.
 * Unlike a classic POSIX lock it is not dropped when the process closes
 * another descriptor of the file. But closing the locking descriptor
 * does drop the process's POSIX locks on the file, SQLite's included:
 * close it only after SQLite has closed the database.
 */
#ifndef RG_OUTFILE_H
#define RG_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>

/* A file opened by name next to an output (path + suffix), checked like
 * it when present; created 0600 now when missing if create is set, so
 * that no one else can create it first. */
struct rg_companion {
	const char *suffix;
	bool create;
};

struct rg_outfile {
	int flags;    /* open(2) access flags: O_RDWR, or O_WRONLY | O_APPEND */
	bool stream;  /* a character device (/dev/null) or a FIFO is accepted */
	const struct rg_companion *companions; /* ends with a NULL suffix; or NULL */
};

/* Opens path as how says, creating it 0600 when missing, after the checks
 * above, and takes the lock (a regular file's). Returns the descriptor,
 * which holds the lock until closed, or -1 with err filled and *code set:
 * 2 when the output is refused, 1 when it cannot be opened. */
int rg_outfile_open(const char *path, const struct rg_outfile *how, char *err, size_t errlen,
		    int *code);

#endif /* RG_OUTFILE_H */
