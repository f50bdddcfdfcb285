-- Version 7 -> 8: one card per item sold by many malls. The server hashes each product's main
-- photo at ingest and groups the same item across malls; the cache keeps both.
ALTER TABLE products ADD COLUMN image_hash TEXT;
ALTER TABLE products ADD COLUMN same_item TEXT;
CREATE INDEX products_by_same_item ON products (same_item) WHERE same_item IS NOT NULL;

-- Products already cached carry neither: sync the catalog again from the start (it is a cache;
-- the shopper's own data is untouched, and the home shows the cache until the pages arrive).
DELETE FROM sync_cursor WHERE feed = 'catalog';
