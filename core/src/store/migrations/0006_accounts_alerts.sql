-- Version 5 -> 6: accounts (the outbox of list operations), alerts, and sale end dates.
-- When a sale ends, for "sale ends soon on your wishlist" (Unix seconds).
ALTER TABLE products ADD COLUMN sale_ends_at INTEGER;

-- The outbox: changes to the wishlist and follows not yet acknowledged by the account's server.
-- Written in the same transaction as the change itself; only the newest operation per item is
-- kept (the server keeps the newest too, so older ones could never matter).
CREATE TABLE list_ops (
    id           INTEGER PRIMARY KEY AUTOINCREMENT, -- the order operations are sent in
    op_id        TEXT NOT NULL UNIQUE,              -- random; makes a retried upload harmless
    list         TEXT NOT NULL,                     -- 'wishlist' or 'follows'
    target       TEXT NOT NULL,                     -- product id or mall id
    present      INTEGER NOT NULL,                  -- 1: add, 0: remove
    at_ms        INTEGER NOT NULL,
    variant_id   TEXT,
    snapshot     TEXT,
    price_at_add INTEGER
);
CREATE UNIQUE INDEX list_ops_by_item ON list_ops (list, target);

-- Alerts about wishlisted products, each once (key), delivered by the alert policy.
CREATE TABLE alerts (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE, -- what makes two alerts the same alert
    kind         TEXT NOT NULL,
    product_id   TEXT NOT NULL,
    variant_id   TEXT,
    price        INTEGER,              -- the price that was news (price drops)
    created_ms   INTEGER NOT NULL,
    delivered_ms INTEGER,              -- NULL: waiting for the policy (quiet hours, digest, cap)
    dropped      INTEGER NOT NULL DEFAULT 0 -- no longer true when its time came
);
CREATE INDEX alerts_pending ON alerts (delivered_ms) WHERE delivered_ms IS NULL;

-- What the device already had joins the first account it signs in to.
INSERT INTO list_ops (op_id, list, target, present, at_ms, variant_id, snapshot, price_at_add)
    SELECT lower(hex(randomblob(16))), 'wishlist', product_id, 1, added_at * 1000, variant_id, snapshot, price_at_add
    FROM wishlist;
INSERT INTO list_ops (op_id, list, target, present, at_ms)
    SELECT lower(hex(randomblob(16))), 'follows', mall_id, 1, followed_at * 1000 FROM followed_malls;
