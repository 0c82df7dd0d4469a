-- 026_clocks.sql: a row's boot time by its clock (user_version 26).
-- A file or network row kept its time twice: ts_ns on the wall clock and
-- boot_ns on the boot clock, 6 to 8 bytes each. The recorder stamps
-- ts_ns as boot_ns plus the wall clock's offset, which it keeps until the
-- wall clock is stepped (recorder/daemon/pipeline.h, RG_CLOCK_JITTER_NS),
-- so a run's rows share one offset. It is stored once now, in `clocks`,
-- and a row refers to it by `clock_id` (1, the first clock, takes no
-- bytes in a row); the views give boot_ns as ts_ns less the offset, the
-- value it was. file_rows and network_rows are rebuilt: their rows keep
-- their seq. The clocks are numbered in the order rows first use them.

CREATE TABLE clocks (
  id        INTEGER PRIMARY KEY,
  offset_ns INTEGER NOT NULL UNIQUE  -- ts_ns - boot_ns of the rows on this clock
);
INSERT INTO clocks (offset_ns)
  SELECT o FROM
    (SELECT seq, ts_ns - boot_ns AS o FROM file_rows
     UNION ALL SELECT seq, ts_ns - boot_ns FROM network_rows)
  GROUP BY o ORDER BY min(seq);

DROP VIEW file_events;     -- and its triggers
DROP VIEW network_events;

CREATE TABLE file_rows_26 (
  seq                INTEGER PRIMARY KEY,
  event_type_id      INTEGER NOT NULL,  -- names.id
  ts_ns              INTEGER NOT NULL,
  clock_id           INTEGER NOT NULL,  -- clocks.id: boot_ns is ts_ns less its offset
  proc_id            INTEGER,
  actor_id           INTEGER NOT NULL,  -- actors.id: pid, uid, gid, parent, image
  tid                INTEGER,           -- NULL: the pid
  syscall_id         INTEGER,           -- names.id
  dir_id             INTEGER,           -- names.id of the path's directory
  path               TEXT NOT NULL,     -- the rest of the path (all of it: dir_id NULL)
  new_path           TEXT,
  flags              INTEGER NOT NULL,
  mode               INTEGER,
  result             INTEGER NOT NULL,
  path_truncated     INTEGER NOT NULL,
  new_path_truncated INTEGER,
  owner_uid          INTEGER,
  owner_gid          INTEGER,
  mtime_ns           INTEGER,
  xattr_name         TEXT,
  host_path          TEXT
);
INSERT INTO file_rows_26
  SELECT r.seq, r.event_type_id, r.ts_ns, c.id, r.proc_id, r.actor_id, r.tid, r.syscall_id,
         r.dir_id, r.path, r.new_path, r.flags, r.mode, r.result, r.path_truncated, r.new_path_truncated,
         r.owner_uid, r.owner_gid, r.mtime_ns, r.xattr_name, r.host_path
  FROM file_rows r JOIN clocks c ON c.offset_ns = r.ts_ns - r.boot_ns
  ORDER BY r.seq;
DROP TABLE file_rows;
ALTER TABLE file_rows_26 RENAME TO file_rows;

CREATE TABLE network_rows_26 (
  seq             INTEGER PRIMARY KEY,
  event_type_id   INTEGER NOT NULL,     -- names.id
  ts_ns           INTEGER NOT NULL,
  clock_id        INTEGER NOT NULL,     -- clocks.id: boot_ns is ts_ns less its offset
  proc_id         INTEGER,
  actor_id        INTEGER NOT NULL,     -- actors.id: pid, uid, gid, parent, image
  tid             INTEGER,              -- NULL: the pid
  syscall_id      INTEGER,              -- names.id
  result          INTEGER NOT NULL,
  family          TEXT NOT NULL,
  protocol        TEXT,
  local_addr      TEXT,
  local_port      INTEGER,
  remote_addr     TEXT,
  remote_port     INTEGER,
  socket_id       INTEGER,
  new_socket_id   INTEGER,
  dns_query       TEXT,
  dns_type        TEXT,
  dns_rcode       INTEGER,
  dns_answers     TEXT,
  remote_hostname TEXT
);
INSERT INTO network_rows_26
  SELECT r.seq, r.event_type_id, r.ts_ns, c.id, r.proc_id, r.actor_id, r.tid, r.syscall_id,
         r.result,
         r.family, r.protocol, r.local_addr, r.local_port, r.remote_addr, r.remote_port,
         r.socket_id, r.new_socket_id, r.dns_query, r.dns_type, r.dns_rcode, r.dns_answers,
         r.remote_hostname
  FROM network_rows r JOIN clocks c ON c.offset_ns = r.ts_ns - r.boot_ns
  ORDER BY r.seq;
