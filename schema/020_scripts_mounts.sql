-- 020_scripts_mounts.sql: a script's own hash; the host path of a file
-- reached through a bind mount or another mount namespace (user_version 20).

-- process_start and binary_hashed: a script's own file, as exe_* is the
-- image's: its identity where the kernel opened it (a #! script; on
-- binary_hashed also a script named to its interpreter, as the hasher
-- found it by name), its SHA-256 and why there is none (docs/schema.md).
ALTER TABLE process_events ADD COLUMN script_dev INTEGER;
ALTER TABLE process_events ADD COLUMN script_ino INTEGER;
ALTER TABLE process_events ADD COLUMN script_size INTEGER;
ALTER TABLE process_events ADD COLUMN script_ctime_ns INTEGER;
ALTER TABLE process_events ADD COLUMN script_sha256 TEXT;
ALTER TABLE process_events ADD COLUMN script_hash_status TEXT;

-- The binaries view gains the scripts: one row per file identity that was
-- hashed, an image (kind 'exe') or a script (kind 'script').
DROP VIEW exec_hashes;
DROP VIEW binaries;

CREATE VIEW binaries AS
WITH f AS (
  SELECT exe_dev AS dev, exe_ino AS ino, exe_size AS size, exe_ctime_ns AS ctime_ns,
         exe_sha256 AS sha256, hash_status AS status, 'exe' AS kind, seq
  FROM process_events WHERE event_type = 'binary_hashed' AND exe_ino IS NOT NULL
  UNION ALL
  SELECT script_dev, script_ino, script_size, script_ctime_ns, script_sha256,
         script_hash_status, 'script', seq
  FROM process_events WHERE event_type = 'binary_hashed' AND script_ino IS NOT NULL),
h AS (
  SELECT dev, ino, size, ctime_ns, sha256, status, kind, max(seq) AS seq
  FROM f GROUP BY dev, ino, size, ctime_ns),
-- every run of a file: an image, a #! script, a script hashed by name
r AS (
  SELECT exe_dev AS dev, exe_ino AS ino, exe_size AS size, exe_ctime_ns AS ctime_ns,
         ts_ns, exe AS path
  FROM process_events WHERE event_type = 'process_start' AND exe_ino IS NOT NULL
  UNION ALL
  SELECT script_dev, script_ino, script_size, script_ctime_ns, ts_ns, script
  FROM process_events WHERE event_type = 'process_start' AND script_ino IS NOT NULL
  UNION ALL
  SELECT script_dev, script_ino, script_size, script_ctime_ns, ts_ns, script
  FROM process_events WHERE event_type = 'binary_hashed' AND script_hash_status = 'by_path'),
s AS (
  SELECT dev, ino, size, ctime_ns, min(ts_ns) AS first_seen, max(ts_ns) AS last_seen,
         count(*) AS execs, group_concat(DISTINCT path) AS paths
  FROM r GROUP BY dev, ino, size, ctime_ns)
SELECT h.sha256, h.size, h.dev, h.ino, h.ctime_ns, s.first_seen, s.last_seen, s.execs,
       s.paths, h.status, h.seq AS hashed_seq, h.kind
FROM h LEFT JOIN s USING (dev, ino, size, ctime_ns);

-- Every exec with the hashes of its file and of its script: the ones it
-- carried, else the ones found later for the same identity, else (a
-- script named to its interpreter) the verdict the hasher sent for this
-- exec: the process's next binary_hashed row on a script.
CREATE VIEW exec_hashes AS
SELECT e.seq, e.ts_ns, e.proc_id, e.pid, e.exe, e.script, e.exe_dev, e.exe_ino, e.exe_size,
       e.exe_ctime_ns, coalesce(e.exe_sha256, b.sha256) AS exe_sha256,
       coalesce(e.hash_status, b.status) AS hash_status,
       coalesce(e.script_sha256, sb.sha256, p.script_sha256) AS script_sha256,
       coalesce(e.script_hash_status, sb.status, p.script_hash_status) AS script_hash_status
FROM process_events e
LEFT JOIN binaries b
  ON b.dev = e.exe_dev AND b.ino = e.exe_ino AND b.size = e.exe_size AND b.ctime_ns = e.exe_ctime_ns
LEFT JOIN binaries sb
  ON sb.dev = e.script_dev AND sb.ino = e.script_ino AND sb.size = e.script_size
     AND sb.ctime_ns = e.script_ctime_ns
LEFT JOIN process_events p ON p.seq = (
  SELECT min(q.seq) FROM process_events q
  WHERE e.script IS NOT NULL AND e.script_ino IS NULL AND q.event_type = 'binary_hashed'
    AND q.proc_id = e.proc_id AND q.seq > e.seq AND q.script_hash_status IS NOT NULL)
WHERE e.event_type = 'process_start';

-- file_open, file_write: where the file lives on the host when the process
-- reached it by another path (a bind mount, another mount namespace, a
-- chroot); NULL when it is the path, or not known (docs/schema.md).
ALTER TABLE file_events ADD COLUMN host_path TEXT;
