/* test_config.c: the INI loader: defaults, the shipped file and its
 * documentation, every key's overrides, and the exact message for every
 * kind of bad input (including garbage, which must fail, not crash). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "pathmatch.h"
#include "rg_abi.h"
#include "tap.h"

#define LONG_LINE (100 * 1024)
#define GARBAGE (1024 * 1024)

static char err[512];

/* The whole file, NUL-terminated; NULL if it cannot be read. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *p = NULL;
	size_t cap = 0, len = 0, n;
	do {
		cap += 65536;
		p = realloc(p, cap + 1);
		n = fread(p + len, 1, cap - len, f);
		len += n;
	} while (len == cap);
	p[len] = '\0';
	fclose(f);
	return p;
}

static const char *source_path(char *buf, size_t len, const char *rel)
{
	const char *dir = getenv("RG_SOURCE_DIR");
	snprintf(buf, len, "%s/%s", dir ? dir : ".", rel);
	return buf;
}

/* Writes len bytes to a new temporary file; the caller unlinks it. */
static void write_tmp(char *path, const void *data, size_t len)
{
	strcpy(path, "/tmp/test_config.XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
}

static int same_config(const struct rg_config *a, const struct rg_config *b)
{
	return !strcmp(a->ndjson, b->ndjson) && a->health_interval_s == b->health_interval_s &&
	       !strcmp(a->db, b->db) && a->batch_rows == b->batch_rows &&
	       a->batch_ms == b->batch_ms && a->queue_events == b->queue_events &&
	       a->ring_buffer_mb == b->ring_buffer_mb && a->wakeup_kb == b->wakeup_kb &&
	       a->poll_ms == b->poll_ms && a->table_max == b->table_max &&
	       a->proc_bootstrap == b->proc_bootstrap && a->allow_none == b->allow_none;
}

static void test_defaults(void)
{
	struct rg_config c;
	rg_config_defaults(&c);
	CHECK_STR(c.ndjson, "-", "default ndjson");
	CHECK_INT(c.health_interval_s, 10, "default health_interval_s");
	CHECK_STR(c.db, "var/rand-guard.db", "default db");
	CHECK_INT(c.batch_rows, 1000, "default batch_rows");
	CHECK_INT(c.batch_ms, 200, "default batch_ms");
	CHECK_INT(c.queue_events, 65536, "default queue_events");
	CHECK_INT(c.ring_buffer_mb, 8, "default ring_buffer_mb");
	CHECK_INT(c.wakeup_kb, 256, "default wakeup_kb");
	CHECK_INT(c.poll_ms, 50, "default poll_ms");
	CHECK_INT(c.table_max, 65536, "default table_max");
	CHECK_INT(c.proc_bootstrap, 1, "default proc_bootstrap");
	CHECK_INT(c.file_enabled, 1, "default [file] enabled");
	CHECK(strstr(c.watch_paths, "/etc ") == c.watch_paths, "default watch_paths starts with /etc");
	CHECK_INT(c.net_enabled, 0, "network is off by default");
	CHECK_INT(c.max_age_h, 0, "retention by age is off by default");
	CHECK_INT(c.max_size_mb, 0, "retention by size is off by default");
	CHECK_INT(c.allow_none, 0, "no enabled rule is refused by default");
	CHECK_STR(c.sigma_dir, "", "no Sigma rules by default");
	CHECK_INT(c.wal_warn_mb, 64, "a reader holding 64 MiB of WAL is reported by default");
	CHECK_INT(c.hash_enabled, 1, "executables are hashed by default");
	CHECK_INT(c.hash_max_size_mb, 64, "default [hash] max_size_mb");
	CHECK_INT(c.hash_per_second, 50, "default [hash] max_per_second");
	CHECK_INT(c.hash_cache_max, 16384, "default [hash] cache_max");
	CHECK(c.chain, "the hash chain is on by default");
	CHECK_STR(c.signing_key, "", "the signing key beside the database by default");
	CHECK_INT(c.checkpoint_s, 60, "a signed checkpoint a minute by default");
	CHECK_INT(rg_config_nkeys, 46, "every key is in the table");
	CHECK_STR(c.ndjson_format, "native", "NDJSON lines are native by default");
	CHECK_INT(c.ship_enabled, 0, "shipping is off by default");
	CHECK_STR(c.env, "LD_PRELOAD LD_LIBRARY_PATH LD_AUDIT SSH_CONNECTION SUDO_USER SUDO_UID",
		  "default [process] env");
	CHECK_INT(rg_config_load_string(&c, "empty.ini", "", err, sizeof(err)), 0,
		  "an empty file is valid (the defaults pass the cross-key rules)");
	rg_config_free(&c);
	CHECK(!c.ndjson && !c.db, "free clears the strings");
}

/* Whether doc has a table row for key k that shows its default. */
static int doc_row(const char *doc, const struct rg_config_key *k)
{
	char want[256];
	snprintf(want, sizeof(want), "\n## [%s]\n", k->section);
	const char *sec = doc ? strstr(doc, want) : NULL; /* keys repeat across sections */
	snprintf(want, sizeof(want), "\n| `%s` |", k->name);
	const char *row = sec ? strstr(sec, want) : NULL;
	if (!row)
		return 0;
	const char *eol = strchr(row + 1, '\n');
	if (k->def[0])
		snprintf(want, sizeof(want), "| `%s` |", k->def);
	else
		snprintf(want, sizeof(want), "| (empty) |");
	const char *def = strstr(row, want);
	return def && (!eol || def < eol);
}

/* Key k has the same value in a and b. */
static bool same_value(const struct rg_config *a, const struct rg_config *b,
		       const struct rg_config_key *k)
{
	const char *pa = (const char *)a + k->offset, *pb = (const char *)b + k->offset;
	switch (k->type) {
	case RG_CFG_INT: return *(const int *)pa == *(const int *)pb;
	case RG_CFG_BOOL: return *(const bool *)pa == *(const bool *)pb;
	default: return !strcmp(*(char *const *)pa, *(char *const *)pb);
	}
}

/* Every key of the table in the shipped file (a long list may take several
 * lines), which sets it to its default or shows it commented out, and in a
 * table row of the reference with its default. */
static void check_documented(const char *ini, const char *doc)
{
	char want[256], why[256];
	int in_ini = 0, in_doc = 0;
	struct rg_config dflt, shipped;
	rg_config_defaults(&dflt);
	rg_config_defaults(&shipped);
	CHECK_INT(ini ? rg_config_load_string(&shipped, "rand-guard.ini", ini, why, sizeof(why)) : 2,
		  0, "the shipped config loads");
	for (size_t i = 0; i < rg_config_nkeys; i++) {
		const struct rg_config_key *k = &rg_config_keys[i];
		char off[256]; /* a key left at its default may be shown commented out */
		snprintf(want, sizeof(want), "\n%s = ", k->name);
		snprintf(off, sizeof(off), "\n;%s = ", k->name);
		int ini_ok = ini && (strstr(ini, want) || strstr(ini, off)) &&
			     same_value(&dflt, &shipped, k);
		int doc_ok = doc_row(doc, k);
		if (!ini_ok || !doc_ok)
			printf("#   [%s] %s:%s%s\n", k->section, k->name,
			       ini_ok ? "" : " not in the shipped file with its default",
			       doc_ok ? "" : " not in the reference with its default");
		in_ini += ini_ok;
		in_doc += doc_ok;
	}
	rg_config_free(&dflt);
	rg_config_free(&shipped);
	CHECK_INT(in_ini, rg_config_nkeys, "config/rand-guard.ini sets every key to its default");
	CHECK_INT(in_doc, rg_config_nkeys, "docs/configuration.md lists every key and default");
}

static void test_shipped(void)
{
	char path[4096], doc_path[4096];
	struct rg_config c, d;
	rg_config_defaults(&c);
	rg_config_defaults(&d);
	source_path(path, sizeof(path), "config/rand-guard.ini");
	int rc = rg_config_load(&c, path, err, sizeof(err));
	CHECK_INT(rc, 0, "the shipped config loads");
	if (rc)
		printf("#   %s\n", err);
	CHECK(same_config(&c, &d), "the shipped config equals the defaults");
	char *ini = slurp(path);
	char *doc = slurp(source_path(doc_path, sizeof(doc_path), "docs/configuration.md"));
	check_documented(ini, doc);
	free(ini);
	free(doc);
	rg_config_free(&c);
	rg_config_free(&d);
}

static void test_overrides(void)
{
	static const char text[] =
		"\xEF\xBB\xBF; every key, none at its default\r\n"
		"[recorder]   ; the recorder\r\n"
		"ndjson = /var/log/rand-guard.ndjson\r\n"
		"health_interval_s = 3600\r\n"
		"  ; an indented comment, and a blank line with spaces\r\n"
		"   \r\n"
		"[store]\n"
		"db = /tmp/a;b.db ; a ';' inside a value stays\n"
		"batch_rows : 100000\n"
		"batch_ms=1\n"
		"queue_events = 1024\n"
		"[bpf]\n"
		"ring_buffer_mb = 1024\n"
		"wakeup_kb = 524288\n"
		"poll_ms = 1000\n"
		"[process]\n"
		"table_max = 4194304\n"
		"proc_bootstrap = false\n"
		"[recorder] # a section may appear again\n"
		"# the last line has no newline\n"
		"[store]";
	struct rg_config c;
	rg_config_defaults(&c);
	int rc = rg_config_load_string(&c, "all.ini", text, err, sizeof(err));
	CHECK_INT(rc, 0, "every key overridden");
	if (rc)
		printf("#   %s\n", err);
	CHECK_STR(c.ndjson, "/var/log/rand-guard.ndjson", "ndjson");
	CHECK_INT(c.health_interval_s, 3600, "health_interval_s");
	CHECK_STR(c.db, "/tmp/a;b.db", "db (';' without a space before it)");
	CHECK_INT(c.batch_rows, 100000, "batch_rows (name: value)");
	CHECK_INT(c.batch_ms, 1, "batch_ms (no spaces)");
	CHECK_INT(c.queue_events, 1024, "queue_events");
	CHECK_INT(c.ring_buffer_mb, 1024, "ring_buffer_mb");
	CHECK_INT(c.wakeup_kb, 524288, "wakeup_kb (half the largest ring)");
	CHECK_INT(c.poll_ms, 1000, "poll_ms");
	CHECK_INT(c.table_max, 4194304, "table_max");
	CHECK_INT(c.proc_bootstrap, 0, "proc_bootstrap");

	rc = rg_config_load_string(&c, "x.ini", "[recorder]\nndjson =\n", err, sizeof(err));
	CHECK(rc == 0 && !strcmp(c.ndjson, ""), "an empty ndjson disables NDJSON");
	rc = rg_config_load_string(&c, "x.ini", "[store]\nbatch_rows = 007\n", err, sizeof(err));
	CHECK(rc == 0 && c.batch_rows == 7, "leading zeros are decimal");
	rc = rg_config_load_string(&c, "x.ini", "[bpf]\nwakeup_kb = 4\nring_buffer_mb = 1\n",
				   err, sizeof(err));
	CHECK(rc == 0 && c.ring_buffer_mb == 1 && c.wakeup_kb == 4,
	      "the smallest ring with the smallest wakeup");
	rg_config_free(&c);
}

static void test_bools(void)
{
	static const struct {
		const char *text;
		bool want;
	} cases[] = {
		{"true", true}, {"TRUE", true},   {"yes", true},   {"On", true},
		{"1", true},    {"false", false}, {"No", false},   {"OFF", false},
		{"0", false},   {"fAlSe", false},
	};
	char text[128];
	int good = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rg_config c;
		rg_config_defaults(&c);
		c.proc_bootstrap = !cases[i].want;
		snprintf(text, sizeof(text), "[process]\nproc_bootstrap = %s\n", cases[i].text);
		if (rg_config_load_string(&c, "b.ini", text, err, sizeof(err)) == 0 &&
		    c.proc_bootstrap == cases[i].want)
			good++;
		else
			printf("#   '%s' was not read as %d\n", cases[i].text, cases[i].want);
		rg_config_free(&c);
	}
	CHECK_INT(good, sizeof(cases) / sizeof(cases[0]), "every spelling of a boolean");
}

