//! Alerts about wishlisted products: a price drop worth telling, the chosen size back in stock,
//! a sale about to end; and about the shopper's orders at the malls (issue #21). Found when a sync changes a wishlisted product (or, for sale ends, when
//! delivery time comes), stored once each, and delivered by a policy that respects people: a
//! daily digest by default, nothing in quiet hours, a cap per day, never the same alert twice,
//! and nothing that stopped being true while it waited.

//!
//! This module decides; it does no I/O. [`rules`] says what is news and whether it still is,
//! [`policy`] when a shopper may be told; the store keeps the alerts (`store/alerts.rs`) and
//! `Moa` hands the due ones to the app's listener.

pub mod policy;
pub mod rules;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    PriceDrop,
    BackInStock,
    SaleEnding,
    /// An order the shopper placed at a mall moved (issue #21): the app opens "주문·배송".
    OrderUpdate,
}

impl AlertKind {
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            AlertKind::PriceDrop => "price_drop",
            AlertKind::BackInStock => "back_in_stock",
            AlertKind::SaleEnding => "sale_ending",
            AlertKind::OrderUpdate => "order_update",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        [AlertKind::PriceDrop, AlertKind::BackInStock, AlertKind::SaleEnding, AlertKind::OrderUpdate]
            .into_iter()
            .find(|k| k.as_str() == s)
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

impl AlertSettings {
    /// Hours are 0 to 23.
    pub fn validate(&self) -> crate::error::Result<()> {
        if self.digest_hour > 23 || self.quiet_start_hour > 23 || self.quiet_end_hour > 23 {
            return Err(crate::error::Error::InvalidInput("alert hours are 0 to 23".into()));
        }
        Ok(())
    }
}

/// Hears alerts when they are due: the apps turn them into notifications.
pub trait AlertListener: Send + Sync {
    fn on_alerts(&self, alerts: Vec<Alert>);
}
