-- 019_ship.sql: shipping committed rows to a central ClickHouse (user_version 19).
-- The database is the shipper's spool (recorder/ship/README.md, docs/fleet.md).

-- Where each destination has got to, table by table: the highest key
-- (seq, or ship_rev for the tables whose rows change) ClickHouse has
-- acknowledged. Written by the store's writer for the shipper, which reads
-- the database only; it lags the acknowledgements by at most one batch, so
-- a restart sends at most that again (ClickHouse's tables drop the
-- duplicates).
CREATE TABLE ship_cursor (
  dest    TEXT NOT NULL,    -- the destination: its URL and database
  tbl     TEXT NOT NULL,
  pos     INTEGER NOT NULL, -- the highest key acknowledged
  rows    INTEGER NOT NULL, -- rows acknowledged in all
  ts_ns   INTEGER NOT NULL, -- wall clock of the acknowledgement
  PRIMARY KEY (dest, tbl)
) WITHOUT ROWID;

-- Rows that are written again after their insert (processes at exec and
-- exit, runs at their stop, the one `pruned` gap as retention grows it)
-- carry a revision: one counter for the file, bumped by every insert and
-- update of such a row. The shipper sends rows whose revision passed its
-- cursor; ClickHouse keeps the highest revision (ReplacingMergeTree's
-- version column).
CREATE TABLE ship_rev (n INTEGER NOT NULL);
INSERT INTO ship_rev (n) VALUES (0);

ALTER TABLE processes ADD COLUMN ship_rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN ship_rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE gaps ADD COLUMN ship_rev INTEGER NOT NULL DEFAULT 0;
-- unshipped gaps: the destination whose rows retention pruned unsent
ALTER TABLE gaps ADD COLUMN destination TEXT;
CREATE INDEX processes_ship_rev ON processes (ship_rev);
CREATE INDEX runs_ship_rev ON runs (ship_rev);
CREATE INDEX gaps_ship_rev ON gaps (ship_rev);

-- The WHEN keeps a trigger's own update from counting as a change.
CREATE TRIGGER processes_ship_insert AFTER INSERT ON processes BEGIN
  UPDATE ship_rev SET n = n + 1;
  UPDATE processes SET ship_rev = (SELECT n FROM ship_rev) WHERE proc_id = NEW.proc_id;
END;
CREATE TRIGGER processes_ship_update AFTER UPDATE ON processes
WHEN NEW.ship_rev = OLD.ship_rev BEGIN
  UPDATE ship_rev SET n = n + 1;
  UPDATE processes SET ship_rev = (SELECT n FROM ship_rev) WHERE proc_id = NEW.proc_id;
END;
CREATE TRIGGER runs_ship_insert AFTER INSERT ON runs BEGIN
  UPDATE ship_rev SET n = n + 1;
  UPDATE runs SET ship_rev = (SELECT n FROM ship_rev) WHERE run_id = NEW.run_id;
END;
CREATE TRIGGER runs_ship_update AFTER UPDATE ON runs
WHEN NEW.ship_rev = OLD.ship_rev BEGIN
  UPDATE ship_rev SET n = n + 1;
  UPDATE runs SET ship_rev = (SELECT n FROM ship_rev) WHERE run_id = NEW.run_id;
END;
CREATE TRIGGER gaps_ship_insert AFTER INSERT ON gaps BEGIN
  UPDATE ship_rev SET n = n + 1;
  UPDATE gaps SET ship_rev = (SELECT n FROM ship_rev) WHERE gap_id = NEW.gap_id;
END;
CREATE TRIGGER gaps_ship_update AFTER UPDATE ON gaps
WHEN NEW.ship_rev = OLD.ship_rev BEGIN
  UPDATE ship_rev SET n = n + 1;
  UPDATE gaps SET ship_rev = (SELECT n FROM ship_rev) WHERE gap_id = NEW.gap_id;
END;
-- Rows older than this file's migration keep revision 0 (numbering them
-- would change rows the hash chain covers): a destination's cursor starts
-- below it.

ALTER TABLE health ADD COLUMN ship_rows INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN ship_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN ship_lag_rows INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN ship_lag_s INTEGER NOT NULL DEFAULT 0;
