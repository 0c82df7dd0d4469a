/* sha256.c: SHA-256 by libcrypto's EVP interface (sha256.h). */
#include "sha256.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

void rg_sha256_init(struct rg_sha256 *s)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		fprintf(stderr, "rand-guard: libcrypto: cannot start a SHA-256 digest\n");
		abort();
	}
	s->ctx = c;
}

void rg_sha256_add(struct rg_sha256 *s, const void *data, size_t n)
{
	EVP_DigestUpdate(s->ctx, data, n); /* cannot fail for a software digest */
}

void rg_sha256_hex(struct rg_sha256 *s, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	EVP_DigestFinal_ex(s->ctx, md, &n);
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	rg_sha256_drop(s);
}

void rg_sha256_drop(struct rg_sha256 *s)
{
	EVP_MD_CTX_free(s->ctx);
	s->ctx = NULL;
}
