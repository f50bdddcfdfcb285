-- Version 6 -> 7: on-device search. One row per cached product, under the product's rowid; the
-- trigram tokenizer lets any three letters match anywhere (Korean has no spaces inside words).
-- `chosung` holds the initial consonants of title, brand and mall ("ㅅㅌㅇㄴㄷ" for 스타일난다).
-- Filled by the app after the upgrade (it needs Rust to compute the initials).
CREATE VIRTUAL TABLE product_search USING fts5(text, chosung, tokenize = 'trigram');

-- The sizes in stock and the colours of each product, space-delimited (" S M "), so that the
-- search filters need not parse every candidate's variants.
ALTER TABLE products ADD COLUMN sizes_in_stock TEXT NOT NULL DEFAULT ' ';
ALTER TABLE products ADD COLUMN colors TEXT NOT NULL DEFAULT ' ';
UPDATE products SET
    sizes_in_stock = ' ' || coalesce((SELECT group_concat(json_extract(v.value, '$.size'), ' ') FROM json_each(products.variants) v
                                      WHERE json_extract(v.value, '$.available') AND json_extract(v.value, '$.size') IS NOT NULL), '') || ' ',
    colors = ' ' || coalesce((SELECT group_concat(json_extract(v.value, '$.color'), ' ') FROM json_each(products.variants) v
                              WHERE json_extract(v.value, '$.color') IS NOT NULL), '') || ' ';

-- The search index catches up by seq, and asks for the newest seq before every search.
CREATE INDEX products_by_seq ON products (seq);
