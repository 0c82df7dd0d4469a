/* checkpoint.h: a signed checkpoint of the hash chain, as the store makes
 * it and the NDJSON output writes it (store/sign.h says what is signed
 * and how). */
#ifndef RG_CHECKPOINT_H
#define RG_CHECKPOINT_H

#include <stdint.h>

#define RG_SIGN_PK 32
#define RG_SIGN_SK 64 /* libsodium's: seed and public key */
#define RG_SIGN_SEED 32
#define RG_SIGN_SIG 64
#define RG_SIGN_FPR 16 /* bytes; 32 hex digits */
#define RG_SIGN_HOST 256

struct rg_checkpoint {
	int64_t link, run_id, ts_ns;
	uint8_t head[32]; /* the link's digest */
	char host[RG_SIGN_HOST];
	uint8_t pk[RG_SIGN_PK];
	uint8_t sig[RG_SIGN_SIG];
	char fpr[2 * RG_SIGN_FPR + 1]; /* pk's fingerprint, hex (not signed) */
};

#endif /* RG_CHECKPOINT_H */
