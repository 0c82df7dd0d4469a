/* fuzz_config.c: any text as the configuration file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[512];
	memcpy(text, data, size);
	text[size] = '\0';
	struct rg_config c;
	rg_config_defaults(&c);
	rg_config_load_string(&c, "fuzz.ini", text, err, sizeof(err));
	rg_config_free(&c);
	free(text);
	return 0;
}
