/* test_ecs.c: the ECS profile against the ECS field reference.
 *
 * For a synthetic event of every type (every field of the type set), for
 * alerts with and without their event, health and gap lines: the line is
 * one JSON object; every key it holds, flattened (process.pid), is a field
 * of tests/cases/ecs/fields.csv with a JSON type ECS's type allows, or is
 * under our own rand_guard.* (not an ECS name); the categorization values
 * are ECS's allowed ones; no fact of the event is left out. The mapping
 * table and docs/ecs.md's copy of it are the same (run with --doc to print
 * the tables the doc must hold). And the native lines: which of their keys
 * are ECS top-level names is a known, documented set, and an alert line's
 * event is no longer under "event". */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecs.h"
#include "ndjson.h"
#include "tap.h"

#define MAX_REF 256
static struct {
	char name[64], type[32];
} ref[MAX_REF];
static int nref;
static char allowed[8][2048]; /* "field v1 v2 ..." lines */
static int nallowed;
static char fieldsets[2048];  /* " name name ... " */

static const char *src_dir(void)
{
	const char *s = getenv("RG_SOURCE_DIR");
	return s ? s : ".";
}

static FILE *open_case(const char *name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/tests/cases/ecs/%s", src_dir(), name);
	return fopen(path, "r");
}

static void load_refs(void)
{
	char line[2048];
	FILE *f = open_case("fields.csv");
	while (f && fgets(line, sizeof(line), f) && nref < MAX_REF)
		if (line[0] != '#' && strncmp(line, "field,", 6) &&
		    sscanf(line, "%63[^,],%31[a-z_]", ref[nref].name, ref[nref].type) == 2)
			nref++;
	if (f)
		fclose(f);
	f = open_case("allowed-values.txt");
	while (f && fgets(line, sizeof(line), f) && nallowed < 8)
		if (line[0] != '#' && line[0] != '\n') {
			line[strcspn(line, "\n")] = ' ';
			snprintf(allowed[nallowed++], sizeof(allowed[0]), "%s", line);
		}
	if (f)
		fclose(f);
	f = open_case("fieldsets.txt");
	strcpy(fieldsets, " ");
	while (f && fgets(line, sizeof(line), f))
		if (line[0] != '#' && line[0] != '\n') {
			line[strcspn(line, "\n")] = '\0';
			strcat(fieldsets, line);
			strcat(fieldsets, " ");
		}
	if (f)
		fclose(f);
}

static const char *ref_type(const char *name)
{
	for (int i = 0; i < nref; i++)
		if (!strcmp(ref[i].name, name))
			return ref[i].type;
	return NULL;
}

static bool is_fieldset(const char *name)
{
	char w[80];
	snprintf(w, sizeof(w), " %s ", name);
	return strstr(fieldsets, w) != NULL;
}

/* NULL when the field has no list of allowed values; else whether v is in it. */
static int value_allowed(const char *field, const char *v)
{
	char head[80], w[128];
	snprintf(head, sizeof(head), "%s ", field);
	snprintf(w, sizeof(w), " %s ", v);
	for (int i = 0; i < nallowed; i++)
		if (!strncmp(allowed[i], head, strlen(head)))
			return strstr(allowed[i] + strlen(field), w) != NULL;
	return -1;
}

/* A JSON scalar fits an ECS type: text types are strings, numbers are
 * numbers (long: integral), boolean is a bool. */
static bool fits(const cJSON *v, const char *type)
{
	if (!strcmp(type, "long"))
		return cJSON_IsNumber(v) && v->valuedouble == (double)(long long)v->valuedouble;
	if (!strcmp(type, "boolean"))
		return cJSON_IsBool(v);
	if (!strcmp(type, "date"))
		return cJSON_IsString(v) && strlen(v->valuestring) == 30 &&
		       v->valuestring[10] == 'T' && v->valuestring[29] == 'Z';
	return cJSON_IsString(v); /* keyword, wildcard, match_only_text, ip */
}

struct doc_check {
	const char *what;
	char bad[512];     /* the first problem */
	char keys[8192];   /* " key key ... " flattened */
};

