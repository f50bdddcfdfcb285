//! Behaviour events recorded on the device. Today: product views with dwell time, "not
//! interested" and "hide this mall" — the last two the feed obeys at once. The full set, the
//! profile learned from them and the consented upload come with the personalised feed (#5).

use serde::{Deserialize, Serialize};

/// Something the shopper did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// Opened a product sheet and looked at it for `dwell_ms`.
    ProductView { product_id: String, dwell_ms: u64 },
    /// "Not interested": this product never comes back on the home.
    NotInterested { product_id: String },
    /// "Hide this mall": none of its products on the home.
    HideMall { mall_id: String },
}

impl Event {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Event::ProductView { .. } => "product_view",
            Event::NotInterested { .. } => "not_interested",
            Event::HideMall { .. } => "hide_mall",
        }
    }

    pub(crate) fn product_id(&self) -> Option<&str> {
        match self {
            Event::ProductView { product_id, .. } | Event::NotInterested { product_id } => Some(product_id),
            Event::HideMall { .. } => None,
        }
    }

    pub(crate) fn mall_id(&self) -> Option<&str> {
        match self {
            Event::HideMall { mall_id } => Some(mall_id),
            _ => None,
        }
    }

    pub(crate) fn dwell_ms(&self) -> Option<u64> {
        match self {
            Event::ProductView { dwell_ms, .. } => Some(*dwell_ms),
            _ => None,
        }
    }

    /// Does this event change what the home shows?
    pub(crate) fn changes_feed(&self) -> bool {
        matches!(self, Event::NotInterested { .. } | Event::HideMall { .. })
    }
}
