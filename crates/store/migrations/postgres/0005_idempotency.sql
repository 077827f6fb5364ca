-- Idempotency keys: the first request with a key claims it (a lease while it runs); its
-- answer is kept until `expires_at` and replayed to retries of the same request, by any
-- replica. The answer may hold the user's data, so it names the user, and erasing the
-- user erases it.
CREATE TABLE idempotency_keys (
    project_id  TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint BYTEA NOT NULL,
    -- Which claim holds the key: a holder whose lease ran out cannot save over, or release,
    -- the claim of the request that took the key over.
    token       BYTEA NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    lease_until BIGINT NOT NULL,
    status      BIGINT,
    body        BYTEA,
    user_id     TEXT,
    PRIMARY KEY (project_id, key)
);

CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
CREATE INDEX idempotency_keys_user ON idempotency_keys (user_id) WHERE user_id IS NOT NULL;
