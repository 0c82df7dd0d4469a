-- 004_alerts.sql: alerts from the rule engine (user_version 4).

-- One row per (rule, event) match. The rule is named as it was when it
-- fired; rules_digest identifies the whole rule set that was loaded.
CREATE TABLE alerts (
  seq          INTEGER PRIMARY KEY,
  ts_ns        INTEGER NOT NULL,  -- the triggering event's time
  rule_id      TEXT NOT NULL,
  rule_name    TEXT NOT NULL,
  severity     TEXT NOT NULL,     -- low, medium, high, critical
  tags         TEXT NOT NULL,     -- space-separated here; a JSON array in rows written since (docs/schema.md)
  event_seq    INTEGER NOT NULL,  -- seq of the triggering event (any event table)
  event_type   TEXT NOT NULL,     -- the triggering event's type
  proc_id      INTEGER,
  pid          INTEGER NOT NULL,
  exe          TEXT,
  summary      TEXT NOT NULL,
  rules_digest TEXT NOT NULL
);
CREATE INDEX alerts_ts ON alerts (ts_ns);

ALTER TABLE health ADD COLUMN rows_alerts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN alerts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN rules_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN rule_reloads INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN rule_reload_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN queue_reserve_used INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN lineage_evictions INTEGER NOT NULL DEFAULT 0;
