/* line.c: one NDJSON line back into an event, alert, health row or gap
 * (line.h). */
#include "line.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "fields.h"


enum tok_kind { T_STR, T_NUM };

/* A string or number of the line, in the order of the text: the k-th
 * string or number cJSON's tree holds, walked in order, is token k. */
struct tok {
	enum tok_kind kind;
	size_t off, len; /* T_STR: the decoded bytes in p->strs; T_NUM: the text in the line */
};


struct rgi_parser {
	struct rg_buf clean; /* the line as cJSON gets it */
	struct rg_buf strs;  /* decoded strings, each NUL-terminated */
	struct rg_buf blobs; /* argv, env and tags, built from the strings */
	struct tok *toks;
	size_t ntoks, cap;
	char **interned; /* open addressing by the string's hash */
	size_t ninterned, cap_interned;
	const char *line;
	char *why;
	size_t whylen;
};

struct rgi_parser *rgi_parser_new(void)
{
	return rg_calloc(1, sizeof(struct rgi_parser));
}

void rgi_parser_free(struct rgi_parser *p)
{
	if (!p)
		return;
	rg_buf_free(&p->clean);
	rg_buf_free(&p->strs);
	rg_buf_free(&p->blobs);
	free(p->toks);
	for (size_t i = 0; i < p->cap_interned; i++)
		free(p->interned[i]);
	free(p->interned);
	free(p);
}

static int fail(struct rgi_parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->why, p->whylen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A constant string that lives as long as the parser: the store copies a
 * const char * field as the pointer (its values are the recorder's own
 * literals). The recorder has few; a hash keeps a stream of made-up ones
 * from costing each line a walk through all the others. */
static size_t intern_slot(char **tab, size_t cap, const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *c = s; *c; c++)
		h = (h ^ (unsigned char)*c) * 0x100000001b3ull;
	size_t i = (size_t)h & (cap - 1);
	while (tab[i] && strcmp(tab[i], s))
		i = (i + 1) & (cap - 1);
	return i;
}

static const char *intern(struct rgi_parser *p, const char *s)
{
	if (2 * (p->ninterned + 1) > p->cap_interned) {
		size_t cap = p->cap_interned ? 2 * p->cap_interned : 64;
		char **tab = rg_calloc(cap, sizeof(*tab));
		for (size_t i = 0; i < p->cap_interned; i++)
			if (p->interned[i])
				tab[intern_slot(tab, cap, p->interned[i])] = p->interned[i];
		free(p->interned);
		p->interned = tab;
		p->cap_interned = cap;
	}
	size_t i = intern_slot(p->interned, p->cap_interned, s);
	if (!p->interned[i]) {
		p->interned[i] = rg_strdup(s);
		p->ninterned++;
	}
	return p->interned[i];
}

/* ---- the lexer ------------------------------------------------------------ */

static void add_tok(struct rgi_parser *p, enum tok_kind k, size_t off, size_t len)
{
	if (p->ntoks == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		p->toks = rg_realloc(p->toks, p->cap * sizeof(*p->toks));
	}
	p->toks[p->ntoks++] = (struct tok){k, off, len};
}

static int hex4(const char *s, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;
		if (d == 16)
			return -1;
		*v = *v << 4 | d;
	}
	return 0;
}

