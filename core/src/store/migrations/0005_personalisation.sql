-- Version 4 -> 5: what the personal feed needs.
-- Event details that do not fit a column (search query, hidden style, section and position).
ALTER TABLE events ADD COLUMN detail TEXT;
-- The price when the shopper wishlisted, for "price drops on your wishlist".
ALTER TABLE wishlist ADD COLUMN price_at_add INTEGER;

-- How often each product was shown, for fatigue: shown often without a tap, it sinks.
CREATE TABLE impressions (
    product_id  TEXT PRIMARY KEY,
    shown       INTEGER NOT NULL,
    last_ms     INTEGER NOT NULL
);

-- The population's behaviour from /v1/stats (a cache of the server, like the catalog).
CREATE TABLE population_sessions (
    id          INTEGER PRIMARY KEY,
    items       TEXT NOT NULL -- JSON array of product ids, in viewing order
);
CREATE TABLE segment_popularity (
    segment     TEXT NOT NULL,
    rank        INTEGER NOT NULL,
    product_id  TEXT NOT NULL,
    PRIMARY KEY (segment, rank)
);
