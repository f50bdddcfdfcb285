//! Search over the cached catalog: an FTS5 trigram index (any three letters anywhere — Korean
//! words have no spaces to split on), initial consonants (초성) for names typed as "ㅅㅌㅇㄴㄷ",
//! and a typo-tolerant second pass. Filters and the page run in SQL; ranking is `search.rs`'s.

use std::sync::atomic::Ordering;

use rusqlite::{params_from_iter, Connection};

use super::{Store, PRODUCT_COLUMNS};
use crate::error::{Error, Result};
use crate::text::chosung;
use moa_protocol::model::{Category, Locale, Product, Style};

/// Words as " a b c ", so that a filter can look for " b " without parsing JSON.
pub(crate) fn delimited<'a>(words: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::from(" ");
    for w in words {
        if !out.contains(&format!(" {w} ")) {
            out.push_str(w);
            out.push(' ');
        }
    }
    out
}

/// What a product is found by: title, brand, mall name, category (both languages) and colours.
pub(crate) fn index_text(p: &Product, mall_name: Option<&str>) -> (String, String) {
    let mut text = p.title.clone();
    for extra in [p.brand.as_deref(), mall_name, Some(p.category.label(Locale::Ko)), Some(p.category.label(Locale::En))]
        .into_iter()
        .flatten()
    {
        text.push(' ');
        text.push_str(extra);
    }
    let mut colours: Vec<&str> = p.variants.iter().filter_map(|v| v.color.as_deref()).collect();
    colours.dedup();
    for c in colours {
        text.push(' ');
        text.push_str(c);
    }
    let initials = format!(
        "{} {} {}",
        chosung(&p.title),
        chosung(p.brand.as_deref().unwrap_or("")),
        chosung(mall_name.unwrap_or(""))
    );
    (text, initials)
}

/// The search index's row in `sync_cursor` (a cache's state, like the catalog's cursor: it must
/// not survive into a rebuilt cache, so it is not a setting).
pub(super) const SEARCH_FEED: &str = "search";

/// Bring the search index up to the cached catalog: every product changed since the index last
/// caught up (by seq) is indexed again. Deletes are unindexed as they are applied. Runs after a
/// sync's pages, at open (after an upgrade: the whole cache, once) and before a search; nothing to
/// do costs one query.
pub(crate) fn catch_up(conn: &Connection, now_s: i64) -> Result<u64> {
    let indexed = super::feed_cursor(conn, SEARCH_FEED)?.unwrap_or(-1);
    // Products a search brought (visiting) are indexed as they come (`put_visitors`); their
    // seqs say nothing of how far the feed's products are indexed.
    let newest: i64 =
        conn.query_row("SELECT coalesce(max(seq), 0) FROM products WHERE visiting = 0", [], |r| r.get(0))?;
    if newest <= indexed {
        return Ok(0);
    }
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    // A product indexed before (updated since) has a stale row; on a first pass none has.
    let count = index_products(&tx, "p.seq > ?1 AND p.visiting = 0", indexed, indexed >= 0)?;
    tx.execute(
        "INSERT INTO sync_cursor (feed, cursor, synced_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (feed) DO UPDATE SET cursor = excluded.cursor, synced_at = excluded.synced_at",
        rusqlite::params![SEARCH_FEED, newest, now_s],
    )?;
    tx.commit()?;
    Ok(count)
}

