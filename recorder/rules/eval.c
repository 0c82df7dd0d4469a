/* eval.c: an event through the rule set: conditions on the event and its
 * lineage, summaries and alerts (rules.h). */
#include "rules_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "alloc.h"
#include "pathmatch.h"

/* ---- evaluation --------------------------------------------------------------- */

/* One match data for every regular expression of this thread: rule
 * evaluation is one thread's (the recorder's, or rgq's), and a match needs
 * only to know whether, not where. */
static bool regex_match(void *re, const char *s, size_t n)
{
	static __thread pcre2_match_data *md;
	if (!md && !(md = pcre2_match_data_create(1, NULL)))
		return false;
	return pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, md, NULL) >= 0;
}

/* Whether the address in text (s, n) lies in net; an IPv4-mapped IPv6
 * address counts as its IPv4 one. */
static bool in_cidr(const struct cidr *net, const char *s, size_t n)
{
	char text[64];
	unsigned char a[16];
	if (n >= sizeof(text))
		return false;
	memcpy(text, s, n);
	text[n] = '\0';
	int fam = memchr(s, ':', n) ? AF_INET6 : AF_INET;
	if (inet_pton(fam, text, a) != 1)
		return false;
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	const unsigned char *p = a;
	if (fam == AF_INET6 && net->family == AF_INET && !memcmp(a, mapped, 12))
		fam = AF_INET, p = a + 12;
	if (fam != net->family)
		return false;
	unsigned full = net->bits / 8, rest = net->bits % 8;
	if (memcmp(p, net->addr, full))
		return false;
	unsigned char mask = (unsigned char)(0xff00 >> rest);
	return !rest || ((p[full] ^ net->addr[full]) & mask) == 0;
}

/* A prefix and a suffix test the first and the last byte before a call:
 * the values of a list differ there most. */
static inline bool text_prefix(const char *s, size_t n, const char *v, size_t vn)
{
	return n >= vn && (!vn || (s[0] == v[0] && !memcmp(s, v, vn)));
}

static inline bool text_suffix(const char *s, size_t n, const char *v, size_t vn)
{
	return n >= vn && (!vn || (s[n - 1] == v[vn - 1] && !memcmp(s + n - vn, v, vn)));
}

/* prefix or suffix over values lo..hi-1, the test picked once. */
static bool test_ends(const struct rg_cond *c, struct rg_str t, unsigned lo, unsigned hi)
{
	char *const *v = c->strs;
	const size_t *vn = c->lens;
	unsigned i = lo;
	if (c->op == OP_SUFFIX)
		while (i < hi && !text_suffix(t.p, t.len, v[i], vn[i]))
			i++;
	else if (c->path)
		while (i < hi && !rg_path_has_prefix(t.p, t.len, v[i], vn[i]))
			i++;
	else
		while (i < hi && !text_prefix(t.p, t.len, v[i], vn[i]))
			i++;
	return i < hi;
}

/* Value i of the other text operators (equals, prefix and suffix have
 * their own loops: test_equals, test_ends). */
static bool str_op(const struct rg_cond *c, unsigned i, const char *s, size_t n,
		   struct rg_buf *scratch)
{
	const char *v = c->strs[i];
	size_t vn = c->lens[i];
	switch (c->op) {
	case OP_CONTAINS:
		return memmem(s, n, v, vn) != NULL;
	case OP_REGEX:
		return regex_match(c->res[i], s, n);
	case OP_CIDR:
		return in_cidr(&c->nets[i], s, n);
	case OP_GLOB: /* not a path (test_path_glob) */
		scratch->len = 0;
		rg_buf_add(scratch, s, n);
		return fnmatch(v, rg_buf_cstr(scratch), 0) == 0;
	default:
		return false;
	}
}

/* A path glob over values lo..hi-1, with rg_path_glob's meaning: the path
 * is what fnmatch would see of it (up to a NUL), split once; a value
 * without wildcards is a byte compare, skipped when its length is neither
 * the path's nor the base name's; the path is copied (NUL-terminated) for
 * fnmatch only once a glob's literal head and tail are there. */
