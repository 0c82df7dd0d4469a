/* ecs.c: ECS documents for the NDJSON output (see ecs.h, docs/ecs.md).
 *
 * A line is built as a list of (dotted ECS name, JSON value) pairs, then
 * sorted by name and written as nested objects: names that share a
 * prefix are neighbours once sorted, so each object opens and closes
 * once. The pairs of an event type (which field goes to which name, with
 * which conversion) are worked out once per type. */
#include "ecs.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "checkpoint.h"
#include "jsonesc.h"

#define PROC RG_ET_PROCESS_MASK
#define FILE_ RG_ET_FILE_MASK
#define NET RG_ET_NET_MASK
#define SYS RG_ET_SYS_MASK
#define ACCEPT RG_ET_BIT(RG_ET_NET_ACCEPT)
#define OUT (NET & ~ACCEPT) /* the local end is the source */
#define LINKS (RG_ET_BIT(RG_ET_FILE_LINK) | RG_ET_BIT(RG_ET_FILE_SYMLINK))
#define MODES (RG_ET_BIT(RG_ET_FILE_CHMOD) | RG_ET_BIT(RG_ET_FILE_MKDIR))
#define PATHS (FILE_ | SYS | RG_ET_BIT(RG_ET_PROCESS_EXEC_FAILED))

/* The registry's fields ECS has a name for. A field on a type no row
 * names goes under rand_guard.<field>. */
const struct rg_ecs_map rg_ecs_maps[] = {
	{"event_type", "event.action", RG_ECS_SAME, 0},
	{"seq", "event.sequence", RG_ECS_SAME, 0},
	{"proc_id", "process.entity_id", RG_ECS_TEXT, 0},
	{"pid", "process.pid", RG_ECS_SAME, 0},
	{"tid", "process.thread.id", RG_ECS_SAME, 0},
	{"uid", "user.id", RG_ECS_TEXT, 0},
	{"gid", "group.id", RG_ECS_TEXT, 0},
	{"ppid", "process.parent.pid", RG_ECS_SAME, 0},
	{"parent_proc_id", "process.parent.entity_id", RG_ECS_TEXT, 0},
	{"comm", "process.name", RG_ECS_SAME, 0},
	{"exe", "process.executable", RG_ECS_SAME, 0},
	{"cmdline", "process.command_line", RG_ECS_SAME, 0},
	{"argv", "process.args", RG_ECS_SAME, 0},
	{"argc", "process.args_count", RG_ECS_SAME, 0},
	{"cwd", "process.working_directory", RG_ECS_SAME, 0},
	{"euid", "user.effective.id", RG_ECS_TEXT, 0},
	{"egid", "user.effective.group.id", RG_ECS_TEXT, 0},
	{"env", "process.env_vars", RG_ECS_SAME, 0},
	{"exe_sha256", "process.hash.sha256", RG_ECS_SAME, 0},
	{"user", "user.name", RG_ECS_SAME, 0},
	{"euser", "user.effective.name", RG_ECS_SAME, 0},
	{"group_name", "group.name", RG_ECS_SAME, 0},
	{"container_id", "container.id", RG_ECS_SAME, 0},
	{"container_runtime", "container.runtime", RG_ECS_SAME, 0},
	{"exit_code", "process.exit_code", RG_ECS_SAME, 0},
	{"path", "file.path", RG_ECS_SAME, PATHS},
	{"new_path", "file.target_path", RG_ECS_SAME, LINKS},
	{"mode", "file.mode", RG_ECS_OCTAL, MODES},
	{"owner_uid", "file.uid", RG_ECS_TEXT, 0},
	{"owner_gid", "file.gid", RG_ECS_TEXT, 0},
	{"mtime_ns", "file.mtime", RG_ECS_DATE, 0},
	{"family", "network.type", RG_ECS_IP, 0},
	{"family", RG_ECS_OWN ".family", RG_ECS_NOT_IP, 0},
	{"protocol", "network.transport", RG_ECS_SAME, 0},
	{"local_addr", "source.ip", RG_ECS_IP, OUT},
	{"local_addr", "destination.ip", RG_ECS_IP, ACCEPT},
	{"local_addr", RG_ECS_OWN ".local_addr", RG_ECS_NOT_IP, 0},
	{"local_port", "source.port", RG_ECS_SAME, OUT},
	{"local_port", "destination.port", RG_ECS_SAME, ACCEPT},
	{"remote_addr", "destination.ip", RG_ECS_IP, OUT},
	{"remote_addr", "source.ip", RG_ECS_IP, ACCEPT},
	{"remote_addr", RG_ECS_OWN ".remote_addr", RG_ECS_NOT_IP, 0},
	{"remote_port", "destination.port", RG_ECS_SAME, OUT},
	{"remote_port", "source.port", RG_ECS_SAME, ACCEPT},
	{"remote_hostname", "destination.domain", RG_ECS_SAME, 0},
	{"dns_query", "dns.question.name", RG_ECS_SAME, 0},
	{"dns_type", "dns.question.type", RG_ECS_SAME, 0},
	{"dns_rcode", "dns.response_code", RG_ECS_RCODE, 0},
	{"dns_answers", "dns.resolved_ip", RG_ECS_WORDS, 0},
};
const unsigned rg_ecs_nmaps = sizeof(rg_ecs_maps) / sizeof(rg_ecs_maps[0]);