static void problem(struct doc_check *c, const char *fmt, const char *a, const char *b)
{
	if (!c->bad[0])
		snprintf(c->bad, sizeof(c->bad), fmt, a, b);
}

static void check_leaf(struct doc_check *c, const char *key, const cJSON *v)
{
	if (strlen(c->keys) + strlen(key) + 2 < sizeof(c->keys)) {
		strcat(c->keys, key);
		strcat(c->keys, " ");
	}
	if (!strncmp(key, RG_ECS_OWN ".", sizeof(RG_ECS_OWN)))
		return;
	const char *type = ref_type(key);
	if (!type) {
		problem(c, "%s is not in the ECS reference%s", key, "");
		return;
	}
	const cJSON *e = v;
	for (e = cJSON_IsArray(v) ? v->child : v; e; e = cJSON_IsArray(v) ? e->next : NULL) {
		if (!fits(e, type))
			problem(c, "%s: a value that is no ECS %s", key, type);
		else if (cJSON_IsString(e) && !value_allowed(key, e->valuestring))
			problem(c, "%s: %s is not an allowed value", key, e->valuestring);
	}
}

static void walk(struct doc_check *c, const char *prefix, const cJSON *o)
{
	for (const cJSON *m = o->child; m; m = m->next) {
		char key[256];
		snprintf(key, sizeof(key), "%s%s%s", prefix, prefix[0] ? "." : "", m->string);
		for (const cJSON *n = m->next; n; n = n->next)
			if (!strcmp(n->string, m->string))
				problem(c, "%s twice%s", key, "");
		if (cJSON_IsObject(m))
			walk(c, key, m);
		else
			check_leaf(c, key, m);
	}
}

static bool has_key(const struct doc_check *c, const char *key)
{
	char w[128];
	snprintf(w, sizeof(w), " %s ", key);
	return strstr(c->keys, w) != NULL;
}

/* The line in b: one object, every key checked; keys flattened into c. */
static bool check_doc(struct doc_check *c, const struct rg_buf *b)
{
	c->bad[0] = '\0';
	strcpy(c->keys, " ");
	if (!b->len || b->p[b->len - 1] != '\n' || memchr(b->p, '\n', b->len - 1)) {
		problem(c, "%s: not one line%s", c->what, "");
		return false;
	}
	cJSON *o = cJSON_ParseWithLength(b->p, b->len);
	if (!cJSON_IsObject(o)) {
		problem(c, "%s: not a JSON object%s", c->what, "");
		cJSON_Delete(o);
		return false;
	}
	walk(c, "", o);
	cJSON_Delete(o);
	const char *need[] = {"@timestamp", "ecs.version", "event.kind", "event.action",
			      "event.category", "event.type", "host.name", "host.boot.id"};
	for (unsigned i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!has_key(c, need[i]))
			problem(c, "%s missing%s", need[i], "");
	return !c->bad[0];
}

static const char argv_text[] = "sh\0-c\0id\0";

static void set_str(struct rg_event *ev, const struct rg_field *f, const char *s)
{
	char *at = (char *)ev + f->off;
	if (f->type == RG_FT_CSTR)
		memcpy(at, &s, sizeof(s));
	else if (f->type == RG_FT_ARGV)
		*(struct rg_str *)at = (struct rg_str){argv_text, sizeof(argv_text) - 1};
	else
		*(struct rg_str *)at = (struct rg_str){s, (uint32_t)strlen(s)};
}

static void set_named(struct rg_event *ev, const char *name, const char *s)
{
	const struct rg_field *f = rg_field_find(name);
	if (f && (f->types & RG_ET_BIT(ev->type)))
		set_str(ev, f, s);
}

/* Every field of type t set: nothing null, so every mapping shows. */
static struct rg_event full_event(enum rg_etype t, bool inet)
{
	struct rg_event ev = {.type = t};
	for (unsigned i = 0; i < rg_nfields; i++) {
		const struct rg_field *f = &rg_fields[i];
		if (!(f->types & RG_ET_BIT(t)) || f->type == RG_FT_ETYPE)
			continue;
		if (rg_field_is_int(f))
			rg_field_set_int(f, &ev, 1);
		else
			set_str(&ev, f, "x");
	}
	ev.ts_ns = 1764689788123456789;
	ev.result = -13;
	set_named(&ev, "family", inet ? "ipv4" : "unix");
	set_named(&ev, "local_addr", inet ? "10.0.0.1" : "/run/x.sock");
	set_named(&ev, "remote_addr", inet ? "93.184.216.34" : "/run/y.sock");
	set_named(&ev, "dns_answers", "93.184.216.34 2001:db8::1");
	set_named(&ev, "protocol", "tcp");
	return ev;
}

