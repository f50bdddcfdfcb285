//! The mall registry (who the partner malls are and how to read them) and the import that turns a
//! feed's products into exactly the changes between it and the catalog.

use std::collections::HashSet;

use moa_protocol::model::{Mall, Product};

use super::MallProfile;
use crate::catalog::{bodies, put_mall};
use crate::db::changes::ChangeWriter;
use crate::db::sql::{first_text, values};
use crate::db::{CatalogDb, CatalogError};

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    pub changed: u64,
    pub unchanged: u64,
    pub delisted: u64,
    /// Products not written because their id is another mall's product: an import never
    /// changes which mall a product belongs to.
    pub foreign: Vec<String>,
}

impl CatalogDb {
    /// Register a mall, or update its profile; the apps see it in the mall list at once.
    pub fn put_mall_profile(&self, profile: &MallProfile) -> Result<(), CatalogError> {
        profile.validate().map_err(CatalogError::Invalid)?;
        let body = serde_json::to_string(profile)?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO mall_profiles (id, body) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                values![&profile.id, body],
            )?;
            put_mall(tx, &profile.mall())
        })
    }

    pub fn mall_profile(&self, id: &str) -> Result<Option<MallProfile>, CatalogError> {
        let row = self.read(|db| db.query_opt("SELECT body FROM mall_profiles WHERE id = ?1", values![id]))?;
        row.map(|row| first_text(row).and_then(|b| Ok(serde_json::from_str(&b)?))).transpose()
    }

    pub fn mall_profiles(&self) -> Result<Vec<MallProfile>, CatalogError> {
        bodies(self.read(|db| {
            db.query(&format!("SELECT body FROM mall_profiles ORDER BY {}", db.dialect().by_text("id")), &[])
        })?)
    }

    /// Write one mall's products, in one transaction: each product new or different gets the next
    /// seq (its creation date and popularity kept), identical ones are left alone; with `full`,
    /// the mall's products missing from `products` are delisted; `deletes` are delisted too.
    pub fn import(
        &self,
        mall: &Mall,
        products: &[Product],
        deletes: &[String],
        full: bool,
        now: i64,
    ) -> Result<ImportOutcome, CatalogError> {
        self.write(|tx| {
            put_mall(tx, mall)?;
            let mut outcome = ImportOutcome::default();
            let mut changes = ChangeWriter::new(tx)?;
            for product in products {
                let stored = changes.stored(&product.id)?;
                let old: Option<Product> = stored.as_deref().map(serde_json::from_str).transpose()?;
                if old.as_ref().is_some_and(|old| old.mall_id != mall.id) || product.mall_id != mall.id {
                    outcome.foreign.push(product.id.clone());
                    continue;
                }
                let next = merged(product, old.as_ref(), now);
                let body = serde_json::to_string(&next)?;
                // An unchanged row serialises to the stored body exactly: the one rule of change.
                if changes.put(&next, &body, stored.as_deref())? {
                    outcome.changed += 1;
                } else {
                    outcome.unchanged += 1;
                }
            }
            let mut gone: Vec<String> = deletes.to_vec();
            if full {
                let listed: HashSet<&str> = products.iter().map(|p| p.id.as_str()).collect();
                let rows = tx.query(
                    &format!(
                        "SELECT id FROM products WHERE mall_id = ?1 AND body IS NOT NULL ORDER BY {}",
                        tx.dialect().by_text("id")
                    ),
                    values![&mall.id],
                )?;
                for row in rows {
                    let id = first_text(row)?;
                    if !listed.contains(id.as_str()) {
                        gone.push(id);
                    }
                }
            }
            for id in gone {
                outcome.delisted += changes.delist(&id, Some(&mall.id))? as u64;
            }
            Ok(outcome)
        })
    }
}

/// A feed's product as it is to be stored over `old`: what the feed does not know (or cannot
/// say twice the same way) is kept, so that re-reading an unchanged feed is no change at all;
/// a real change moves `updated_at` on.
fn merged(product: &Product, old: Option<&Product>, now: i64) -> Product {
    let mut next = product.clone();
    if let Some(old) = old {
        next.created_at = old.created_at;
        next.popularity = old.popularity;
        next.updated_at = old.updated_at;
        if &next != old {
            next.updated_at =
                if product.updated_at > old.updated_at { product.updated_at } else { now.max(old.updated_at + 1) };
        }
    }
    next
}