static const struct {
	const char *text, *want;
} bad[] = {
	{"[store]\nbatch_rows = 0\n", "x.ini:2: [store] batch_rows: 0 is out of range 1..100000"},
	{"[ship]\nenabled = true\n",
	 "x.ini:2: [ship] url: '' is not an http:// or https:// URL (shipping is enabled)"},
	{"[ship]\nenabled = yes\nurl = ftp://h\n",
	 "x.ini:3: [ship] url: 'ftp://h' is not an http:// or https:// URL (shipping is enabled)"},
	{"[ship]\ndatabase = a;DROP\n",
	 "x.ini:2: [ship] database: 'a;DROP' is not a name (letters, digits, _)"},
	{"[ship]\nbatch_rows = 0\n", "x.ini:2: [ship] batch_rows: 0 is out of range 1..1000000"},
	{"[ship]\nenabled = 1\nurl = http://h\npassword_file = /nonexistent/pw\n",
	 "x.ini:4: [ship] password_file: /nonexistent/pw: No such file or directory"},
	{"[ship]\nenabled = 1\nurl = http://h\npassword_file = /tmp\n",
	 "x.ini:4: [ship] password_file: /tmp is not a regular file"},
	{"; header\n\n[stor]\n", "x.ini:3: unknown section [stor]"},
	{"[]\n", "x.ini:1: unknown section []"},
	{"[Store]\n", "x.ini:1: unknown section [Store]"},
	{"[st\x01re]\n", "x.ini:1: unknown section [st?re]"},
	{"[store] x\n", "x.ini:1: unexpected text after [store]"},
	{"[store]]\n", "x.ini:1: unexpected text after [store]"},
	{"[store]\n\n\nbach_rows = 5\n", "x.ini:4: unknown key 'bach_rows' in [store]"},
	{"[store]\nBatch_rows = 5\n", "x.ini:2: unknown key 'Batch_rows' in [store]"},
	{"[store]\n= 5\n", "x.ini:2: unknown key '' in [store]"},
	{"[store]\nabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz = 1\n",
	 "x.ini:2: unknown key 'abcdefghijklmnopqrstuvwxyzabcdefghijklmn...' in [store]"},
	{"[recorder]\n[store]\n[bpf]\n\nring_buffer_mb = 3\n",
	 "x.ini:5: [bpf] ring_buffer_mb: 3 is not a power of two"},
	{"[bpf]\nring_buffer_mb = 2048\n", "x.ini:2: [bpf] ring_buffer_mb: 2048 is out of range 1..1024"},
	{"[recorder]\nndjson_format = elastic\n",
	 "x.ini:2: [recorder] ndjson_format: 'elastic' is not native or ecs"},
	{"[recorder]\nndjson_format =\n",
	 "x.ini:2: [recorder] ndjson_format: must not be empty"},
	{"[recorder]\nhealth_interval_s = ten\n",
	 "x.ini:2: [recorder] health_interval_s: 'ten' is not an integer"},
	{"[recorder]\nhealth_interval_s = 3601\n",
	 "x.ini:2: [recorder] health_interval_s: 3601 is out of range 1..3600"},
	{"[recorder]\nhealth_interval_s =\n",
	 "x.ini:2: [recorder] health_interval_s: '' is not an integer"},
	{"[store]\nbatch_rows = 10x\n", "x.ini:2: [store] batch_rows: '10x' is not an integer"},
	{"[store]\nbatch_rows = 5 rows\n", "x.ini:2: [store] batch_rows: '5 rows' is not an integer"},
	{"[store]\nbatch_rows = 5;x\n", "x.ini:2: [store] batch_rows: '5;x' is not an integer"},
	{"[store]\nbatch_rows = 1.5\n", "x.ini:2: [store] batch_rows: '1.5' is not an integer"},
	{"[store]\nbatch_rows = 0x10\n", "x.ini:2: [store] batch_rows: '0x10' is not an integer"},
	{"[store]\nbatch_rows = +5\n", "x.ini:2: [store] batch_rows: '+5' is not an integer"},
	{"[store]\nbatch_rows = -\n", "x.ini:2: [store] batch_rows: '-' is not an integer"},
	{"[store]\nbatch_rows = -1\n", "x.ini:2: [store] batch_rows: -1 is out of range 1..100000"},
	{"[store]\nbatch_rows = 99999999999999999999\n",
	 "x.ini:2: [store] batch_rows: 99999999999999999999 is out of range 1..100000"},
	{"[store]\nbatch_rows = -99999999999999999999\n",
	 "x.ini:2: [store] batch_rows: -99999999999999999999 is out of range 1..100000"},
	{"[store]\nbatch_ms = 10001\n", "x.ini:2: [store] batch_ms: 10001 is out of range 1..10000"},
	{"[store]\nqueue_events = 1023\n",
	 "x.ini:2: [store] queue_events: 1023 is out of range 1024..4194304"},
	{"[bpf]\npoll_ms = 0\n", "x.ini:2: [bpf] poll_ms: 0 is out of range 1..1000"},
	{"[process]\ntable_max = 255\n",
	 "x.ini:2: [process] table_max: 255 is out of range 256..4194304"},
	{"[process]\nproc_bootstrap = maybe\n",
	 "x.ini:2: [process] proc_bootstrap: 'maybe' is not a boolean (true/false, yes/no, on/off, 1/0)"},
	{"[process]\nproc_bootstrap =\n",
	 "x.ini:2: [process] proc_bootstrap: '' is not a boolean (true/false, yes/no, on/off, 1/0)"},
	{"[store]\ndb =\n", "x.ini:2: [store] db: must not be empty"},
	{"[store]\ndb = ; no path\n", "x.ini:2: [store] db: must not be empty"},
	{"ndjson = -\n", "x.ini:1: key 'ndjson' outside any section"},
	{"; comment\n\nbatch_rows = 5\n[store]\n", "x.ini:3: key 'batch_rows' outside any section"},
	{"[store]\nbatch_rows = 5\nbatch_ms = 5\n[bpf]\n[store]\nbatch_rows = 6\n",
	 "x.ini:6: duplicate key 'batch_rows' in [store] (first set on line 2)"},
	{"[store]\nbatch_rows\n", "x.ini:2: syntax error"},
	{"[store\nbatch_rows = 5\n", "x.ini:1: syntax error"},
	{"[store ; ]\n", "x.ini:1: syntax error"},
	{"[store]\nbatch_rows = 5\n\ngarbage\nbatch_ms = 0\n", "x.ini:4: syntax error"},
	{"[store]\nbatch_ms = 0\ngarbage\n",
	 "x.ini:2: [store] batch_ms: 0 is out of range 1..10000"},
	{"[store]\ndb = a\n  b\n",
	 "x.ini:3: line starts with whitespace; continuation lines are not supported"},
	{"[store]\n\tbatch_rows = 5\n",
	 "x.ini:2: line starts with whitespace; continuation lines are not supported"},
	{" [store]\n", "x.ini:1: line starts with whitespace; continuation lines are not supported"},
	{"[bpf]\nring_buffer_mb = 4\nwakeup_kb = 4096\n",
	 "x.ini:3: [bpf] wakeup_kb: 4096 is out of range 4..2048 (half of ring_buffer_mb = 4 MB)"},
	{"[bpf]\nwakeup_kb = 1024\npoll_ms = 5\nring_buffer_mb = 1\n",
	 "x.ini:4: [bpf] wakeup_kb: 1024 is out of range 4..512 (half of ring_buffer_mb = 1 MB)"},
	{"[bpf]\n\nwakeup_kb = 8192\n",
	 "x.ini:3: [bpf] wakeup_kb: 8192 is out of range 4..4096 (half of ring_buffer_mb = 8 MB)"},
	{"[bpf]\nwakeup_kb = 3\n", "x.ini:2: [bpf] wakeup_kb: 3 is out of range 4..524288"},
	{"[store]\nbatch_rows = 0\nbatch_ms = 0\n[nope]\n",
	 "x.ini:2: [store] batch_rows: 0 is out of range 1..100000"},
	{"\xEF\xBB\xBF[stor]\n", "x.ini:1: unknown section [stor]"},
	{"; c\r\n\r\n[store]\r\n# x\r\nbatch_ms = 0\r\n",
	 "x.ini:5: [store] batch_ms: 0 is out of range 1..10000"},
};

