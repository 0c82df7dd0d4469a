/* test_jsonesc.c: every byte string becomes one valid JSON string on one
 * line; valid UTF-8 passes unchanged, stray bytes become \uDCXX. Also the
 * decimal integers NDJSON writes beside them (buf.c). */
#include <stdint.h>

#include "buf.h"
#include "jsonesc.h"
#include "tap.h"

/* rg_buf_add_u64 (or _i64, if sign) agrees with printf on v. */
static int int_ok(uint64_t v, int sign)
{
	char want[32];
	struct rg_buf b = {0};
	if (sign) {
		rg_buf_add_i64(&b, (int64_t)v);
		snprintf(want, sizeof(want), "%" PRId64, (int64_t)v);
	} else {
		rg_buf_add_u64(&b, v);
		snprintf(want, sizeof(want), "%" PRIu64, v);
	}
	int ok = strcmp(rg_buf_cstr(&b), want) == 0;
	rg_buf_free(&b);
	return ok;
}

static int u64_ok(uint64_t v)
{
	return int_ok(v, 0);
}

/* rg_buf_add_u64 agrees with printf on 0..9999 (every digit pair in every
 * position of a short number); both it and rg_buf_add_i64 on a spread of
 * pseudo-random 64-bit values, on every power of ten and its neighbours
 * (where the number of digits changes), and at the extremes. */
static void check_integers(void)
{
	int small = 1, spread = 1;
	for (uint64_t v = 0; v < 10000; v++)
		small &= u64_ok(v);
	CHECK(small, "0..9999 format as printf does");
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 10000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		spread &= u64_ok(x) && u64_ok(x >> (i % 64)) && int_ok(x, 1) &&
			  int_ok(x >> (i % 64), 1);
	}
	CHECK(spread, "20 000 pseudo-random values of every length format as printf does");
	int same = 1;
	uint64_t p = 1;
	for (int e = 0; e <= 19; e++, p *= 10) {
		for (int64_t d = -1; d <= 1; d++) {
			uint64_t u = p + (uint64_t)d;
			same &= u64_ok(u) && int_ok((uint64_t)-(int64_t)(u & INT64_MAX), 1);
		}
	}
	CHECK(same, "integers around every power of ten format as printf does");
	struct rg_buf b = {0};
	rg_buf_add_u64(&b, UINT64_MAX);
	rg_buf_addc(&b, ' ');
	rg_buf_add_i64(&b, INT64_MIN);
	rg_buf_addc(&b, ' ');
	rg_buf_add_u64(&b, 0);
	CHECK_STR(rg_buf_cstr(&b), "18446744073709551615 -9223372036854775808 0",
		  "UINT64_MAX, INT64_MIN and 0");
	rg_buf_free(&b);
}

