-- Projects, API keys, users and suspensions. Times are unix milliseconds (UTC).

CREATE TABLE projects (
    id                 TEXT PRIMARY KEY NOT NULL,
    created_at         INTEGER NOT NULL,
    validation_webhook TEXT,
    webhook_secret     TEXT,
    webhook_timeout_ms INTEGER NOT NULL DEFAULT 5000,
    welcome_email      INTEGER NOT NULL DEFAULT 1
) STRICT;

-- A key is shown once; only its SHA-256 is kept. `prefix` (the key's first 12 characters)
-- names it in listings and revocation and finds the row to compare against.
CREATE TABLE api_keys (
    prefix     TEXT PRIMARY KEY NOT NULL,
    hash       BLOB NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects (id),
    version    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;

-- `document` is the sanitised canonical user as JSON (never a request body), without
-- secureMetadata, which is kept apart in `secure_metadata`. The three unique indexes are
-- what makes racing creates and updates unable to both win.
CREATE TABLE users (
    id              TEXT PRIMARY KEY NOT NULL,
    project_id      TEXT NOT NULL REFERENCES projects (id),
    email_key       TEXT NOT NULL,
    phone_key       TEXT NOT NULL,
    username        TEXT,
    document        TEXT NOT NULL,
    secure_metadata TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX users_email_key ON users (project_id, email_key);
CREATE UNIQUE INDEX users_phone_key ON users (project_id, phone_key);
CREATE UNIQUE INDEX users_username ON users (project_id, username);

CREATE TABLE suspensions (
    id         INTEGER PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    reason     TEXT NOT NULL,
    start_at   INTEGER NOT NULL,
    end_at     INTEGER
) STRICT;

CREATE INDEX suspensions_user ON suspensions (user_id);
