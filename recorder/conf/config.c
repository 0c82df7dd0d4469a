/* config.c: loads rand-guard.ini into struct rg_config (see config.h).
 *
 * The text goes through the checked INI reader (ini_reader.h), shared with the
 * rule files; [rule "..."] sections belong to the rule loader (rules.h)
 * and are skipped here.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "alloc.h"
#include "buf.h"
#include "ini_reader.h"
#include "pathmatch.h"
#include "rules.h"

#define SHOW_BUF RG_INI_SHOW_BUF
#define show rg_ini_show

/* The field's C type must match the row's type, or this does not compile. */
#define FIELD(key, ctype)                                                      \
	(offsetof(struct rg_config, key) +                                     \
	 0 * sizeof(char[_Generic(((struct rg_config *)0)->key, ctype: 1, default: -1)]))
#define INT_KEY(sec, key, lo, hi, fl, def)                                     \
	{sec, #key, RG_CFG_INT, FIELD(key, int), lo, hi, fl, def}
#define BOOL_KEY(sec, key, def)                                                \
	{sec, #key, RG_CFG_BOOL, FIELD(key, bool), 0, 1, 0, def}
#define STR_KEY(sec, key, fl, def)                                             \
	{sec, #key, RG_CFG_STRING, FIELD(key, char *), 0, PATH_MAX - 1, fl, def}
#define LIST_KEY(sec, key, def)                                                \
	{sec, #key, RG_CFG_LIST, FIELD(key, char *), 0, 64 * 1024, 0, def}

const struct rg_config_key rg_config_keys[] = {
	STR_KEY("recorder", ndjson, 0, "-"),
	STR_KEY("recorder", ndjson_format, RG_CFG_NONEMPTY, "native"),
	INT_KEY("recorder", health_interval_s, 1, 3600, 0, "10"),
	STR_KEY("recorder", host, 0, ""),
	STR_KEY("store", db, RG_CFG_NONEMPTY, "var/rand-guard.db"),
	INT_KEY("store", batch_rows, 1, 100000, 0, "1000"),
	INT_KEY("store", batch_ms, 1, 10000, 0, "200"),
	INT_KEY("store", queue_events, 1024, 4194304, 0, "65536"),
	INT_KEY("store", max_age_h, 0, 1000000, 0, "0"),
	INT_KEY("store", max_size_mb, 0, 16777216, 0, "0"),
	INT_KEY("store", wal_warn_mb, 0, 16777216, 0, "64"),
	BOOL_KEY("store", chain, "true"),
	STR_KEY("store", signing_key, 0, ""),
	INT_KEY("store", checkpoint_s, 0, 86400, 0, "60"),
	INT_KEY("bpf", ring_buffer_mb, 1, 1024, RG_CFG_POW2, "8"),
	/* the bound for the largest ring; validate() checks the actual one */
	INT_KEY("bpf", wakeup_kb, 4, 1024 * 1024 / 2, 0, "256"),
	INT_KEY("bpf", poll_ms, 1, 1000, 0, "50"),
	INT_KEY("process", table_max, 256, 4194304, 0, "65536"),
	BOOL_KEY("process", proc_bootstrap, "true"),
	LIST_KEY("process", env,
		 "LD_PRELOAD LD_LIBRARY_PATH LD_AUDIT SSH_CONNECTION SUDO_USER SUDO_UID"),
	{"file", "enabled", RG_CFG_BOOL, FIELD(file_enabled, bool), 0, 1, 0, "true"},
	LIST_KEY("file", watch_paths,
		 "/etc /boot /root/.ssh /usr/local/bin /usr/local/sbin /usr/lib/systemd/system "
		 "/usr/lib/systemd/user /lib/systemd/system /run/systemd/system /run/systemd/user "
		 "/var/spool/cron"),
	LIST_KEY("file", watch_patterns,
		 "authorized_keys authorized_keys2 id_rsa id_ecdsa id_ed25519 ld.so.preload "
		 "*.service *.timer *.socket .bashrc .profile .bash_profile .bash_login .bash_logout "
		 ".zshrc .zprofile .zshenv .zlogin .zlogout *_history "
		 "/root/.config/autostart/*.desktop /home/*/.config/autostart/*.desktop "
		 "id_dsa id_ecdsa_sk id_ed25519_sk /root/*.pem /root/*.key /home/*/*.pem /home/*/*.key"),
	LIST_KEY("file", watch_writes, "/tmp /var/tmp /dev/shm"),
	LIST_KEY("file", exclude_paths, "/etc/ld.so.cache /proc /sys /dev /run"),
	{"network", "enabled", RG_CFG_BOOL, FIELD(net_enabled, bool), 0, 1, 0, "false"},
	LIST_KEY("network", hooks, "connect bind listen accept send dns"),
	{"network", "unix", RG_CFG_BOOL, FIELD(net_unix, bool), 0, 1, 0, "false"},
	{"rules", "dir", RG_CFG_STRING, FIELD(rules_dir, char *), 0, PATH_MAX - 1, 0, "rules.d"},
	{"rules", "sigma_dir", RG_CFG_STRING, FIELD(sigma_dir, char *), 0, PATH_MAX - 1, 0, ""},
	INT_KEY("rules", sequence_max, 16, 1048576, 0, "4096"),
	BOOL_KEY("rules", allow_none, "false"),
	{"hash", "enabled", RG_CFG_BOOL, FIELD(hash_enabled, bool), 0, 1, 0, "true"},
	{"hash", "max_size_mb", RG_CFG_INT, FIELD(hash_max_size_mb, int), 1, 65536, 0, "64"},
	{"hash", "max_per_second", RG_CFG_INT, FIELD(hash_per_second, int), 1, 100000, 0, "50"},
	{"hash", "cache_max", RG_CFG_INT, FIELD(hash_cache_max, int), 64, 4194304, 0, "16384"},
	{"ship", "enabled", RG_CFG_BOOL, FIELD(ship_enabled, bool), 0, 1, 0, "false"},
	{"ship", "url", RG_CFG_STRING, FIELD(ship_url, char *), 0, PATH_MAX - 1, 0, ""},
	{"ship", "database", RG_CFG_STRING, FIELD(ship_database, char *), 0, 64, RG_CFG_NONEMPTY,
	 "rand_guard"},
	{"ship", "user", RG_CFG_STRING, FIELD(ship_user, char *), 0, 64, RG_CFG_NONEMPTY,
	 "default"},
	{"ship", "password_file", RG_CFG_STRING, FIELD(ship_password_file, char *), 0,
	 PATH_MAX - 1, 0, ""},
	{"ship", "ca_file", RG_CFG_STRING, FIELD(ship_ca_file, char *), 0, PATH_MAX - 1, 0, ""},
	{"ship", "batch_rows", RG_CFG_INT, FIELD(ship_batch_rows, int), 1, 1000000, 0, "10000"},
	{"ship", "interval_ms", RG_CFG_INT, FIELD(ship_interval_ms, int), 10, 600000, 0, "1000"},
	{"ship", "timeout_s", RG_CFG_INT, FIELD(ship_timeout_s, int), 1, 3600, 0, "30"},
	{"ship", "backoff_max_s", RG_CFG_INT, FIELD(ship_backoff_max_s, int), 1, 3600, 0, "60"},
};
#define NKEYS (sizeof(rg_config_keys) / sizeof(rg_config_keys[0]))
const size_t rg_config_nkeys = NKEYS;

struct loader {
	struct rg_ini ini;
	struct rg_config cfg; /* a working copy, kept only on success */
	int key_line[NKEYS];  /* where each key was set; 0: not in this text */
};

static void *field(struct rg_config *c, const struct rg_config_key *k)
{
	return (char *)c + k->offset;
}

static int find_key(const char *section, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(rg_config_keys[i].section, section) &&
		    !strcmp(rg_config_keys[i].name, name))
			return (int)i;
	return -1;
}

static bool section_ok(void *user, const char *s, size_t n)
{
	(void)user;
	if (rg_rules_section(s, n))
		return true;
	for (size_t i = 0; i < NKEYS; i++)
		if (strlen(rg_config_keys[i].section) == n &&
		    !memcmp(rg_config_keys[i].section, s, n))
			return true;
	return false;
}

static bool set_int(int *dst, const struct rg_config_key *k, const char *s, char *why,
		    size_t n)
{
	char a[SHOW_BUF];
	char *end;
	const char *digits = s[0] == '-' ? s + 1 : s;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!isdigit((unsigned char)*digits) || *end) {
		snprintf(why, n, "'%s' is not an integer", show(a, s, SIZE_MAX));
		return false;
	}
	if (errno == ERANGE || v < k->min || v > k->max) {
		snprintf(why, n, "%s is out of range %lld..%lld", show(a, s, SIZE_MAX), k->min,
			 k->max);
		return false;
	}
	if ((k->flags & RG_CFG_POW2) && (v & (v - 1))) {
		snprintf(why, n, "%lld is not a power of two", v);
		return false;
	}
	*dst = (int)v;
	return true;
}

static bool set_bool(bool *dst, const char *s, char *why, size_t n)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	char a[SHOW_BUF];
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*dst = !strcasecmp(s, yes[i]);
			return true;
		}
	}
	snprintf(why, n, "'%s' is not a boolean (true/false, yes/no, on/off, 1/0)",
		 show(a, s, SIZE_MAX));
	return false;
}

