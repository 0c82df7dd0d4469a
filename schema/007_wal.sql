-- 007_wal.sql: the WAL's health (user_version 7).

-- Checkpoints run on a thread of their own, never inside the writer's
-- commit: these say how large the WAL is, whether a reader's long
-- transaction holds it, and how long copying it back took.
ALTER TABLE health ADD COLUMN wal_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN checkpoints INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN checkpoints_blocked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN checkpoint_us_max INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN wal_pinned INTEGER NOT NULL DEFAULT 0;
