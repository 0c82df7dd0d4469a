/* ndjson.c: NDJSON formatting and the buffered line writer (see ndjson.h). */
#include "ndjson.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "fields.h"
#include "ecs.h"
#include "jsonesc.h"
#include "outfile.h"

#define FLUSH_AT (64 * 1024)

struct rg_ndjson {
	char *path; /* NULL for stdout */
	int fd;
	struct rg_ndjson_fmt fmt;
	struct rg_buf buf;
	uint64_t lines;  /* lines in buf */
	uint64_t written, failures;
};

int rg_ndjson_profile_parse(const char *s)
{
	if (!strcmp(s, "native"))
		return RG_NDJSON_NATIVE;
	if (!strcmp(s, "ecs"))
		return RG_NDJSON_ECS;
	return -1;
}

/* s as a JSON value, in its own allocation: "text", or null. */
static char *json_value(const char *s)
{
	struct rg_buf b = {0};
	if (s)
		rg_json_str_c(&b, s);
	else
		rg_buf_adds(&b, "null");
	char *v = rg_strdup(rg_buf_cstr(&b));
	rg_buf_free(&b);
	return v;
}

void rg_ndjson_fmt_init(struct rg_ndjson_fmt *f, const struct rg_ndjson_opts *o)
{
	memset(f, 0, sizeof(*f));
	f->profile = o ? o->profile : RG_NDJSON_NATIVE;
	f->now.sec = f->other.sec = INT64_MIN;
	f->host = json_value(o ? o->host : NULL);
	f->boot_id = json_value(o ? o->boot_id : NULL);
	struct rg_buf b = {0};
	rg_buf_printf(&b, ",\"host\":%s,\"boot_id\":%s", f->host, f->boot_id);
	f->origin = rg_strdup(rg_buf_cstr(&b));
	f->origin_len = b.len;
	rg_buf_free(&b);
}

void rg_ndjson_fmt_free(struct rg_ndjson_fmt *f)
{
	rg_ecs_free(f->ecs);
	free(f->origin);
	free(f->host);
	free(f->boot_id);
	memset(f, 0, sizeof(*f));
}

/* The date and time up to the second is made by gmtime_r and strftime
 * once a second: one line in the same second as the last formats only
 * its nine digits of nanoseconds (a third of the cost of a whole line
 * otherwise; tests/bench/rg-ndjson-bench.c). */
void rg_ndjson_add_time(struct rg_ndjson_fmt *f, struct rg_buf *b, int64_t ns)
{
	rg_ndjson_add_time_in(&f->now, b, ns);
}

void rg_ndjson_add_time_in(struct rg_ndjson_time *f, struct rg_buf *b, int64_t ns)
{
	int64_t sec = ns / 1000000000, frac = ns % 1000000000;
	if (frac < 0) { /* before 1970: the second below, a positive fraction */
		frac += 1000000000;
		sec--;
	}
	if (sec != f->sec) {
		time_t t = (time_t)sec;
		struct tm tm;
		size_t n = gmtime_r(&t, &tm) ? strftime(f->prefix, sizeof(f->prefix),
							"\"%Y-%m-%dT%H:%M:%S.", &tm) : 0;
		if (!n) /* not representable: never from an int64 of ns */
			n = (size_t)snprintf(f->prefix, sizeof(f->prefix), "\"0000-01-01T00:00:00.");
		f->prefix_len = (uint8_t)n;
		f->sec = sec;
	}
	char tail[11];
	for (int i = 8; i >= 0; i--, frac /= 10)
		tail[i] = (char)('0' + frac % 10);
	tail[9] = 'Z';
	tail[10] = '"';
	rg_buf_add(b, f->prefix, f->prefix_len);
	rg_buf_add(b, tail, sizeof(tail));
}

void rg_ndjson_add_stamp(struct rg_ndjson_fmt *f, struct rg_buf *b, int64_t ts_ns)
{
	rg_buf_adds(b, ",\"time\":");
	rg_ndjson_add_time(f, b, ts_ns);
	rg_buf_add(b, f->origin, f->origin_len);
}

