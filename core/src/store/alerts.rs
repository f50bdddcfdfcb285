//! The alerts in the store: the wishlisted products a sync page changes (watched before it is
//! applied), the news found in them (kept once each), and delivery under the shopper's policy.
//! What is news and when to tell are decided in `crate::alerts`; this file only keeps them.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use super::Store;
use crate::alerts::policy::{self, LocalDay};
use crate::alerts::rules::{self, PendingAlert, Watched};
use crate::alerts::{Alert, AlertKind, AlertSettings};
use crate::error::Result;
use crate::events::{Event, NudgeStep};
use moa_protocol::model::Locale;
use moa_protocol::wire::Change;

/// The settings key of the alert settings, and of the last digest's local day.
const SETTINGS_KEY: &str = "alerts.settings";
const DIGEST_DAY_KEY: &str = "alerts.digest_day";

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

/// After a page is applied: keeps the alerts its changes to watched products are news of.
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
        for news in rules::news(w, p) {
            found += insert.execute(params![news.key, news.kind.as_str(), p.id, news.variant_id, news.price, now_ms])?
                as u64;
        }
    }
    Ok(found)
}

impl Store {
    pub fn alert_settings(&self) -> Result<AlertSettings> {
        Ok(self.setting(SETTINGS_KEY)?.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default())
    }

    /// The kind and product of a delivered alert, if it is still kept.
    pub fn alert_kind(&self, alert_id: i64) -> Result<Option<(AlertKind, String)>> {
        let row: Option<(String, String)> = self
            .reader()
            .query_row("SELECT kind, product_id FROM alerts WHERE id = ?1", [alert_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.and_then(|(kind, product)| Some((AlertKind::parse(&kind)?, product))))
    }

    /// The nudge the shopper opened about `product_id` since `since_ms`, if any: a click-out
    /// now follows it.
    pub fn nudge_opened_since(&self, product_id: &str, since_ms: i64) -> Result<Option<AlertKind>> {
        let kind: Option<String> = self
            .reader()
            .query_row(
                "SELECT kind FROM events WHERE product_id = ?1 AND kind LIKE 'nudge_opened.%' AND at_ms >= ?2
                 ORDER BY at_ms DESC LIMIT 1",
                params![product_id, since_ms],
                |r| r.get(0),
            )
            .optional()?;
        Ok(kind.and_then(|k| AlertKind::parse(k.split_once('.')?.1)))
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
        find_sales_ending(&tx, now_ms)?;
        find_nudges(&tx, now_ms, &settings)?;
        let today = LocalDay::at(now_ms, &settings);
        let digest_sent_today = tx
            .query_row("SELECT value FROM settings WHERE key = ?1", [DIGEST_DAY_KEY], |r| r.get::<_, String>(0))
            .optional()?
            .and_then(|v| v.parse::<i64>().ok())
            == Some(today.day);
        if !policy::may_deliver(&settings, today, digest_sent_today) {
            tx.commit()?;
            return Ok(Vec::new());
        }
        let delivered_today: i64 = tx.query_row(
            "SELECT count(*) FROM alerts WHERE delivered_ms >= ?1 AND delivered_ms < ?1 + 86400000",
            [today.start_ms],
            |r| r.get(0),
        )?;
        let due = deliver_pending(&tx, now_ms, locale, &settings, policy::room_left(&settings, delivered_today))?;
        if settings.daily_digest && !due.is_empty() {
            super::write_setting(&tx, DIGEST_DAY_KEY, &today.day.to_string())?;
        }
        tx.commit()?;
        Ok(due)
    }
}

/// Sales ending within a day, on wishlisted products on sale, become alerts (once per sale end).
fn find_sales_ending(tx: &Transaction<'_>, now_ms: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO alerts (key, kind, product_id, variant_id, created_ms)
         SELECT 'sale_end:' || p.id || ':' || p.sale_ends_at, ?4, p.id, w.variant_id, ?1
         FROM wishlist w JOIN products p ON p.id = w.product_id
         WHERE p.sale_ends_at > ?2 AND p.sale_ends_at <= ?2 + ?3 AND p.original_price > p.price AND p.in_stock
         ON CONFLICT (key) DO NOTHING",
        params![now_ms, now_ms / 1000, rules::SALE_ENDING_WINDOW_S, AlertKind::SaleEnding.as_str()],
    )?;
    Ok(())
}

/// How much cheaper a product viewed again must be for a nudge (in tenths: 10 %).
const VIEWED_CHEAPER_TENTHS: i64 = 9;
/// A cart left this long without a purchase is worth a reminder, and no longer than a week.
const CART_WAIT_MS: i64 = 24 * 3_600_000;
const CART_FORGOTTEN_MS: i64 = 7 * 24 * 3_600_000;

