/* sign_key.h: the host's signing key (sign.h), kept outside the database.
 *
 * The key file holds the 32-byte Ed25519 seed as 64 hex digits and a
 * newline. It is opened with outfile.h's checks (no symlink, ours, one
 * name, in a directory no one else can swap it in) and further refused
 * when group or others may read it. A missing file is created 0600 with a
 * new random key. The key is kept in memory that libsodium locks (not
 * swapped), guards and makes read-only, wiped when freed.
 */
#ifndef RG_SIGN_KEY_H
#define RG_SIGN_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The 64-byte secret key (public key at +32) from path, created first if
 * missing (*created set). NULL with err and *code (2: the file was
 * refused, 1: it could not be read or is not a key). */
const uint8_t *rg_sign_key_load(const char *path, bool *created, char *err, size_t errlen,
				int *code);
void rg_sign_key_free(const uint8_t *sk);

#endif /* RG_SIGN_KEY_H */
