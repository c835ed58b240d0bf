-- Channel isolation and the end of the fingerprint oracle (SQLite). Keep in step with
-- migrations/postgres/0007_channel_isolation.sql.
--
-- * A method belongs to the channel that stored it; a channel's duplicate check covers only its
--   own methods, so 201-vs-200 tells it nothing about cards another channel stored.
-- * The fingerprint shown to clients is a second HMAC in the HSM over the owning channel and the
--   internal fingerprint (`channel_fingerprint`): no two channels see comparable values, and no
--   display JSON carries the internal one any more. The server fills it in for existing rows.
-- * Shredded methods keep no fingerprint at all.
-- * API keys: who created and who approved them (reveal and cross-channel keys need a second
--   security admin), an optional expiry and an optional IP allow-list.
-- * Data keys count the encryptions reserved under them (random 96-bit nonces: at most 2^32).

ALTER TABLE payment_methods ADD COLUMN channel_fingerprint TEXT;
UPDATE payment_methods SET display = json_remove(display, '$.fingerprint');
UPDATE payment_methods SET fingerprint = '', channel_fingerprint = NULL WHERE status = 'shredded';

DROP INDEX payment_methods_customer_fingerprint;
CREATE UNIQUE INDEX payment_methods_customer_fingerprint
    ON payment_methods (channel, customer, fingerprint)
    WHERE status IN ('active', 'expiring', 'expired');
-- Rows still waiting for their channel fingerprint (only right after this migration).
CREATE INDEX payment_methods_unscoped ON payment_methods (id)
    WHERE channel_fingerprint IS NULL AND fingerprint <> '';

ALTER TABLE api_keys ADD COLUMN created_by TEXT;       -- the actor id that issued it
ALTER TABLE api_keys ADD COLUMN approved_at BIGINT;    -- NULL: waiting for a second admin
ALTER TABLE api_keys ADD COLUMN approved_by TEXT;
ALTER TABLE api_keys ADD COLUMN expires_at BIGINT;     -- unix ms; NULL: no expiry
ALTER TABLE api_keys ADD COLUMN allowed_ips TEXT;      -- space-separated CIDRs; NULL: any
UPDATE api_keys SET approved_at = created_at, approved_by = 'migration', created_by = 'unknown';

-- Webhook endpoints belong to the channel of the key that registered them: an endpoint that
-- listened to every channel now listens to its own (only OMS-wide keys may register for all).
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
