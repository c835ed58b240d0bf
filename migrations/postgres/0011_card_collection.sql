-- Card-collection links for call-centre agents (postgres). Keep in step with
-- migrations/sqlite/0011_card_collection.sql.
--
-- A `collect` link is issued by a staff member with a reason; both are kept with the link and
-- recorded with the card the caller then types (the audit event names the agent).

ALTER TABLE customer_links ADD COLUMN issued_by TEXT;
ALTER TABLE customer_links ADD COLUMN reason TEXT;
