//! Orders across malls (issue #21). A device registers each click-out (id, mall, time); a mall
//! reports its orders against that id, itself (`POST /v1/malls/{id}/orders`) or through its
//! platform's webhook (`webhooks`); the install that clicked out reads its orders
//! (`GET /v1/me/orders`) and may delete them. Nothing is kept for an order Moa did not refer.

pub mod webhooks;

use moa_protocol::orders::{order_total, OrderList, OrderReport, OrderStatus, RegisteredOutlink, ShopperOrder};

use crate::catalog::CatalogDb;
use crate::db::sql::{first_text, take, values};
use crate::db::CatalogError;

/// Why a report changed nothing and was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// No click-out of this id was registered with this mall.
    UnknownOutlink,
}

impl CatalogDb {
    /// Keep the install's click-outs; an id already registered stays with whoever registered it
    /// first (nobody can take over another install's orders by naming its click-out). Returns
    /// how many were new.
    pub fn register_outlinks(
        &self,
        install_id: &str,
        outlinks: &[RegisteredOutlink],
        now_ms: i64,
    ) -> Result<u64, CatalogError> {
        self.write(|db| {
            let mut new = 0;
            for o in outlinks {
                new += db.execute(
                    "INSERT INTO outlinks (outlink_id, install_id, mall_id, created_ms) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT DO NOTHING",
                    values![&o.outlink_id, install_id, &o.mall_id, now_ms],
                )?;
            }
            Ok(new)
        })
    }

    /// Take one status of one order from `mall_id`. Ok(true) when it changed the order;
    /// Ok(false) for a status already received or behind the order's (out of order, retried).
    pub fn report_order(&self, mall_id: &str, report: &OrderReport) -> Result<Result<bool, Refused>, CatalogError> {
        self.write(|db| {
            let owner = db.query_opt(
                "SELECT install_id FROM outlinks WHERE outlink_id = ?1 AND mall_id = ?2",
                values![&report.outlink_id, mall_id],
            )?;
            let Some(install_id) = owner.map(first_text).transpose()? else { return Ok(Err(Refused::UnknownOutlink)) };
            let first_time = db.execute(
                "INSERT INTO order_reports (mall_id, order_id, status) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                values![mall_id, &report.order_id, report.status.as_str()],
            )? == 1;
            if !first_time {
                return Ok(Ok(false));
            }
            let held = db.query_opt(
                "SELECT body FROM orders WHERE mall_id = ?1 AND order_id = ?2",
                values![mall_id, &report.order_id],
            )?;
            let order = match held.map(first_text).transpose()? {
                None => {
                    // A new order is the mall's purchase from Moa: it counts in the mall's
                    // numbers as a reported conversion (once per click-out, like the others).
                    if report.status < OrderStatus::Cancelled {
                        let total = order_total(&report.items);
                        db.execute(
                            "INSERT INTO conversions (mall_id, outlink_id, amount, currency, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)
                             ON CONFLICT DO NOTHING",
                            values![mall_id, &report.outlink_id, total.amount, &total.currency, report.at_ms],
                        )?;
                    }
                    new_order(mall_id, report)
                }
                Some(body) => {
                    let held: ShopperOrder = serde_json::from_str(&body)?;
                    match moved(held, report) {
                        Some(order) => order,
                        None => return Ok(Ok(false)),
                    }
                }
            };
            db.execute(
                "INSERT INTO orders (mall_id, order_id, outlink_id, install_id, status_rank, body, updated_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (mall_id, order_id) DO UPDATE SET status_rank = excluded.status_rank,
                     body = excluded.body, updated_ms = excluded.updated_ms",
                values![
                    mall_id,
                    &order.order_id,
                    &order.outlink_id,
                    install_id.as_str(),
                    rank(order.status),
                    serde_json::to_string(&order)?.as_str(),
                    order.updated_at_ms
                ],
            )?;
            Ok(Ok(true))
        })
    }