static void test_errors(void)
{
	int good = 0, unchanged = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rg_config c, d;
		rg_config_defaults(&c);
		rg_config_defaults(&d);
		strcpy(err, "(none)");
		int rc = rg_config_load_string(&c, "x.ini", bad[i].text, err, sizeof(err));
		if (rc == 2 && !strcmp(err, bad[i].want))
			good++;
		else
			printf("#   case %zu: rc %d\n#   got  \"%s\"\n#   want \"%s\"\n", i, rc,
			       err, bad[i].want);
		unchanged += same_config(&c, &d);
		rg_config_free(&c);
		rg_config_free(&d);
	}
	CHECK_INT(good, sizeof(bad) / sizeof(bad[0]), "each bad input gives its exact message");
	CHECK_INT(unchanged, sizeof(bad) / sizeof(bad[0]), "a failed load leaves the config as it was");
}

/* The parser's buffer holds 198 bytes, a '\n' and a NUL. */
static void test_line_length(void)
{
	char *text = malloc(LONG_LINE + 1);
	struct rg_config c;
	rg_config_defaults(&c);
	memset(text, 'a', LONG_LINE);
	text[LONG_LINE] = '\0';
	rg_config_load_string(&c, "x.ini", text, err, sizeof(err));
	CHECK_STR(err, "x.ini:1: line longer than 198 bytes", "a 100 KB line");

	strcpy(text, "[store]\ndb = ");
	size_t head = strlen(text), line = head - strlen("[store]\n");
	memset(text + head, 'd', 198 - line);
	strcpy(text + head + 198 - line, "\r\n[bpf]\n");
	CHECK_INT(rg_config_load_string(&c, "x.ini", text, err, sizeof(err)), 0,
		  "a 198-byte line (and its \\r\\n) is read whole");
	CHECK_INT(strlen(c.db), 198 - line, "the whole value is kept");
	strcpy(text + head + 198 - line, "d\n");
	rg_config_load_string(&c, "x.ini", text, err, sizeof(err));
	CHECK_STR(err, "x.ini:2: line longer than 198 bytes", "a 199-byte line");
	free(text);
	rg_config_free(&c);
}

