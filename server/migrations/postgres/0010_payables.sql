-- Payables (应付): what the company owes its suppliers. Finance keeps them
-- over the REST API and they do not sync to phones, so they live beside
-- `records`, not in it.
CREATE TABLE suppliers (
    id         TEXT PRIMARY KEY,
    data       TEXT NOT NULL,
    -- Bumped by every write to the supplier or its book: a writer that
    -- decided against an older version is refused and decides again.
    version    BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- A supplier's purchases, installments, payments and allocations.
CREATE TABLE payables (
    id          TEXT PRIMARY KEY,
    supplier_id TEXT NOT NULL REFERENCES suppliers (id),
    kind        TEXT NOT NULL,
    data        TEXT NOT NULL,
    written_at  BIGINT NOT NULL,
    written_by  TEXT NOT NULL
);
CREATE INDEX payables_supplier ON payables (supplier_id);
