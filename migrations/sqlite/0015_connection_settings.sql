-- Relay connections, more settings (sqlite). Keep in step with the other dialect's 0015.
-- client_cert_pem: the certificate chain Coffer presents to the destination (mTLS); public, so
--   kept in clear and shown as subject, expiry and fingerprint. Its private key is sealed with
--   the credentials in `secret`.
-- require_use: 1 when every forward a channel writes must name an approved use (the customer
--   step-up policy applied to the order's amount).
-- updated_at: when a security admin last changed its settings (unix ms).

ALTER TABLE connections ADD COLUMN client_cert_pem TEXT;
ALTER TABLE connections ADD COLUMN require_use BIGINT NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN updated_at BIGINT;
