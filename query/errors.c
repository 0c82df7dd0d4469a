/* errors.c: how rgq's commands report an error (rgq.h), apart from rgq's
 * main (rgq.c) so that tests that run a command link them too. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "out.h"
#include "rgq.h"

int rgq_usage_error(const struct rgq_command *c, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "rgq %s: ", c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (rgq %s --help)\n", c->name);
	return 2;
}

/* The message is shown as a table shows text: SQLite's errors quote the
 * names of the database, which a crafted file chooses. */
int rgq_fail(const struct rgq_command *c, const char *fmt, ...)
{
	char msg[1024];
	struct rg_buf b = {0};
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rgq_visible(&b, msg, strlen(msg));
	fprintf(stderr, "rgq %s: %s\n", c->name, rg_buf_cstr(&b));
	rg_buf_free(&b);
	return 1;
}

sqlite3_stmt *rgq_prepare(struct rgq *g, const struct rgq_command *c, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(g->db, sql, -1, &st, NULL) != SQLITE_OK) {
		rgq_fail(c, "%s", sqlite3_errmsg(g->db));
		return NULL;
	}
	return st;
}
