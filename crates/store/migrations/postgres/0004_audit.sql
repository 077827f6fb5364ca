-- The audit trail: one row per read or write of a user's data, naming fields, never
-- values. Rows are only ever added: the triggers refuse every change, deletion and
-- truncation, including when a user is erased (events keep the user's id, not a
-- reference to it).
CREATE TABLE audit_events (
    id         BIGSERIAL PRIMARY KEY,
    at         BIGINT NOT NULL,
    project_id TEXT NOT NULL,
    actor      TEXT NOT NULL,
    request_id TEXT NOT NULL,
    action     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    fields     TEXT NOT NULL
);

-- No index but the id: every request that touches a user appends a row, and an index on
-- the user would cost each append a page write at a random place. Listing a user's events
-- (an operator's `fitmate audit --user`) scans the table instead.

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events cannot be changed or deleted';
END
$$;

CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
