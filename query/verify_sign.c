/* verify_sign.c: see verify_sign.h. A checkpoint signs a link's digest,
 * which covers every link before it (each holds the previous one's): the
 * signed range is the chain up to the newest valid checkpoint, the links
 * after it the unsigned tail. None of that proves the chain untouched by
 * who holds the key (it can re-sign a rewritten chain): a key known in
 * advance (--key-fpr) and the heads shipped off the host (--checkpoints)
 * do. (No "checkpoint" in function names: tests/cli/test_layers.sh.) */
#include "verify_sign.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qtime.h"
#include "sign.h"

#define MAX_SHIPPED 3 /* lines shown of shipped checkpoints that disagree */


static void say(struct vs_ctx *x, bool bad, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(struct vs_ctx *x, bool bad, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (bad)
		x->problem(x->arg, line);
	else
		puts(line);
}

static const struct vs_link *find_link(const struct vs_ctx *x, int64_t link)
{
	size_t lo = 0, hi = x->nlinks;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (x->links[mid].link < link)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < x->nlinks && x->links[lo].link == link ? &x->links[lo] : NULL;
}

/* The key the user expects: --pubkey HEX or a file holding it (its first
 * line; `rand-guard --check-config` prints it), or --key-fpr HEX. *fpr
 * empty when neither was given. 0, or 2 after saying why. */
int rgq_verify_key(const struct rgq_command *c, const struct rgq_opts *o,
		   char fpr[2 * RG_SIGN_FPR + 1])
{
	struct vs_ctx ctx = {.c = c, .o = o}, *x = &ctx;
	uint8_t pk[RG_SIGN_PK];
	fpr[0] = '\0';
	if (x->o->key_fpr) {
		uint8_t f[RG_SIGN_FPR];
		if (rg_unhex(x->o->key_fpr, f, sizeof(f)))
			return rgq_usage_error(x->c, "--key-fpr takes %d hex digits (rand-guard "
					       "--check-config prints them)", 2 * RG_SIGN_FPR);
		rg_hex(f, sizeof(f), fpr);
	}
	if (!x->o->pubkey)
		return 0;
	char line[256] = "";
	if (rg_unhex(x->o->pubkey, pk, sizeof(pk))) {
		FILE *f = fopen(x->o->pubkey, "re");
		if (!f || !fgets(line, sizeof(line), f)) {
			if (f)
				fclose(f);
			return rgq_usage_error(x->c, "--pubkey: '%s' is neither %d hex digits nor a "
					       "file holding them", x->o->pubkey, 2 * RG_SIGN_PK);
		}
		fclose(f);
		line[strcspn(line, " \t\r\n")] = '\0';
		if (rg_unhex(line, pk, sizeof(pk)))
			return rgq_usage_error(x->c, "--pubkey: %s does not start with a public key "
					       "(%d hex digits)", x->o->pubkey, 2 * RG_SIGN_PK);
	}
	char from_pk[2 * RG_SIGN_FPR + 1];
	rg_sign_fpr(pk, from_pk);
	if (fpr[0] && strcmp(fpr, from_pk))
		return rgq_usage_error(x->c, "--pubkey (fingerprint %s) and --key-fpr %s are "
				       "different keys", from_pk, fpr);
	memcpy(fpr, from_pk, sizeof(from_pk));
	return 0;
}

struct tally {
	const char *want; /* expected key, "" for any */
	char first[2 * RG_SIGN_FPR + 1]; /* the first checkpoint's key */
	int64_t signed_to, first_link, n;
	int64_t signed_ts;
	/* checkpoints by another key than want: the first's, how many */
	char other[2 * RG_SIGN_FPR + 1];
	int64_t nother, other_lo, other_hi;
};

/* One row of checkpoints: signature, head, key. */
static void check_row(struct vs_ctx *x, struct tally *t, sqlite3_stmt *st)
{
	struct rg_checkpoint cp = {
		.link = sqlite3_column_int64(st, 0),
		.run_id = sqlite3_column_int64(st, 1),
		.ts_ns = sqlite3_column_int64(st, 2),
	};
	const char *host = (const char *)sqlite3_column_text(st, 3);
	snprintf(cp.host, sizeof(cp.host), "%s", host ? host : "");
	if (sqlite3_column_bytes(st, 4) != sizeof(cp.head) ||
	    sqlite3_column_bytes(st, 5) != sizeof(cp.pk) ||
	    sqlite3_column_bytes(st, 6) != sizeof(cp.sig)) {
		say(x, true, "SIGNATURE checkpoint of link %lld is malformed", (long long)cp.link);
		return;
	}
	memcpy(cp.head, sqlite3_column_blob(st, 4), sizeof(cp.head));
	memcpy(cp.pk, sqlite3_column_blob(st, 5), sizeof(cp.pk));
	memcpy(cp.sig, sqlite3_column_blob(st, 6), sizeof(cp.sig));
	rg_sign_fpr(cp.pk, cp.fpr);
	const struct vs_link *l = find_link(x, cp.link);
	if (!rg_sign_valid(&cp)) {
		say(x, true, "SIGNATURE checkpoint of link %lld does not verify: it was edited",
		    (long long)cp.link);
		return;
	}
	if (!l) {
		say(x, true, "SIGNATURE checkpoint of link %lld: the chain has no link %lld",
		    (long long)cp.link, (long long)cp.link);
		return;
	}
	if (memcmp(l->digest, cp.head, sizeof(cp.head))) {
		say(x, true, "SIGNATURE checkpoint of link %lld signs another head than the "
			     "chain's link %lld: the chain was changed after it was signed",
		    (long long)cp.link, (long long)cp.link);
		return;
	}
	if (!t->first[0])
		memcpy(t->first, cp.fpr, sizeof(cp.fpr));
	if (t->want[0] && strcmp(t->want, cp.fpr)) { /* said once, in report_range */
		if (!t->nother++) {
			memcpy(t->other, cp.fpr, sizeof(cp.fpr));
			t->other_lo = cp.link;
		}
		t->other_hi = cp.link;
		return;
	}
	if (!t->n++)
		t->first_link = cp.link;
	t->signed_to = cp.link;
	t->signed_ts = cp.ts_ns;
}

/* The checkpoints table (older recordings have none). */
static void check_table(struct vs_ctx *x, struct tally *t)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(x->g->db, "SELECT link, run_id, ts_ns, host, head, pubkey, sig "
					 "FROM checkpoints ORDER BY link", -1, &st, NULL))
		return;
	while (sqlite3_step(st) == SQLITE_ROW)
		check_row(x, t, st);
	sqlite3_finalize(st);
}

