/* dns.c: the DNS wire-format parser (see dns.h). */
#include "dns.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define HDR 12
#define NAME_MAX_WIRE 255 /* RFC 1035 3.1: a name's bytes, length octets included */
#define ANSWERS_MAX 64    /* records looked at; the rest are not read */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Appends one label byte to out in presentation form. */
static size_t put_byte(char *out, size_t o, uint8_t c)
{
	bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		     (c >= '0' && c <= '9') || c == '-' || c == '_';
	if (plain) {
		out[o] = (char)c;
		return o + 1;
	}
	snprintf(out + o, 5, "\\%03u", c);
	return o + 4;
}

/* Reads the name at *off into out (RG_DNS_NAME_TEXT bytes, may be NULL to
 * skip it) and moves *off past it. A compression pointer must point
 * before itself; with the 255-byte bound on the name, that makes every
 * walk end. Returns the text's length, or -1 for a name that runs past
 * the bytes, is too long, or uses a label type other than 0 and 3. */
static long read_name(const uint8_t *p, size_t n, size_t *off, char *out)
{
	size_t at = *off, end = 0, o = 0, wire = 1;
	bool jumped = false;

	for (;;) {
		if (at >= n)
			return -1;
		uint8_t l = p[at];
		if ((l & 0xc0) == 0xc0) {
			if (at + 1 >= n)
				return -1;
			size_t to = (size_t)(l & 0x3f) << 8 | p[at + 1];
			if (to >= at)
				return -1;
			if (!jumped)
				end = at + 2;
			jumped = true;
			at = to;
			continue;
		}
		if (l & 0xc0)
			return -1; /* 0x40, 0x80: extended or reserved label types */
		if (l == 0)
			break;
		if (at + 1 + l > n || (wire += 1u + l) > NAME_MAX_WIRE)
			return -1;
		for (size_t i = 0; out && i < l; i++) {
			if (i == 0 && o)
				out[o++] = '.';
			o = put_byte(out, o, p[at + 1 + i]);
		}
		at += 1u + l;
	}
	*off = jumped ? end : at + 1;
	if (out && o == 0)
		out[o++] = '.';
	if (out)
		out[o] = '\0';
	return (long)o;
}

/* Reads one resource record at *off; keeps an A or AAAA address. */
static int read_record(const uint8_t *p, size_t n, size_t *off, struct rg_dns_msg *m)
{
	if (read_name(p, n, off, NULL) < 0 || *off + 10 > n)
		return -1;
	uint16_t type = be16(p + *off), cls = be16(p + *off + 2), rdlen = be16(p + *off + 8);
	size_t rd = *off + 10;
	if (rd + rdlen > n)
		return -1;
	*off = rd + rdlen;
	int family = type == 1 && rdlen == 4 ? AF_INET : type == 28 && rdlen == 16 ? AF_INET6 : 0;
	if (family && cls == 1 && m->naddrs < RG_DNS_ADDRS_MAX) {
		struct rg_dns_addr *a = &m->addrs[m->naddrs++];
		a->family = family;
		memcpy(a->a, p + rd, rdlen);
	}
	return 0;
}

int rg_dns_parse(const uint8_t *p, size_t n, struct rg_dns_msg *m)
{
	m->response = false;
	m->rcode = 0;
	m->has_question = false;
	m->qtype = 0;
	m->qname[0] = '\0';
	m->qname_len = 0;
	m->naddrs = 0;
	if (!p || n < HDR)
		return -1;
	m->response = p[2] & 0x80;
	m->rcode = p[3] & 0x0f;
	uint16_t qd = be16(p + 4), an = be16(p + 6);
	size_t off = HDR;
	if (qd == 0)
		return 0;
	long len = read_name(p, n, &off, m->qname);
	if (len < 0 || off + 4 > n) {
		m->qname[0] = '\0';
		return 0;
	}
	m->has_question = true;
	m->qname_len = (size_t)len;
	m->qtype = be16(p + off);
	off += 4;
	/* further questions (servers answer one) are skipped to the answers */
	for (unsigned i = 1; i < qd; i++)
		if (read_name(p, n, &off, NULL) < 0 || (off += 4) > n)
			return 0;
	for (unsigned i = 0; i < an && i < ANSWERS_MAX; i++)
		if (read_record(p, n, &off, m))
			break;
	return 0;
}

int rg_dns_parse_tcp(const uint8_t *p, size_t n, size_t max, struct rg_dns_msg *m)
{
	if (p && n >= 2 + HDR) {
		size_t want = be16(p);
		if (want == n - 2 || (n >= max && want > n - 2))
			return rg_dns_parse(p + 2, n - 2, m);
	}
	return rg_dns_parse(p, n, m);
}

const char *rg_dns_type_name(uint16_t type, char buf[RG_DNS_TYPE_TEXT])
{
	static const struct {
		uint16_t type;
		const char *name;
	} names[] = {
		{1, "A"},       {2, "NS"},     {5, "CNAME"},   {6, "SOA"},    {12, "PTR"},
		{15, "MX"},     {16, "TXT"},   {28, "AAAA"},   {33, "SRV"},   {35, "NAPTR"},
		{43, "DS"},     {48, "DNSKEY"}, {64, "SVCB"},  {65, "HTTPS"}, {252, "AXFR"},
		{255, "ANY"},   {257, "CAA"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == type)
			return names[i].name;
	snprintf(buf, RG_DNS_TYPE_TEXT, "TYPE%u", type);
	return buf;
}