/* ECS's allowed values (tests/cases/ecs/allowed-values.txt). */
const struct rg_ecs_kind rg_ecs_kinds[RG_ET_COUNT] = {
	[RG_ET_PROCESS_START] = {"process", "start", NULL},
	[RG_ET_PROCESS_RELATIONSHIP] = {"process", "start", NULL},
	[RG_ET_PROCESS_EXIT] = {"process", "end", NULL},
	[RG_ET_PROCESS_EXEC_FAILED] = {"process", "start", NULL},
	[RG_ET_BINARY_HASHED] = {"file", "info", NULL},
	[RG_ET_FILE_OPEN] = {"file", "access", NULL},
	[RG_ET_FILE_WRITE] = {"file", "change", NULL},
	[RG_ET_FILE_RENAME] = {"file", "change", NULL},
	[RG_ET_FILE_UNLINK] = {"file", "deletion", NULL},
	[RG_ET_FILE_CHMOD] = {"file", "change", NULL},
	[RG_ET_FILE_CHOWN] = {"file", "change", NULL},
	[RG_ET_FILE_LINK] = {"file", "creation", NULL},
	[RG_ET_FILE_SYMLINK] = {"file", "creation", NULL},
	[RG_ET_FILE_MKDIR] = {"file", "creation", NULL},
	[RG_ET_FILE_UTIMES] = {"file", "change", NULL},
	[RG_ET_FILE_SETXATTR] = {"file", "change", NULL},
	[RG_ET_FILE_TRUNCATE] = {"file", "change", NULL},
	[RG_ET_NET_CONNECT] = {"network", "connection start", "egress"},
	[RG_ET_NET_BIND] = {"network", "start", NULL},
	[RG_ET_NET_LISTEN] = {"network", "start", NULL},
	[RG_ET_NET_ACCEPT] = {"network", "connection start", "ingress"},
	[RG_ET_DNS_QUERY] = {"network", "protocol", NULL},
	[RG_ET_DNS_ANSWER] = {"network", "protocol", NULL},
	[RG_ET_HEALTH] = {"host", "info", NULL},
	[RG_ET_CRED_CHANGE] = {"process", "change", NULL},
	[RG_ET_PTRACE] = {"process", "access", NULL},
	[RG_ET_PROC_MEM_WRITE] = {"process", "change", NULL},
	[RG_ET_MEMFD_CREATE] = {"file", "creation", NULL},
	[RG_ET_MODULE_LOAD] = {"driver", "start", NULL},
	[RG_ET_BPF_LOAD] = {"driver", "start", NULL},
	[RG_ET_MOUNT] = {"configuration", "change", NULL},
	[RG_ET_UMOUNT] = {"configuration", "change", NULL},
	[RG_ET_NAMESPACE_CHANGE] = {"process", "change", NULL},
};