static void test_files(void)
{
	char path[64];
	struct rg_config c;
	rg_config_defaults(&c);
	CHECK_INT(rg_config_load(&c, "/nonexistent/rand-guard.ini", err, sizeof(err)), 2,
		  "a missing file fails");
	CHECK_STR(err, "/nonexistent/rand-guard.ini: cannot open: No such file or directory",
		  "the message names the file, no line");
	rg_config_load(&c, "/", err, sizeof(err));
	CHECK_STR(err, "/: cannot read: Is a directory", "a directory");
	rg_config_load(&c, "/dev/zero", err, sizeof(err));
	CHECK_STR(err, "/dev/zero: larger than 1048576 bytes", "an endless file stops");

	static const char nul[] = "[store]\nbatch_rows = 1\0 0\n";
	write_tmp(path, nul, sizeof(nul) - 1);
	CHECK_INT(rg_config_load(&c, path, err, sizeof(err)), 2, "a NUL byte fails");
	CHECK(strstr(err, ":2: NUL byte in line") != NULL, "at its line");
	unlink(path);

	static const char ok[] = "[store]\nbatch_rows = 42\n";
	write_tmp(path, ok, sizeof(ok) - 1);
	CHECK_INT(rg_config_load(&c, path, err, sizeof(err)), 0, "a file loads");
	CHECK_INT(c.batch_rows, 42, "its value is set");
	unlink(path);
	rg_config_free(&c);
}

