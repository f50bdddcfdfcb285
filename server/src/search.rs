//! Search over the whole catalog (issue #23): a phone holds a working set, so what it finds
//! offline is what its shelf holds; online, it asks here too and merges. Every listed product's
//! words (title, brand, category in both languages, colours; lowercased) are kept in
//! `product_words`, written with the product by the change writer, and found by substring —
//! Korean has no spaces to split on — through a trigram index: SQLite's FTS5 `trigram`
//! tokenizer, PostgreSQL's `pg_trgm`. Both answer `LIKE '%word%'` from the index. The server
//! knows nothing of the shopper: it ranks by popularity, and the device ranks for its shopper.

use moa_protocol::model::{Locale, Product};

use crate::catalog::page_json;
use crate::db::sql::{values, Dialect, Sql, Value};
use crate::{CatalogDb, CatalogError};

/// Results per request, at most.
pub const MAX_RESULTS: u32 = 100;
/// Words of a query used, at most (each one must be found).
const MAX_WORDS: usize = 4;

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
        let body = crate::db::sql::take(&mut row, 0).text()?;
        put_words(tx, &serde_json::from_str(&body)?)?;
        indexed += 1;
    }
    Ok(indexed)
}

/// The query's words: lowercased, `%` and `_` taken literally, at most `MAX_WORDS`.
fn patterns(text: &str) -> Vec<String> {
    text.split_whitespace()
        .take(MAX_WORDS)
        .map(|w| {
            let escaped = w.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            format!("%{escaped}%")
        })
        .collect()
}

impl CatalogDb {
    /// The in-stock products whose words contain every word of `text`, most popular first, at
    /// most `limit`, as a change page of upserts (the device applies them as it applies a sync's).
    pub fn search_json(&self, text: &str, limit: u32) -> Result<String, CatalogError> {
        let limit = limit.clamp(1, MAX_RESULTS);
        let patterns = patterns(text);
        if patterns.is_empty() {
            return page_json(Vec::new(), 0, limit);
        }
        let rows = self.read(|db| {
            let (from, column) = match db.dialect() {
                Dialect::Sqlite => ("product_words_fts f JOIN product_words w ON w.rowid = f.rowid", "f.words"),
                Dialect::Postgres => ("product_words w", "w.words"),
            };
            let found: Vec<String> =
                (0..patterns.len()).map(|k| format!("{column} LIKE ?{} ESCAPE '\\'", k + 2)).collect();
            let sql = format!(
                "SELECT p.seq, p.id, p.body, 'change' FROM {from} JOIN products p ON p.id = w.product_id
                  WHERE {} AND w.in_stock = 1 AND p.body IS NOT NULL
                  ORDER BY w.popularity DESC, {} LIMIT ?1",
                found.join(" AND "),
                db.dialect().by_text("p.id")
            );
            let mut params = vec![Value::Int(limit as i64 + 1)];
            params.extend(patterns.iter().map(|p| Value::Text(p.clone())));
            db.query(&sql, &params)
        })?;
        page_json(rows, 0, limit)
    }
}