/// (Re)index the products matching `condition` (SQL over `p`, with `param` as ?1); `stale`:
/// they may have a row already, which goes first. Returns how many were indexed.
pub(crate) fn index_products(
    conn: &Connection,
    condition: &str,
    param: impl rusqlite::ToSql,
    stale: bool,
) -> Result<u64> {
    let mut read = conn.prepare_cached(&format!(
        "SELECT p.rowid, m.name, {} FROM products p LEFT JOIN malls m ON m.id = p.mall_id WHERE {condition}",
        PRODUCT_COLUMNS.split(", ").map(|c| format!("p.{}", c.trim())).collect::<Vec<_>>().join(", ")
    ))?;
    let mut unindex = conn.prepare_cached("DELETE FROM product_search WHERE rowid = ?1")?;
    let mut write = conn.prepare_cached("INSERT INTO product_search (rowid, text, chosung) VALUES (?1, ?2, ?3)")?;
    let mut rows = read.query([param])?;
    let mut count = 0;
    while let Some(row) = rows.next()? {
        let rowid: i64 = row.get(0)?;
        let mall: Option<String> = row.get(1)?;
        let product = super::product_from_row_at(row, 2)?;
        let (text, initials) = index_text(&product, mall.as_deref());
        if stale {
            unindex.execute([rowid])?;
        }
        write.execute(rusqlite::params![rowid, text, initials])?;
        count += 1;
    }
    Ok(count)
}

impl Store {
    /// See [`catch_up`]. Returns how many products were (re)indexed.
    pub fn catch_up_search_index(&self) -> Result<u64> {
        catch_up(&self.writer(), self.clock.now_secs())
    }

    /// Like [`Store::catch_up_search_index`], but only when the writer is free (a sync writing
    /// pages will catch up itself when done): a search never waits for a sync.
    pub(crate) fn try_catch_up_search_index(&self) -> Result<()> {
        if let Ok(conn) = self.writer.try_lock() {
            catch_up(&conn, self.clock.now_secs())?;
        }
        Ok(())
    }
}

/// What to look for and how to narrow it. Empty text: everything that passes the filters.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    pub category: Option<Category>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub color: Option<String>,
    /// A size that must be in stock.
    pub size: Option<String>,
    pub mall_id: Option<String>,
    pub style: Option<Style>,
}

/// How the text is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// The words as typed (substrings).
    Exact,
    /// Initial consonants.
    Chosung,
    /// Candidates sharing any three letters with the query (for the typo pass).
    AnyTrigram,
}

