/* qdecode.c: errno, signal and open flag names (qdecode.h). */
#include "qdecode.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

const char *rgq_errno_name(int64_t e)
{
	if (e < 0)
		e = -e;
	if (e == 0 || e > 4095) /* the kernel's errors are below 4096 */
		return NULL;
	return strerrorname_np((int)e);
}

const char *rgq_signal_name(int64_t sig, char *buf, size_t len)
{
	if (sig <= 0 || sig >= NSIG)
		return NULL;
	if (sig >= SIGRTMIN && sig <= SIGRTMAX) { /* sigabbrev_np names none of these */
		snprintf(buf, len, "SIGRTMIN+%d", (int)sig - SIGRTMIN);
		return buf;
	}
	const char *abbrev = sigabbrev_np((int)sig);
	if (!abbrev)
		return NULL;
	snprintf(buf, len, "SIG%s", abbrev);
	return buf;
}

void rgq_open_flags(struct rg_buf *b, int64_t flags)
{
	/* O_LARGEFILE (0100000 on x86-64, not defined for 64-bit programs)
	 * is set by the kernel on every 64-bit open; named like the rest */
	static const struct {
		int64_t bit;
		const char *name;
	} bits[] = { /* O_SYNC and O_TMPFILE hold another flag's bit: first */
		{O_SYNC, "O_SYNC"},	    {O_TMPFILE, "O_TMPFILE"},  {O_CREAT, "O_CREAT"},
		{O_EXCL, "O_EXCL"},	    {O_NOCTTY, "O_NOCTTY"},    {O_TRUNC, "O_TRUNC"},
		{O_APPEND, "O_APPEND"},	    {O_NONBLOCK, "O_NONBLOCK"}, {O_DSYNC, "O_DSYNC"},
		{O_ASYNC, "O_ASYNC"},	    {O_DIRECT, "O_DIRECT"},    {0100000, "O_LARGEFILE"},
		{O_DIRECTORY, "O_DIRECTORY"}, {O_NOFOLLOW, "O_NOFOLLOW"}, {O_NOATIME, "O_NOATIME"},
		{O_CLOEXEC, "O_CLOEXEC"},   {O_PATH, "O_PATH"},
	};
	static const char *const acc[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
	int64_t left = flags & ~(int64_t)O_ACCMODE;
	rg_buf_adds(b, acc[flags & O_ACCMODE]);
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if ((left & bits[i].bit) != bits[i].bit)
			continue;
		rg_buf_printf(b, "|%s", bits[i].name);
		left &= ~bits[i].bit;
	}
	if (left)
		rg_buf_printf(b, "|0x%llx", (unsigned long long)left);
}
