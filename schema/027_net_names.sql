-- 027_net_names.sql: a network row's family, protocol and local address
-- by name (user_version 27).
-- They were text in every row ("ipv4", "tcp", "127.0.0.1": 16 bytes,
-- up to 46 with an IPv6 address, more with a Unix socket's path), yet a
-- host has few of each: its families, protocols and own addresses. They
-- are kept in `names` now, as the event type and syscall are
-- (schema/023), and a row refers to them by number, one or two bytes.
-- The remote address stays in the row: a server's peers can be as many
-- as its connections, and a name is worth its row only when it repeats.
-- network_rows is rebuilt; its rows keep their seq. The view gives the
-- same columns, values and storage types as before. file_events' insert
-- trigger is made anew too (see its end).

INSERT INTO names (name)
  SELECT v FROM
    (SELECT seq, family AS v FROM network_rows
     UNION ALL SELECT seq, protocol FROM network_rows
     UNION ALL SELECT seq, local_addr FROM network_rows)
  WHERE v IS NOT NULL AND NOT EXISTS (SELECT 1 FROM names WHERE name = v)
  GROUP BY v ORDER BY min(seq), v;

DROP VIEW network_events;  -- and its triggers

CREATE TABLE network_rows_27 (
  seq             INTEGER PRIMARY KEY,
  event_type_id   INTEGER NOT NULL,     -- names.id
  ts_ns           INTEGER NOT NULL,
  clock_id        INTEGER NOT NULL,     -- clocks.id: boot_ns is ts_ns less its offset
  proc_id         INTEGER,
  actor_id        INTEGER NOT NULL,     -- actors.id: pid, uid, gid, parent, image
  tid             INTEGER,              -- NULL: the pid
  syscall_id      INTEGER,              -- names.id
  result          INTEGER NOT NULL,
  family_id       INTEGER NOT NULL,     -- names.id
  protocol_id     INTEGER,              -- names.id
  local_addr_id   INTEGER,              -- names.id
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
INSERT INTO network_rows_27
  SELECT r.seq, r.event_type_id, r.ts_ns, r.clock_id, r.proc_id, r.actor_id, r.tid,
         r.syscall_id, r.result,
         (SELECT id FROM names WHERE name = r.family),
         (SELECT id FROM names WHERE name = r.protocol),
         (SELECT id FROM names WHERE name = r.local_addr),
         r.local_port, r.remote_addr, r.remote_port, r.socket_id, r.new_socket_id,
         r.dns_query, r.dns_type, r.dns_rcode, r.dns_answers, r.remote_hostname
  FROM network_rows r
  ORDER BY r.seq;
DROP TABLE network_rows;
ALTER TABLE network_rows_27 RENAME TO network_rows;

-- the time index keeps its name (005_query.sql)
CREATE INDEX network_events_ts ON network_rows (ts_ns, proc_id);

-- As in schema/023: a name is looked up only when a query asks for its
-- column.
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
         r.result AS result,
         (SELECT name FROM names WHERE id = r.family_id) AS family,
         (SELECT name FROM names WHERE id = r.protocol_id) AS protocol,
         (SELECT name FROM names WHERE id = r.local_addr_id) AS local_addr,
         r.local_port AS local_port,
         r.remote_addr AS remote_addr, r.remote_port AS remote_port,
         r.socket_id AS socket_id, r.new_socket_id AS new_socket_id,
         r.dns_query AS dns_query, r.dns_type AS dns_type, r.dns_rcode AS dns_rcode,
         r.dns_answers AS dns_answers, r.remote_hostname AS remote_hostname
  FROM network_rows r;

-- Edits through the view, as schema/026's; a NULL family is refused by
-- the table, as before. The names a row brings are made text first, as
-- the column stores them: 77 and '77' are one name, not two.
CREATE TRIGGER network_events_insert INSTEAD OF INSERT ON network_events BEGIN
  INSERT INTO names (name)
    SELECT v FROM
      (SELECT CASE WHEN typeof(x) IN ('integer', 'real') THEN CAST(x AS TEXT) ELSE x END AS v
       FROM (SELECT NEW.event_type AS x UNION ALL SELECT NEW.syscall
             UNION ALL SELECT NEW.family UNION ALL SELECT NEW.protocol
             UNION ALL SELECT NEW.local_addr))
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
  INSERT INTO network_rows (seq, event_type_id, ts_ns, clock_id, proc_id, actor_id, tid,
                            syscall_id, result, family_id, protocol_id, local_addr_id,
                            local_port, remote_addr, remote_port, socket_id, new_socket_id,
                            dns_query, dns_type, dns_rcode, dns_answers, remote_hostname)
    VALUES (NEW.seq, (SELECT id FROM names WHERE name = NEW.event_type), NEW.ts_ns,
    (SELECT id FROM clocks
     WHERE offset_ns = CAST(NEW.ts_ns AS INTEGER) - CAST(NEW.boot_ns AS INTEGER)),
    NEW.proc_id,
    (SELECT min(a.id) FROM actors a WHERE a.pid IS NEW.pid AND a.uid IS NEW.uid
      AND a.gid IS NEW.gid AND a.ppid IS NEW.ppid AND a.parent_proc_id IS NEW.parent_proc_id
      AND a.image_id IS (SELECT min(id) FROM images WHERE exe IS NEW.exe AND comm IS NEW.comm)),
    CASE WHEN NEW.tid IS NULL THEN RAISE(ABORT, 'NOT NULL constraint failed: tid')
         WHEN NEW.tid IS NEW.pid THEN NULL ELSE NEW.tid END,
    (SELECT id FROM names WHERE name = NEW.syscall), NEW.result,
    (SELECT id FROM names WHERE name = NEW.family),
    (SELECT id FROM names WHERE name = NEW.protocol),
    (SELECT id FROM names WHERE name = NEW.local_addr), NEW.local_port,
    NEW.remote_addr, NEW.remote_port, NEW.socket_id, NEW.new_socket_id, NEW.dns_query,
    NEW.dns_type, NEW.dns_rcode, NEW.dns_answers, NEW.remote_hostname);
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

-- file_events' insert trigger (schema/026) brought a row's names the same
-- way: made text first now too.
DROP TRIGGER file_events_insert;
CREATE TRIGGER file_events_insert INSTEAD OF INSERT ON file_events BEGIN
  INSERT INTO names (name)
    SELECT v FROM
      (SELECT CASE WHEN typeof(x) IN ('integer', 'real') THEN CAST(x AS TEXT) ELSE x END AS v
       FROM (SELECT NEW.event_type AS x UNION ALL SELECT NEW.syscall))
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