/* Random bytes (fixed seed), from memory and from a file with NULs. */
static void test_garbage(void)
{
	char path[64];
	unsigned char *g = malloc(GARBAGE + 1);
	struct rg_config c;
	rg_config_defaults(&c);
	srand(1);
	for (size_t i = 0; i < GARBAGE; i++)
		g[i] = (unsigned char)rand();
	write_tmp(path, g, GARBAGE);
	CHECK_INT(rg_config_load(&c, path, err, sizeof(err)), 2, "1 MB of garbage from a file");
	printf("# %s\n", err);
	unlink(path);
	for (size_t i = 0; i < GARBAGE; i++)
		g[i] = g[i] ? g[i] : '\n';
	g[GARBAGE] = '\0';
	CHECK_INT(rg_config_load_string(&c, "garbage", (char *)g, err, sizeof(err)), 2,
		  "1 MB of garbage text");
	printf("# %s\n", err);
	CHECK(!strncmp(err, "garbage:", 8), "with a located message");
	free(g);
	rg_config_free(&c);
}

/* Random texts from INI pieces reach deeper than random bytes: every one
 * must load or fail with a message that names the file. */
static void test_pieces(void)
{
	static const char *const pieces[] = {
		"\n[store]\n", "\n[bpf]\n", "\nbatch_rows = ", "\nwakeup_kb = ",
		"\nring_buffer_mb = ", "\ndb = ", "[", "]", "batch_rows", "=", ":", " ",
		"\t", "\n", "\r\n", ";", "#", "0", "4", "-", "9999999999", "\xEF\xBB\xBF",
		"yes", "\x01",
	};
	const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	char text[512];
	int sane = 0, loaded = 0;
	srand(2);
	for (int i = 0; i < 5000; i++) {
		struct rg_config c;
		size_t len = 0;
		rg_config_defaults(&c);
		for (int n = rand() % 40; n > 0; n--) {
			const char *p = pieces[(size_t)rand() % npieces];
			memcpy(text + len, p, strlen(p));
			len += strlen(p);
		}
		text[len] = '\0';
		int rc = rg_config_load_string(&c, "f.ini", text, err, sizeof(err));
		sane += rc == 0 || (rc == 2 && !strncmp(err, "f.ini:", 6));
		loaded += rc == 0;
		rg_config_free(&c);
	}
	printf("# %d of 5000 loaded\n", loaded);
	CHECK_INT(sane, 5000, "random INI pieces load or fail with a located message");
}

