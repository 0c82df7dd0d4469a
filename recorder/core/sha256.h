/* sha256.h: SHA-256 (FIPS 180-4), for the rules digest. */
#ifndef RG_SHA256_H
#define RG_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct rg_sha256 {
	uint32_t h[8];
	uint64_t len;   /* bytes hashed so far */
	uint8_t block[64];
};

void rg_sha256_init(struct rg_sha256 *s);
void rg_sha256_add(struct rg_sha256 *s, const void *data, size_t n);
/* Writes the digest as 64 lowercase hex digits and a NUL. */
void rg_sha256_hex(struct rg_sha256 *s, char out[65]);

#endif /* RG_SHA256_H */
