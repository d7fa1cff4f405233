-- Visit photos, uploaded in chunks after the visit itself has synced. A
-- visit has at most one photo, so a photo is stored under its visit (the
-- photo id the visit names is kept beside it): nobody can upload under
-- someone else's visit, and whoever sees the visit sees its photo.
CREATE TABLE photos (
    activity_id TEXT PRIMARY KEY,
    photo_id    TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    total       BIGINT NOT NULL,
    received    BIGINT NOT NULL,
    complete    BOOLEAN NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE TABLE photo_chunks (
    activity_id TEXT NOT NULL REFERENCES photos (activity_id),
    position    BIGINT NOT NULL,
    data        BLOB NOT NULL,
    PRIMARY KEY (activity_id, position)
);

-- When a customer last won a deal (an opportunity moved to won), for the
-- pool rule that returns customers without a won deal.
ALTER TABLE records ADD COLUMN last_won_at BIGINT;
