-- Tamper evidence, archives and the daily review for the audit log (PostgreSQL).
-- Keep in step with migrations/sqlite/0003_audit_chain.sql, which explains the chain.

ALTER TABLE audit_events ADD COLUMN prev_hash BYTEA;
ALTER TABLE audit_events ADD COLUMN hash BYTEA;
-- The writer that holds the chain head assigns `seq` itself (gapless, in chain order).
ALTER TABLE audit_events ALTER COLUMN seq DROP IDENTITY;

CREATE TABLE audit_chain_head (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    genesis_seq  BIGINT NOT NULL,
    seq          BIGINT NOT NULL,
    hash         BYTEA NOT NULL,
    last_at      BIGINT NOT NULL
);
INSERT INTO audit_chain_head (id, genesis_seq, seq, hash, last_at)
SELECT 1, COALESCE(MAX(seq), 0), COALESCE(MAX(seq), 0), decode(repeat('00', 32), 'hex'),
       COALESCE(MAX(occurred_at), 0)
FROM audit_events;

CREATE TABLE audit_checkpoints (
    seq        BIGINT PRIMARY KEY,
    hash       BYTEA NOT NULL,
    signed_at  BIGINT NOT NULL,
    key_id     TEXT NOT NULL,
    signature  BYTEA NOT NULL
);

CREATE TABLE audit_archives (
    id              TEXT PRIMARY KEY,
    first_seq       BIGINT NOT NULL,
    last_seq        BIGINT NOT NULL UNIQUE,
    first_prev_hash BYTEA NOT NULL,
    last_hash       BYTEA NOT NULL,
    event_count     BIGINT NOT NULL,
    first_at        BIGINT NOT NULL,
    last_at         BIGINT NOT NULL,
    file_name       TEXT NOT NULL,
    file_sha256     BYTEA NOT NULL,
    signature       BYTEA NOT NULL,
    created_at      BIGINT NOT NULL
);

-- Events may leave the hot table only once an archive holds them; nothing else changes.
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_events'
       AND OLD.seq <= (SELECT COALESCE(MAX(last_seq), 0) FROM audit_archives) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END; $$;
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_archives_append_only BEFORE UPDATE OR DELETE ON audit_archives
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_archives_no_truncate BEFORE TRUNCATE ON audit_archives
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- Event types compare bytewise, so a prefix filter (`staff.*`) is an index range.
ALTER TABLE audit_events ALTER COLUMN action SET DATA TYPE TEXT COLLATE "C";
CREATE INDEX audit_events_actor ON audit_events (actor_id, seq);
CREATE INDEX audit_events_action ON audit_events (action, seq);
CREATE INDEX audit_events_ip ON audit_events (origin_ip, seq);
CREATE INDEX audit_events_outcome ON audit_events (outcome, seq);

CREATE TABLE audit_flags (
    id           TEXT PRIMARY KEY,
    day          TEXT NOT NULL,
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL,
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