static bool set_string(char **dst, const struct rg_config_key *k, const char *s, char *why,
		       size_t n)
{
	size_t len = strlen(s);
	if (!len && (k->flags & RG_CFG_NONEMPTY)) {
		snprintf(why, n, "must not be empty");
		return false;
	}
	if (len > (size_t)k->max) {
		snprintf(why, n, "longer than %lld bytes", k->max);
		return false;
	}
	free(*dst);
	*dst = rg_strdup(s);
	return true;
}

/* A list key: the first line that sets it replaces the default, a repeat
 * appends its words. */
static bool set_list(char **dst, const struct rg_config_key *k, const char *s, bool append,
		     char *why, size_t n)
{
	struct rg_buf b = {0};
	if (append && **dst) {
		rg_buf_adds(&b, *dst);
		rg_buf_addc(&b, ' ');
	}
	rg_buf_adds(&b, s);
	bool ok = set_string(dst, k, rg_buf_cstr(&b), why, n);
	rg_buf_free(&b);
	return ok;
}

/* Parses the text form s of key k into c. Returns false, with the reason
 * (without the key's name) in why, if s is not a valid value. */
static bool set_value(struct rg_config *c, const struct rg_config_key *k, const char *s,
		      bool append, char *why, size_t n)
{
	switch (k->type) {
	case RG_CFG_LIST:
		return set_list(field(c, k), k, s, append, why, n);
	case RG_CFG_INT:
		return set_int(field(c, k), k, s, why, n);
	case RG_CFG_BOOL:
		return set_bool(field(c, k), s, why, n);
	case RG_CFG_STRING:
		return set_string(field(c, k), k, s, why, n);
	}
	abort(); /* a row with a type this switch does not know */
}

