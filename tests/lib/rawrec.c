/* rawrec.c: hand-built raw records (see rawrec.h). */
#include "rawrec.h"

#include <string.h>

void rawrec_hdr(struct rg_hdr *h, const struct rg_hdr *proto, uint16_t kind, uint32_t size)
{
	*h = *proto;
	h->version = RG_ABI_VERSION;
	h->kind = kind;
	h->size = size;
}

/* Appends s (len bytes) at off of rec and points ref at it; an empty
 * string is absent. Returns the offset after it. */
static uint32_t put_string(unsigned char *rec, uint32_t off, struct rg_sref *ref, const char *s,
			   uint32_t len)
{
	if (len)
		memcpy(rec + off, s, len);
	*ref = (struct rg_sref){(uint16_t)(len ? off : 0), (uint16_t)len};
	return off + len;
}

/* n strings (NULL: absent) one after another from off; returns the end. */
static uint32_t put_strings(unsigned char *rec, uint32_t off, struct rg_sref *const *refs,
			    const char *const *in, int n)
{
	for (int i = 0; i < n; i++)
		off = put_string(rec, off, refs[i], in[i] ? in[i] : "",
				 in[i] ? (uint32_t)strlen(in[i]) : 0);
	return off;
}

uint32_t rawrec_exec(void *rec, const struct rg_hdr *proto, const char *exe, const char *argv,
		     uint32_t argv_len, const char *cwd)
{
	struct rg_exec *e = rec;
	memset(e, 0, sizeof(*e));
	uint32_t off = sizeof(*e);
	off = put_string(rec, off, &e->exe, exe, (uint32_t)strlen(exe));
	off = put_string(rec, off, &e->argv, argv, argv_len);
	off = put_string(rec, off, &e->cwd, cwd, (uint32_t)strlen(cwd));
	rawrec_hdr(&e->hdr, proto, RG_KIND_EXEC, off);
	return off;
}

uint32_t rawrec_file(void *rec, const struct rg_hdr *proto, uint16_t op, uint16_t syscall,
		     const char *const path[4])
{
	struct rg_file *f = rec;
	struct rg_sref *refs[4] = {&f->dir, &f->name, &f->new_dir, &f->new_name};
	memset(f, 0, sizeof(*f));
	uint32_t off = put_strings(rec, sizeof(*f), refs, path, 4);
	rawrec_hdr(&f->hdr, proto, RG_KIND_FILE, off);
	f->op = op;
	f->syscall = syscall;
	return off;
}

uint32_t rawrec_sys(void *rec, const struct rg_hdr *proto, uint16_t op, uint16_t syscall,
		    const char *path, const char *name, const char *source)
{
	struct rg_sys *y = rec;
	const char *in[3] = {path, name, source};
	struct rg_sref *refs[3] = {&y->path, &y->name, &y->source};
	memset(y, 0, sizeof(*y));
	uint32_t off = put_strings(rec, sizeof(*y), refs, in, 3);
	rawrec_hdr(&y->hdr, proto, RG_KIND_SYS, off);
	y->op = op;
	y->syscall = syscall;
	return off;
}