const char *rg_ecs_conv_text(enum rg_ecs_conv c)
{
	switch (c) {
	case RG_ECS_SAME: return "as is";
	case RG_ECS_TEXT: return "the number as a string";
	case RG_ECS_OCTAL: return "octal string, `0644`";
	case RG_ECS_DATE: return "RFC 3339 time";
	case RG_ECS_IP: return "when the family is ipv4 or ipv6";
	case RG_ECS_NOT_IP: return "when it is not (unix)";
	case RG_ECS_RCODE: return "its name, `NXDOMAIN` (else the number as a string)";
	case RG_ECS_WORDS: return "array of the addresses";
	}
	return "?";
}

/* "all", else whole event tables by name and the other types. */
const char *rg_ecs_types_text(rg_etmask types, char *buf, size_t n)
{
	size_t at = 0;
	buf[0] = '\0';
	if (!types)
		return "all";
	for (unsigned i = 0; i < RG_N_EVENT_TABLES; i++)
		if ((types & rg_event_tables[i].types) == rg_event_tables[i].types) {
			at += (size_t)snprintf(buf + at, at < n ? n - at : 0, "%s`%s`", at ? ", " : "",
					       rg_event_tables[i].name);
			types &= ~rg_event_tables[i].types;
		}
	for (unsigned t = 0; t < RG_ET_COUNT; t++)
		if (types & RG_ET_BIT(t))
			at += (size_t)snprintf(buf + at, at < n ? n - at : 0, "%s`%s`", at ? ", " : "",
					       rg_etype_name((enum rg_etype)t));
	return buf;
}

/* --- the plans: what each event type's document holds ---------------------- */

struct pkey {
	const struct rg_field *f;
	const char *key;
	enum rg_ecs_conv conv;
};
static struct plan {
	unsigned n;
	struct pkey k[RG_FIELDS_MAX * 2];
	char category[32], type[56], dataset[40]; /* JSON values */
	bool has_result;
} plans[RG_ET_COUNT];
static char own_keys[RG_FIELDS_MAX][sizeof(RG_ECS_OWN) + RG_FIELD_NAME_MAX + 1];
static pthread_once_t plans_once = PTHREAD_ONCE_INIT;

static void add_key(struct plan *p, const struct rg_field *f, const char *key,
		    enum rg_ecs_conv conv)
{
	p->k[p->n++] = (struct pkey){f, key, conv};
}

static void make_kind(struct plan *p, unsigned t)
{
	const struct rg_ecs_kind *k = &rg_ecs_kinds[t];
	char a[24] = "", b[24] = "";
	snprintf(p->category, sizeof(p->category), "[\"%s\"]", k->category ? k->category : "host");
	if (k->type && sscanf(k->type, "%23s %23s", a, b) == 2)
		snprintf(p->type, sizeof(p->type), "[\"%s\",\"%s\"]", a, b);
	else
		snprintf(p->type, sizeof(p->type), "[\"%s\"]", k->type ? k->type : "info");
	const char *table = "system";
	for (unsigned i = 0; i < RG_N_EVENT_TABLES; i++)
		if (rg_event_tables[i].types & RG_ET_BIT(t))
			table = rg_event_tables[i].name;
	snprintf(p->dataset, sizeof(p->dataset), "\"" RG_ECS_OWN ".%.*s\"",
		 (int)strcspn(table, "_"), table);
}