/* The inih handler, and rg_config_set's way in: one "name = value". */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct loader *ld = user;
	char a[SHOW_BUF], b[SHOW_BUF], why[160];
	if (!*section)
		return rg_ini_fail(&ld->ini, ld->ini.line, "key '%s' outside any section",
			    show(a, name, SIZE_MAX));
	if (rg_rules_section(section, strlen(section)))
		return 1; /* the rule loader's */
	int i = find_key(section, name);
	if (i < 0)
		return rg_ini_fail(&ld->ini, ld->ini.line, "unknown key '%s' in [%s]", show(a, name, SIZE_MAX),
			    show(b, section, SIZE_MAX));
	bool list = rg_config_keys[i].type == RG_CFG_LIST, again = ld->key_line[i] != 0;
	if (again && !list)
		return rg_ini_fail(&ld->ini, ld->ini.line, "duplicate key '%s' in [%s] (first set on line %d)",
			    name, section, ld->key_line[i]);
	ld->key_line[i] = ld->ini.line;
	if (field(&ld->cfg, &rg_config_keys[i]) == (void *)&ld->cfg.rules_dir)
		ld->cfg.rules_dir_set = true;
	if (!set_value(&ld->cfg, &rg_config_keys[i], value, again, why, sizeof(why)))
		return rg_ini_fail(&ld->ini, ld->ini.line, "[%s] %s: %s", section, name, why);
	return 1;
}