static bool test_path_glob(const struct rg_cond *c, struct eval *e, struct rg_str s,
			   unsigned lo, unsigned hi)
{
	if (s.len >= 8192)
		return false; /* as rg_path_glob: never a match */
	size_t pathlen = strnlen(s.p, s.len);
	const char *path = s.p, *slash = memrchr(path, '/', pathlen);
	const char *base = slash ? slash + 1 : path;
	size_t baselen = pathlen - (size_t)(base - path);
	bool copied = false;
	for (unsigned i = lo; i < hi; i++) {
		const struct rg_glob *g = &c->globs[i];
		if (c->literal[i]) {
			if (g->whole ? g->len == pathlen && !memcmp(g->pattern, path, pathlen)
				     : g->len == baselen && !memcmp(g->pattern, base, baselen))
				return true;
			continue;
		}
		if (!(g->whole ? rg_glob_may(g, path, pathlen) : rg_glob_may(g, base, baselen)))
			continue;
		if (!copied) {
			e->globbuf.len = 0;
			rg_buf_add(&e->globbuf, path, pathlen);
			base = rg_buf_cstr(&e->globbuf) + (base - path);
			path = rg_buf_cstr(&e->globbuf);
			copied = true;
		}
		if (rg_glob_fnmatch(g, path, base))
			return true;
	}
	return false;
}

/* contains, over many values: memmem only where the value's middle
 * trigram is in the text (the lists are long, their values rare). */
static bool test_contains(const struct rg_cond *c, const struct val *v, struct rg_str s,
			  unsigned lo, unsigned hi)
{
	const uint64_t *grams = s.len >= RULES_GRAM_MIN ? rules_text_grams(v, c->nocase) : NULL;
	for (unsigned i = lo; i < hi; i++) {
		if (grams && c->lens[i] >= RULES_GRAM_MIN && !rules_text_has_gram(grams, c->grams[i]))
			continue;
		if (memmem(s.p, s.len, c->strs[i], c->lens[i]))
			return true;
	}
	return false;
}

/* equals, over many values: only a value of the text's length is
 * compared (none at all when no value's length matches it modulo 64),
 * and a nocase text is folded only when there is one. */
static bool test_equals(const struct rg_cond *c, const struct val *v, unsigned lo, unsigned hi)
{
	if (!(c->lenbits & (1ull << (v->n % 64))))
		return false;
	struct rg_str s = {v->p, (uint32_t)v->n};
	bool folded = !c->nocase;
	for (unsigned i = lo; i < hi; i++) {
		if (c->lens[i] != v->n)
			continue;
		if (!folded) {
			s = rules_text_folded(v);
			folded = true;
		}
		if (!memcmp(s.p, c->strs[i], s.len))
			return true;
	}
	return false;
}

/* Values lo..hi-1 of c against one text value; a nocase condition's
 * values are lowercase already, the text is folded here (a regular
 * expression folds itself). */
static bool test_str(const struct rg_cond *c, struct eval *e, const struct val *v, unsigned lo,
		     unsigned hi)
{
	if (c->op == OP_EQ)
		return test_equals(c, v, lo, hi);
	struct rg_str s = {v->p, (uint32_t)v->n};
	if (c->nocase && c->op != OP_REGEX)
		s = rules_text_folded(v);
	if (c->globs)
		return test_path_glob(c, e, s, lo, hi);
	if (c->op == OP_CONTAINS && hi - lo > 1)
		return test_contains(c, v, s, lo, hi);
	if (c->op == OP_PREFIX || c->op == OP_SUFFIX)
		return test_ends(c, s, lo, hi);
	for (unsigned i = lo; i < hi; i++)
		if (str_op(c, i, s.p, s.len, &e->globbuf))
			return true;
	return false;
}

/* Values lo..hi-1 against a number: the operator is picked once, not for
 * each value of a list. */
