-- Console sessions in the vault's own schema, written through its one writer (they had a pool
-- and a schema of their own, made by tower-sessions outside the migrations). Open sessions end.
DROP SCHEMA IF EXISTS tower_sessions CASCADE;
CREATE TABLE console_sessions (
    id          TEXT PRIMARY KEY NOT NULL,
    data        BYTEA NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
