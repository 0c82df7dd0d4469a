/* fuzz_import.c: any bytes as a line of `rgq import` (query/import/line.h).
 * Never a crash or a leak; and what it takes, written again by the
 * recorder's own NDJSON formatter, reads back to the same thing: the line
 * formatted from the reread parse is the one formatted from the first. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "line.h"
#include "ndjson.h"

static void format(struct rg_buf *b, const struct rgi_line *l)
{
	static struct rg_ndjson_fmt f; /* native, no host: zeroed is not enough */
	static bool ready;
	if (!ready) {
		rg_ndjson_fmt_init(&f, NULL);
		ready = true;
	}
	switch (l->kind) {
	case RGI_EVENT: rg_ndjson_format_event(&f, b, &l->ev); break;
	case RGI_ALERT: rg_ndjson_format_alert(&f, b, &l->a, l->has_ev ? &l->ev : NULL); break;
	case RGI_HEALTH: rg_ndjson_format_health(&f, b, &l->h); break;
	case RGI_GAP: rg_ndjson_format_gap(&f, b, &l->g); break;
	default: break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rgi_parser *p;
	if (!p)
		p = rgi_parser_new();
	struct rgi_line l;
	char why[256];
	if (rgi_parse(p, (const char *)data, size, &l, why, sizeof(why)))
		return 0;
	struct rg_buf once = {0}, twice = {0};
	format(&once, &l);
	if (once.len) {
		char *copy = malloc(once.len); /* the parser's strings go with the next parse */
		memcpy(copy, once.p, once.len);
		size_t n = once.len - 1; /* without its newline */
		if (rgi_parse(p, copy, n, &l, why, sizeof(why)))
			abort(); /* the writer's own line must read */
		format(&twice, &l);
		if (twice.len != once.len || memcmp(twice.p, copy, once.len))
			abort(); /* and read back to the same values */
		free(copy);
	}
	rg_buf_free(&once);
	rg_buf_free(&twice);
	return 0;
}
