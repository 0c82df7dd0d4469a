/* caps.c: see caps.h. */
#include "caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int rg_caps_drop(uint64_t keep)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = 40;
	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = 40;
		fclose(f);
	}
	for (int c = 0; c <= last; c++)
		prctl(PR_CAPBSET_DROP, c, 0, 0, 0); /* fails harmlessly without CAP_SETPCAP */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {
		{(uint32_t)keep, (uint32_t)keep, 0},
		{(uint32_t)(keep >> 32), (uint32_t)(keep >> 32), 0},
	};
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}
