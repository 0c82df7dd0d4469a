/* test_hasher.c: executable hashes (daemon/hasher.h): the libcrypto
 * wrapper, the identity check before a file is read, each verdict, and
 * the cache, budget and queue bounds, with jobs run by hand (no thread);
 * a script's own hash, by the kernel's identity and by its name. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hasher.h"
#include "sha256.h"
#include "tap.h"

static const char HELLO_SHA[] =
	"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"; /* "hello\n" */

static struct rg_hash_id id_of(const char *path)
{
	struct stat st;
	if (stat(path, &st))
		return (struct rg_hash_id){0};
	return (struct rg_hash_id){(uint64_t)st.st_dev, (uint64_t)st.st_ino, (uint64_t)st.st_size,
				   (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec};
}

static void test_sha256(void)
{
	struct rg_sha256 h;
	char hex[65];
	rg_sha256_init(&h);
	rg_sha256_add(&h, "ab", 2);
	rg_sha256_add(&h, "c", 1);
	rg_sha256_hex(&h, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		  "SHA-256 of \"abc\" in two parts (FIPS 180-2 vector)");
	rg_sha256_init(&h);
	rg_sha256_hex(&h, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		  "SHA-256 of nothing");
}

static void test_file(const char *dir)
{
	char path[256], fifo[256], hex[65] = "";
	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	FILE *f = fopen(path, "w");
	fputs("hello\n", f);
	fclose(f);
	struct rg_hash_id id = id_of(path);

	CHECK_INT(rg_hash_file(0, path, &id, 1 << 20, hex), RG_HS_OK, "the file by its path: ok");
	CHECK_STR(hex, HELLO_SHA, "its hash is sha256sum's");
	CHECK_INT(rg_hash_file(0, path, &id, 5, hex), RG_HS_TOO_LARGE,
		  "larger than max_size: too_large, unread");

	struct rg_hash_id other = id;
	other.ino++;
	CHECK_INT(rg_hash_file(0, path, &other, 1 << 20, hex), RG_HS_CHANGED,
		  "the path names another inode: changed");
	other = id;
	other.ctime_ns++;
	CHECK_INT(rg_hash_file(0, path, &other, 1 << 20, hex), RG_HS_CHANGED,
		  "by its path, another change time: changed");
	other = id;
	other.size++;
	CHECK_INT(rg_hash_file(0, path, &other, 1 << 20, hex), RG_HS_CHANGED,
		  "another size: changed");
	CHECK_INT(rg_hash_file(0, "/nonexistent/rg-hasher", &id, 1 << 20, hex), RG_HS_GONE,
		  "no such path, no process: gone");
	CHECK_INT(rg_hash_file(0, "relative", &id, 1 << 20, hex), RG_HS_GONE,
		  "a relative path is not opened");
	CHECK_INT(rg_hash_file(0x7ffffff0u, "/nonexistent/rg-hasher", &id, 1 << 20, hex),
		  RG_HS_GONE, "no such process and no such path: gone");

	mkfifo(fifo, 0600);
	struct rg_hash_id fid = id_of(fifo);
	CHECK_INT(rg_hash_file(0, fifo, &fid, 1 << 20, hex), RG_HS_CHANGED,
		  "a FIFO is no regular file: refused, without hanging");

	/* through /proc/PID/exe: this test's own binary */
	struct rg_hash_id self = id_of("/proc/self/exe");
	self.ctime_ns += 12345; /* an unlink or chmod since the exec */
	CHECK_INT(rg_hash_file((uint32_t)getpid(), "/nonexistent/rg-hasher", &self, 1ull << 40, hex),
		  RG_HS_OK, "/proc/PID/exe: the very file, whatever its ctime became");
	self.ino++;
	CHECK_INT(rg_hash_file((uint32_t)getpid(), NULL, &self, 1ull << 40, hex), RG_HS_CHANGED,
		  "/proc/PID/exe of another inode (the process exec'd again): changed");
	unlink(fifo);
	unlink(path);
}

static struct rg_event exec_of(const char *path, struct rg_hash_id id)
{
	return (struct rg_event){.type = RG_ET_PROCESS_START, .proc_id = 7, .pid = 1,
				 .exe = {path, (uint32_t)strlen(path)}, .exe_dev = id.dev,
				 .exe_ino = id.ino, .exe_size = id.size, .exe_ctime_ns = id.ctime_ns};
}

static void test_cache(const char *dir)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/bin", dir);
	FILE *f = fopen(path, "w");
	fputs("hello\n", f);
	fclose(f);
	struct rg_hash_id id = id_of(path);
	struct rg_hasher *h = rg_hasher_new(&(struct rg_hasher_opts){
		.max_size = 1 << 20, .per_second = 10, .cache_max = 64, .no_thread = true});
	struct rg_hasher_stats st;
	struct rg_hash_result r;

