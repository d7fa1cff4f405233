-- The directory (who each user is: name, role, team, active) changes
-- rarely and is read on every request: each server keeps it in memory and
-- reloads it when the number of rows here has moved on. Every change to
-- those columns (and to teams) adds one, by trigger, so no write can
-- forget it; other columns (passwords, contact details) add none, so no
-- one can grow this table by changing their password. A count, not a
-- maximum: it moves only when a change commits, whatever order writers
-- commit in. A table rebuilt in a later migration must create these again.
CREATE TABLE directory_changes (
    id INTEGER PRIMARY KEY
);

CREATE TRIGGER users_inserted AFTER INSERT ON users
BEGIN INSERT INTO directory_changes (id) VALUES (NULL); END;
CREATE TRIGGER users_updated AFTER UPDATE OF username, display_name, role, team_id, active ON users
BEGIN INSERT INTO directory_changes (id) VALUES (NULL); END;
CREATE TRIGGER users_deleted AFTER DELETE ON users
BEGIN INSERT INTO directory_changes (id) VALUES (NULL); END;
CREATE TRIGGER teams_inserted AFTER INSERT ON teams
BEGIN INSERT INTO directory_changes (id) VALUES (NULL); END;
CREATE TRIGGER teams_updated AFTER UPDATE ON teams
BEGIN INSERT INTO directory_changes (id) VALUES (NULL); END;
CREATE TRIGGER teams_deleted AFTER DELETE ON teams
BEGIN INSERT INTO directory_changes (id) VALUES (NULL); END;
