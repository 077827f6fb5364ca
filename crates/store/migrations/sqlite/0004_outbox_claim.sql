-- The outbox has the same columns on both backends, so that the statements marking an email
-- delivered or failed are written once. SQLite's one dispatcher takes no lease, so the
-- column stays empty there.
ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;
