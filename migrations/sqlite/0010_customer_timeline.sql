-- The customer timeline (sqlite). Keep in step with migrations/postgres/0010_customer_timeline.sql.
--
-- Every source of the timeline is read by customer and time through an index: webhook
-- deliveries now record the customer (and method) they are about, and mandates get the index
-- the other per-customer tables already have. Deliveries queued before this migration name no
-- customer and do not appear.

ALTER TABLE webhook_deliveries ADD COLUMN customer TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN payment_method TEXT;
CREATE INDEX webhook_deliveries_customer ON webhook_deliveries (customer, created_at);
CREATE INDEX mandates_customer ON mandates (customer, created_at);
