/* text.c: the texts one event's conditions compare, each made once per
 * event however many conditions read it: a command line joined from argv,
 * a text folded to lower case (nocase), and a text's trigram set (the
 * contains filter). Sigma rules read the same few fields dozens of times
 * an event, alternating between them, so one buffer each would be rebuilt
 * at every switch: a few slots keyed by where the text came from keep them.
 *
 * The slots are one thread's (rule evaluation is one thread's: the
 * recorder's, or rgq's), reused across events; rules_text_reset makes the
 * previous event's stale, since a new event's text may sit at the same
 * address. A slot is taken round robin: a test makes at most two (a joined
 * line and its folded copy), so the text a test holds is never the one
 * taken. */
#include "rules_int.h"

#include <string.h>

#define SLOTS 8
#define GRAM_WORDS 64 /* 4096 bits: few false maybes for a text of hundreds of bytes */

enum kind { K_RAW, K_JOIN, K_FOLD, K_JOIN_FOLD };

struct slot {
	const char *src; /* where the text came from: a string, or argv */
	size_t srclen;
	enum kind kind;
	struct rg_buf buf; /* K_JOIN, K_FOLD, K_JOIN_FOLD: the text */
	bool has_grams;
	uint64_t grams[GRAM_WORDS];
};

static __thread struct {
	unsigned used; /* slots taken this event (at most SLOTS): the last ones before next */
	unsigned next;
	struct slot s[SLOTS];
} tx;

void rules_text_reset(void)
{
	tx.used = 0;
}

/* The slot of (src, kind) this event, or a fresh one (*fresh set). Only
 * the slots this event took are looked at, newest first: most texts are
 * asked for first early in an event, when few are taken. */
static struct slot *slot_of(const char *src, size_t srclen, enum kind kind, bool *fresh)
{
	for (unsigned j = 1; j <= tx.used; j++) {
		struct slot *s = &tx.s[(tx.next - j) % SLOTS];
		if (s->src == src && s->srclen == srclen && s->kind == kind) {
			*fresh = false;
			return s;
		}
	}
	tx.used += tx.used < SLOTS;
	struct slot *s = &tx.s[tx.next++ % SLOTS];
	s->src = src;
	s->srclen = srclen;
	s->kind = kind;
	s->buf.len = 0;
	s->has_grams = false;
	*fresh = true;
	return s;
}

static struct rg_str text_of(const struct slot *s)
{
	if (s->kind == K_RAW)
		return (struct rg_str){s->src, (uint32_t)s->srclen};
	return (struct rg_str){s->buf.p ? s->buf.p : "", (uint32_t)s->buf.len};
}

struct rg_str rules_text_joined(struct rg_str argv)
{
	bool fresh;
	struct slot *s = slot_of(argv.p, argv.len, K_JOIN, &fresh);
	if (fresh)
		rg_buf_add_cmdline(&s->buf, argv);
	return text_of(s);
}

/* Copies n bytes from src to dst lowercased (ASCII), eight at a time: a byte is
 * upper case when its low seven bits are past '@' and not past 'Z' and its
 * top bit is clear; no sum carries into the next byte. Every event's
 * case-blind fields pass through here. */
static inline uint64_t fold_mask(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull, top = ones * 0x80;
	uint64_t low = w & ~top;
	uint64_t upper = (low + ones * (0x80 - 'A')) & ~(low + ones * (0x7f - 'Z')) & ~w & top;
	return upper >> 2; /* 0x20 in each upper-case byte */
}

static void fold_ascii(char *dst, const char *src, size_t n)
{
	uint64_t w;
	size_t k = 0;
	for (; k + 8 <= n; k += 8) {
		memcpy(&w, src + k, 8);
		w |= fold_mask(w);
		memcpy(dst + k, &w, 8);
	}
	if (k < n && n >= 8) { /* the tail: the last word, folding some bytes again (no harm) */
		memcpy(&w, src + n - 8, 8);
		w |= fold_mask(w);
		memcpy(dst + n - 8, &w, 8);
		return;
	}
	for (; k < n; k++)
		dst[k] = src[k] >= 'A' && src[k] <= 'Z' ? (char)(src[k] | 0x20) : src[k];
}

/* The slot of v's text, folded or as it is. */
static struct slot *slot_of_val(const struct val *v, bool folded)
{
	bool fresh;
	enum kind kind = folded ? (v->joined ? K_JOIN_FOLD : K_FOLD) : v->joined ? K_JOIN : K_RAW;
	struct slot *s = slot_of(v->src, v->srclen, kind, &fresh);
	if (fresh && kind == K_JOIN) /* evicted since: join again */
		rg_buf_add_cmdline(&s->buf, (struct rg_str){v->src, (uint32_t)v->srclen});
	if (fresh && folded) {
		if (s->buf.len + v->n + 1 > s->buf.cap)
			rg_buf_grow(&s->buf, v->n);
		fold_ascii(s->buf.p + s->buf.len, v->p, v->n);
		s->buf.len += v->n;
	}
	return s;
}

struct rg_str rules_text_folded(const struct val *v)
{
	return text_of(slot_of_val(v, true));
}

const uint64_t *rules_text_grams(const struct val *v, bool folded)
{
	struct slot *s = slot_of_val(v, folded);
	if (!s->has_grams) {
		struct rg_str t = text_of(s);
		memset(s->grams, 0, sizeof(s->grams));
		for (uint32_t i = 0; i + RULES_GRAM_MIN <= t.len; i++) {
			unsigned g = rules_gram(t.p + i) % (GRAM_WORDS * 64);
			s->grams[g / 64] |= 1ull << (g % 64);
		}
		s->has_grams = true;
	}
	return s->grams;
}

bool rules_text_has_gram(const uint64_t *grams, uint16_t g)
{
	unsigned b = g % (GRAM_WORDS * 64);
	return grams[b / 64] & (1ull << (b % 64));
}
