-- Coffer foundation schema (PostgreSQL). Keep in step with migrations/sqlite/0001_foundation.sql.
-- No column ever holds a PAN, CVC, IBAN or account number in clear: only `ciphertext` (AES-256-GCM).

CREATE TABLE data_keys (
    id          TEXT PRIMARY KEY,          -- dek_<version>_<random>
    version     BIGINT NOT NULL UNIQUE,
    wrapped     BYTEA NOT NULL,             -- AES key wrap with padding under the HSM KEK
    kek_label   TEXT NOT NULL,
    state       TEXT NOT NULL,             -- active | retired
    created_at  BIGINT NOT NULL
);

CREATE TABLE payment_methods (
    id              TEXT PRIMARY KEY,      -- pm_<random>, never derived from the PAN
    customer        TEXT NOT NULL,
    type            TEXT NOT NULL,         -- card | sepa_debit | us_bank_account | alipay
    status          TEXT NOT NULL,         -- active | shredded
    fingerprint     TEXT NOT NULL,         -- hex HMAC-SHA256 under the HSM fingerprint key
    display         TEXT NOT NULL,         -- JSON of the masked, type-specific view
    brand           TEXT,
    last4           TEXT NOT NULL,
    exp_month       BIGINT,
    exp_year        BIGINT,
    alias           TEXT,                  -- format-preserving alias (fails Luhn); unique, see below
    billing_details TEXT,
    metadata        TEXT,
    channel         TEXT NOT NULL,         -- the API client that created it
    key_id          TEXT REFERENCES data_keys(id),
    nonce           BYTEA,
    ciphertext      BYTEA,                  -- NULL once shredded
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    shredded_at     BIGINT
);
CREATE UNIQUE INDEX payment_methods_customer_fingerprint
    ON payment_methods (customer, fingerprint) WHERE status = 'active';
CREATE INDEX payment_methods_customer_created ON payment_methods (customer, created_at, id);
-- Partial: most methods have no alias, and a NULL entry per row would cost a page write each.
CREATE UNIQUE INDEX payment_methods_alias ON payment_methods (alias) WHERE alias IS NOT NULL;

CREATE TABLE audit_events (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id            TEXT NOT NULL,           -- random event id; `seq` is the key (no index: a random
                                           -- key would cost a page write per event)
    occurred_at   BIGINT NOT NULL,         -- unix milliseconds, UTC
    actor_type    TEXT NOT NULL,
    actor_id      TEXT NOT NULL,
    action        TEXT NOT NULL,
    outcome       TEXT NOT NULL,           -- success | denied | failure
    resource_type TEXT,
    resource_id   TEXT,
    origin_ip     TEXT,
    user_agent    TEXT,
    channel       TEXT,
    request_id    TEXT,
    reason        TEXT,
    detail        TEXT
);
CREATE INDEX audit_events_time ON audit_events (occurred_at);
CREATE INDEX audit_events_resource ON audit_events (resource_id, seq);
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,         -- ak_<random>; the public half of the key
    name         TEXT NOT NULL,
    secret_hash  BYTEA NOT NULL,            -- SHA-256 of the 256-bit random secret
    scopes       TEXT NOT NULL,            -- space-separated
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);

CREATE TABLE idempotency_keys (
    api_key_id    TEXT NOT NULL,
    idem_key      TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status_code   BIGINT NOT NULL,         -- 0 while the first request is in flight
    response_body TEXT,                    -- masked view only; reveal is never stored
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (api_key_id, idem_key)
);
