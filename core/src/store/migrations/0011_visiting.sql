-- Version 10 -> 11: search of the whole catalog when online (issue #23). A device holding a
-- working set caches the products a search found beyond it, marked as visiting: the feed it
-- follows does not keep them fresh, so a sync lets go of those the shopper does not need once
-- they are an hour old. The column holds when they came (Unix ms), 0 for the feed's own.
ALTER TABLE products ADD COLUMN visiting INTEGER NOT NULL DEFAULT 0;