static bool test_int(const struct rg_cond *c, int64_t x, unsigned lo, unsigned hi)
{
	const int64_t *v = c->ints;
	unsigned i = lo;
	switch (c->op) {
	case OP_EQ: while (i < hi && x != v[i]) i++; break;
	case OP_LT: while (i < hi && !(x < v[i])) i++; break;
	case OP_LE: while (i < hi && !(x <= v[i])) i++; break;
	case OP_GT: while (i < hi && !(x > v[i])) i++; break;
	case OP_GE: while (i < hi && !(x >= v[i])) i++; break;
	case OP_ANYBITS: while (i < hi && !(x & v[i])) i++; break;
	default: return false;
	}
	return i < hi;
}

static bool visit_str(val_fn fn, void *arg, const char *p, size_t n)
{
	struct val v = {p ? p : "", n, 0, false, p ? p : "", n, false};
	return fn(arg, &v);
}

static bool visit_int(val_fn fn, void *arg, int64_t i)
{
	struct val v = {NULL, 0, i, true};
	return fn(arg, &v);
}

/* argv as one space-joined line (text.c makes it once an event). */
static bool visit_cmdline(struct eval *e, struct rg_str argv, val_fn fn, void *arg)
{
	(void)e;
	struct rg_str line = rules_text_joined(argv);
	struct val v = {line.p, line.len, 0, false, argv.p, argv.len, true};
	return fn(arg, &v);
}

/* Whether p descends from the acting process (its child, grandchild, ...)
 * as far as the lineage knows: a chain that breaks at a process the
 * lineage lacks says no, as does a process that is the actor itself. */
static bool descends_from_actor(const struct eval *e, const struct rg_lproc *p)
{
	for (int depth = 0; p && depth < MAX_ANCESTORS; depth++) {
		if (p->parent_proc_id == e->ev->proc_id)
			return true;
		p = p->parent_proc_id != p->proc_id ? rg_lineage_get(e->lin, p->parent_proc_id)
						    : NULL;
	}
	return false;
}

/* A lineage attribute's value. */
static bool visit_attr(struct eval *e, const struct rg_lproc *p, enum rg_ctx_attr a, val_fn fn,
		       void *arg)
{
	switch (a) {
	case RG_CTX_COMM: return p->comm.p && visit_str(fn, arg, p->comm.p, p->comm.len);
	case RG_CTX_EXE: return p->exe.p && visit_str(fn, arg, p->exe.p, p->exe.len);
	case RG_CTX_CMDLINE: return p->argv.p && visit_cmdline(e, p->argv, fn, arg);
	case RG_CTX_UID: return visit_int(fn, arg, p->uid);
	case RG_CTX_EUID: return p->creds_known && visit_int(fn, arg, p->euid);
	case RG_CTX_AUID: return p->creds_known && visit_int(fn, arg, p->auid);
	case RG_CTX_USER: return p->user.p && visit_str(fn, arg, p->user.p, p->user.len);
	case RG_CTX_CONTAINER_ID:
		return p->container_id.p &&
		       visit_str(fn, arg, p->container_id.p, p->container_id.len);
	case RG_CTX_CONTAINER_RUNTIME:
		return p->container_runtime.p &&
		       visit_str(fn, arg, p->container_runtime.p, p->container_runtime.len);
	case RG_CTX_DESCENDANT: return visit_int(fn, arg, descends_from_actor(e, p));
	default: return false;
	}
}

/* An event field's value (or values: each of argv). */
static bool visit_event_field(struct eval *e, const struct rg_field *f, val_fn fn, void *arg)
{
	const struct rg_event *ev = e->ev;
	if (rg_field_is_null(f, ev))
		return false;
	if (rg_field_is_int(f))
		return visit_int(fn, arg, rg_field_int(f, ev));
	if (f->type == RG_FT_ETYPE) {
		const char *n = rg_etype_name(ev->type);
		return visit_str(fn, arg, n, strlen(n));
	}
	struct rg_str s = rg_field_str(f, ev);
	if (f->type == RG_FT_CMDLINE)
		return visit_cmdline(e, s, fn, arg);
	if (f->type == RG_FT_ARGV) { /* any one argument */
		for (uint32_t at = 0; at < s.len;) {
			const char *nul = memchr(s.p + at, 0, s.len - at);
			uint32_t n = nul ? (uint32_t)(nul - (s.p + at)) : s.len - at;
			if (visit_str(fn, arg, s.p + at, n))
				return true;
			at += n + 1;
		}
		return false;
	}
	return visit_str(fn, arg, s.p, s.len);
}

