/* jsonesc.c: JSON string escaping with surrogateescape (see jsonesc.h). */
#include "jsonesc.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlongs,
 * no surrogates, nothing past U+10FFFF), or 0 if there is none. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xBF; /* bounds of the second byte */

	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0; /* overlong */
		else if (c == 0xED)
			hi = 0x9F; /* UTF-16 surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90; /* overlong */
		else if (c == 0xF4)
			hi = 0x8F; /* past U+10FFFF */
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

static void escape_byte(struct rg_buf *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
	if (c >= 0x80) { /* a stray byte: surrogateescape */
		u[2] = 'd';
		u[3] = 'c';
	}
	rg_buf_add(b, u, sizeof(u));
}

/* Escapes one ASCII byte that is not allowed raw in a JSON string. */
static void escape_ascii(struct rg_buf *b, unsigned char c)
{
	const char *e = NULL;
	switch (c) {
	case '"': e = "\\\""; break;
	case '\\': e = "\\\\"; break;
	case '\n': e = "\\n"; break;
	case '\r': e = "\\r"; break;
	case '\t': e = "\\t"; break;
	case '\b': e = "\\b"; break;
	case '\f': e = "\\f"; break;
	default:
		escape_byte(b, c);
		return;
	}
	rg_buf_add(b, e, 2);
}

/* The bytes that pass through as they are: printable ASCII but '"' and
 * '\\'. One load per byte: paths and names are mostly these. */
static const bool plain[256] = {
#define PL(c) ((c) >= 0x20 && (c) < 0x7f && (c) != '"' && (c) != '\\')
#define P4(c) PL(c), PL(c + 1), PL(c + 2), PL(c + 3)
#define P16(c) P4(c), P4(c + 4), P4(c + 8), P4(c + 12)
#define P64(c) P16(c), P16(c + 16), P16(c + 32), P16(c + 48)
	P64(0), P64(64), P64(128), P64(192),
#undef P64
#undef P16
#undef P4
#undef PL
};

/* Eight bytes at a time, whether any is not plain: below 0x20, '"', '\\',
 * or 0x7f and above (bit tricks exact for "any", not for "which"). Paths
 * and names are mostly plain: a word's test is cheaper than eight loads. */
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
static inline bool word_plain(uint64_t w)
{
	uint64_t q = w ^ (ONES * '"'), s = w ^ (ONES * '\\');
	uint64_t below = (w - ONES * 0x20) & ~w;
	uint64_t quote = (q - ONES) & ~q, slash = (s - ONES) & ~s;
	uint64_t above = (w + ONES * (127 - 0x7e)) | w; /* a byte above 0x7e */
	return !((below | quote | slash | above) & HIGHS);
}

void rg_json_chars(struct rg_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0; /* bytes [run, i) pass through unchanged */

	while (i < len) {
		uint64_t w;
		if (len - i >= 8 && (memcpy(&w, p + i, 8), word_plain(w))) {
			i += 8;
			continue;
		}
		unsigned char c = p[i];
		if (plain[c]) {
			i++;
			continue;
		}
		size_t n = c < 0x80 ? 0 : utf8_len(p + i, len - i);
		/* U+2028/U+2029 are E2 80 A8/A9 */
		bool sep = n == 3 && c == 0xE2 && p[i + 1] == 0x80 && (p[i + 2] & 0xFE) == 0xA8;
		if (n && !sep) {
			i += n;
			continue;
		}
		rg_buf_add(b, p + run, i - run);
		if (sep)
			rg_buf_adds(b, p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
		else if (c >= 0x80)
			escape_byte(b, c);
		else
			escape_ascii(b, c);
		i += sep ? 3 : 1;
		run = i;
	}
	rg_buf_add(b, p + run, i - run);
}

/* Whether every byte of p[0..len) passes through as it is: a word at a
 * time, the last word overlapping the one before it, so that no byte is
 * tested alone but in a string under eight bytes. */
static bool all_plain(const unsigned char *p, size_t len)
{
	uint64_t w;
	if (len < 8) {
		for (size_t i = 0; i < len; i++)
			if (!plain[p[i]])
				return false;
		return true;
	}
	for (size_t i = 0; i + 8 < len; i += 8)
		if (memcpy(&w, p + i, 8), !word_plain(w))
			return false;
	return memcpy(&w, p + len - 8, 8), word_plain(w);
}

/* Most strings (paths, names, the syscall) need no escape: they are
 * copied whole between their quotes, with one check of the room. */
void rg_json_str(struct rg_buf *b, const char *s, size_t len)
{
	if (!all_plain((const unsigned char *)s, len)) {
		rg_buf_addc(b, '"');
		rg_json_chars(b, s, len);
		rg_buf_addc(b, '"');
		return;
	}
	if (b->len + len + 3 > b->cap)
		rg_buf_grow(b, len + 2);
	char *d = b->p + b->len;
	d[0] = '"';
	if (len)
		memcpy(d + 1, s, len);
	d[len + 1] = '"';
	b->len += len + 2;
}

void rg_json_str_c(struct rg_buf *b, const char *s)
{
	rg_json_str(b, s, strlen(s));
}

void rg_json_words(struct rg_buf *b, const char *p, size_t len)
{
	size_t n = 0;
	rg_buf_addc(b, '[');
	for (size_t i = 0; p && i < len;) {
		size_t end = i;
		while (end < len && p[end] != ' ')
			end++;
		if (end > i) {
			if (n++)
				rg_buf_addc(b, ',');
			rg_json_str(b, p + i, end - i);
		}
		i = end + 1;
	}
	rg_buf_addc(b, ']');
}