static void test_set(void)
{
	struct rg_config c;
	rg_config_defaults(&c);
	CHECK_INT(rg_config_set(&c, "store", "db", "/tmp/x.db", err, sizeof(err)), 0, "set db");
	CHECK_STR(c.db, "/tmp/x.db", "db is set");
	CHECK(!c.rules_dir_set, "the rules dir is the default");
	CHECK_INT(rg_config_set(&c, "rules", "dir", "rules.d", err, sizeof(err)), 0, "set rules dir");
	CHECK(c.rules_dir_set, "setting it, even to the default, is remembered");
	CHECK_INT(rg_config_set(&c, "recorder", "ndjson", "", err, sizeof(err)), 0,
		  "set ndjson to nothing");
	CHECK_STR(c.ndjson, "", "ndjson is off");
	CHECK_INT(rg_config_set(&c, "store", "db", "", err, sizeof(err)), 2, "an empty db fails");
	CHECK_STR(err, "[store] db: must not be empty", "the message has no location");
	CHECK_STR(c.db, "/tmp/x.db", "and db is unchanged");
	rg_config_set(&c, "store", "bd", "x", err, sizeof(err));
	CHECK_STR(err, "unknown key 'bd' in [store]", "an unknown key");
	CHECK_INT(rg_config_set(&c, "bpf", "wakeup_kb", "1024", err, sizeof(err)), 0,
		  "set wakeup_kb within the ring");
	rg_config_set(&c, "bpf", "ring_buffer_mb", "1", err, sizeof(err));
	CHECK_STR(err, "[bpf] wakeup_kb: 1024 is out of range 4..512 (half of ring_buffer_mb = 1 MB)",
		  "the cross-key rules apply");
	CHECK_INT(c.ring_buffer_mb, 8, "and the ring is unchanged");
	char *big = malloc(5000);
	memset(big, 'p', 4999);
	big[4999] = '\0';
	rg_config_set(&c, "store", "db", big, err, sizeof(err));
	CHECK_STR(err, "[store] db: longer than 4095 bytes", "a path longer than PATH_MAX");
	free(big);
	rg_config_free(&c);
}