/// The nudges whose condition is true now (issue #22), each once per product, from the
/// shopper's own events and the cache: nothing leaves the device for this. A nudge switched
/// off is not looked for.
fn find_nudges(tx: &Transaction<'_>, now_ms: i64, settings: &AlertSettings) -> Result<()> {
    if settings.allows(AlertKind::ViewedCheaper) {
        // Viewed twice or more, not 찜, and now ≥ 10 % below the price at the latest view.
        tx.execute(
            "INSERT INTO alerts (key, kind, product_id, price, created_ms, detail)
             SELECT 'nudge:viewed_cheaper:' || v.product_id, ?2, v.product_id, p.price, ?1,
                    json_object('seen', v.seen, 'views', v.views)
             FROM (SELECT e.product_id, count(*) AS views,
                          (SELECT json_extract(l.detail, '$.price') FROM events l
                           WHERE l.kind = 'product_view' AND l.product_id = e.product_id
                           ORDER BY l.at_ms DESC, l.id DESC LIMIT 1) AS seen
                   FROM events e WHERE e.kind = 'product_view' AND e.product_id IS NOT NULL
                   GROUP BY e.product_id HAVING count(*) >= 2) v
             JOIN products p ON p.id = v.product_id
             WHERE p.in_stock AND v.seen IS NOT NULL AND p.price * 10 <= v.seen * ?3
               AND NOT EXISTS (SELECT 1 FROM wishlist w WHERE w.product_id = v.product_id)
             ON CONFLICT (key) DO NOTHING",
            params![now_ms, AlertKind::ViewedCheaper.as_str(), VIEWED_CHEAPER_TENTHS],
        )?;
    }
    if settings.allows(AlertKind::CartReminder) {
        // Put in the cart a day to a week ago, and not bought since.
        tx.execute(
            "INSERT INTO alerts (key, kind, product_id, created_ms, detail)
             SELECT 'nudge:cart:' || c.product_id, ?2, c.product_id, ?1, json_object('since', c.at)
             FROM (SELECT product_id, max(at_ms) AS at FROM events
                   WHERE kind = 'add_to_cart' AND product_id IS NOT NULL GROUP BY product_id) c
             JOIN products p ON p.id = c.product_id
             WHERE c.at <= ?1 - ?3 AND c.at > ?1 - ?4 AND p.in_stock
               AND NOT EXISTS (SELECT 1 FROM events b WHERE b.kind = 'purchase'
                               AND b.product_id = c.product_id AND b.at_ms >= c.at)
             ON CONFLICT (key) DO NOTHING",
            params![now_ms, AlertKind::CartReminder.as_str(), CART_WAIT_MS, CART_FORGOTTEN_MS],
        )?;
    }
    if settings.allows(AlertKind::LastSize) {
        find_last_sizes(tx, now_ms)?;
    }
    Ok(())
}

/// 찜 items of several sizes down to one, and that one the shopper's (any, with none chosen).
fn find_last_sizes(tx: &Transaction<'_>, now_ms: i64) -> Result<()> {
    let mut stmt = tx.prepare(
        "SELECT w.product_id, w.variant_id, p.variants FROM wishlist w JOIN products p ON p.id = w.product_id
         WHERE p.in_stock AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.key = 'nudge:last_size:' || w.product_id)",
    )?;
    let rows: Vec<(String, Option<String>, String)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    for (product_id, chosen, variants) in rows {
        let variants: Vec<moa_protocol::model::Variant> = serde_json::from_str(&variants).unwrap_or_default();
        if let Some(last) = rules::last_size(&variants, chosen.as_deref()) {
            tx.execute(
                "INSERT INTO alerts (key, kind, product_id, variant_id, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (key) DO NOTHING",
                params![
                    format!("nudge:last_size:{product_id}"),
                    AlertKind::LastSize.as_str(),
                    product_id,
                    last,
                    now_ms
                ],
            )?;
        }
    }
    Ok(())
}

/// Marks up to `room` pending alerts that are still true delivered (oldest first) and drops
/// those that are not (or whose nudge was switched off); returns the delivered ones.
fn deliver_pending(
    tx: &Transaction<'_>,
    now_ms: i64,
    locale: Locale,
    settings: &AlertSettings,
    mut room: i64,
) -> Result<Vec<Alert>> {
    // Each pending alert, with what is true now: still wishlisted, the current price and stock,
    // the sale's end.
    let mut stmt = tx.prepare(
        "SELECT a.id, a.kind, a.product_id, a.variant_id, a.price, a.created_ms,
                w.product_id IS NOT NULL, p.price, p.variants, p.sale_ends_at, w.snapshot, w.price_at_add,
                a.detail, (SELECT o.status FROM orders o WHERE o.mall_id = json_extract(a.detail, '$.mall_id')
                                                          AND o.order_id = json_extract(a.detail, '$.order_id')),
                p.title, p.image_url, p.currency,
                (SELECT max(b.at_ms) FROM events b WHERE b.kind = 'purchase' AND b.product_id = a.product_id)
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
            detail: r.get(12)?,
            order_status: r.get(13)?,
            title: r.get(14)?,
            image_url: r.get(15)?,
            currency: r.get(16)?,
            last_purchase_ms: r.get(17)?,
        })
    })?;
    let mut drop = tx.prepare_cached("UPDATE alerts SET dropped = 1 WHERE id = ?1")?;
    let mut deliver = tx.prepare_cached("UPDATE alerts SET delivered_ms = ?2 WHERE id = ?1")?;
    let mut due = Vec::new();
    for row in rows {
        let pending = row?;
        let wanted = AlertKind::parse(&pending.kind).is_some_and(|k| settings.allows(k));
        match (wanted && pending.still_true(now_ms / 1000)).then(|| pending.to_alert(locale)).flatten() {
            None => {
                drop.execute([pending.id])?;
            }
            Some(alert) if room > 0 => {
                deliver.execute(params![pending.id, now_ms])?;
                room -= 1;
                if alert.kind.is_nudge() {
                    let sent = Event::Nudge {
                        product_id: alert.product_id.clone(),
                        trigger: alert.kind,
                        step: NudgeStep::Sent,
                    };
                    super::user::insert_event(tx, &sent, &format!("{:032x}", rand::random::<u128>()), now_ms)?;
                }
                due.push(alert);
            }
            Some(_) => {}
        }
    }
    Ok(due)
}
