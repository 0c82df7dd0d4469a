-- 024_dirs.sql: a file row's directory by number (user_version 24).
-- A file row's path was 39 of its 95 bytes on the benchmark's mix, and
-- most of it is a directory that the rows before named too. A row written
-- from now on keeps only the path's last component in `path` and refers
-- to its directory (everything up to and including the last '/') in
-- `names`, by `dir_id`; file_events joins them back, so it gives the path
-- as before. Rows already there keep their whole path (dir_id NULL): an
-- upgrade rewrites nothing. A directory is a name like an event type:
-- there are few of them, and retention keeps them.

ALTER TABLE file_rows ADD COLUMN dir_id INTEGER;  -- names.id of the path's directory

DROP VIEW file_events;  -- and its triggers
CREATE VIEW file_events AS
  SELECT r.seq AS seq,
         (SELECT name FROM names WHERE id = r.event_type_id) AS event_type,
         r.ts_ns AS ts_ns, r.boot_ns AS boot_ns, r.proc_id AS proc_id, r.pid AS pid,
         r.tid AS tid, r.uid AS uid, r.gid AS gid, r.ppid AS ppid,
         r.parent_proc_id AS parent_proc_id,
         (SELECT comm FROM images WHERE id = r.image_id) AS comm,
         (SELECT exe FROM images WHERE id = r.image_id) AS exe,
         (SELECT name FROM names WHERE id = r.syscall_id) AS syscall,
         CASE WHEN r.dir_id IS NULL THEN r.path
              ELSE (SELECT name FROM names WHERE id = r.dir_id) || r.path END AS path,
         r.new_path AS new_path, r.flags AS flags, r.mode AS mode, r.result AS result,
         r.path_truncated AS path_truncated, r.new_path_truncated AS new_path_truncated,
         r.owner_uid AS owner_uid, r.owner_gid AS owner_gid, r.mtime_ns AS mtime_ns,
         r.xattr_name AS xattr_name, r.host_path AS host_path
  FROM file_rows r;

-- Edits through the view (schema/023) store the path whole.
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
    NEW.owner_gid, NEW.mtime_ns, NEW.xattr_name, NEW.host_path, NULL);
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

