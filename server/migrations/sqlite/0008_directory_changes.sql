-- The directory (users and teams) changes rarely and is read on every
-- request: each server keeps it in memory and reloads it when the number
-- of rows here has moved on. Every change to either table adds one, by
-- trigger, so no write can forget it. A count, not a maximum: it moves
-- only when a change commits, whatever order writers commit in.
CREATE TABLE directory_changes (
    id INTEGER PRIMARY KEY
);

CREATE TRIGGER users_inserted AFTER INSERT ON users
BEGIN INSERT INTO directory_changes (id) VALUES (NULL); END;
CREATE TRIGGER users_updated AFTER UPDATE ON users
BEGIN INSERT INTO directory_changes (id) VALUES (NULL); END;
CREATE TRIGGER users_deleted AFTER DELETE ON users
BEGIN INSERT INTO directory_changes (id) VALUES (NULL); END;
CREATE TRIGGER teams_inserted AFTER INSERT ON teams
BEGIN INSERT INTO directory_changes (id) VALUES (NULL); END;
CREATE TRIGGER teams_updated AFTER UPDATE ON teams
BEGIN INSERT INTO directory_changes (id) VALUES (NULL); END;
CREATE TRIGGER teams_deleted AFTER DELETE ON teams
BEGIN INSERT INTO directory_changes (id) VALUES (NULL); END;