static void make_plans(void)
{
	for (unsigned i = 0; i < rg_nfields; i++)
		snprintf(own_keys[i], sizeof(own_keys[i]), RG_ECS_OWN ".%s", rg_fields[i].name);
	for (unsigned t = 0; t < RG_ET_COUNT; t++) {
		struct plan *p = &plans[t];
		make_kind(p, t);
		for (unsigned i = 0; i < rg_nfields; i++) {
			const struct rg_field *f = &rg_fields[i];
			if (!(f->types & RG_ET_BIT(t)))
				continue;
			unsigned before = p->n;
			for (unsigned m = 0; m < rg_ecs_nmaps; m++)
				if (!strcmp(rg_ecs_maps[m].field, f->name) &&
				    (!rg_ecs_maps[m].types || (rg_ecs_maps[m].types & RG_ET_BIT(t))))
					add_key(p, f, rg_ecs_maps[m].ecs, rg_ecs_maps[m].conv);
			if (p->n == before)
				add_key(p, f, own_keys[i], RG_ECS_SAME);
			if (!strcmp(f->name, "result"))
				p->has_result = true;
		}
	}
}

/* --- a document: (name, value) pairs, then nested JSON --------------------- */

#define DOC_MAX 224
struct ent {
	const char *key;
	uint32_t off, len; /* the value in doc.v */
};
struct doc {
	struct rg_buf v;
	unsigned n;
	struct ent e[DOC_MAX];
};

static struct doc *doc_of(struct rg_ndjson_fmt *f)
{
	if (!f->ecs)
		f->ecs = rg_calloc(1, sizeof(struct doc));
	struct doc *d = f->ecs;
	d->n = 0;
	d->v.len = 0;
	return d;
}

void rg_ecs_free(void *ecs)
{
	struct doc *d = ecs;
	if (d)
		rg_buf_free(&d->v);
	free(d);
}

/* The value written to d->v since `at` becomes key's; with replace, in
 * place of a pair of the same name (an alert's over its trigger's). */
static void put(struct doc *d, const char *key, size_t at, bool replace)
{
	struct ent e = {key, (uint32_t)at, (uint32_t)(d->v.len - at)};
	if (replace)
		for (unsigned i = 0; i < d->n; i++)
			if (!strcmp(d->e[i].key, key)) {
				d->e[i] = e;
				return;
			}
	if (d->n < DOC_MAX) /* the largest document has far fewer (test_ecs) */
		d->e[d->n++] = e;
}

static void put_text(struct doc *d, const char *key, const char *json, bool replace)
{
	size_t at = d->v.len;
	rg_buf_adds(&d->v, json);
	put(d, key, at, replace);
}

static void put_str(struct doc *d, const char *key, struct rg_str s, bool replace)
{
	if (!s.p)
		return;
	size_t at = d->v.len;
	rg_json_str(&d->v, s.p, s.len);
	put(d, key, at, replace);
}

static void put_int(struct doc *d, const char *key, int64_t v, bool as_text, bool replace)
{
	size_t at = d->v.len;
	if (as_text)
		rg_buf_addc(&d->v, '"');
	rg_buf_add_i64(&d->v, v);
	if (as_text)
		rg_buf_addc(&d->v, '"');
	put(d, key, at, replace);
}

static void put_time(struct doc *d, struct rg_ndjson_time *t, const char *key, int64_t ns,
		     bool replace)
{
	size_t at = d->v.len;
	rg_ndjson_add_time_in(t, &d->v, ns);
	put(d, key, at, replace);
}

static int by_key(const struct ent *a, const struct ent *b)
{
	return strcmp(a->key, b->key);
}

/* Insertion sort: a plan's pairs come nearly in order, and it is stable. */
static void sort(struct doc *d)
{
	for (unsigned i = 1; i < d->n; i++) {
		struct ent e = d->e[i];
		unsigned j = i;
		for (; j > 0 && by_key(&d->e[j - 1], &e) > 0; j--)
			d->e[j] = d->e[j - 1];
		d->e[j] = e;
	}
}

#define DEPTH_MAX 8

static void add_name(struct rg_buf *b, bool *first, const char *p, size_t n)
{
	if (!*first)
		rg_buf_addc(b, ',');
	*first = false;
	rg_buf_addc(b, '"');
	rg_buf_add(b, p, n); /* names are ours: plain ASCII */
	rg_buf_adds(b, "\":");
}