/* Each field of the type is in the document: under its ECS name or ours. */
static const char *lost_field(const struct doc_check *c, const struct rg_event *ev, bool inet)
{
	for (unsigned i = 0; i < rg_nfields; i++) {
		const struct rg_field *f = &rg_fields[i];
		if (!(f->types & RG_ET_BIT(ev->type)))
			continue;
		bool found = false, mapped = false;
		for (unsigned m = 0; m < rg_ecs_nmaps; m++) {
			const struct rg_ecs_map *x = &rg_ecs_maps[m];
			if (strcmp(x->field, f->name) || (x->types && !(x->types & RG_ET_BIT(ev->type))))
				continue;
			mapped = true;
			if ((x->conv == RG_ECS_IP && !inet) || (x->conv == RG_ECS_NOT_IP && inet))
				continue;
			found |= has_key(c, x->ecs);
		}
		char own[64];
		snprintf(own, sizeof(own), RG_ECS_OWN ".%s", f->name);
		if (!(mapped ? found : has_key(c, own)))
			return f->name;
	}
	return NULL;
}

static struct rg_ndjson_fmt fmt;

static void check_events(void)
{
	struct rg_buf b = {0};
	for (unsigned t = 0; t < RG_ET_COUNT; t++) {
		if (t == RG_ET_HEALTH)
			continue; /* a kind of line, not an event type */
		for (int inet = 1; inet >= 0; inet--) {
			if (!inet && !(RG_ET_BIT(t) & RG_ET_NET_MASK))
				continue;
			struct rg_event ev = full_event((enum rg_etype)t, inet);
			char what[128];
			snprintf(what, sizeof(what), "ECS %s%s: every key an ECS field of its type, or ours",
				 rg_etype_name((enum rg_etype)t), inet ? "" : " (unix socket)");
			struct doc_check c = {what};
			b.len = 0;
			rg_ndjson_format_event(&fmt, &b, &ev);
			if (!CHECK(check_doc(&c, &b), what))
				printf("#   %s\n#   %.*s\n", c.bad, (int)b.len, b.p);
			const char *lost = lost_field(&c, &ev, inet);
			snprintf(what, sizeof(what), "ECS %s: no field left out",
				 rg_etype_name((enum rg_etype)t));
			if (!CHECK(!lost, what))
				printf("#   %s\n", lost);
		}
	}
	rg_buf_free(&b);
}