    /// The install's orders, the latest moved first.
    pub fn orders_of(&self, install_id: &str) -> Result<OrderList, CatalogError> {
        let rows = self.read(|db| {
            db.query(
                "SELECT body FROM orders WHERE install_id = ?1 ORDER BY updated_ms DESC, order_id",
                values![install_id],
            )
        })?;
        let mut orders = Vec::with_capacity(rows.len());
        for mut row in rows {
            orders.push(serde_json::from_str(&take(&mut row, 0).text()?)?);
        }
        Ok(OrderList { orders })
    }

    /// The shopper deletes their order history: the install's orders, what was reported about
    /// them and its click-outs (a later report about them is then refused as unknown).
    pub fn forget_orders(&self, install_id: &str) -> Result<u64, CatalogError> {
        self.write(|db| {
            db.execute(
                "DELETE FROM order_reports WHERE EXISTS (SELECT 1 FROM orders o WHERE o.install_id = ?1
                     AND o.mall_id = order_reports.mall_id AND o.order_id = order_reports.order_id)",
                values![install_id],
            )?;
            let orders = db.execute("DELETE FROM orders WHERE install_id = ?1", values![install_id])?;
            db.execute("DELETE FROM outlinks WHERE install_id = ?1", values![install_id])?;
            Ok(orders)
        })
    }

    /// Set the secret `mall_id`'s platform signs its webhooks with.
    pub fn set_webhook_secret(&self, mall_id: &str, secret: &str) -> Result<(), CatalogError> {
        self.read(|db| {
            db.execute(
                "INSERT INTO mall_webhook_secrets (mall_id, secret) VALUES (?1, ?2)
                 ON CONFLICT (mall_id) DO UPDATE SET secret = excluded.secret",
                values![mall_id, secret],
            )
        })?;
        Ok(())
    }

    pub fn webhook_secret(&self, mall_id: &str) -> Result<Option<String>, CatalogError> {
        let row = self
            .read(|db| db.query_opt("SELECT secret FROM mall_webhook_secrets WHERE mall_id = ?1", values![mall_id]))?;
        row.map(first_text).transpose()
    }

    /// Whether this is the first time `mall_id`'s platform delivers `delivery_id` (false: a
    /// replay, or a retry of what was already taken).
    pub fn first_delivery(&self, mall_id: &str, delivery_id: &str, now_ms: i64) -> Result<bool, CatalogError> {
        Ok(self.read(|db| {
            db.execute(
                "INSERT INTO webhook_deliveries (mall_id, delivery_id, received_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
                values![mall_id, delivery_id, now_ms],
            )
        })? == 1)
    }
}

/// The position of a status in an order's life (the `status_rank` column).
fn rank(status: OrderStatus) -> i64 {
    OrderStatus::ALL.iter().position(|s| *s == status).unwrap_or(0) as i64
}

fn new_order(mall_id: &str, r: &OrderReport) -> ShopperOrder {
    ShopperOrder {
        mall_id: mall_id.to_string(),
        order_id: r.order_id.clone(),
        outlink_id: r.outlink_id.clone(),
        items: r.items.clone(),
        status: r.status,
        shipment: r.shipment.clone(),
        ordered_at_ms: r.at_ms,
        updated_at_ms: r.at_ms,
    }
}

/// The order after `r`, or None when `r` is behind it: a status never moves back. The click-out
/// an order came from never changes; items and the parcel are kept when a report leaves them
/// out.
fn moved(held: ShopperOrder, r: &OrderReport) -> Option<ShopperOrder> {
    if r.status <= held.status {
        return None;
    }
    Some(ShopperOrder {
        items: if r.items.is_empty() { held.items } else { r.items.clone() },
        status: r.status,
        shipment: r.shipment.clone().or(held.shipment),
        ordered_at_ms: held.ordered_at_ms.min(r.at_ms),
        updated_at_ms: r.at_ms.max(held.updated_at_ms),
        ..held
    })
}
