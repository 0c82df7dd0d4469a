-- 030_process_more.sql: an exec's columns in a process_more row of their
-- own (user_version 30).
-- As schema/029 did for file rows: SQLite gives each of a row's 62
-- columns a byte of its header, NULL or not, and a fork, exit or failed
-- exec row sets 10 to 11 of them. The 43 that only an exec (and a
-- binary_hashed row: the binary's device, inode, size and ctime) sets move
-- to process_more, one row under the process row's seq when any of them
-- is set. process_events joins the two and gives the same columns, values
-- and storage types as before; a query that reads none of the 43 does
-- not read process_more. Left in process_rows: what every process row
-- has, a fork's, an exit's and a failed exec's own columns (child_pid and
-- exit_code are the exec index's condition) and the SHA-256 and hash
-- status, kept as names' numbers. process_rows is rebuilt; the rows keep
-- their seq.

DROP VIEW process_events;     -- and its triggers

CREATE TABLE process_more (
  seq                INTEGER PRIMARY KEY,  -- process_rows.seq
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
  exe_memfd          INTEGER,
  exe_deleted        INTEGER,
  script             TEXT,
  env                BLOB,
  script_truncated   INTEGER,
  env_truncated      INTEGER,
  exe_dev            INTEGER,
  exe_ino            INTEGER,
  exe_size           INTEGER,
  exe_ctime_ns       INTEGER,
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
INSERT INTO process_more
  SELECT seq, argv, argc, cwd, euid, egid, auid, sessionid, exe_truncated, argv_truncated,
         cwd_truncated, exe_memfd, exe_deleted, script, env, script_truncated,
         env_truncated, exe_dev, exe_ino, exe_size, exe_ctime_ns, user, euser, group_name,
         login_user, sudo_user, ssh_client, ssh_client_port, cgroup_id, cgroup_path,
         container_id, container_runtime, pidns, mntns, netns, userns, utsns, cgroupns,
         script_dev, script_ino, script_size, script_ctime_ns, script_sha256,
         script_hash_status
  FROM process_rows
  WHERE argv IS NOT NULL OR argc IS NOT NULL OR cwd IS NOT NULL OR euid IS NOT NULL OR
     egid IS NOT NULL OR auid IS NOT NULL OR sessionid IS NOT NULL OR
     exe_truncated IS NOT NULL OR argv_truncated IS NOT NULL OR cwd_truncated IS NOT NULL OR
     exe_memfd IS NOT NULL OR exe_deleted IS NOT NULL OR script IS NOT NULL OR
     env IS NOT NULL OR script_truncated IS NOT NULL OR env_truncated IS NOT NULL OR
     exe_dev IS NOT NULL OR exe_ino IS NOT NULL OR exe_size IS NOT NULL OR
     exe_ctime_ns IS NOT NULL OR user IS NOT NULL OR euser IS NOT NULL OR
     group_name IS NOT NULL OR login_user IS NOT NULL OR sudo_user IS NOT NULL OR
     ssh_client IS NOT NULL OR ssh_client_port IS NOT NULL OR cgroup_id IS NOT NULL OR
     cgroup_path IS NOT NULL OR container_id IS NOT NULL OR container_runtime IS NOT NULL OR
     pidns IS NOT NULL OR mntns IS NOT NULL OR netns IS NOT NULL OR userns IS NOT NULL OR
     utsns IS NOT NULL OR cgroupns IS NOT NULL OR script_dev IS NOT NULL OR
     script_ino IS NOT NULL OR script_size IS NOT NULL OR script_ctime_ns IS NOT NULL OR
     script_sha256 IS NOT NULL OR script_hash_status IS NOT NULL
  ORDER BY seq;

CREATE TABLE process_rows_30 (
  seq            INTEGER PRIMARY KEY,
  event_type_id  INTEGER NOT NULL,     -- names.id
  ts_ns          INTEGER NOT NULL,
  clock_id       INTEGER NOT NULL,     -- clocks.id: boot_ns is ts_ns less its offset
  proc_id        INTEGER,
  actor_id       INTEGER NOT NULL,     -- actors.id: pid, uid, gid, parent, image
  tid            INTEGER,              -- NULL: the pid
  syscall_id     INTEGER,              -- names.id
  cmdline        TEXT,
  child_proc_id  INTEGER,
  child_pid      INTEGER,
  exit_code      INTEGER,
  signal         INTEGER,
  core_dumped    INTEGER,
  path           TEXT,
  result         INTEGER,
  path_truncated INTEGER,
  exe_sha256_id  INTEGER,              -- names.id
  hash_status_id INTEGER               -- names.id
);
INSERT INTO process_rows_30
  SELECT seq, event_type_id, ts_ns, clock_id, proc_id, actor_id, tid, syscall_id, cmdline,
         child_proc_id, child_pid, exit_code, signal, core_dumped, path, result,
         path_truncated, exe_sha256_id, hash_status_id
  FROM process_rows ORDER BY seq;
DROP TABLE process_rows;      -- and its indexes
-- The views binaries and exec_hashes (schema/020) read process_events,
-- which is gone until the view below is made again: a RENAME checks every
-- view unless it is the legacy one, which leaves them as they are.
PRAGMA legacy_alter_table = ON;
ALTER TABLE process_rows_30 RENAME TO process_rows;
PRAGMA legacy_alter_table = OFF;

-- the indexes keep their names (schema/028)
CREATE INDEX process_events_ts ON process_rows (ts_ns, proc_id);
CREATE INDEX process_events_exec ON process_rows (proc_id)
  WHERE child_pid IS NULL AND exit_code IS NULL;
CREATE INDEX process_events_fork ON process_rows (child_proc_id)
  WHERE child_proc_id IS NOT NULL;

-- As in schema/028, with the 43 columns from process_more.
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
         r.cmdline AS cmdline,
         m.argv AS argv,
         m.argc AS argc,
         m.cwd AS cwd,
         m.euid AS euid,
         m.egid AS egid,
         m.auid AS auid,
         m.sessionid AS sessionid,
         (SELECT name FROM names WHERE id = r.syscall_id) AS syscall,
         m.exe_truncated AS exe_truncated,
         m.argv_truncated AS argv_truncated,
         m.cwd_truncated AS cwd_truncated,
         r.child_proc_id AS child_proc_id,
         r.child_pid AS child_pid,
         r.exit_code AS exit_code,
         r.signal AS signal,
         r.core_dumped AS core_dumped,
         m.exe_memfd AS exe_memfd,
         m.exe_deleted AS exe_deleted,
         m.script AS script,
         m.env AS env,
         m.script_truncated AS script_truncated,
         m.env_truncated AS env_truncated,
         r.path AS path,
         r.result AS result,
         r.path_truncated AS path_truncated,
         m.exe_dev AS exe_dev,
         m.exe_ino AS exe_ino,
         m.exe_size AS exe_size,
         m.exe_ctime_ns AS exe_ctime_ns,
         (SELECT name FROM names WHERE id = r.exe_sha256_id) AS exe_sha256,
         (SELECT name FROM names WHERE id = r.hash_status_id) AS hash_status,
         m.user AS user,
         m.euser AS euser,
         m.group_name AS group_name,
         m.login_user AS login_user,
         m.sudo_user AS sudo_user,
         m.ssh_client AS ssh_client,
         m.ssh_client_port AS ssh_client_port,
         m.cgroup_id AS cgroup_id,
         m.cgroup_path AS cgroup_path,
         m.container_id AS container_id,
         m.container_runtime AS container_runtime,
         m.pidns AS pidns,
         m.mntns AS mntns,
         m.netns AS netns,
         m.userns AS userns,
         m.utsns AS utsns,
         m.cgroupns AS cgroupns,
         m.script_dev AS script_dev,
         m.script_ino AS script_ino,
         m.script_size AS script_size,
         m.script_ctime_ns AS script_ctime_ns,
         m.script_sha256 AS script_sha256,
         m.script_hash_status AS script_hash_status
  FROM process_rows r LEFT JOIN process_more m ON m.seq = r.seq;

-- Edits through the view, as schema/028's, and the row's process_more row
-- as file_more's (schema/029): written only when the process row was, OR
-- REPLACE over a row the insert replaced, and removed again at once when
-- none of its columns is set.
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
  INSERT INTO process_rows (seq, event_type_id, ts_ns, clock_id, proc_id, actor_id, tid,
                            syscall_id, cmdline, child_proc_id, child_pid, exit_code,
                            signal, core_dumped, path, result, path_truncated,
                            exe_sha256_id, hash_status_id)
    VALUES (NEW.seq, (SELECT id FROM names WHERE name = NEW.event_type), NEW.ts_ns,
    (SELECT id FROM clocks
     WHERE offset_ns = CAST(NEW.ts_ns AS INTEGER) - CAST(NEW.boot_ns AS INTEGER)),
    NEW.proc_id,
    (SELECT min(a.id) FROM actors a WHERE a.pid IS NEW.pid AND a.uid IS NEW.uid
      AND a.gid IS NEW.gid AND a.ppid IS NEW.ppid AND a.parent_proc_id IS NEW.parent_proc_id
      AND a.image_id IS (SELECT min(id) FROM images WHERE exe IS NEW.exe AND comm IS NEW.comm)),
    CASE WHEN NEW.tid IS NULL THEN RAISE(ABORT, 'NOT NULL constraint failed: tid')
         WHEN NEW.tid IS NEW.pid THEN NULL ELSE NEW.tid END,
    (SELECT id FROM names WHERE name = NEW.syscall), NEW.cmdline, NEW.child_proc_id,
    NEW.child_pid, NEW.exit_code, NEW.signal, NEW.core_dumped, NEW.path, NEW.result,
    NEW.path_truncated, (SELECT id FROM names WHERE name = NEW.exe_sha256),
    (SELECT id FROM names WHERE name = NEW.hash_status));
  INSERT OR REPLACE INTO process_more (seq, argv, argc, cwd, euid, egid, auid, sessionid,
                                      exe_truncated, argv_truncated, cwd_truncated,
                                      exe_memfd, exe_deleted, script, env, script_truncated,
                                      env_truncated, exe_dev, exe_ino, exe_size,
                                      exe_ctime_ns, user, euser, group_name, login_user,
                                      sudo_user, ssh_client, ssh_client_port, cgroup_id,
                                      cgroup_path, container_id, container_runtime, pidns,
                                      mntns, netns, userns, utsns, cgroupns, script_dev,
                                      script_ino, script_size, script_ctime_ns,
                                      script_sha256, script_hash_status)
    SELECT last_insert_rowid(), NEW.argv, NEW.argc, NEW.cwd, NEW.euid, NEW.egid, NEW.auid,
           NEW.sessionid, NEW.exe_truncated, NEW.argv_truncated, NEW.cwd_truncated,
           NEW.exe_memfd, NEW.exe_deleted, NEW.script, NEW.env, NEW.script_truncated,
           NEW.env_truncated, NEW.exe_dev, NEW.exe_ino, NEW.exe_size, NEW.exe_ctime_ns,
           NEW.user, NEW.euser, NEW.group_name, NEW.login_user, NEW.sudo_user,
           NEW.ssh_client, NEW.ssh_client_port, NEW.cgroup_id, NEW.cgroup_path,
           NEW.container_id, NEW.container_runtime, NEW.pidns, NEW.mntns, NEW.netns,
           NEW.userns, NEW.utsns, NEW.cgroupns, NEW.script_dev, NEW.script_ino,
           NEW.script_size, NEW.script_ctime_ns, NEW.script_sha256, NEW.script_hash_status
    WHERE changes() > 0;
  DELETE FROM process_more WHERE seq = last_insert_rowid()
    AND argv IS NULL AND argc IS NULL AND cwd IS NULL AND euid IS NULL AND egid IS NULL AND
    auid IS NULL AND sessionid IS NULL AND exe_truncated IS NULL AND
    argv_truncated IS NULL AND cwd_truncated IS NULL AND exe_memfd IS NULL AND
    exe_deleted IS NULL AND script IS NULL AND env IS NULL AND script_truncated IS NULL AND
    env_truncated IS NULL AND exe_dev IS NULL AND exe_ino IS NULL AND exe_size IS NULL AND
    exe_ctime_ns IS NULL AND user IS NULL AND euser IS NULL AND group_name IS NULL AND
    login_user IS NULL AND sudo_user IS NULL AND ssh_client IS NULL AND
    ssh_client_port IS NULL AND cgroup_id IS NULL AND cgroup_path IS NULL AND
    container_id IS NULL AND container_runtime IS NULL AND pidns IS NULL AND
    mntns IS NULL AND netns IS NULL AND userns IS NULL AND utsns IS NULL AND
    cgroupns IS NULL AND script_dev IS NULL AND script_ino IS NULL AND
    script_size IS NULL AND script_ctime_ns IS NULL AND script_sha256 IS NULL AND
    script_hash_status IS NULL;
END;
CREATE TRIGGER process_events_update INSTEAD OF UPDATE ON process_events BEGIN
  DELETE FROM process_more WHERE seq = OLD.seq;
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
  DELETE FROM process_more WHERE seq = OLD.seq;
  DELETE FROM process_rows WHERE seq = OLD.seq;
END;
