//! Search over the whole catalog (issue #23): a phone holds a working set, so what it finds
//! offline is what its shelf holds; online, it asks here too and merges. Every listed product's
//! words (title, brand, category in both languages, colours; lowercased; `db::words`) are found
//! by substring through a trigram index. The server knows nothing of the shopper: it ranks by
//! popularity, and the device ranks for its shopper.

use crate::catalog::page_json;
use crate::db::sql::{Dialect, Value};
use crate::{CatalogDb, CatalogError};

pub use crate::db::words::words_of;

/// Results per request, at most.
pub const MAX_RESULTS: u32 = 100;
/// Words of a query used, at most (each one must be found).
const MAX_WORDS: usize = 4;

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

/// Products asked for by id at once, at most.
pub const MAX_IDS: usize = 100;

impl CatalogDb {
    /// The listed, in-stock products among `ids`, as a change page of upserts (a device holding
    /// a working set fetching what its shopper's products were viewed together with).
    pub fn products_json(&self, ids: &[String]) -> Result<String, CatalogError> {
        let ids: Vec<&String> = ids.iter().take(MAX_IDS).collect();
        if ids.is_empty() {
            return page_json(Vec::new(), 0, 1);
        }
        let rows = self.read(|db| {
            let marks: Vec<String> = (1..=ids.len()).map(|k| format!("?{k}")).collect();
            let sql = format!(
                "SELECT p.seq, p.id, p.body, 'change' FROM products p JOIN product_words w ON w.product_id = p.id
                  WHERE p.id IN ({}) AND w.in_stock = 1 AND p.body IS NOT NULL ORDER BY p.seq",
                marks.join(", ")
            );
            let params: Vec<Value> = ids.iter().map(|id| Value::Text((*id).clone())).collect();
            db.query(&sql, &params)
        })?;
        page_json(rows, 0, MAX_IDS as u32)
    }

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
