-- 018_checkpoints.sql: signed checkpoints of the hash chain (user_version 18).
-- Each row is an Ed25519 signature by the host's key over the chain's head
-- at one link, written in the transaction of that link (recorder/store/sign.h,
-- docs/threat-model.md). The same checkpoint goes out as an NDJSON line.

CREATE TABLE checkpoints (
  link    INTEGER PRIMARY KEY,  -- the chain link it signs
  run_id  INTEGER NOT NULL,
  ts_ns   INTEGER NOT NULL,     -- the link's wall clock
  host    TEXT NOT NULL,
  head    BLOB NOT NULL,        -- the link's digest, as signed
  pubkey  BLOB NOT NULL,        -- 32 bytes: the Ed25519 public key
  sig     BLOB NOT NULL         -- 64 bytes: the signature (sign.h's message)
);
