/* fuzz_chain.c: any bytes as a chain link's row list (recorder/store/
 * chain.h), which rgq verify reads from a database an attacker may have
 * written: the cursor never reads past the end, every entry it gives has
 * a valid table and keys rising within a section, a grouped section's
 * groups end every RG_CHAIN_GROUP entries and at its last, and what
 * decodes whole encodes back to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1); /* exactly size: ASan sees an overread */
	memcpy(copy, data, size);
	struct rg_chain_cursor c;
	struct rg_buf again = {0}, sec = {0};
	rg_chain_cursor_init(&c, copy, size);
	int64_t prev = 0, last = 0;
	unsigned table = RG_CHAIN_NTABLES, n = 0;
	while (rg_chain_next(&c)) {
		if (c.table >= RG_CHAIN_NTABLES || (!c.first && c.key <= last))
			abort();
		if (c.first) { /* the previous section, encoded again */
			if (n)
				rg_chain_put_section(&again, table, n);
			rg_buf_add(&again, sec.p, sec.len);
			sec.len = 0;
			n = 0;
			prev = 0;
			table = c.table | (c.grouped ? RG_CHAIN_GROUPED : 0);
		}
		if (!c.grouped) {
			rg_chain_put_entry(&sec, &prev, c.key, c.hash);
		} else { /* a tag in place of the hash, a group's hash after its last */
			uint8_t tag[RG_CHAIN_ROW_HASH] = {c.tag};
			rg_chain_put_entry(&sec, &prev, c.key, tag);
			sec.len -= RG_CHAIN_ROW_HASH - 1;
			if (((n + 1) % RG_CHAIN_GROUP == 0 || !c.left) != (c.group != NULL))
				abort();
			if (c.group)
				rg_buf_add(&sec, c.group, RG_CHAIN_ROW_HASH);
		}
		last = c.key;
		n++;
	}
	if (n)
		rg_chain_put_section(&again, table, n);
	rg_buf_add(&again, sec.p, sec.len);
	/* varints have more than one spelling (0x80 0x00 is 0): only a list
	 * the writer could have made must come back byte for byte */
	if (!c.bad && again.len == size && memcmp(again.p, copy, size))
		abort();
	rg_buf_free(&again);
	rg_buf_free(&sec);
	free(copy);
	return 0;
}
