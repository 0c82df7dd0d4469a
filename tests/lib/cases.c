/* cases.c: reading a rule case directory (see cases.h). */
#include "cases.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alert.h"
#include "fields.h"

#define NS 1000000000LL

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* The text of path, NUL-terminated, or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t cap = 0;
	if (!f)
		return NULL;
	ssize_t n = getdelim(&text, &cap, '\0', f);
	fclose(f);
	if (n < 0) {
		free(text);
		return strdup("");
	}
	return text;
}

/* The next line of *rest (cut at its '\n'), or NULL at the end. */
static char *next_line(char **rest)
{
	char *line = *rest, *nl = line ? strchr(line, '\n') : NULL;
	if (nl)
		*nl++ = '\0';
	*rest = nl;
	return line;
}

static bool skipped(const char *line)
{
	return line[strspn(line, " \t")] == '\0' || line[0] == '#';
}

/* argv or env (f) from a JSON list of strings, as the kernel gives it:
 * each one NUL-terminated. An event owns two blobs, argv's and env's. */
static int set_argv(struct rg_case *c, struct rg_event *ev, const struct rg_field *f,
		    const cJSON *v)
{
	bool is_argv = f->off == offsetof(struct rg_event, argv);
	size_t len = 0;
	const cJSON *a;
	cJSON_ArrayForEach(a, v) {
		if (!cJSON_IsString(a))
			return -1;
		len += strlen(a->valuestring) + 1;
	}
	char *blob = malloc(len + 1), *at = blob;
	unsigned n_args = 0;
	free(c->argv[2 * c->nev + !is_argv]); /* a key given twice */
	c->argv[2 * c->nev + !is_argv] = blob;
	cJSON_ArrayForEach(a, v) {
		size_t n = strlen(a->valuestring) + 1;
		memcpy(at, a->valuestring, n);
		at += n;
		n_args++;
	}
	struct rg_str str = {blob, (uint32_t)len};
	memcpy((char *)ev + f->off, &str, sizeof(str));
	if (is_argv)
		ev->argc = n_args;
	return 0;
}

/* Sets the field named key of ev from v; "" or the reason it cannot. */
static const char *set_field(struct rg_case *c, struct rg_event *ev, const char *key,
			     const cJSON *v)
{
	const struct rg_field *f = rg_field_find(key);
	if (!f)
		return "no such field";
	if (f->type == RG_FT_ARGV)
		return cJSON_IsArray(v) && set_argv(c, ev, f, v) == 0 ? "" : "wants a list of strings";
	if (rg_field_is_int(f)) {
		if (cJSON_IsBool(v))
			rg_field_set_int(f, ev, cJSON_IsTrue(v));
		else if (cJSON_IsNumber(v))
			rg_field_set_int(f, ev, (int64_t)v->valuedouble);
		else
			return "wants a number";
		return "";
	}
	if (!cJSON_IsString(v))
		return "wants a string";
	const char *s = v->valuestring;
	switch (f->type) {
	case RG_FT_ETYPE: {
		int t = rg_etype_parse(s);
		if (t < 0 || t == RG_ET_HEALTH)
			return "no such event type";
		ev->type = (enum rg_etype)t;
		return "";
	}
	case RG_FT_STR: {
		struct rg_str str = {s, (uint32_t)strlen(s)};
		memcpy((char *)ev + f->off, &str, sizeof(str));
		return "";
	}
	case RG_FT_CSTR:
		memcpy((char *)ev + f->off, &s, sizeof(s));
		return "";
	default:
		return "cannot be given (derived)";
	}
}

/* One line of events.ndjson into the next event; its time is the one
 * before's plus wait_s. */
static int event_line(struct rg_case *c, const char *line, const char *path, unsigned lineno,
		      char *err, size_t errlen)
{
	cJSON *o = cJSON_Parse(line);
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return fail(err, errlen, "%s:%u: not a JSON object", path, lineno);
	}
	c->json[c->nev] = o;
	struct rg_event *ev = &c->ev[c->nev];
	*ev = (struct rg_event){.type = RG_ET_COUNT,
				.ts_ns = c->nev ? c->ev[c->nev - 1].ts_ns : RG_CASE_T0};
	const cJSON *v;
	cJSON_ArrayForEach(v, o) {
		const char *why;
		int64_t unit = strcmp(v->string, "wait_s") == 0	   ? NS
			       : strcmp(v->string, "wait_ns") == 0 ? 1
								   : 0;
		if (unit)
			why = cJSON_IsNumber(v) && v->valuedouble >= 0
				      ? (ev->ts_ns += (int64_t)v->valuedouble * unit, "")
				      : "wants a whole number, not negative";
		else
			why = set_field(c, ev, v->string, v);
		if (*why)
			return fail(err, errlen, "%s:%u: \"%s\": %s", path, lineno, v->string, why);
	}
	if (ev->type == RG_ET_COUNT)
		return fail(err, errlen, "%s:%u: no event_type", path, lineno);
	c->nev++;
	return 0;
}

