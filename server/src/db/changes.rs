//! The one writer of the catalog's change sequence. Every change to a product — an upsert, an
//! import's row, a delisting — takes the next sequence number here, inside the caller's
//! transaction, and by one rule: a product whose JSON body is byte-for-byte the stored one is
//! no change (and takes no number), so re-reading an unchanged feed moves nothing.

use rusqlite::{params, CachedStatement, OptionalExtension, Transaction};

use super::CatalogError;

pub(crate) struct ChangeWriter<'t> {
    seq: i64,
    stored: CachedStatement<'t>,
    write: CachedStatement<'t>,
    tombstone: CachedStatement<'t>,
}

impl<'t> ChangeWriter<'t> {
    /// Starts after the highest sequence number written so far (the caller's transaction is
    /// IMMEDIATE: no other writer can take a number before it commits).
    pub fn new(tx: &'t Transaction<'_>) -> Result<Self, CatalogError> {
        Ok(ChangeWriter {
            seq: tx.query_row("SELECT coalesce(max(seq), 0) FROM products", [], |r| r.get(0))?,
            stored: tx.prepare_cached("SELECT body FROM products WHERE id = ?1")?,
            write: tx.prepare_cached(
                "INSERT INTO products (id, mall_id, body, seq) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET mall_id = excluded.mall_id, body = excluded.body, seq = excluded.seq",
            )?,
            tombstone: tx.prepare_cached(
                "UPDATE products SET body = NULL, seq = ?2 WHERE id = ?1 AND body IS NOT NULL AND (?3 IS NULL OR mall_id = ?3)",
            )?,
        })
    }

    /// The stored body of a listed product (None: never seen, or delisted).
    pub fn stored(&mut self, id: &str) -> Result<Option<String>, CatalogError> {
        Ok(self.stored.query_row([id], |r| r.get::<_, Option<String>>(0)).optional()?.flatten())
    }

    /// Writes `body` for product `id` of `mall_id` with the next sequence number, unless it is
    /// `stored` already. True when it was a change.
    pub fn put(&mut self, id: &str, mall_id: &str, body: &str, stored: Option<&str>) -> Result<bool, CatalogError> {
        if stored == Some(body) {
            return Ok(false);
        }
        self.seq += 1;
        self.write.execute(params![id, mall_id, body, self.seq])?;
        Ok(true)
    }

    /// Delists product `id` (only if it is `mall`'s, when given): a tombstone with the next
    /// sequence number. True when it was listed.
    pub fn delist(&mut self, id: &str, mall: Option<&str>) -> Result<bool, CatalogError> {
        let delisted = self.tombstone.execute(params![id, self.seq + 1, mall])? == 1;
        if delisted {
            self.seq += 1;
        }
        Ok(delisted)
    }
}
