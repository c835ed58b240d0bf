-- Closing the audit chain's bypasses (SQLite). Keep in step with
-- migrations/postgres/0008_audit_seals_v2.sql.
--
-- * Checkpoints are chained: each new one (version 2) signs the chain's start (`genesis_seq`),
--   the previous checkpoint's position and the SHA-256 of its signature, so removing one breaks
--   the next, and moving the chain's start contradicts every signature.
-- * The chain head cannot lose its start, go backwards or disappear.

ALTER TABLE audit_checkpoints ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit_checkpoints ADD COLUMN genesis_seq BIGINT;
ALTER TABLE audit_checkpoints ADD COLUMN prev_seq BIGINT;
ALTER TABLE audit_checkpoints ADD COLUMN prev_signature_sha256 BLOB;

CREATE TRIGGER audit_chain_head_forward_only BEFORE UPDATE ON audit_chain_head
WHEN NEW.genesis_seq <> OLD.genesis_seq OR NEW.seq < OLD.seq OR NEW.id <> OLD.id
BEGIN SELECT RAISE(ABORT, 'the audit chain head only moves forward'); END;
CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head
BEGIN SELECT RAISE(ABORT, 'the audit chain head only moves forward'); END;
