/* test_dns.c: the DNS wire-format parser (core/dns.c) on a table of
 * messages, well-formed and not: what it reads, and that it reads nothing
 * it was not given (run under ASan by scripts/fuzz's build as well). */
#include <arpa/inet.h>

#include "dns.h"
#include "tap.h"

/* Headers: id 0x1234; a query (RD) or a response (QR RD RA, rcode in the
 * last nibble); then qdcount and ancount. */
#define Q1 "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
#define R(an) "\x12\x34\x81\x80\x00\x01\x00" an "\x00\x00\x00\x00"
#define EXAMPLE "\x07" "example\x03" "com\x00"
#define A_IN "\x00\x01\x00\x01"
#define AAAA_IN "\x00\x1c\x00\x01"
#define TTL "\x00\x00\x00\x3c"

struct dns_case {
	const char *what;
	const char *msg;
	size_t len;
	int rc;            /* rg_dns_parse's */
	bool question;
	const char *qname; /* when question */
	uint16_t qtype;
	bool response;
	uint8_t rcode;
	unsigned naddrs;
	const char *addr0; /* the first address, as text */
};
#define M(s) s, sizeof(s) - 1

static const struct dns_case cases[] = {
	{"a query for example.com A", M(Q1 EXAMPLE A_IN), 0, true, "example.com", 1},
	{"the root, NS", M(Q1 "\x00\x00\x02\x00\x01"), 0, true, ".", 2},
	{"an answer: A through a compression pointer, then AAAA",
	 M(R("\x02") EXAMPLE A_IN "\xc0\x0c" A_IN TTL "\x00\x04\x01\x02\x03\x04"
	     "\xc0\x0c" AAAA_IN TTL "\x00\x10" "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"),
	 0, true, "example.com", 1, true, 0, 2, "1.2.3.4"},
	{"a CNAME is skipped, the A after it kept",
	 M(R("\x02") EXAMPLE A_IN "\xc0\x0c\x00\x05\x00\x01" TTL "\x00\x05\x02" "cd\xc0\x14"
	     "\xc0\x29" A_IN TTL "\x00\x04\x0a\x00\x00\x01"),
	 0, true, "example.com", 1, true, 0, 1, "10.0.0.1"},
	{"no such name (rcode 3), no answers",
	 M("\x12\x34\x81\x83\x00\x01\x00\x00\x00\x00\x00\x00" EXAMPLE A_IN), 0, true,
	 "example.com", 1, true, 3},
	{"bytes that are no plain name character are escaped as \\DDD",
	 M(Q1 "\x03" "a.b\x03" "x y\x02\xff\\\x00" A_IN), 0, true, "a\\046b.x\\032y.\\255\\092", 1},
	{"a header alone: no question", M("\x12\x34\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"), 0,
	 false},
	{"shorter than a header", M("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00"), -1, false},
	{"a name cut short", M(Q1 "\x07" "exam"), 0, false},
	{"a name without its type", M(Q1 EXAMPLE "\x00"), 0, false},
	{"a label running past the end", M(Q1 "\x3f" "abc\x00" A_IN), 0, false},
	{"a pointer to itself", M(Q1 "\xc0\x0c" A_IN), 0, false},
	{"a pointer forwards", M(Q1 "\xc0\x0e\x01" "a\x00" A_IN), 0, false},
	{"a pointer cut in half", M(Q1 "\xc0"), 0, false},
	{"a loop through a label and a pointer back to it", M(Q1 "\x01" "a\xc0\x0c" A_IN), 0,
	 false},
	{"an extended label type (0x40)", M(Q1 "\x41" "a\x00" A_IN), 0, false},
	{"a reserved label type (0x80)", M(Q1 "\x81" "a\x00" A_IN), 0, false},
	{"an answer cut inside its record keeps what came before",
	 M(R("\x02") EXAMPLE A_IN "\xc0\x0c" A_IN TTL "\x00\x04\x01\x02\x03\x04"
	     "\xc0\x0c" A_IN TTL "\x00\x04\x05\x06"),
	 0, true, "example.com", 1, true, 0, 1, "1.2.3.4"},
	{"an A record of the wrong size is not an address",
	 M(R("\x02") EXAMPLE A_IN "\xc0\x0c" A_IN TTL "\x00\x05\x01\x02\x03\x04\x05"
	     "\xc0\x0c" A_IN TTL "\x00\x04\x09\x09\x09\x09"),
	 0, true, "example.com", 1, true, 0, 1, "9.9.9.9"},
	{"an answer count larger than the records", M(R("\x09") EXAMPLE A_IN), 0, true,
	 "example.com", 1, true},
	{"an answer whose pointer goes forwards ends the answers",
	 M(R("\x01") EXAMPLE A_IN "\xc0\x40" A_IN TTL "\x00\x04\x01\x02\x03\x04"), 0, true,
	 "example.com", 1, true},
	{"two questions: the first is kept, the answers after both are read",
	 M("\x12\x34\x81\x80\x00\x02\x00\x01\x00\x00\x00\x00" EXAMPLE A_IN "\x01" "b\x00" A_IN
	   "\xc0\x0c" A_IN TTL "\x00\x04\x07\x07\x07\x07"),
	 0, true, "example.com", 1, true, 0, 1, "7.7.7.7"},
};

