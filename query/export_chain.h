/* export_chain.h: the hash chain of a range export (rgq export --since
 * --until): the links that cover the exported rows, through the next
 * signed checkpoint, so that `rgq verify` checks the file alone. */
#ifndef RGQ_EXPORT_CHAIN_H
#define RGQ_EXPORT_CHAIN_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* In dst, whose rows outside the range are already deleted: keeps the
 * links from the first that covers a kept row to the first checkpoint at
 * or after the last such link (the chain's end when none), drops the
 * others and their checkpoints, and records in meta `export_links` "A-B"
 * and `export_outside`, the rows of those links not in the export, as
 * lines "table a-b,c" (a prune note's form), and `export_newer`, the
 * gaps and processes rows a dropped later link updated (their hash in the
 * kept links is of an older state). *lo and *hi are A and B (0
 * when no link covers a kept row: then the chain is dropped), *outside
 * the rows not kept. 0, or -1 with err. */
int rgq_export_chain(sqlite3 *dst, int64_t *lo, int64_t *hi, int64_t *outside, char *err,
		     size_t errlen);

#endif /* RGQ_EXPORT_CHAIN_H */
