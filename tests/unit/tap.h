/* tap.h: a minimal TAP producer for the unit tests (one per test binary).
 *
 *   CHECK(cond, "what")           ok/not ok with the condition's text
 *   CHECK_INT(got, want, "what")  compares two integers, prints both on failure
 *   CHECK_STR(got, want, "what")  compares two C strings
 *   return tap_done();            prints the plan; exit 1 if anything failed
 *   tap_need_root("why")          for a test that needs root (see below)
 */
#ifndef RG_TAP_H
#define RG_TAP_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tap_n, tap_failed;

static inline int tap_ok(int ok, const char *what, const char *file, int line)
{
	++tap_n;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", tap_n, what);
	if (!ok) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	return ok;
}

#define CHECK(cond, what) tap_ok(!!(cond), what, __FILE__, __LINE__)
#define CHECK_INT(got, want, what)                                             \
	do {                                                                   \
		long long g_ = (long long)(got), w_ = (long long)(want);       \
		if (!tap_ok(g_ == w_, what, __FILE__, __LINE__))               \
			printf("#   got %lld, want %lld\n", g_, w_);           \
	} while (0)
#define CHECK_STR(got, want, what)                                             \
	do {                                                                   \
		const char *g_ = (got), *w_ = (want);                          \
		int same_ = g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_;         \
		if (!tap_ok(same_, what, __FILE__, __LINE__))                  \
			printf("#   got  \"%s\"\n#   want \"%s\"\n",               \
			       g_ ? g_ : "(null)", w_ ? w_ : "(null)");        \
	} while (0)

/* Returns -1 when the test runs as root; else says why it cannot run and
 * returns its exit code: 77 (ctest's skip), or 1 when RG_REQUIRE_LIVE=1
 * makes a missing prerequisite a failure (CI). */
static inline int tap_need_root(const char *why)
{
	const char *req = getenv("RG_REQUIRE_LIVE");
	bool required = req && strcmp(req, "1") == 0;

	if (geteuid() == 0)
		return -1;
	printf("%s - %s\n", required ? "not ok" : "# SKIP", why);
	return required ? 1 : 77;
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	if (tap_failed)
		printf("# %d of %d checks failed\n", tap_failed, tap_n);
	return tap_failed ? 1 : 0;
}

#endif /* RG_TAP_H */
