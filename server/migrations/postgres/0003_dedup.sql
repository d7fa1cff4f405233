-- Duplicate detection: each customer's normal forms (computed by the shared
-- rules when it is written) and the character pairs of its name's core, to
-- find candidates without reading every customer.
CREATE TABLE customer_keys (
    customer_id TEXT PRIMARY KEY,
    core        TEXT NOT NULL,
    region      TEXT,
    phone       TEXT,
    email       TEXT
);
CREATE INDEX customer_keys_core ON customer_keys (core);
CREATE INDEX customer_keys_phone ON customer_keys (phone);
CREATE INDEX customer_keys_email ON customer_keys (email);

CREATE TABLE name_grams (
    gram        TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    PRIMARY KEY (gram, customer_id)
);
CREATE INDEX name_grams_customer ON name_grams (customer_id);
