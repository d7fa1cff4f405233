-- The customer pool: ownership clocks on customers, the ownership history,
-- departed users and company settings.
ALTER TABLE records ADD COLUMN owner_since BIGINT;
ALTER TABLE records ADD COLUMN last_activity_at BIGINT;
UPDATE records SET owner_since = updated_at WHERE entity = 'customer';
UPDATE records SET last_activity_at = (
    SELECT MAX((EXTRACT(EPOCH FROM (a.data::jsonb ->> 'at')::timestamptz) * 1000)::BIGINT)
    FROM records a WHERE a.entity = 'activity' AND a.parent_id = records.id
) WHERE entity = 'customer';

ALTER TABLE users ADD COLUMN departed_at BIGINT;

-- Every change of a customer's owner; `NULL` from/to is the pool, `NULL`
-- by_user the system.
CREATE TABLE ownership_log (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    from_user   TEXT,
    to_user     TEXT,
    by_user     TEXT,
    reason      TEXT,
    at          BIGINT NOT NULL
);
CREATE INDEX ownership_log_customer ON ownership_log (customer_id, at);
CREATE INDEX ownership_log_to ON ownership_log (to_user, kind, at);
CREATE INDEX ownership_log_from ON ownership_log (from_user, at);
CREATE INDEX ownership_log_at ON ownership_log (at);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
