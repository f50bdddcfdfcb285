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
    /// Nudges (issue #22), from the shopper's own behaviour, found on the device: a product
    /// viewed twice or more, not 찜, now at least 10 % cheaper than when last viewed …
    ViewedCheaper,
    /// … a 찜 item down to its last size, the shopper's …
    LastSize,
    /// … a product put in the cart at the mall a day ago and not bought.
    CartReminder,
}

impl AlertKind {
    pub const ALL: [AlertKind; 7] = [
        AlertKind::PriceDrop,
        AlertKind::BackInStock,
        AlertKind::SaleEnding,
        AlertKind::OrderUpdate,
        AlertKind::ViewedCheaper,
        AlertKind::LastSize,
        AlertKind::CartReminder,
    ];

    /// The nudges: found from the shopper's behaviour, each switchable, counted per trigger.
    pub fn is_nudge(self) -> bool {
        matches!(self, AlertKind::ViewedCheaper | AlertKind::LastSize | AlertKind::CartReminder)
    }

    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            AlertKind::PriceDrop => "price_drop",
            AlertKind::BackInStock => "back_in_stock",
            AlertKind::SaleEnding => "sale_ending",
            AlertKind::OrderUpdate => "order_update",
            AlertKind::ViewedCheaper => "viewed_cheaper",
            AlertKind::LastSize => "last_size",
            AlertKind::CartReminder => "cart_reminder",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        AlertKind::ALL.into_iter().find(|k| k.as_str() == s)
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
    /// Each nudge on or off (issue #22); settings saved before them read as on.
    #[serde(default = "on")]
    pub nudge_viewed_cheaper: bool,
    #[serde(default = "on")]
    pub nudge_last_size: bool,
    #[serde(default = "on")]
    pub nudge_cart: bool,
}

fn on() -> bool {
    true
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
            nudge_viewed_cheaper: true,
            nudge_last_size: true,
            nudge_cart: true,
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

    /// Whether the shopper wants this nudge (other alerts are not switched here).
    pub fn allows(&self, kind: AlertKind) -> bool {
        match kind {
            AlertKind::ViewedCheaper => self.nudge_viewed_cheaper,
            AlertKind::LastSize => self.nudge_last_size,
            AlertKind::CartReminder => self.nudge_cart,
            _ => true,
        }
    }
}

/// Hears alerts when they are due: the apps turn them into notifications.
pub trait AlertListener: Send + Sync {
    fn on_alerts(&self, alerts: Vec<Alert>);
}