/* Whether the space-separated list has the path word (n bytes), a
 * trailing '/' aside. */
static bool list_has(const char *list, const char *w, size_t n)
{
	while (n > 1 && w[n - 1] == '/')
		n--;
	for (const char *p = list ? list : ""; *p;) {
		size_t m = strcspn(p += strspn(p, " \t,"), " \t,"), k = m;
		while (k > 1 && p[k - 1] == '/')
			k--;
		if (m && k == n && !memcmp(p, w, n))
			return true;
		p += m;
	}
	return false;
}

/* watch_writes at its default yields to a path the config names in
 * watch_paths or exclude_paths: a config written before watch_writes
 * existed (which excluded /tmp) keeps loading, with its own choice. */
static void drop_default_writes(struct loader *ld)
{
	int k = find_key("file", "watch_writes");
	if (ld->key_line[k])
		return;
	char **ww = (char **)field(&ld->cfg, &rg_config_keys[k]);
	struct rg_buf b = {0};
	for (const char *p = *ww ? *ww : ""; *p;) {
		size_t n = strcspn(p += strspn(p, " \t,"), " \t,");
		if (n && !list_has(ld->cfg.watch_paths, p, n) && !list_has(ld->cfg.exclude_paths, p, n)) {
			if (b.len)
				rg_buf_addc(&b, ' ');
			rg_buf_add(&b, p, n);
		}
		p += n;
	}
	free(*ww);
	*ww = rg_strdup(rg_buf_cstr(&b));
	rg_buf_free(&b);
}

/* The [file] lists must make a matcher; an error names the list's line
 * (a path in two lists: the line of the later list). */
static void validate_file_lists(struct loader *ld)
{
	static const char *const names[] = {"watch_paths", "watch_writes", "exclude_paths",
					    "watch_patterns"};
	const char *lists[4] = {0};
	for (int i = 0; i < 4 && !ld->ini.failed; i++) {
		struct rg_pathmatch m;
		char why[200];
		int k = find_key("file", names[i]);
		lists[i] = *(char **)field(&ld->cfg, &rg_config_keys[k]);
		struct rg_pm_lists l = {lists[0], lists[1], lists[2], lists[3]};
		if (rg_pathmatch_init(&m, &l, why, sizeof(why)))
			rg_ini_fail(&ld->ini, ld->key_line[k], "[file] %s: %s", names[i], why);
		else
			rg_pathmatch_free(&m);
	}
}

/* [network] hooks: known names only. */
static void validate_hooks(struct loader *ld)
{
	static const char *const known[] = {"connect", "bind", "listen", "accept", "send", "dns"};
	const char *p = ld->cfg.hooks;
	while (p && *p && !ld->ini.failed) {
		size_t n = strcspn(p += strspn(p, " \t,"), " \t,"), k;
		for (k = 0; n && k < sizeof(known) / sizeof(known[0]); k++)
			if (strlen(known[k]) == n && !memcmp(p, known[k], n))
				break;
		if (n && k == sizeof(known) / sizeof(known[0]))
			rg_ini_fail(&ld->ini, ld->key_line[find_key("network", "hooks")],
			     "[network] hooks: unknown hook '%.*s' (connect bind listen accept send dns)",
			     (int)(n > RG_INI_SHOW_MAX ? RG_INI_SHOW_MAX : n), p);
		p += n;
	}
}

