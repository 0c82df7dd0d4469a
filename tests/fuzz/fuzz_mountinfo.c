/* fuzz_mountinfo.c: any bytes as a line of /proc/PID/mountinfo. A wanted
 * line gives a NUL-terminated absolute mount point that fits its buffer
 * and a device in the kernel's 12:20-bit encoding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostmounts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char mp[32];
	uint32_t dev = 0;
	memset(mp, 0x55, sizeof(mp));
	int r = rg_mountinfo_line((const char *)data, size, &dev, mp, sizeof(mp));
	if (r < -1 || r > 1)
		abort();
	if (r >= 0 && (!memchr(mp, 0, sizeof(mp)) || mp[0] != '/'))
		abort();
	return 0;
}