static int load_events(struct rg_case *c, const char *path, char *err, size_t errlen)
{
	char *text = slurp(path);
	if (!text)
		return fail(err, errlen, "%s: cannot read", path);
	unsigned lines = 2; /* the last line may lack its '\n' */
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	c->ev = calloc(lines, sizeof(*c->ev));
	c->json = calloc(lines, sizeof(*c->json));
	c->argv = calloc(2 * lines, sizeof(*c->argv));
	int rc = 0;
	unsigned lineno = 0;
	char *rest = text, *line;
	while (!rc && (line = next_line(&rest))) {
		lineno++;
		if (!skipped(line))
			rc = event_line(c, line, path, lineno, err, errlen);
	}
	free(text);
	return rc;
}

/* expected.alerts without its comments and blank lines; each line must
 * start with a seq of an event. */
static int load_expected(struct rg_case *c, const char *path, char *err, size_t errlen)
{
	char *text = slurp(path);
	if (!text)
		return fail(err, errlen, "%s: cannot read", path);
	c->expected = calloc(1, strlen(text) + 2);
	int rc = 0;
	unsigned lineno = 0;
	char *rest = text, *line;
	while (!rc && (line = next_line(&rest))) {
		lineno++;
		if (skipped(line))
			continue;
		char *end;
		unsigned long seq = strtoul(line, &end, 10);
		if (end == line || *end != ' ' || seq < 1 || seq > c->nev)
			rc = fail(err, errlen, "%s:%u: not \"SEQ RULE_ID STEPS SUMMARY\" with a "
					       "seq of an event (1..%u)", path, lineno, c->nev);
		strcat(strcat(c->expected, line), "\n");
	}
	free(text);
	return rc;
}

int rg_case_load(struct rg_case *c, const char *dir, char *err, size_t errlen)
{
	char path[1200];
	struct stat sb;
	*c = (struct rg_case){0};
	snprintf(c->rules, sizeof(c->rules), "%s/rules.d", dir);
	if (stat(c->rules, &sb) != 0)
		snprintf(c->rules, sizeof(c->rules), "%s", dir);
	snprintf(path, sizeof(path), "%s/sigma", dir);
	if (stat(path, &sb) == 0)
		snprintf(c->sigma, sizeof(c->sigma), "%s", path);
	snprintf(path, sizeof(path), "%s/events.ndjson", dir);
	int rc = load_events(c, path, err, errlen);
	if (!rc) {
		snprintf(path, sizeof(path), "%s/expected.alerts", dir);
		rc = load_expected(c, path, err, errlen);
	}
	if (rc)
		rg_case_free(c);
	return rc;
}

void rg_case_free(struct rg_case *c)
{
	unsigned n = c->nev + 1; /* the line that failed may hold some */
	for (unsigned i = 0; c->json && i < n; i++) {
		cJSON_Delete(c->json[i]);
		free(c->argv[2 * i]);
		free(c->argv[2 * i + 1]);
	}
	free(c->json);
	free(c->argv);
	free(c->ev);
	free(c->expected);
	*c = (struct rg_case){0};
}

const char *rg_case_alert_line(const struct rg_match *m, char *buf, size_t len)
{
	struct rg_alert a = {.nsteps = m->nsteps};
	char steps[RG_ALERT_STEPS_JSON] = "-";
	if (m->nsteps) {
		memcpy(a.steps, m->steps, m->nsteps * sizeof(a.steps[0]));
		rg_alert_steps_json(&a, steps, sizeof(steps));
	}
	snprintf(buf, len, "%llu %s %s %s", (unsigned long long)m->ev->seq, m->rule->id, steps,
		 m->summary);
	return buf;
}
