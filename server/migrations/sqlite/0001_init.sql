-- Yingpan schema for SQLite. Times are Unix milliseconds; ids are UUID text.
CREATE TABLE teams (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('rep', 'manager', 'admin')),
    team_id       TEXT REFERENCES teams (id),
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- The current state of every synced record. `seq` is the position of its
-- latest change in the change stream that clients pull from.
CREATE TABLE records (
    entity     TEXT NOT NULL,
    id         TEXT NOT NULL,
    owner_id   TEXT,
    parent_id  TEXT,
    data       TEXT NOT NULL,
    deleted    BOOLEAN NOT NULL DEFAULT FALSE,
    seq        BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (entity, id)
);
CREATE UNIQUE INDEX records_seq ON records (seq);
CREATE INDEX records_owner_seq ON records (owner_id, seq);
CREATE INDEX records_parent ON records (parent_id);

-- Hands out change-stream positions; see the store's module docs.
CREATE TABLE sync_state (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq BIGINT NOT NULL
);
INSERT INTO sync_state (id, last_seq) VALUES (1, 0);

-- One row per mutation ever received, so a retried push is answered from
-- here instead of being applied twice.
CREATE TABLE applied_mutations (
    client_id  TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    user_id    TEXT NOT NULL,
    result     TEXT NOT NULL,
    applied_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, seq)
);

-- Tells a user's clients to drop a record that left their view (its owner
-- changed). Positions come from the same counter as record changes.
CREATE TABLE evictions (
    seq     BIGINT NOT NULL PRIMARY KEY,
    user_id TEXT NOT NULL,
    entity  TEXT NOT NULL,
    id      TEXT NOT NULL
);
CREATE INDEX evictions_user_seq ON evictions (user_id, seq);
