-- 010_telemetry.sql: file metadata, scripts and environment, failed execs,
-- privilege and system operations (user_version 10).

-- process_start: the script an interpreter ran and the allow-listed
-- environment; process_exec_failed: the name tried and the error.
ALTER TABLE process_events ADD COLUMN script TEXT;
ALTER TABLE process_events ADD COLUMN env BLOB;
ALTER TABLE process_events ADD COLUMN script_truncated INTEGER;
ALTER TABLE process_events ADD COLUMN env_truncated INTEGER;
ALTER TABLE process_events ADD COLUMN path TEXT;
ALTER TABLE process_events ADD COLUMN result INTEGER;
ALTER TABLE process_events ADD COLUMN path_truncated INTEGER;

-- chmod, chown, link, symlink, mkdir, utimes, setxattr, truncate: rows of
-- file_events with these columns where they apply.
ALTER TABLE file_events ADD COLUMN owner_uid INTEGER;
ALTER TABLE file_events ADD COLUMN owner_gid INTEGER;
ALTER TABLE file_events ADD COLUMN mtime_ns INTEGER;
ALTER TABLE file_events ADD COLUMN xattr_name TEXT;

-- Privilege and system operations: credential changes, ptrace, writes into
-- another process's memory, memfds, module and BPF program loads, mounts
-- and namespace changes.
CREATE TABLE system_events (
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
  euid               INTEGER,
  egid               INTEGER,
  syscall            TEXT,
  path               TEXT,
  flags              INTEGER,
  result             INTEGER NOT NULL,
  path_truncated     INTEGER NOT NULL,
  target_pid         INTEGER,
  target_proc_id     INTEGER,
  ptrace_request     INTEGER,
  bpf_prog_type      INTEGER,
  name               TEXT,
  source             TEXT,
  source_truncated   INTEGER,
  fstype             TEXT,
  fsuid              INTEGER,
  fsgid              INTEGER,
  old_uid            INTEGER,
  old_euid           INTEGER,
  old_fsuid          INTEGER,
  old_gid            INTEGER,
  old_egid           INTEGER,
  old_fsgid          INTEGER,
  cap_effective      INTEGER,
  old_cap_effective  INTEGER
);
CREATE INDEX system_events_ts ON system_events (ts_ns, proc_id);

ALTER TABLE health ADD COLUMN kernel_drops_system INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN user_drops_system INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN rows_system_events INTEGER NOT NULL DEFAULT 0;
