//! The server's catalog: malls and products in its own SQLite, with the change sequence the
//! apps sync from.
//!
//! Every product row carries the seq of its latest change; a delete keeps the row as a
//! tombstone (no body) with a new seq. The change feed is therefore compacted: a client that
//! asks `after=N` gets the latest state of everything that changed since N, each product once.
//! Writing a product identical to the stored one is not a change.

use moa_protocol::model::{Mall, Product};
use moa_protocol::wire::{
    Conversion, EventBatch, EventBatchResult, InstallCredential, MallDayStats, MallList, NudgeStats, PopulationStats,
    UploadedEvent, EVENT_FUTURE_SLACK_MS, EVENT_KINDS, EVENT_TIME_RANGE_MS, EVENT_UPLOAD_WINDOW_MS, MAX_DWELL_MS,
    MAX_EVENT_FIELD,
};
use subtle::ConstantTimeEq;

use crate::db::changes::ChangeWriter;
use crate::db::sql::{first_text, take, values, Row, Sql};
pub use crate::db::{CatalogDb, CatalogError};
use crate::secrets::{random_hex, sha256_hex};

/// Held-out cases the session model's tuning scores per try (a few seconds on two cores).
const TUNING_CASES: usize = 5_000;

impl CatalogDb {
    pub fn put_malls(&self, malls: &[Mall]) -> Result<(), CatalogError> {
        self.write(|tx| {
            for mall in malls {
                put_mall(tx, mall)?;
            }
            Ok(())
        })
    }

    pub fn malls(&self) -> Result<MallList, CatalogError> {
        let malls =
            bodies(self.read(|db| {
                db.query(&format!("SELECT body FROM malls ORDER BY {}", db.dialect().by_text("id")), &[])
            })?)?;
        Ok(MallList { malls })
    }

