/* fuzz_qtime.c: any text as an rgq --since/--until time; what parses
 * prints and parses back to the same instant. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[200], buf[64];
	memcpy(s, data, size);
	s[size] = '\0';
	int64_t t, back;
	const int64_t now = 1793491200LL * 1000000000LL;
	/* the years it accepts, 1900 to 2200, print and parse back */
	if (!rgq_time_parse(s, now, &t, err, sizeof(err)) && t >= -2208988800LL * 1000000000LL &&
	    t < 7289654400LL * 1000000000LL) {
		rgq_time_format(t, buf, sizeof(buf));
		if (rgq_time_parse(buf, now, &back, err, sizeof(err)) || back != t)
			abort(); /* printed times must parse back exactly */
	}
	free(s);
	return 0;
}
