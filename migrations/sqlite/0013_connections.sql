-- Connections of the outbound relay: the only destinations a forward may go to (sqlite).
-- Keep in step with migrations/postgres/0013_connections.sql. Credentials are sealed with
-- AES-256-GCM under a data key (Coffer sends them, so it must read them back); they are never
-- shown again. A forward is recorded in the audit log only (never its body).

CREATE TABLE connections (
    id           TEXT PRIMARY KEY,            -- conn_<random>
    name         TEXT NOT NULL,
    base_url     TEXT NOT NULL,               -- https, public host (checked again at connect time)
    routes       TEXT NOT NULL,               -- JSON [{method, path}]; a path may end in *
    auth_kind    TEXT NOT NULL,               -- bearer | basic | header | none
    key_id       TEXT REFERENCES data_keys(id),
    nonce        BLOB,
    secret       BLOB,                        -- sealed credentials (NULL with auth_kind none)
    ca_pem       TEXT,                        -- the only CA trusted for it, when set
    timeout_ms   BIGINT NOT NULL,
    api_keys     TEXT,                        -- JSON [ak_…] that may use it; NULL for any
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    disabled_at  BIGINT
);
