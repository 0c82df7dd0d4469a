/* fuzz_dns.c: any bytes as a DNS message, over UDP and over TCP (with or
 * without a length prefix). The parser must read only what it was given
 * (ASan), and what it gives back must hold its contract: a name text of
 * the stated length, printable, within its bound; addresses within theirs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

static void check(const struct rg_dns_msg *m)
{
	if (m->qname_len >= RG_DNS_NAME_TEXT || strlen(m->qname) != m->qname_len ||
	    m->naddrs > RG_DNS_ADDRS_MAX || (!m->has_question && m->qname_len))
		abort();
	for (size_t i = 0; i < m->qname_len; i++)
		if (m->qname[i] < 0x21 || m->qname[i] > 0x7e)
			abort(); /* presentation form: printable, no spaces */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rg_dns_msg m;
	char type[RG_DNS_TYPE_TEXT];
	/* a copy of exactly size bytes, so ASan sees a read past the end */
	uint8_t *p = malloc(size ? size : 1);
	memcpy(p, data, size);
	if (rg_dns_parse(p, size, &m) == 0) {
		check(&m);
		rg_dns_type_name(m.qtype, type);
	}
	if (rg_dns_parse_tcp(p, size, 512, &m) == 0)
		check(&m);
	free(p);
	return 0;
}
