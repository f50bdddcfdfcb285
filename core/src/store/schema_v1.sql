-- Moa cache schema as it was at version 1. Kept verbatim for the upgrade test: never edit.
CREATE TABLE malls (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    platform    TEXT NOT NULL,
    homepage    TEXT NOT NULL,
    link_hosts  TEXT NOT NULL, -- JSON array
    styles      TEXT NOT NULL, -- JSON array
    gender      TEXT NOT NULL,
    age_bands   TEXT NOT NULL  -- JSON array
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
    seq             INTEGER NOT NULL
);
CREATE INDEX products_by_mall ON products (mall_id);

CREATE TABLE sync_cursor (
    feed        TEXT PRIMARY KEY,
    cursor      INTEGER NOT NULL,
    synced_at   INTEGER NOT NULL
);
