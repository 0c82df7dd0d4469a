/* fuzz_rules.c: any text as a rules file; a set that loads is evaluated
 * on a few events of every family (twice: sequences see their steps
 * repeat, and a small state bound evicts). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[512];
	memcpy(text, data, size);
	text[size] = '\0';
	struct rg_ruleset *rs = NULL;
	if (!rg_rules_load_string(&rs, "fuzz.rules", text, err, sizeof(err))) {
		fuzz_eval_rules(rs);
		rg_rules_free(rs);
	}
	free(text);
	return 0;
}
