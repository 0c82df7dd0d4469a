/* fuzz_listfile.c: any bytes as a list file of rule values ("@FILE",
 * rules/listfile.c), read through a rule that names it: it loads, or says
 * the list is empty or nests; every value it gives is one rule value. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules.h"
#include "rules_int.h"

static char path[64];

static void remove_list(void)
{
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char rule[256];
	char err[512];
	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/fuzz_listfile.%d", (int)getpid());
		snprintf(rule, sizeof(rule),
			 "[rule \"L\"]\nname = l\nseverity = low\nmatch = comm in @%s\n", path);
		atexit(remove_list);
	}
	FILE *f = fopen(path, "w");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);

	unsigned n;
	char *vals = rules_listfile_values((const char *)data, size, &n);
	free(vals);
	struct rg_ruleset *rs = NULL;
	int rc = rg_rules_load_string(&rs, "fuzz.rules", rule, err, sizeof(err));
	bool said = strstr(err, "has no value") || strstr(err, "do not nest");
	if (rc ? !said : !rs || rs->rules[0].steps[0].conds[0].nvals != n) {
		fprintf(stderr, "list of %u values: rc %d: %s\n", n, rc, rc ? err : "");
		abort();
	}
	rg_rules_free(rs);
	return 0;
}