/* [process] env: names the kernel's allow-list can hold (no '=', at most
 * RG_CONFIG_ENV_NAME_MAX bytes, at most RG_CONFIG_ENV_NAMES of them). */
static void validate_env(struct loader *ld)
{
	int line = ld->key_line[find_key("process", "env")];
	unsigned count = 0;
	for (const char *p = ld->cfg.env; p && *p && !ld->ini.failed;) {
		size_t n = strcspn(p += strspn(p, " \t,"), " \t,");
		int shown = (int)(n > RG_INI_SHOW_MAX ? RG_INI_SHOW_MAX : n);
		if (n && memchr(p, '=', n))
			rg_ini_fail(&ld->ini, line, "[process] env: '%.*s' is not a variable name",
				    shown, p);
		else if (n > RG_CONFIG_ENV_NAME_MAX)
			rg_ini_fail(&ld->ini, line, "[process] env: '%.*s' is longer than %d bytes",
				    shown, p, RG_CONFIG_ENV_NAME_MAX);
		else if (n && ++count > RG_CONFIG_ENV_NAMES)
			rg_ini_fail(&ld->ini, line, "[process] env: more than %d names",
				    RG_CONFIG_ENV_NAMES);
		p += n;
	}
}

/* Whether an http(s) URL's authority holds "userinfo@". */
static bool url_has_userinfo(const char *url)
{
	const char *a = strstr(url, "://");
	if (!a)
		return false;
	a += 3;
	size_t n = strcspn(a, "/?#");
	const char *at = memchr(a, '@', n);
	return at != NULL;
}

/* [ship]: enabled needs an http(s) URL without credentials and a database
 * name ClickHouse takes unquoted; a password file must be a regular file no
 * other user can read (it is read at the start, ship.c). */
