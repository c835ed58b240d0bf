-- Webhook endpoints of the OMS channels and the outbox of deliveries to them (SQLite).
-- Keep in step with migrations/postgres/0005_webhooks.sql. Signing secrets are sealed with
-- AES-256-GCM under a data key (Coffer must read them back to sign); a delivery row is written in
-- the same transaction as the change it reports, so nothing is announced that did not happen.

CREATE TABLE webhook_endpoints (
    id           TEXT PRIMARY KEY,            -- we_<random>
    url          TEXT NOT NULL,
    channel      TEXT,                        -- only uses on this channel; NULL for all
    client       TEXT NOT NULL,               -- the API key that registered it
    key_id       TEXT NOT NULL REFERENCES data_keys(id),
    nonce        BLOB NOT NULL,
    secret       BLOB NOT NULL,               -- sealed whsec_… signing secret
    created_at   BIGINT NOT NULL,
    disabled_at  BIGINT
);

CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,        -- whd_<random>
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints(id),
    event_id         TEXT NOT NULL,           -- evt_<random>, the same for every endpoint
    event_type       TEXT NOT NULL,
    payload          TEXT NOT NULL,           -- the JSON body sent (never card data)
    status           TEXT NOT NULL,           -- pending | delivered | dead
    attempts         BIGINT NOT NULL,
    next_attempt_at  BIGINT NOT NULL,         -- unix ms; also the lease of a node sending it
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    delivered_at     BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
