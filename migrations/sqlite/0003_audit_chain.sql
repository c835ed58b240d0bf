-- Tamper evidence, archives and the daily review for the audit log (SQLite).
-- Keep in step with migrations/postgres/0003_audit_chain.sql.
--
-- Every event appended from here on carries `prev_hash` (the hash of the event before it) and
-- `hash` = SHA-256 over a domain tag, `prev_hash` and the event's canonical content. One row,
-- `audit_chain_head`, holds the last sequence number and hash: every writer locks it (a no-op
-- UPDATE … RETURNING) before appending, so the chain has one order whatever the concurrency.
-- Events written before this migration have no hash; the chain starts after `genesis_seq`.

ALTER TABLE audit_events ADD COLUMN prev_hash BLOB;
ALTER TABLE audit_events ADD COLUMN hash BLOB;

CREATE TABLE audit_chain_head (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    genesis_seq  BIGINT NOT NULL,          -- last unchained event (0 on a fresh install)
    seq          BIGINT NOT NULL,          -- last appended event
    hash         BLOB NOT NULL,            -- its hash (32 zero bytes before the first)
    last_at      BIGINT NOT NULL           -- its time: event times never go backwards
);
INSERT INTO audit_chain_head (id, genesis_seq, seq, hash, last_at)
SELECT 1, COALESCE(MAX(seq), 0), COALESCE(MAX(seq), 0), zeroblob(32), COALESCE(MAX(occurred_at), 0)
FROM audit_events;

-- The chain head signed inside the HSM (ECDSA P-256, non-extractable key) at intervals.
CREATE TABLE audit_checkpoints (
    seq        BIGINT PRIMARY KEY,
    hash       BLOB NOT NULL,
    signed_at  BIGINT NOT NULL,
    key_id     TEXT NOT NULL,              -- SHA-256 of the public key (hex, first 16 bytes)
    signature  BLOB NOT NULL               -- r || s over SHA-256 of the checkpoint statement
);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;

-- Signed, compressed files holding events moved out of the hot table (retention, 10.5.1).
CREATE TABLE audit_archives (
    id              TEXT PRIMARY KEY,      -- arc_<random>
    first_seq       BIGINT NOT NULL,
    last_seq        BIGINT NOT NULL UNIQUE,
    first_prev_hash BLOB NOT NULL,
    last_hash       BLOB NOT NULL,
    event_count     BIGINT NOT NULL,
    first_at        BIGINT NOT NULL,
    last_at         BIGINT NOT NULL,
    file_name       TEXT NOT NULL,
    file_sha256     BLOB NOT NULL,
    signature       BLOB NOT NULL,         -- over the archive statement (see vault/src/audit)
    created_at      BIGINT NOT NULL
);
CREATE TRIGGER audit_archives_no_update BEFORE UPDATE ON audit_archives
BEGIN SELECT RAISE(ABORT, 'audit_archives is append-only'); END;
CREATE TRIGGER audit_archives_no_delete BEFORE DELETE ON audit_archives
BEGIN SELECT RAISE(ABORT, 'audit_archives is append-only'); END;

-- Events may leave the hot table only once an archive holds them.
DROP TRIGGER audit_events_no_delete;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN OLD.seq > (SELECT COALESCE(MAX(last_seq), 0) FROM audit_archives)
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

-- Search: newest first within each filter (keyset paging on seq).
CREATE INDEX audit_events_actor ON audit_events (actor_id, seq);
CREATE INDEX audit_events_action ON audit_events (action, seq);
CREATE INDEX audit_events_ip ON audit_events (origin_ip, seq);
CREATE INDEX audit_events_outcome ON audit_events (outcome, seq);

-- The daily review (10.4.1): what the automated checks raised, and who reviewed it.
CREATE TABLE audit_flags (
    id           TEXT PRIMARY KEY,         -- flg_<random>
    day          TEXT NOT NULL,            -- YYYY-MM-DD (UTC) the events fall on
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL,            -- actor id, origin or resource the flag is about
    summary      TEXT NOT NULL,
    event_count  BIGINT NOT NULL,
    first_seq    BIGINT,
    last_seq     BIGINT,
    raised_at    BIGINT NOT NULL,
    reviewed_at  BIGINT,
    reviewed_by  TEXT,
    review_note  TEXT,
    UNIQUE (day, kind, subject)
);
CREATE INDEX audit_flags_open ON audit_flags (reviewed_at, day);
