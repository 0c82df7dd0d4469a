/* rg-workload: fixed-work workloads for benchmarks. It counts what it did,
 * so completeness (recorded / generated) can be computed exactly.
 *
 *   rg-workload exec N [PROGRAM]   fork + exec PROGRAM (default /bin/true) N times
 *   rg-workload open N PATH        open(PATH, O_RDONLY|O_CREAT) + close N times
 *   rg-workload chmod N PATH       chmod(PATH) N times, between 0600 and 0644
 *   rg-workload rw N               N reads of 64 bytes from /dev/zero, each
 *                                  written to /dev/null (what every read and
 *                                  write on the host pays for hooks on them)
 *   rg-workload udp N              N datagrams of 64 bytes written to a connected
 *                                  loopback UDP socket and read from its peer
 *                                  (what every socket send and receive pays)
 *   rg-workload connect N          N loopback TCP connections: connect, accept,
 *                                  close (reset, so no TIME_WAIT piles up)
 *   rg-workload paced N RATE PATH  N opens of PATH at RATE per second, paced
 *                                  every millisecond (the soak)
 *   rg-workload mixed N DIR        N rounds of: an exec of /bin/true, MIXED_OPENS
 *                                  opens of DIR/r, an open of DIR/w for writing
 *                                  with MIXED_WRITES writes, MIXED_CONNECTS
 *                                  loopback connects (a host's activity in one
 *                                  loop; an exec costs as much as ~1000 opens)
 *
 * Prints one JSON line: {"op":"exec","n":N,"ns":elapsed,"ns_per_op":x,"pid":P};
 * mixed adds "records": the events a complete recorder keeps of it (each
 * exec, open, first write, connect and accept). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int run_exec(long n, const char *prog)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return -1;
		if (pid == 0) {
			execl(prog, prog, (char *)NULL);
			_exit(127);
		}
		int st;
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) == 127)
			return -1;
	}
	return 0;
}

static int run_chmod(long n, const char *path)
{
	for (long i = 0; i < n; i++)
		if (chmod(path, i & 1 ? 0644 : 0600))
			return -1;
	return 0;
}

static int run_rw(long n)
{
	char buf[64];
	int in = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int rc = in < 0 || out < 0 ? -1 : 0;
	for (long i = 0; i < n && !rc; i++)
		if (read(in, buf, sizeof(buf)) != sizeof(buf) ||
		    write(out, buf, sizeof(buf)) != sizeof(buf))
			rc = -1;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return rc;
}

static int run_open(long n, const char *path)
{
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return -1;
		close(fd);
	}
	return 0;
}

/* Opens at a steady rate: each millisecond, the opens due by then. */
static int run_paced(long n, long rate, const char *path)
{
	long long t0 = now_ns();
	for (long done = 0; done < n;) {
		long due = (long)((now_ns() - t0) * (double)rate / 1e9);
		if (due > n)
			due = n;
		if (done < due) {
			if (run_open(due - done, path))
				return -1;
			done = due;
		}
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
	return 0;
}

/* A socket of type bound to a port of its own on loopback; its address
 * in *a. Returns the socket or -1. */
static int bound_loopback(int type, struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	*a = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int s = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (s >= 0 && (bind(s, (struct sockaddr *)a, sizeof(*a)) ||
		       getsockname(s, (struct sockaddr *)a, &len))) {
		close(s);
		return -1;
	}
	return s;
}

/* A loopback listener; its address in *a. Returns the socket or -1. */
static int listen_loopback(struct sockaddr_in *a)
{
	int srv = bound_loopback(SOCK_STREAM, a);
	if (srv >= 0 && listen(srv, 128)) {
		close(srv);
		return -1;
	}
	return srv;
}

/* One connect and its accept, closed with a reset (no TIME_WAIT pile-up). */
static int connect_once(int srv, const struct sockaddr_in *a)
{
	struct linger reset = {1, 0};
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (const struct sockaddr *)a, sizeof(*a)))
		return -1;
	int s = accept(srv, NULL, NULL);
	if (s < 0)
		return -1;
	setsockopt(c, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
	close(c);
	close(s);
	return 0;
}

