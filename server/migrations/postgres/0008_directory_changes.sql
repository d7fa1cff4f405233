-- The directory (who each user is: name, role, team, active) changes
-- rarely and is read on every request: each server keeps it in memory and
-- reloads it when the number of rows here has moved on. Every change to
-- those columns (and to teams) adds one, by trigger, so no write can
-- forget it, whichever server makes it; other columns (passwords, contact
-- details) add none, so no one can grow this table by changing their
-- password. Rows are inserted, never updated, so writers take no lock on
-- one another (an updated counter row would order them against the
-- change-stream lock, and could deadlock); a count, not a maximum, moves
-- only when a change commits, whatever order writers commit in.
CREATE TABLE directory_changes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY
);

CREATE FUNCTION directory_changed() RETURNS trigger AS $$
BEGIN
    INSERT INTO directory_changes DEFAULT VALUES;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER users_changed
    AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF username, display_name, role, team_id, active ON users
    FOR EACH STATEMENT EXECUTE FUNCTION directory_changed();
CREATE TRIGGER teams_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON teams
    FOR EACH STATEMENT EXECUTE FUNCTION directory_changed();
