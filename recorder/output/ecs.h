/* ecs.h: the NDJSON output's ECS profile ([recorder] ndjson_format = ecs).
 *
 * Each line is an Elastic Common Schema document instead of the native
 * object: nested objects ("process": {"pid": ...}), @timestamp, the
 * event.kind/category/type/action of the line, host.name and host.boot.id,
 * the fields ECS names under their ECS names (the table below), and every
 * other fact under our own namespace rand_guard.<native name>, so nothing
 * the native line has is lost and nothing collides with an ECS field. An
 * alert is the triggering event's document with event.kind "alert" and
 * the rule.* fields (as Elastic's own alert documents are made).
 *
 * The table is the one place the mapping is written: docs/ecs.md shows it
 * and tests/unit/test_ecs.c fails when the two differ, and checks every
 * key the profile writes, for every event type, against the ECS field
 * reference kept in tests/cases/ecs/.
 */
#ifndef RG_ECS_H
#define RG_ECS_H

#include "fields.h"
#include "ndjson.h"

/* How a native value becomes the ECS one. */
enum rg_ecs_conv {
	RG_ECS_SAME,   /* the native JSON value */
	RG_ECS_TEXT,   /* an integer as a string: ECS ids are keywords */
	RG_ECS_OCTAL,  /* a mode as ECS writes it: "0644" */
	RG_ECS_DATE,   /* ns since the epoch as an RFC 3339 time */
	RG_ECS_IP,     /* only when the socket's family is ipv4 or ipv6 */
	RG_ECS_NOT_IP, /* only when it is not (a unix socket's path) */
	RG_ECS_RCODE,  /* a DNS response code by its name: NXDOMAIN */
	RG_ECS_WORDS,  /* space-separated words as an array */
};

struct rg_ecs_map {
	const char *field; /* the registry's name */
	const char *ecs;   /* the ECS field */
	enum rg_ecs_conv conv;
	rg_etmask types;   /* the event types it applies to; 0: all */
};
extern const struct rg_ecs_map rg_ecs_maps[];
extern const unsigned rg_ecs_nmaps;

/* An event type's place in ECS's categorization. */
struct rg_ecs_kind {
	const char *category; /* event.category (one value) */
	const char *type;     /* event.type: one value, or two separated by a space */
	const char *direction; /* network.direction, or NULL */
};
extern const struct rg_ecs_kind rg_ecs_kinds[RG_ET_COUNT];

#define RG_ECS_VERSION "8.12.0"
#define RG_ECS_OWN "rand_guard" /* the namespace of what ECS has no field for */

/* What a conversion does and which types a map applies to, in words, as
 * docs/ecs.md's table says them (types: into buf). */
const char *rg_ecs_conv_text(enum rg_ecs_conv c);
const char *rg_ecs_types_text(rg_etmask types, char *buf, size_t n);

/* The lines, each with its newline (ndjson.c calls them for the profile). */
void rg_ecs_event(struct rg_ndjson_fmt *f, struct rg_buf *b, const struct rg_event *ev);
void rg_ecs_alert(struct rg_ndjson_fmt *f, struct rg_buf *b, const struct rg_alert *a,
		  const struct rg_event *ev);
void rg_ecs_health(struct rg_ndjson_fmt *f, struct rg_buf *b, const struct rg_health *h);
void rg_ecs_gap(struct rg_ndjson_fmt *f, struct rg_buf *b, const struct rg_gap *g);
struct rg_checkpoint;
void rg_ecs_checkpoint(struct rg_ndjson_fmt *f, struct rg_buf *b, const struct rg_checkpoint *c);

/* Frees a formatter's document scratch (rg_ndjson_fmt.ecs). */
void rg_ecs_free(void *ecs);

/* The native formatter's value of field f (ndjson.c). */
void rg_ndjson_add_value(struct rg_buf *b, const struct rg_field *f, const struct rg_event *ev);

#endif /* RG_ECS_H */
