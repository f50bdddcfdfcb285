-- Version 3 -> 4: the shopper's behaviour, recorded on the device. "Not interested" and "hide
-- this mall" are preferences the feed obeys at once; events leave the device only with consent.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    event_id    TEXT NOT NULL UNIQUE, -- random; makes an upload idempotent
    at_ms       INTEGER NOT NULL,     -- Unix milliseconds
    kind        TEXT NOT NULL,
    product_id  TEXT,
    mall_id     TEXT,
    dwell_ms    INTEGER,
    uploaded    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_by_kind ON events (kind);
