/* schema.h: the SQL schema files, embedded at build time from schema/.
 * File NNN_what.sql takes the database from user_version NNN-1 to NNN;
 * they are sorted by version. */
#ifndef RG_SCHEMA_H
#define RG_SCHEMA_H

struct rg_schema_file {
	const char *name;
	int version;
	const char *sql;
};

extern const struct rg_schema_file rg_schema_files[];
extern const unsigned rg_nschema_files;

#endif /* RG_SCHEMA_H */
