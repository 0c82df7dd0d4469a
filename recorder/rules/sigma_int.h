/* sigma_int.h: what the Sigma compiler's files share: sigma.c (selections,
 * the rule, files) and sigma_values.c (one field and its values). */
#ifndef RG_SIGMA_INT_H
#define RG_SIGMA_INT_H

#include <yaml.h>

#include "rules_int.h"
#include "sigma.h"

/* A compile step's outcome: done, skipped (why: the reason), an error
 * (why and line: the message), or a rule for another product. */
enum { SC_OK, SC_SKIP, SC_ERR, SC_OTHER };
#define SC_NO_NODE UINT32_MAX /* an item that made no node of its own */

/* One rule being compiled. */
struct sc {
	yaml_document_t *doc;
	const char *category; /* the logsource category, or "auditd" */
	struct rg_step *st;
	rg_etmask audit_types; /* auditd: the record types the selections name */
	bool sel_syscall;     /* the selection being compiled is auditd's SYSCALL */
	char why[240];        /* a skip's reason or an error's message */
	int line;             /* an error's line */
};

int sc_skip(struct sc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sc_bad(struct sc *s, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* YAML: a node by index; a scalar's text (NULL: not one); YAML's null; a
 * map's value by key */
yaml_node_t *sc_node(const struct sc *s, int i);
const char *sc_scalar(const yaml_node_t *n);
bool sc_is_null(const yaml_node_t *n);
yaml_node_t *sc_map_get(const struct sc *s, const yaml_node_t *map, const char *key);
/* A scalar's or a list's i-th value (a scalar is a list of one); NULL after
 * the last. */
const yaml_node_t *sc_each(const struct sc *s, const yaml_node_t *n, int i);
/* the step being built: a named condition on f, a value, a node for a
 * condition, and/or of nodes (one is itself), an event type test */
unsigned sc_new_cond(struct sc *s, const struct fref *f, enum op op, bool nocase,
		     const char *text, int line);
void sc_add_val(struct rg_cond *c, const char *v, size_t n, int64_t i);
unsigned sc_cond_node(struct sc *s, unsigned cond);
unsigned sc_join(struct sc *s, const unsigned *kids, unsigned n, bool all);
unsigned sc_etype_node(struct sc *s, rg_etmask types, int line);
/* sigma_values.c: KEY (FIELD|MODIFIERS, or keywords) and its value(s) as
 * one node in *out */
int sc_compile_item(struct sc *s, const char *key, const yaml_node_t *vn, bool keywords,
		    unsigned *out);

#endif /* RG_SIGMA_INT_H */
