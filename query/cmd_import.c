/* cmd_import.c: `rgq import`: runs rgq-import (query/import/), the one rgq
 * command that writes a recording. rgq itself links no store writer
 * (tests/cli/test_layers.sh): the writer lives in that program, installed
 * beside rgq. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rgq.h"

/* rgq-import next to this rgq (the build directory, or PREFIX/bin). */
static int importer(char *path, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	if ((size_t)snprintf(path, len, "%s/rgq-import", self) >= len)
		return -1;
	return access(path, X_OK);
}

int rgq_import_exec(int argc, char **argv)
{
	char path[PATH_MAX];
	if (importer(path, sizeof(path))) {
		fprintf(stderr, "rgq import: rgq-import is not installed beside rgq\n");
		return 2;
	}
	char **args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args)
		return 2;
	args[0] = path;
	for (int i = 1; i < argc; i++)
		args[i] = argv[i];
	execv(path, args);
	fprintf(stderr, "rgq import: %s: %s\n", path, strerror(errno));
	free(args);
	return 2;
}

/* Never run through the table (rgq.c hands import to rgq_import_exec
 * before a database is opened): the entry gives --help and the list. */
static int run_import(struct rgq *g, const struct rgq_command *c, const struct rgq_opts *o)
{
	(void)g, (void)o;
	return rgq_usage_error(c, "run as rgq import -o OUT.db FILE...");
}

const struct rgq_command rgq_cmd_import = {
	"import", "a recording rebuilt from the recorder's NDJSON (a shipped copy)",
	"import -o OUT.db [-c CONFIG] [--quiet] FILE.ndjson... (- for stdin)",
	"Rebuilds a recording from the recorder's NDJSON lines (e.g. the copy a log\n"
	"pipeline kept after the host's disk was lost), written by the recorder's own\n"
	"store: events, alerts, health rows and gaps with their seq and values, the\n"
	"processes and the lineage seed derived from the events. rgq and replay use it\n"
	"like a recording. Duplicate lines (same seq, same values) are stored once;\n"
	"bad lines are skipped and reported as FILE:LINE; the signed checkpoints are\n"
	"verified (signature, one key).\n"
	"OUT.db must not exist (or be empty). -c: the recorder's configuration, for\n"
	"the lineage and sequence bounds replay uses. What the NDJSON does not carry\n"
	"is listed in the summary and in docs/rgq.md. Exit status 0: every line\n"
	"imported; 1: lines skipped or rows not written; 2: usage or a refused file.\n",
	"", 0, run_import,
};