/* [file] lists: a repeat continues the list, bad entries name their line. */
static void test_lists(void)
{
	struct rg_config c;
	rg_config_defaults(&c);
	CHECK_INT(rg_config_load_string(&c, "l.ini",
					"[file]\nwatch_paths = /a /b\nwatch_paths = /c\n"
					"watch_patterns = *.conf\n", err, sizeof(err)), 0,
		  "repeated list key loads");
	CHECK_STR(c.watch_paths, "/a /b /c", "a repeat appends; the first replaces the default");
	CHECK_STR(c.watch_patterns, "*.conf", "a list set once replaces the default");
	CHECK_INT(rg_config_load_string(&c, "l.ini", "[process]\nenv = HTTP_PROXY, ABCDEFGHIJKLMNOPQRSTUVWXYZ01234\n",
					err, sizeof(err)), 0,
		  "[process] env: commas, a 31-byte name");
	CHECK_STR(c.env, "HTTP_PROXY, ABCDEFGHIJKLMNOPQRSTUVWXYZ01234", "[process] env as written");
	CHECK_INT(rg_config_load_string(&c, "l.ini", "[process]\nenv =\n", err, sizeof(err)), 0,
		  "[process] env may be empty: no environment recorded");
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"[file]\nwatch_paths = /ok relative\n", "l.ini:2: [file] watch_paths: 'relative'"},
		{"[file]\n\nexclude_paths = /a/../b\n", "l.ini:3: [file] exclude_paths: '/a/../b'"},
		{"[file]\nwatch_patterns = a/b\n", "l.ini:2: [file] watch_patterns: 'a/b'"},
		{"[file]\nenabled = maybe\n", "l.ini:2: [file] enabled: 'maybe' is not a boolean"},
		{"[network]\nhooks = connect\nhooks = sendfile\n",
		 "l.ini:3: [network] hooks: unknown hook 'sendfile'"},
		{"[process]\nenv = LD_PRELOAD, A=B\n",
		 "l.ini:2: [process] env: 'A=B' is not a variable name"},
		{"[process]\nenv = ABCDEFGHIJKLMNOPQRSTUVWXYZ012345\n",
		 "l.ini:2: [process] env: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345' is longer than 31"},
		{"[process]\nenv = A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14 A15 A16 A17\n",
		 "l.ini:2: [process] env: more than 16 names"},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(rg_config_load_string(&c, "l.ini", cases[i].text, err, sizeof(err)), 2,
			  "bad list entry: exit code 2");
		CHECK(strncmp(err, cases[i].want, strlen(cases[i].want)) == 0, cases[i].want);
	}
	rg_config_free(&c);

	/* a config from before watch_writes: its exclude of /tmp still loads */
	rg_config_defaults(&c);
	CHECK_INT(rg_config_load_string(&c, "old.ini", "[file]\nexclude_paths = /etc/ld.so.cache "
					"/proc /sys /dev /run /tmp /var/tmp/\n", err, sizeof(err)),
		  0, "an older config excluding /tmp loads");
	CHECK_STR(c.watch_writes, "/dev/shm", "the default watch_writes yields to its excludes");
	rg_config_free(&c);
	rg_config_defaults(&c);
	CHECK_INT(rg_config_load_string(&c, "both.ini", "[file]\nexclude_paths = /tmp\n"
					"watch_writes = /tmp\n", err, sizeof(err)),
		  2, "a path in two lists the config sets is an error");
	CHECK(strstr(err, "both.ini:2: [file] exclude_paths: '/tmp' is listed twice") == err, err);
	rg_config_free(&c);
}

/* What the shipped [file] lists (the defaults, which the shipped file
 * sets) record: the places persistence and credential theft go through. */
