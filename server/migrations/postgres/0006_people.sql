-- People and safety: the finance role, contact details and a forced
-- password change on users, sessions a person can see and end, invites,
-- sign-in throttling, per-user sync clients and the append-only audit log.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('rep', 'manager', 'finance', 'admin'));
ALTER TABLE users ADD COLUMN phone TEXT;
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
-- A device of this user whose cursor is below this position starts its
-- cache again (their team or role changed what they see).
ALTER TABLE users ADD COLUMN resync_from BIGINT NOT NULL DEFAULT 0;

-- A session's public id (never its token) names it in "end this session".
ALTER TABLE sessions ADD COLUMN id TEXT;
UPDATE sessions SET id = md5(random()::text || token_hash);
CREATE UNIQUE INDEX sessions_id ON sessions (id);
ALTER TABLE sessions ADD COLUMN device TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN last_seen BIGINT NOT NULL DEFAULT 0;
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- A link to choose one's first password; only its hash is kept.
CREATE TABLE invites (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    expires_at BIGINT NOT NULL
);

-- Failed sign-ins per account and per address, for growing delays.
CREATE TABLE login_failures (
    key      TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_at  BIGINT NOT NULL
);

-- Which user a sync client belongs to: its stored answers are theirs.
CREATE TABLE sync_clients (
    client_id TEXT PRIMARY KEY,
    user_id   TEXT NOT NULL
);
INSERT INTO sync_clients (client_id, user_id)
    SELECT client_id, MIN(user_id) FROM applied_mutations GROUP BY client_id;

CREATE TABLE audit_log (
    id      TEXT PRIMARY KEY,
    at      BIGINT NOT NULL,
    actor   TEXT,
    address TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT,
    detail  TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
