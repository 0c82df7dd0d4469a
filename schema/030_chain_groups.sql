-- 030_chain_groups.sql: the hash chain's event rows in groups (user_version 30).
-- No table changes: the writer now lists a link's event rows in groups of 16,
-- each row by its key and a 1-byte tag, each group by a 96-bit hash
-- (recorder/store/chain.h, docs/threat-model.md "The hash chain"). Links
-- made before keep a hash a row; `rgq verify` reads both. The version
-- says that this file's links need an rgq that knows the grouped form: an
-- older one refuses the database rather than call its links malformed.
SELECT 1;
