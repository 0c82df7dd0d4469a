/* test_schema.c: one name per fact. Every registry field of an event
 * table's types is a column of that table, every health counter is a
 * column of `health`, and docs/schema.md lists exactly the columns the
 * schema creates, table by table, and names the current schema version. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fields.h"
#include "health.h"
#include "schema.h"
#include "store.h"
#include "tap.h"

#define MAX_COLS 1024

struct col {
	char table[64], name[64];
};

static struct col db_cols[MAX_COLS], doc_cols[MAX_COLS];
static int n_db, n_doc;
static int doc_version = -1; /* the "(currently N" of docs/schema.md */

static int has(const struct col *cols, int n, const char *table, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(cols[i].table, table) && !strcmp(cols[i].name, name))
			return 1;
	return 0;
}

static void load_db(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	sqlite3_prepare_v2(db, "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p "
			       "WHERE m.type = 'table' OR m.name IN ('process_events', 'file_events', "
			       "'network_events') "
			       "ORDER BY m.name, p.cid", -1, &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW && n_db < MAX_COLS) {
		snprintf(db_cols[n_db].table, 64, "%s", sqlite3_column_text(st, 0));
		snprintf(db_cols[n_db].name, 64, "%s", sqlite3_column_text(st, 1));
		n_db++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* "## `table`" starts a table; "| `column` |" is a column of it; another
 * "## " heading (NDJSON, queries) ends it. */
static int load_doc(const char *path)
{
	char line[1024], table[64] = "";
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && n_doc < MAX_COLS) {
		char name[64];
		const char *cur = strstr(line, "(currently ");
		if (cur && doc_version < 0)
			sscanf(cur, "(currently %d", &doc_version);
		if (sscanf(line, "## `%63[^`]`", name) == 1)
			snprintf(table, sizeof(table), "%s", name);
		else if (!strncmp(line, "## ", 3))
			table[0] = '\0';
		else if (table[0] && sscanf(line, "| `%63[^`]` |", name) == 1) {
			snprintf(doc_cols[n_doc].table, 64, "%s", table);
			snprintf(doc_cols[n_doc].name, 64, "%s", name);
			n_doc++;
		}
	}
	fclose(f);
	return 0;
}

static void check_registry(void)
{
	static const struct {
		const char *table;
		rg_etmask types;
	} tables[] = {{"process_events", RG_ET_PROCESS_MASK},
		      {"file_events", RG_ET_FILE_MASK},
		      {"network_events", RG_ET_NET_MASK}};
	char what[160];
	for (unsigned t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (unsigned i = 0; i < rg_nfields; i++) {
			if (!(rg_fields[i].types & tables[t].types))
				continue;
			snprintf(what, sizeof(what), "field %s is a column of %s", rg_fields[i].name,
				 tables[t].table);
			CHECK(has(db_cols, n_db, tables[t].table, rg_fields[i].name), what);
		}
	unsigned long longest = 0;
	for (unsigned i = 0; i < rg_nfields; i++)
		if (strlen(rg_fields[i].name) > longest)
			longest = strlen(rg_fields[i].name);
	CHECK(longest <= RG_FIELD_NAME_MAX, "every field name fits RG_FIELD_NAME_MAX");
#define RG_HEALTH_CHECK(name, kind, w)                                              \
	CHECK(has(db_cols, n_db, "health", #name), "health counter " #name " is a column");
	RG_HEALTH_FIELDS(RG_HEALTH_CHECK)
#undef RG_HEALTH_CHECK
	/* and nothing in health that the counters list does not name */
	int extra = 0;
	for (int i = 0; i < n_db; i++) {
		if (strcmp(db_cols[i].table, "health"))
			continue;
		const char *c = db_cols[i].name;
		int known = !strcmp(c, "seq") || !strcmp(c, "ts_ns") || !strcmp(c, "run_id");
#define RG_HEALTH_KNOWN(name, kind, w) known |= !strcmp(c, #name);
		RG_HEALTH_FIELDS(RG_HEALTH_KNOWN)
#undef RG_HEALTH_KNOWN
		extra += !known;
	}
	CHECK_INT(extra, 0, "health has no column the counter list lacks");
}

static void check_doc(void)
{
	char what[160];
	for (int i = 0; i < n_db; i++) {
		snprintf(what, sizeof(what), "docs/schema.md lists %.63s.%.63s", db_cols[i].table,
			 db_cols[i].name);
		CHECK(has(doc_cols, n_doc, db_cols[i].table, db_cols[i].name), what);
	}
	for (int i = 0; i < n_doc; i++) {
		snprintf(what, sizeof(what), "documented %.63s.%.63s exists", doc_cols[i].table,
			 doc_cols[i].name);
		CHECK(has(db_cols, n_db, doc_cols[i].table, doc_cols[i].name), what);
	}
}

int main(void)
{
	char path[] = "/tmp/rg-schema.XXXXXX", err[256], doc[4096];
	const char *src = getenv("RG_SOURCE_DIR");
	int fd = mkstemp(path);
	if (fd < 0 || !src)
		return printf("not ok 1 - needs RG_SOURCE_DIR and /tmp\n"), 1;
	close(fd);
	unlink(path); /* the store creates it */
	struct rg_store_opts o = {10, 10, 1024};
	struct rg_store *s = rg_store_open(path, &o, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, "create a database"))
		return tap_done();
	rg_store_close(s, 0);
	load_db(path);
	snprintf(doc, sizeof(doc), "%s/docs/schema.md", src);
	CHECK(load_doc(doc) == 0 && n_doc > 0, "read docs/schema.md");
	CHECK(n_db > 0, "read the schema's columns");
	check_registry();
	check_doc();
	CHECK_INT(doc_version, rg_schema_files[rg_nschema_files - 1].version,
		  "docs/schema.md names the newest schema file's number as user_version");
	/* a read-only connection leaves the WAL and its index behind */
	static const char *const sfx[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		char p[sizeof(path) + 4];
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		unlink(p);
	}
	return tap_done();
}
