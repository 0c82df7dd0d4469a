-- 033_actor_blocks.sql: actors that retention can remove (user_version 33).
-- An `actors` row (schema/025) is made for every process that does
-- something, about 43 bytes each, and retention never removed one: a
-- long-running host grew the table without bound, past max_size_mb. The
-- rows that refer to an actor carry no index by actor_id (every insert
-- would pay for one), so retention cannot ask which actors are unused.
-- Instead the recorder numbers them so that it can tell:
--   - seqs come in blocks of 65 536 (seq >> 16); when the writer first
--     writes a row of a block, it notes here the number the next new
--     actor will take, and from then on gives that block's rows only
--     actors of that number or more: a new row for an actor it already
--     had, when the actor's number is older;
--   - so no row of a block refers to an actor below its `first_id`, and
--     retention deletes the actors below the `first_id` in effect at the
--     block of the oldest row left (the latest noted at or before it,
--     and of any noted later, the smallest: recorder/store/dict.c,
--     store_prune_actors).
-- The rows already here refer to actors of any number: the block of the
-- newest of them is noted with the lowest number there (1, or one made
-- by hand below it), so none of their actors goes until they have all
-- gone. A row inserted or updated through a view (an edit: never the
-- recorder's) may name an older actor, which can then go before it.
CREATE TABLE actor_blocks (
  block    INTEGER PRIMARY KEY,  -- seq >> 16
  first_id INTEGER NOT NULL      -- actors.id: the block's rows refer to this or more
);
INSERT INTO actor_blocks (block, first_id)
  SELECT m >> 16, min(1, coalesce((SELECT min(id) FROM actors), 1)) FROM
    (SELECT max(s) AS m FROM
      (SELECT max(seq) AS s FROM process_rows UNION ALL SELECT max(seq) FROM file_rows
       UNION ALL SELECT max(seq) FROM network_rows))
  WHERE m IS NOT NULL;
