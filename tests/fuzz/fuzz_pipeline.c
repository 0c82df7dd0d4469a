/* fuzz_pipeline.c: raw ring-buffer records, as an attacker-influenced
 * kernel stream could deliver them, through the whole userspace path:
 * decode, process table, lineage, the shipped rules and NDJSON (to
 * /dev/null). The input is a sequence of records, each prefixed by its
 * 16-bit length, so sequences (fork, exec, exit, pid reuse) are reached. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lineage.h"
#include "pipeline.h"
#include "rules.h"

static struct rg_ruleset *rules;
static struct rg_ndjson *nd;

static void setup(void)
{
	char err[512];
	const char *src = getenv("RG_SOURCE_DIR");
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/config/rules.d", src ? src : RG_SOURCE_DIR_DEFAULT);
	struct rg_rules_source s = {dir, false, true};
	if (rg_rules_load(&rules, &s, 1, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	nd = rg_ndjson_open("/dev/null", NULL, err, sizeof(err), NULL);
	if (!nd)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rules)
		setup();
	struct rg_proctab *pt = rg_proctab_new(256, 1, 10000000);
	struct rg_lineage *lin = rg_lineage_new(256);
	struct rg_seqstate *sq = rg_seqstate_new(16);
	struct rg_pipeline p;
	rg_pipeline_init(&p, pt, nd, NULL, 1, 1, 0);
	p.rules = rules;
	p.lin = lin;
	p.seqs = sq;
	while (size >= 2) {
		size_t n = (size_t)data[0] | (size_t)data[1] << 8;
		data += 2;
		size -= 2;
		if (n > size)
			n = size;
		/* a private, exactly sized copy: ASan sees any read past the record */
		void *rec = malloc(n ? n : 1);
		memcpy(rec, data, n);
		rg_pipeline_record(&p, rec, n);
		free(rec);
		data += n;
		size -= n;
	}
	rg_pipeline_free(&p);
	rg_lineage_free(lin);
	rg_seqstate_free(sq);
	rg_proctab_free(pt);
	return 0;
}
