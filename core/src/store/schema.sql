-- Moa cache schema, current version (see CURRENT_VERSION in store/mod.rs). A fresh database is
-- created from this file; an older one is upgraded by migrations/NNNN_*.sql, step by step, and a
-- test checks that both roads end in exactly the same schema.

-- Catalog: a cache of the server, safe to rebuild.
CREATE TABLE malls (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    platform    TEXT NOT NULL,
    homepage    TEXT NOT NULL,
    link_hosts  TEXT NOT NULL, -- JSON array
    styles      TEXT NOT NULL, -- JSON array
    gender      TEXT NOT NULL,
    age_bands   TEXT NOT NULL, -- JSON array
    contact     TEXT           -- version 13: MallContact as JSON, NULL: none
);

CREATE TABLE products (
    id              TEXT PRIMARY KEY,
    mall_id         TEXT NOT NULL,
    title           TEXT NOT NULL,
    brand           TEXT,
    category        TEXT NOT NULL,
    styles          TEXT NOT NULL, -- JSON array
    gender          TEXT NOT NULL,
    age_bands       TEXT NOT NULL, -- JSON array
    price           INTEGER NOT NULL,
    original_price  INTEGER,
    currency        TEXT NOT NULL,
    image_url       TEXT NOT NULL,
    product_url     TEXT NOT NULL,
    variants        TEXT NOT NULL, -- JSON array
    in_stock        INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    popularity      REAL NOT NULL,
    seq             INTEGER NOT NULL,
    sale_ends_at    INTEGER, -- Unix seconds (version 6)
    -- Space-delimited (" S M "), for the search filters (version 7).
    sizes_in_stock  TEXT NOT NULL DEFAULT ' ',
    colors          TEXT NOT NULL DEFAULT ' ',
    -- The main photo's perceptual hash and the server's same-item group (version 8).
    image_hash      TEXT, -- 64 hex digits
    same_item       TEXT,
    more_image_urls TEXT NOT NULL DEFAULT '[]', -- JSON array: the gallery's other photos
    -- Not 0: brought by a search of the whole catalog (or the shelf's reserve, or viewed
    -- together), not by the feed the sync follows, at this time (Unix ms; version 11).
    visiting        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX products_by_mall ON products (mall_id);
CREATE INDEX products_by_same_item ON products (same_item) WHERE same_item IS NOT NULL;
-- The search index catches up by seq (version 7).
CREATE INDEX products_by_seq ON products (seq);

CREATE TABLE sync_cursor (
    feed        TEXT PRIMARY KEY,
    cursor      INTEGER NOT NULL,
    synced_at   INTEGER NOT NULL,
    etag        TEXT -- for feeds fetched whole with If-None-Match (the mall list)
);

-- The shopper's own data: never dropped without the shopper asking.
CREATE TABLE wishlist (
    product_id  TEXT PRIMARY KEY,
    variant_id  TEXT,
    added_at    INTEGER NOT NULL,
    snapshot    TEXT NOT NULL, -- JSON: title, image, price, mall, so a delisted item still shows
    price_at_add INTEGER       -- for "price drops on your wishlist" (version 5)
);

CREATE TABLE followed_malls (
    mall_id     TEXT PRIMARY KEY,
    followed_at INTEGER NOT NULL
);

CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL
);

-- The feed reads in-stock products only; the partial index keeps that read off sold-out rows.
CREATE INDEX products_in_stock ON products (in_stock) WHERE in_stock = 1;

-- The shopper's behaviour (version 4). "Not interested" and "hide this mall" are preferences the
-- feed obeys at once; events leave the device only with consent.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    event_id    TEXT NOT NULL UNIQUE, -- random; makes an upload idempotent
    at_ms       INTEGER NOT NULL,     -- Unix milliseconds
    kind        TEXT NOT NULL,
    product_id  TEXT,
    mall_id     TEXT,
    dwell_ms    INTEGER,
    uploaded    INTEGER NOT NULL DEFAULT 0,
    detail      TEXT -- JSON: search query, hidden style, section and position (version 5)
);
CREATE INDEX events_by_kind ON events (kind);
CREATE INDEX events_by_product ON events (product_id) WHERE product_id IS NOT NULL; -- version 10

-- How often each product was shown, for fatigue (version 5).
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
    dropped      INTEGER NOT NULL DEFAULT 0, -- no longer true when its time came
    detail       TEXT                  -- version 12: what an order's news is about (JSON)
);
CREATE INDEX alerts_pending ON alerts (delivered_ms) WHERE delivered_ms IS NULL;

-- On-device search (version 7): one row per cached product, under the product's rowid; trigrams
-- let any three letters match anywhere. `chosung`: initial consonants ("ㅅㅌㅇㄴㄷ" for 스타일난다).
CREATE VIRTUAL TABLE product_search USING fts5(text, chosung, tokenize = 'trigram');

-- Orders across malls (version 12): the click-outs, whether the server knows them yet, and the
-- orders malls reported for them.
CREATE TABLE outlinks (
    outlink_id  TEXT PRIMARY KEY,
    product_id  TEXT NOT NULL,
    mall_id     TEXT NOT NULL,
    left_at_ms  INTEGER NOT NULL,
    registered  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outlinks_unregistered ON outlinks (registered) WHERE registered = 0;
CREATE TABLE orders (
    mall_id     TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    status      TEXT NOT NULL,
    updated_ms  INTEGER NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (mall_id, order_id)
);
