-- Console staff accounts, their password history and MFA recovery codes (SQLite).
-- Keep in step with migrations/postgres/0002_staff.sql. Authentication factors are unreadable in
-- storage (PCI DSS 8.3.2): passwords as argon2id hashes, TOTP keys sealed with AES-256-GCM under
-- a data key (AAD binds them to the account), recovery codes as SHA-256 of 50 random bits.

CREATE TABLE staff_users (
    id                    TEXT PRIMARY KEY,     -- usr_<random>
    email                 TEXT NOT NULL UNIQUE, -- lower-cased
    password_hash         TEXT NOT NULL,        -- PHC string, argon2id
    must_change_password  BIGINT NOT NULL,      -- 1 for an issued (one-time) password
    roles                 TEXT NOT NULL,        -- space-separated role names
    can_reveal            BIGINT NOT NULL,      -- the separate reveal grant
    totp_key_id           TEXT REFERENCES data_keys(id),
    totp_nonce            BLOB,
    totp_secret           BLOB,                 -- sealed; pending until totp_enabled = 1
    totp_enabled          BIGINT NOT NULL,
    totp_last_step        BIGINT,               -- highest TOTP time step accepted (no replay)
    failed_attempts       BIGINT NOT NULL,
    locked_until          BIGINT,               -- unix ms
    last_active_at        BIGINT NOT NULL,      -- last successful sign-in (or creation)
    disabled_at           BIGINT,
    disabled_reason       TEXT,                 -- admin | inactive
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);

CREATE TABLE staff_password_history (
    user_id        TEXT NOT NULL REFERENCES staff_users(id),
    password_hash  TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX staff_password_history_user ON staff_password_history (user_id, created_at);

CREATE TABLE staff_recovery_codes (
    user_id     TEXT NOT NULL REFERENCES staff_users(id),
    code_hash   TEXT NOT NULL,                  -- hex SHA-256
    pending     BIGINT NOT NULL,                -- 1 until the enrolment is confirmed
    used_at     BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- Console search by BIN + last 4.
CREATE INDEX payment_methods_last4 ON payment_methods (last4);
