-- 032_run_processes_proc.sql: run_processes by process (user_version 32).
-- Retention removes a processes row only when no run's start lists it
-- (recorder/store/retention.c): a look-up per row it considers. The table
-- grows with every start of the recorder (a row per process running
-- then), and without this index each retention step read all of it.
CREATE INDEX run_processes_proc ON run_processes (proc_id);
