//! The shopper's orders across malls in the store (issue #21): the click-outs the server is
//! told about, and the orders it reports for them. Each status an order reaches becomes one
//! alert (kept with the others, delivered by the same policy); what orders mean is decided in
//! `crate::orders`.

use rusqlite::{params, OptionalExtension, TransactionBehavior};

use moa_protocol::orders::{OrderStatus, RegisteredOutlink, ShopperOrder};

use super::{from_json_col, to_json, Store};
use crate::alerts::AlertKind;
use crate::error::Result;

/// The alert kind of an order's news.
const ORDER_ALERT: &str = AlertKind::OrderUpdate.as_str();

/// What a list of orders from the server changed.
#[derive(Debug, Default)]
pub(crate) struct OrdersApplied {
    /// Orders the device had not seen (each a purchase to record).
    pub new: Vec<ShopperOrder>,
    /// Orders whose status moved (new ones included).
    pub moved: u64,
}

impl Store {
    /// Keep a click-out, to tell the server about at the next sync.
    pub fn keep_outlink(&self, outlink_id: &str, product_id: &str, mall_id: &str, at_ms: i64) -> Result<()> {
        self.writer().execute(
            "INSERT OR IGNORE INTO outlinks (outlink_id, product_id, mall_id, left_at_ms) VALUES (?1, ?2, ?3, ?4)",
            params![outlink_id, product_id, mall_id, at_ms],
        )?;
        Ok(())
    }

    /// Whether this device ever sent the shopper to a mall (no click-out: no order to ask for).
    pub fn has_outlinks(&self) -> Result<bool> {
        Ok(self.reader().query_row("SELECT EXISTS (SELECT 1 FROM outlinks)", [], |r| r.get(0))?)
    }

    /// Click-outs the server does not know yet, oldest first.
    pub fn unregistered_outlinks(&self, limit: usize) -> Result<Vec<RegisteredOutlink>> {
        let conn = self.reader();
        let mut stmt = conn.prepare(
            "SELECT outlink_id, mall_id, left_at_ms FROM outlinks WHERE registered = 0 ORDER BY left_at_ms LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok(RegisteredOutlink { outlink_id: r.get(0)?, mall_id: r.get(1)?, at_ms: r.get(2)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn mark_outlinks_registered(&self, ids: &[String]) -> Result<()> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        for id in ids {
            tx.execute("UPDATE outlinks SET registered = 1 WHERE outlink_id = ?1", [id])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Take the server's list of the install's orders: new and moved orders are kept, each new
    /// status once as an alert (`alert_detail` says what it is about), in one transaction.
    /// Orders the server no longer lists stay (an order once seen is the shopper's).
    pub(crate) fn apply_orders(
        &self,
        orders: &[ShopperOrder],
        now_ms: i64,
        alert_detail: impl Fn(&ShopperOrder) -> String,
    ) -> Result<OrdersApplied> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut applied = OrdersApplied::default();
        for order in orders {
            let held: Option<String> = tx
                .query_row(
                    "SELECT status FROM orders WHERE mall_id = ?1 AND order_id = ?2",
                    params![order.mall_id, order.order_id],
                    |r| r.get(0),
                )
                .optional()?;
            let held = held.as_deref().and_then(OrderStatus::parse);
            if held.is_some_and(|h| h >= order.status) {
                continue;
            }
            tx.execute(
                "INSERT INTO orders (mall_id, order_id, status, updated_ms, body) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (mall_id, order_id) DO UPDATE SET status = excluded.status,
                     updated_ms = excluded.updated_ms, body = excluded.body",
                params![order.mall_id, order.order_id, order.status.as_str(), order.updated_at_ms, to_json(order)],
            )?;
            applied.moved += 1;
            if held.is_none() {
                applied.new.push(order.clone());
            }
            let product = order.items.first().map(|i| i.product_id.as_str()).unwrap_or_default();
            tx.execute(
                "INSERT INTO alerts (key, kind, product_id, created_ms, detail) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (key) DO NOTHING",
                params![
                    format!("order:{}:{}:{}", order.mall_id, order.order_id, order.status.as_str()),
                    ORDER_ALERT,
                    product,
                    now_ms,
                    alert_detail(order)
                ],
            )?;
        }
        tx.commit()?;
        Ok(applied)
    }

    /// The shopper's orders, the latest moved first.
    pub fn orders(&self) -> Result<Vec<ShopperOrder>> {
        let conn = self.reader();
        let mut stmt = conn.prepare("SELECT body FROM orders ORDER BY updated_ms DESC, order_id")?;
        let bodies = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(bodies.map(|b| from_json_col(&b?, 0)).collect::<rusqlite::Result<_>>()?)
    }

    /// The shopper deletes their order history on this device: the orders, their alerts not
    /// yet delivered, and the click-outs (the server is asked to forget them too).
    pub fn forget_orders(&self) -> Result<u64> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let deleted = tx.execute("DELETE FROM orders", [])?;
        tx.execute("DELETE FROM alerts WHERE kind = ?1 AND delivered_ms IS NULL", [ORDER_ALERT])?;
        tx.execute("DELETE FROM outlinks", [])?;
        tx.commit()?;
        Ok(deleted as u64)
    }
}
