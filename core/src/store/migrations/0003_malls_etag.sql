-- Version 2 -> 3: remember the ETag of the mall list, so that a sync asks "changed since?" and
-- the usual answer is an empty 304 instead of the whole list again.
ALTER TABLE sync_cursor ADD COLUMN etag TEXT;
