-- Version 12 -> 13: how shoppers reach each mall (issue #22): KakaoTalk channel, Channel Talk,
-- phone, email and hours, as JSON. The mall list is fetched again at the next sync (its ETag is
-- forgotten), so the contacts arrive without waiting for the list to change.
ALTER TABLE malls ADD COLUMN contact TEXT;
UPDATE sync_cursor SET etag = NULL WHERE feed = 'malls';
