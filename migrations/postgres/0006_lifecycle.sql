-- The payment-method lifecycle (PostgreSQL). Keep in step with migrations/sqlite/0006_lifecycle.sql.
-- States: active → expiring → expired → archived → shredded, and replaced (a re-verified card
-- supersedes the old one). Every change of state is a row in payment_method_transitions; expiry
-- alerts, the scheduler's lease and the runs of the retention job are recorded here too.

-- The month a card expires at the end of, as a month number (year * 12 + month - 1): one
-- comparable value for the dashboard's and the job's range scans. NULL for other instruments.
ALTER TABLE payment_methods ADD COLUMN expires_month BIGINT
    GENERATED ALWAYS AS (exp_year * 12 + exp_month - 1) STORED;
ALTER TABLE payment_methods ADD COLUMN archived_at BIGINT;        -- archived or replaced (ms)
ALTER TABLE payment_methods ADD COLUMN replaced_by TEXT;          -- the method that superseded it
ALTER TABLE payment_methods ADD COLUMN last_activity_at BIGINT;   -- re-verified (ms); NULL: created_at

-- A customer keeps one live method per card: live now means active, expiring or expired.
DROP INDEX payment_methods_customer_fingerprint;
CREATE UNIQUE INDEX payment_methods_customer_fingerprint
    ON payment_methods (customer, fingerprint) WHERE status IN ('active', 'expiring', 'expired');
-- The expiry dashboard (counts by month, brand and channel; the list in that order) and the
-- job's expiry steps. Partial on exactly the predicate the queries repeat (lifecycle::LIVE_SQL).
CREATE INDEX payment_methods_expiry
    ON payment_methods (expires_month, brand, channel, id, status)
    WHERE status IN ('active', 'expiring', 'expired');
-- The dashboard's counts read that index alone (an index-only scan) only while the visibility
-- map is current: after the lifecycle job has moved a few per cent of the rows, the planner turns
-- to a sequential scan (at a million methods, 200 ms instead of 25; BENCHMARKS.md). A month's
-- transitions are ~3 % of the rows, far below autovacuum's default 20 %: vacuum this table after
-- 1 % changed or inserted instead, so the map is renewed within minutes of a run.
ALTER TABLE payment_methods SET (autovacuum_vacuum_scale_factor = 0.01,
                                 autovacuum_vacuum_insert_scale_factor = 0.01);
-- The retention job's "unused for N days" step.
CREATE INDEX payment_methods_status_created ON payment_methods (status, created_at);

CREATE TABLE payment_method_transitions (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_method  TEXT NOT NULL,
    from_status     TEXT NOT NULL,
    to_status       TEXT NOT NULL,
    reason          TEXT NOT NULL,   -- expiry_window | expired | unused | retention | reverified | replaced | deleted
    actor           TEXT NOT NULL,   -- service, or the staff user / API key / customer
    at              BIGINT NOT NULL  -- unix ms (the job's clock)
);
CREATE INDEX payment_method_transitions_method ON payment_method_transitions (payment_method, seq);

-- One alert per method, lead time and expiry: a new expiry gets alerts of its own.
CREATE TABLE expiry_alerts (
    id              TEXT PRIMARY KEY,    -- alr_<random>
    payment_method  TEXT NOT NULL,
    lead_days       BIGINT NOT NULL,
    expires_month   BIGINT NOT NULL,
    fire_at         BIGINT NOT NULL,     -- unix ms: the card's end minus the lead time
    status          TEXT NOT NULL,       -- pending | sent | suppressed | skipped
    reason          TEXT,                -- suppressed: updated | replaced | archived | shredded | expired
    created_at      BIGINT NOT NULL,
    decided_at      BIGINT,
    UNIQUE (payment_method, lead_days, expires_month)
);
CREATE INDEX expiry_alerts_due ON expiry_alerts (status, fire_at);

-- A lease per scheduled job, so that nodes sharing the database take turns.
CREATE TABLE job_leases (
    name    TEXT PRIMARY KEY,
    holder  TEXT NOT NULL,
    held_until  BIGINT NOT NULL          -- unix ms; free when in the past
);

-- Each run of the lifecycle and retention job (PCI DSS 3.2.1: the record that it ran).
CREATE TABLE lifecycle_runs (
    id           TEXT PRIMARY KEY,       -- run_<random>
    node         TEXT NOT NULL,
    clock        BIGINT NOT NULL,        -- the time the run applied the policy at (unix ms)
    started_at   BIGINT NOT NULL,
    finished_at  BIGINT NOT NULL,
    counts       TEXT NOT NULL           -- JSON: transitions and alerts by kind
);
CREATE INDEX lifecycle_runs_started ON lifecycle_runs (started_at);

-- Re-verification links name the method they are about.
ALTER TABLE customer_links ADD COLUMN payment_method TEXT;

-- A customer's default method for rapid checkout.
CREATE TABLE customer_default_methods (
    customer        TEXT PRIMARY KEY,
    payment_method  TEXT NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- Stored-credential mandates for recurring billing: set up by a customer-initiated use (with
-- the step-up policy), confirmed with the network transaction id of that first authorisation,
-- then used by the merchant (no customer present) with that id, never asking for the card again.
CREATE TABLE mandates (
    id                      TEXT PRIMARY KEY,     -- mdt_<random>
    payment_method          TEXT NOT NULL REFERENCES payment_methods(id),
    customer                TEXT NOT NULL,
    channel                 TEXT NOT NULL,
    client                  TEXT NOT NULL,        -- the API key that set it up
    reference               TEXT NOT NULL,        -- the OMS's subscription reference
    currency                TEXT NOT NULL,
    max_amount              BIGINT,               -- per merchant-initiated use (minor units)
    initial_use             TEXT NOT NULL,        -- the customer-initiated use
    network_transaction_id  TEXT,
    status                  TEXT NOT NULL,        -- pending | active | cancelled
    created_at              BIGINT NOT NULL,
    activated_at            BIGINT,
    cancelled_at            BIGINT
);
CREATE INDEX mandates_method ON mandates (payment_method);

-- Merchant-initiated uses and the mandate each was made under.
CREATE TABLE mandate_uses (
    use_id      TEXT PRIMARY KEY,
    mandate     TEXT NOT NULL REFERENCES mandates(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX mandate_uses_mandate ON mandate_uses (mandate, created_at);