/* write(2) and read(2) on sockets, as a resolver's connected UDP socket
 * uses them: two sockets connected to each other, one datagram at a time. */
static int run_udp(long n)
{
	char buf[64] = {0};
	struct sockaddr_in aa, ab;
	int a = bound_loopback(SOCK_DGRAM, &aa), b = bound_loopback(SOCK_DGRAM, &ab);
	struct timeval limit = {5, 0}; /* a datagram lost on loopback: fail, not hang */
	int rc = a < 0 || b < 0 || connect(a, (struct sockaddr *)&ab, sizeof(ab)) ||
			 connect(b, (struct sockaddr *)&aa, sizeof(aa)) ||
			 setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit))
		     ? -1
		     : 0;
	for (long i = 0; i < n && !rc; i++)
		if (write(a, buf, sizeof(buf)) != sizeof(buf) ||
		    read(b, buf, sizeof(buf)) != sizeof(buf))
			rc = -1;
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	return rc;
}

static int run_connect(long n)
{
	struct sockaddr_in a;
	int srv = listen_loopback(&a);
	if (srv < 0)
		return -1;
	for (long i = 0; i < n; i++)
		if (connect_once(srv, &a))
			return -1;
	return close(srv);
}

#define MIXED_OPENS 200
#define MIXED_WRITES 4
#define MIXED_CONNECTS 20
#define MIXED_RECORDS (1 + MIXED_OPENS + 2 + 2 * MIXED_CONNECTS)

/* Opens path for writing and writes to it: one first write to record. */
static int write_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	for (int i = 0; i < MIXED_WRITES; i++)
		if (write(fd, "rand-guard\n", 11) != 11)
			return -1;
	return close(fd);
}

static int run_mixed(long n, const char *dir)
{
	char r[4096], w[4096];
	struct sockaddr_in a;
	int srv = listen_loopback(&a);

	snprintf(r, sizeof(r), "%s/r", dir);
	snprintf(w, sizeof(w), "%s/w", dir);
	if (srv < 0)
		return -1;
	for (long i = 0; i < n; i++) {
		if (run_exec(1, "/bin/true") || run_open(MIXED_OPENS, r) || write_file(w))
			return -1;
		for (int c = 0; c < MIXED_CONNECTS; c++)
			if (connect_once(srv, &a))
				return -1;
	}
	return close(srv);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: rg-workload exec N [PROGRAM] | open N PATH | chmod N PATH | rw N | udp N | connect N | "
				"paced N RATE PATH | mixed N DIR\n");
		return 2;
	}
	long n = strtol(argv[2], NULL, 10);
	long long t0 = now_ns();
	int rc;
	if (strcmp(argv[1], "exec") == 0)
		rc = run_exec(n, argc > 3 ? argv[3] : "/bin/true");
	else if (strcmp(argv[1], "open") == 0 && argc > 3)
		rc = run_open(n, argv[3]);
	else if (strcmp(argv[1], "chmod") == 0 && argc > 3)
		rc = run_chmod(n, argv[3]);
	else if (strcmp(argv[1], "rw") == 0)
		rc = run_rw(n);
	else if (strcmp(argv[1], "udp") == 0)
		rc = run_udp(n);
	else if (strcmp(argv[1], "connect") == 0)
		rc = run_connect(n);
	else if (strcmp(argv[1], "paced") == 0 && argc > 4 && strtol(argv[3], NULL, 10) > 0)
		rc = run_paced(n, strtol(argv[3], NULL, 10), argv[4]);
	else if (strcmp(argv[1], "mixed") == 0 && argc > 3)
		rc = run_mixed(n, argv[3]);
	else {
		fprintf(stderr, "rg-workload: unknown workload '%s'\n", argv[1]);
		return 2;
	}
	long long ns = now_ns() - t0;
	if (rc) {
		perror("rg-workload");
		return 1;
	}
	printf("{\"op\":\"%s\",\"n\":%ld,\"ns\":%lld,\"ns_per_op\":%.1f,\"pid\":%d", argv[1], n,
	       ns, (double)ns / (double)n, (int)getpid());
	if (strcmp(argv[1], "mixed") == 0)
		printf(",\"records\":%ld", n * MIXED_RECORDS);
	printf("}\n");
	return 0;
}