static void test_shipped_files(void)
{
	static const struct {
		const char *path;
		int want;
	} cases[] = {
		{"/etc/ld.so.preload", 1}, {"/etc/init.d/x", 1}, {"/etc/rc2.d/S01x", 1},
		{"/etc/systemd/system/x.service", 1}, {"/etc/cron.d/x", 1}, {"/etc/crontab", 1},
		{"/etc/cron.daily/x", 1}, {"/var/spool/cron/crontabs/root", 1},
		{"/var/spool/cron/atjobs/a0001", 1}, {"/etc/passwd", 1}, {"/etc/shadow", 1},
		{"/etc/group", 1}, {"/etc/sudoers", 1}, {"/etc/sudoers.d/x", 1},
		{"/etc/ssl/private/k.pem", 1}, {"/etc/profile", 1}, {"/etc/profile.d/x.sh", 1},
		{"/root/.ssh/authorized_keys", 1}, {"/root/.ssh/config", 1},
		{"/home/u/.ssh/authorized_keys", 1}, {"/home/u/.ssh/id_ed25519", 1},
		{"/home/u/.bashrc", 1}, {"/home/u/.bash_profile", 1}, {"/home/u/.bash_login", 1},
		{"/home/u/.profile", 1}, {"/home/u/.bash_logout", 1}, {"/home/u/.zshrc", 1},
		{"/home/u/.zprofile", 1}, {"/home/u/.zshenv", 1}, {"/home/u/.zlogin", 1},
		{"/root/.bash_history", 1}, {"/home/u/.bash_history", 1}, {"/home/u/.zsh_history", 1},
		{"/home/u/.sh_history", 1}, {"/home/u/.python_history", 1},
		{"/home/u/.config/autostart/x.desktop", 1}, {"/root/.config/autostart/x.desktop", 1},
		{"/home/u/.config/systemd/user/x.service", 1}, {"/home/u/.config/systemd/user/x.timer", 1},
		{"/lib/systemd/system/x.service", 1}, {"/usr/lib/systemd/system/x.target", 1},
		{"/usr/local/bin/x", 1}, {"/boot/vmlinuz", 1},
		{"/etc/ld.so.cache", 0}, {"/home/u/notes.txt", 0}, {"/home/u/history.txt", 0},
		{"/usr/share/applications/x.desktop", 0}, {"/home/u/.config/x.desktop", 0},
		{"/usr/bin/ls", 0}, {"/proc/1/x.service", 0},
	};
	struct rg_config c;
	struct rg_pathmatch m;
	rg_config_defaults(&c);
	struct rg_pm_lists l = {c.watch_paths, c.watch_writes, c.exclude_paths, c.watch_patterns};
	CHECK_INT(rg_pathmatch_init(&m, &l, err, sizeof(err)), 0, "the shipped lists build");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char what[128];
		snprintf(what, sizeof(what), "shipped: %s %s", cases[i].path,
			 cases[i].want ? "recorded" : "not recorded");
		CHECK_INT(rg_pathmatch_wanted(&m, cases[i].path, strlen(cases[i].path), false),
			  cases[i].want, what);
	}
	rg_pathmatch_free(&m);
	rg_config_free(&c);
}

/* RG_PATTERN_MAX watch patterns load (over repeated keys, as a line holds
 * 198 bytes); one more is refused at the line that made it too many. */
static void test_pattern_count(void)
{
	struct rg_config c;
	char text[RG_PATTERN_MAX * 32] = "[file]\n";
	for (int i = 0; i < RG_PATTERN_MAX; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%sp%d.conf%s",
			 i % 8 ? "" : "watch_patterns =", i, i % 8 == 7 ? "\n" : " ");
	rg_config_defaults(&c);
	CHECK_INT(rg_config_load_string(&c, "p.ini", text, err, sizeof(err)), 0,
		  "128 watch patterns load");
	rg_config_free(&c);
	strcat(text, "watch_patterns = p128.conf\n");
	rg_config_defaults(&c);
	CHECK_INT(rg_config_load_string(&c, "p.ini", text, err, sizeof(err)), 2,
		  "129 are refused");
	CHECK_STR(err, "p.ini:18: [file] watch_patterns: more than 128 watch patterns",
		  "saying where and the bound");
	rg_config_free(&c);
}

/* [ship] password_file: refused when others can read or write it. */
static void test_ship_password(void)
{
	char path[64], text[256];
	struct rg_config c;
	write_tmp(path, "pw\n", 3);
	snprintf(text, sizeof(text), "[ship]\nenabled = true\nurl = https://ch:8443\n"
		 "password_file = %s\n", path);
	chmod(path, 0600);
	rg_config_defaults(&c);
	CHECK_INT(rg_config_load_string(&c, "x.ini", text, err, sizeof(err)), 0,
		  "[ship] a password file only its owner reads is taken");
	CHECK_STR(c.ship_password_file, path, "[ship] password_file is set");
	rg_config_free(&c);
	chmod(path, 0604);
	rg_config_defaults(&c);
	CHECK_INT(rg_config_load_string(&c, "x.ini", text, err, sizeof(err)), 2,
		  "[ship] a world-readable password file is refused");
	CHECK(strstr(err, "can be read or written by any user") != NULL, "... saying why");
	rg_config_free(&c);
	unlink(path);
	rg_config_defaults(&c);
	CHECK_INT(rg_config_load_string(&c, "x.ini", "[ship]\nenabled = true\n"
					"url = https://rg:s3cret@ch:8443/\n", err, sizeof(err)), 2,
		  "[ship] a password in the URL is refused");
	CHECK_STR(err, "x.ini:3: [ship] url: a user or password in the URL (user:pass@) is "
		  "refused: the config file is not a secret; use [ship] user and password_file",
		  "... saying where and why, without the URL");
	rg_config_free(&c);
	rg_config_defaults(&c);
	CHECK_INT(rg_config_load_string(&c, "x.ini", "[ship]\nenabled = true\n"
					"url = https://ch:8443/q?x=a@b\n", err, sizeof(err)), 0,
		  "[ship] an @ after the host is not a password");
	rg_config_free(&c);
}

int main(void)
{
	test_defaults();
	test_shipped();
	test_overrides();
	test_bools();
	test_errors();
	test_ship_password();
	test_line_length();
	test_files();
	test_garbage();
	test_pieces();
	test_set();
	test_lists();
	test_pattern_count();
	test_shipped_files();
	return tap_done();
}