/* Sorted dotted names as nested objects: {"a":{"b":1,"c":2},"d":3}. */
static void emit(struct doc *d, struct rg_buf *b)
{
	const char *open[DEPTH_MAX];
	size_t open_len[DEPTH_MAX];
	bool first[DEPTH_MAX + 1] = {true};
	unsigned depth = 0;
	sort(d);
	rg_buf_addc(b, '{');
	for (unsigned i = 0; i < d->n; i++) {
		const char *k = d->e[i].key, *part[DEPTH_MAX + 1];
		size_t len[DEPTH_MAX + 1];
		unsigned np = 0;
		for (const char *p = k; np <= DEPTH_MAX; np++) {
			part[np] = p;
			len[np] = strcspn(p, ".");
			if (!p[len[np]]) {
				np++;
				break;
			}
			p += len[np] + 1;
		}
		unsigned same = 0;
		while (same < depth && same + 1 < np && len[same] == open_len[same] &&
		       !memcmp(part[same], open[same], len[same]))
			same++;
		for (; depth > same; depth--)
			rg_buf_addc(b, '}');
		for (; depth + 1 < np && depth < DEPTH_MAX; depth++) {
			add_name(b, &first[depth], part[depth], len[depth]);
			rg_buf_addc(b, '{');
			open[depth] = part[depth];
			open_len[depth] = len[depth];
			first[depth + 1] = true;
		}
		add_name(b, &first[depth], part[np - 1], len[np - 1]);
		rg_buf_add(b, d->v.p + d->e[i].off, d->e[i].len);
	}
	for (; depth > 0; depth--)
		rg_buf_addc(b, '}');
	rg_buf_adds(b, "}\n");
}

/* --- the lines ---------------------------------------------------------------- */

static bool is_ip(const struct rg_event *ev)
{
	return ev->family && !strncmp(ev->family, "ipv", 3);
}

static const char *rcode_name(int64_t rc)
{
	static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					    "NOTIMP", "REFUSED"};
	return rc >= 0 && rc < (int64_t)(sizeof(names) / sizeof(names[0])) ? names[rc] : NULL;
}

static void put_field(struct doc *d, struct rg_ndjson_fmt *f, const struct pkey *k,
		      const struct rg_event *ev)
{
	if (rg_field_is_null(k->f, ev) || (k->conv == RG_ECS_IP && !is_ip(ev)) ||
	    (k->conv == RG_ECS_NOT_IP && is_ip(ev)))
		return;
	size_t at = d->v.len;
	int64_t v = rg_field_is_int(k->f) ? rg_field_int(k->f, ev) : 0;
	struct rg_str s;
	switch (k->conv) {
	case RG_ECS_TEXT:
		put_int(d, k->key, v, true, false);
		return;
	case RG_ECS_OCTAL:
		rg_buf_printf(&d->v, "\"%04" PRIo64 "\"", (uint64_t)v);
		break;
	case RG_ECS_DATE:
		rg_ndjson_add_time_in(&f->other, &d->v, v);
		break;
	case RG_ECS_RCODE:
		if (rcode_name(v))
			rg_json_str_c(&d->v, rcode_name(v));
		else
			rg_buf_printf(&d->v, "\"%" PRId64 "\"", v);
		break;
	case RG_ECS_WORDS:
		s = rg_field_str(k->f, ev);
		rg_json_words(&d->v, s.p, s.len);
		break;
	default:
		rg_ndjson_add_value(&d->v, k->f, ev);
	}
	put(d, k->key, at, false);
}

/* What every document has: its time, ECS version, host and kind. */
static void put_base(struct doc *d, struct rg_ndjson_fmt *f, int64_t ts_ns, const char *kind)
{
	put_time(d, &f->now, "@timestamp", ts_ns, false);
	put_text(d, "ecs.version", "\"" RG_ECS_VERSION "\"", false);
	put_text(d, "event.kind", kind, false);
	put_text(d, "event.module", "\"" RG_ECS_OWN "\"", false);
	if (strcmp(f->host, "null"))
		put_text(d, "host.name", f->host, false);
	if (strcmp(f->boot_id, "null"))
		put_text(d, "host.boot.id", f->boot_id, false);
}