static void add_utf8(struct rg_buf *b, unsigned cp)
{
	if (cp < 0x80) {
		rg_buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		rg_buf_addc(b, (char)(0xc0 | cp >> 6));
		rg_buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		rg_buf_addc(b, (char)(0xe0 | cp >> 12));
		rg_buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		rg_buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		rg_buf_addc(b, (char)(0xf0 | cp >> 18));
		rg_buf_addc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		rg_buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		rg_buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

/* The string literal at s[*i] (the opening quote) decoded into p->strs;
 * *i ends past the closing quote. *plain: cJSON can take it as written
 * (no \u0000, no surrogate escapes). */
static int lex_string(struct rgi_parser *p, const char *s, size_t len, size_t *i, bool *plain)
{
	size_t at = p->strs.len;
	*plain = true;
	for (size_t k = *i + 1; k < len; k++) {
		unsigned char c = (unsigned char)s[k];
		if (c == '"') {
			add_tok(p, T_STR, at, p->strs.len - at);
			rg_buf_addc(&p->strs, '\0');
			*i = k + 1;
			return 0;
		}
		if (c < 0x20)
			return fail(p, "not JSON: a control character in a string");
		if (c != '\\') {
			rg_buf_addc(&p->strs, (char)c);
			continue;
		}
		if (++k >= len)
			break;
		unsigned cp, lo;
		switch (s[k]) {
		case '"': case '\\': case '/': rg_buf_addc(&p->strs, s[k]); break;
		case 'b': rg_buf_addc(&p->strs, '\b'); break;
		case 'f': rg_buf_addc(&p->strs, '\f'); break;
		case 'n': rg_buf_addc(&p->strs, '\n'); break;
		case 'r': rg_buf_addc(&p->strs, '\r'); break;
		case 't': rg_buf_addc(&p->strs, '\t'); break;
		case 'u':
			if (k + 4 >= len || hex4(s + k + 1, &cp))
				return fail(p, "not JSON: a bad \\u escape");
			k += 4;
			if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
				*plain = false;
			if (cp >= 0xd800 && cp <= 0xdbff && k + 6 < len && s[k + 1] == '\\' &&
			    s[k + 2] == 'u' && !hex4(s + k + 3, &lo) && lo >= 0xdc00 && lo <= 0xdfff) {
				add_utf8(&p->strs, 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00));
				k += 6;
			} else if (cp >= 0xdc80 && cp <= 0xdcff) {
				rg_buf_addc(&p->strs, (char)(cp & 0xff)); /* surrogateescape */
			} else if (cp >= 0xd800 && cp <= 0xdfff) {
				return fail(p, "a lone surrogate \\u%04x (the writer escapes "
					    "bytes as \\udc80-\\udcff only)", cp);
			} else {
				add_utf8(&p->strs, cp);
			}
			break;
		default:
			return fail(p, "not JSON: a bad escape");
		}
	}
	return fail(p, "not JSON: a string without its end (a cut line?)");
}

static bool num_char(char c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* Collects the tokens and makes p->clean: the line with the strings cJSON
 * cannot hold exactly replaced by "" (their bytes are the token's). */
static int lex(struct rgi_parser *p, const char *s, size_t len)
{
	p->ntoks = 0;
	p->strs.len = 0;
	p->clean.len = 0;
	for (size_t i = 0; i < len;) {
		char c = s[i];
		if (c == '\0')
			return fail(p, "not JSON: a NUL byte");
		if (c == '"') {
			size_t start = i;
			bool plain;
			if (lex_string(p, s, len, &i, &plain))
				return -1;
			if (plain)
				rg_buf_add(&p->clean, s + start, i - start);
			else
				rg_buf_adds(&p->clean, "\"\"");
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			size_t start = i;
			while (i < len && num_char(s[i]))
				i++;
			add_tok(p, T_NUM, start, i - start);
			rg_buf_add(&p->clean, s + start, i - start);
		} else {
			rg_buf_addc(&p->clean, c);
			i++;
		}
	}
	return 0;
}

/* Numbers tokens to cJSON's nodes: valueint becomes the token's index.
 * Returns the next token, or -1 when the two disagree (they cannot for
 * JSON cJSON accepted; this is the check that they did not). */
static long walk(cJSON *node, const struct tok *toks, size_t ntoks, size_t k)
{
	if (cJSON_IsString(node) || cJSON_IsNumber(node)) {
		enum tok_kind want = cJSON_IsString(node) ? T_STR : T_NUM;
		if (k >= ntoks || toks[k].kind != want)
			return -1;
		node->valueint = (int)k;
		return (long)k + 1;
	}
	if (!cJSON_IsObject(node) && !cJSON_IsArray(node))
		return (long)k;
	cJSON *child;
	cJSON_ArrayForEach(child, node) {
		if (cJSON_IsObject(node)) { /* the key comes first */
			if (k >= ntoks || toks[k].kind != T_STR)
				return -1;
			k++;
		}
		long next = walk(child, toks, ntoks, k);
		if (next < 0)
			return -1;
		k = (size_t)next;
	}
	return (long)k;
}

/* ---- values --------------------------------------------------------------- */

static struct rg_str str_of(const struct rgi_parser *p, const cJSON *v)
{
	const struct tok *t = &p->toks[v->valueint];
	return (struct rg_str){p->strs.p + t->off, (uint32_t)t->len};
}

/* An integer token as written: no fraction, no exponent, within
 * [-2^63, 2^64). */
static int int_of(struct rgi_parser *p, const cJSON *v, const char *key, __int128 *out)
{
	const struct tok *t = &p->toks[v->valueint];
	char text[32];
	if (t->len >= sizeof(text))
		return fail(p, "\"%s\": %.*s... is out of range", key, 20, p->line + t->off);
	memcpy(text, p->line + t->off, t->len);
	text[t->len] = '\0';
	if (strpbrk(text, ".eE+"))
		return fail(p, "\"%s\": %s is not an integer", key, text);
	char *end;
	errno = 0;
	if (text[0] == '-') {
		long long x = strtoll(text, &end, 10);
		*out = x;
	} else {
		unsigned long long x = strtoull(text, &end, 10);
		*out = x;
	}
	if (errno || *end || end == text)
		return fail(p, "\"%s\": %s is out of range", key, text);
	return 0;
}

static int int_in(struct rgi_parser *p, const cJSON *v, const char *key, __int128 lo,
		  __int128 hi, __int128 *out)
{
	if (!cJSON_IsNumber(v))
		return fail(p, "\"%s\": wants a number", key);
	if (int_of(p, v, key, out))
		return -1;
	if (*out < lo || *out > hi)
		return fail(p, "\"%s\": %.*s is out of range", key, (int)p->toks[v->valueint].len,
			    p->line + p->toks[v->valueint].off);
	return 0;
}

static int get_u64(struct rgi_parser *p, const cJSON *v, const char *key, uint64_t *out)
{
	__int128 x;
	if (int_in(p, v, key, 0, UINT64_MAX, &x))
		return -1;
	*out = (uint64_t)x;
	return 0;
}

static int get_i64(struct rgi_parser *p, const cJSON *v, const char *key, int64_t *out)
{
	__int128 x;
	if (int_in(p, v, key, INT64_MIN, INT64_MAX, &x))
		return -1;
	*out = (int64_t)x;
	return 0;
}

static int get_str(struct rgi_parser *p, const cJSON *v, const char *key, bool nullable,
		   struct rg_str *out)
{
	if (nullable && cJSON_IsNull(v)) {
		*out = (struct rg_str){0};
		return 0;
	}
	if (!cJSON_IsString(v))
		return fail(p, "\"%s\": wants a string", key);
	*out = str_of(p, v);
	return 0;
}

/* A list of strings, NUL-separated into p->blobs (room made beforehand:
 * nothing moves); with the last one's terminator unless cut. */
static struct rg_str join_list(struct rgi_parser *p, const cJSON *v, char sep, bool last_sep)
{
	size_t at = p->blobs.len;
	const cJSON *a;
	bool first = true;
	cJSON_ArrayForEach(a, v) {
		struct rg_str s = str_of(p, a);
		if (!first && sep != '\0')
			rg_buf_addc(&p->blobs, sep);
		rg_buf_add(&p->blobs, s.p, s.len);
		if (sep == '\0' && (a->next || last_sep))
			rg_buf_addc(&p->blobs, '\0');
		first = false;
	}
	return (struct rg_str){p->blobs.p ? p->blobs.p + at : "", (uint32_t)(p->blobs.len - at)};
}

static bool string_list(const cJSON *v)
{
	if (!cJSON_IsArray(v))
		return false;
	const cJSON *a;
	cJSON_ArrayForEach(a, v) if (!cJSON_IsString(a)) return false;
	return true;
}

/* ---- an event ------------------------------------------------------------- */

/* Field f of ev from v. Lists (argv, env) and cmdline are only noted:
 * they are built once the flags that say whether they were cut are known. */
static int set_field(struct rgi_parser *p, struct rg_event *ev, const struct rg_field *f,
		     const cJSON *v, const cJSON **lists, const cJSON **cmdline)
{
	switch (f->type) {
	case RG_FT_ETYPE:
		return 0; /* read first, by the caller */
	case RG_FT_ARGV:
		if (!cJSON_IsNull(v) && !string_list(v))
			return fail(p, "\"%s\": wants a list of strings", f->name);
		lists[f->off == offsetof(struct rg_event, env)] = v;
		return 0;
	case RG_FT_CMDLINE:
		if (!cJSON_IsNull(v) && !cJSON_IsString(v))
			return fail(p, "\"%s\": wants a string", f->name);
		*cmdline = v;
		return 0;
	case RG_FT_STR: {
		struct rg_str s;
		if (get_str(p, v, f->name, true, &s))
			return -1;
		memcpy((char *)ev + f->off, &s, sizeof(s));
		return 0;
	}
	case RG_FT_CSTR: {
		struct rg_str s;
		if (get_str(p, v, f->name, true, &s))
			return -1;
		if (s.p && memchr(s.p, '\0', s.len))
			return fail(p, "\"%s\": a NUL in a name", f->name);
		const char *c = s.p ? intern(p, s.p) : NULL;
		memcpy((char *)ev + f->off, &c, sizeof(c));
		return 0;
	}
	case RG_FT_BOOL:
	case RG_FT_FLAG:
		if (!cJSON_IsBool(v))
			return fail(p, "\"%s\": wants true or false", f->name);
		rg_field_set_int(f, ev, cJSON_IsTrue(v));
		return 0;
	default:
		break;
	}
	if (cJSON_IsNull(v)) { /* what the writer makes of an unknown value */
		if (f->opts & RG_FO_NEG_NULL)
			rg_field_set_int(f, ev, -1);
		else if (!(f->opts & RG_FO_ZERO_NULL))
			return fail(p, "\"%s\": is null, which it never is", f->name);
		return 0;
	}
	int64_t lo, hi;
	__int128 x;
	rg_ftype_int_range(f->type, &lo, &hi);
	__int128 top = f->type == RG_FT_U64 ? (__int128)UINT64_MAX : hi;
	if (int_in(p, v, f->name, lo, top, &x))
		return -1;
	rg_field_set_int(f, ev, (int64_t)x); /* a u64 keeps its bits */
	return 0;
}

/* argv and env as the kernel gave them; a type without argv gets its
 * command line (cmdline: the process's arguments joined by spaces) as one
 * argument, which reads back as the same command line. */
static void build_lists(struct rgi_parser *p, struct rg_event *ev, const cJSON **lists,
			const cJSON *cmdline)
{
	if (lists[0] && !cJSON_IsNull(lists[0]))
		ev->argv = join_list(p, lists[0], '\0', !(ev->flags & RG_EF_ARGV_TRUNC));
	else if (!lists[0] && cmdline && cJSON_IsString(cmdline))
		ev->argv = str_of(p, cmdline);
	if (lists[1] && !cJSON_IsNull(lists[1]))
		ev->env = join_list(p, lists[1], '\0', !(ev->flags & RG_EF_ENV_TRUNC));
}

static int parse_event(struct rgi_parser *p, const cJSON *o, int type, struct rg_event *ev)
{
	*ev = (struct rg_event){.type = (enum rg_etype)type, .mtime_ns = -1, .dns_rcode = -1};
	const cJSON *lists[2] = {NULL, NULL}, *cmdline = NULL, *v;
	bool seq = false, ts = false;
	cJSON_ArrayForEach(v, o) {
		const struct rg_field *f = rg_field_find(v->string);
		if (!f || !(f->types & RG_ET_BIT(type)))
			continue; /* a key of a later writer, time, host, boot_id */
		if (set_field(p, ev, f, v, lists, &cmdline))
			return -1;
		seq |= !strcmp(f->name, "seq");
		ts |= !strcmp(f->name, "ts_ns");
	}
	if (!seq || !ts || !ev->seq)
		return fail(p, "an event without its seq or ts_ns");
	int64_t offset; /* a file or network row keeps ts_ns less boot_ns (schema/026) */
	if (__builtin_sub_overflow(ev->ts_ns, (int64_t)ev->boot_ns, &offset))
		return fail(p, "\"ts_ns\" and \"boot_ns\": too far apart to store");
	build_lists(p, ev, lists, cmdline);
	return 0;
}

/* ---- alerts, health, gaps ------------------------------------------------- */

static int alert_steps(struct rgi_parser *p, const cJSON *v, struct rg_alert *a)
{
	a->nsteps = 0; /* a key given twice: the last one counts, as for the others */
	if (cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > RG_SEQ_MAX_STEPS)
		return fail(p, "\"steps\": wants a list of at most %d seqs", RG_SEQ_MAX_STEPS);
	const cJSON *s;
	cJSON_ArrayForEach(s, v) if (get_u64(p, s, "steps", &a->steps[a->nsteps++])) return -1;
	return 0;
}

static int alert_event(struct rgi_parser *p, const cJSON *v, struct rgi_line *out)
{
	if (!cJSON_IsObject(v))
		return fail(p, "\"trigger\": wants the triggering event");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, "event_type");
	int type = cJSON_IsString(t) ? rg_etype_parse(str_of(p, t).p) : -1;
	if (type < 0 || type == RG_ET_HEALTH)
		return fail(p, "\"trigger\": no event type of the registry");
	if (parse_event(p, v, type, &out->ev))
		return -1;
	out->has_ev = true;
	out->a.event_type = out->ev.type;
	return 0;
}

static int parse_alert(struct rgi_parser *p, const cJSON *o, struct rgi_line *out)
{
	struct rg_alert *a = &out->a;
	struct rg_str *const strs[] = {&a->rule_id, &a->rule_name, &a->severity, &a->rule_source,
				       &a->rule_file, &a->exe, &a->summary, &a->rules_digest};
	static const char *const names[] = {"rule_id", "rule_name", "severity", "rule_source",
					    "rule_file", "exe", "summary", "rules_digest"};
	/* the columns that are NOT NULL must be there: a row refused by the
	 * store would be a store_failure gap, not a bad line */
	static const bool needed[] = {true, true, true, false, false, false, true, true};
	a->event_type = RG_ET_COUNT;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, names[i]);
		if (!v && !needed[i])
			continue;
		if (!v || get_str(p, v, names[i], !needed[i], strs[i]))
			return v ? -1 : fail(p, "an alert without \"%s\"", names[i]);
	}
	const cJSON *v;
	cJSON_ArrayForEach(v, o) {
		const char *k = v->string;
		int rc = 0;
		int64_t proc;
		uint64_t pid;
		if (!strcmp(k, "seq"))
			rc = get_u64(p, v, k, &a->seq);
		else if (!strcmp(k, "ts_ns"))
			rc = get_i64(p, v, k, &a->ts_ns);
		else if (!strcmp(k, "event_seq"))
			rc = get_u64(p, v, k, &a->event_seq);
		else if (!strcmp(k, "proc_id") && !cJSON_IsNull(v))
			rc = get_i64(p, v, k, &proc) ? -1 : (a->proc_id = proc, 0);
		else if (!strcmp(k, "pid"))
			rc = get_u64(p, v, k, &pid) ? -1 : pid > UINT32_MAX ?
				fail(p, "\"pid\": out of range") : (a->pid = (uint32_t)pid, 0);
		else if (!strcmp(k, "tags"))
			rc = string_list(v) ? 0 : fail(p, "\"tags\": wants a list of strings");
		else if (!strcmp(k, "steps"))
			rc = alert_steps(p, v, a);
		else if (!strcmp(k, "event") || !strcmp(k, "trigger"))
			rc = alert_event(p, v, out);
		if (rc)
			return -1;
	}
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(o, "tags");
	a->tags = tags ? join_list(p, tags, ' ', false) : (struct rg_str){"", 0};
	if (!a->seq || !a->event_seq)
		return fail(p, "an alert without its seq or event_seq");
	return 0;
}

