-- 023_compact.sql: file and network rows without repeated text (user_version 23).
-- A file or network row copied its process's executable and command name
-- (43 bytes on a typical row) and its event type and syscall as text (15):
-- more than a third of the row. They are stored once now, in `images`
-- (one row per distinct executable and command name) and `names` (event
-- types and syscalls), and the rows refer to them by number. The views
-- file_events and network_events give the columns, names, order and
-- values the tables had, so queries, `rgq`, the shipper and the hash
-- chain (which hashes a row as the view gives it) read them as before;
-- INSTEAD OF triggers take the same INSERT, UPDATE and DELETE. The
-- recorder writes file_rows and network_rows directly (store/schema.c).

CREATE TABLE images (
  id   INTEGER PRIMARY KEY,
  exe  TEXT,
  comm TEXT
);
CREATE INDEX images_name ON images (exe, comm);

CREATE TABLE names (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

CREATE TABLE file_rows (
  seq                INTEGER PRIMARY KEY,
  event_type_id      INTEGER NOT NULL,  -- names.id
  ts_ns              INTEGER NOT NULL,
  boot_ns            INTEGER NOT NULL,
  proc_id            INTEGER,
  pid                INTEGER NOT NULL,
  tid                INTEGER NOT NULL,
  uid                INTEGER NOT NULL,
  gid                INTEGER NOT NULL,
  ppid               INTEGER,
  parent_proc_id     INTEGER,
  image_id           INTEGER,           -- images.id: comm and exe
  syscall_id         INTEGER,           -- names.id
  path               TEXT NOT NULL,
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

CREATE TABLE network_rows (
  seq             INTEGER PRIMARY KEY,
  event_type_id   INTEGER NOT NULL,     -- names.id
  ts_ns           INTEGER NOT NULL,
  boot_ns         INTEGER NOT NULL,
  proc_id         INTEGER,
  pid             INTEGER NOT NULL,
  tid             INTEGER NOT NULL,
  uid             INTEGER NOT NULL,
  gid             INTEGER NOT NULL,
  ppid            INTEGER,
  parent_proc_id  INTEGER,
  image_id        INTEGER,              -- images.id: comm and exe
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

-- the rows already there, converted
INSERT OR IGNORE INTO names (name)
  SELECT event_type FROM file_events UNION SELECT syscall FROM file_events
  UNION SELECT event_type FROM network_events UNION SELECT syscall FROM network_events;
INSERT INTO images (exe, comm)
  SELECT exe, comm FROM file_events UNION SELECT exe, comm FROM network_events
  EXCEPT SELECT NULL, NULL;
INSERT INTO file_rows
  SELECT f.seq, n.id, f.ts_ns, f.boot_ns, f.proc_id, f.pid, f.tid, f.uid, f.gid, f.ppid,
         f.parent_proc_id, i.id, s.id, f.path, f.new_path, f.flags, f.mode, f.result,
         f.path_truncated, f.new_path_truncated, f.owner_uid, f.owner_gid, f.mtime_ns,
         f.xattr_name, f.host_path
  FROM file_events f JOIN names n ON n.name = f.event_type
  LEFT JOIN names s ON s.name = f.syscall
  LEFT JOIN images i ON i.exe IS f.exe AND i.comm IS f.comm
  ORDER BY f.seq;
INSERT INTO network_rows
  SELECT e.seq, n.id, e.ts_ns, e.boot_ns, e.proc_id, e.pid, e.tid, e.uid, e.gid, e.ppid,
         e.parent_proc_id, i.id, s.id, e.result, e.family, e.protocol, e.local_addr,
         e.local_port, e.remote_addr, e.remote_port, e.socket_id, e.new_socket_id,
         e.dns_query, e.dns_type, e.dns_rcode, e.dns_answers, e.remote_hostname
  FROM network_events e JOIN names n ON n.name = e.event_type
  LEFT JOIN names s ON s.name = e.syscall
  LEFT JOIN images i ON i.exe IS e.exe AND i.comm IS e.comm
  ORDER BY e.seq;
DROP TABLE file_events;
DROP TABLE network_events;
-- the time indexes keep their names (005_query.sql)
CREATE INDEX file_events_ts ON file_rows (ts_ns, proc_id);
CREATE INDEX network_events_ts ON network_rows (ts_ns, proc_id);

CREATE VIEW file_events AS
  SELECT r.seq AS seq, (SELECT name FROM names WHERE id = r.event_type_id) AS event_type, r.ts_ns AS ts_ns, r.boot_ns AS boot_ns,
         r.proc_id AS proc_id, r.pid AS pid, r.tid AS tid, r.uid AS uid, r.gid AS gid,
         r.ppid AS ppid, r.parent_proc_id AS parent_proc_id, (SELECT comm FROM images WHERE id = r.image_id) AS comm,
         (SELECT exe FROM images WHERE id = r.image_id) AS exe,
         (SELECT name FROM names WHERE id = r.syscall_id) AS syscall, r.path AS path, r.new_path AS new_path, r.flags AS flags,
         r.mode AS mode, r.result AS result, r.path_truncated AS path_truncated,
         r.new_path_truncated AS new_path_truncated, r.owner_uid AS owner_uid,
         r.owner_gid AS owner_gid, r.mtime_ns AS mtime_ns, r.xattr_name AS xattr_name,
         r.host_path AS host_path
  FROM file_rows r;

CREATE VIEW network_events AS
  SELECT r.seq AS seq, (SELECT name FROM names WHERE id = r.event_type_id) AS event_type, r.ts_ns AS ts_ns, r.boot_ns AS boot_ns,
         r.proc_id AS proc_id, r.pid AS pid, r.tid AS tid, r.uid AS uid, r.gid AS gid,
         r.ppid AS ppid, r.parent_proc_id AS parent_proc_id, (SELECT comm FROM images WHERE id = r.image_id) AS comm,
         (SELECT exe FROM images WHERE id = r.image_id) AS exe,
         (SELECT name FROM names WHERE id = r.syscall_id) AS syscall, r.result AS result, r.family AS family, r.protocol AS protocol,
         r.local_addr AS local_addr, r.local_port AS local_port,
         r.remote_addr AS remote_addr, r.remote_port AS remote_port,
         r.socket_id AS socket_id, r.new_socket_id AS new_socket_id,
         r.dns_query AS dns_query, r.dns_type AS dns_type, r.dns_rcode AS dns_rcode,
         r.dns_answers AS dns_answers, r.remote_hostname AS remote_hostname
  FROM network_rows r;

-- A name or image is looked up only when a query asks for its column:
-- counting rows or selecting by time reads the time index alone.

-- Edits through the views (an analyst's, or a test's) go to the rows.
-- The recorder's own connection runs no trigger and writes the rows itself.
-- No statement here can meet a conflict: an outer INSERT OR REPLACE would
-- make an OR IGNORE inside a REPLACE, and renumber a name other rows use.
CREATE TRIGGER file_events_insert INSTEAD OF INSERT ON file_events BEGIN
  INSERT INTO names (name) SELECT v FROM (SELECT NEW.event_type AS v UNION SELECT NEW.syscall)
    WHERE v IS NOT NULL AND NOT EXISTS (SELECT 1 FROM names WHERE name = v);
  INSERT INTO images (exe, comm) SELECT NEW.exe, NEW.comm
    WHERE (NEW.exe IS NOT NULL OR NEW.comm IS NOT NULL) AND NOT EXISTS
      (SELECT 1 FROM images WHERE exe IS NEW.exe AND comm IS NEW.comm);
  INSERT INTO file_rows VALUES (NEW.seq,
    (SELECT id FROM names WHERE name = NEW.event_type), NEW.ts_ns, NEW.boot_ns,
    NEW.proc_id, NEW.pid, NEW.tid, NEW.uid, NEW.gid, NEW.ppid, NEW.parent_proc_id,
    (SELECT min(id) FROM images WHERE exe IS NEW.exe AND comm IS NEW.comm),
    (SELECT id FROM names WHERE name = NEW.syscall), NEW.path, NEW.new_path, NEW.flags,
    NEW.mode, NEW.result, NEW.path_truncated, NEW.new_path_truncated, NEW.owner_uid,
    NEW.owner_gid, NEW.mtime_ns, NEW.xattr_name, NEW.host_path);
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
  INSERT INTO network_rows VALUES (NEW.seq,
    (SELECT id FROM names WHERE name = NEW.event_type), NEW.ts_ns, NEW.boot_ns,
    NEW.proc_id, NEW.pid, NEW.tid, NEW.uid, NEW.gid, NEW.ppid, NEW.parent_proc_id,
    (SELECT min(id) FROM images WHERE exe IS NEW.exe AND comm IS NEW.comm),
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
