-- Version 1 -> 2: the shopper's own data. Unlike the catalog tables, which are a cache of the
-- server and may be rebuilt, nothing here may ever be dropped without the shopper asking.
CREATE TABLE wishlist (
    product_id  TEXT PRIMARY KEY,
    variant_id  TEXT,
    added_at    INTEGER NOT NULL,
    snapshot    TEXT NOT NULL -- JSON: title, image, price, mall, so a delisted item still shows
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
