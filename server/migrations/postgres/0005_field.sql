-- Visit photos, uploaded in chunks after the visit itself has synced. A
-- photo belongs to one activity (its visit) and is seen by whoever sees
-- that activity.
CREATE TABLE photos (
    id          TEXT PRIMARY KEY,
    activity_id TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    total       BIGINT NOT NULL,
    received    BIGINT NOT NULL,
    complete    BOOLEAN NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE TABLE photo_chunks (
    photo_id TEXT NOT NULL REFERENCES photos (id),
    position BIGINT NOT NULL,
    data     BYTEA NOT NULL,
    PRIMARY KEY (photo_id, position)
);
-- When a customer last won a deal (an opportunity moved to won), for the
-- pool rule that returns customers without a won deal.
ALTER TABLE records ADD COLUMN last_won_at BIGINT;
