/* test_summary.c: the line the recorder says when it stops: time run,
 * events, alerts and drops from its last health row, and rows or lines it
 * failed to write only when there were some. */
#include "pipeline.h"
#include "tap.h"

#define S 1000000000ll

static const char *summary(struct rg_pipeline *p)
{
	static char buf[256];
	rg_pipeline_summary(p, buf, sizeof(buf));
	return buf;
}

int main(void)
{
	struct rg_pipeline p;
	rg_pipeline_init(&p, NULL, NULL, NULL, 4, 1, 100 * S);
	p.events = 15234;
	p.last_health = (struct rg_health){.seq = 9, .ts_ns = 112 * S + 340000000, .alerts = 3,
					   .kernel_drops = 5, .user_drops = 2};
	CHECK_STR(summary(&p), "rand-guard: stopped after 12.3 s (run 4): 15234 events, 3 alerts, "
		  "7 dropped (kernel 5, userspace 2)", "seconds, events, alerts, drops");
	p.last_health.ts_ns = (100 + 14 * 60 + 5) * S;
	p.last_health.store_failures = 11;
	CHECK_STR(summary(&p), "rand-guard: stopped after 14 min 05 s (run 4): 15234 events, "
		  "3 alerts, 7 dropped (kernel 5, userspace 2), 11 rows not stored",
		  "minutes; store failures said when there are some");
	p.last_health.ts_ns = (100 + 2 * 3600 + 7 * 60 + 59) * S;
	p.last_health.ndjson_failures = 1;
	CHECK_STR(summary(&p), "rand-guard: stopped after 2 h 07 min (run 4): 15234 events, "
		  "3 alerts, 7 dropped (kernel 5, userspace 2), 11 rows not stored, "
		  "1 NDJSON lines not written", "hours; NDJSON failures too");
	char small[40];
	rg_pipeline_summary(&p, small, sizeof(small));
	CHECK(strlen(small) == sizeof(small) - 1, "a short buffer is cut, not overrun");
	rg_pipeline_free(&p);
	return tap_done();
}
