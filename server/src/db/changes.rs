//! The one writer of the catalog's change sequence. Every change to a product — an upsert, an
//! import's row, a delisting, a move onto or off a shelf — takes the next sequence number here, inside the caller's
//! transaction, and by one rule: a product whose JSON body is byte-for-byte the stored one is
//! no change (and takes no number), so re-reading an unchanged feed moves nothing.
//!
//! Numbers become visible in order. A client that has read up to N never asks below N again,
//! so a writer must never commit N after another committed N+1. Writers are serialised for the
//! length of their transaction: on SQLite by its IMMEDIATE write lock, on PostgreSQL by a
//! transaction-scoped advisory lock taken before the highest number is read (READ COMMITTED:
//! that read then sees every earlier writer's commit). Readers are never blocked.

use moa_protocol::model::Product;

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
        // Shelf moves share the sequence: a device follows its shelf with one cursor.
        let row = tx.query_opt(
            "SELECT max(s) FROM (SELECT coalesce(max(seq), 0) AS s FROM products
                                 UNION ALL SELECT coalesce(max(seq), 0) FROM shelf_moves) AS highest",
            &[],
        )?;
        let seq = row.map_or(Ok(0), |r| r[0].int())?;
        Ok(ChangeWriter { tx, seq })
    }

    /// Records that `product_id` entered (or left) `shelf`, with the next sequence number.
    pub fn move_on_shelf(&mut self, shelf: &str, product_id: &str, entered: bool) -> Result<(), CatalogError> {
        self.seq += 1;
        if entered {
            self.tx
                .execute("INSERT INTO shelf_items (shelf, product_id) VALUES (?1, ?2)", values![shelf, product_id])?;
        } else {
            self.tx
                .execute("DELETE FROM shelf_items WHERE shelf = ?1 AND product_id = ?2", values![shelf, product_id])?;
        }
        self.tx.execute(
            "INSERT INTO shelf_moves (seq, shelf, product_id, entered) VALUES (?1, ?2, ?3, ?4)",
            values![self.seq, shelf, product_id, entered as i64],
        )?;
        Ok(())
    }

    /// The stored body of a listed product (None: never seen, or delisted).
    pub fn stored(&mut self, id: &str) -> Result<Option<String>, CatalogError> {
        match self.tx.query_opt("SELECT body FROM products WHERE id = ?1", values![id])? {
            Some(mut row) => take(&mut row, 0).opt_text(),
            None => Ok(None),
        }
    }

    /// Writes `body` (`product` serialised) with the next sequence number, and the product's
    /// words for search, unless it is `stored` already. True when it was a change.
    pub fn put(&mut self, product: &Product, body: &str, stored: Option<&str>) -> Result<bool, CatalogError> {
        if stored == Some(body) {
            return Ok(false);
        }
        self.seq += 1;
        self.tx.execute(
            "INSERT INTO products (id, mall_id, body, seq) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET mall_id = excluded.mall_id, body = excluded.body, seq = excluded.seq",
            values![product.id.as_str(), product.mall_id.as_str(), body, self.seq],
        )?;
        super::words::put_words(self.tx, product)?;
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
            self.tx.execute("DELETE FROM product_words WHERE product_id = ?1", values![id])?;
        }
        Ok(delisted)
    }
}
