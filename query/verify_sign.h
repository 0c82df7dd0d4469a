/* verify_sign.h: `rgq verify`'s check of the signed checkpoints
 * (recorder/store/sign.h) against the chain cmd_verify.c has walked. */
#ifndef RGQ_VERIFY_SIGN_H
#define RGQ_VERIFY_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checkpoint.h"
#include "rgq.h"

/* A link's digest as stored, in link order. */
struct vs_link {
	int64_t link;
	uint8_t digest[32];
};

struct vs_ctx {
	struct rgq *g;
	const struct rgq_command *c;
	const struct rgq_opts *o;
	const char *want; /* rgq_verify_key's fingerprint ("" for any key) */
	const struct vs_link *links;
	size_t nlinks;
	/* a problem line (counted as one), and an informational one */
	void (*problem)(void *arg, const char *line);
	void *arg;
};

/* A line of the recorder's NDJSON: 1 when it is no checkpoint line, 0
 * with cp filled (its fpr too; host, and *has_host, when the line has
 * one), -1 when it is one that lacks a field or has a malformed one. */
int rgq_shipped_parse(const char *line, struct rg_checkpoint *cp, bool *has_host);

/* The fingerprint of the key --pubkey or --key-fpr require ("" for
 * none). 0, or 2 after saying what is wrong with them. */
int rgq_verify_key(const struct rgq_command *c, const struct rgq_opts *o, char fpr[33]);
/* Checks the checkpoints table against the links and the key, and the
 * shipped checkpoints (--checkpoints); prints the signed range and the
 * unsigned tail. 0, or 1 when --checkpoints cannot be read. */
int rgq_verify_signed(struct vs_ctx *x);

#endif /* RGQ_VERIFY_SIGN_H */
