/* sign.c: see sign.h. */
#include "sign.h"

#include <sodium.h>
#include <string.h>


#define MESSAGE_TAG "rand-guard checkpoint 1\n"
#define FPR_TAG "rand-guard key 1\n"

int rg_sign_init(void)
{
	return sodium_init() < 0 ? -1 : 0; /* 1: already done, fine */
}

static void put_u64(struct rg_buf *b, uint64_t v)
{
	uint8_t be[8];
	for (int i = 0; i < 8; i++)
		be[i] = (uint8_t)(v >> (56 - 8 * i));
	rg_buf_add(b, be, 8);
}

void rg_sign_message(const struct rg_checkpoint *c, struct rg_buf *b)
{
	size_t nhost = strnlen(c->host, sizeof(c->host));
	b->len = 0;
	rg_buf_add(b, MESSAGE_TAG, strlen(MESSAGE_TAG));
	put_u64(b, (uint64_t)c->link);
	rg_buf_add(b, c->head, sizeof(c->head));
	put_u64(b, (uint64_t)c->run_id);
	put_u64(b, (uint64_t)c->ts_ns);
	put_u64(b, nhost);
	rg_buf_add(b, c->host, nhost);
}

void rg_sign_head(struct rg_checkpoint *c, const uint8_t sk[RG_SIGN_SK])
{
	struct rg_buf m = {0};
	memcpy(c->pk, sk + RG_SIGN_SEED, RG_SIGN_PK); /* libsodium keeps it there */
	rg_sign_message(c, &m);
	crypto_sign_detached(c->sig, NULL, (const uint8_t *)m.p, m.len, sk);
	rg_sign_fpr(c->pk, c->fpr);
	rg_buf_free(&m);
}

bool rg_sign_valid(const struct rg_checkpoint *c)
{
	struct rg_buf m = {0};
	rg_sign_message(c, &m);
	bool ok = crypto_sign_verify_detached(c->sig, (const uint8_t *)m.p, m.len, c->pk) == 0;
	rg_buf_free(&m);
	return ok;
}

void rg_sign_fpr(const uint8_t pk[RG_SIGN_PK], char out[2 * RG_SIGN_FPR + 1])
{
	uint8_t d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)FPR_TAG, strlen(FPR_TAG));
	crypto_hash_sha256_update(&st, pk, RG_SIGN_PK);
	crypto_hash_sha256_final(&st, d);
	rg_hex(d, RG_SIGN_FPR, out);
}

void rg_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int rg_unhex(const char *s, uint8_t *out, size_t n)
{
	if (!s || strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
