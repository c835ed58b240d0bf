-- The PostgreSQL role the Coffer service runs as (docs/postgres-roles.md). Run as the owner of
-- the schema after `coffer migrate`, replacing coffer_app with the role's name. The role owns
-- nothing, so it cannot alter tables, drop or disable the audit log's triggers, or change the
-- chain's start; it gets only the rows it needs: the audit tables append-only (events are
-- deleted only once archived, which their trigger enforces).
GRANT USAGE ON SCHEMA public TO coffer_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO coffer_app;
REVOKE UPDATE, DELETE ON audit_checkpoints, audit_archives FROM coffer_app;
REVOKE UPDATE ON audit_events FROM coffer_app;
REVOKE DELETE ON audit_chain_head FROM coffer_app;
REVOKE INSERT, UPDATE, DELETE ON _sqlx_migrations FROM coffer_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO coffer_app;