static void put_event(struct doc *d, struct rg_ndjson_fmt *f, const struct rg_event *ev)
{
	pthread_once(&plans_once, make_plans);
	put_base(d, f, ev->ts_ns, "\"event\"");
	if ((unsigned)ev->type >= RG_ET_COUNT)
		return;
	const struct plan *p = &plans[ev->type];
	put_text(d, "event.category", p->category, false);
	put_text(d, "event.type", p->type, false);
	put_text(d, "event.dataset", p->dataset, false);
	if (p->has_result)
		put_text(d, "event.outcome", ev->result < 0 ? "\"failure\"" : "\"success\"", false);
	if (rg_ecs_kinds[ev->type].direction) {
		size_t at = d->v.len;
		rg_json_str_c(&d->v, rg_ecs_kinds[ev->type].direction);
		put(d, "network.direction", at, false);
	}
	for (unsigned i = 0; i < p->n; i++)
		put_field(d, f, &p->k[i], ev);
}

void rg_ecs_event(struct rg_ndjson_fmt *f, struct rg_buf *b, const struct rg_event *ev)
{
	struct doc *d = doc_of(f);
	put_event(d, f, ev);
	emit(d, b);
}

/* event.severity: ECS leaves the scale to the source; ours is 1 to 4. */
static int severity_number(struct rg_str s)
{
	static const char *const names[] = {"low", "medium", "high", "critical"};
	for (int i = 0; i < 4; i++)
		if (s.p && s.len == strlen(names[i]) && !memcmp(s.p, names[i], s.len))
			return i + 1;
	return 0;
}

/* The triggering event's document, made an alert: as Elastic's detection
 * alerts are, so the process, file or connection is where a pipeline
 * looks for it; the trigger's own seq is rand_guard.event_seq. */
void rg_ecs_alert(struct rg_ndjson_fmt *f, struct rg_buf *b, const struct rg_alert *a,
		  const struct rg_event *ev)
{
	struct doc *d = doc_of(f);
	if (ev) {
		put_event(d, f, ev);
	} else {
		pthread_once(&plans_once, make_plans);
		put_base(d, f, a->ts_ns, "\"alert\"");
		if ((unsigned)a->event_type < RG_ET_COUNT) {
			const struct plan *p = &plans[a->event_type];
			put_text(d, "event.category", p->category, false);
			put_text(d, "event.type", p->type, false);
			put_text(d, "event.dataset", p->dataset, false);
		}
		size_t at = d->v.len;
		rg_json_str_c(&d->v, rg_etype_name(a->event_type));
		put(d, "event.action", at, false);
		put_int(d, "process.pid", a->pid, false, false);
		if (a->proc_id)
			put_int(d, "process.entity_id", a->proc_id, true, false);
		put_str(d, "process.executable", a->exe, false);
	}
	put_text(d, "event.kind", "\"alert\"", true);
	put_int(d, "event.sequence", (int64_t)a->seq, false, true);
	put_time(d, &f->now, "@timestamp", a->ts_ns, true);
	put_str(d, "rule.id", a->rule_id, true);
	put_str(d, "rule.name", a->rule_name, true);
	put_str(d, "rule.ruleset", a->rule_source, true);
	put_str(d, "message", a->summary, true);
	if (severity_number(a->severity))
		put_int(d, "event.severity", severity_number(a->severity), false, true);
	size_t at = d->v.len;
	rg_json_words(&d->v, a->tags.p, a->tags.len);
	put(d, "tags", at, true);
	put_str(d, RG_ECS_OWN ".severity", a->severity, true);
	put_str(d, RG_ECS_OWN ".rule_file", a->rule_file, true);
	put_str(d, RG_ECS_OWN ".rules_digest", a->rules_digest, true);
	put_int(d, RG_ECS_OWN ".event_seq", (int64_t)a->event_seq, false, true);
	if (a->nsteps) {
		char steps[RG_ALERT_STEPS_JSON];
		rg_alert_steps_json(a, steps, sizeof(steps));
		put_text(d, RG_ECS_OWN ".steps", steps, true);
	}
	emit(d, b);
}

