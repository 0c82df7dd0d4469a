/* sign_key.c: see sign_key.h. */
#include "sign_key.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"
#include "sign.h"

/* A new seed in the empty file fd. */
static int make_key(int fd, uint8_t seed[RG_SIGN_SEED], const char *path, char *err,
		    size_t errlen)
{
	char line[2 * RG_SIGN_SEED + 2];
	randombytes_buf(seed, RG_SIGN_SEED);
	rg_hex(seed, RG_SIGN_SEED, line);
	line[2 * RG_SIGN_SEED] = '\n';
	ssize_t n = write(fd, line, sizeof(line) - 1);
	int bad = n != (ssize_t)sizeof(line) - 1 || fsync(fd);
	sodium_memzero(line, sizeof(line));
	if (bad)
		snprintf(err, errlen, "%s: writing the new key: %s", path,
			 n < 0 || errno ? strerror(errno) : "short write");
	return bad ? -1 : 0;
}

static int read_key(int fd, uint8_t seed[RG_SIGN_SEED], const char *path, char *err,
		    size_t errlen)
{
	char line[2 * RG_SIGN_SEED + 8];
	ssize_t n = read(fd, line, sizeof(line) - 1);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	int bad = rg_unhex(line, seed, RG_SIGN_SEED) || (n > 2 * RG_SIGN_SEED + 1);
	sodium_memzero(line, sizeof(line));
	if (bad)
		snprintf(err, errlen, "%s: not a rand-guard signing key (64 hex digits and a "
			 "newline)", path);
	return bad ? -1 : 0;
}

const uint8_t *rg_sign_key_load(const char *path, bool *created, char *err, size_t errlen,
				int *code)
{
	const struct rg_outfile how = {O_RDWR, false, NULL};
	struct stat sb;
	*created = false;
	if (rg_sign_init()) {
		snprintf(err, errlen, "libsodium cannot start");
		*code = 1;
		return NULL;
	}
	int fd = rg_outfile_open(path, &how, err, errlen, code);
	if (fd < 0)
		return NULL;
	*code = 1;
	if (fstat(fd, &sb)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (sb.st_mode & (S_IRWXG | S_IRWXO)) { /* outfile.h allows group/other reads */
		snprintf(err, errlen, "%s: the signing key is readable by group or others (mode "
			 "%04o): refusing it (chmod 600, and take a new key: it may be known)",
			 path, (unsigned)(sb.st_mode & 07777));
		*code = 2;
		close(fd);
		return NULL;
	}
	uint8_t seed[RG_SIGN_SEED];
	int rc = sb.st_size == 0 ? make_key(fd, seed, path, err, errlen)
				 : read_key(fd, seed, path, err, errlen);
	close(fd);
	uint8_t *sk = rc ? NULL : sodium_malloc(RG_SIGN_SK);
	if (!rc && !sk)
		snprintf(err, errlen, "cannot allocate locked memory for the signing key");
	if (sk) {
		uint8_t pk[RG_SIGN_PK];
		crypto_sign_seed_keypair(pk, sk, seed);
		sodium_mprotect_readonly(sk);
		*created = sb.st_size == 0;
	}
	sodium_memzero(seed, sizeof(seed));
	return sk;
}

void rg_sign_key_free(const uint8_t *sk)
{
	if (sk)
		sodium_free((void *)sk); /* wipes it */
}