/* An event's argv split once into its arguments for argN (Sigma's auditd
 * rules name a0..a7, each a source the prefilter scans and a condition
 * reads): each argument's place, for the first RULES_ARGS_MAX of them
 * (every argN there is). It is the evaluating thread's (as text.c's
 * texts), and belongs to the evaluation numbered gen: a new event's argv
 * may sit at the same place. */
static __thread unsigned long eval_gen;
static __thread struct {
	unsigned long gen;
	const char *p;
	uint32_t len;
	unsigned n; /* arguments split */
	uint32_t at[RULES_ARGS_MAX], len_of[RULES_ARGS_MAX];
} args;

/* Argument i of argv s, or no value. */
static bool visit_arg(struct rg_str s, unsigned i, val_fn fn, void *arg)
{
	if (args.gen != eval_gen || args.p != s.p || args.len != s.len) {
		args.gen = eval_gen;
		args.p = s.p;
		args.len = s.len;
		args.n = 0;
		for (uint32_t at = 0; at < s.len && args.n < RULES_ARGS_MAX; args.n++) {
			const char *nul = memchr(s.p + at, 0, s.len - at);
			uint32_t n = nul ? (uint32_t)(nul - (s.p + at)) : s.len - at;
			args.at[args.n] = at;
			args.len_of[args.n] = n;
			at += n + 1;
		}
	}
	return i < args.n && visit_str(fn, arg, s.p + args.at[i], args.len_of[i]);
}

/* A rules-only view (rules_find_field): one argument by position, or
 * the file an event creates. */
static bool visit_virtual(struct eval *e, const struct fref *r, val_fn fn, void *arg)
{
	const struct rg_event *ev = e->ev;
	if (!(r->types & RG_ET_BIT(ev->type)))
		return false;
	if (r->virt == V_TARGET) {
		static const struct rg_field *new_path;
		if (!new_path)
			new_path = rg_field_find("new_path");
		bool created = (new_path->types & RG_ET_BIT(ev->type)) &&
			       !rg_field_is_null(new_path, ev);
		return visit_event_field(e, created ? new_path : r->f, fn, arg);
	}
	return visit_arg(rg_field_str(r->f, ev), r->argi, fn, arg);
}

static const struct rg_lproc *self_of(struct eval *e)
{
	if (!e->self_known) {
		e->self = rg_lineage_get(e->lin, e->ev->proc_id);
		e->self_known = true;
	}
	return e->self;
}

static const struct rg_lproc *parent_of(struct eval *e)
{
	if (!e->parent_known) {
		e->parent = rg_lineage_get(e->lin, e->ev->parent_proc_id);
		e->parent_known = true;
	}
	return e->parent;
}

/* The values of a field reference: the event's, its process's, its
 * parent's, every ancestor's or its target's. The target's have none when
 * the lineage lacks the target or the actor (unknown, not "no"). */
bool rules_visit_fref(struct eval *e, const struct fref *r, val_fn fn, void *arg)
{
	const struct rg_event *ev = e->ev;
	if (r->virt)
		return visit_virtual(e, r, fn, arg);
	if (r->whose == RG_CTX_SELF) {
		if (r->f->types & RG_ET_BIT(ev->type))
			return visit_event_field(e, r->f, fn, arg);
		const struct rg_lproc *p = self_of(e);
		return p && visit_attr(e, p, r->attr, fn, arg);
	}
	if (r->whose == RG_CTX_TARGET) {
		bool known = e->lin && (r->types & RG_ET_BIT(ev->type)) &&
			     self_of(e);
		const struct rg_lproc *t = known ? rg_lineage_get(e->lin, ev->target_proc_id) : NULL;
		return t && visit_attr(e, t, r->attr, fn, arg);
	}
	const struct rg_lproc *p = parent_of(e);
	if (r->whose == RG_CTX_PARENT)
		return p && visit_attr(e, p, r->attr, fn, arg);
	for (int depth = 0; p && depth < MAX_ANCESTORS; depth++) {
		if (visit_attr(e, p, r->attr, fn, arg))
			return true;
		p = p->parent_proc_id != p->proc_id ? rg_lineage_get(e->lin, p->parent_proc_id)
						    : NULL;
	}
	return false;
}

