//! The shopper's own data in the store: wishlist (찜) and followed malls. Unlike the catalog,
//! this is not a cache: nothing here is dropped unless the shopper asks.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use std::collections::{HashMap, HashSet};

use super::{lists, Store, SNAPSHOT_JSON};
use crate::error::{Error, Result};
use crate::events::Event;
use moa_protocol::model::{Money, Style};
use moa_protocol::wire::{ListKind, ProductSnapshot};

/// Events kept on the device at most.
const MAX_EVENTS: i64 = 20_000;

/// What the shopper asked not to see (or already bought).
#[derive(Debug, Clone, Default)]
pub struct Exclusions {
    pub products: HashSet<String>,
    pub malls: HashSet<String>,
    pub styles: HashSet<Style>,
}

/// A product the shopper opened, for "recently viewed" (최근 본 상품).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentView {
    pub product_id: String,
    pub viewed_at_ms: i64,
    /// How many times the shopper opened it (the events kept).
    pub times: u32,
    /// Its price the last time they opened it.
    pub price_then: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WishlistItem {
    pub product_id: String,
    /// The size/colour chosen, when the shopper chose one.
    pub variant_id: Option<String>,
    pub added_at: i64,
    pub snapshot: ProductSnapshot,
    /// The snapshot's price as shoppers read it, e.g. "39,800원".
    pub price_text: String,
    /// Still in the catalog (false once the mall delisted it).
    pub listed: bool,
    pub in_stock: bool,
    /// The price when wishlisted (None for items salvaged from an old database).
    pub price_at_add: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowedMall {
    pub mall_id: String,
    /// The mall's name as shoppers know it (its id until the mall list has synced).
    pub name: String,
    /// A few of its products' photos (its most popular in stock), for the malls tab.
    pub image_urls: Vec<String>,
    pub followed_at: i64,
}

impl Store {
    /// Add a cached product to the wishlist (again: updates the chosen variant, keeps the date),
    /// with its operation for the account, in one transaction.
    pub fn add_to_wishlist(&self, product_id: &str, variant_id: Option<&str>, now_ms: i64) -> Result<()> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let sql = format!(
            "INSERT INTO wishlist (product_id, variant_id, added_at, snapshot, price_at_add)
             SELECT p.id, ?2, ?3, {SNAPSHOT_JSON}, p.price FROM products p LEFT JOIN malls m ON m.id = p.mall_id WHERE p.id = ?1
             ON CONFLICT (product_id) DO UPDATE SET variant_id = excluded.variant_id, snapshot = excluded.snapshot"
        );
        if tx.execute(&sql, params![product_id, variant_id, now_ms / 1000])? == 0 {
            return Err(Error::NotFound(format!("product {product_id}")));
        }
        lists::record_op(&tx, ListKind::Wishlist, product_id, true, variant_id, now_ms)?;
        tx.commit()?;
        Ok(())
    }

    /// Remove from the wishlist; removing what is not there is not an error (and not an operation).
    pub fn remove_from_wishlist(&self, product_id: &str, now_ms: i64) -> Result<bool> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let removed = tx.execute("DELETE FROM wishlist WHERE product_id = ?1", [product_id])? == 1;
        if removed {
            lists::record_op(&tx, ListKind::Wishlist, product_id, false, None, now_ms)?;
        }
        tx.commit()?;
        Ok(removed)
    }

    pub fn is_wishlisted(&self, product_id: &str) -> Result<bool> {
        Ok(self.reader().query_row(
            "SELECT EXISTS (SELECT 1 FROM wishlist WHERE product_id = ?1)",
            [product_id],
            |r| r.get(0),
        )?)
    }

    /// The wishlist, newest first.
    pub fn wishlist(&self) -> Result<Vec<WishlistItem>> {
        let conn = self.reader();
        let mut stmt = conn.prepare(
            "SELECT w.product_id, w.variant_id, w.added_at, w.snapshot, p.id IS NOT NULL, coalesce(p.in_stock, 0),
                    w.price_at_add
             FROM wishlist w LEFT JOIN products p ON p.id = w.product_id
             ORDER BY w.added_at DESC, w.product_id",
        )?;
        let rows = stmt.query_map([], |r| {
            let snapshot: ProductSnapshot = serde_json::from_str(&r.get::<_, String>(3)?)
                .map_err(|e| rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, Box::new(e)))?;
            Ok(WishlistItem {
                product_id: r.get(0)?,
                variant_id: r.get(1)?,
                added_at: r.get(2)?,
                price_text: Money { amount: snapshot.price, currency: snapshot.currency.clone() }.display(),
                snapshot,
                listed: r.get(4)?,
                in_stock: r.get(5)?,
                price_at_add: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn follow_mall(&self, mall_id: &str, now_ms: i64) -> Result<()> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let known: Option<i64> =
            tx.query_row("SELECT 1 FROM malls WHERE id = ?1", [mall_id], |r| r.get(0)).optional()?;
        if known.is_none() {
            return Err(Error::NotFound(format!("mall {mall_id}")));
        }
        let added = tx.execute(
            "INSERT INTO followed_malls (mall_id, followed_at) VALUES (?1, ?2) ON CONFLICT (mall_id) DO NOTHING",
            params![mall_id, now_ms / 1000],
        )?;
        if added == 1 {
            lists::record_op(&tx, ListKind::Follows, mall_id, true, None, now_ms)?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn unfollow_mall(&self, mall_id: &str, now_ms: i64) -> Result<bool> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let removed = tx.execute("DELETE FROM followed_malls WHERE mall_id = ?1", [mall_id])? == 1;
        if removed {
            lists::record_op(&tx, ListKind::Follows, mall_id, false, None, now_ms)?;
        }
        tx.commit()?;
        Ok(removed)
    }

    /// The ids of the followed malls: what the feed and the sheet need, without the malls tab's
    /// names and photos (read on every home).
    pub fn followed_mall_ids(&self) -> Result<Vec<String>> {
        let conn = self.reader();
        let mut stmt = conn.prepare("SELECT mall_id FROM followed_malls ORDER BY followed_at, mall_id")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The followed malls for the malls tab: names and a few photos each.
    pub fn followed_malls(&self) -> Result<Vec<FollowedMall>> {
        let conn = self.reader();
        let mut stmt = conn.prepare(
            "SELECT f.mall_id, coalesce(m.name, f.mall_id), f.followed_at,
                    (SELECT json_group_array(image_url) FROM
                        (SELECT image_url FROM products WHERE mall_id = f.mall_id AND in_stock = 1
                         ORDER BY popularity DESC, id LIMIT 3))
             FROM followed_malls f LEFT JOIN malls m ON m.id = f.mall_id ORDER BY f.followed_at, f.mall_id",
        )?;
        let rows = stmt.query_map([], |r| {
            let images: String = r.get(3)?;
            Ok(FollowedMall {
                mall_id: r.get(0)?,
                name: r.get(1)?,
                followed_at: r.get(2)?,
                image_urls: serde_json::from_str(&images).unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        super::read_setting(&self.reader(), key)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        super::write_setting(&self.writer(), key, value)
    }

    pub fn delete_setting(&self, key: &str) -> Result<()> {
        self.writer().execute("DELETE FROM settings WHERE key = ?1", [key])?;
        Ok(())
    }

    /// Record an event with a fresh random id (for idempotent upload later). Impressions also
    /// count towards their product's fatigue.
    pub fn record_event(&self, event: &Event, event_id: &str, at_ms: i64) -> Result<()> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        insert_event(&tx, event, event_id, at_ms)?;
        if let Event::ProductView { product_id, .. } = event {
            // The price the shopper saw, so that "recently viewed" can say what changed since.
            tx.execute(
                "UPDATE events SET detail = json_set(coalesce(detail, '{}'), '$.price',
                                                     (SELECT price FROM products WHERE id = ?2))
                 WHERE event_id = ?1",
                params![event_id, product_id],
            )?;
        }
        if let Event::Impression { product_id, .. } = event {
            tx.execute(
                "INSERT INTO impressions (product_id, shown, last_ms) VALUES (?1, 1, ?2)
                 ON CONFLICT (product_id) DO UPDATE SET shown = shown + 1, last_ms = excluded.last_ms",
                params![product_id, at_ms],
            )?;
        }
        // The size bound: past it, the oldest views, impressions and searches go. Preferences,
        // wishlist, cart and purchase events are never trimmed.
        let total: i64 = tx.query_row("SELECT count(*) FROM events", [], |r| r.get(0))?;
        if total > MAX_EVENTS {
            tx.execute(
                "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE kind IN ('product_view', 'impression', 'search')
                 ORDER BY id LIMIT ?1)",
                [total - MAX_EVENTS],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The products the shopper opened, the most recently opened first, at most `limit`: when
    /// last, how many times, and the price it had then (None: viewed before prices were kept).
    pub fn recent_views(&self, limit: usize) -> Result<Vec<RecentView>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT e.product_id, max(e.at_ms) AS last, count(*),
                    (SELECT json_extract(v.detail, '$.price') FROM events v
                      WHERE v.product_id = e.product_id AND v.kind = 'product_view' ORDER BY v.at_ms DESC LIMIT 1)
               FROM events e WHERE e.kind = 'product_view' AND e.product_id IS NOT NULL
              GROUP BY e.product_id ORDER BY last DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok(RecentView { product_id: r.get(0)?, viewed_at_ms: r.get(1)?, times: r.get(2)?, price_then: r.get(3)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every event that teaches the profile, oldest first, with its time (impressions are
    /// counted in `impressions`, not replayed).
    pub fn profile_events(&self) -> Result<Vec<(i64, Event)>> {
        let conn = self.reader();
        let mut stmt = conn.prepare(
            "SELECT at_ms, kind, product_id, mall_id, dwell_ms, detail FROM events WHERE kind != 'impression' ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                Event::from_row(&r.get::<_, String>(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?),
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            if let (at, Some(event)) = row? {
                out.push((at, event));
            }
        }
        Ok(out)
    }

    /// Events not yet uploaded, oldest first: (row id, the event as uploaded).
    pub fn pending_events(&self, limit: usize) -> Result<Vec<(i64, moa_protocol::wire::UploadedEvent)>> {
        let conn = self.reader();
        let mut stmt = conn.prepare(
            "SELECT id, event_id, at_ms, kind, product_id, mall_id, dwell_ms FROM events WHERE uploaded = 0 ORDER BY id LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok((
                r.get(0)?,
                moa_protocol::wire::UploadedEvent {
                    event_id: r.get(1)?,
                    at_ms: r.get(2)?,
                    kind: r.get(3)?,
                    product_id: r.get(4)?,
                    mall_id: r.get(5)?,
                    dwell_ms: r.get(6)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Mark events as uploaded (the server has them; they may now be trimmed like any other).
    pub fn mark_uploaded(&self, ids: &[i64]) -> Result<()> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        {
            let mut mark = tx.prepare_cached("UPDATE events SET uploaded = 1 WHERE id = ?1")?;
            for id in ids {
                mark.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Rescue sheets shown since `since_ms`, and when the shopper last dismissed one.
    pub fn rescue_history(&self, since_ms: i64) -> Result<(u32, Option<i64>)> {
        let conn = self.reader();
        let shown: u32 = conn.query_row(
            "SELECT count(*) FROM events WHERE kind = 'rescue_shown' AND at_ms >= ?1",
            [since_ms],
            |r| r.get(0),
        )?;
        let dismissed: Option<i64> =
            conn.query_row("SELECT max(at_ms) FROM events WHERE kind = 'rescue_dismissed'", [], |r| r.get(0))?;
        Ok((shown, dismissed))
    }

    /// How often each product was shown.
    pub fn impressions(&self) -> Result<HashMap<String, u32>> {
        let conn = self.reader();
        let mut stmt = conn.prepare("SELECT product_id, shown FROM impressions")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn event_count(&self) -> Result<u64> {
        let n: i64 = self.reader().query_row("SELECT count(*) FROM events", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// Products marked "not interested" or bought, malls and styles hidden.
    pub fn exclusions(&self) -> Result<Exclusions> {
        let conn = self.reader();
        let mut stmt = conn.prepare(
            "SELECT kind, product_id, mall_id, detail FROM events
             WHERE kind IN ('not_interested', 'purchase', 'hide_mall', 'hide_style')",
        )?;
        let mut out = Exclusions::default();
        let rows = stmt
            .query_map([], |r| Ok(Event::from_row(&r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, None, r.get(3)?)))?;
        for event in rows {
            match event? {
                Some(Event::NotInterested { product_id }) | Some(Event::Purchase { product_id }) => {
                    out.products.insert(product_id);
                }
                Some(Event::HideMall { mall_id }) => {
                    out.malls.insert(mall_id);
                }
                Some(Event::HideStyle { style }) => {
                    out.styles.insert(style);
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

/// The settings key of the onboarding profile.
const PROFILE_SETTING: &str = "profile";
/// The settings key of the consent to upload behaviour events.
const CONSENT_SETTING: &str = "consent.events";

impl Store {
    /// The onboarding profile (empty for a guest who skipped it).
    pub fn profile(&self) -> Result<crate::profile::ShopperProfile> {
        Ok(self.setting(PROFILE_SETTING)?.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default())
    }

    pub fn set_profile(&self, profile: &crate::profile::ShopperProfile) -> Result<()> {
        let json = serde_json::to_string(profile).map_err(|e| Error::Internal(e.to_string()))?;
        self.set_setting(PROFILE_SETTING, &json)
    }

    /// Whether the shopper agreed that their behaviour events may leave the device.
    pub fn event_consent(&self) -> Result<bool> {
        Ok(self.setting(CONSENT_SETTING)?.as_deref() == Some("granted"))
    }

    pub fn set_event_consent(&self, granted: bool) -> Result<()> {
        self.set_setting(CONSENT_SETTING, if granted { "granted" } else { "refused" })
    }
}

/// An event's row, written on any connection or transaction (the alert delivery records its
/// nudges in its own transaction).
pub(super) fn insert_event(conn: &rusqlite::Connection, event: &Event, event_id: &str, at_ms: i64) -> Result<()> {
    let row = event.to_row();
    conn.execute(
        "INSERT INTO events (event_id, at_ms, kind, product_id, mall_id, dwell_ms, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![event_id, at_ms, row.kind, row.product_id, row.mall_id, row.dwell_ms.map(|d| d as i64), row.detail],
    )?;
    Ok(())
}