static void validate_ship(struct loader *ld)
{
	const struct rg_config *c = &ld->cfg;
	int line = ld->key_line[find_key("ship", "url")];
	if (c->ship_enabled && strncmp(c->ship_url, "http://", 7) &&
	    strncmp(c->ship_url, "https://", 8)) {
		if (!line)
			line = ld->key_line[find_key("ship", "enabled")];
		rg_ini_fail(&ld->ini, line, "[ship] url: '%.*s' is not an http:// or https:// URL "
			    "(shipping is enabled)", RG_INI_SHOW_MAX, c->ship_url);
		return;
	}
	if (c->ship_enabled && url_has_userinfo(c->ship_url)) {
		/* not shown: the config file is readable by more than the key */
		rg_ini_fail(&ld->ini, line, "[ship] url: a user or password in the URL (user:pass@) "
			    "is refused: the config file is not a secret; use [ship] user and "
			    "password_file");
		return;
	}
	for (const char *p = c->ship_database; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_') {
			rg_ini_fail(&ld->ini, ld->key_line[find_key("ship", "database")],
				    "[ship] database: '%.*s' is not a name (letters, digits, _)",
				    RG_INI_SHOW_MAX, c->ship_database);
			return;
		}
	struct stat st;
	line = ld->key_line[find_key("ship", "password_file")];
	if (!c->ship_enabled || !c->ship_password_file[0])
		return;
	if (stat(c->ship_password_file, &st))
		rg_ini_fail(&ld->ini, line, "[ship] password_file: %.*s: %s", RG_INI_SHOW_MAX,
			    c->ship_password_file, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		rg_ini_fail(&ld->ini, line, "[ship] password_file: %.*s is not a regular file",
			    RG_INI_SHOW_MAX, c->ship_password_file);
	else if (st.st_mode & (S_IROTH | S_IWOTH))
		rg_ini_fail(&ld->ini, line, "[ship] password_file: %.*s can be read or written by "
			    "any user (chmod o-rw)", RG_INI_SHOW_MAX, c->ship_password_file);
}

/* Cross-key rules, once every key is parsed. An error names the line of
 * the later of the keys involved. */
static void validate(struct loader *ld)
{
	drop_default_writes(ld);
	validate_file_lists(ld);
	validate_hooks(ld);
	validate_env(ld);
	if (strcmp(ld->cfg.ndjson_format, "native") && strcmp(ld->cfg.ndjson_format, "ecs")) {
		char a[SHOW_BUF];
		rg_ini_fail(&ld->ini, ld->key_line[find_key("recorder", "ndjson_format")],
			    "[recorder] ndjson_format: '%s' is not native or ecs",
			    show(a, ld->cfg.ndjson_format, SIZE_MAX));
	}
	validate_ship(ld);
	if (ld->ini.failed)
		return;
	int ring = find_key("bpf", "ring_buffer_mb"), wake = find_key("bpf", "wakeup_kb");
	int half = ld->cfg.ring_buffer_mb * 1024 / 2;
	int line = ld->key_line[ring] > ld->key_line[wake] ? ld->key_line[ring]
							     : ld->key_line[wake];
	if (ld->cfg.wakeup_kb > half)
		rg_ini_fail(&ld->ini, line, "[bpf] wakeup_kb: %d is out of range %lld..%d (half of ring_buffer_mb = %d MB)",
		     ld->cfg.wakeup_kb, rg_config_keys[wake].min, half, ld->cfg.ring_buffer_mb);
}

/* Starts a load or set on a private copy of c. */
static void begin(struct loader *ld, const struct rg_config *c, const char *name)
{
	memset(ld, 0, sizeof(*ld));
	ld->ini = (struct rg_ini){.name = name, .section_ok = section_ok, .on_key = on_key,
				  .user = ld};
	ld->cfg = *c;
	for (size_t i = 0; i < NKEYS; i++) {
		if (rg_config_keys[i].type >= RG_CFG_STRING) { /* owned strings */
			char **s = field(&ld->cfg, &rg_config_keys[i]);
			*s = rg_strdup(*s);
		}
	}
}

/* Ends a load or set: validates, then moves the copy into c, or discards
 * it and writes the message. Returns 0 or 2. */
static int finish(struct loader *ld, struct rg_config *c, char *err, size_t errlen)
{
	if (!ld->ini.failed)
		validate(ld);
	if (!ld->ini.failed) {
		rg_config_free(c);
		*c = ld->cfg;
		return 0;
	}
	rg_config_free(&ld->cfg);
	rg_ini_message(&ld->ini, err, errlen);
	return 2;
}

void rg_config_defaults(struct rg_config *c)
{
	char why[160];
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < NKEYS; i++)
		if (!set_value(c, &rg_config_keys[i], rg_config_keys[i].def, false, why,
			       sizeof(why)))
			abort(); /* a row whose default breaks its own range */
}

int rg_config_load(struct rg_config *c, const char *path, char *err, size_t errlen)
{
	struct loader ld;
	struct rg_buf text = {0};
	begin(&ld, c, path);
	if (rg_ini_read_file(&ld.ini, path, &text))
		rg_ini_parse(&ld.ini, rg_buf_cstr(&text), text.len);
	rg_buf_free(&text);
	return finish(&ld, c, err, errlen);
}

int rg_config_load_string(struct rg_config *c, const char *name, const char *text,
			  char *err, size_t errlen)
{
	struct loader ld;
	begin(&ld, c, name);
	rg_ini_parse(&ld.ini, text, strlen(text));
	return finish(&ld, c, err, errlen);
}

int rg_config_set(struct rg_config *c, const char *section, const char *key,
		  const char *value, char *err, size_t errlen)
{
	struct loader ld;
	begin(&ld, c, NULL);
	on_key(&ld, section, key, value);
	return finish(&ld, c, err, errlen);
}

void rg_config_free(struct rg_config *c)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (rg_config_keys[i].type >= RG_CFG_STRING) { /* owned strings */
			char **s = field(c, &rg_config_keys[i]);
			free(*s);
			*s = NULL;
		}
	}
}