static void check_others(void)
{
	struct rg_buf b = {0};
	struct rg_event ev = full_event(RG_ET_FILE_WRITE, true);
	struct rg_alert a = {.seq = 9, .ts_ns = ev.ts_ns, .rule_id = {"R-1", 3},
			     .rule_name = {"n", 1}, .severity = {"high", 4}, .tags = {"a  b", 4},
			     .rule_source = {"rules", 5}, .rule_file = {"/r", 2},
			     .summary = {"s", 1}, .rules_digest = {"d", 1}, .event_seq = 8,
			     .event_type = RG_ET_FILE_WRITE, .proc_id = 3, .pid = 10,
			     .exe = {"/bin/sh", 7}, .steps = {2, 8}, .nsteps = 2};
	struct doc_check c = {"alert"};
	rg_ndjson_format_alert(&fmt, &b, &a, &ev);
	if (!CHECK(check_doc(&c, &b), "ECS alert with its event: ECS fields or ours"))
		printf("#   %s\n", c.bad);
	CHECK(has_key(&c, "rule.id") && has_key(&c, "file.path") && has_key(&c, "tags") &&
	      has_key(&c, "event.severity") && has_key(&c, RG_ECS_OWN ".event_seq") &&
	      strstr(b.p, "\"kind\":\"alert\"") && strstr(b.p, "\"sequence\":9,") &&
	      strstr(b.p, "\"tags\":[\"a\",\"b\"]"),
	      "ECS alert: the event's document, kind alert, its own seq, rule.*, tags");
	b.len = 0;
	rg_ndjson_format_alert(&fmt, &b, &a, NULL);
	c.what = "alert without event";
	if (!CHECK(check_doc(&c, &b), "ECS alert without its event: ECS fields or ours"))
		printf("#   %s\n", c.bad);
	CHECK(has_key(&c, "process.pid") && has_key(&c, "process.executable") &&
	      strstr(b.p, "\"action\":\"file_write\""), "and it names the acting process");

	b.len = 0;
	struct rg_health h = {.seq = 4, .ts_ns = 5, .run_id = 2, .rss_kb = 77};
	rg_ndjson_format_health(&fmt, &b, &h);
	c.what = "health";
	if (!CHECK(check_doc(&c, &b), "ECS health: ECS fields or ours"))
		printf("#   %s\n", c.bad);
	CHECK(has_key(&c, RG_ECS_OWN ".health.rss_kb") && strstr(b.p, "\"kind\":\"metric\""),
	      "ECS health: a metric with every counter");
	b.len = 0;
	struct rg_gap g = {2, 100, 200, 5, "sequence_eviction", {"SEQ-1", 5}};
	rg_ndjson_format_gap(&fmt, &b, &g);
	c.what = "gap";
	if (!CHECK(check_doc(&c, &b), "ECS gap: ECS fields or ours"))
		printf("#   %s\n", c.bad);
	CHECK(has_key(&c, "event.start") && has_key(&c, "event.end") && has_key(&c, "rule.id"),
	      "ECS gap: its window and rule");
	b.len = 0;
	struct rg_checkpoint cp = {.link = 9, .run_id = 2, .ts_ns = 300, .fpr = "00ff"};
	rg_ndjson_format_checkpoint(&fmt, &b, &cp);
	c.what = "checkpoint";
	if (!CHECK(check_doc(&c, &b), "ECS checkpoint: ECS fields or ours"))
		printf("#   %s\n", c.bad);
	CHECK(has_key(&c, RG_ECS_OWN ".checkpoint.sig") && strstr(b.p, "\"kind\":\"state\""),
	      "ECS checkpoint: a state with the signature");
	rg_buf_free(&b);
}

static void check_table(void)
{
	bool ok = true;
	for (unsigned m = 0; m < rg_ecs_nmaps; m++) {
		const char *e = rg_ecs_maps[m].ecs;
		bool own = !strncmp(e, RG_ECS_OWN ".", sizeof(RG_ECS_OWN));
		if (!rg_field_find(rg_ecs_maps[m].field) || (!own && !ref_type(e))) {
			printf("#   %s -> %s\n", rg_ecs_maps[m].field, e);
			ok = false;
		}
	}
	CHECK(ok, "every mapping names a registry field and an ECS field of the reference");
	CHECK(nref > 50 && ref_type("process.pid") && !strcmp(ref_type("process.pid"), "long"),
	      "the ECS reference is read");
	CHECK(!is_fieldset(RG_ECS_OWN) && is_fieldset("event"),
	      "our namespace is no ECS top-level name");
}

/* The native lines' top-level keys that are ECS top-level names: host
 * (formats.md: every line's host name) and user and source (registry
 * fields: SQL columns and rule fields, whose rename would change the
 * chain's encoding of old rows) clash with ECS objects; tags is ECS's own
 * meaning and type (an array of keywords). docs/schema.md says so; a new
 * one fails. */