fn fts_phrase(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

impl Store {
    /// In-stock products matching `text` and `filter`, with their bm25 (lower is better; 0 for
    /// filter-only queries), at most `limit`. A newer search interrupts this one
    /// ([`Error::Cancelled`]).
    pub fn search_products(
        &self,
        text: &str,
        how: Match,
        filter: &SearchFilter,
        limit: usize,
    ) -> Result<Vec<SearchHit>> {
        self.try_catch_up_search_index()?;
        // A search still running is the shopper's previous keystroke: stop it.
        if self.searching.swap(true, Ordering::SeqCst) {
            self.search_interrupt.interrupt();
        }
        let conn = self.search_reader();
        self.searching.store(true, Ordering::SeqCst);
        let result = run_search(&conn, text, how, filter, limit);
        self.searching.store(false, Ordering::SeqCst);
        result.map_err(|e| match e {
            Error::Storage(rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::OperationInterrupted =>
            {
                Error::Cancelled
            }
            other => other,
        })
    }
}

/// A search candidate: what ranking and the typo pass need, and no more (cards come from the
/// ranker's in-memory catalog, so whole products are never read for the hundreds of candidates).
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub id: String,
    pub mall_id: String,
    pub title: String,
    pub brand: Option<String>,
    pub created_at: i64,
    pub price: i64,
    /// bm25: lower is better (0 when there is no text to rank by).
    pub rank: f64,
}

/// The WHERE clauses (and their arguments) of the filters.
fn filter_clauses(filter: &SearchFilter, clauses: &mut Vec<String>, args: &mut Vec<rusqlite::types::Value>) {
    if let Some(c) = filter.category {
        clauses.push("p.category = ?".into());
        args.push(c.as_str().to_string().into());
    }
    if let Some(min) = filter.min_price {
        clauses.push("p.price >= ?".into());
        args.push(min.into());
    }
    if let Some(max) = filter.max_price {
        clauses.push("p.price <= ?".into());
        args.push(max.into());
    }
    if let Some(mall) = &filter.mall_id {
        clauses.push("p.mall_id = ?".into());
        args.push(mall.clone().into());
    }
    if let Some(style) = filter.style {
        // Styles are a JSON array of quoted words: the quoted word is unambiguous.
        clauses.push("instr(p.styles, ?) > 0".into());
        args.push(format!("\"{}\"", style.as_str()).into());
    }
    if let Some(color) = &filter.color {
        clauses.push("instr(p.colors, ?) > 0".into());
        args.push(format!(" {color} ").into());
    }
    if let Some(size) = &filter.size {
        clauses.push("instr(p.sizes_in_stock, ?) > 0".into());
        args.push(format!(" {size} ").into());
    }
}

/// The FTS terms of the typo pass: with k typos, one of k + 1 pieces of the query is typed
/// right, so candidates contain a whole piece (few, and found fast). Pieces too short for a
/// trigram fall back to sharing any three letters with the query (many, slower).
fn typo_grams(needle: &str) -> Vec<String> {
    let chars: Vec<char> = needle.chars().collect();
    let letters = chars.iter().filter(|c| !c.is_whitespace()).count();
    let pieces = crate::text::typos_allowed(letters) + 1;
    let size = chars.len() / pieces;
    let split: Vec<String> = (0..pieces)
        .map(|k| {
            let end = if k + 1 == pieces { chars.len() } else { (k + 1) * size };
            chars[k * size..end].iter().collect::<String>().trim().to_string()
        })
        .collect();
    if split.iter().all(|p| p.chars().count() >= 3) {
        split.iter().map(|p| fts_phrase(p)).collect()
    } else {
        chars.windows(3).map(|w| fts_phrase(&w.iter().collect::<String>())).collect()
    }
}

fn run_search(
    conn: &Connection,
    text: &str,
    how: Match,
    filter: &SearchFilter,
    limit: usize,
) -> Result<Vec<SearchHit>> {
    let cols = "p.id, p.mall_id, p.title, p.brand, p.created_at, p.price";
    let mut clauses = vec!["p.in_stock = 1".to_string()];
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    let text = text.trim();
    let mut from = "products p".to_string();
    let mut rank = "0.0".to_string();
    // Which matches become candidates when there are more than `limit`: the typo pass wants
    // those sharing the most letters (the index's rank); words, the newest (the index answers
    // those in rowid order at once, where ranking every match of a common word cost 13 ms).
    let mut order = String::new();
    if !text.is_empty() {
        let (column, needle) = match how {
            Match::Chosung => ("chosung", text.chars().filter(|c| !c.is_whitespace()).collect::<String>()),
            _ => ("text", text.to_string()),
        };
        from = "product_search s JOIN products p ON p.rowid = s.rowid".into();
        if how == Match::AnyTrigram {
            let grams = typo_grams(&needle);
            if grams.is_empty() {
                return Ok(Vec::new());
            }
            clauses.push("product_search MATCH ?".into());
            args.push(format!("text : ({})", grams.join(" OR ")).into());
            rank = "s.rank".into();
            order = "ORDER BY 7".into();
        } else if needle.chars().count() >= 3 {
            clauses.push("product_search MATCH ?".into());
            args.push(format!("{column} : {}", fts_phrase(&needle)).into());
            rank = "s.rank".into();
            order = "ORDER BY s.rowid DESC".into();
        } else {
            // Fewer than three letters: no trigram to look up; a scan of the index's text.
            clauses.push(format!("s.{column} LIKE ?"));
            args.push(format!("%{}%", needle.replace('%', "\\%").replace('_', "\\_")).into());
        }
    }
    filter_clauses(filter, &mut clauses, &mut args);
    // Without text there is nothing to order by here: the first `limit` matches will do (ranking
    // happens in Rust, with the text's rank), and SQLite stops as soon as it has them.
    let sql = format!("SELECT {cols}, {rank} FROM {from} WHERE {} {order} LIMIT {limit}", clauses.join(" AND "));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), |r| {
        Ok(SearchHit {
            id: r.get(0)?,
            mall_id: r.get(1)?,
            title: r.get(2)?,
            brand: r.get(3)?,
            created_at: r.get(4)?,
            price: r.get(5)?,
            rank: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
