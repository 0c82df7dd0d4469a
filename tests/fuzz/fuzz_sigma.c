/* fuzz_sigma.c: any bytes as a Sigma rule file (the YAML reader and the
 * Sigma compiler); a rule that loads is evaluated on a few events of every
 * family. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct rg_ruleset *rs = NULL;
	if (!rg_rules_load_sigma_string(&rs, "fuzz.yml", (const char *)data, size, err,
					sizeof(err))) {
		fuzz_eval_rules(rs);
		rg_rules_free(rs);
	}
	return 0;
}
