-- 011_exec.sql: a process's script and allow-listed environment, as of its
-- last exec (user_version 11).

-- The same facts as process_start's script and env (010), kept on the
-- process: a fork's child has its parent's until it execs.
ALTER TABLE processes ADD COLUMN script TEXT;
ALTER TABLE processes ADD COLUMN env BLOB;
ALTER TABLE processes ADD COLUMN script_truncated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE processes ADD COLUMN env_truncated INTEGER NOT NULL DEFAULT 0;
