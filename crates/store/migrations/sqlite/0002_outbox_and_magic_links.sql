-- The welcome email: an outbox entry written in the transaction that creates the user,
-- delivered by a background dispatcher and kept until delivered. The entry holds no
-- personal data: the recipient is read from the user when it is delivered.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    kind            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    delivered_at    INTEGER
) STRICT;

CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;

-- Magic links: only the SHA-256 of a token is kept. A token is made when its email is
-- delivered, so none exists in clear anywhere but in that email.
CREATE TABLE magic_links (
    token_hash BLOB PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;