/* ---- single-event evaluation ------------------------------------------------ */

struct cond_arg {
	const struct rg_cond *c;
	struct eval *e;
	unsigned lo, hi; /* the values to test */
};

static bool cond_val(void *arg, const struct val *v)
{
	const struct cond_arg *a = arg;
	if (a->c->op == OP_EXISTS)
		return true;
	if (v->num)
		return test_int(a->c, v->i, a->lo, a->hi);
	return test_str(a->c, a->e, v, a->lo, a->hi);
}

/* The one value of r on the event when it is the event's own number or
 * text, read in place (1), as rules_visit_fref would give it; 0: no value
 * (null); -1: r is another kind (context, argv, a view, the event type),
 * for rules_visit_fref. Most conditions read such a field: a direct read
 * spares the visit's turns and its call per value. */
static int own_value(const struct eval *e, const struct fref *r, struct val *v)
{
	const struct rg_event *ev = e->ev;
	if (r->virt || r->whose != RG_CTX_SELF || !(r->f->types & RG_ET_BIT(ev->type)))
		return -1;
	const struct rg_field *f = r->f;
	if (f->type == RG_FT_STR || f->type == RG_FT_CSTR) {
		struct rg_str s = rg_field_str(f, ev);
		if (!s.p)
			return 0;
		*v = (struct val){s.p, s.len, 0, false, s.p, s.len, false};
		return 1;
	}
	if (!rg_field_is_int(f))
		return -1;
	if (rg_field_is_null(f, ev))
		return 0;
	*v = (struct val){NULL, 0, rg_field_int(f, ev), true};
	return 1;
}

/* Whether some value of some field satisfies values lo..hi-1. */
static bool any_value(const struct rg_cond *c, struct eval *e, unsigned lo, unsigned hi)
{
	struct cond_arg a = {c, e, lo, hi};
	for (unsigned k = 0; k < c->nfields; k++) {
		struct val v;
		int own = own_value(e, &c->fields[k], &v);
		if (own > 0 ? cond_val(&a, &v)
			    : own < 0 && rules_visit_fref(e, &c->fields[k], cond_val, &a))
			return true;
	}
	return false;
}

bool rules_cond_holds(const struct rg_cond *c, struct eval *e)
{
	bool yes = true;
	if (c->etypes) { /* event_type in a list: one bit test */
		yes = (c->etypes & RG_ET_BIT(e->ev->type)) != 0;
	} else if (!c->all) {
		yes = any_value(c, e, 0, c->nvals);
	} else { /* each value by some field value */
		for (unsigned i = 0; i < c->nvals && yes; i++)
			yes = any_value(c, e, i, i + 1);
	}
	return yes != c->neg;
}

bool rules_step_fires(const struct rg_step *st, struct eval *e)
{
	for (unsigned i = 0; st->nplain && i < st->nconds; i++) {
		const struct rg_cond *c = &st->conds[i];
		if (c->role != C_NAMED && rules_cond_holds(c, e) == (c->role == C_EXCEPT))
			return false;
	}
	return !st->xroot || rules_expr_holds(st, st->xroot - 1, e);
}

static void add_str(struct rg_buf *b, struct rg_str s)
{
	if (s.p)
		rg_buf_add(b, s.p, s.len);
	else
		rg_buf_adds(b, "?");
}

