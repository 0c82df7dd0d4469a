/* test_ship_tls.c: the shipper over https (ship.c's libcurl side, its
 * thread and the store's cursor), against a TLS endpoint of the test's
 * own on loopback, whose certificate a throwaway CA signed (made with the
 * openssl command in the scratch directory). With [ship] ca_file naming
 * that CA the rows arrive as JSONEachRow, the password in the
 * Authorization header only; without ca_file (the system's CAs), with
 * another CA, or with a certificate for another name, the handshake fails:
 * nothing is sent, the cursor stays, the failures are counted (what the
 * health rows' ship_failures carry) and stderr says why. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "ship.h"
#include "store.h"
#include "store_db.h"
#include "tap.h"

#define USER "rg_ship"
#define PASSWORD "tls-Pa55-word"
#define ROWS 50

/* ---- the endpoint: HTTPS on 127.0.0.1, one request per connection ---------- */

struct endpoint {
	int fd, port;
	SSL_CTX *ctx;
	pthread_t thread;
	atomic_bool stop;
	pthread_mutex_t mu;
	int dropped, requests; /* connections closed before a request, requests */
	struct rg_buf log; /* every request as it came: its head and body */
};

/* Reads one request (head, then Content-Length bytes of body) into req. */
static bool read_request(SSL *ssl, struct rg_buf *req)
{
	char chunk[16384];
	size_t head = 0, clen = 0;
	for (;;) {
		if (!head && req->len) {
			const char *end = strstr(rg_buf_cstr(req), "\r\n\r\n");
			if (end) {
				head = (size_t)(end - req->p) + 4;
				const char *cl = strcasestr(req->p, "\r\nContent-Length:");
				clen = cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
				if (strcasestr(req->p, "\r\nExpect: 100-continue"))
					SSL_write(ssl, "HTTP/1.1 100 Continue\r\n\r\n", 25);
			}
		}
		if (head && req->len >= head + clen)
			return true;
		int n = SSL_read(ssl, chunk, sizeof(chunk));
		if (n <= 0)
			return false;
		rg_buf_add(req, chunk, (size_t)n);
	}
}

static void serve_one(struct endpoint *e, int c)
{
	SSL *ssl = SSL_new(e->ctx);
	struct rg_buf req = {0};
	SSL_set_fd(ssl, c);
	/* a client that distrusts the certificate drops the connection in
	 * the handshake, or just after it (libcurl checks the name then) */
	if (SSL_accept(ssl) != 1 || !read_request(ssl, &req)) {
		pthread_mutex_lock(&e->mu);
		e->dropped++;
		pthread_mutex_unlock(&e->mu);
	} else {
		pthread_mutex_lock(&e->mu);
		e->requests++;
		rg_buf_add(&e->log, req.p, req.len);
		rg_buf_adds(&e->log, "\n");
		pthread_mutex_unlock(&e->mu);
		static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		SSL_write(ssl, ok, sizeof(ok) - 1);
		SSL_shutdown(ssl);
	}
	rg_buf_free(&req);
	SSL_free(ssl);
}

static void *serve(void *arg)
{
	struct endpoint *e = arg;
	while (!atomic_load(&e->stop)) {
		struct pollfd p = {e->fd, POLLIN, 0};
		if (poll(&p, 1, 50) <= 0)
			continue;
		int c = accept(e->fd, NULL, NULL);
		if (c < 0)
			continue;
		struct timeval tv = {5, 0}; /* a client that stops talking does not stop the test */
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		serve_one(e, c);
		close(c);
	}
	return NULL;
}

/* Listens on a free port of 127.0.0.1 with the certificate and key given;
 * false (a failed check) if it cannot. */
