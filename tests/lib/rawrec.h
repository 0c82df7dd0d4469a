/* rawrec.h: raw records of the kernel ABI (bpf/rg_abi.h), built by hand
 * the way the BPF programs write them, for the decoder's tests
 * (tests/unit/test_decode.c) and the fuzzers' seeds
 * (tests/fuzz/seed_pipeline.c).
 *
 * A record is a fixed part, then a data area the fixed part's string
 * references (struct rg_sref) point into. Each builder takes a header as
 * a prototype (tgid, times, ids: what the test cares about) and fills in
 * what the ABI fixes: the version, the kind and the size. rec must hold
 * the size returned (RG_RECORD_MAX is always enough for the strings of a
 * test).
 */
#ifndef RG_TEST_RAWREC_H
#define RG_TEST_RAWREC_H

#include <stdint.h>

#include "rg_abi.h"

/* *h = *proto, with this ABI's version, kind and size. */
void rawrec_hdr(struct rg_hdr *h, const struct rg_hdr *proto, uint16_t kind, uint32_t size);

/* An exec record: exe, argv (argv_len bytes, each argument NUL-terminated)
 * and cwd in its data area, its other fields zero. Returns its size. */
uint32_t rawrec_exec(void *rec, const struct rg_hdr *proto, const char *exe, const char *argv,
		     uint32_t argv_len, const char *cwd);

/* A file record of op by syscall on path[0] (dir) and path[1] (name), and
 * for a rename path[2] and path[3] (the new dir and name); a NULL or empty
 * string is absent ({0, 0}). Its other fields zero. Returns its size. */
uint32_t rawrec_file(void *rec, const struct rg_hdr *proto, uint16_t op, uint16_t syscall,
		     const char *const path[4]);

/* A system record of op by syscall with its path, name and source (NULL
 * or empty: absent), its other fields zero. Returns its size. */
uint32_t rawrec_sys(void *rec, const struct rg_hdr *proto, uint16_t op, uint16_t syscall,
		    const char *path, const char *name, const char *source);

#endif /* RG_TEST_RAWREC_H */