/* Cuts a summary to SUMMARY_MAX bytes, ending "..." when it was longer. */
void rules_cap_summary(struct rg_buf *b)
{
	if (b->len > SUMMARY_MAX) {
		b->len = SUMMARY_MAX - 3;
		rg_buf_adds(b, "...");
	}
}

/* The object of a system event or a failed exec: what it named, or the
 * other process, or the ids it changed to. */
static void summarize_sys(struct rg_buf *b, const struct rg_event *ev)
{
	if (ev->type == RG_ET_CRED_CHANGE) {
		rg_buf_adds(b, "euid ");
		rg_buf_add_u64(b, ev->old_euid);
		rg_buf_adds(b, " -> ");
		rg_buf_add_u64(b, ev->euid);
	} else if (ev->target_pid) { /* ptrace, proc_mem_write */
		rg_buf_adds(b, "pid ");
		rg_buf_add_u64(b, ev->target_pid);
	} else {
		add_str(b, ev->name.p ? ev->name : ev->path);
	}
}

/* "<event_type> <object> by <exe> (pid N)", at most SUMMARY_MAX bytes.
 * Made for every event a sequence step matches: no printf. */
static void summarize(struct rg_buf *b, const struct rg_event *ev)
{
	b->len = 0;
	rg_buf_adds(b, rg_etype_name(ev->type));
	rg_buf_addc(b, ' ');
	if (RG_ET_BIT(ev->type) & RG_ET_FILE_MASK) {
		add_str(b, ev->path);
		if (ev->new_path.p || ev->type == RG_ET_FILE_RENAME) { /* and link, symlink */
			rg_buf_adds(b, " -> ");
			add_str(b, ev->new_path);
		}
	} else if (RG_ET_BIT(ev->type) & (RG_ET_SYS_MASK | RG_ET_BIT(RG_ET_PROCESS_EXEC_FAILED))) {
		summarize_sys(b, ev);
	} else if (RG_ET_BIT(ev->type) & RG_ET_DNS_MASK) {
		rg_buf_adds(b, ev->dns_type ? ev->dns_type : "?");
		rg_buf_addc(b, ' ');
		add_str(b, ev->dns_query);
	} else if (RG_ET_BIT(ev->type) & RG_ET_NET_MASK) {
		bool remote = ev->type == RG_ET_NET_CONNECT || ev->type == RG_ET_NET_ACCEPT;
		add_str(b, remote ? ev->remote_addr : ev->local_addr);
		rg_buf_adds(b, " port ");
		rg_buf_add_u64(b, remote ? ev->remote_port : ev->local_port);
	} else if (ev->type == RG_ET_PROCESS_START) {
		rg_buf_add_cmdline(b, ev->argv);
	} else if (ev->type == RG_ET_PROCESS_RELATIONSHIP) {
		rg_buf_adds(b, "child pid ");
		rg_buf_add_u64(b, ev->child_pid);
	} else if (ev->type == RG_ET_PROCESS_EXIT && ev->signal) {
		rg_buf_adds(b, "signal ");
		rg_buf_add_u64(b, ev->signal);
	} else if (ev->type == RG_ET_PROCESS_EXIT) {
		rg_buf_adds(b, "code ");
		rg_buf_add_i64(b, ev->exit_code);
	}
	rg_buf_adds(b, " by ");
	add_str(b, ev->exe);
	rg_buf_adds(b, " (pid ");
	rg_buf_add_u64(b, ev->pid);
	rg_buf_addc(b, ')');
	rules_cap_summary(b);
}

/* What evaluation reads besides the rules' own fields. */
static rg_fmask match_fields(void)
{
	/* rules_visit_fref and the joins (seqeval.c) find processes by
	 * proc_id, parent_proc_id and target_proc_id, and sequences time and
	 * order steps by ts_ns and seq; summarize() reads the rest */
	static const char *const read[] = {
		"event_type", "seq", "ts_ns", "proc_id", "parent_proc_id", "target_proc_id",
		"pid", "exe", "path", "new_path", "local_addr", "local_port", "remote_addr",
		"remote_port", "argv", "child_pid", "signal", "exit_code", "target_pid", "name",
		"euid", "old_euid", "dns_type", "dns_query", NULL,
	};
	return rg_fields_mask(read);
}

