/* test_ship.c: the shipper's parts that need no server (ship.h): the
 * backoff's waits, the destination's name never carries credentials, and
 * the central DDL is whole. The HTTP side runs over https against an
 * endpoint of test_ship_tls.c's own, and against a real ClickHouse in
 * tests/live/test_ship.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ship.h"
#include "tap.h"

static const char *dest(const char *url)
{
	static char out[256];
	rg_ship_dest_name(url, "rand_guard", out, sizeof(out));
	return out;
}

static void test_dest_name(void)
{
	CHECK_STR(dest("http://ch:8123"), "http://ch:8123 rand_guard", "a plain URL is the name");
	CHECK_STR(dest("https://rg:s3cret@ch.example:8443"), "https://ch.example:8443 rand_guard",
		  "user and password in the URL are no part of the name (it is stored in the db)");
	CHECK_STR(dest("http://u@ch:8123/"), "http://ch:8123/ rand_guard", "nor a user alone");
	CHECK_STR(dest("http://ch:8123/a@b"), "http://ch:8123/a@b rand_guard",
		  "an @ in the path is not a user");
}

static void test_schema(void)
{
	char err[256], *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	CHECK_INT(rg_ship_schema(f, "fleet", err, sizeof(err)), 0, "the DDL is made");
	fclose(f);
	static const char *const tables[] = {"process_events", "file_events", "network_events",
					     "system_events", "alerts", "health", "processes",
					     "runs", "gaps"};
	int found = 0;
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		char want[96];
		snprintf(want, sizeof(want), "CREATE TABLE IF NOT EXISTS fleet.%s\n", tables[i]);
		found += text && strstr(text, want) != NULL;
	}
	CHECK_INT(found, 9, "every shipped table, in the named database");
	CHECK(text && strstr(text, "    ship_lag_rows Int64,\n"), "health has the shipping facts");
	CHECK(text && strstr(text, "ENGINE = ReplacingMergeTree(ship_rev)\nORDER BY (host, boot_id, "
				   "proc_id)"), "processes keep their latest revision per host and proc_id");
	free(text);
}

/* The waits of a run of passes: "f" failed, "s" succeeded; each wait
 * in ms, space-separated. */
static const char *waits(const char *passes, int interval_ms, int backoff_max_s)
{
	static char out[512];
	int64_t state = 0;
	size_t len = 0;
	out[0] = '\0';
	for (const char *p = passes; *p; p++)
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%lld", p == passes ? "" : " ",
					(long long)rg_ship_backoff_ms(&state, *p == 'f', interval_ms,
								      backoff_max_s));
	return out;
}

static void test_backoff(void)
{
	CHECK_STR(waits("fffffff", 200, 5), "200 400 800 1600 3200 5000 5000",
		  "failures: interval_ms, doubling, held at backoff_max_s");
	CHECK_STR(waits("fffsff", 200, 5), "200 400 800 0 200 400",
		  "a success waits no backoff, and the next failure starts from interval_ms again");
	CHECK_STR(waits("ffsfsf", 1000, 60), "1000 2000 0 1000 0 1000",
		  "the defaults; every success starts over");
	CHECK_STR(waits("fff", 5000, 2), "2000 2000 2000",
		  "an interval_ms above backoff_max_s: the cap from the first failure");
	/* a long outage: the doubling must not overflow past the cap */
	int64_t state = 0, w = 0;
	for (int i = 0; i < 100; i++)
		w = rg_ship_backoff_ms(&state, true, 10, 3600);
	CHECK_INT(w, 3600000, "a hundred failures in a row: still the cap, no overflow");
}

int main(void)
{
	test_backoff();
	test_dest_name();
	test_schema();
	return tap_done();
}
