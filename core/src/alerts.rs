//! Alerts about wishlisted products: a price drop worth telling, the chosen size back in stock,
//! a sale about to end. Found when a sync changes a wishlisted product (or, for sale ends, when
//! delivery time comes), stored once each, and delivered by a policy that respects people: a
//! daily digest by default, nothing in quiet hours, a cap per day, never the same alert twice,
//! and nothing that stopped being true while it waited.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use moa_protocol::model::{Locale, Money, Variant};
use crate::store::Store;
use moa_protocol::wire::Change;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    PriceDrop,
    BackInStock,
    SaleEnding,
}

impl AlertKind {
    fn as_str(self) -> &'static str {
        match self {
            AlertKind::PriceDrop => "price_drop",
            AlertKind::BackInStock => "back_in_stock",
            AlertKind::SaleEnding => "sale_ending",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [AlertKind::PriceDrop, AlertKind::BackInStock, AlertKind::SaleEnding].into_iter().find(|k| k.as_str() == s)
    }
}

/// One alert, ready to become a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub alert_id: i64,
    pub kind: AlertKind,
    pub product_id: String,
    pub variant_id: Option<String>,
    pub title: String,
    pub body: String,
    pub image_url: String,
    pub created_ms: i64,
}

/// How alerts reach the shopper. The defaults are the polite ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertSettings {
    pub enabled: bool,
    /// One digest a day at `digest_hour` (local time) instead of alerts as they come.
    pub daily_digest: bool,
    pub digest_hour: u8,
    /// Nothing is delivered from `quiet_start_hour` to `quiet_end_hour` (local; may wrap midnight;
    /// equal hours: no quiet hours).
    pub quiet_start_hour: u8,
    pub quiet_end_hour: u8,
    /// At most this many alerts a local day; the rest wait for the next day.
    pub max_per_day: u32,
    /// The shopper's offset from UTC, in minutes (Korea: 540).
    pub utc_offset_minutes: i32,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            enabled: true,
            daily_digest: true,
            digest_hour: 20,
            quiet_start_hour: 22,
            quiet_end_hour: 8,
            max_per_day: 3,
            utc_offset_minutes: 540,
        }
    }
}

/// Hears alerts when they are due: the apps turn them into notifications.
pub trait AlertListener: Send + Sync {
    fn on_alerts(&self, alerts: Vec<Alert>);
}

/// A sale is "ending soon" in its last day.
const SALE_ENDING_WINDOW_S: i64 = 24 * 3600;

/// Whether the shopper's chosen size (or, with none chosen, any size) can be bought.
fn can_buy(variants: &[Variant], chosen: Option<&str>) -> bool {
    match chosen {
        Some(id) => variants.iter().any(|v| v.id == id && v.available),
        None => variants.iter().any(|v| v.available),
    }
}

/// A wishlisted product as it was before a sync page.
pub(crate) struct Watched {
    variant_id: Option<String>,
    price_at_add: Option<i64>,
    /// The cached price and variants; None when the product was not in the cache.
    before: Option<(i64, Vec<Variant>)>,
}

/// Before a page is applied: the wishlisted products it changes, as they were.
pub(crate) fn watch(tx: &Transaction<'_>, changes: &[Change]) -> Result<HashMap<String, Watched>> {
    let mut watched = HashMap::new();
    let wishlisted: i64 = tx.query_row("SELECT count(*) FROM wishlist", [], |r| r.get(0))?;
    if wishlisted == 0 {
        return Ok(watched);
    }
    let mut stmt = tx.prepare_cached(
        "SELECT w.variant_id, w.price_at_add, p.price, p.variants FROM wishlist w
         LEFT JOIN products p ON p.id = w.product_id WHERE w.product_id = ?1",
    )?;
    for change in changes {
        let Change::Upsert { product, .. } = change else { continue };
        let row = stmt
            .query_row([&product.id], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })
            .optional()?;
        if let Some((variant_id, price_at_add, price, variants)) = row {
            let before = match (price, variants) {
                (Some(price), Some(v)) => Some((price, serde_json::from_str(&v).unwrap_or_default())),
                _ => None,
            };
            watched.insert(product.id.clone(), Watched { variant_id, price_at_add, before });
        }
    }
    Ok(watched)
}