rg_fmask rg_rules_event_fields(const struct rg_ruleset *rs)
{
	return rs->fields_used | match_fields();
}

rg_fmask rg_rules_type_fields(const struct rg_ruleset *rs, enum rg_etype t)
{
	if ((unsigned)t >= RG_ET_COUNT || !rs->nby_type[t])
		return 0;
	return rs->fields_by_type[t] | match_fields();
}

/* The event's own summary, made once. */
const char *rules_event_summary(struct eval *e)
{
	if (!e->sum.len)
		summarize(&e->sum, e->ev);
	return rg_buf_cstr(&e->sum);
}

void rules_report(struct eval *e, const struct rg_rule *r, const char *summary,
		  const uint64_t *steps, unsigned nsteps)
{
	struct rg_match m = {r, e->ev, e->rs->digest, summary, steps, nsteps};
	e->hits++;
	e->fn(e->arg, &m);
}

/* Rule ri (one that applies to the event's type) on the event. */
static void eval_rule(struct eval *e, unsigned ri)
{
	const struct rg_rule *r = &e->rs->rules[ri];
	if (r->nsteps > 1) {
		if (e->sq)
			rules_sequence_eval(e, ri);
	} else if (rules_step_fires(&r->steps[0], e)) {
		rules_report(e, r, rules_event_summary(e), NULL, 0);
	}
}

/* An evaluation's buffers (struct eval's), kept for the next one on this
 * thread (evaluation is one thread's: text.c): made and freed per event,
 * they cost a malloc and a free on most events. */
#define NSCRATCH 5
static __thread struct rg_buf scratch[NSCRATCH];

unsigned rg_rules_eval(const struct rg_ruleset *rs, struct rg_seqstate *sq,
		       const struct rg_event *ev, const struct rg_lineage *lin, rg_match_fn fn,
		       void *arg, bool *stepped)
{
	if (stepped)
		*stepped = false;
	if (!rs || (unsigned)ev->type >= RG_ET_COUNT || !rs->nby_type[ev->type])
		return 0;
	struct eval e = {.ev = ev, .lin = lin, .rs = rs, .sq = sq, .fn = fn, .arg = arg};
	/* each by name, not through an array of pointers: every event */
	e.globbuf = scratch[0];
	e.sum = scratch[1];
	e.seqsum = scratch[2];
	e.key = scratch[3];
	e.first = scratch[4];
	e.globbuf.len = e.sum.len = e.seqsum.len = e.key.len = e.first.len = 0;
	rules_text_reset();
	eval_gen++; /* visit_arg's split argv is the previous event's */
	if (sq && rs->nsequences)
		rg_seqstate_expire(sq, ev->ts_ns);
	/* the rules without a necessary text and those whose text the event
	 * has (prefilter.c), in rule order: a bit walk passes over the many
	 * rules of the type that need a text the event lacks */
	uint64_t small[64], *cand = NULL;
	size_t words = (rs->nrules + 63) / 64;
	if (rs->prefilter[ev->type]) {
		cand = words <= 64 ? small : rg_calloc(words, sizeof(*cand));
		rules_prefilter_run(rs->prefilter[ev->type], &e, cand);
		for (size_t w = 0; w < words; w++)
			for (uint64_t bits = cand[w]; bits; bits &= bits - 1)
				eval_rule(&e, (unsigned)(w * 64 + (unsigned)__builtin_ctzll(bits)));
	} else {
		for (unsigned i = 0; i < rs->nby_type[ev->type]; i++)
			eval_rule(&e, rs->by_type[ev->type][i]);
	}
	scratch[0] = e.globbuf;
	scratch[1] = e.sum;
	scratch[2] = e.seqsum;
	scratch[3] = e.key;
	scratch[4] = e.first;
	if (cand != small)
		free(cand);
	if (stepped)
		*stepped = e.stepped;
	return e.hits;
}

