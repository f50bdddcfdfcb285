//! The one writer of the catalog's change sequence. Every change to a product — an upsert, an
//! import's row, a delisting — takes the next sequence number here, inside the caller's
//! transaction, and by one rule: a product whose JSON body is byte-for-byte the stored one is
//! no change (and takes no number), so re-reading an unchanged feed moves nothing.
//!
//! Numbers become visible in order. A client that has read up to N never asks below N again,
//! so a writer must never commit N after another committed N+1. Writers are serialised for the
//! length of their transaction: on SQLite by its IMMEDIATE write lock, on PostgreSQL by a
//! transaction-scoped advisory lock taken before the highest number is read (READ COMMITTED:
//! that read then sees every earlier writer's commit). Readers are never blocked.

use super::sql::{take, values, Dialect, Sql};
use super::{CatalogError, SEQUENCE_LOCK};

pub(crate) struct ChangeWriter<'t> {
    tx: &'t dyn Sql,
    seq: i64,
}

impl<'t> ChangeWriter<'t> {
    /// Starts after the highest sequence number written so far, holding the sequence until the
    /// caller's transaction ends.
    pub fn new(tx: &'t dyn Sql) -> Result<Self, CatalogError> {
        if tx.dialect() == Dialect::Postgres {
            tx.query("SELECT pg_advisory_xact_lock(?1)", values![SEQUENCE_LOCK])?;
        }
        let row = tx.query_opt("SELECT coalesce(max(seq), 0) FROM products", &[])?;
        let seq = row.map_or(Ok(0), |r| r[0].int())?;
        Ok(ChangeWriter { tx, seq })
    }

    /// The stored body of a listed product (None: never seen, or delisted).
    pub fn stored(&mut self, id: &str) -> Result<Option<String>, CatalogError> {
        match self.tx.query_opt("SELECT body FROM products WHERE id = ?1", values![id])? {
            Some(mut row) => take(&mut row, 0).opt_text(),
            None => Ok(None),
        }
    }

    /// Writes `body` for product `id` of `mall_id` with the next sequence number, unless it is
    /// `stored` already. True when it was a change.
    pub fn put(&mut self, id: &str, mall_id: &str, body: &str, stored: Option<&str>) -> Result<bool, CatalogError> {
        if stored == Some(body) {
            return Ok(false);
        }
        self.seq += 1;
        self.tx.execute(
            "INSERT INTO products (id, mall_id, body, seq) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET mall_id = excluded.mall_id, body = excluded.body, seq = excluded.seq",
            values![id, mall_id, body, self.seq],
        )?;
        Ok(true)
    }

    /// Delists product `id` (only if it is `mall`'s, when given): a tombstone with the next
    /// sequence number. True when it was listed.
    pub fn delist(&mut self, id: &str, mall: Option<&str>) -> Result<bool, CatalogError> {
        let delisted = self.tx.execute(
            "UPDATE products SET body = NULL, seq = ?2
             WHERE id = ?1 AND body IS NOT NULL AND (CAST(?3 AS TEXT) IS NULL OR mall_id = ?3)",
            values![id, self.seq + 1, mall],
        )? == 1;
        if delisted {
            self.seq += 1;
        }
        Ok(delisted)
    }
}
