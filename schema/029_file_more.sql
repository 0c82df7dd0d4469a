-- 029_file_more.sql: a file event's rarer columns in a row of their own
-- (user_version 29).
-- SQLite gives every column of a row a byte of its record's header, a
-- NULL one too: a file row spent 21 of its 44 bytes there. Six of its
-- columns belong to a few event types only: new_path and
-- new_path_truncated (renames, links), owner_uid and owner_gid (chown),
-- mtime_ns (utimes), xattr_name (the xattr calls). They move to
-- file_more, one row per file row that has any of them, under its seq;
-- the opens, writes and unlinks that make up most of a recording have
-- none. file_rows is rebuilt without them, with a column `more` that is 1
-- when the row has a file_more row (0 takes no bytes but its header's);
-- the rows keep their seq. file_events gives the same columns, values and
-- storage types as before, a file_more column looked up only when a query
-- reads it and `more` says it is there (the test inside the look-up, not
-- a CASE around it: SQLite then gives the column its declared type). A
-- LEFT JOIN would be read for every row of an aggregate (SQLite 3.40
-- leaves an unused one out of other queries only): it doubled the time of
-- a count over a time window, which reads the time index alone.

DROP VIEW file_events;     -- and its triggers

CREATE TABLE file_more (
  seq                INTEGER PRIMARY KEY,  -- file_rows.seq
  new_path           TEXT,
  new_path_truncated INTEGER,
  owner_uid          INTEGER,
  owner_gid          INTEGER,
  mtime_ns           INTEGER,
  xattr_name         TEXT
);
INSERT INTO file_more
  SELECT seq, new_path, new_path_truncated, owner_uid, owner_gid, mtime_ns, xattr_name
  FROM file_rows
  WHERE new_path IS NOT NULL OR new_path_truncated IS NOT NULL OR owner_uid IS NOT NULL
     OR owner_gid IS NOT NULL OR mtime_ns IS NOT NULL OR xattr_name IS NOT NULL
  ORDER BY seq;

CREATE TABLE file_rows_29 (
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
  flags              INTEGER NOT NULL,
  mode               INTEGER,
  result             INTEGER NOT NULL,
  path_truncated     INTEGER NOT NULL,
  host_path          TEXT,
  more               INTEGER NOT NULL   -- 1: the row's file_more row is there
);
INSERT INTO file_rows_29
  SELECT r.seq, event_type_id, ts_ns, clock_id, proc_id, actor_id, tid, syscall_id, dir_id,
         path, flags, mode, result, path_truncated, host_path, m.seq IS NOT NULL
  FROM file_rows r LEFT JOIN file_more m ON m.seq = r.seq ORDER BY r.seq;
DROP TABLE file_rows;      -- and its index
ALTER TABLE file_rows_29 RENAME TO file_rows;

-- the time index keeps its name (005_query.sql)
CREATE INDEX file_events_ts ON file_rows (ts_ns, proc_id);

-- As in schema/026, with the six columns from file_more.
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
         (SELECT new_path FROM file_more WHERE r.more AND seq = r.seq)
           AS new_path, r.flags AS flags, r.mode AS mode, r.result AS result,
         r.path_truncated AS path_truncated,
         (SELECT new_path_truncated FROM file_more WHERE r.more AND seq = r.seq)
           AS new_path_truncated,
         (SELECT owner_uid FROM file_more WHERE r.more AND seq = r.seq)
           AS owner_uid,
         (SELECT owner_gid FROM file_more WHERE r.more AND seq = r.seq)
           AS owner_gid,
         (SELECT mtime_ns FROM file_more WHERE r.more AND seq = r.seq)
           AS mtime_ns,
         (SELECT xattr_name FROM file_more WHERE r.more AND seq = r.seq)
           AS xattr_name, r.host_path AS host_path
  FROM file_rows r;

-- Edits through the view, as schema/027's, and the row's file_more row,
-- there when `more` says so. It is written only when the file row was
-- (changes(): the insert may have been ignored, and last_insert_rowid()
-- is then another row's), over any file_more row already under that seq
-- (the one of a row the insert replaced, or one left by a file row
-- deleted by hand): an upsert, which the outer statement's OR IGNORE or
-- OR FAIL does not turn into keeping the old one, as it would an OR
-- REPLACE. One with none of the six columns is removed again at once, so
-- that no file_more row is all NULL (and the delete that follows an
-- ignored insert, whose last_insert_rowid() is another row's, finds none
-- to remove).
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
                         syscall_id, dir_id, path, flags, mode, result, path_truncated,
                         host_path, more)
    VALUES (NEW.seq, (SELECT id FROM names WHERE name = NEW.event_type), NEW.ts_ns,
    (SELECT id FROM clocks
     WHERE offset_ns = CAST(NEW.ts_ns AS INTEGER) - CAST(NEW.boot_ns AS INTEGER)),
    NEW.proc_id,
    (SELECT min(a.id) FROM actors a WHERE a.pid IS NEW.pid AND a.uid IS NEW.uid
      AND a.gid IS NEW.gid AND a.ppid IS NEW.ppid AND a.parent_proc_id IS NEW.parent_proc_id
      AND a.image_id IS (SELECT min(id) FROM images WHERE exe IS NEW.exe AND comm IS NEW.comm)),
    CASE WHEN NEW.tid IS NULL THEN RAISE(ABORT, 'NOT NULL constraint failed: tid')
         WHEN NEW.tid IS NEW.pid THEN NULL ELSE NEW.tid END,
    (SELECT id FROM names WHERE name = NEW.syscall), NULL, NEW.path, NEW.flags, NEW.mode,
    NEW.result, NEW.path_truncated, NEW.host_path,
    NEW.new_path IS NOT NULL OR NEW.new_path_truncated IS NOT NULL OR
    NEW.owner_uid IS NOT NULL OR NEW.owner_gid IS NOT NULL OR NEW.mtime_ns IS NOT NULL OR
    NEW.xattr_name IS NOT NULL);
  INSERT INTO file_more (seq, new_path, new_path_truncated, owner_uid, owner_gid, mtime_ns,
                         xattr_name)
    SELECT last_insert_rowid(), NEW.new_path, NEW.new_path_truncated, NEW.owner_uid,
           NEW.owner_gid, NEW.mtime_ns, NEW.xattr_name
    WHERE changes() > 0
    ON CONFLICT (seq) DO UPDATE SET new_path = excluded.new_path,
      new_path_truncated = excluded.new_path_truncated, owner_uid = excluded.owner_uid,
      owner_gid = excluded.owner_gid, mtime_ns = excluded.mtime_ns,
      xattr_name = excluded.xattr_name;
  DELETE FROM file_more WHERE seq = last_insert_rowid() AND new_path IS NULL
    AND new_path_truncated IS NULL AND owner_uid IS NULL AND owner_gid IS NULL
    AND mtime_ns IS NULL AND xattr_name IS NULL;
END;
CREATE TRIGGER file_events_update INSTEAD OF UPDATE ON file_events BEGIN
  DELETE FROM file_more WHERE seq = OLD.seq;
  DELETE FROM file_rows WHERE seq = OLD.seq;
  INSERT INTO file_events VALUES (NEW.seq, NEW.event_type, NEW.ts_ns, NEW.boot_ns,
    NEW.proc_id, NEW.pid, NEW.tid, NEW.uid, NEW.gid, NEW.ppid, NEW.parent_proc_id,
    NEW.comm, NEW.exe, NEW.syscall, NEW.path, NEW.new_path, NEW.flags, NEW.mode,
    NEW.result, NEW.path_truncated, NEW.new_path_truncated, NEW.owner_uid,
    NEW.owner_gid, NEW.mtime_ns, NEW.xattr_name, NEW.host_path);
END;
CREATE TRIGGER file_events_delete INSTEAD OF DELETE ON file_events BEGIN
  DELETE FROM file_more WHERE seq = OLD.seq;
  DELETE FROM file_rows WHERE seq = OLD.seq;
END;
