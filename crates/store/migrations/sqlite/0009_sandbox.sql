-- Sandbox projects: the flag, the project's clock (how far it runs ahead of the real one),
-- the request log, and the copy of each welcome email the console shows.
ALTER TABLE projects ADD COLUMN sandbox INTEGER NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN clock_offset_ms INTEGER NOT NULL DEFAULT 0;
-- A sandbox project's delivered emails as sent (subject, text, HTML, link), sealed.
ALTER TABLE outbox ADD COLUMN sandbox_copy TEXT;

-- The last requests of each sandbox project; the bodies and the webhook call are sealed
-- like secureMetadata.
CREATE TABLE sandbox_requests (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id    TEXT NOT NULL REFERENCES projects (id),
    request_id    TEXT NOT NULL,
    at            INTEGER NOT NULL,
    method        TEXT NOT NULL,
    path          TEXT NOT NULL,
    version       TEXT,
    status        INTEGER NOT NULL,
    latency_us    INTEGER NOT NULL,
    request_body  TEXT,
    response_body TEXT,
    webhook       TEXT,
    -- The user the request read or wrote: its entries are erased with it.
    user_id       TEXT
) STRICT;
CREATE INDEX sandbox_requests_by_project ON sandbox_requests (project_id, id);
CREATE INDEX sandbox_requests_by_user ON sandbox_requests (user_id);
