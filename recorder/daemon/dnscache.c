/* dnscache.c: address -> name of recent DNS answers (see dnscache.h). */
#include "dnscache.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns.h"

struct slot {
	uint64_t boot_ns; /* 0: empty */
	uint8_t addr_len;
	uint16_t name_len;
	char addr[INET6_ADDRSTRLEN];
	char name[RG_DNS_NAME_TEXT];
};

struct rg_dnscache {
	struct slot slots[RG_DNSCACHE_SLOTS];
};

/* FNV-1a: addresses as text are short, and any spread will do. */
static struct slot *slot_of(const struct rg_dnscache *c, const char *a, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)a[i]) * 16777619u;
	return (struct slot *)&c->slots[h % RG_DNSCACHE_SLOTS];
}

void rg_dnscache_put(struct rg_dnscache **c, const struct rg_event *ev)
{
	const char *p = ev->dns_answers.p, *end = p + ev->dns_answers.len;
	if (!p || !ev->dns_query.p || ev->dns_query.len >= RG_DNS_NAME_TEXT)
		return;
	if (!*c && !(*c = calloc(1, sizeof(**c))))
		return;
	while (p < end) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		size_t n = (size_t)((sp ? sp : end) - p);
		if (n && n < INET6_ADDRSTRLEN) {
			struct slot *s = slot_of(*c, p, n);
			s->boot_ns = ev->boot_ns ? ev->boot_ns : 1;
			s->addr_len = (uint8_t)n;
			memcpy(s->addr, p, n);
			s->name_len = (uint16_t)ev->dns_query.len;
			memcpy(s->name, ev->dns_query.p, ev->dns_query.len);
		}
		p += n + 1;
	}
}

struct rg_str rg_dnscache_get(const struct rg_dnscache *c, struct rg_str addr, uint64_t boot_ns)
{
	static const char mapped[] = "::ffff:";
	const size_t mlen = sizeof(mapped) - 1;
	if (!c || !addr.p)
		return (struct rg_str){NULL, 0};
	if (addr.len > mlen && !strncasecmp(addr.p, mapped, mlen) &&
	    memchr(addr.p + mlen, '.', addr.len - mlen))
		addr = (struct rg_str){addr.p + mlen, addr.len - (uint32_t)mlen};
	const struct slot *s = slot_of(c, addr.p, addr.len);
	if (!s->boot_ns || s->addr_len != addr.len || memcmp(s->addr, addr.p, addr.len) ||
	    boot_ns < s->boot_ns || boot_ns - s->boot_ns > RG_DNSCACHE_AGE_NS)
		return (struct rg_str){NULL, 0};
	return (struct rg_str){s->name, s->name_len};
}

void rg_dnscache_free(struct rg_dnscache *c)
{
	free(c);
}
