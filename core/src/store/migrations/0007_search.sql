-- Version 6 -> 7: on-device search. One row per cached product, under the product's rowid; the
-- trigram tokenizer lets any three letters match anywhere (Korean has no spaces inside words).
-- `chosung` holds the initial consonants of title, brand and mall ("ㅅㅌㅇㄴㄷ" for 스타일난다).
-- Filled by the app after the upgrade (it needs Rust to compute the initials).
CREATE VIRTUAL TABLE product_search USING fts5(text, chosung, tokenize = 'trigram');