/// After a page is applied: the alerts its changes to watched products are news of.
pub(crate) fn detect(
    tx: &Transaction<'_>,
    watched: &HashMap<String, Watched>,
    changes: &[Change],
    now_ms: i64,
) -> Result<u64> {
    if watched.is_empty() {
        return Ok(0);
    }
    let mut insert = tx.prepare_cached(
        "INSERT INTO alerts (key, kind, product_id, variant_id, price, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (key) DO NOTHING",
    )?;
    let mut found = 0;
    for change in changes {
        let Change::Upsert { product: p, .. } = change else { continue };
        let Some(w) = watched.get(&p.id) else { continue };
        let price = p.price.amount;
        // Price drop: below the price when wishlisted (or, for old items, the last price seen),
        // by enough to matter, and lower than just before (a drop, not a rise back).
        let reference = w.price_at_add.or(w.before.as_ref().map(|b| b.0));
        if let Some(reference) = reference {
            let worth = moa_protocol::model::is_price_drop_worth_telling(reference, price, &p.price.currency);
            let falling = w.before.as_ref().is_none_or(|b| price < b.0);
            if worth && falling {
                found += insert.execute(params![
                    format!("price:{}:{price}", p.id),
                    AlertKind::PriceDrop.as_str(),
                    p.id,
                    w.variant_id,
                    price,
                    now_ms
                ])? as u64;
            }
        }
        // Back in stock: the chosen size (or, with none chosen, any) was sold out and is not.
        if let Some((_, before)) = &w.before {
            let chosen = w.variant_id.as_deref();
            if !can_buy(before, chosen) && can_buy(&p.variants, chosen) {
                let key = format!("restock:{}:{}:{}", p.id, w.variant_id.as_deref().unwrap_or("*"), p.updated_at);
                found += insert.execute(params![
                    key,
                    AlertKind::BackInStock.as_str(),
                    p.id,
                    w.variant_id,
                    None::<i64>,
                    now_ms
                ])? as u64;
            }
        }
    }
    Ok(found)
}

/// The settings key of the alert settings, and of the last digest's local day.
const SETTINGS_KEY: &str = "alerts.settings";
const DIGEST_DAY_KEY: &str = "alerts.digest_day";

impl Store {
    pub fn alert_settings(&self) -> Result<AlertSettings> {
        Ok(self.setting(SETTINGS_KEY)?.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default())
    }

    pub fn set_alert_settings(&self, settings: &AlertSettings) -> Result<()> {
        self.set_setting(SETTINGS_KEY, &serde_json::to_string(settings).expect("settings serialise"))
    }

    /// The alerts due at `now_ms` under the shopper's settings, marked delivered (so never sent
    /// twice). Alerts that stopped being true are dropped; those over the day's cap wait.
    pub fn take_due_alerts(&self, now_ms: i64, locale: Locale) -> Result<Vec<Alert>> {
        let settings = self.alert_settings()?;
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Sales ending within a day, on wishlisted products on sale.
        tx.execute(
            "INSERT INTO alerts (key, kind, product_id, variant_id, created_ms)
             SELECT 'sale_end:' || p.id || ':' || p.sale_ends_at, 'sale_ending', p.id, w.variant_id, ?1
             FROM wishlist w JOIN products p ON p.id = w.product_id
             WHERE p.sale_ends_at > ?2 AND p.sale_ends_at <= ?2 + ?3 AND p.original_price > p.price AND p.in_stock
             ON CONFLICT (key) DO NOTHING",
            params![now_ms, now_ms / 1000, SALE_ENDING_WINDOW_S],
        )?;
        let local_ms = now_ms + settings.utc_offset_minutes as i64 * 60_000;
        let day = local_ms.div_euclid(86_400_000);
        let hour = (local_ms.rem_euclid(86_400_000) / 3_600_000) as u8;
        let (start, end) = (settings.quiet_start_hour, settings.quiet_end_hour);
        let quiet = if start <= end { start <= hour && hour < end } else { hour >= start || hour < end };
        let digest_sent_today = tx
            .query_row("SELECT value FROM settings WHERE key = ?1", [DIGEST_DAY_KEY], |r| r.get::<_, String>(0))
            .optional()?
            .and_then(|v| v.parse::<i64>().ok())
            == Some(day);
        let not_yet = settings.daily_digest && (hour < settings.digest_hour || digest_sent_today);
        if !settings.enabled || quiet || not_yet {
            tx.commit()?;
            return Ok(Vec::new());
        }
        let day_start_ms = day * 86_400_000 - settings.utc_offset_minutes as i64 * 60_000;
        let delivered_today: i64 = tx.query_row(
            "SELECT count(*) FROM alerts WHERE delivered_ms >= ?1 AND delivered_ms < ?1 + 86400000",
            [day_start_ms],
            |r| r.get(0),
        )?;
        let mut room = (settings.max_per_day as i64 - delivered_today).max(0);
        let mut due = Vec::new();
        {
            // Each pending alert, with what is true now: still wishlisted, the current price and
            // stock, the sale's end.
            let mut stmt = tx.prepare(
                "SELECT a.id, a.kind, a.product_id, a.variant_id, a.price, a.created_ms,
                        w.product_id IS NOT NULL, p.price, p.variants, p.sale_ends_at, w.snapshot, w.price_at_add
                 FROM alerts a LEFT JOIN wishlist w ON w.product_id = a.product_id
                 LEFT JOIN products p ON p.id = a.product_id
                 WHERE a.delivered_ms IS NULL AND a.dropped = 0 ORDER BY a.created_ms, a.id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(PendingAlert {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    product_id: r.get(2)?,
                    variant_id: r.get(3)?,
                    alert_price: r.get(4)?,
                    created_ms: r.get(5)?,
                    wishlisted: r.get(6)?,
                    price: r.get(7)?,
                    variants: r.get(8)?,
                    sale_ends_at: r.get(9)?,
                    snapshot: r.get(10)?,
                    price_at_add: r.get(11)?,
                })
            })?;
            let mut drop = tx.prepare_cached("UPDATE alerts SET dropped = 1 WHERE id = ?1")?;
            let mut deliver = tx.prepare_cached("UPDATE alerts SET delivered_ms = ?2 WHERE id = ?1")?;
            for row in rows {
                let pending = row?;
                match pending.still_true(now_ms / 1000).then(|| pending.to_alert(locale)).flatten() {
                    None => {
                        drop.execute([pending.id])?;
                    }
                    Some(alert) if room > 0 => {
                        deliver.execute(params![pending.id, now_ms])?;
                        room -= 1;
                        due.push(alert);
                    }
                    Some(_) => {}
                }
            }
        }
        if settings.daily_digest && !due.is_empty() {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![DIGEST_DAY_KEY, day.to_string()],
            )?;
        }
        tx.commit()?;
        Ok(due)
    }
}

