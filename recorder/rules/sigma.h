/* sigma.h: the Sigma compiler's parts (sigma.c reads YAML rules into the
 * rule set; sigma_map.c says what their logsources and fields are here). */
#ifndef RG_SIGMA_H
#define RG_SIGMA_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"

/* A logsource category: the event types it stands for. */
struct sigma_category {
	const char *name;
	rg_etmask types;  /* RG_ET_BIT mask */
	bool creates;    /* file_event: an open counts only with O_CREAT */
};
const struct sigma_category *sigma_category_find(const char *name);

enum {
	SF_KEYWORDS = 1,    /* the field keywords (a list of bare values) search */
	SF_INITIATED = 2,   /* true: network_connect, false: network_accept */
	SF_AUDIT_TYPE = 4,  /* an auditd record type: event types */
	SF_SYSCALL = 8,     /* a syscall name, checked against those recorded */
};

struct sigma_field {
	const char *category; /* a category, "*" or "auditd" */
	const char *sigma;    /* the Sigma field name */
	const char *field;    /* the rand-guard field (rules_find_field), or NULL */
	unsigned flags;
};
const struct sigma_field *sigma_field_find(const char *category, const char *name);
const struct sigma_field *sigma_keywords(const char *category);
rg_etmask sigma_audit_type(const char *type);
struct sigma_syscall {
	const char *name;
	rg_etmask types; /* the event types that carry it */
};
extern const struct sigma_syscall sigma_syscalls[];
/* The event types whose `syscall` may be name; 0: rand-guard does not
 * record it. */
rg_etmask sigma_syscall_types(const char *name);

#endif /* RG_SIGMA_H */
