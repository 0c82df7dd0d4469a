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

-- The lineage bound of the run ([process] table_max): replay uses the same.
ALTER TABLE runs ADD COLUMN lineage_max INTEGER;

-- One process's events, a path's history, a pid's processes.
CREATE INDEX process_events_proc ON process_events (proc_id);
CREATE INDEX file_events_proc ON file_events (proc_id);
CREATE INDEX network_events_proc ON network_events (proc_id);
CREATE INDEX file_events_path ON file_events (path);
CREATE INDEX processes_pid ON processes (pid);
CREATE INDEX alerts_proc ON alerts (proc_id);
