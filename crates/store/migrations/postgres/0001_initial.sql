-- The same tables as the SQLite migrations, in PostgreSQL's types. Times are unix
-- milliseconds (UTC).

CREATE TABLE projects (
    id                 TEXT PRIMARY KEY,
    created_at         BIGINT NOT NULL,
    validation_webhook TEXT,
    webhook_secret     TEXT,
    webhook_timeout_ms BIGINT NOT NULL DEFAULT 5000,
    welcome_email      BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE api_keys (
    prefix     TEXT PRIMARY KEY,
    hash       BYTEA NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects (id),
    version    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL REFERENCES projects (id),
    email_key       TEXT NOT NULL,
    phone_key       TEXT NOT NULL,
    username        TEXT,
    document        TEXT NOT NULL,
    secure_metadata TEXT NOT NULL,
    revision        BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE UNIQUE INDEX users_email_key ON users (project_id, email_key);
CREATE UNIQUE INDEX users_phone_key ON users (project_id, phone_key);
CREATE UNIQUE INDEX users_username ON users (project_id, username);

CREATE TABLE suspensions (
    id       BIGSERIAL PRIMARY KEY,
    user_id  TEXT NOT NULL REFERENCES users (id),
    reason   TEXT NOT NULL,
    start_at BIGINT NOT NULL,
    end_at   BIGINT
);

CREATE INDEX suspensions_user ON suspensions (user_id);

-- Welcome emails. Several replicas share this table: a dispatcher claims entries for a
-- lease (`claimed_until`), so no two send the same email, and an entry whose replica died
-- is taken by another once the lease ends.
CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    kind            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until   BIGINT,
    last_error      TEXT,
    delivered_at    BIGINT
);

CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;

CREATE TABLE magic_links (
    token_hash BYTEA PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
