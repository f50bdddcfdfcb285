//! Orders across malls (issue #21): what a mall reports about an order Moa referred, and what a
//! shopper's device receives. Moa keeps an order only when it came from one of its click-outs
//! (the `moa_outlink` parameter of the link), and only for the install that made that click-out.

use serde::{Deserialize, Serialize};

use crate::model::Money;

/// Where an order is. The order of the variants is the order of a normal life: a report never
/// moves an order back to an earlier status (reports arrive out of order; webhooks are retried).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Ordered,
    Paid,
    Preparing,
    Shipped,
    Delivered,
    Cancelled,
    Returned,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::Ordered,
        OrderStatus::Paid,
        OrderStatus::Preparing,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
        OrderStatus::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Ordered => "ordered",
            OrderStatus::Paid => "paid",
            OrderStatus::Preparing => "preparing",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One line of an order: a product of the mall (Moa's product id), the size or colour bought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderItem {
    pub product_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
    /// The name the mall gave the line (the product may have left the catalog since).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub quantity: u32,
    /// The price of one, as paid.
    pub price: Money,
}

/// What an order's lines cost together, in the first line's currency (KRW for none): the
/// mall's reported purchase on the server, the total on the shopper's order card.
pub fn order_total(items: &[OrderItem]) -> Money {
    let amount = items.iter().map(|i| i.price.amount.saturating_mul(i.quantity as i64)).fold(0i64, i64::saturating_add);
    let currency = items.first().map_or_else(|| "KRW".to_string(), |i| i.price.currency.clone());
    Money { amount, currency }
}

/// The parcel: who carries it and its tracking number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    /// The carrier's name as the mall gives it ("CJ대한통운").
    pub carrier: String,
    pub tracking_number: String,
}

/// `POST /v1/malls/{id}/orders` (with the mall's key), or what a platform's webhook adapter
/// makes of the platform's body: one status of one order. Idempotent by (mall, order id,
/// status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderReport {
    /// The mall's own order number.
    pub order_id: String,
    /// The click-out the order came from (the link's `moa_outlink`).
    pub outlink_id: String,
    pub items: Vec<OrderItem>,
    pub status: OrderStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment: Option<Shipment>,
    /// When the order reached this status, Unix ms.
    pub at_ms: i64,
}

/// What the server answers a report: whether it changed the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderReportResult {
    /// False for a report already received, or one behind the order's status.
    pub changed: bool,
}

/// One order as its shopper's device holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopperOrder {
    pub mall_id: String,
    pub order_id: String,
    pub outlink_id: String,
    pub items: Vec<OrderItem>,
    pub status: OrderStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment: Option<Shipment>,
    /// When the mall first reported the order, and when its status last moved (Unix ms).
    pub ordered_at_ms: i64,
    pub updated_at_ms: i64,
}

/// `GET /v1/me/orders`: the install's orders, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderList {
    pub orders: Vec<ShopperOrder>,
}

/// A click-out the device tells the server about, so that an order from it can find its way
/// back: the id, the mall, the time — not the product, not the shopper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredOutlink {
    pub outlink_id: String,
    pub mall_id: String,
    pub at_ms: i64,
}

/// `POST /v1/outlinks` (with the install's key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutlinkBatch {
    pub install_id: String,
    pub outlinks: Vec<RegisteredOutlink>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_back_and_keep_the_order_of_an_order_s_life() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        assert!(OrderStatus::Paid < OrderStatus::Shipped && OrderStatus::Shipped < OrderStatus::Delivered);
        assert_eq!(OrderStatus::parse("lost"), None);
    }
}
