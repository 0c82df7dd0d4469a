/* qnames.h: user and group ids with the names the recording holds.
 *
 *   rg_uid(id, proc_id, ts)  "1001(alice)", or "1001" when no name is known
 *   rg_gid(id, proc_id, ts)  "1001(alice)" for a group, likewise
 *
 * The names are the recorder's (docs/schema.md, processes.user, euser,
 * login_user, group_name: what the passwd and group files said when a
 * process was seen), never the names of the machine rgq runs on, which
 * would be another host's, or a later time's. An id is named when some
 * process on the same host as proc_id carried it with a name; of several
 * names over time, the one the latest process seen up to proc_id carried
 * (else the earliest after). Found by walking processes from proc_id on
 * their primary key, so a question's cost does not grow with the
 * recording for an id its processes carry; an id no process carries
 * costs one walk of the host's processes per connection. (ts is kept
 * in the signature; processes are ordered by when they were seen.)
 */
#ifndef RGQ_QNAMES_H
#define RGQ_QNAMES_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

/* Adds rg_uid and rg_gid to db; 0, or -1. */
int rgq_names_register(sqlite3 *db);

#endif /* RGQ_QNAMES_H */
