-- Closing the audit chain's bypasses (PostgreSQL). Keep in step with
-- migrations/sqlite/0008_audit_seals_v2.sql, which explains each change. Run the service as a
-- role that does not own these tables (docs/postgres-roles.md): only an owner can disable them.

ALTER TABLE audit_checkpoints ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit_checkpoints ADD COLUMN genesis_seq BIGINT;
ALTER TABLE audit_checkpoints ADD COLUMN prev_seq BIGINT;
ALTER TABLE audit_checkpoints ADD COLUMN prev_signature_sha256 BYTEA;

CREATE FUNCTION audit_chain_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.genesis_seq = OLD.genesis_seq AND NEW.seq >= OLD.seq
       AND NEW.id = OLD.id THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit chain head only moves forward';
END; $$;
CREATE TRIGGER audit_chain_head_forward_only BEFORE UPDATE OR DELETE ON audit_chain_head
    FOR EACH ROW EXECUTE FUNCTION audit_chain_head_forward_only();
CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_head_forward_only();
