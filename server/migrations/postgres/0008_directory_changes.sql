-- The directory (users and teams) changes rarely and is read on every
-- request: each server keeps it in memory and reloads it when the number
-- of rows here has moved on. Every change to either table adds one, by
-- trigger, so no write can forget it, whichever server makes it. Rows are
-- inserted, never updated, so writers take no lock on one another (an
-- updated counter row would order them against the change-stream lock,
-- and could deadlock); a count, not a maximum, moves only when a change
-- commits, whatever order writers commit in.
CREATE TABLE directory_changes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY
);

CREATE FUNCTION directory_changed() RETURNS trigger AS $$
BEGIN
    INSERT INTO directory_changes DEFAULT VALUES;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER users_changed AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION directory_changed();
CREATE TRIGGER teams_changed AFTER INSERT OR UPDATE OR DELETE ON teams
    FOR EACH STATEMENT EXECUTE FUNCTION directory_changed();