    /// Store uploaded events, each id once, their times moved onto the server's clock (see
    /// [`EventBatch::sent_at_ms`]); events outside the upload window are rejected. The batch's
    /// install is the caller's to check (its key).
    pub fn ingest_events(&self, batch: &EventBatch, now_ms: i64) -> Result<EventBatchResult, CatalogError> {
        let skew = batch.sent_at_ms.map_or(0, |sent| now_ms.saturating_sub(sent));
        let window = now_ms.saturating_sub(EVENT_UPLOAD_WINDOW_MS)..=now_ms.saturating_add(EVENT_FUTURE_SLACK_MS);
        self.write(|tx| {
            let mut result = EventBatchResult { accepted: 0, duplicates: 0, rejected: 0 };
            for e in &batch.events {
                let at_ms = e.at_ms.saturating_add(skew);
                if !keepable(&batch.install_id, e) || !window.contains(&at_ms) {
                    result.rejected += 1;
                    continue;
                }
                let dwell = e.dwell_ms.map(|d| d.clamp(0, MAX_DWELL_MS));
                // The mall is the product's, whatever the device says; without a product, a mall
                // the catalog knows, or none. A device cannot count views for a mall of its choosing.
                let n = tx.execute(
                    "INSERT INTO events (event_id, install_id, at_ms, kind, product_id, mall_id, dwell_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5,
                             CASE WHEN CAST(?5 AS TEXT) IS NOT NULL THEN (SELECT mall_id FROM products WHERE id = ?5)
                                  ELSE (SELECT id FROM malls WHERE id = ?6) END,
                             ?7)
                     ON CONFLICT DO NOTHING",
                    values![
                        &e.event_id,
                        &batch.install_id,
                        at_ms,
                        &e.kind,
                        e.product_id.as_deref(),
                        e.mall_id.as_deref(),
                        dwell
                    ],
                )?;
                if n == 1 {
                    result.accepted += 1;
                } else {
                    result.duplicates += 1;
                }
            }
            Ok(result)
        })
    }

    /// Give a mall the key that opens its statistics. Only the key's SHA-256 is kept (keys are
    /// long and random, so a fast hash is enough): a copy of the database opens nothing.
    pub fn put_mall_key(&self, mall_id: &str, key: &str) -> Result<(), CatalogError> {
        self.read(|db| {
            db.execute(
                "INSERT INTO mall_keys (key_hash, mall_id) VALUES (?1, ?2)
                 ON CONFLICT (key_hash) DO UPDATE SET mall_id = excluded.mall_id",
                values![sha256_hex(&[key]), mall_id],
            )
        })?;
        Ok(())
    }

    /// The mall a key belongs to.
    pub fn mall_of_key(&self, key: &str) -> Result<Option<String>, CatalogError> {
        let row = self.read(|db| {
            db.query_opt("SELECT mall_id FROM mall_keys WHERE key_hash = ?1", values![sha256_hex(&[key])])
        })?;
        row.map(first_text).transpose()
    }

    /// Register a new install: its id and the key it proves itself with (kept as SHA-256 only).
    pub fn register_install(&self, now_ms: i64) -> Result<InstallCredential, CatalogError> {
        let credential = InstallCredential { install_id: format!("i-{}", random_hex(16)), key: random_hex(32) };
        self.read(|db| {
            db.execute(
                "INSERT INTO installs (install_id, key_hash, created_ms) VALUES (?1, ?2, ?3)",
                values![&credential.install_id, sha256_hex(&[&credential.key]), now_ms],
            )
        })?;
        Ok(credential)
    }

    /// Whether `key` is `install_id`'s (None: no such install).
    pub fn install_key_matches(&self, install_id: &str, key: &str) -> Result<Option<bool>, CatalogError> {
        let row =
            self.read(|db| db.query_opt("SELECT key_hash FROM installs WHERE install_id = ?1", values![install_id]))?;
        Ok(match row {
            Some(row) => {
                let stored = first_text(row)?;
                let given = sha256_hex(&[key]);
                Some(bool::from(stored.as_bytes().ct_eq(given.as_bytes())))
            }
            None => None,
        })
    }

    /// Record a purchase the mall reports; a second report of the same outlink is ignored.
    /// Returns whether it was new.
    pub fn put_conversion(&self, mall_id: &str, c: &Conversion) -> Result<bool, CatalogError> {
        Ok(self.read(|db| {
            db.execute(
                "INSERT INTO conversions (mall_id, outlink_id, amount, currency, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT DO NOTHING",
                values![mall_id, &c.outlink_id, c.amount.amount, &c.amount.currency, c.at_ms],
            )
        })? == 1)
    }

    /// Per Korean day, what shoppers did with one mall.
    pub fn mall_stats(&self, mall_id: &str) -> Result<Vec<MallDayStats>, CatalogError> {
        // Only what is on the calendar, each dwell at most a day: rows stored before these rules
        // (or by hand) cannot break the answer.
        let (first, last) = (*EVENT_TIME_RANGE_MS.start(), *EVENT_TIME_RANGE_MS.end());
        let (rows, reported) = self.read(|db| {
            let d = db.dialect();
            let count = |kind: &str| format!("CAST(sum(CASE WHEN kind = '{kind}' THEN 1 ELSE 0 END) AS BIGINT)");
            let events = db.query(
                &format!(
                    "SELECT {day} AS day, {impressions}, {views},
                            CAST(coalesce(sum(CASE WHEN kind = 'product_view' THEN {dwell} END), 0) AS BIGINT),
                            {adds}, {clicks},
                            CAST(sum(CASE WHEN kind = 'returned_from_mall' AND dwell_ms <= 60000 THEN 1 ELSE 0 END) AS BIGINT),
                            {shown}, {tapped}, {purchases}
                     FROM events WHERE mall_id = ?1 AND at_ms BETWEEN ?2 AND ?3
                     GROUP BY day ORDER BY day",
                    day = d.korean_day("at_ms"),
                    dwell = d.clamp("dwell_ms", "0", "?4"),
                    impressions = count("impression"),
                    views = count("product_view"),
                    adds = count("wishlist_add"),
                    clicks = count("click_out"),
                    shown = count("rescue_shown"),
                    tapped = count("rescue_tapped"),
                    purchases = count("purchase"),
                ),
                values![mall_id, first, last, MAX_DWELL_MS],
            )?;
            let reported = db.query(
                &format!(
                    "SELECT {day} AS day, count(*), CAST(sum(amount) AS BIGINT)
                     FROM conversions WHERE mall_id = ?1 AND currency = 'KRW' AND at_ms BETWEEN ?2 AND ?3
                     GROUP BY day",
                    day = d.korean_day("at_ms")
                ),
                values![mall_id, first, last],
            )?;
            let nudges = db.query(
                &format!(
                    "SELECT {day} AS day, kind, count(*) FROM events
                     WHERE mall_id = ?1 AND at_ms BETWEEN ?2 AND ?3 AND kind LIKE 'nudge%'
                     GROUP BY day, kind ORDER BY day, kind",
                    day = d.korean_day("at_ms")
                ),
                values![mall_id, first, last],
            )?;
            Ok((events, (reported, nudges)))
        })?;
        let (reported, nudges) = reported;
        let mut days = rows.into_iter().map(event_day).collect::<Result<Vec<_>, _>>()?;
        for row in reported {
            let (count, amount) = (row[1].int()?, row[2].int()?);
            let at = day_index(&mut days, first_text(row)?);
            days[at].reported_purchases = count as u64;
            days[at].reported_amount = amount;
        }
        add_nudges(&mut days, nudges)?;
        days.sort_by(|a, b| a.day.cmp(&b.day));
        Ok(days)
    }

    /// Replace the population statistics served at `/v1/stats`. Unless they already say how,
    /// the session model is tuned on their sessions here, and the devices rank with what it
    /// chose (issue #18).
    pub fn put_stats(&self, stats: &PopulationStats) -> Result<(), CatalogError> {
        let tuned;
        let stats = match stats.session_model {
            Some(_) => stats,
            None => {
                tuned = PopulationStats {
                    session_model: moa_rank::tune::tune_population(stats, TUNING_CASES),
                    ..stats.clone()
                };
                &tuned
            }
        };
        let body = serde_json::to_string(stats)?;
        self.read(|db| {
            db.execute(
                "INSERT INTO stats (id, body) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                values![body],
            )
        })?;
        Ok(())
    }

    /// The population statistics as served (an empty set before any were computed).
    pub fn stats_json(&self) -> Result<String, CatalogError> {
        let row = self.read(|db| db.query_opt("SELECT body FROM stats WHERE id = 1", &[]))?;
        Ok(match row {
            Some(row) => first_text(row)?,
            None => serde_json::to_string(&PopulationStats::default())?,
        })
    }

    /// Insert or update products; each one that really changed gets the next seq.
    /// Returns how many changed.
    pub fn upsert_products(&self, products: &[Product]) -> Result<u64, CatalogError> {
        self.write(|tx| {
            let mut changes = ChangeWriter::new(tx)?;
            let mut changed = 0;
            for product in products {
                let body = serde_json::to_string(product)?;
                let stored = changes.stored(&product.id)?;
                changed += changes.put(product, &body, stored.as_deref())? as u64;
            }
            Ok(changed)
        })
    }

    /// Delist products: each one that existed becomes a tombstone with the next seq.
    pub fn delete_products(&self, ids: &[&str]) -> Result<u64, CatalogError> {
        self.write(|tx| {
            let mut changes = ChangeWriter::new(tx)?;
            let mut deleted = 0;
            for id in ids {
                deleted += changes.delist(id, None)? as u64;
            }
            Ok(deleted)
        })
    }

    /// The change feed page after `after`, already serialised: stored bodies are spliced in as
    /// they are, so serving a page never re-encodes products.
    pub fn changes_json(&self, after: u64, limit: u32) -> Result<String, CatalogError> {
        let rows = self.read(|db| {
            db.query(
                "SELECT seq, id, body, 'change' FROM products WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                values![after as i64, limit as i64 + 1],
            )
        })?;
        page_json(rows, after, limit)
    }

    pub fn product(&self, id: &str) -> Result<Option<Product>, CatalogError> {
        let row = self.read(|db| db.query_opt("SELECT body FROM products WHERE id = ?1", values![id]))?;
        let body = match row {
            Some(mut row) => take(&mut row, 0).opt_text()?,
            None => None,
        };
        Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
    }

    /// One mall's listed products that have a photo hash: (id, image URL, hash as hex). Read by
    /// the database without decoding the products, as every import asks.
    pub fn photo_hashes_of(&self, mall_id: &str) -> Result<Vec<(String, String, String)>, CatalogError> {
        let rows = self.read(|db| {
            let d = db.dialect();
            db.query(
                &format!(
                    "SELECT id, {url}, {hash} FROM products
                     WHERE mall_id = ?1 AND body IS NOT NULL AND {hash} IS NOT NULL",
                    url = d.json_text("body", "image_url"),
                    hash = d.json_text("body", "image_hash"),
                ),
                values![mall_id],
            )
        })?;
        rows.into_iter()
            .map(|mut row| Ok((take(&mut row, 0).text()?, take(&mut row, 1).text()?, take(&mut row, 2).text()?)))
            .collect()
    }

    /// Every listed product (no tombstones), by id.
    pub fn live_products(&self) -> Result<Vec<Product>, CatalogError> {
        let rows = self.read(|db| {
            db.query(
                &format!("SELECT body FROM products WHERE body IS NOT NULL ORDER BY {}", db.dialect().by_text("id")),
                &[],
            )
        })?;
        bodies(rows)
    }

    /// The listed products as a client that synced up to `cursor` must hold them: every product
    /// whose latest change is at or before the cursor. (Exact while the catalog does not change.)
    pub fn products_up_to(&self, cursor: u64) -> Result<Vec<Product>, CatalogError> {
        let rows = self.read(|db| {
            db.query(
                &format!(
                    "SELECT body FROM products WHERE body IS NOT NULL AND seq <= ?1 ORDER BY {}",
                    db.dialect().by_text("id")
                ),
                values![cursor as i64],
            )
        })?;
        bodies(rows)
    }

    pub fn last_seq(&self) -> Result<u64, CatalogError> {
        let row = self.read(|db| db.query_opt("SELECT coalesce(max(seq), 0) FROM products", &[]))?;
        Ok(row.map_or(Ok(0), |r| r[0].int())? as u64)
    }
}

