-- 022_exec_history.sql: a process's exec history by proc_id (user_version 22).
-- `rgq tree` lists every image a process ran: the fork that created it
-- (a process_relationship row, found by child_proc_id) and each of its
-- execs (process_start rows, by proc_id). Found through the time index
-- within the process's lifetime, that search read every event since the
-- start of a process that never exited (init, sshd, a shell left open),
-- so its cost grew with the database. These indexes hold only those two
-- kinds of rows, a small share of process_events, and their keys are
-- new processes' proc_ids, which grow with time: inserts append to them
-- like to the time index instead of scattering (005_query.sql).
CREATE INDEX process_events_exec ON process_events (proc_id)
  WHERE event_type = 'process_start';
CREATE INDEX process_events_fork ON process_events (child_proc_id)
  WHERE event_type = 'process_relationship';
