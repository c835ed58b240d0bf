-- Customers' second factors, their links, and uses of stored methods with step-up (PostgreSQL).
-- Keep in step with migrations/sqlite/0004_customer_mfa.sql. Factors are unreadable in storage
-- (PCI DSS 8.3.2): TOTP keys and passkeys are sealed with AES-256-GCM under a data key, the AAD
-- binding each to its row. Link tokens are never stored: only their SHA-256.

CREATE TABLE customer_factors (
    id            TEXT PRIMARY KEY,           -- cf_<random>
    customer      TEXT NOT NULL,              -- the OMS's customer reference
    kind          TEXT NOT NULL,              -- totp | passkey
    label         TEXT NOT NULL,
    key_id        TEXT NOT NULL REFERENCES data_keys(id),
    nonce         BYTEA NOT NULL,
    secret        BYTEA NOT NULL,              -- sealed TOTP key, or sealed passkey (JSON)
    credential    TEXT UNIQUE,                -- passkey: its credential id (base64url)
    confirmed     BIGINT NOT NULL,            -- 0 while a TOTP key awaits its first code
    last_step     BIGINT,                     -- TOTP: highest time step accepted (no replay)
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT
);
CREATE INDEX customer_factors_customer ON customer_factors (customer, created_at);

CREATE TABLE customer_preferences (
    customer        TEXT PRIMARY KEY,
    step_up_always  BIGINT NOT NULL,          -- the customer opted in to step-up on every use
    updated_at      BIGINT NOT NULL
);

CREATE TABLE customer_links (
    id          TEXT PRIMARY KEY,             -- hex SHA-256 of the token in the link or cookie
    customer    TEXT NOT NULL,
    purpose     TEXT NOT NULL,                -- enrol | session | step_up
    use_id      TEXT,                         -- step_up: the use it approves
    ceremony    TEXT,                         -- a pending WebAuthn ceremony (server state)
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,              -- unix ms
    used_at     BIGINT,                       -- single use: set when redeemed or finished
    verified_at BIGINT,                       -- session: an existing factor was proven (or none)
    attempts    BIGINT NOT NULL DEFAULT 0     -- session: wrong answers to that proof
);
CREATE INDEX customer_links_customer ON customer_links (customer, created_at);

CREATE TABLE payment_method_uses (
    id              TEXT PRIMARY KEY,         -- use_<random>
    payment_method  TEXT NOT NULL REFERENCES payment_methods(id),
    customer        TEXT NOT NULL,
    amount          BIGINT NOT NULL,          -- minor units of currency
    currency        TEXT NOT NULL,            -- ISO 4217, lower case
    order_ref       TEXT NOT NULL,
    channel         TEXT NOT NULL,
    client          TEXT NOT NULL,            -- the API key that asked
    status          TEXT NOT NULL,            -- approved | requires_action | failed
    step_up         TEXT,                     -- why a step-up was needed: threshold | customer
    failure_code    TEXT,                     -- attempts_exceeded | expired | not_enrolled
    factor_kind     TEXT,                     -- the factor that approved it: totp | passkey
    attempts        BIGINT NOT NULL,
    expires_at      BIGINT,                   -- the challenge's end (unix ms)
    created_at      BIGINT NOT NULL,
    decided_at      BIGINT,
    revealed_at     BIGINT                    -- a reveal for this use happened (once only)
);
CREATE INDEX payment_method_uses_method ON payment_method_uses (payment_method, created_at);
CREATE INDEX payment_method_uses_customer ON payment_method_uses (customer, created_at);
CREATE INDEX payment_method_uses_open ON payment_method_uses (status, expires_at);
