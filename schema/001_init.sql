-- 001_init.sql: the first rand-guard schema (user_version 1).
-- Every table and column is described in docs/schema.md. Columns of the
-- event tables are the event field names (recorder/fields.c), so NDJSON
-- keys, SQL columns and rule fields are one name per fact.

-- Identifies the file as a rand-guard database, and what wrote it last.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('format', 'rand-guard');

-- One row per recorder run: a restart is a new run.
CREATE TABLE runs (
  run_id     INTEGER PRIMARY KEY,
  host       TEXT NOT NULL,
  boot_id    TEXT NOT NULL,
  version    TEXT NOT NULL,
  started_ns INTEGER NOT NULL,
  stopped_ns INTEGER,          -- NULL: still running, or it crashed
  first_seq  INTEGER NOT NULL,
  last_seq   INTEGER           -- set at a clean stop
);

-- One row per process (identity: boot, pid, start time), kept after exit.
CREATE TABLE processes (
  proc_id        INTEGER PRIMARY KEY,
  boot_id        TEXT NOT NULL,
  pid            INTEGER NOT NULL,
  start_boot_ns  INTEGER NOT NULL,
  start_ns       INTEGER,
  ppid           INTEGER,
  parent_proc_id INTEGER,
  uid            INTEGER,
  gid            INTEGER,
  euid           INTEGER,
  auid           INTEGER,
  sessionid      INTEGER,
  comm           TEXT,
  exe            TEXT,
  cmdline        TEXT,
  argv           BLOB,
  cwd            TEXT,
  exe_truncated  INTEGER NOT NULL DEFAULT 0,
  argv_truncated INTEGER NOT NULL DEFAULT 0,
  cwd_truncated  INTEGER NOT NULL DEFAULT 0,
  source         TEXT NOT NULL,
  exit_ns        INTEGER,
  exit_code      INTEGER,
  signal         INTEGER
);
CREATE UNIQUE INDEX processes_identity ON processes (boot_id, pid, start_boot_ns);
CREATE INDEX processes_parent ON processes (parent_proc_id);

-- Process events: exec, fork (of a process), exit.
CREATE TABLE process_events (
  seq            INTEGER PRIMARY KEY,
  event_type     TEXT NOT NULL,
  ts_ns          INTEGER NOT NULL,
  boot_ns        INTEGER NOT NULL,
  proc_id        INTEGER,
  pid            INTEGER NOT NULL,
  tid            INTEGER NOT NULL,
  uid            INTEGER NOT NULL,
  gid            INTEGER NOT NULL,
  ppid           INTEGER,
  parent_proc_id INTEGER,
  comm           TEXT,
  exe            TEXT,
  cmdline        TEXT,
  argv           BLOB,
  argc           INTEGER,
  cwd            TEXT,
  euid           INTEGER,
  egid           INTEGER,
  auid           INTEGER,
  sessionid      INTEGER,
  syscall        TEXT,
  exe_truncated  INTEGER,
  argv_truncated INTEGER,
  cwd_truncated  INTEGER,
  child_proc_id  INTEGER,
  child_pid      INTEGER,
  exit_code      INTEGER,
  signal         INTEGER,
  core_dumped    INTEGER
);
-- Only time is indexed while recording: it grows with the rows, so
-- inserts append to the index instead of scattering. Other orders are for
-- the reader to add (or to reach through processes and seq ranges).
CREATE INDEX process_events_ts ON process_events (ts_ns);

-- The recorder's own counters (recorder/health.h), one row per interval.
CREATE TABLE health (
  seq                 INTEGER PRIMARY KEY,
  ts_ns               INTEGER NOT NULL,
  run_id              INTEGER NOT NULL,
  events_read         INTEGER NOT NULL,
  events_invalid      INTEGER NOT NULL,
  events_unsupported  INTEGER NOT NULL,
  kernel_drops        INTEGER NOT NULL,
  user_drops          INTEGER NOT NULL,
  filtered            INTEGER NOT NULL,
  ndjson_written      INTEGER NOT NULL,
  ndjson_failures     INTEGER NOT NULL,
  rows_processes      INTEGER NOT NULL,
  rows_process_events INTEGER NOT NULL,
  rows_gaps           INTEGER NOT NULL,
  store_failures      INTEGER NOT NULL,
  batches             INTEGER NOT NULL,
  batch_commit_us_max INTEGER NOT NULL,
  queue_depth         INTEGER NOT NULL,
  proctab_size        INTEGER NOT NULL,
  proctab_evictions   INTEGER NOT NULL,
  uptime_s            INTEGER NOT NULL,
  rss_kb              INTEGER NOT NULL
);
CREATE INDEX health_ts ON health (ts_ns);

-- Intervals in which the recording is known to be incomplete.
CREATE TABLE gaps (
  gap_id   INTEGER PRIMARY KEY,
  run_id   INTEGER NOT NULL,
  start_ns INTEGER NOT NULL,
  end_ns   INTEGER NOT NULL,
  count    INTEGER NOT NULL,  -- events lost; 0 when unknown (recorder_down)
  reason   TEXT NOT NULL      -- kernel_drop, user_drop, store_failure, invalid, recorder_down
);
CREATE INDEX gaps_time ON gaps (start_ns);