	struct rg_event ev = exec_of(path, id);
	rg_hasher_exec(h, &ev, 99, 1);
	CHECK(!ev.exe_sha256.p && !ev.hash_status, "first exec: no hash yet, no verdict");
	ev = exec_of(path, id);
	rg_hasher_exec(h, &ev, 99, 2);
	CHECK(!ev.exe_sha256.p && !ev.hash_status, "again while pending: nothing, not queued again");
	CHECK(!rg_hasher_take(h, &r), "nothing to take before the job ran");
	CHECK(rg_hasher_run_one(h), "one job waited");
	CHECK(!rg_hasher_run_one(h), "only one");
	CHECK(rg_hasher_take(h, &r), "its answer is taken");
	CHECK_INT(r.status, RG_HS_OK, "answer: ok");
	CHECK_STR(r.hex, HELLO_SHA, "answer: the hash");
	CHECK(r.proc_id == 7 && r.pid == 1 && r.start_boot_ns == 99, "answer: the first exec's process");
	CHECK_STR(r.exe, path, "answer: the path at the exec");
	CHECK(!rg_hasher_take(h, &r), "one answer");
	for (int i = 0; i < 1000; i++) {
		ev = exec_of(path, id);
		rg_hasher_exec(h, &ev, 99, 3);
	}
	CHECK(ev.exe_sha256.p && ev.exe_sha256.len == 64 && !memcmp(ev.exe_sha256.p, HELLO_SHA, 64),
	      "later execs carry the hash from the cache");
	CHECK_STR(ev.hash_status, "ok", "and hash_status ok");
	CHECK(!rg_hasher_run_one(h), "a thousand runs read the file no more");
	rg_hasher_stats(h, &st);
	CHECK_INT(st.queued, 1, "queued once");
	CHECK_INT(st.hits, 1000, "a thousand hits");
	CHECK_INT(st.hashed, 1, "hashed once");

	/* another identity of the same path: a rewrite */
	struct rg_hash_id id2 = id;
	id2.ctime_ns++;
	ev = exec_of(path, id2);
	rg_hasher_exec(h, &ev, 99, 4);
	CHECK(!ev.hash_status, "a new identity of the path is hashed anew");
	rg_hasher_run_one(h);
	CHECK(rg_hasher_take(h, &r) && r.status == RG_HS_CHANGED,
	      "its path no longer has that identity: changed");
	ev = exec_of(path, id2);
	rg_hasher_exec(h, &ev, 99, 5);
	CHECK(!ev.hash_status && rg_hasher_run_one(h),
	      "changed is not remembered: the next exec tries again");
	rg_hasher_take(h, &r);

	struct rg_hash_id big = id;
	big.ino++;
	big.size = 2 << 20;
	ev = exec_of(path, big);
	rg_hasher_exec(h, &ev, 99, 6);
	CHECK_STR(ev.hash_status, "too_large", "larger than max_size: too_large at once");
	CHECK(!rg_hasher_run_one(h), "and not queued");
	rg_hasher_free(h);
	unlink(path); /* so that main can remove dir */
}

/* A process_start of /bin/sh running script: with its identity (a #!
 * script the kernel opened), or with none (an interpreter's argument). */
static struct rg_event script_exec(const char *script, const struct rg_hash_id *sid)
{
	struct rg_event ev = exec_of("/bin/sh", (struct rg_hash_id){0});
	ev.script = (struct rg_str){script, (uint32_t)strlen(script)};
	if (sid) {
		ev.script_dev = sid->dev;
		ev.script_ino = sid->ino;
		ev.script_size = sid->size;
		ev.script_ctime_ns = sid->ctime_ns;
	}
	return ev;
}