static void add_argv(struct rg_buf *b, struct rg_str a, bool as_array)
{
	uint32_t n = a.len;
	if (n && a.p[n - 1] == '\0')
		n--; /* the terminator of the last argument */
	rg_buf_addc(b, as_array ? '[' : '"');
	for (uint32_t start = 0, i = 0; a.len && i <= n; i++) {
		if (i < n && a.p[i] != '\0')
			continue;
		if (start)
			rg_buf_adds(b, as_array ? "," : " ");
		if (as_array)
			rg_json_str(b, a.p + start, i - start);
		else
			rg_json_chars(b, a.p + start, i - start);
		start = i + 1;
	}
	rg_buf_addc(b, as_array ? ']' : '"');
}

/* What an event type's object holds: its fields in registry order, each
 * with its key text ({"name": for the first, ,"name": after), made once.
 * Walking the whole registry per event, testing each field's types and
 * building each key from four appends was a third of a line's cost. The
 * text is padded to a fixed size, copied whole (see add_key). */
#define KEY_MAX 32
_Static_assert(RG_FIELD_NAME_MAX + 5 <= KEY_MAX, "a key's text holds ,\"name\": and a NUL");
struct key {
	const struct rg_field *f;
	uint8_t len;
	char text[KEY_MAX];
};
static struct {
	unsigned n;
	struct key k[RG_FIELDS_MAX];
} plans[RG_ET_COUNT];
/* Each event type's name as a JSON string, made with the plans. */
static struct rg_buf etype_json[RG_ET_COUNT];
static pthread_once_t plans_once = PTHREAD_ONCE_INIT;

static void make_plans(void)
{
	for (unsigned t = 0; t < RG_ET_COUNT; t++) {
		rg_json_str_c(&etype_json[t], rg_etype_name(t));
		for (unsigned i = 0; i < rg_nfields; i++) {
			const struct rg_field *f = &rg_fields[i];
			if (!(f->types & RG_ET_BIT(t)))
				continue;
			struct key *k = &plans[t].k[plans[t].n++];
			int n = snprintf(k->text, sizeof(k->text), "%c\"%s\":",
					 plans[t].n == 1 ? '{' : ',', f->name);
			if (n < 0 || n >= KEY_MAX)
				abort(); /* a name past RG_FIELD_NAME_MAX: test_schema fails first */
			k->f = f;
			k->len = (uint8_t)n;
		}
	}
}

/* The key after which the stamp goes: every plan starts event_type, seq,
 * ts_ns (make_plans checks). */
#define STAMP_AFTER 2

static void check_plans(void)
{
	for (unsigned t = 0; t < RG_ET_COUNT; t++)
		if (plans[t].n && (plans[t].n <= STAMP_AFTER ||
				   strcmp(plans[t].k[STAMP_AFTER].f->name, "ts_ns")))
			abort(); /* the registry's order changed: test_ndjson fails first */
}

static void make_all_plans(void)
{
	make_plans();
	check_plans();
}

/* The whole padded text, len bytes of it counted: a copy of a size known
 * here is a few moves, a copy of k->len bytes a call to memcpy, for each
 * of the twenty-odd keys of a line. */
static inline void add_key(struct rg_buf *b, const struct key *k)
{
	if (b->len + sizeof(k->text) + 1 > b->cap)
		rg_buf_grow(b, sizeof(k->text));
	memcpy(b->p + b->len, k->text, sizeof(k->text));
	b->len += k->len;
}

static inline void add_null(struct rg_buf *b)
{
	rg_buf_adds(b, "null");
}

/* Field f of ev, null when unknown (rg_field_is_null's rules): the type
 * is switched on once for both, and an integer read once. Inlined in the
 * loop over a line's fields: a call per field was a tenth of its cost. */
