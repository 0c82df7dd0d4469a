-- 002_file_events.sql: file telemetry (user_version 2).

-- File events: opens, first writes, renames, unlinks of watched paths.
CREATE TABLE file_events (
  seq                INTEGER PRIMARY KEY,
  event_type         TEXT NOT NULL,
  ts_ns              INTEGER NOT NULL,
  boot_ns            INTEGER NOT NULL,
  proc_id            INTEGER,
  pid                INTEGER NOT NULL,
  tid                INTEGER NOT NULL,
  uid                INTEGER NOT NULL,
  gid                INTEGER NOT NULL,
  ppid               INTEGER,
  parent_proc_id     INTEGER,
  comm               TEXT,
  exe                TEXT,
  syscall            TEXT,
  path               TEXT NOT NULL,
  new_path           TEXT,
  flags              INTEGER NOT NULL,
  mode               INTEGER,
  result             INTEGER NOT NULL,
  path_truncated     INTEGER NOT NULL,
  new_path_truncated INTEGER
);
CREATE INDEX file_events_ts ON file_events (ts_ns);

ALTER TABLE health ADD COLUMN rows_file_events INTEGER NOT NULL DEFAULT 0;
