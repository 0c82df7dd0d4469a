/* cmd_binaries.c: `rgq binaries`, the files that ran and their hashes
 * (the binaries view of schema/020_scripts_mounts.sql). */
#include "buf.h"
#include "rgq.h"

static int run_binaries(struct rgq *g, const struct rgq_command *c, const struct rgq_opts *o)
{
	struct rg_buf b = {0};
	rg_buf_adds(&b, "SELECT rg_time(first_seen) AS first_seen, rg_time(last_seen) AS last_seen, "
			"execs, status, sha256, size, paths, kind FROM binaries WHERE 1");
	/* a file that ran within the range: its runs overlap it */
	if (o->since != INT64_MIN)
		rg_buf_adds(&b, " AND last_seen >= :since");
	if (o->until != INT64_MAX)
		rg_buf_adds(&b, " AND first_seen <= :until");
	rg_buf_adds(&b, " ORDER BY first_seen, hashed_seq LIMIT :limit");
	return rgq_query(g, c, &b, o);
}

const struct rgq_command rgq_cmd_binaries = {
	"binaries", "the files that ran, each once, with their SHA-256",
	"binaries [--since TIME] [--until TIME] [--limit N]",
	"One row per file identity the recorder hashed (device, inode, size, change\n"
	"time), in the order they first ran: first_seen, last_seen, execs, status\n"
	"(ok, or why there is no hash: gone, changed, too_large, error; by_path for\n"
	"a script named to its interpreter), sha256, size, paths (the paths it ran\n"
	"under), kind (exe, or script: a script's own file). A range keeps the\n"
	"files that ran in it. Execs over budget are not here: rgq sql \"SELECT * FROM exec_hashes\"\n"
	"lists every exec with its hash (docs/schema.md, Executable hashes).\n",
	"SUn", 0, run_binaries,
};
