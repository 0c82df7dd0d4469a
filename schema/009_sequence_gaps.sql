-- 009_sequence_gaps.sql: sequence evictions are gaps (user_version 9).

-- A `sequence_eviction` gap: in that window the bound on partial sequence
-- matches ([rules] sequence_max) pushed out `count` partial matches of the
-- rule `rule_id`, so sequences of that rule begun there may have gone
-- undetected (the events themselves were recorded). One row per rule and
-- health interval. NULL for every other reason: those lose events, not
-- one rule's state.
ALTER TABLE gaps ADD COLUMN rule_id TEXT;
