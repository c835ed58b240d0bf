-- Channel isolation and the end of the fingerprint oracle (PostgreSQL). Keep in step with
-- migrations/sqlite/0007_channel_isolation.sql, which explains each change.

ALTER TABLE payment_methods ADD COLUMN channel_fingerprint TEXT;
-- The display JSON is written compactly by the vault, and `fingerprint` is never its first key.
UPDATE payment_methods SET display = regexp_replace(display, ',"fingerprint":"[0-9a-f]*"', '', 'g');
UPDATE payment_methods SET fingerprint = '', channel_fingerprint = NULL WHERE status = 'shredded';

DROP INDEX payment_methods_customer_fingerprint;
CREATE UNIQUE INDEX payment_methods_customer_fingerprint
    ON payment_methods (channel, customer, fingerprint)
    WHERE status IN ('active', 'expiring', 'expired');
CREATE INDEX payment_methods_unscoped ON payment_methods (id)
    WHERE channel_fingerprint IS NULL AND fingerprint <> '';

ALTER TABLE api_keys ADD COLUMN created_by TEXT;
ALTER TABLE api_keys ADD COLUMN approved_at BIGINT;
ALTER TABLE api_keys ADD COLUMN approved_by TEXT;
ALTER TABLE api_keys ADD COLUMN expires_at BIGINT;
ALTER TABLE api_keys ADD COLUMN allowed_ips TEXT;
UPDATE api_keys SET approved_at = created_at, approved_by = 'migration', created_by = 'unknown';

UPDATE webhook_endpoints
SET channel = (SELECT name FROM api_keys WHERE api_keys.id = webhook_endpoints.client)
WHERE EXISTS (SELECT 1 FROM api_keys WHERE api_keys.id = webhook_endpoints.client);

ALTER TABLE data_keys ADD COLUMN seals_reserved BIGINT NOT NULL DEFAULT 0;

-- A default method per customer and channel: one channel choosing its default no longer
-- overrides another's (nor tells it which card the other holds).
CREATE TABLE customer_default_methods_by_channel (
    customer        TEXT NOT NULL,
    channel         TEXT NOT NULL,
    payment_method  TEXT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (customer, channel)
);
INSERT INTO customer_default_methods_by_channel (customer, channel, payment_method, updated_at)
SELECT d.customer, m.channel, d.payment_method, d.updated_at
FROM customer_default_methods d JOIN payment_methods m ON m.id = d.payment_method;
DROP TABLE customer_default_methods;