/// Register `mall` (or update it) inside a transaction.
pub(crate) fn put_mall(tx: &dyn Sql, mall: &Mall) -> Result<(), CatalogError> {
    tx.execute(
        "INSERT INTO malls (id, body) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET body = excluded.body",
        values![&mall.id, serde_json::to_string(mall)?],
    )?;
    Ok(())
}

/// Each row's one column, a JSON body, read as `T`.
pub(crate) fn bodies<T: serde::de::DeserializeOwned>(rows: Vec<Row>) -> Result<Vec<T>, CatalogError> {
    rows.into_iter().map(|row| Ok(serde_json::from_str(&first_text(row)?)?)).collect()
}

/// Whether an uploaded event is one the catalog keeps: a known kind, a time on the calendar, and
/// ids of sane length.
/// A day's counts from the events (the row of `mall_stats`' first query).
fn event_day(row: Row) -> Result<MallDayStats, CatalogError> {
    let n = |i: usize| row[i].int().map(|v| v as u64);
    Ok(MallDayStats {
        day: row[0].clone().text()?,
        impressions: n(1)?,
        product_views: n(2)?,
        dwell_ms: n(3)?,
        wishlist_adds: n(4)?,
        click_outs: n(5)?,
        quick_returns: n(6)?,
        rescue_shown: n(7)?,
        rescue_tapped: n(8)?,
        purchases: n(9)?,
        reported_purchases: 0,
        reported_amount: 0,
        nudges: Vec::new(),
    })
}

