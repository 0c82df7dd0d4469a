/* test_hostmounts.c: the mountinfo lines the host paths' map is made of
 * (daemon/hostmounts.h): the device in the kernel's encoding, the mount
 * point with its escapes undone, bind mounts of a subdirectory left out,
 * and lines that are not mountinfo refused. */
#include <string.h>

#include "hostmounts.h"
#include "tap.h"

static int line(const char *l, uint32_t *dev, char *mp, size_t n)
{
	return rg_mountinfo_line(l, strlen(l), dev, mp, n);
}

int main(void)
{
	uint32_t dev = 0;
	char mp[64];

	CHECK_INT(line("26 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n", &dev, mp,
		       sizeof(mp)), 1, "the root filesystem: its root, wanted");
	CHECK_INT(dev, 254u << 20 | 1, "device: MAJOR << 20 | MINOR, as s_dev");
	CHECK_STR(mp, "/", "mount point /");
	CHECK_INT(line("31 26 0:27 / /tmp rw - tmpfs tmpfs rw", &dev, mp, sizeof(mp)), 1,
		  "no newline: fine");
	CHECK(dev == 27 && !strcmp(mp, "/tmp"), "0:27 at /tmp");
	CHECK_INT(line("40 26 8:3 /srv/data /mnt/data rw - ext4 /dev/sda3 rw", &dev, mp,
		       sizeof(mp)), 0, "a bind mount of a subdirectory: not the root, left out");
	CHECK_INT(line("41 26 8:3 / /mnt/with\\040space rw - ext4 /dev/sda3 rw", &dev, mp,
		       sizeof(mp)), 1, "an escaped mount point");
	CHECK_STR(mp, "/mnt/with space", "\\040 is a space");
	CHECK_INT(line("41 26 8:3 / /a\\\\b rw", &dev, mp, sizeof(mp)), 1, "\\\\ kept as is");
	CHECK_STR(mp, "/a\\\\b", "a backslash not followed by three octal digits stays");
	CHECK_INT(line("41 26 8:3 / /x\\04", &dev, mp, sizeof(mp)), 1, "a cut escape");
	CHECK_STR(mp, "/x\\04", "stays as written");
	CHECK_INT(line("41 26 8:3 / /0123456789", &dev, mp, 8), -1,
		  "a mount point longer than the buffer: refused");
	CHECK_INT(line("", &dev, mp, sizeof(mp)), -1, "empty: refused");
	CHECK_INT(line("41 26", &dev, mp, sizeof(mp)), -1, "cut short: refused");
	CHECK_INT(line("41 26 8-3 / /mnt", &dev, mp, sizeof(mp)), -1, "no major:minor: refused");
	CHECK_INT(line("41 26 8:3x / /mnt", &dev, mp, sizeof(mp)), -1, "junk after minor: refused");
	CHECK_INT(line("41 26 4096:3 / /mnt", &dev, mp, sizeof(mp)), -1,
		  "a major past 12 bits: refused");
	CHECK_INT(line("41 26 8:1048576 / /mnt", &dev, mp, sizeof(mp)), -1,
		  "a minor past 20 bits: refused");
	CHECK_INT(line("41 26 8:3 / relative", &dev, mp, sizeof(mp)), -1,
		  "a relative mount point: refused");
	CHECK_INT(line("41 26 8:3 /", &dev, mp, sizeof(mp)), -1, "no mount point: refused");
	return tap_done();
}