void rg_ecs_health(struct rg_ndjson_fmt *f, struct rg_buf *b, const struct rg_health *h)
{
	struct doc *d = doc_of(f);
	put_base(d, f, h->ts_ns, "\"metric\"");
	put_text(d, "event.action", "\"health\"", false);
	put_text(d, "event.category", "[\"host\"]", false);
	put_text(d, "event.type", "[\"info\"]", false);
	put_text(d, "event.dataset", "\"" RG_ECS_OWN ".health\"", false);
	put_int(d, "event.sequence", (int64_t)h->seq, false, false);
	put_int(d, RG_ECS_OWN ".run_id", h->run_id, false, false);
#define RG_HEALTH_ECS(name, kind, what) \
	put_int(d, RG_ECS_OWN ".health." #name, (int64_t)h->name, false, false);
	RG_HEALTH_FIELDS(RG_HEALTH_ECS)
#undef RG_HEALTH_ECS
	emit(d, b);
}

void rg_ecs_gap(struct rg_ndjson_fmt *f, struct rg_buf *b, const struct rg_gap *g)
{
	struct doc *d = doc_of(f);
	put_base(d, f, g->start_ns, "\"event\"");
	put_text(d, "event.action", "\"gap\"", false);
	put_text(d, "event.category", "[\"host\"]", false);
	put_text(d, "event.type", "[\"info\"]", false);
	put_text(d, "event.dataset", "\"" RG_ECS_OWN ".gap\"", false);
	put_time(d, &f->other, "event.start", g->start_ns, false);
	put_time(d, &f->other, "event.end", g->end_ns, false);
	put_str(d, "event.reason", (struct rg_str){g->reason, (uint32_t)strlen(g->reason)}, false);
	put_str(d, "rule.id", g->rule_id, false);
	put_int(d, RG_ECS_OWN ".run_id", g->run_id, false, false);
	put_int(d, RG_ECS_OWN ".count", (int64_t)g->count, false, false);
	put_int(d, RG_ECS_OWN ".start_ns", g->start_ns, false, false);
	put_int(d, RG_ECS_OWN ".end_ns", g->end_ns, false, false);
	emit(d, b);
}

static void put_hex(struct doc *d, const char *key, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char hex[2 * 64];
	for (size_t i = 0; i < n && i < 64; i++) {
		hex[2 * i] = digits[p[i] >> 4];
		hex[2 * i + 1] = digits[p[i] & 15];
	}
	put_str(d, key, (struct rg_str){hex, (uint32_t)(2 * n)}, false);
}

/* A signed checkpoint of the hash chain: ECS has no field for any of it. */
void rg_ecs_checkpoint(struct rg_ndjson_fmt *f, struct rg_buf *b, const struct rg_checkpoint *c)
{
	struct doc *d = doc_of(f);
	put_base(d, f, c->ts_ns, "\"state\"");
	put_text(d, "event.action", "\"checkpoint\"", false);
	put_text(d, "event.category", "[\"host\"]", false);
	put_text(d, "event.type", "[\"info\"]", false);
	put_text(d, "event.dataset", "\"" RG_ECS_OWN ".checkpoint\"", false);
	put_int(d, RG_ECS_OWN ".run_id", c->run_id, false, false);
	put_int(d, RG_ECS_OWN ".checkpoint.link", c->link, false, false);
	put_hex(d, RG_ECS_OWN ".checkpoint.head", c->head, sizeof(c->head));
	put_str(d, RG_ECS_OWN ".checkpoint.key_fpr", (struct rg_str){c->fpr, (uint32_t)strlen(c->fpr)},
		false);
	put_hex(d, RG_ECS_OWN ".checkpoint.pubkey", c->pk, sizeof(c->pk));
	put_hex(d, RG_ECS_OWN ".checkpoint.sig", c->sig, sizeof(c->sig));
	emit(d, b);
}
