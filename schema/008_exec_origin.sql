-- 008_exec_origin.sql: where an exec's image came from (user_version 8).

-- A memfd (memfd_create: no path; exe is the kernel's name for it,
-- "memfd:NAME") and a file unlinked before the exec (exe is the path it
-- had). The same names on process_start events in NDJSON and in rules.
ALTER TABLE processes ADD COLUMN exe_memfd INTEGER NOT NULL DEFAULT 0;
ALTER TABLE processes ADD COLUMN exe_deleted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE process_events ADD COLUMN exe_memfd INTEGER;
ALTER TABLE process_events ADD COLUMN exe_deleted INTEGER;