static void report_range(struct vs_ctx *x, const struct tally *t)
{
	char ts[64];
	int64_t last = x->nlinks ? x->links[x->nlinks - 1].link : 0;
	int64_t first = x->nlinks ? x->links[0].link : 1; /* a range export's */
	if (t->n)
		say(x, false, "signed    links %lld-%lld by key %s: %lld checkpoints, the last at "
			      "link %lld, %s", (long long)first, (long long)t->signed_to,
		    t->want[0] ? t->want : t->first,
		    (long long)t->n, (long long)t->signed_to,
		    rgq_time_format(t->signed_ts, ts, sizeof(ts)));
	if (t->nother)
		say(x, true, "KEY       %lld checkpoints (links %lld-%lld) are signed by key %s, "
			     "not by the expected key %s: the recording was re-signed with another "
			     "key", (long long)t->nother, (long long)t->other_lo,
		    (long long)t->other_hi, t->other, t->want);
	else if (!t->n && t->want[0])
		say(x, true, "KEY       no checkpoint is signed by the expected key %s", t->want);
	if (last > t->signed_to)
		say(x, false, "unsigned  links %lld-%lld: %s (not tampering; checked by the chain "
			      "alone)", (long long)(t->n ? t->signed_to + 1 : first), (long long)last,
		    t->n ? "the tail since the last checkpoint (made since, or before a crash)"
		    : t->nother ? "no checkpoint by the expected key signs them"
				: "no checkpoint signs them (checkpoints off, or none made yet)");
}

/* ---- checkpoints shipped in NDJSON ------------------------------------------------ */

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The host a line without its own "host" was signed with: the database's
 * checkpoint of that link's, else meta's. */
static void line_host(struct vs_ctx *x, int64_t link, char *out, size_t n)
{
	out[0] = '\0';
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(x->g->db, "SELECT coalesce((SELECT host FROM checkpoints WHERE "
					 "link = ?), (SELECT value FROM meta WHERE key = 'host'))",
			       -1, &st, NULL))
		return;
	sqlite3_bind_int64(st, 1, link);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* An integer key read from the line's text: cJSON holds numbers as
 * doubles, which cannot hold every ts_ns. A quoted one is taken too:
 * ClickHouse's JSONEachRow quotes 64-bit integers by default, and the
 * central copy's checkpoints come from there (docs/fleet.md). */
static bool raw_int(const char *line, const char *key, int64_t *out)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = strstr(line, pat);
	if (!p)
		return false;
	p += strlen(pat);
	bool quoted = *p == '"';
	char *end;
	*out = strtoll(p + quoted, &end, 10);
	return end != p + quoted && (!quoted || *end == '"');
}

struct shipped {
	int64_t n, agree, lo, hi, reported;
	char fpr[2 * RG_SIGN_FPR + 1];
};

