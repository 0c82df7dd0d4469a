-- 013_binaries.sql: the hashes of the files that ran (user_version 13).

-- process_start and binary_hashed: the identity of the file that ran (the
-- kernel's inode at the exec: st_dev, st_ino, size, change time), its
-- SHA-256 in hex when known, and why not when it is not (docs/schema.md).
ALTER TABLE process_events ADD COLUMN exe_dev INTEGER;
ALTER TABLE process_events ADD COLUMN exe_ino INTEGER;
ALTER TABLE process_events ADD COLUMN exe_size INTEGER;
ALTER TABLE process_events ADD COLUMN exe_ctime_ns INTEGER;
ALTER TABLE process_events ADD COLUMN exe_sha256 TEXT;
ALTER TABLE process_events ADD COLUMN hash_status TEXT;

-- The hasher's counters (health.h): cache hits, files hashed, execs over budget.
ALTER TABLE health ADD COLUMN hash_cache_hits INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN hashes_computed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN hash_over_budget INTEGER NOT NULL DEFAULT 0;

-- One row per file that ran, by identity: the hasher's latest verdict on
-- it (a binary_hashed event, written once per identity unless it failed
-- and was tried again), with when and under which paths it ran.
CREATE VIEW binaries AS
WITH h AS (
  SELECT exe_dev, exe_ino, exe_size, exe_ctime_ns, exe_sha256, hash_status, max(seq) AS seq
  FROM process_events WHERE event_type = 'binary_hashed'
  GROUP BY exe_dev, exe_ino, exe_size, exe_ctime_ns),
s AS (
  SELECT exe_dev, exe_ino, exe_size, exe_ctime_ns, min(ts_ns) AS first_seen,
         max(ts_ns) AS last_seen, count(*) AS execs, group_concat(DISTINCT exe) AS paths
  FROM process_events WHERE event_type = 'process_start' AND exe_ino IS NOT NULL
  GROUP BY exe_dev, exe_ino, exe_size, exe_ctime_ns)
SELECT h.exe_sha256 AS sha256, h.exe_size AS size, h.exe_dev AS dev, h.exe_ino AS ino,
       h.exe_ctime_ns AS ctime_ns, s.first_seen, s.last_seen, s.execs, s.paths,
       h.hash_status AS status, h.seq AS hashed_seq
FROM h LEFT JOIN s USING (exe_dev, exe_ino, exe_size, exe_ctime_ns);

-- Every exec with the hash of its file: the one it carried (known when it
-- ran), else the one the hasher found later for the same identity.
CREATE VIEW exec_hashes AS
SELECT e.seq, e.ts_ns, e.proc_id, e.pid, e.exe, e.script, e.exe_dev, e.exe_ino, e.exe_size,
       e.exe_ctime_ns, coalesce(e.exe_sha256, b.sha256) AS exe_sha256,
       coalesce(e.hash_status, b.status) AS hash_status
FROM process_events e LEFT JOIN binaries b
  ON b.dev = e.exe_dev AND b.ino = e.exe_ino AND b.size = e.exe_size AND b.ctime_ns = e.exe_ctime_ns
WHERE e.event_type = 'process_start';