/// Where `day` is in `days`, added empty when it is not yet.
fn day_index(days: &mut Vec<MallDayStats>, day: String) -> usize {
    match days.iter().position(|d| d.day == day) {
        Some(at) => at,
        None => {
            days.push(MallDayStats { day, ..Default::default() });
            days.len() - 1
        }
    }
}

/// The nudge counts (rows of day, `nudge_{step}.{trigger}`, count) into each day's stats.
fn add_nudges(days: &mut Vec<MallDayStats>, rows: Vec<Row>) -> Result<(), CatalogError> {
    for mut row in rows {
        let count = row[2].int()? as u64;
        let kind = take(&mut row, 1).text()?;
        let day = take(&mut row, 0).text()?;
        let Some((step, trigger)) = kind.strip_prefix("nudge_").and_then(|k| k.split_once('.')) else { continue };
        let at = day_index(days, day);
        let nudges = &mut days[at].nudges;
        let i = match nudges.iter().position(|n| n.trigger == trigger) {
            Some(i) => i,
            None => {
                nudges.push(NudgeStats { trigger: trigger.to_string(), ..Default::default() });
                nudges.len() - 1
            }
        };
        match step {
            "sent" => nudges[i].sent += count,
            "opened" => nudges[i].opened += count,
            "clicked" => nudges[i].clicked += count,
            _ => {}
        }
    }
    Ok(())
}