static void test_scripts(const char *dir)
{
	char path[256], other[256];
	snprintf(path, sizeof(path), "%s/s.sh", dir);
	snprintf(other, sizeof(other), "%s/s2.sh", dir);
	FILE *f = fopen(path, "w");
	fputs("hello\n", f);
	fclose(f);
	struct rg_hash_id id = id_of(path);
	struct rg_hasher *h = rg_hasher_new(&(struct rg_hasher_opts){
		.max_size = 1 << 20, .per_second = 100, .cache_max = 64, .no_thread = true});
	struct rg_hash_result r;
	struct rg_hasher_stats st;

	/* a #! script: by the identity the kernel gave, cached like an image */
	struct rg_event ev = script_exec(path, &id);
	rg_hasher_exec(h, &ev, 5, 1);
	CHECK(!ev.script_hash_status && !ev.hash_status, "#! script: queued, no verdict yet");
	CHECK(rg_hasher_run_one(h) && !rg_hasher_run_one(h), "one job: the script (the exe has no identity)");
	CHECK(rg_hasher_take(h, &r), "its answer");
	CHECK_INT(r.status, RG_HS_OK, "#! script: ok");
	CHECK_STR(r.hex, HELLO_SHA, "#! script: the script's hash");
	CHECK(r.script && !strcmp(r.script, path), "the answer is on the script");
	CHECK_STR(r.exe, "/bin/sh", "with the interpreter as exe");
	ev = script_exec(path, &id);
	rg_hasher_exec(h, &ev, 5, 2);
	CHECK(ev.script_sha256.p && !memcmp(ev.script_sha256.p, HELLO_SHA, 64),
	      "#! script run again: its hash from the cache at once");
	CHECK_STR(ev.script_hash_status, "ok", "and script_hash_status ok");
	CHECK(!rg_hasher_run_one(h), "not read again");
	struct rg_hash_id stale = id;
	stale.ctime_ns++;
	ev = script_exec(path, &stale);
	rg_hasher_exec(h, &ev, 5, 3);
	rg_hasher_run_one(h);
	CHECK(rg_hasher_take(h, &r) && r.status == RG_HS_CHANGED,
	      "#! script whose name names another file by now: changed");

	/* named to its interpreter: by name, each run; the memo spares reads */
	rg_hasher_stats(h, &st);
	uint64_t hashed = st.hashed;
	for (int i = 0; i < 3; i++) {
		ev = script_exec(path, NULL);
		rg_hasher_exec(h, &ev, 5, 4 + i);
		CHECK(!ev.script_hash_status, "by name: queued");
		CHECK(rg_hasher_run_one(h) && rg_hasher_take(h, &r), "by name: answered");
		CHECK_INT(r.status, RG_HS_BY_PATH, "by name: by_path");
		CHECK_STR(r.hex, HELLO_SHA, "by name: the file's hash");
		CHECK(r.id.ino == id.ino && r.id.dev == id.dev, "by name: the identity found");
	}
	rg_hasher_stats(h, &st);
	CHECK(st.hashed - hashed == 3, "three runs by name: three verdicts");
	ev = script_exec(other, NULL);
	rg_hasher_exec(h, &ev, 5, 10);
	CHECK(rg_hasher_run_one(h) && rg_hasher_take(h, &r) && r.status == RG_HS_GONE,
	      "by name, no such file: gone");
	CHECK(r.id.ino == 0, "gone: no identity");
	ev = script_exec("rel.sh", NULL);
	rg_hasher_exec(h, &ev, 5, 11);
	CHECK(!rg_hasher_run_one(h), "a relative name (no cwd) is not queued");
	ev = script_exec(path, NULL);
	ev.flags |= RG_EF_SCRIPT_TRUNC;
	rg_hasher_exec(h, &ev, 5, 12);
	CHECK(!rg_hasher_run_one(h), "a cut name is not queued");
	rg_hasher_free(h);

	struct rg_hash_id found;
	char hex[65];
	CHECK_INT(rg_hash_path(0, path, 3, &found, hex), RG_HS_TOO_LARGE,
		  "rg_hash_path: larger than max_size: too_large");
	CHECK_INT(rg_hash_path((uint32_t)getpid(), path, 1 << 20, &found, hex), RG_HS_BY_PATH,
		  "rg_hash_path through /proc/PID/root: by_path");
	CHECK_STR(hex, HELLO_SHA, "rg_hash_path: the hash");
	unlink(path);
}

static void test_bounds(void)
{
	struct rg_hasher *h = rg_hasher_new(&(struct rg_hasher_opts){
		.max_size = 1 << 20, .per_second = 2, .cache_max = 64, .no_thread = true});
	struct rg_hasher_stats st;
	struct rg_event ev;
	const char *status[4];
	for (int i = 0; i < 4; i++) {
		ev = exec_of("/x", (struct rg_hash_id){1, 100 + (uint64_t)i, 1, 1});
		rg_hasher_exec(h, &ev, 1, 1000);
		status[i] = ev.hash_status;
	}
	CHECK(!status[0] && !status[1], "max_per_second 2: two files queued");
	CHECK_STR(status[2], "over_budget", "the third is over budget");
	ev = exec_of("/x", (struct rg_hash_id){1, 102, 1, 1});
	rg_hasher_exec(h, &ev, 1, 1000 + 500000000);
	CHECK(!ev.hash_status, "half a second later, one more token: the file is tried again");
	rg_hasher_stats(h, &st);
	CHECK_INT(st.over_budget, 2, "over_budget counted");
	rg_hasher_free(h);

	h = rg_hasher_new(&(struct rg_hasher_opts){
		.max_size = 1 << 20, .per_second = 100000, .cache_max = 64, .no_thread = true});
	unsigned over = 0;
	for (int i = 0; i < 300; i++) {
		ev = exec_of("/x", (struct rg_hash_id){1, 1000 + (uint64_t)i, 1, 1});
		rg_hasher_exec(h, &ev, 1, 1);
		over += ev.hash_status != NULL;
	}
	CHECK_INT(over, 300 - 256, "at most 256 jobs outstanding: the rest over budget");
	rg_hasher_stats(h, &st);
	CHECK_INT(st.evictions, 256 - 64, "the cache holds cache_max identities, evicting the oldest");
	rg_hasher_free(h); /* frees waiting jobs */
}

int main(void)
{
	char dir[] = "/tmp/test_hasher.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	CHECK_STR(rg_hash_status_name(RG_HS_OVER_BUDGET), "over_budget", "status names");
	CHECK_STR(rg_hash_status_name(RG_HS_COUNT), "error", "an unknown status is an error");
	test_sha256();
	test_file(dir);
	test_cache(dir);
	test_scripts(dir);
	test_bounds();
	rmdir(dir);
	return tap_done();
}
