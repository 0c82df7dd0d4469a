/* config.h: the recorder's settings and the INI loader that fills them.
 *
 * Every key is one row of a table (rg_config_keys): its section, name,
 * type, place in struct rg_config, range and default. Parsing, defaults,
 * freeing and the documentation checks all walk that table, so a new key
 * is a new field plus a new row. See docs/configuration.md.
 */
#ifndef RG_CONFIG_H
#define RG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct rg_config {
	/* [recorder] */
	char *ndjson; /* "-" stdout, a path, or "" for no NDJSON */
	char *ndjson_format; /* "native" or "ecs" (output/ndjson.h) */
	int health_interval_s;
	char *host;           /* the host name rows carry; "" = gethostname() */
	/* [store] */
	char *db;
	int batch_rows;
	int batch_ms;
	int queue_events;
	int max_age_h;        /* retention: 0 keeps everything */
	int max_size_mb;
	int wal_warn_mb;      /* a reader holding the WAL past this is reported */
	bool chain;           /* the hash chain over committed rows (store/chain.h) */
	char *signing_key;    /* the checkpoints' key file; "": the db's path + ".key" */
	int checkpoint_s;     /* a signed checkpoint this often; 0: none, no key */
	/* [bpf] */
	int ring_buffer_mb; /* a power of two */
	int wakeup_kb;      /* at most half the ring */
	int poll_ms;
	/* [process] */
	int table_max;
	bool proc_bootstrap;
	char *env;          /* list: environment variables kept at exec */
	/* [file] */
	bool file_enabled;    /* "enabled" */
	char *watch_paths;    /* lists: words separated by spaces */
	char *watch_writes;   /* prefixes where only changes are recorded */
	char *watch_patterns;
	char *exclude_paths;
	/* [network] */
	bool net_enabled;     /* "enabled" */
	char *hooks;          /* list: connect bind listen accept send dns */
	bool net_unix;        /* "unix": record unix-domain sockets too */
	/* [rules] */
	char *rules_dir;      /* "dir": *.rules files; relative to the config
			       * file's directory; "" for none */
	bool rules_dir_set;   /* dir was set (config or --rules), not the
			       * default: then a missing directory is an error */
	char *sigma_dir;      /* "sigma_dir": Sigma rules (*.yml, *.yaml, in
			       * subdirectories too), as rules_dir; "" for none */
	int sequence_max;     /* partial sequence matches held (sequence.h) */
	bool allow_none;      /* recording with no enabled rule is intended:
			       * --check-config accepts it */
	/* [hash] (daemon/hasher.h) */
	bool hash_enabled;    /* "enabled": hash the files that run */
	int hash_max_size_mb; /* "max_size_mb": larger files are not hashed */
	int hash_per_second;  /* "max_per_second": files hashed per second at most */
	int hash_cache_max;   /* "cache_max": identities whose verdict is kept */
	/* [ship] (ship/ship.h): committed rows to ClickHouse */
	bool ship_enabled;    /* "enabled" */
	char *ship_url;       /* "url": http(s)://host:port of the HTTP interface */
	char *ship_database;  /* "database": the ClickHouse database */
	char *ship_user;      /* "user" */
	char *ship_password_file; /* "password_file": not world-readable; "" none */
	char *ship_ca_file;   /* "ca_file": CA bundle for https; "" the system's */
	int ship_batch_rows;  /* "batch_rows": rows per INSERT at most */
	int ship_interval_ms; /* "interval_ms": pause when caught up */
	int ship_timeout_s;   /* "timeout_s": one request's limit */
	int ship_backoff_max_s; /* "backoff_max_s": longest wait after failures */
};

/* [process] env: at most this many names of at most this many bytes (the
 * kernel's allow-list, RG_ENV_NAMES and RG_ENV_NAME_LEN in rg_abi.h). */
#define RG_CONFIG_ENV_NAMES 16
#define RG_CONFIG_ENV_NAME_MAX 31

enum rg_config_type {
	RG_CFG_INT,    /* int; min..max */
	RG_CFG_BOOL,   /* bool; true/false, yes/no, on/off, 1/0 */
	RG_CFG_STRING, /* owned char *; at most max bytes */
	RG_CFG_LIST,   /* owned char *: space-separated words; a key that is
			* repeated adds its words (lines are short) */
};

enum {
	RG_CFG_POW2 = 1 << 0,     /* RG_CFG_INT: a power of two */
	RG_CFG_NONEMPTY = 1 << 1, /* RG_CFG_STRING: not "" */
};

struct rg_config_key {
	const char *section, *name;
	enum rg_config_type type;
	size_t offset; /* into struct rg_config */
	long long min, max;
	unsigned flags;
	const char *def; /* the default, as it would be written in the file */
};

/* The table of every key, in file order; rg_config_nkeys rows. */
extern const struct rg_config_key rg_config_keys[];
extern const size_t rg_config_nkeys;

/* Fills c with the built-in defaults. c must not hold owned strings yet
 * (they would leak): call it once on a fresh struct. */
void rg_config_defaults(struct rg_config *c);

/* Reads the INI file at path over the values already in c (filled by
 * rg_config_defaults, maybe changed since). Returns 0, or 2 with c
 * unchanged and one message in err: "FILE:LINE: MESSAGE" for the first bad
 * line, or "FILE: MESSAGE" when the problem is the whole file (cannot open
 * or read it, too large). */
int rg_config_load(struct rg_config *c, const char *path, char *err, size_t errlen);

/* Same for an in-memory text; name stands for the file name in messages. */
int rg_config_load_string(struct rg_config *c, const char *name, const char *text,
			  char *err, size_t errlen);

/* Sets one key from its text form, as if it were written in the file (for
 * command-line overrides). Returns 0, or 2 with c unchanged and
 * "[SECTION] KEY: MESSAGE" (or the unknown key) in err. */
int rg_config_set(struct rg_config *c, const char *section, const char *key,
		  const char *value, char *err, size_t errlen);

/* Frees the owned strings; c may then be filled again by
 * rg_config_defaults. */
void rg_config_free(struct rg_config *c);

#endif /* RG_CONFIG_H */
