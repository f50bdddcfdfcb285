-- Version 11 -> 12: orders across malls (issue #21). The device keeps its click-outs, so that it
-- can tell the server which are its own (the id, the mall and the time leave the device; the
-- product does not), and the orders malls reported for them. Alerts gain a detail: an order's
-- news is about the order, not a wishlisted product.
CREATE TABLE outlinks (
    outlink_id  TEXT PRIMARY KEY,
    product_id  TEXT NOT NULL,
    mall_id     TEXT NOT NULL,
    left_at_ms  INTEGER NOT NULL,
    registered  INTEGER NOT NULL DEFAULT 0  -- 1: the server knows it
);
CREATE INDEX outlinks_unregistered ON outlinks (registered) WHERE registered = 0;
CREATE TABLE orders (
    mall_id     TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    status      TEXT NOT NULL,
    updated_ms  INTEGER NOT NULL,
    body        TEXT NOT NULL,    -- the order as the server sent it (JSON)
    PRIMARY KEY (mall_id, order_id)
);
ALTER TABLE alerts ADD COLUMN detail TEXT;
