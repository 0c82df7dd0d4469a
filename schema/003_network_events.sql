-- 003_network_events.sql: network telemetry (user_version 3).

-- Network events: connect (and a UDP socket's first addressed send),
-- bind, listen and accept on IPv4/IPv6 sockets.
CREATE TABLE network_events (
  seq            INTEGER PRIMARY KEY,
  event_type     TEXT NOT NULL,
  ts_ns          INTEGER NOT NULL,
  boot_ns        INTEGER NOT NULL,
  proc_id        INTEGER,
  pid            INTEGER NOT NULL,
  tid            INTEGER NOT NULL,
  uid            INTEGER NOT NULL,
  gid            INTEGER NOT NULL,
  ppid           INTEGER,
  parent_proc_id INTEGER,
  comm           TEXT,
  exe            TEXT,
  syscall        TEXT,
  result         INTEGER NOT NULL,
  family         TEXT NOT NULL,
  protocol       TEXT,
  local_addr     TEXT,
  local_port     INTEGER,
  remote_addr    TEXT,
  remote_port    INTEGER,
  socket_id      INTEGER,
  new_socket_id  INTEGER
);
CREATE INDEX network_events_ts ON network_events (ts_ns);

ALTER TABLE health ADD COLUMN rows_network_events INTEGER NOT NULL DEFAULT 0;
