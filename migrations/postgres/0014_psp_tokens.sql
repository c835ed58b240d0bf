-- PSP tokens beside ours (postgres): a stored card vaulted at Stripe, Braintree, … through the
-- relay keeps the PSP's own id for it here. Keep in step with migrations/sqlite/0014_psp_tokens.sql.
-- A token is the PSP's reference, not card data.

CREATE TABLE psp_tokens (
    id              TEXT PRIMARY KEY,         -- pspt_<random>
    payment_method  TEXT NOT NULL REFERENCES payment_methods(id),
    provider        TEXT NOT NULL,            -- stripe | braintree
    connection      TEXT NOT NULL REFERENCES connections(id),
    token           TEXT NOT NULL,            -- the PSP's id (pm_…, a vaulted payment method id)
    created_at      BIGINT NOT NULL
);
CREATE INDEX psp_tokens_by_method ON psp_tokens (payment_method, created_at);
