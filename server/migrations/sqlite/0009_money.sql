-- Money records (quotes, contracts, receivables, receipts...) live in
-- `records` like every synced kind, under their customer (`parent_id`).
-- Whether a customer has an open contract is kept by the server beside
-- its other server-only fields: an open contract keeps it out of the pool.
ALTER TABLE records ADD COLUMN open_contract BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX records_parent_entity ON records (parent_id, entity);