static void check_native(void)
{
	struct rg_ndjson_fmt nf;
	rg_ndjson_fmt_init(&nf, &(struct rg_ndjson_opts){"h", "b", RG_NDJSON_NATIVE});
	struct rg_buf b = {0};
	for (unsigned t = 0; t < RG_ET_COUNT; t++)
		if (t != RG_ET_HEALTH) {
			struct rg_event ev = full_event((enum rg_etype)t, true);
			rg_ndjson_format_event(&nf, &b, &ev);
		}
	struct rg_event ev = full_event(RG_ET_FILE_WRITE, true);
	struct rg_alert a = {.seq = 9, .rule_id = {"R", 1}, .tags = {"t", 1}, .nsteps = 1};
	struct rg_buf al = {0};
	rg_ndjson_format_alert(&nf, &al, &a, &ev);
	cJSON *ao = cJSON_ParseWithLength(al.p, al.len);
	CHECK(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(ao, "trigger")) &&
	      !cJSON_GetObjectItemCaseSensitive(ao, "event"),
	      "the native alert's event is under trigger, and it has no key event");
	cJSON_Delete(ao);
	rg_buf_add(&b, al.p, al.len);
	rg_buf_free(&al);
	rg_ndjson_format_health(&nf, &b, &(struct rg_health){0});
	rg_ndjson_format_gap(&nf, &b, &(struct rg_gap){.reason = "invalid", .rule_id = {"R", 1}});
	char seen[512] = " ";
	for (char *line = b.p; line < b.p + b.len;) {
		char *end = memchr(line, '\n', (size_t)(b.p + b.len - line));
		cJSON *o = cJSON_ParseWithLength(line, (size_t)(end - line));
		for (const cJSON *m = o ? o->child : NULL; m; m = m->next) {
			char w[80];
			snprintf(w, sizeof(w), "%s ", m->string);
			if (is_fieldset(m->string) && !strstr(seen, w))
				strcat(seen, w);
		}
		cJSON_Delete(o);
		line = end + 1;
	}
	CHECK_STR(seen, " host user source tags ",
		  "native keys that are ECS names: host, user, source and tags only (docs/schema.md)");
	rg_buf_free(&b);
	rg_ndjson_fmt_free(&nf);
}

/* docs/ecs.md's tables, as this code has them: the mapping (0), the
 * categorization (1). */
static void doc_table(struct rg_buf *b, int which)
{
	char types[512];
	if (which == 0) {
		rg_buf_adds(b, "| field | ECS field | value | event types |\n|---|---|---|---|\n");
		for (unsigned m = 0; m < rg_ecs_nmaps; m++)
			rg_buf_printf(b, "| `%s` | `%s` | %s | %s |\n", rg_ecs_maps[m].field,
				      rg_ecs_maps[m].ecs, rg_ecs_conv_text(rg_ecs_maps[m].conv),
				      rg_ecs_types_text(rg_ecs_maps[m].types, types, sizeof(types)));
		return;
	}
	rg_buf_adds(b, "| event_type | event.category | event.type | network.direction |\n"
		       "|---|---|---|---|\n");
	for (unsigned t = 0; t < RG_ET_COUNT; t++)
		if (t != RG_ET_HEALTH)
			rg_buf_printf(b, "| `%s` | `%s` | `%s` | %s |\n",
				      rg_etype_name((enum rg_etype)t), rg_ecs_kinds[t].category,
				      rg_ecs_kinds[t].type,
				      rg_ecs_kinds[t].direction ? rg_ecs_kinds[t].direction : "");
}

static void check_doc_tables(void)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/docs/ecs.md", src_dir());
	FILE *f = fopen(path, "r");
	static char text[65536];
	size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	text[n] = '\0';
	if (f)
		fclose(f);
	for (int which = 0; which < 2; which++) {
		struct rg_buf want = {0};
		doc_table(&want, which);
		if (!CHECK(strstr(text, rg_buf_cstr(&want)) != NULL,
			   which ? "docs/ecs.md has the categorization table the code has"
				 : "docs/ecs.md has the mapping table the code has (test_ecs --doc)"))
			printf("#   want:\n%s", want.p);
		rg_buf_free(&want);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--doc")) {
		struct rg_buf b = {0};
		doc_table(&b, 0);
		rg_buf_addc(&b, '\n');
		doc_table(&b, 1);
		fputs(rg_buf_cstr(&b), stdout);
		rg_buf_free(&b);
		return 0;
	}
	load_refs();
	rg_ndjson_fmt_init(&fmt, &(struct rg_ndjson_opts){"web-1", "88a1f0ed", RG_NDJSON_ECS});
	check_table();
	check_events();
	check_others();
	check_native();
	check_doc_tables();
	rg_ndjson_fmt_free(&fmt);
	return tap_done();
}