static void check_case(const struct dns_case *c)
{
	struct rg_dns_msg m;
	char what[200], addr[INET6_ADDRSTRLEN] = "";

	int rc = rg_dns_parse((const uint8_t *)c->msg, c->len, &m);
	snprintf(what, sizeof(what), "%s: result", c->what);
	CHECK_INT(rc, c->rc, what);
	snprintf(what, sizeof(what), "%s: question", c->what);
	CHECK_INT(m.has_question, c->question, what);
	if (c->question) {
		snprintf(what, sizeof(what), "%s: name", c->what);
		CHECK_STR(m.qname, c->qname, what);
		snprintf(what, sizeof(what), "%s: name length", c->what);
		CHECK_INT(m.qname_len, strlen(c->qname), what);
		snprintf(what, sizeof(what), "%s: type, QR, rcode", c->what);
		CHECK(m.qtype == c->qtype && m.response == c->response && m.rcode == c->rcode, what);
	}
	snprintf(what, sizeof(what), "%s: addresses", c->what);
	CHECK_INT(m.naddrs, c->naddrs, what);
	if (c->addr0 && m.naddrs) {
		inet_ntop(m.addrs[0].family, m.addrs[0].a, addr, sizeof(addr));
		snprintf(what, sizeof(what), "%s: first address", c->what);
		CHECK_STR(addr, c->addr0, what);
	}
}

/* The longest name (255 wire bytes), every byte escaped: the text fits;
 * one byte more is refused. */
static void check_longest(void)
{
	uint8_t msg[12 + 300] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01};
	size_t at = 12;
	for (int l = 0; l < 4; l++) {
		uint8_t len = l < 3 ? 63 : 61;
		msg[at++] = len;
		memset(msg + at, 0xfe, len);
		at += len;
	}
	msg[at++] = 0;
	memcpy(msg + at, A_IN, 4);
	struct rg_dns_msg m;
	CHECK(rg_dns_parse(msg, at + 4, &m) == 0 && m.has_question && m.qname_len == 250 * 4 + 3 &&
	      strlen(m.qname) == m.qname_len, "a 255-byte name of escaped bytes fits its text");
	msg[12 + 3 * 64] = 62; /* the last label one byte longer: 256 bytes */
	memmove(msg + 12 + 3 * 64 + 1 + 62, msg + 12 + 3 * 64 + 1 + 61, 5);
	msg[12 + 3 * 64 + 1 + 61] = 0xfe;
	CHECK(rg_dns_parse(msg, at + 5, &m) == 0 && !m.has_question,
	      "a 256-byte name is refused");
}

static void check_tcp(void)
{
	static const char q[] = Q1 EXAMPLE A_IN;
	uint8_t buf[2 + sizeof(q)];
	struct rg_dns_msg m;
	size_t n = sizeof(q) - 1;

	buf[0] = 0;
	buf[1] = (uint8_t)n;
	memcpy(buf + 2, q, n);
	CHECK(rg_dns_parse_tcp(buf, n + 2, 512, &m) == 0 && m.has_question &&
	      !strcmp(m.qname, "example.com"), "TCP: the length prefix is taken off");
	CHECK(rg_dns_parse_tcp((const uint8_t *)q, n, 512, &m) == 0 && m.has_question &&
	      !strcmp(m.qname, "example.com"), "TCP: a message without its prefix (sent apart)");
	CHECK(rg_dns_parse_tcp(buf, n + 2, n + 2, &m) == 0 && m.has_question,
	      "TCP: a prefix that matches a message cut at the bound");
	buf[1] = (uint8_t)(n + 40);
	CHECK(rg_dns_parse_tcp(buf, n + 2, n + 2, &m) == 0 && m.has_question &&
	      !strcmp(m.qname, "example.com"), "TCP: a longer message cut at the bound");
	CHECK(rg_dns_parse_tcp(buf, 1, 512, &m) == -1, "TCP: one byte is nothing");
}

static void check_types(void)
{
	char buf[RG_DNS_TYPE_TEXT];
	CHECK_STR(rg_dns_type_name(1, buf), "A", "type 1 is A");
	CHECK_STR(rg_dns_type_name(28, buf), "AAAA", "type 28 is AAAA");
	CHECK_STR(rg_dns_type_name(65, buf), "HTTPS", "type 65 is HTTPS");
	CHECK_STR(rg_dns_type_name(999, buf), "TYPE999", "an unnamed type is TYPEn");
	CHECK_STR(rg_dns_type_name(65535, buf), "TYPE65535", "the largest type fits");
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
	check_longest();
	check_tcp();
	check_types();
	return tap_done();
}