static const struct {
	const char *in;
	size_t len;
	const char *want;
	const char *what;
} cases[] = {
	{"plain /usr/bin/ls", 17, "\"plain /usr/bin/ls\"", "ASCII passes"},
	{"", 0, "\"\"", "empty string"},
	{"a\"b\\c", 5, "\"a\\\"b\\\\c\"", "quote and backslash"},
	{"l1\nl2\r\t\b\f", 9, "\"l1\\nl2\\r\\t\\b\\f\"", "short escapes"},
	{"\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"", "C0 controls and DEL"},
	{"\x1b[31mred", 8, "\"\\u001b[31mred\"", "terminal escape sequence"},
	{"a\0b", 3, "\"a\\u0000b\"", "NUL byte"},
	{"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
	 "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", "valid 2-, 3-, 4-byte UTF-8"},
	{"\xe2\x80\xa8|\xe2\x80\xa9", 7, "\"\\u2028|\\u2029\"", "U+2028 and U+2029"},
	{"bad\xff", 4, "\"bad\\udcff\"", "invalid byte 0xff"},
	{"\xc3", 1, "\"\\udcc3\"", "truncated sequence at the end"},
	{"\xc3(", 2, "\"\\udcc3(\"", "lead byte without continuation"},
	{"\xc0\xaf", 2, "\"\\udcc0\\udcaf\"", "overlong '/' refused"},
	{"\xe0\x80\xaf", 3, "\"\\udce0\\udc80\\udcaf\"", "overlong 3-byte refused"},
	{"\xed\xa0\x80", 3, "\"\\udced\\udca0\\udc80\"", "encoded surrogate refused"},
	{"\xf4\x90\x80\x80", 4, "\"\\udcf4\\udc90\\udc80\\udc80\"", "beyond U+10FFFF refused"},
	{"\x80x", 2, "\"\\udc80x\"", "lone continuation byte"},
};

/* t[0..len) escaped by rg_json_chars is as wanted, and rg_json_str
 * quotes just that. */
static int escaped_ok(const char *t, size_t len, const struct rg_buf *want)
{
	struct rg_buf got = {0}, str = {0}, quoted = {0};
	rg_json_chars(&got, t, len);
	rg_json_str(&str, t, len);
	rg_buf_addc(&quoted, '"');
	rg_buf_add(&quoted, got.p, got.len);
	rg_buf_addc(&quoted, '"');
	/* an empty buffer's p may be NULL: memcmp only what there is */
	int ok = got.len == want->len && (!got.len || !memcmp(got.p, want->p, got.len)) &&
		 str.len == quoted.len && (!str.len || !memcmp(str.p, quoted.p, str.len));
	rg_buf_free(&got);
	rg_buf_free(&str);
	rg_buf_free(&quoted);
	return ok;
}

/* Plain text is tested eight bytes at a time (rg_json_chars) and a word at
 * a time with the last word overlapping (rg_json_str): each byte value, at
 * each position of a plain text of each length up to 20 (under a word, in
 * the first, middle or last word, in the overlap), comes out as it does
 * alone. Beside ASCII a byte >= 0x80 is a stray byte either way. */
static void check_words(void)
{
	const char text[] = "abcdefghij/KLMNOP.qrs";
	int same = 1;
	for (int c = 0; c < 256; c++) {
		char in = (char)c;
		struct rg_buf alone = {0};
		rg_json_chars(&alone, &in, 1);
		for (size_t len = 1; len <= 20; len++)
			for (size_t at = 0; at < len; at++) {
				char t[20];
				memcpy(t, text, len);
				t[at] = in;
				struct rg_buf want = {0};
				rg_buf_add(&want, t, at);
				rg_buf_add(&want, alone.p, alone.len);
				rg_buf_add(&want, t + at + 1, len - at - 1);
				same &= escaped_ok(t, len, &want);
				rg_buf_free(&want);
			}
		rg_buf_free(&alone);
	}
	struct rg_buf plain = {0};
	rg_buf_add(&plain, text, 20);
	same &= escaped_ok(text, 20, &plain) && escaped_ok(text, 0, &(struct rg_buf){0});
	rg_buf_free(&plain);
	CHECK(same, "every byte value at every position of a longer text: escaped as alone");
}

int main(void)
{
	check_integers();
	check_words();
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rg_buf b = {0};
		rg_json_str(&b, cases[i].in, cases[i].len);
		CHECK_STR(rg_buf_cstr(&b), cases[i].want, cases[i].what);
		rg_buf_free(&b);
	}

	/* Every single byte value: the output never holds a raw control,
	 * newline or non-ASCII byte (a lone byte is never valid UTF-8 >= 0x80). */
	int clean = 1;
	for (int c = 0; c < 256; c++) {
		char in = (char)c;
		struct rg_buf b = {0};
		rg_json_str(&b, &in, 1);
		for (size_t k = 0; k < b.len; k++) {
			unsigned char o = (unsigned char)b.p[k];
			clean &= o >= 0x20 && o < 0x7f;
		}
		rg_buf_free(&b);
	}
	CHECK(clean, "all 256 single bytes give printable ASCII only");

	struct rg_buf b = {0};
	rg_json_str_c(&b, "x");
	rg_json_chars(&b, "\n", 1);
	CHECK_STR(rg_buf_cstr(&b), "\"x\"\\n", "rg_json_chars adds no quotes");
	rg_buf_free(&b);
	return tap_done();
}