DROP TABLE network_rows;
ALTER TABLE network_rows_26 RENAME TO network_rows;

-- the time indexes keep their names (005_query.sql)
CREATE INDEX file_events_ts ON file_rows (ts_ns, proc_id);
CREATE INDEX network_events_ts ON network_rows (ts_ns, proc_id);

-- As in schema/023: a name, image, actor or clock is looked up only when a
-- query asks for its column; boot_ns is CAST to keep its integer affinity.
CREATE VIEW file_events AS
  SELECT r.seq AS seq,
         (SELECT name FROM names WHERE id = r.event_type_id) AS event_type,
         r.ts_ns AS ts_ns,
         CAST(r.ts_ns - (SELECT offset_ns FROM clocks WHERE id = r.clock_id) AS INTEGER)
           AS boot_ns, r.proc_id AS proc_id,
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
         (SELECT name FROM names WHERE id = r.syscall_id) AS syscall,
         CASE WHEN r.dir_id IS NULL THEN r.path
              ELSE (SELECT name FROM names WHERE id = r.dir_id) || r.path END AS path,
         r.new_path AS new_path, r.flags AS flags, r.mode AS mode, r.result AS result,
         r.path_truncated AS path_truncated, r.new_path_truncated AS new_path_truncated,
         r.owner_uid AS owner_uid, r.owner_gid AS owner_gid, r.mtime_ns AS mtime_ns,
         r.xattr_name AS xattr_name, r.host_path AS host_path
  FROM file_rows r;

CREATE VIEW network_events AS
  SELECT r.seq AS seq,
         (SELECT name FROM names WHERE id = r.event_type_id) AS event_type,
         r.ts_ns AS ts_ns,
         CAST(r.ts_ns - (SELECT offset_ns FROM clocks WHERE id = r.clock_id) AS INTEGER)
           AS boot_ns, r.proc_id AS proc_id,
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
         (SELECT name FROM names WHERE id = r.syscall_id) AS syscall,
         r.result AS result, r.family AS family, r.protocol AS protocol,
         r.local_addr AS local_addr, r.local_port AS local_port,
         r.remote_addr AS remote_addr, r.remote_port AS remote_port,
         r.socket_id AS socket_id, r.new_socket_id AS new_socket_id,
         r.dns_query AS dns_query, r.dns_type AS dns_type, r.dns_rcode AS dns_rcode,
         r.dns_answers AS dns_answers, r.remote_hostname AS remote_hostname
  FROM network_rows r;

