/* dns.h: the DNS wire format (RFC 1035), read from untrusted bytes.
 *
 * The kernel hands the recorder the first bytes of every message sent to
 * or received from port 53 (bpf/dns.bpf.h), which may be anything: a
 * truncated message, a tunnel, a hostile answer crafted to loop a naive
 * name decompressor. This parser reads the header, the first question and
 * the A/AAAA records of the answer section, never past the bytes it was
 * given, and follows compression pointers only backwards.
 */
#ifndef RG_DNS_H
#define RG_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A name as text: at most 255 bytes on the wire, each of which may take
 * four characters (\DDD). */
#define RG_DNS_NAME_TEXT 1024
#define RG_DNS_ADDRS_MAX 16 /* addresses kept of one answer */
#define RG_DNS_TYPE_TEXT 12 /* "TYPE65535" */

struct rg_dns_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t a[16];
};

struct rg_dns_msg {
	bool response;   /* the header's QR bit */
	uint8_t rcode;   /* the header's RCODE (0: no error, 3: no such name) */
	bool has_question;
	uint16_t qtype;
	/* the first question's name in presentation form: labels joined by
	 * '.', "." for the root; bytes other than letters, digits, '-' and '_'
	 * as \DDD (decimal), so the text is printable and unambiguous */
	char qname[RG_DNS_NAME_TEXT];
	size_t qname_len;
	unsigned naddrs; /* A and AAAA records of the answer section, in order */
	struct rg_dns_addr addrs[RG_DNS_ADDRS_MAX];
};

/* Parses the n bytes at p into m. Returns 0 when they hold a header (12
 * bytes); m->has_question says whether a first question could be read,
 * and the answers are those read before the first record that could not
 * be (the bytes may be cut short). -1 when p is shorter than a header. */
int rg_dns_parse(const uint8_t *p, size_t n, struct rg_dns_msg *m);

/* rg_dns_parse for a message as a TCP stream carries it: behind a 2-byte
 * length prefix when the bytes start with one that matches (or, when they
 * were cut at max bytes, exceeds) what follows; else as bare bytes (a
 * prefix the caller sent on its own). */
int rg_dns_parse_tcp(const uint8_t *p, size_t n, size_t max, struct rg_dns_msg *m);

/* The mnemonic of a record type ("A", "AAAA", ...) or "TYPEn" (RFC 3597)
 * in buf. */
const char *rg_dns_type_name(uint16_t type, char buf[RG_DNS_TYPE_TEXT]);

#endif /* RG_DNS_H */
