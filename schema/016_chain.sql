-- 016_chain.sql: the hash chain over what is committed (user_version 16).
-- Every committed batch of the writer, every retention step and every
-- run's start and clean stop is one link: the digest of the previous link
-- and of what the link covers (recorder/store/chain.h, docs/threat-model.md).

CREATE TABLE chain (
  link     INTEGER PRIMARY KEY,  -- 1, 2, ... in commit order
  kind     TEXT NOT NULL,        -- start, batch, prune, stop
  run_id   INTEGER NOT NULL,
  ts_ns    INTEGER NOT NULL,     -- wall clock when the link was made
  note     TEXT NOT NULL,        -- start: each table's highest key before it;
                                 -- prune: the keys retention removed;
                                 -- stop: the run's last seq
  rows     BLOB,                 -- the rows of the tables that only grow:
                                 -- table, key, row hash (chain.h); NULL once
                                 -- retention pruned them all
  rows_sha BLOB NOT NULL,        -- SHA-256 of rows
  held     BLOB NOT NULL,        -- the same for gaps and processes rows
  prev     BLOB NOT NULL,        -- the previous link's digest (zeros for link 1)
  digest   BLOB NOT NULL         -- SHA-256 of prev and all of the above
);
