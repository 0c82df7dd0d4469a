/* rg-case: a rule case's events (tests/lib/cases.h) as a recording, so
 * that `rgq replay` runs the same cases as tests/unit/test_cases.c.
 *
 *   rg-case --db OUT.db CASE_DIR
 *
 * The events go through the recorder's pipeline into the store, without
 * rules (replay brings its own), as one run starting at seq 1. Exit 2 with
 * FILE:LINE when the case is malformed.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cases.h"
#include "lineage.h"
#include "pipeline.h"
#include "sequence.h"

static int record(const struct rg_case *c, const char *db)
{
	char err[512];
	struct rg_store_opts so = {5000, 200, 1 << 20};
	struct rg_store *store = rg_store_open(db, &so, err, sizeof(err), NULL);
	if (!store) {
		fprintf(stderr, "rg-case: %s\n", err);
		return 1;
	}
	struct rg_pipeline pl;
	struct rg_proctab *pt = rg_proctab_new(1024, 1, 10000000);
	int64_t start = c->nev ? c->ev[0].ts_ns : RG_CASE_T0;
	int64_t run = rg_store_begin_run(store, "case-host", "case-boot", RG_VERSION, start, 1,
					 RG_CASE_LINEAGE_MAX, RG_SEQUENCE_MAX_DEFAULT);
	rg_pipeline_init(&pl, pt, NULL, store, run, 1, start);
	for (unsigned i = 0; i < c->nev; i++) {
		struct rg_event ev = c->ev[i];
		rg_pipeline_event(&pl, &ev);
	}
	rg_store_close(store, c->nev ? c->ev[c->nev - 1].ts_ns : start);
	rg_pipeline_free(&pl);
	rg_proctab_free(pt);
	return 0;
}

int main(int argc, char **argv)
{
	struct stat sb;
	if (argc != 4 || strcmp(argv[1], "--db") != 0) {
		fprintf(stderr, "usage: rg-case --db OUT.db CASE_DIR\n");
		return 2;
	}
	if (stat(argv[2], &sb) == 0) {
		fprintf(stderr, "rg-case: %s exists\n", argv[2]);
		return 2;
	}
	char err[1024];
	struct rg_case c;
	if (rg_case_load(&c, argv[3], err, sizeof(err))) {
		fprintf(stderr, "rg-case: %s\n", err);
		return 2;
	}
	int rc = record(&c, argv[2]);
	rg_case_free(&c);
	return rc;
}
