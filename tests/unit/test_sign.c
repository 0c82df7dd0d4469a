/* test_sign.c: the signed checkpoints' message and signature (sign.h),
 * the key file (sign_key.h) and the NDJSON checkpoint line. */
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>

#include "ndjson.h"
#include "sign.h"
#include "sign_key.h"
#include "tap.h"

static struct rg_checkpoint sample(void)
{
	struct rg_checkpoint c = {.link = 42, .run_id = 3, .ts_ns = 1793491200123456789};
	for (int i = 0; i < 32; i++)
		c.head[i] = (uint8_t)i;
	snprintf(c.host, sizeof(c.host), "host-a");
	return c;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror("write");
		fchmod(fd, mode);
		close(fd);
	}
}

static void check_message(void)
{
	struct rg_checkpoint c = sample();
	struct rg_buf m = {0};
	rg_sign_message(&c, &m);
	const char tag[] = "rand-guard checkpoint 1\n";
	CHECK(m.len == strlen(tag) + 8 + 32 + 8 + 8 + 8 + 6 && !memcmp(m.p, tag, strlen(tag)),
	      "the message: tag, link, head, run, time, host length and host");
	CHECK(!memcmp(m.p + strlen(tag), "\0\0\0\0\0\0\0\x2a", 8), "the link is 8 bytes big-endian");
	rg_buf_free(&m);
}

static void check_signature(void)
{
	uint8_t pk[32], sk[64], seed[32] = {1};
	crypto_sign_seed_keypair(pk, sk, seed);
	struct rg_checkpoint c = sample();
	rg_sign_head(&c, sk);
	CHECK(!memcmp(c.pk, pk, 32), "the checkpoint carries the public key");
	CHECK(rg_sign_valid(&c), "a checkpoint verifies");
	char fpr[33];
	rg_sign_fpr(pk, fpr);
	CHECK_STR(c.fpr, fpr, "and carries its fingerprint");
	CHECK_INT(strlen(fpr), 32, "a fingerprint is 32 hex digits");
	struct rg_checkpoint d = c;
	d.head[0] ^= 1;
	CHECK(!rg_sign_valid(&d), "another head does not verify");
	d = c;
	d.link++;
	CHECK(!rg_sign_valid(&d), "another link does not verify");
	d = c;
	snprintf(d.host, sizeof(d.host), "host-b");
	CHECK(!rg_sign_valid(&d), "another host does not verify");
	d = c;
	d.ts_ns++;
	CHECK(!rg_sign_valid(&d), "another time does not verify");
	uint8_t pk2[32], sk2[64], seed2[32] = {2};
	crypto_sign_seed_keypair(pk2, sk2, seed2);
	d = c;
	memcpy(d.pk, pk2, 32);
	CHECK(!rg_sign_valid(&d), "another key does not verify");

	struct rg_buf b = {0};
	struct rg_ndjson_fmt f;
	rg_ndjson_fmt_init(&f, &(struct rg_ndjson_opts){"h1", "b1", RG_NDJSON_NATIVE});
	rg_ndjson_format_checkpoint(&f, &b, &c);
	char hex[129];
	rg_hex(c.sig, 64, hex);
	CHECK(strstr(rg_buf_cstr(&b), "{\"event_type\":\"checkpoint\",\"ts_ns\":1793491200123456789,"
				     "\"time\":\"2026-11-01T00:00:00.123456789Z\",\"host\":\"h1\","
				     "\"boot_id\":\"b1\",\"run_id\":3,\"link\":42,\"head\":\"000102") &&
	      strstr(rg_buf_cstr(&b), hex) && strstr(rg_buf_cstr(&b), fpr),
	      "the NDJSON line: event_type first, every line's stamp, the head, key and "
	      "signature in hex");
	rg_buf_free(&b);
	rg_ndjson_fmt_free(&f);
}

static void check_hex(void)
{
	uint8_t v[2];
	CHECK(rg_unhex("0aFf", v, 2) == 0 && v[0] == 10 && v[1] == 255, "hex in either case");
	CHECK(rg_unhex("0aF", v, 2) == -1, "too short: refused");
	CHECK(rg_unhex("0aFfa", v, 2) == -1, "too long: refused");
	CHECK(rg_unhex("0g00", v, 2) == -1, "not hex: refused");
	CHECK(rg_unhex(NULL, v, 2) == -1, "none: refused");
}

static void check_key_file(void)
{
	char dir[] = "/tmp/rg-sign.XXXXXX", path[64], err[512];
	bool made;
	int code;
	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/k", dir);
	const uint8_t *sk = rg_sign_key_load(path, &made, err, sizeof(err), &code);
	struct stat sb;
	CHECK(sk && made, "a missing key file is made");
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600, "0600");
	uint8_t pk[32];
	if (sk)
		memcpy(pk, sk + 32, 32);
	rg_sign_key_free(sk);
	sk = rg_sign_key_load(path, &made, err, sizeof(err), &code);
	CHECK(sk && !made && !memcmp(sk + 32, pk, 32), "read again: the same key");
	rg_sign_key_free(sk);
	chmod(path, 0640);
	sk = rg_sign_key_load(path, &made, err, sizeof(err), &code);
	CHECK(!sk && code == 2 && strstr(err, "readable by group or others"),
	      "a key group can read: refused (2)");
	write_file(path, "not a key\n", 0600);
	sk = rg_sign_key_load(path, &made, err, sizeof(err), &code);
	CHECK(!sk && code == 1 && strstr(err, "not a rand-guard signing key"), "garbage: refused");
	write_file(path, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00\n",
		   0600);
	sk = rg_sign_key_load(path, &made, err, sizeof(err), &code);
	CHECK(!sk, "a digit too many: refused");
	char link[80];
	snprintf(link, sizeof(link), "%s/l", dir);
	if (symlink(path, link) == 0) {
		sk = rg_sign_key_load(link, &made, err, sizeof(err), &code);
		CHECK(!sk && code == 2, "a symlink: refused (outfile.h)");
		unlink(link);
	}
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	if (rg_sign_init())
		return printf("not ok 1 - libsodium starts\n"), 1;
	check_message();
	check_signature();
	check_hex();
	check_key_file();
	return tap_done();
}
