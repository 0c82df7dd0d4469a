-- 005_query.sql: what post-incident queries and replay need (user_version 5).

-- The processes the recorder knew at a run's start without an event (its
-- /proc scan), as the rules' lineage was seeded with them, in that order.
-- `rgq replay` starts each run from these, so it sees what the recorder
-- saw; they are also a snapshot of what was running.
CREATE TABLE run_processes (
  run_id         INTEGER NOT NULL,
  proc_id        INTEGER NOT NULL,
  parent_proc_id INTEGER,
  uid            INTEGER NOT NULL,
  euid           INTEGER NOT NULL,
  auid           INTEGER NOT NULL,
  comm           TEXT,
  exe            TEXT,
  argv           BLOB
);
CREATE INDEX run_processes_run ON run_processes (run_id);

-- Losses by family, so a storm's events add up exactly: generated =
-- stored + kernel drops + userspace drops of its family.
ALTER TABLE health ADD COLUMN kernel_drops_process INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN kernel_drops_file INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN kernel_drops_network INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN user_drops_process INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN user_drops_file INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN user_drops_network INTEGER NOT NULL DEFAULT 0;

-- Retention: event rows pruned ([store] max_age_h, max_size_mb).
ALTER TABLE health ADD COLUMN rows_pruned INTEGER NOT NULL DEFAULT 0;

-- The lineage bound of the run ([process] table_max): replay uses the same.
ALTER TABLE runs ADD COLUMN lineage_max INTEGER;

-- A pid's processes, a process's alerts. The event tables get no index on
-- proc_id or path: on those random keys every insert would pay a B-tree
-- walk (measured: inserts 3.5-5.5x slower). rgq finds a process's events
-- through the time index within the process's lifetime instead, so the
-- time indexes carry proc_id: that scan never reads the rows it skips.
-- (Appending to them stays cheap: ts_ns grows.)
DROP INDEX process_events_ts;
CREATE INDEX process_events_ts ON process_events (ts_ns, proc_id);
DROP INDEX file_events_ts;
CREATE INDEX file_events_ts ON file_events (ts_ns, proc_id);
DROP INDEX network_events_ts;
CREATE INDEX network_events_ts ON network_events (ts_ns, proc_id);
CREATE INDEX processes_pid ON processes (pid);
CREATE INDEX alerts_proc ON alerts (proc_id);
