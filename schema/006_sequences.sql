-- 006_sequences.sql: sequence rules (user_version 6).

-- A sequence rule's alert names every step's event, in order, as a JSON
-- array of seqs ("[12,57,98]"; the last is event_seq); NULL for a
-- single-event rule. json_each(steps) joins it to the event tables.
ALTER TABLE alerts ADD COLUMN steps TEXT;

-- The bound of the run's partial sequence matches ([rules] sequence_max):
-- replay holds the same, so evictions happen alike.
ALTER TABLE runs ADD COLUMN sequence_max INTEGER;

ALTER TABLE health ADD COLUMN sequence_partials INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN sequence_evictions INTEGER NOT NULL DEFAULT 0;
