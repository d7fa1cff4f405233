-- Every merge of two customers, with what it changed, so it can be undone
-- for 30 days.
CREATE TABLE merges (
    id              TEXT PRIMARY KEY,
    survivor        TEXT NOT NULL,
    merged          TEXT NOT NULL,
    by_user         TEXT NOT NULL,
    at              BIGINT NOT NULL,
    survivor_before TEXT NOT NULL,
    survivor_after  TEXT NOT NULL,
    moved           TEXT NOT NULL,
    undone_at       BIGINT
);
CREATE INDEX merges_survivor ON merges (survivor);