static bool endpoint_start(struct endpoint *e, const char *cert, const char *key)
{
	memset(e, 0, sizeof(*e));
	pthread_mutex_init(&e->mu, NULL);
	e->ctx = SSL_CTX_new(TLS_server_method());
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	e->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = e->ctx && SSL_CTX_use_certificate_chain_file(e->ctx, cert) == 1 &&
		  SSL_CTX_use_PrivateKey_file(e->ctx, key, SSL_FILETYPE_PEM) == 1 && e->fd >= 0 &&
		  bind(e->fd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(e->fd, 16) == 0 &&
		  getsockname(e->fd, (struct sockaddr *)&a, &alen) == 0 &&
		  pthread_create(&e->thread, NULL, serve, e) == 0;
	e->port = ntohs(a.sin_port);
	return CHECK(ok, "the TLS endpoint listens on loopback");
}

static void endpoint_stop(struct endpoint *e)
{
	atomic_store(&e->stop, true);
	pthread_join(e->thread, NULL);
	close(e->fd);
	SSL_CTX_free(e->ctx);
	rg_buf_free(&e->log);
	pthread_mutex_destroy(&e->mu);
}

/* ---- the certificates: a CA, another CA, and two server certificates -------- */

static bool make_certs(void)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd %s; k='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'\n"
		 "for ca in ca other-ca; do openssl req -x509 $k -keyout $ca.key -out $ca.pem "
		 "-days 2 -subj /CN=rg-test-$ca; done\n"
		 "cert() { printf 'subjectAltName=%%s\\n' \"$2\" >$1.ext\n"
		 "  openssl req $k -keyout $1.key -out $1.csr -subj /CN=$1\n"
		 "  openssl x509 -req -in $1.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
		 "-days 2 -extfile $1.ext -out $1.pem; }\n"
		 "cert server IP:127.0.0.1,DNS:localhost\n"
		 "cert elsewhere DNS:ch.example.org\n",
		 dir);
	char full[2200];
	snprintf(full, sizeof(full), "(%s) >%s/openssl.log 2>&1", cmd, dir);
	return CHECK(system(full) == 0, "openssl made a throwaway CA and its server certificates");
}

/* The path of the scratch directory's file name, in out (path_in keeps
 * only four at a time: the shipper's runs need more). */
static const char *at(char out[160], const char *name)
{
	snprintf(out, 160, "%s/%s", dir, name);
	return out;
}

/* ---- a spool and a shipper ---------------------------------------------------------- */

/* A database with ROWS file events (paths /etc/tls-N) and a run, and
 * the store that wrote it, told the destination. */
static struct rg_store *spool(const char *db, const char *dest)
{
	char err[256];
	struct rg_store_opts o = {1000, 20, 65536};
	struct rg_store *s = rg_store_open(db, &o, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, "a spool database opens"))
		return NULL;
	rg_store_ship_dest(s, dest);
	rg_store_begin_run(s, "tls-host", "boot-a", "0", rg_wall_ns(), 1, 64, 64);
	for (uint32_t seq = 1; seq <= ROWS; seq++) {
		char path[32];
		snprintf(path, sizeof(path), "/etc/tls-%u", seq);
		struct rg_event ev = {.type = RG_ET_FILE_OPEN, .ts_ns = rg_wall_ns(), .seq = seq,
				      .path = {path, (uint32_t)strlen(path)}, .syscall = "openat"};
		rg_store_put_event(s, &ev, false);
	}
	rg_store_sync(s);
	return s;
}

struct outcome {
	int64_t pos;       /* file_events' cursor after the run */
	uint64_t failures; /* the shipper's failed requests (health: ship_failures) */
	char err[2048];    /* what it wrote on stderr */
};

/* Ships the scratch directory's database db_name to the endpoint on e's
 * port, with ca_file ca_name (NULL: none) until every file row is
 * acknowledged or two requests failed (10 s at most). */
static void ship(const char *db_name, const char *ca_name, const struct endpoint *e,
		 struct outcome *out)
{
	char url[64], dest[128], err[512], db[160], ca[160], errpath[160], pw[160];
	at(db, db_name);
	if (ca_name)
		at(ca, ca_name);
	else
		ca[0] = '\0';
	at(errpath, "stderr");
	snprintf(url, sizeof(url), "https://127.0.0.1:%d", e->port);
	rg_ship_dest_name(url, "rand_guard", dest, sizeof(dest));
	memset(out, 0, sizeof(*out));
	struct rg_store *s = spool(db, dest);
	if (!s)
		return;
	/* stderr to a file for the run: what the shipper says is checked */
	int saved = dup(2), fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	dup2(fd, 2);
	close(fd);
	struct rg_ship_opts o = {
		.db_path = db, .url = url, .database = "rand_guard", .user = USER,
		.password_file = at(pw, "pw"), .ca_file = ca, .host = "tls-host",
		.batch_rows = 1000, .interval_ms = 20, .timeout_s = 5, .backoff_max_s = 1,
	};
	struct rg_ship *sh = rg_ship_start(&o, s, err, sizeof(err));
	struct rg_store_stats st = {0};
	for (int i = 0; sh && i < 1000; i++) {
		rg_store_stats(s, &st);
		if (rg_store_ship_pos(s, "file_events") == ROWS || st.ship_failures >= 2)
			break;
		usleep(10000);
	}
	rg_ship_stop(sh, 0);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	CHECK(sh != NULL, "the shipper starts");
	rg_store_stats(s, &st);
	out->pos = rg_store_ship_pos(s, "file_events");
	out->failures = st.ship_failures;
	rg_store_close(s, rg_wall_ns());
	FILE *f = fopen(errpath, "re");
	if (f) {
		out->err[fread(out->err, 1, sizeof(out->err) - 1, f)] = '\0';
		fclose(f);
	}
}

