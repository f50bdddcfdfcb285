//! The server's catalog: malls and products in its own SQLite, with the change sequence the
//! apps sync from.
//!
//! Every product row carries the seq of its latest change; a delete keeps the row as a
//! tombstone (no body) with a new seq. The change feed is therefore compacted: a client that
//! asks `after=N` gets the latest state of everything that changed since N, each product once.
//! Writing a product identical to the stored one is not a change.

use moa_protocol::model::{Mall, Product};
use moa_protocol::wire::{
    Conversion, EventBatch, EventBatchResult, InstallCredential, MallDayStats, MallList, PopulationStats,
    UploadedEvent, EVENT_FUTURE_SLACK_MS, EVENT_KINDS, EVENT_TIME_RANGE_MS, EVENT_UPLOAD_WINDOW_MS, MAX_DWELL_MS,
    MAX_EVENT_FIELD,
};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use subtle::ConstantTimeEq;

use crate::db::changes::ChangeWriter;
pub use crate::db::{CatalogDb, CatalogError};
use crate::secrets::{random_hex, sha256_hex};

impl CatalogDb {
    pub fn put_malls(&self, malls: &[Mall]) -> Result<(), CatalogError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for mall in malls {
            tx.execute(
                "INSERT INTO malls (id, body) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                params![mall.id, serde_json::to_string(mall)?],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn malls(&self) -> Result<MallList, CatalogError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT body FROM malls ORDER BY id")?;
        let malls = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .map(|body| Ok(serde_json::from_str(&body?)?))
            .collect::<Result<Vec<Mall>, CatalogError>>()?;
        Ok(MallList { malls })
    }

