-- Rotating a project's webhook secret: the secret it replaced keeps signing (beside the new
-- one) until `webhook_secret_previous_until`, so receivers switch without a gap.
ALTER TABLE projects ADD COLUMN webhook_secret_previous TEXT;
ALTER TABLE projects ADD COLUMN webhook_secret_previous_until INTEGER;