static void ship_problem(struct vs_ctx *x, struct shipped *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void ship_problem(struct vs_ctx *x, struct shipped *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	x->problem(x->arg, s->reported++ < MAX_SHIPPED ? line : NULL);
}

int rgq_shipped_parse(const char *line, struct rg_checkpoint *cp, bool *has_host)
{
	memset(cp, 0, sizeof(*cp));
	*has_host = false;
	if (!strstr(line, "\"checkpoint\"")) /* most lines: not parsed */
		return 1;
	cJSON *o = cJSON_Parse(line);
	const char *type = o ? jstr(o, "event_type") : NULL;
	int rc = 1;
	if (type && !strcmp(type, "checkpoint")) {
		const char *host = jstr(o, "host");
		rc = raw_int(line, "link", &cp->link) && raw_int(line, "run_id", &cp->run_id) &&
			     raw_int(line, "ts_ns", &cp->ts_ns) &&
			     !rg_unhex(jstr(o, "head"), cp->head, sizeof(cp->head)) &&
			     !rg_unhex(jstr(o, "pubkey"), cp->pk, RG_SIGN_PK) &&
			     !rg_unhex(jstr(o, "sig"), cp->sig, RG_SIGN_SIG) ? 0 : -1;
		if (!rc && host) {
			snprintf(cp->host, sizeof(cp->host), "%s", host);
			*has_host = true;
		}
		if (!rc)
			rg_sign_fpr(cp->pk, cp->fpr);
	}
	cJSON_Delete(o);
	return rc;
}

/* One shipped checkpoint line (lineno in file) against the chain. */
static void check_shipped(struct vs_ctx *x, struct shipped *s, const struct tally *t,
			  const char *text, long lineno)
{
	struct rg_checkpoint cp;
	bool has_host;
	char ts[64];
	int rc = rgq_shipped_parse(text, &cp, &has_host);
	if (rc > 0)
		return;
	s->n++;
	if (rc < 0) {
		ship_problem(x, s, "SHIPPED   line %ld: a checkpoint line without its link, run_id, "
				   "ts_ns, head, pubkey or sig (edited)", lineno);
		return;
	}
	if (!has_host)
		line_host(x, cp.link, cp.host, sizeof(cp.host));
	bool valid = rg_sign_valid(&cp);
	if (!valid && has_host) { /* a host name JSON does not carry byte for byte */
		line_host(x, cp.link, cp.host, sizeof(cp.host));
		valid = rg_sign_valid(&cp);
	}
	if (!valid) {
		ship_problem(x, s, "SHIPPED   line %ld: the checkpoint of link %lld does not verify: "
				   "the line was edited", lineno, (long long)cp.link);
		return;
	}
	if (t->want[0] && strcmp(cp.fpr, t->want)) {
		ship_problem(x, s, "SHIPPED   line %ld: the checkpoint of link %lld is signed by key "
				   "%s, not by the expected key %s", lineno, (long long)cp.link,
			     cp.fpr, t->want);
		return;
	}
	const struct vs_link *l = find_link(x, cp.link);
	int64_t last = x->nlinks ? x->links[x->nlinks - 1].link : 0;
	if (!l && cp.link > last) {
		ship_problem(x, s, "SHIPPED   line %ld: link %lld was shipped signed (%s) but the "
				   "database's chain ends at link %lld: its tail was cut", lineno,
			     (long long)cp.link, rgq_time_format(cp.ts_ns, ts, sizeof(ts)),
			     (long long)last);
		return;
	}
	if (!l || memcmp(l->digest, cp.head, sizeof(cp.head))) {
		ship_problem(x, s, "SHIPPED   line %ld: link %lld's head as shipped (%s, key %s) is "
				   "not the database's: the chain was rewritten after it was "
				   "shipped", lineno, (long long)cp.link,
			     rgq_time_format(cp.ts_ns, ts, sizeof(ts)), cp.fpr);
		return;
	}
	if (t->first[0] && strcmp(cp.fpr, t->first) && !t->want[0]) {
		ship_problem(x, s, "SHIPPED   line %ld: link %lld was shipped signed by key %s, the "
				   "database's checkpoints by key %s: re-signed with another key",
			     lineno, (long long)cp.link, cp.fpr, t->first);
		return;
	}
	s->agree++;
	s->lo = s->lo && s->lo < cp.link ? s->lo : cp.link;
	s->hi = s->hi > cp.link ? s->hi : cp.link;
}

static int check_file(struct vs_ctx *x, const struct tally *t)
{
	const char *path = x->o->checkpoints;
	FILE *f = fopen(path, "re");
	if (!f)
		return rgq_fail(x->c, "--checkpoints %s: cannot open it", path);
	struct shipped s = {0};
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	while (getline(&line, &cap, f) > 0)
		check_shipped(x, &s, t, line, ++lineno);
	free(line);
	fclose(f);
	if (s.reported > MAX_SHIPPED)
		say(x, false, "SHIPPED   ... and %lld more shipped checkpoints that disagree",
		    (long long)(s.reported - MAX_SHIPPED));
	if (!s.n)
		say(x, true, "SHIPPED   %s has no checkpoint line", path);
	else if (s.agree)
		say(x, false, "shipped   %lld of %lld checkpoints in %s agree with the chain "
			      "(links %lld-%lld)", (long long)s.agree, (long long)s.n, path,
		    (long long)s.lo, (long long)s.hi);
	return 0;
}

int rgq_verify_signed(struct vs_ctx *x)
{
	struct tally t = {.want = x->want};
	int rc = 0;
	if (rg_sign_init())
		return rgq_fail(x->c, "libsodium cannot start");
	check_table(x, &t);
	report_range(x, &t);
	if (x->o->checkpoints)
		rc = check_file(x, &t);
	return rc;
}
