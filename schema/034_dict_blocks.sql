-- 034_dict_blocks.sql: images and names that retention can remove (user_version 34).
-- `images` (an executable and command name, schema/023) and `names` (a
-- file path's directory, schema/024, an executable's SHA-256, schema/028,
-- a network row's local address, schema/027, besides the few event types,
-- syscalls and families) were never pruned: a host that builds and runs
-- programs in a new directory per job grew both without bound, past
-- max_size_mb. They are numbered now as actors are (schema/033): when the
-- writer enters a block of 65 536 seqs it notes the numbers the next new
-- actor, image and name will take, and gives that block's rows only those
-- of these numbers or more (a new row for one it already had, when that
-- one's number is older: a block's event types come again, a few rows a
-- block). Retention deletes the images and names below the numbers in
-- effect at the block of the oldest row left, as it does actors
-- (recorder/store/dict.c, store_prune_dicts). Without retention a block
-- notes the lowest image and name numbers instead, and shares them with
-- the blocks before.
--
-- `names` therefore loses its UNIQUE name (a table rebuild: a constraint
-- cannot be dropped); the views name it and keep naming it, so it is
-- renamed into place without their being rewritten. `actor_blocks`
-- becomes `dict_blocks`, its `first_id` `first_actor`. The blocks noted
-- before this upgrade have rows that refer to images and names of any
-- number: they are noted with the lowest there (1, or one made by hand
-- below it), so none of those goes until those rows have all gone.
PRAGMA legacy_alter_table = ON;
CREATE TABLE names_34 (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL
);
INSERT INTO names_34 (id, name) SELECT id, name FROM names;
DROP TABLE names;
ALTER TABLE names_34 RENAME TO names;
PRAGMA legacy_alter_table = OFF;
CREATE INDEX names_name ON names (name);  -- the writer's and rgq's look-ups

ALTER TABLE actor_blocks RENAME TO dict_blocks;
ALTER TABLE dict_blocks RENAME COLUMN first_id TO first_actor;  -- actors.id
ALTER TABLE dict_blocks ADD COLUMN first_image INTEGER NOT NULL DEFAULT 1;  -- images.id
ALTER TABLE dict_blocks ADD COLUMN first_name INTEGER NOT NULL DEFAULT 1;   -- names.id
UPDATE dict_blocks SET
  first_image = min(1, coalesce((SELECT min(id) FROM images), 1)),
  first_name = min(1, coalesce((SELECT min(id) FROM names), 1));