/* ---- the cases ---------------------------------------------------------------- */

/* Lines of the endpoint's log that start with prefix. */
static int count_lines(const char *log, const char *prefix)
{
	int n = 0;
	for (const char *p = log; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += !strncmp(p, prefix, strlen(prefix));
	return n;
}

static void test_trusted(void)
{
	struct endpoint e;
	struct outcome r;
	char cert[160], key[160];
	if (!endpoint_start(&e, at(cert, "server.pem"), at(key, "server.key")))
		return;
	ship("ok.db", "ca.pem", &e, &r);
	const char *log = rg_buf_cstr(&e.log);
	CHECK_INT(r.pos, ROWS, "ca_file names the CA: every file row acknowledged, the cursor moved");
	CHECK_INT(r.failures, 0, "... and no request failed");
	CHECK(strstr(log, "POST /?query=INSERT%20INTO%20rand_guard.file_events%20FORMAT%20JSONEachRow "),
	      "the rows went as an INSERT into the central file_events");
	CHECK_INT(count_lines(log, "{\"host\":\"tls-host\",\"seq\":"), ROWS,
		  "the endpoint received every file row, one JSON object a line");
	CHECK(strstr(log, "\"path\":\"/etc/tls-50\""), "... the last one too");
	/* the password: base64 in the Authorization header of every request,
	 * over the TLS connection; never in the clear, nor on stderr */
	unsigned char want[128];
	EVP_EncodeBlock(want, (const unsigned char *)USER ":" PASSWORD,
			(int)strlen(USER ":" PASSWORD));
	char auth[192];
	snprintf(auth, sizeof(auth), "\r\nAuthorization: Basic %s\r\n", want);
	int with_auth = 0;
	for (const char *p = log; (p = strstr(p, auth)); p++)
		with_auth++;
	CHECK(e.requests > 0 && with_auth == e.requests,
	      "every request carries user and password as HTTP basic authentication");
	CHECK(!strstr(log, PASSWORD), "the password is nowhere in a request in the clear (not in the URL)");
	CHECK(!strstr(r.err, PASSWORD), "nor on stderr");
	endpoint_stop(&e);
}

/* A server the shipper must not trust (its certificate and key: name.pem,
 * name.key): nothing sent, nothing acknowledged, the failures counted, and
 * stderr says why (want). */
static void test_refused(const char *what, const char *name, const char *db, const char *ca,
			 const char *want)
{
	struct endpoint e;
	struct outcome r;
	char msg[256], cert[160], key[160], n[64];
	snprintf(n, sizeof(n), "%s.pem", name);
	at(cert, n);
	snprintf(n, sizeof(n), "%s.key", name);
	if (!endpoint_start(&e, cert, at(key, n)))
		return;
	ship(db, ca, &e, &r);
	snprintf(msg, sizeof(msg), "%s: the shipper connected, and dropped the connection", what);
	CHECK(e.dropped > 0, msg);
	snprintf(msg, sizeof(msg), "%s: no request was sent", what);
	CHECK_INT(e.requests, 0, msg);
	snprintf(msg, sizeof(msg), "%s: the cursor did not move (the rows wait in the spool)", what);
	CHECK_INT(r.pos, -1, msg);
	snprintf(msg, sizeof(msg), "%s: the failures are counted", what);
	CHECK(r.failures >= 2, msg);
	snprintf(msg, sizeof(msg), "%s: stderr says why", what);
	CHECK(strstr(r.err, "rand-guard: ship: ") && strstr(r.err, want), msg);
	printf("# stderr: %s", r.err);
	CHECK(!strstr(r.err, PASSWORD), "nor does it print the password");
	endpoint_stop(&e);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	/* the endpoint's handshake answers a client that already hung up:
	 * EPIPE, not the end of the test */
	signal(SIGPIPE, SIG_IGN);
	char pw[160];
	FILE *f = fopen(at(pw, "pw"), "we");
	if (!f)
		return 1;
	fputs(PASSWORD "\n", f);
	fclose(f);
	chmod(pw, 0600);
	if (make_certs()) {
		test_trusted();
		test_refused("no ca_file (the system's CAs)", "server", "noca.db", NULL,
			     "SSL certificate problem");
		test_refused("ca_file names another CA", "server", "otherca.db", "other-ca.pem",
			     "SSL certificate problem");
		test_refused("the right CA, a certificate for another name", "elsewhere", "name.db",
			     "ca.pem", "127.0.0.1");
	}
	if (dir_remove())
		return 1;
	return tap_done();
}
