/* dnscache.h: which name each address was recently resolved from.
 *
 * Host-wide, not per process: the process that asked is often not the one
 * that connects (a resolver daemon, a helper), and a connect to an address
 * that a DNS answer gave minutes ago is worth naming whoever made it. The
 * cache is direct-mapped by address and bounded (RG_DNSCACHE_SLOTS): a
 * newer answer for an address replaces the older, and two addresses that
 * share a slot evict each other, so a name is a hint of the most recent
 * answer, never a guarantee. Answers older than RG_DNSCACHE_AGE_NS are
 * not used (DNS TTLs are shorter; programs that cache longer are rare).
 */
#ifndef RG_DNSCACHE_H
#define RG_DNSCACHE_H

#include <stdint.h>

#include "event.h"

#define RG_DNSCACHE_SLOTS 1024u
#define RG_DNSCACHE_AGE_NS (3600ull * 1000000000ull)

struct rg_dnscache;

/* Notes each address of a dns_answer event (its dns_answers) as resolved
 * from its dns_query, at its boot_ns. Allocates *c on first use; an
 * allocation failure leaves the cache empty (names are then not filled). */
void rg_dnscache_put(struct rg_dnscache **c, const struct rg_event *ev);

/* The name the latest answer within RG_DNSCACHE_AGE_NS before boot_ns gave
 * for the address addr (as text; an IPv4-mapped IPv6 address is looked up
 * as its IPv4 address); p == NULL when none. Valid until the next put. */
struct rg_str rg_dnscache_get(const struct rg_dnscache *c, struct rg_str addr, uint64_t boot_ns);

void rg_dnscache_free(struct rg_dnscache *c);

#endif /* RG_DNSCACHE_H */