struct PendingAlert {
    id: i64,
    kind: String,
    product_id: String,
    variant_id: Option<String>,
    alert_price: Option<i64>,
    created_ms: i64,
    wishlisted: bool,
    price: Option<i64>,
    variants: Option<String>,
    sale_ends_at: Option<i64>,
    snapshot: Option<String>,
    price_at_add: Option<i64>,
}

impl PendingAlert {
    /// Whether the news is still news: an alert about a price that rose again, a size sold out
    /// again, an ended sale, or an item no longer wishlisted is not sent.
    fn still_true(&self, now_s: i64) -> bool {
        let Some(price) = self.price else { return false };
        if !self.wishlisted {
            return false;
        }
        let variants: Vec<Variant> =
            self.variants.as_deref().and_then(|v| serde_json::from_str(v).ok()).unwrap_or_default();
        let available = can_buy(&variants, self.variant_id.as_deref());
        match AlertKind::parse(&self.kind) {
            Some(AlertKind::PriceDrop) => available && self.alert_price.is_some_and(|p| price <= p),
            Some(AlertKind::BackInStock) => available,
            Some(AlertKind::SaleEnding) => available && self.sale_ends_at.is_some_and(|t| t > now_s),
            None => false,
        }
    }

    fn to_alert(&self, locale: Locale) -> Option<Alert> {
        let kind = AlertKind::parse(&self.kind)?;
        let snapshot: moa_protocol::wire::ProductSnapshot = serde_json::from_str(self.snapshot.as_deref()?).ok()?;
        let money = |amount: i64| Money { amount, currency: snapshot.currency.clone() }.display();
        let now_price = self.price?;
        let ko = locale == Locale::Ko;
        let (title, body) = match kind {
            AlertKind::PriceDrop => {
                let was = self.price_at_add.unwrap_or(snapshot.price);
                let percent = moa_protocol::model::discount_percent(now_price, Some(was)).unwrap_or(0);
                if ko {
                    (
                        "찜한 상품 가격이 내렸어요".to_string(),
                        format!("{} {} → {} ({percent}%↓)", snapshot.title, money(was), money(now_price)),
                    )
                } else {
                    (
                        "A wishlisted item got cheaper".to_string(),
                        format!("{} {} → {} ({percent}% off)", snapshot.title, money(was), money(now_price)),
                    )
                }
            }
            AlertKind::BackInStock => {
                if ko {
                    ("찜한 상품이 다시 입고됐어요".to_string(), format!("{} · {}", snapshot.title, money(now_price)))
                } else {
                    ("Back in stock".to_string(), format!("{} · {}", snapshot.title, money(now_price)))
                }
            }
            AlertKind::SaleEnding => {
                if ko {
                    ("찜한 상품 세일이 곧 끝나요".to_string(), format!("{} · {}", snapshot.title, money(now_price)))
                } else {
                    ("Sale ends soon".to_string(), format!("{} · {}", snapshot.title, money(now_price)))
                }
            }
        };
        Some(Alert {
            alert_id: self.id,
            kind,
            product_id: self.product_id.clone(),
            variant_id: self.variant_id.clone(),
            title,
            body,
            image_url: snapshot.image_url,
            created_ms: self.created_ms,
        })
    }
}