static inline __attribute__((always_inline)) void add_value(struct rg_buf *b, const struct rg_field *f, const struct rg_event *ev)
{
	switch (f->type) {
	case RG_FT_STR: case RG_FT_CSTR: case RG_FT_ARGV: case RG_FT_CMDLINE: {
		struct rg_str s = rg_field_str(f, ev);
		if (!s.p)
			add_null(b);
		else if (f->type == RG_FT_STR || f->type == RG_FT_CSTR)
			rg_json_str(b, s.p, s.len);
		else
			add_argv(b, s, f->type == RG_FT_ARGV);
		return;
	}
	default:
		break;
	}
	int64_t v = rg_field_int(f, ev);
	if ((f->opts & RG_FO_NEG_NULL) ? v < 0 : (f->opts & RG_FO_ZERO_NULL) && v == 0) {
		add_null(b);
		return;
	}
	switch (f->type) {
	case RG_FT_ETYPE:
		if ((unsigned)v < RG_ET_COUNT)
			rg_buf_add(b, etype_json[v].p, etype_json[v].len);
		else
			rg_json_str_c(b, rg_etype_name(ev->type));
		break;
	case RG_FT_U64:
		rg_buf_add_u64(b, (uint64_t)v);
		break;
	case RG_FT_BOOL: case RG_FT_FLAG:
		if (v)
			rg_buf_adds(b, "true");
		else
			rg_buf_adds(b, "false");
		break;
	default:
		rg_buf_add_i64(b, v);
	}
}

void rg_ndjson_add_value(struct rg_buf *b, const struct rg_field *f, const struct rg_event *ev)
{
	pthread_once(&plans_once, make_all_plans); /* the event types' names */
	add_value(b, f, ev);
}

/* The event as one JSON object, without a newline; with the stamp after
 * ts_ns when f is given (a line's own object, not an alert's trigger). */
static void format_object(struct rg_ndjson_fmt *f, struct rg_buf *b, const struct rg_event *ev)
{
	pthread_once(&plans_once, make_all_plans);
	if ((unsigned)ev->type >= RG_ET_COUNT || !plans[ev->type].n) {
		rg_buf_adds(b, "{}");
		return;
	}
	for (unsigned i = 0; i < plans[ev->type].n; i++) {
		const struct key *k = &plans[ev->type].k[i];
		add_key(b, k); /* names are plain ASCII: no escaping */
		add_value(b, k->f, ev);
		if (i == STAMP_AFTER && f)
			rg_ndjson_add_stamp(f, b, ev->ts_ns);
	}
	rg_buf_addc(b, '}');
}

void rg_ndjson_format_event(struct rg_ndjson_fmt *f, struct rg_buf *b,
			    const struct rg_event *ev)
{
	if (f->profile == RG_NDJSON_ECS) {
		rg_ecs_event(f, b, ev);
		return;
	}
	format_object(f, b, ev);
	rg_buf_addc(b, '\n');
}

static void add_key_str(struct rg_buf *b, const char *key, struct rg_str v)
{
	rg_buf_printf(b, ",\"%s\":", key);
	if (v.p)
		rg_json_str(b, v.p, v.len);
	else
		rg_buf_adds(b, "null");
}

/* The nested triggering event is "trigger": ECS reserves "event" for its
 * event.* fields, and a pipeline that maps those would refuse the line. */
void rg_ndjson_format_alert(struct rg_ndjson_fmt *f, struct rg_buf *b, const struct rg_alert *a,
			    const struct rg_event *ev)
{
	if (f->profile == RG_NDJSON_ECS) {
		rg_ecs_alert(f, b, a, ev);
		return;
	}
	rg_buf_printf(b, "{\"event_type\":\"alert\",\"seq\":%" PRIu64 ",\"ts_ns\":%" PRId64,
		      a->seq, a->ts_ns);
	rg_ndjson_add_stamp(f, b, a->ts_ns);
	add_key_str(b, "rule_id", a->rule_id);
	add_key_str(b, "rule_name", a->rule_name);
	add_key_str(b, "severity", a->severity);
	rg_buf_adds(b, ",\"tags\":");
	rg_json_words(b, a->tags.p, a->tags.len);
	add_key_str(b, "rule_source", a->rule_source);
	add_key_str(b, "rule_file", a->rule_file);
	rg_buf_printf(b, ",\"event_seq\":%" PRIu64, a->event_seq);
	if (a->proc_id)
		rg_buf_printf(b, ",\"proc_id\":%" PRId64, a->proc_id);
	else
		rg_buf_adds(b, ",\"proc_id\":null");
	rg_buf_printf(b, ",\"pid\":%" PRIu32, a->pid);
	add_key_str(b, "exe", a->exe);
	add_key_str(b, "summary", a->summary);
	add_key_str(b, "rules_digest", a->rules_digest);
	if (a->nsteps) {
		char steps[RG_ALERT_STEPS_JSON];
		rg_alert_steps_json(a, steps, sizeof(steps));
		rg_buf_printf(b, ",\"steps\":%s", steps);
	}
	if (ev) {
		rg_buf_adds(b, ",\"trigger\":");
		format_object(NULL, b, ev);
	}
	rg_buf_adds(b, "}\n");
}

