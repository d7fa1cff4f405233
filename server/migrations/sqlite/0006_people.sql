-- People and safety: the finance role, contact details and a forced
-- password change on users, sessions a person can see and end, invites,
-- sign-in throttling, per-user sync clients and the append-only audit log.
--
-- SQLite cannot change a CHECK constraint in place, so `users` is rebuilt.
-- Migrations run in a transaction, where foreign keys cannot be switched
-- off; the sessions that point at users are set aside while the table is
-- replaced, so no reference dangles at any moment.

CREATE TABLE users_new (
    id                   TEXT PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    role                 TEXT NOT NULL CHECK (role IN ('rep', 'manager', 'finance', 'admin')),
    team_id              TEXT REFERENCES teams (id),
    active               BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash        TEXT NOT NULL,
    departed_at          BIGINT,
    phone                TEXT,
    email                TEXT,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    -- A device of this user whose cursor is below this position starts
    -- its cache again (their team or role changed what they see).
    resync_from          BIGINT NOT NULL DEFAULT 0
);
INSERT INTO users_new (id, username, display_name, role, team_id, active, password_hash, departed_at)
    SELECT id, username, display_name, role, team_id, active, password_hash, departed_at FROM users;
CREATE TEMP TABLE sessions_kept AS SELECT * FROM sessions;
DELETE FROM sessions;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
INSERT INTO sessions SELECT * FROM sessions_kept;
DROP TABLE sessions_kept;

-- A session's public id (never its token) names it in "end this session".
ALTER TABLE sessions ADD COLUMN id TEXT;
UPDATE sessions SET id = lower(hex(randomblob(16)));
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
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
