-- 031_cmdlines.sql: process rows' command lines by reference (user_version 31).
-- A fork's row repeats its parent's command line, an exit's its exec's,
-- and a failed exec (a shell's or compiler's PATH search) its command's:
-- on the benchmark's mix, 4.8 bytes of every stored event. They move to
-- `cmdlines`, one row per distinct command line per block of 65 536
-- seqs, and a process row keeps its number, cmdline_id.
--
-- Unlike names, images and directories, whose number a host bounds,
-- command lines can be new with every process, so retention must prune
-- them with the rows, without an index of process rows by cmdline_id. The
-- numbers are made so that it can:
--   - the recorder numbers a command line 2 * the seq of the first row of
--     its block that has it, and reuses that number only for rows of the
--     same block (its cache starts over with every block);
--   - a row inserted through process_events has a number of its own,
--     2 * seq + 1, deleted with it through the view;
--   - a row whose seq is below 0 or at or above 2^62 (never the
--     recorder's: only an edit makes one) has a number below 0 of its own.
-- A row's cmdline_id is thus below 0 or at least 2 * its block's first
-- seq, and retention deletes the command lines from 0 up to 2 * the first
-- seq of the block of the oldest process row from 0 on
-- (recorder/store/dict.c, store_prune_cmdlines).
-- process_events gives the same column, value and storage type as before.

CREATE TABLE cmdlines (
  id      INTEGER PRIMARY KEY,  -- 2 * seq (recorder), 2 * seq + 1 (through the view)
  cmdline TEXT NOT NULL
);

CREATE TEMP TABLE cmdline_31 AS
  SELECT seq >> 16 AS blk, cmdline, min(seq) AS first
  FROM process_rows WHERE cmdline IS NOT NULL AND seq BETWEEN 0 AND 4611686018427387903
  GROUP BY 1, 2;
CREATE INDEX temp.cmdline_31_key ON cmdline_31 (blk, cmdline);
INSERT INTO cmdlines (id, cmdline) SELECT 2 * first, cmdline FROM cmdline_31 ORDER BY first;
CREATE TEMP TABLE cmdline_31_own AS
  SELECT seq, -row_number() OVER (ORDER BY seq) AS id, cmdline FROM process_rows
  WHERE cmdline IS NOT NULL AND seq NOT BETWEEN 0 AND 4611686018427387903;
INSERT INTO cmdlines (id, cmdline) SELECT id, cmdline FROM cmdline_31_own;

-- process_rows rebuilt with cmdline_id in cmdline's place, its rows in
-- seq order (ALTER TABLE ... DROP COLUMN rewrote them in place and left a
-- quarter of their pages empty). The old table is renamed first: a new
-- one cannot be renamed while the views over process_events are gone.
ALTER TABLE process_rows RENAME TO process_rows_30;
DROP VIEW process_events;  -- and its triggers
CREATE TABLE process_rows (
  seq                INTEGER PRIMARY KEY,
  event_type_id      INTEGER NOT NULL,   -- names.id
  ts_ns              INTEGER NOT NULL,
  clock_id           INTEGER NOT NULL,   -- clocks.id: boot_ns is ts_ns less its offset
  proc_id            INTEGER,
  actor_id           INTEGER NOT NULL,   -- actors.id: pid, uid, gid, parent, image
  tid                INTEGER,            -- NULL: the pid
  syscall_id         INTEGER,            -- names.id
  cmdline_id         INTEGER,            -- cmdlines.id
  argv               BLOB,
  argc               INTEGER,
  cwd                TEXT,
  euid               INTEGER,
  egid               INTEGER,
  auid               INTEGER,
  sessionid          INTEGER,
  exe_truncated      INTEGER,
  argv_truncated     INTEGER,
  cwd_truncated      INTEGER,
  child_proc_id      INTEGER,
  child_pid          INTEGER,
  exit_code          INTEGER,
  signal             INTEGER,
  core_dumped        INTEGER,
  exe_memfd          INTEGER,
  exe_deleted        INTEGER,
  script             TEXT,
  env                BLOB,
  script_truncated   INTEGER,
  env_truncated      INTEGER,
  path               TEXT,
  result             INTEGER,
  path_truncated     INTEGER,
  exe_dev            INTEGER,
  exe_ino            INTEGER,
  exe_size           INTEGER,
  exe_ctime_ns       INTEGER,
  exe_sha256_id      INTEGER,            -- names.id
  hash_status_id     INTEGER,            -- names.id
  user               TEXT,
  euser              TEXT,
  group_name         TEXT,
  login_user         TEXT,
  sudo_user          TEXT,
  ssh_client         TEXT,
  ssh_client_port    INTEGER,
  cgroup_id          INTEGER,
  cgroup_path        TEXT,
  container_id       TEXT,
  container_runtime  TEXT,
  pidns              INTEGER,
  mntns              INTEGER,
  netns              INTEGER,
  userns             INTEGER,
  utsns              INTEGER,
  cgroupns           INTEGER,
  script_dev         INTEGER,
  script_ino         INTEGER,
  script_size        INTEGER,
  script_ctime_ns    INTEGER,
  script_sha256      TEXT,
  script_hash_status TEXT
);
INSERT INTO process_rows
  SELECT r.seq, event_type_id, ts_ns, clock_id, proc_id, actor_id, tid, syscall_id,
    coalesce((SELECT 2 * first FROM cmdline_31 WHERE blk = r.seq >> 16 AND cmdline = r.cmdline
      AND r.seq BETWEEN 0 AND 4611686018427387903), (SELECT id FROM cmdline_31_own o
      WHERE o.seq = r.seq)),
    argv, argc, cwd, euid, egid, auid, sessionid, exe_truncated, argv_truncated,
    cwd_truncated, child_proc_id, child_pid, exit_code, signal, core_dumped, exe_memfd,
    exe_deleted, script, env, script_truncated, env_truncated, path, result,
    path_truncated, exe_dev, exe_ino, exe_size, exe_ctime_ns, exe_sha256_id,
    hash_status_id, user, euser, group_name, login_user, sudo_user, ssh_client,
    ssh_client_port, cgroup_id, cgroup_path, container_id, container_runtime, pidns,
    mntns, netns, userns, utsns, cgroupns, script_dev, script_ino, script_size,
    script_ctime_ns, script_sha256, script_hash_status
  FROM process_rows_30 r ORDER BY r.seq;
DROP TABLE process_rows_30;  -- and its indexes
DROP TABLE temp.cmdline_31;
DROP TABLE temp.cmdline_31_own;

-- the indexes keep their names (schema/028)
CREATE INDEX process_events_ts ON process_rows (ts_ns, proc_id);
CREATE INDEX process_events_exec ON process_rows (proc_id)
  WHERE child_pid IS NULL AND exit_code IS NULL;
CREATE INDEX process_events_fork ON process_rows (child_proc_id)
  WHERE child_proc_id IS NOT NULL;

-- As in schema/028, cmdline from its cmdlines row.
CREATE VIEW process_events AS
  SELECT r.seq AS seq,
         (SELECT name FROM names WHERE id = r.event_type_id) AS event_type,
         r.ts_ns AS ts_ns,
         CAST(r.ts_ns - (SELECT offset_ns FROM clocks WHERE id = r.clock_id) AS INTEGER)
           AS boot_ns,
         r.proc_id AS proc_id,
         (SELECT pid FROM actors WHERE id = r.actor_id) AS pid,
         (SELECT v FROM (SELECT r.tid AS v WHERE r.tid IS NOT NULL UNION ALL
          SELECT pid FROM actors WHERE id = r.actor_id AND r.tid IS NULL)) AS tid,
         (SELECT uid FROM actors WHERE id = r.actor_id) AS uid,
         (SELECT gid FROM actors WHERE id = r.actor_id) AS gid,
         (SELECT ppid FROM actors WHERE id = r.actor_id) AS ppid,
         (SELECT parent_proc_id FROM actors WHERE id = r.actor_id) AS parent_proc_id,
         (SELECT i.comm FROM actors a JOIN images i ON i.id = a.image_id
          WHERE a.id = r.actor_id) AS comm,
         (SELECT i.exe FROM actors a JOIN images i ON i.id = a.image_id
          WHERE a.id = r.actor_id) AS exe,
         (SELECT cmdline FROM cmdlines WHERE id = r.cmdline_id) AS cmdline,
         r.argv AS argv,
         r.argc AS argc,
         r.cwd AS cwd,
         r.euid AS euid,
         r.egid AS egid,
         r.auid AS auid,
         r.sessionid AS sessionid,
         (SELECT name FROM names WHERE id = r.syscall_id) AS syscall,
         r.exe_truncated AS exe_truncated,
         r.argv_truncated AS argv_truncated,
         r.cwd_truncated AS cwd_truncated,
         r.child_proc_id AS child_proc_id,
         r.child_pid AS child_pid,
         r.exit_code AS exit_code,
         r.signal AS signal,
         r.core_dumped AS core_dumped,
         r.exe_memfd AS exe_memfd,
         r.exe_deleted AS exe_deleted,
         r.script AS script,
         r.env AS env,
         r.script_truncated AS script_truncated,
         r.env_truncated AS env_truncated,
         r.path AS path,
         r.result AS result,
         r.path_truncated AS path_truncated,
         r.exe_dev AS exe_dev,
         r.exe_ino AS exe_ino,
         r.exe_size AS exe_size,
         r.exe_ctime_ns AS exe_ctime_ns,
         (SELECT name FROM names WHERE id = r.exe_sha256_id) AS exe_sha256,
         (SELECT name FROM names WHERE id = r.hash_status_id) AS hash_status,
         r.user AS user,
         r.euser AS euser,
         r.group_name AS group_name,
         r.login_user AS login_user,
         r.sudo_user AS sudo_user,
         r.ssh_client AS ssh_client,
         r.ssh_client_port AS ssh_client_port,
         r.cgroup_id AS cgroup_id,
         r.cgroup_path AS cgroup_path,
         r.container_id AS container_id,
         r.container_runtime AS container_runtime,
         r.pidns AS pidns,
         r.mntns AS mntns,
         r.netns AS netns,
         r.userns AS userns,
         r.utsns AS utsns,
         r.cgroupns AS cgroupns,
         r.script_dev AS script_dev,
         r.script_ino AS script_ino,
         r.script_size AS script_size,
         r.script_ctime_ns AS script_ctime_ns,
         r.script_sha256 AS script_sha256,
         r.script_hash_status AS script_hash_status
  FROM process_rows r;

-- Edits through the view, as schema/028's. A row inserted so has a
-- cmdlines row of its own (2 * seq + 1, or below 0), that goes with it
-- through the view; its seq must be an integer (or a whole REAL, or NULL).
CREATE TRIGGER process_events_insert INSTEAD OF INSERT ON process_events BEGIN
  INSERT INTO names (name)
    SELECT v FROM
      (SELECT CASE WHEN typeof(x) IN ('integer', 'real') THEN CAST(x AS TEXT) ELSE x END AS v
       FROM (SELECT NEW.event_type AS x UNION ALL SELECT NEW.syscall
             UNION ALL SELECT NEW.exe_sha256 UNION ALL SELECT NEW.hash_status))
    WHERE v IS NOT NULL AND NOT EXISTS (SELECT 1 FROM names WHERE name = v)
    GROUP BY v;
  INSERT INTO images (exe, comm) SELECT NEW.exe, NEW.comm
    WHERE (NEW.exe IS NOT NULL OR NEW.comm IS NOT NULL) AND NOT EXISTS
      (SELECT 1 FROM images WHERE exe IS NEW.exe AND comm IS NEW.comm);
  INSERT INTO actors (pid, uid, gid, ppid, parent_proc_id, image_id)
    SELECT NEW.pid, NEW.uid, NEW.gid, NEW.ppid, NEW.parent_proc_id, i
    FROM (SELECT (SELECT min(id) FROM images WHERE exe IS NEW.exe AND comm IS NEW.comm) AS i)
    WHERE NOT EXISTS (SELECT 1 FROM actors WHERE pid IS NEW.pid AND uid IS NEW.uid
      AND gid IS NEW.gid AND ppid IS NEW.ppid AND parent_proc_id IS NEW.parent_proc_id
      AND image_id IS i);
  SELECT RAISE(ABORT, 'ts_ns and boot_ns: integers whose difference fits in 64 bits')
    WHERE NEW.ts_ns IS NOT CAST(NEW.ts_ns AS INTEGER)
       OR NEW.boot_ns IS NOT CAST(NEW.boot_ns AS INTEGER)
       OR typeof(CAST(NEW.ts_ns AS INTEGER) - CAST(NEW.boot_ns AS INTEGER)) = 'real';
  INSERT INTO clocks (offset_ns)
    SELECT CAST(NEW.ts_ns AS INTEGER) - CAST(NEW.boot_ns AS INTEGER)
    WHERE NEW.ts_ns IS NOT NULL AND NEW.boot_ns IS NOT NULL AND NOT EXISTS
      (SELECT 1 FROM clocks
       WHERE offset_ns = CAST(NEW.ts_ns AS INTEGER) - CAST(NEW.boot_ns AS INTEGER));
  SELECT RAISE(ABORT, 'seq: an integer')
    WHERE NEW.seq IS NOT NULL AND NEW.seq IS NOT CAST(NEW.seq AS INTEGER);
  -- the row's own number left by a row deleted from process_rows itself
  DELETE FROM cmdlines WHERE NEW.seq BETWEEN 0 AND 4611686018427387903
    AND id = 2 * NEW.seq + 1 AND NOT EXISTS (SELECT 1 FROM process_rows WHERE seq = NEW.seq);
  INSERT INTO process_rows (seq, event_type_id, ts_ns, clock_id, proc_id, actor_id, tid,
                            syscall_id, cmdline_id, argv, argc, cwd, euid, egid, auid,
                            sessionid, exe_truncated, argv_truncated, cwd_truncated,
                            child_proc_id, child_pid, exit_code, signal, core_dumped,
                            exe_memfd, exe_deleted, script, env, script_truncated,
                            env_truncated, path, result, path_truncated, exe_dev, exe_ino,
                            exe_size, exe_ctime_ns, exe_sha256_id, hash_status_id, user,
                            euser, group_name, login_user, sudo_user, ssh_client,
                            ssh_client_port, cgroup_id, cgroup_path, container_id,
                            container_runtime, pidns, mntns, netns, userns, utsns, cgroupns,
                            script_dev, script_ino, script_size, script_ctime_ns,
                            script_sha256, script_hash_status)
    -- a NULL seq as SQLite would give it, but here, so that its command
    -- line can find it (past the largest key: refused, not a random one)
    VALUES (coalesce(CAST(NEW.seq AS INTEGER), (SELECT coalesce(max(seq), 0) + 1
                                                 FROM process_rows)),
    (SELECT id FROM names WHERE name = NEW.event_type), NEW.ts_ns,
    (SELECT id FROM clocks
     WHERE offset_ns = CAST(NEW.ts_ns AS INTEGER) - CAST(NEW.boot_ns AS INTEGER)),
    NEW.proc_id,
    (SELECT min(a.id) FROM actors a WHERE a.pid IS NEW.pid AND a.uid IS NEW.uid
      AND a.gid IS NEW.gid AND a.ppid IS NEW.ppid AND a.parent_proc_id IS NEW.parent_proc_id
      AND a.image_id IS (SELECT min(id) FROM images WHERE exe IS NEW.exe AND comm IS NEW.comm)),
    CASE WHEN NEW.tid IS NULL THEN RAISE(ABORT, 'NOT NULL constraint failed: tid')
         WHEN NEW.tid IS NEW.pid THEN NULL ELSE NEW.tid END,
    (SELECT id FROM names WHERE name = NEW.syscall),
    (SELECT CASE WHEN NEW.cmdline IS NULL THEN NULL
       WHEN q BETWEEN 0 AND 4611686018427387903 THEN 2 * q + 1
       ELSE min(coalesce((SELECT min(id) FROM cmdlines), 0), 0) - 1 END
     FROM (SELECT coalesce(CAST(NEW.seq AS INTEGER),
                           (SELECT coalesce(max(seq), 0) + 1 FROM process_rows)) AS q)),
    NEW.argv, NEW.argc,
    NEW.cwd, NEW.euid, NEW.egid, NEW.auid, NEW.sessionid, NEW.exe_truncated,
    NEW.argv_truncated, NEW.cwd_truncated,
    NEW.child_proc_id, NEW.child_pid, NEW.exit_code, NEW.signal, NEW.core_dumped,
    NEW.exe_memfd, NEW.exe_deleted, NEW.script, NEW.env, NEW.script_truncated,
    NEW.env_truncated, NEW.path, NEW.result, NEW.path_truncated, NEW.exe_dev, NEW.exe_ino,
    NEW.exe_size, NEW.exe_ctime_ns, (SELECT id FROM names WHERE name = NEW.exe_sha256),
    (SELECT id FROM names WHERE name = NEW.hash_status), NEW.user, NEW.euser,
    NEW.group_name, NEW.login_user, NEW.sudo_user, NEW.ssh_client, NEW.ssh_client_port,
    NEW.cgroup_id, NEW.cgroup_path, NEW.container_id, NEW.container_runtime, NEW.pidns,
    NEW.mntns, NEW.netns, NEW.userns, NEW.utsns, NEW.cgroupns, NEW.script_dev,
    NEW.script_ino, NEW.script_size, NEW.script_ctime_ns, NEW.script_sha256,
    NEW.script_hash_status);
  -- its command line under the number the row took (an INSERT OR IGNORE
  -- that kept the row there keeps its command line too)
  INSERT OR REPLACE INTO cmdlines (id, cmdline)
    SELECT cmdline_id, NEW.cmdline FROM process_rows
    WHERE seq = coalesce(CAST(NEW.seq AS INTEGER), (SELECT max(seq) FROM process_rows))
      AND NEW.cmdline IS NOT NULL AND cmdline_id IS NOT NULL;
END;
CREATE TRIGGER process_events_update INSTEAD OF UPDATE ON process_events BEGIN
  DELETE FROM cmdlines WHERE id = (SELECT cmdline_id FROM process_rows WHERE seq = OLD.seq)
    AND (id < 0 OR id = 2 * OLD.seq + 1);  -- its own, not its block's
  DELETE FROM process_rows WHERE seq = OLD.seq;
  INSERT INTO process_events VALUES (NEW.seq, NEW.event_type, NEW.ts_ns, NEW.boot_ns,
    NEW.proc_id, NEW.pid, NEW.tid, NEW.uid, NEW.gid, NEW.ppid, NEW.parent_proc_id,
    NEW.comm, NEW.exe, NEW.cmdline, NEW.argv,
    NEW.argc, NEW.cwd, NEW.euid, NEW.egid, NEW.auid, NEW.sessionid, NEW.syscall,
    NEW.exe_truncated, NEW.argv_truncated, NEW.cwd_truncated, NEW.child_proc_id,
    NEW.child_pid, NEW.exit_code, NEW.signal, NEW.core_dumped, NEW.exe_memfd,
    NEW.exe_deleted, NEW.script, NEW.env, NEW.script_truncated, NEW.env_truncated, NEW.path,
    NEW.result, NEW.path_truncated, NEW.exe_dev, NEW.exe_ino, NEW.exe_size,
    NEW.exe_ctime_ns, NEW.exe_sha256, NEW.hash_status, NEW.user, NEW.euser, NEW.group_name,
    NEW.login_user, NEW.sudo_user, NEW.ssh_client, NEW.ssh_client_port, NEW.cgroup_id,
    NEW.cgroup_path, NEW.container_id, NEW.container_runtime, NEW.pidns, NEW.mntns,
    NEW.netns, NEW.userns, NEW.utsns, NEW.cgroupns, NEW.script_dev, NEW.script_ino,
    NEW.script_size, NEW.script_ctime_ns, NEW.script_sha256, NEW.script_hash_status);
END;
CREATE TRIGGER process_events_delete INSTEAD OF DELETE ON process_events BEGIN
  DELETE FROM cmdlines WHERE id = (SELECT cmdline_id FROM process_rows WHERE seq = OLD.seq)
    AND (id < 0 OR id = 2 * OLD.seq + 1);  -- its own, not its block's
  DELETE FROM process_rows WHERE seq = OLD.seq;
END;