static int parse_health(struct rgi_parser *p, const cJSON *o, struct rg_health *h)
{
	const cJSON *v;
	cJSON_ArrayForEach(v, o) {
		const char *k = v->string;
		int rc = 0;
		if (!strcmp(k, "seq"))
			rc = get_u64(p, v, k, &h->seq);
		else if (!strcmp(k, "ts_ns"))
			rc = get_i64(p, v, k, &h->ts_ns);
		else if (!strcmp(k, "run_id"))
			rc = get_i64(p, v, k, &h->run_id);
#define RG_HEALTH_READ(name, kind, what) else if (!strcmp(k, #name)) rc = get_u64(p, v, k, &h->name);
		RG_HEALTH_FIELDS(RG_HEALTH_READ)
#undef RG_HEALTH_READ
		if (rc)
			return -1;
	}
	if (!h->seq)
		return fail(p, "a health line without its seq");
	return 0;
}

static int parse_gap(struct rgi_parser *p, const cJSON *o, struct rg_gap *g)
{
	const cJSON *v;
	bool reason = false;
	cJSON_ArrayForEach(v, o) {
		const char *k = v->string;
		int rc = 0;
		struct rg_str s;
		if (!strcmp(k, "run_id"))
			rc = get_i64(p, v, k, &g->run_id);
		else if (!strcmp(k, "start_ns"))
			rc = get_i64(p, v, k, &g->start_ns);
		else if (!strcmp(k, "end_ns"))
			rc = get_i64(p, v, k, &g->end_ns);
		else if (!strcmp(k, "count"))
			rc = get_u64(p, v, k, &g->count);
		else if (!strcmp(k, "rule_id"))
			rc = get_str(p, v, k, true, &g->rule_id);
		else if (!strcmp(k, "reason")) {
			rc = get_str(p, v, k, false, &s);
			if (!rc && memchr(s.p, '\0', s.len))
				rc = fail(p, "\"reason\": a NUL in a name");
			if (!rc)
				g->reason = intern(p, s.p);
			reason = true;
		}
		if (rc)
			return -1;
	}
	if (!reason)
		return fail(p, "a gap without its reason");
	return 0;
}