-- Edits through the views (schema/023, 025; no statement here can meet a
-- conflict) store the path whole, the tid as the writer does (NULL: the
-- pid; a NULL tid is refused) and the boot time as its clock's number:
-- ts_ns and boot_ns must be integers (a whole REAL is taken as one, as
-- the table's INTEGER affinity took it) whose difference fits in 64 bits,
-- so that boot_ns reads back as written; a NULL one is refused by the
-- table, as before.
CREATE TRIGGER file_events_insert INSTEAD OF INSERT ON file_events BEGIN
  INSERT INTO names (name) SELECT v FROM (SELECT NEW.event_type AS v UNION SELECT NEW.syscall)
    WHERE v IS NOT NULL AND NOT EXISTS (SELECT 1 FROM names WHERE name = v);
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
  INSERT INTO file_rows (seq, event_type_id, ts_ns, clock_id, proc_id, actor_id, tid,
                         syscall_id, dir_id, path, new_path, flags, mode, result,
                         path_truncated, new_path_truncated, owner_uid, owner_gid,
                         mtime_ns, xattr_name, host_path)
    VALUES (NEW.seq, (SELECT id FROM names WHERE name = NEW.event_type), NEW.ts_ns,
    (SELECT id FROM clocks
     WHERE offset_ns = CAST(NEW.ts_ns AS INTEGER) - CAST(NEW.boot_ns AS INTEGER)),
    NEW.proc_id,
    (SELECT min(a.id) FROM actors a WHERE a.pid IS NEW.pid AND a.uid IS NEW.uid
      AND a.gid IS NEW.gid AND a.ppid IS NEW.ppid AND a.parent_proc_id IS NEW.parent_proc_id
      AND a.image_id IS (SELECT min(id) FROM images WHERE exe IS NEW.exe AND comm IS NEW.comm)),
    CASE WHEN NEW.tid IS NULL THEN RAISE(ABORT, 'NOT NULL constraint failed: tid')
         WHEN NEW.tid IS NEW.pid THEN NULL ELSE NEW.tid END,
    (SELECT id FROM names WHERE name = NEW.syscall), NULL, NEW.path, NEW.new_path,
    NEW.flags, NEW.mode, NEW.result, NEW.path_truncated, NEW.new_path_truncated,
    NEW.owner_uid, NEW.owner_gid, NEW.mtime_ns, NEW.xattr_name, NEW.host_path);
END;
CREATE TRIGGER file_events_update INSTEAD OF UPDATE ON file_events BEGIN
  DELETE FROM file_rows WHERE seq = OLD.seq;
  INSERT INTO file_events VALUES (NEW.seq, NEW.event_type, NEW.ts_ns, NEW.boot_ns,
    NEW.proc_id, NEW.pid, NEW.tid, NEW.uid, NEW.gid, NEW.ppid, NEW.parent_proc_id,
    NEW.comm, NEW.exe, NEW.syscall, NEW.path, NEW.new_path, NEW.flags, NEW.mode,
    NEW.result, NEW.path_truncated, NEW.new_path_truncated, NEW.owner_uid,
    NEW.owner_gid, NEW.mtime_ns, NEW.xattr_name, NEW.host_path);
END;
CREATE TRIGGER file_events_delete INSTEAD OF DELETE ON file_events BEGIN
  DELETE FROM file_rows WHERE seq = OLD.seq;
END;

CREATE TRIGGER network_events_insert INSTEAD OF INSERT ON network_events BEGIN
  INSERT INTO names (name) SELECT v FROM (SELECT NEW.event_type AS v UNION SELECT NEW.syscall)
    WHERE v IS NOT NULL AND NOT EXISTS (SELECT 1 FROM names WHERE name = v);
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
  INSERT INTO network_rows (seq, event_type_id, ts_ns, clock_id, proc_id, actor_id, tid,
                            syscall_id, result, family, protocol, local_addr, local_port,
                            remote_addr, remote_port, socket_id, new_socket_id, dns_query,
                            dns_type, dns_rcode, dns_answers, remote_hostname)
    VALUES (NEW.seq, (SELECT id FROM names WHERE name = NEW.event_type), NEW.ts_ns,
    (SELECT id FROM clocks
     WHERE offset_ns = CAST(NEW.ts_ns AS INTEGER) - CAST(NEW.boot_ns AS INTEGER)),
    NEW.proc_id,
    (SELECT min(a.id) FROM actors a WHERE a.pid IS NEW.pid AND a.uid IS NEW.uid
      AND a.gid IS NEW.gid AND a.ppid IS NEW.ppid AND a.parent_proc_id IS NEW.parent_proc_id
      AND a.image_id IS (SELECT min(id) FROM images WHERE exe IS NEW.exe AND comm IS NEW.comm)),
    CASE WHEN NEW.tid IS NULL THEN RAISE(ABORT, 'NOT NULL constraint failed: tid')
         WHEN NEW.tid IS NEW.pid THEN NULL ELSE NEW.tid END,
    (SELECT id FROM names WHERE name = NEW.syscall), NEW.result, NEW.family,
    NEW.protocol, NEW.local_addr, NEW.local_port, NEW.remote_addr, NEW.remote_port,
    NEW.socket_id, NEW.new_socket_id, NEW.dns_query, NEW.dns_type, NEW.dns_rcode,
    NEW.dns_answers, NEW.remote_hostname);
END;
CREATE TRIGGER network_events_update INSTEAD OF UPDATE ON network_events BEGIN
  DELETE FROM network_rows WHERE seq = OLD.seq;
  INSERT INTO network_events VALUES (NEW.seq, NEW.event_type, NEW.ts_ns, NEW.boot_ns,
    NEW.proc_id, NEW.pid, NEW.tid, NEW.uid, NEW.gid, NEW.ppid, NEW.parent_proc_id,
    NEW.comm, NEW.exe, NEW.syscall, NEW.result, NEW.family, NEW.protocol,
    NEW.local_addr, NEW.local_port, NEW.remote_addr, NEW.remote_port, NEW.socket_id,
    NEW.new_socket_id, NEW.dns_query, NEW.dns_type, NEW.dns_rcode, NEW.dns_answers,
    NEW.remote_hostname);
END;
CREATE TRIGGER network_events_delete INSTEAD OF DELETE ON network_events BEGIN
  DELETE FROM network_rows WHERE seq = OLD.seq;
END;
