/* fuzz_shipped.c: any bytes as a line of the recorder's NDJSON given to
 * `rgq verify --checkpoints` (query/verify_sign.h): a file from a log
 * pipeline, which anyone on the way may have written. The parser never
 * reads past the line, and a checkpoint it accepts, written again by the
 * recorder's formatter, parses to the same values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ndjson.h"
#include "verify_sign.h"

/* errors.c's, silent here: a refused line is the common case (verify_sign.c
 * calls them; the harness's own come first, so errors.c is not linked) */
int rgq_usage_error(const struct rgq_command *c, const char *fmt, ...)
{
	(void)c, (void)fmt;
	return 2;
}

int rgq_fail(const struct rgq_command *c, const char *fmt, ...)
{
	(void)c, (void)fmt;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	memcpy(line, data, size);
	line[size] = '\0';
	struct rg_checkpoint a, b;
	bool host;
	bool plain = true; /* a host JSON carries exactly: printable ASCII (cJSON refuses \udcXX) */
	if (rgq_shipped_parse(line, &a, &host) == 0) {
		for (const char *h = a.host; *h; h++)
			plain = plain && *h >= 0x20 && *h < 0x7f;
	}
	if (plain && rgq_shipped_parse(line, &a, &host) == 0) {
		struct rg_buf out = {0};
		struct rg_ndjson_fmt f;
		rg_ndjson_fmt_init(&f, &(struct rg_ndjson_opts){host ? a.host : NULL, NULL,
								RG_NDJSON_NATIVE});
		rg_ndjson_format_checkpoint(&f, &out, &a);
		bool had = host;
		if (rgq_shipped_parse(rg_buf_cstr(&out), &b, &host) != 0 || host != had ||
		    (had && strcmp(a.host, b.host)) ||
		    a.link != b.link || a.run_id != b.run_id || a.ts_ns != b.ts_ns ||
		    memcmp(a.head, b.head, sizeof(a.head)) || memcmp(a.pk, b.pk, sizeof(a.pk)) ||
		    memcmp(a.sig, b.sig, sizeof(a.sig)) || strcmp(a.fpr, b.fpr))
			abort();
		rg_buf_free(&out);
		rg_ndjson_fmt_free(&f);
	}
	free(line);
	return 0;
}