/* A signed checkpoint (store/sign.h): its numbers and hex strings; the
 * program decodes and verifies them. */
static int parse_checkpoint(struct rgi_parser *p, const cJSON *o, struct rgi_line *out)
{
	if (get_i64(p, cJSON_GetObjectItemCaseSensitive(o, "link"), "link", &out->cp.link) ||
	    get_i64(p, cJSON_GetObjectItemCaseSensitive(o, "run_id"), "run_id", &out->cp.run_id) ||
	    get_i64(p, cJSON_GetObjectItemCaseSensitive(o, "ts_ns"), "ts_ns", &out->cp.ts_ns) ||
	    get_str(p, cJSON_GetObjectItemCaseSensitive(o, "head"), "head", false, &out->cp.head) ||
	    get_str(p, cJSON_GetObjectItemCaseSensitive(o, "pubkey"), "pubkey", false,
		    &out->cp.pubkey) ||
	    get_str(p, cJSON_GetObjectItemCaseSensitive(o, "sig"), "sig", false, &out->cp.sig))
		return -1;
	return 0;
}

/* ---- the line ------------------------------------------------------------- */

static int parse_object(struct rgi_parser *p, const cJSON *o, struct rgi_line *out)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "event_type");
	if (!cJSON_IsString(t))
		return fail(p, "no \"event_type\"");
	const char *type = str_of(p, t).p;
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "host");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "boot_id");
	if (cJSON_IsString(h))
		out->host = str_of(p, h);
	if (cJSON_IsString(b))
		out->boot_id = str_of(p, b);
	snprintf(out->type, sizeof(out->type), "%s", type);
	if (!strcmp(type, "alert")) {
		out->kind = RGI_ALERT;
		return parse_alert(p, o, out);
	}
	if (!strcmp(type, "health")) {
		out->kind = RGI_HEALTH;
		return parse_health(p, o, &out->h);
	}
	if (!strcmp(type, "gap")) {
		out->kind = RGI_GAP;
		return parse_gap(p, o, &out->g);
	}
	if (!strcmp(type, "checkpoint")) {
		out->kind = RGI_CHECKPOINT;
		return parse_checkpoint(p, o, out);
	}
	int et = rg_etype_parse(type);
	if (et < 0) {
		out->kind = RGI_UNKNOWN;
		return fail(p, "unknown event_type \"%.32s\"", type);
	}
	out->kind = RGI_EVENT;
	return parse_event(p, o, et, &out->ev);
}

int rgi_parse(struct rgi_parser *p, const char *line, size_t len, struct rgi_line *out,
	      char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	out->kind = RGI_UNKNOWN;
	p->why = why;
	p->whylen = whylen;
	p->line = line;
	if (len > RGI_LINE_MAX)
		return fail(p, "a line longer than %u bytes, more than the recorder writes", RGI_LINE_MAX);
	if (lex(p, line, len))
		return -1;
	/* lists and tags are built from the strings: room for all of them now,
	 * so that the buffer never moves under a pointer into it */
	p->blobs.len = 0;
	rg_buf_grow(&p->blobs, p->strs.len + p->ntoks + 1);
	cJSON *o = cJSON_ParseWithOpts(rg_buf_cstr(&p->clean), NULL, 1);
	int rc;
	if (!cJSON_IsObject(o))
		rc = fail(p, o ? "not a JSON object" : "not JSON (a cut or garbled line?)");
	else if (walk(o, p->toks, p->ntoks, 0) != (long)p->ntoks)
		rc = fail(p, "not JSON as this reader understands it");
	else
		rc = parse_object(p, o, out);
	cJSON_Delete(o);
	return rc;
}