fn keepable(install_id: &str, e: &UploadedEvent) -> bool {
    let short = |s: &str| !s.is_empty() && s.len() <= MAX_EVENT_FIELD;
    EVENT_KINDS.contains(&e.kind.as_str())
        && EVENT_TIME_RANGE_MS.contains(&e.at_ms)
        && short(&e.event_id)
        && short(install_id)
        && e.product_id.as_deref().is_none_or(short)
        && e.mall_id.as_deref().is_none_or(short)
}

/// A change page from rows of (seq, product id, body, what happened): "change" (an upsert, or a
/// delete when the body is gone), "enter" (a product came onto a shelf: its body) or "leave".
/// One row past `limit` says there is more.
pub(crate) fn page_json(rows: Vec<Row>, after: u64, limit: u32) -> Result<String, CatalogError> {
    let more = rows.len() > limit as usize;
    let mut out = String::with_capacity(limit as usize * 900 + 64);
    out.push_str("{\"changes\":[");
    let mut next = after;
    for (i, mut row) in rows.into_iter().take(limit as usize).enumerate() {
        let seq = row[0].int()?;
        let id = take(&mut row, 1).text()?;
        let happened = take(&mut row, 3).text()?;
        if i > 0 {
            out.push(',');
        }
        match (happened.as_str(), take(&mut row, 2).opt_text()?) {
            ("leave", _) => out.push_str(&format!(
                "{{\"seq\":{seq},\"op\":\"leave\",\"product_id\":{}}}",
                serde_json::to_string(&id)?
            )),
            (_, Some(body)) => {
                out.push_str(&format!("{{\"seq\":{seq},\"op\":\"upsert\",\"product\":"));
                out.push_str(&body);
                out.push('}');
            }
            (_, None) => out.push_str(&format!(
                "{{\"seq\":{seq},\"op\":\"delete\",\"product_id\":{}}}",
                serde_json::to_string(&id)?
            )),
        }
        next = seq as u64;
    }
    out.push_str(&format!("],\"next\":{next},\"more\":{more}}}"));
    Ok(out)
}
