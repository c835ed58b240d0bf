-- Ending a staff member's open sessions from the server side (postgres). Keep in step with
-- migrations/sqlite/0009_staff_session_cutoff.sql.
--
-- A console session records when it signed in; one that signed in before the account's
-- `sessions_valid_from` (unix ms) ends at its next request. A password reset or an
-- authenticator reset by a security admin moves it to now, so a session taken over before
-- the reset cannot outlive it (nor enrol a new authenticator of its own).

ALTER TABLE staff_users ADD COLUMN sessions_valid_from BIGINT NOT NULL DEFAULT 0;
