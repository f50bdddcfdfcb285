//! The cache's budget (issue #23): how many bytes the database holds, and evicting the products
//! the shopper is least likely to need when it holds too many; and the products a search of the
//! whole catalog brings beyond the working set (visitors), let go by a sync an hour later. What the
//! shopper needs (`NEEDED`: the wishlist's, the followed malls', every product their events
//! name) never goes.

use rusqlite::{params, OptionalExtension, TransactionBehavior};

use moa_protocol::model::Product;

use super::{search, upsert_product, Store, NEEDED, UPSERT_PRODUCT};
use crate::error::Result;

/// How long what a search brought stays whatever the syncs: results on screen must open.
const VISIT_MS: i64 = 3_600_000;

impl Store {
    /// The bytes the database's pages hold, less the pages free for reuse — what the cache
    /// costs the phone once the free pages are handed back (`evict_products` does).
    pub fn used_bytes(&self) -> Result<u64> {
        let conn = self.reader();
        let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        let free: i64 = conn.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
        let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        Ok(((pages - free).max(0) * page_size) as u64)
    }

    /// The sold-out products' ids: never on a screen but through the wishlist, so the first to go.
    pub fn sold_out_product_ids(&self) -> Result<Vec<String>> {
        let conn = self.reader();
        let mut stmt = conn.prepare("SELECT id FROM products WHERE in_stock = 0 ORDER BY updated_at, id")?;
        let ids = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    /// Take up to `count` products out of the cache and its search index, in the order of `ids`
    /// (least needed first), passing over what the shopper needs; then hand the freed pages back
    /// to the file system where the database allows it. Returns how many went.
    pub fn evict_products(&self, ids: &[String], count: usize) -> Result<u64> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut evicted = 0u64;
        {
            let mut evictable =
                tx.prepare_cached(&format!("SELECT p.rowid FROM products p WHERE p.id = ?1 AND NOT ({NEEDED})"))?;
            let mut unindex = tx.prepare_cached("DELETE FROM product_search WHERE rowid = ?1")?;
            let mut delete = tx.prepare_cached("DELETE FROM products WHERE rowid = ?1")?;
            for id in ids {
                if evicted as usize >= count {
                    break;
                }
                if let Some(rowid) = evictable.query_row(params![id], |r| r.get::<_, i64>(0)).optional()? {
                    unindex.execute([rowid])?;
                    evicted += delete.execute([rowid])? as u64;
                }
            }
        }
        tx.commit()?;
        // A cache created with incremental auto-vacuum shrinks now; an older one reuses the pages.
        // (It frees a page a step: step it to the end.)
        {
            let mut vacuum = conn.prepare("PRAGMA incremental_vacuum")?;
            let mut steps = vacuum.query([])?;
            while steps.next()?.is_some() {}
        }
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(evicted)
    }

    /// Cache what a search of the whole catalog found (`(seq, product)`), marked as visiting —
    /// what the feed keeps is left as the feed has it — and index it for search at once.
    /// Returns how many were written.
    pub fn put_visitors(&self, found: &[(u64, Product)]) -> Result<u64> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut written = 0;
        {
            let mut upsert = tx.prepare_cached(UPSERT_PRODUCT)?;
            let mut visiting = tx.prepare_cached("SELECT visiting > 0 FROM products WHERE id = ?1")?;
            let now = self.clock.now_ms().max(1);
            for (seq, product) in found {
                upsert_product(&mut upsert, product, *seq, now)?;
                if visiting.query_row([&product.id], |r| r.get::<_, bool>(0))? {
                    search::index_products(&tx, "p.id = ?1", &product.id, true)?;
                    written += 1;
                }
            }
        }
        tx.commit()?;
        Ok(written)
    }

    /// Let go of the visitors the shopper does not need that came more than `VISIT_MS` ago: the
    /// feed does not keep them fresh, and the next search brings them again (a newer visitor
    /// stays, so that results still on screen open). Returns how many went.
    pub fn drop_visitors(&self) -> Result<u64> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before = self.clock.now_ms() - VISIT_MS;
        let gone =
            format!("SELECT rowid FROM products p WHERE p.visiting > 0 AND p.visiting < {before} AND NOT ({NEEDED})");
        tx.execute(&format!("DELETE FROM product_search WHERE rowid IN ({gone})"), [])?;
        let dropped = tx.execute(&format!("DELETE FROM products WHERE rowid IN ({gone})"), [])?;
        tx.commit()?;
        Ok(dropped as u64)
    }
}
