//! Every listed product's words, for search over the whole catalog (`crate::search`): kept in
//! `product_words` by the change writer with every change to a product, and indexed by
//! trigrams — SQLite's FTS5 `trigram` tokenizer, PostgreSQL's `pg_trgm` — so that
//! `LIKE '%word%'` (Korean has no spaces to split on) is answered from the index.

use moa_protocol::model::{Locale, Product};

use super::sql::{take, values, Sql};
use super::CatalogError;

/// The SQLite side of the index: an FTS5 table over `product_words`, kept in step by triggers.
/// (PostgreSQL's is one GIN index: `POSTGRES_INDEX`.)
pub(crate) const SQLITE_INDEX: &str = "
    CREATE VIRTUAL TABLE IF NOT EXISTS product_words_fts
        USING fts5(words, content = 'product_words', content_rowid = 'rowid', tokenize = 'trigram');
    CREATE TRIGGER IF NOT EXISTS product_words_added AFTER INSERT ON product_words BEGIN
        INSERT INTO product_words_fts (rowid, words) VALUES (new.rowid, new.words);
    END;
    CREATE TRIGGER IF NOT EXISTS product_words_removed AFTER DELETE ON product_words BEGIN
        INSERT INTO product_words_fts (product_words_fts, rowid, words) VALUES ('delete', old.rowid, old.words);
    END;
    CREATE TRIGGER IF NOT EXISTS product_words_changed AFTER UPDATE ON product_words BEGIN
        INSERT INTO product_words_fts (product_words_fts, rowid, words) VALUES ('delete', old.rowid, old.words);
        INSERT INTO product_words_fts (rowid, words) VALUES (new.rowid, new.words);
    END;";

/// (In `public`, whatever the catalog's own schema: an extension lives once per database.)
pub(crate) const POSTGRES_INDEX: &str = "
    CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
    CREATE INDEX IF NOT EXISTS product_words_trigrams ON product_words USING gin (words public.gin_trgm_ops);";

/// What a product is found by, lowercased.
pub fn words_of(p: &Product) -> String {
    let mut words = vec![p.title.clone()];
    words.extend(p.brand.clone());
    words.push(p.category.label(Locale::Ko).to_string());
    words.push(p.category.label(Locale::En).to_string());
    for colour in p.variants.iter().filter_map(|v| v.color.as_deref()) {
        if !words.iter().any(|w| w == colour) {
            words.push(colour.to_string());
        }
    }
    words.join(" ").to_lowercase()
}

/// Keep product `p`'s words (called by the change writer with every change to it).
pub(crate) fn put_words(tx: &dyn Sql, p: &Product) -> Result<(), CatalogError> {
    tx.execute(
        "INSERT INTO product_words (product_id, in_stock, popularity, words) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (product_id) DO UPDATE
             SET in_stock = excluded.in_stock, popularity = excluded.popularity, words = excluded.words",
        values![p.id.as_str(), p.in_stock() as i64, (p.popularity * 1000.0) as i64, words_of(p)],
    )?;
    Ok(())
}

/// Every listed product's words, for a catalog from before the index (schema version 4).
pub(crate) fn index_every_product(tx: &dyn Sql) -> Result<u64, CatalogError> {
    let rows = tx.query("SELECT body FROM products WHERE body IS NOT NULL", &[])?;
    let mut indexed = 0;
    for mut row in rows {
        let body = take(&mut row, 0).text()?;
        put_words(tx, &serde_json::from_str(&body)?)?;
        indexed += 1;
    }
    Ok(indexed)
}
