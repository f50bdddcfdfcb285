-- Version 8 -> 9: the product sheet's gallery. Products carry their other photos (back, detail,
-- worn) besides the main one, as a JSON array of URLs.
ALTER TABLE products ADD COLUMN more_image_urls TEXT NOT NULL DEFAULT '[]';

-- Products already cached carry none: sync the catalog again from the start (it is a cache; the
-- shopper's own data is untouched, and the home shows the cache until the pages arrive).
DELETE FROM sync_cursor WHERE feed = 'catalog';
