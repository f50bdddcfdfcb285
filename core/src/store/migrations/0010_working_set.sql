-- Version 9 -> 10: a working set, not the whole catalog (issue #23). A product leaving the
-- device's shelf stays when the shopper's events name it; this finds them without a scan.
CREATE INDEX events_by_product ON events (product_id) WHERE product_id IS NOT NULL;
