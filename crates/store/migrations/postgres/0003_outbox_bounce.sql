-- An email the mail server refused for good (a 5xx answer), or that could not be delivered
-- within the retry window, is bounced: kept for operators, never tried again.
ALTER TABLE outbox ADD COLUMN bounced_at BIGINT;
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (next_attempt_at)
    WHERE delivered_at IS NULL AND bounced_at IS NULL;
-- Earlier versions kept the mail server's own words here, which may quote the recipient's
-- address. Only the server's scrubbed descriptions are kept from now on.
UPDATE outbox SET last_error = NULL WHERE last_error IS NOT NULL;
