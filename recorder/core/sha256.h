/* sha256.h: SHA-256 through OpenSSL's libcrypto (EVP), for the rules
 * digest and the hashes of executed files. A thin wrapper so that callers
 * need not include OpenSSL's headers nor repeat the hex encoding. */
#ifndef RG_SHA256_H
#define RG_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct rg_sha256 {
	void *ctx; /* EVP_MD_CTX */
};

/* Starts a digest; stops the program when libcrypto cannot allocate one,
 * as the allocation policy does (alloc.h). */
void rg_sha256_init(struct rg_sha256 *s);
void rg_sha256_add(struct rg_sha256 *s, const void *data, size_t n);
/* Writes the digest as 64 lowercase hex digits and a NUL, and frees s. */
void rg_sha256_hex(struct rg_sha256 *s, char out[65]);
/* Frees s without a digest (a read that failed half way). */
void rg_sha256_drop(struct rg_sha256 *s);

#endif /* RG_SHA256_H */