void rg_ndjson_format_health(struct rg_ndjson_fmt *f, struct rg_buf *b,
			     const struct rg_health *h)
{
	if (f->profile == RG_NDJSON_ECS) {
		rg_ecs_health(f, b, h);
		return;
	}
	rg_buf_printf(b, "{\"event_type\":\"health\",\"seq\":%" PRIu64 ",\"ts_ns\":%" PRId64,
		      h->seq, h->ts_ns);
	rg_ndjson_add_stamp(f, b, h->ts_ns);
	rg_buf_printf(b, ",\"run_id\":%" PRId64, h->run_id);
#define RG_HEALTH_JSON(name, kind, what) \
	rg_buf_printf(b, ",\"" #name "\":%" PRIu64, h->name);
	RG_HEALTH_FIELDS(RG_HEALTH_JSON)
#undef RG_HEALTH_JSON
	rg_buf_adds(b, "}\n");
}

/* A gap's ts_ns is its start: where a time-ordered index puts it. */
void rg_ndjson_format_gap(struct rg_ndjson_fmt *f, struct rg_buf *b, const struct rg_gap *g)
{
	if (f->profile == RG_NDJSON_ECS) {
		rg_ecs_gap(f, b, g);
		return;
	}
	rg_buf_printf(b, "{\"event_type\":\"gap\",\"ts_ns\":%" PRId64, g->start_ns);
	rg_ndjson_add_stamp(f, b, g->start_ns);
	rg_buf_printf(b, ",\"run_id\":%" PRId64 ",\"start_ns\":%" PRId64 ",\"end_ns\":%" PRId64
		      ",\"count\":%" PRIu64 ",\"reason\":",
		      g->run_id, g->start_ns, g->end_ns, g->count);
	rg_json_str_c(b, g->reason);
	if (g->rule_id.p) {
		rg_buf_adds(b, ",\"rule_id\":");
		rg_json_str(b, g->rule_id.p, g->rule_id.len);
	}
	rg_buf_adds(b, "}\n");
}

static void add_hex(struct rg_buf *b, const char *key, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	rg_buf_printf(b, ",\"%s\":\"", key);
	for (size_t i = 0; i < n; i++) {
		rg_buf_addc(b, digits[p[i] >> 4]);
		rg_buf_addc(b, digits[p[i] & 15]);
	}
	rg_buf_addc(b, '"');
}

/* The host is every line's key (the signed message has it, store/sign.h). */
void rg_ndjson_format_checkpoint(struct rg_ndjson_fmt *f, struct rg_buf *b,
				 const struct rg_checkpoint *c)
{
	if (f->profile == RG_NDJSON_ECS) {
		rg_ecs_checkpoint(f, b, c);
		return;
	}
	rg_buf_printf(b, "{\"event_type\":\"checkpoint\",\"ts_ns\":%" PRId64, c->ts_ns);
	rg_ndjson_add_stamp(f, b, c->ts_ns);
	rg_buf_printf(b, ",\"run_id\":%" PRId64 ",\"link\":%" PRId64, c->run_id, c->link);
	add_hex(b, "head", c->head, sizeof(c->head));
	rg_buf_adds(b, ",\"key_fpr\":");
	rg_json_str_c(b, c->fpr);
	add_hex(b, "pubkey", c->pk, sizeof(c->pk));
	add_hex(b, "sig", c->sig, sizeof(c->sig));
	rg_buf_adds(b, "}\n");
}

/* A file is checked, created 0600 and locked as outfile.h says. */
static int open_fd(const char *path, char *err, size_t errlen, int *code)
{
	const struct rg_outfile how = {O_WRONLY | O_APPEND, true, NULL};
	return rg_outfile_open(path, &how, err, errlen, code);
}

struct rg_ndjson *rg_ndjson_open(const char *path, const struct rg_ndjson_opts *o, char *err,
				 size_t errlen, int *code)
{
	int ignored;
	code = code ? code : &ignored;
	*code = 1;
	struct rg_ndjson *nd = rg_calloc(1, sizeof(*nd));
	if (strcmp(path, "-") != 0)
		nd->path = rg_strdup(path);
	nd->fd = nd->path ? open_fd(path, err, errlen, code) : STDOUT_FILENO;
	if (nd->fd < 0) {
		free(nd->path);
		free(nd);
		return NULL;
	}
	rg_ndjson_fmt_init(&nd->fmt, o);
	return nd;
}

/* Counts lines as written or failed as a whole: with O_APPEND a short
 * write is rare (disk full) and what did land is not worth splitting. */
void rg_ndjson_flush(struct rg_ndjson *nd)
{
	size_t off = 0;
	while (off < nd->buf.len) {
		ssize_t n = write(nd->fd, nd->buf.p + off, nd->buf.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (off == nd->buf.len)
		nd->written += nd->lines;
	else
		nd->failures += nd->lines;
	nd->buf.len = 0;
	nd->lines = 0;
}

static void added_line(struct rg_ndjson *nd)
{
	nd->lines++;
	if (nd->buf.len >= FLUSH_AT)
		rg_ndjson_flush(nd);
}

void rg_ndjson_event(struct rg_ndjson *nd, const struct rg_event *ev)
{
	rg_ndjson_format_event(&nd->fmt, &nd->buf, ev);
	added_line(nd);
}

void rg_ndjson_alert(struct rg_ndjson *nd, const struct rg_alert *a, const struct rg_event *ev)
{
	rg_ndjson_format_alert(&nd->fmt, &nd->buf, a, ev);
	added_line(nd);
}

void rg_ndjson_health(struct rg_ndjson *nd, const struct rg_health *h)
{
	rg_ndjson_format_health(&nd->fmt, &nd->buf, h);
	added_line(nd);
}

void rg_ndjson_gap(struct rg_ndjson *nd, const struct rg_gap *g)
{
	rg_ndjson_format_gap(&nd->fmt, &nd->buf, g);
	added_line(nd);
}

void rg_ndjson_checkpoint(struct rg_ndjson *nd, const struct rg_checkpoint *c)
{
	rg_ndjson_format_checkpoint(&nd->fmt, &nd->buf, c);
	added_line(nd);
}

int rg_ndjson_reopen(struct rg_ndjson *nd, char *err, size_t errlen)
{
	rg_ndjson_flush(nd);
	if (!nd->path)
		return 0;
	/* not rotated: the path is still our file, which a second open
	 * could not lock against our own lock */
	struct stat now, ours;
	if (lstat(nd->path, &now) == 0 && fstat(nd->fd, &ours) == 0 &&
	    now.st_dev == ours.st_dev && now.st_ino == ours.st_ino)
		return 0;
	int code;
	int fd = open_fd(nd->path, err, errlen, &code);
	if (fd < 0)
		return -1; /* keep writing to the old file */
	close(nd->fd);
	nd->fd = fd;
	return 0;
}

void rg_ndjson_close(struct rg_ndjson *nd)
{
	if (!nd)
		return;
	rg_ndjson_flush(nd);
	if (nd->path)
		close(nd->fd);
	free(nd->path);
	rg_ndjson_fmt_free(&nd->fmt);
	rg_buf_free(&nd->buf);
	free(nd);
}

uint64_t rg_ndjson_written(const struct rg_ndjson *nd)
{
	return nd->written;
}

uint64_t rg_ndjson_failures(const struct rg_ndjson *nd)
{
	return nd->failures;
}
