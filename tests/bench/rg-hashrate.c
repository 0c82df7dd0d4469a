/* rg-hashrate: how fast the recorder's hashing thread reads and hashes a
 * file (rg_hash_file: open, identity check, read, SHA-256 by libcrypto),
 * from the page cache after the first round.
 *   rg-hashrate FILE [ROUNDS]   prints one JSON object: bytes, wall and CPU
 *                               seconds, MB/s by each (on a shared machine
 *                               the CPU figure is the hasher's own speed) */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "hasher.h"

int main(int argc, char **argv)
{
	struct stat st;
	if (argc < 2 || stat(argv[1], &st)) {
		fprintf(stderr, "usage: rg-hashrate FILE [ROUNDS]\n");
		return 2;
	}
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	struct rg_hash_id id = {(uint64_t)st.st_dev, (uint64_t)st.st_ino, (uint64_t)st.st_size,
				(int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec};
	char hex[65];
	if (rg_hash_file(0, argv[1], &id, UINT64_MAX, hex) != RG_HS_OK) /* warms the cache */
		return 1;
	struct timespec a, b, ca, cb;
	clock_gettime(CLOCK_MONOTONIC, &a);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ca);
	for (int i = 0; i < rounds; i++)
		if (rg_hash_file(0, argv[1], &id, UINT64_MAX, hex) != RG_HS_OK)
			return 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cb);
	double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	double cpu = (double)(cb.tv_sec - ca.tv_sec) + (double)(cb.tv_nsec - ca.tv_nsec) / 1e9;
	double bytes = (double)st.st_size * rounds;
	printf("{\"bytes\": %.0f, \"seconds\": %.3f, \"cpu_seconds\": %.3f, \"mb_per_s\": %.1f, "
	       "\"mb_per_cpu_s\": %.1f, \"sha256\": \"%s\"}\n",
	       bytes, s, cpu, bytes / s / 1e6, bytes / cpu / 1e6, hex);
	return 0;
}