    /// Store uploaded events, each id once, their times moved onto the server's clock (see
    /// [`EventBatch::sent_at_ms`]); events outside the upload window are rejected. The batch's
    /// install is the caller's to check (its key).
    pub fn ingest_events(&self, batch: &EventBatch, now_ms: i64) -> Result<EventBatchResult, CatalogError> {
        let skew = batch.sent_at_ms.map_or(0, |sent| now_ms.saturating_sub(sent));
        let window = now_ms.saturating_sub(EVENT_UPLOAD_WINDOW_MS)..=now_ms.saturating_add(EVENT_FUTURE_SLACK_MS);
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut result = EventBatchResult { accepted: 0, duplicates: 0, rejected: 0 };
        {
            // The mall is the product's, whatever the device says; without a product, a mall
            // the catalog knows, or none. A device cannot count views for a mall of its choosing.
            let mut insert = tx.prepare(
                "INSERT OR IGNORE INTO events (event_id, install_id, at_ms, kind, product_id, mall_id, dwell_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5,
                         CASE WHEN ?5 IS NOT NULL THEN (SELECT mall_id FROM products WHERE id = ?5)
                              ELSE (SELECT id FROM malls WHERE id = ?6) END,
                         ?7)",
            )?;
            for e in &batch.events {
                let at_ms = e.at_ms.saturating_add(skew);
                if !keepable(&batch.install_id, e) || !window.contains(&at_ms) {
                    result.rejected += 1;
                    continue;
                }
                let dwell = e.dwell_ms.map(|d| d.clamp(0, MAX_DWELL_MS));
                let n = insert.execute(params![
                    e.event_id,
                    batch.install_id,
                    at_ms,
                    e.kind,
                    e.product_id,
                    e.mall_id,
                    dwell
                ])?;
                if n == 1 {
                    result.accepted += 1;
                } else {
                    result.duplicates += 1;
                }
            }
        }
        tx.commit()?;
        Ok(result)
    }

    /// Give a mall the key that opens its statistics. Only the key's SHA-256 is kept (keys are
    /// long and random, so a fast hash is enough): a copy of the database opens nothing.
    pub fn put_mall_key(&self, mall_id: &str, key: &str) -> Result<(), CatalogError> {
        self.conn().execute(
            "INSERT INTO mall_keys (key_hash, mall_id) VALUES (?1, ?2)
             ON CONFLICT (key_hash) DO UPDATE SET mall_id = excluded.mall_id",
            params![sha256_hex(&[key]), mall_id],
        )?;
        Ok(())
    }

    /// The mall a key belongs to.
    pub fn mall_of_key(&self, key: &str) -> Result<Option<String>, CatalogError> {
        Ok(self
            .conn()
            .query_row("SELECT mall_id FROM mall_keys WHERE key_hash = ?1", [sha256_hex(&[key])], |r| r.get(0))
            .optional()?)
    }

    /// Register a new install: its id and the key it proves itself with (kept as SHA-256 only).
    pub fn register_install(&self, now_ms: i64) -> Result<InstallCredential, CatalogError> {
        let credential = InstallCredential { install_id: format!("i-{}", random_hex(16)), key: random_hex(32) };
        self.conn().execute(
            "INSERT INTO installs (install_id, key_hash, created_ms) VALUES (?1, ?2, ?3)",
            params![credential.install_id, sha256_hex(&[&credential.key]), now_ms],
        )?;
        Ok(credential)
    }

    /// Whether `key` is `install_id`'s (None: no such install).
    pub fn install_key_matches(&self, install_id: &str, key: &str) -> Result<Option<bool>, CatalogError> {
        let stored: Option<String> = self
            .conn()
            .query_row("SELECT key_hash FROM installs WHERE install_id = ?1", [install_id], |r| r.get(0))
            .optional()?;
        Ok(stored.map(|hash| {
            let given = sha256_hex(&[key]);
            bool::from(hash.as_bytes().ct_eq(given.as_bytes()))
        }))
    }

    /// Record a purchase the mall reports; a second report of the same outlink is ignored.
    /// Returns whether it was new.
    pub fn put_conversion(&self, mall_id: &str, c: &Conversion) -> Result<bool, CatalogError> {
        Ok(self.conn().execute(
            "INSERT OR IGNORE INTO conversions (mall_id, outlink_id, amount, currency, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![mall_id, c.outlink_id, c.amount.amount, c.amount.currency, c.at_ms],
        )? == 1)
    }

    /// Per Korean day, what shoppers did with one mall.
    pub fn mall_stats(&self, mall_id: &str) -> Result<Vec<MallDayStats>, CatalogError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT date(at_ms / 1000 + 9 * 3600, 'unixepoch') AS day,
                    sum(kind = 'impression'), sum(kind = 'product_view'),
                    coalesce(sum(CASE WHEN kind = 'product_view' THEN max(0, min(dwell_ms, ?4)) END), 0),
                    sum(kind = 'wishlist_add'), sum(kind = 'click_out'),
                    sum(kind = 'returned_from_mall' AND dwell_ms <= 60000),
                    sum(kind = 'rescue_shown'), sum(kind = 'rescue_tapped'), sum(kind = 'purchase')
             FROM events WHERE mall_id = ?1 AND at_ms BETWEEN ?2 AND ?3
             GROUP BY day ORDER BY day",
        )?;
        // Only what is on the calendar, each dwell at most a day: rows stored before these rules
        // (or by hand) cannot break the answer.
        let (first, last) = (*EVENT_TIME_RANGE_MS.start(), *EVENT_TIME_RANGE_MS.end());
        let rows = stmt.query_map(params![mall_id, first, last, MAX_DWELL_MS], |r| {
            Ok(MallDayStats {
                day: r.get(0)?,
                impressions: r.get::<_, i64>(1)? as u64,
                product_views: r.get::<_, i64>(2)? as u64,
                dwell_ms: r.get::<_, i64>(3)? as u64,
                wishlist_adds: r.get::<_, i64>(4)? as u64,
                click_outs: r.get::<_, i64>(5)? as u64,
                quick_returns: r.get::<_, i64>(6)? as u64,
                rescue_shown: r.get::<_, i64>(7)? as u64,
                rescue_tapped: r.get::<_, i64>(8)? as u64,
                purchases: r.get::<_, i64>(9)? as u64,
                reported_purchases: 0,
                reported_amount: 0,
            })
        })?;
        let mut days: Vec<MallDayStats> = rows.collect::<rusqlite::Result<_>>()?;
        let mut stmt = conn.prepare(
            "SELECT date(at_ms / 1000 + 9 * 3600, 'unixepoch') AS day, count(*), sum(amount)
             FROM conversions WHERE mall_id = ?1 AND currency = 'KRW' AND at_ms BETWEEN ?2 AND ?3
             GROUP BY day",
        )?;
        let reported = stmt.query_map(params![mall_id, first, last], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
        })?;
        for row in reported {
            let (day, count, amount) = row?;
            let at = match days.iter().position(|d| d.day == day) {
                Some(at) => at,
                None => {
                    days.push(MallDayStats { day, ..Default::default() });
                    days.len() - 1
                }
            };
            days[at].reported_purchases = count as u64;
            days[at].reported_amount = amount;
        }
        days.sort_by(|a, b| a.day.cmp(&b.day));
        Ok(days)
    }

    /// Replace the population statistics served at `/v1/stats`.
    pub fn put_stats(&self, stats: &PopulationStats) -> Result<(), CatalogError> {
        self.conn().execute(
            "INSERT INTO stats (id, body) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET body = excluded.body",
            [serde_json::to_string(stats)?],
        )?;
        Ok(())
    }

    /// The population statistics as served (an empty set before any were computed).
    pub fn stats_json(&self) -> Result<String, CatalogError> {
        let body: Option<String> =
            self.conn().query_row("SELECT body FROM stats WHERE id = 1", [], |r| r.get(0)).optional()?;
        Ok(match body {
            Some(body) => body,
            None => serde_json::to_string(&PopulationStats::default())?,
        })
    }

    /// Insert or update products; each one that really changed gets the next seq.
    /// Returns how many changed.
    pub fn upsert_products(&self, products: &[Product]) -> Result<u64, CatalogError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut changed = 0;
        {
            let mut changes = ChangeWriter::new(&tx)?;
            for product in products {
                let body = serde_json::to_string(product)?;
                let stored = changes.stored(&product.id)?;
                changed += changes.put(&product.id, &product.mall_id, &body, stored.as_deref())? as u64;
            }
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Delist products: each one that existed becomes a tombstone with the next seq.
    pub fn delete_products(&self, ids: &[&str]) -> Result<u64, CatalogError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut deleted = 0;
        {
            let mut changes = ChangeWriter::new(&tx)?;
            for id in ids {
                deleted += changes.delist(id, None)? as u64;
            }
        }
        tx.commit()?;
        Ok(deleted)
    }

    /// The change feed page after `after`, already serialised: stored bodies are spliced in as
    /// they are, so serving a page never re-encodes products.
    pub fn changes_json(&self, after: u64, limit: u32) -> Result<String, CatalogError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT seq, id, body FROM products WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
        let mut rows = stmt.query(params![after as i64, limit as i64 + 1])?;
        let mut out = String::with_capacity(limit as usize * 900 + 64);
        out.push_str("{\"changes\":[");
        let mut next = after;
        let mut count = 0u32;
        let mut more = false;
        while let Some(row) = rows.next()? {
            if count == limit {
                more = true;
                break;
            }
            let seq: i64 = row.get(0)?;
            let id: String = row.get(1)?;
            let body: Option<String> = row.get(2)?;
            if count > 0 {
                out.push(',');
            }
            match body {
                Some(body) => {
                    out.push_str(&format!("{{\"seq\":{seq},\"op\":\"upsert\",\"product\":"));
                    out.push_str(&body);
                    out.push('}');
                }
                None => out.push_str(&format!(
                    "{{\"seq\":{seq},\"op\":\"delete\",\"product_id\":{}}}",
                    serde_json::to_string(&id)?
                )),
            }
            next = seq as u64;
            count += 1;
        }
        out.push_str(&format!("],\"next\":{next},\"more\":{more}}}"));
        Ok(out)
    }

    pub fn product(&self, id: &str) -> Result<Option<Product>, CatalogError> {
        let body: Option<Option<String>> =
            self.conn().query_row("SELECT body FROM products WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        Ok(body.flatten().map(|b| serde_json::from_str(&b)).transpose()?)
    }

    /// Every listed product (no tombstones), by id.
    /// One mall's listed products that have a photo hash: (id, image URL, hash as hex). Read by
    /// SQLite without decoding the products, as every import asks.
    pub fn photo_hashes_of(&self, mall_id: &str) -> Result<Vec<(String, String, String)>, CatalogError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, json_extract(body, '$.image_url'), json_extract(body, '$.image_hash') FROM products
             WHERE mall_id = ?1 AND body IS NOT NULL AND json_extract(body, '$.image_hash') IS NOT NULL",
        )?;
        let rows = stmt.query_map([mall_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn live_products(&self) -> Result<Vec<Product>, CatalogError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT body FROM products WHERE body IS NOT NULL ORDER BY id")?;
        let products = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .map(|body| Ok(serde_json::from_str(&body?)?))
            .collect::<Result<Vec<Product>, CatalogError>>()?;
        Ok(products)
    }

    /// The listed products as a client that synced up to `cursor` must hold them: every product
    /// whose latest change is at or before the cursor. (Exact while the catalog does not change.)
    pub fn products_up_to(&self, cursor: u64) -> Result<Vec<Product>, CatalogError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT body FROM products WHERE body IS NOT NULL AND seq <= ?1 ORDER BY id")?;
        let products = stmt
            .query_map([cursor as i64], |r| r.get::<_, String>(0))?
            .map(|body| Ok(serde_json::from_str(&body?)?))
            .collect::<Result<Vec<Product>, CatalogError>>()?;
        Ok(products)
    }

    pub fn last_seq(&self) -> Result<u64, CatalogError> {
        let seq: i64 = self.conn().query_row("SELECT coalesce(max(seq), 0) FROM products", [], |r| r.get(0))?;
        Ok(seq as u64)
    }
}

/// Whether an uploaded event is one the catalog keeps: a known kind, a time on the calendar, and
/// ids of sane length.
fn keepable(install_id: &str, e: &UploadedEvent) -> bool {
    let short = |s: &str| !s.is_empty() && s.len() <= MAX_EVENT_FIELD;
    EVENT_KINDS.contains(&e.kind.as_str())
        && EVENT_TIME_RANGE_MS.contains(&e.at_ms)
        && short(&e.event_id)
        && short(install_id)
        && e.product_id.as_deref().is_none_or(short)
        && e.mall_id.as_deref().is_none_or(short)
}
