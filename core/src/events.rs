//! Behaviour events recorded on the device: what the shopper looked at and for how long, what
//! they wishlisted, put in a cart, bought, searched, clicked out to, dismissed or hid, which malls
//! they followed, and what was shown to them where. The profile learns from them the moment they
//! are recorded; "not interested" and the hides apply to the next feed at once. Events leave the
//! device only with consent (the upload comes with the server endpoint).

use serde::{Deserialize, Serialize};

use moa_protocol::model::Style;

use crate::alerts::AlertKind;

/// Something the shopper did (or was shown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// Opened a product sheet and looked at it for `dwell_ms`.
    ProductView {
        product_id: String,
        dwell_ms: u64,
    },
    WishlistAdd {
        product_id: String,
    },
    WishlistRemove {
        product_id: String,
    },
    AddToCart {
        product_id: String,
    },
    Purchase {
        product_id: String,
    },
    Search {
        query: String,
    },
    /// Went to the mall's page for this product.
    ClickOut {
        product_id: String,
    },
    /// "Not interested": this product never comes back on the home.
    NotInterested {
        product_id: String,
    },
    /// "Hide this mall": none of its products on the home.
    HideMall {
        mall_id: String,
    },
    /// "Hide this style": no products of it on the home.
    HideStyle {
        style: Style,
    },
    FollowMall {
        mall_id: String,
    },
    UnfollowMall {
        mall_id: String,
    },
    /// The product was shown in `section` at `position` (0-based).
    Impression {
        product_id: String,
        section: String,
        position: u32,
    },
    /// A rescue sheet was shown to a shopper back from `mall_id`'s page of `product_id`.
    RescueShown {
        product_id: String,
        mall_id: String,
    },
    /// The shopper tapped a product on the rescue sheet.
    RescueTapped {
        product_id: String,
    },
    /// The shopper closed the rescue sheet.
    RescueDismissed,
    /// Back in the app from the mall's page of `product_id` after `away_ms`.
    ReturnedFromMall {
        product_id: String,
        mall_id: String,
        away_ms: u64,
    },
    /// A nudge about `product_id` was delivered, opened, or followed to the mall (issue #22):
    /// the malls' numbers per trigger. Recorded by the core, not the apps.
    Nudge {
        product_id: String,
        trigger: AlertKind,
        step: NudgeStep,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NudgeStep {
    Sent,
    Opened,
    Clicked,
}

/// `nudge_{step}.{trigger}`: one kind per step and trigger (the server has no detail column),
/// for the nudge triggers only.
fn nudge_kind(step: NudgeStep, trigger: AlertKind) -> &'static str {
    use crate::alerts::AlertKind::{LastSize, ViewedCheaper};
    match (step, trigger) {
        (NudgeStep::Sent, ViewedCheaper) => "nudge_sent.viewed_cheaper",
        (NudgeStep::Sent, LastSize) => "nudge_sent.last_size",
        (NudgeStep::Sent, _) => "nudge_sent.cart_reminder",
        (NudgeStep::Opened, ViewedCheaper) => "nudge_opened.viewed_cheaper",
        (NudgeStep::Opened, LastSize) => "nudge_opened.last_size",
        (NudgeStep::Opened, _) => "nudge_opened.cart_reminder",
        (NudgeStep::Clicked, ViewedCheaper) => "nudge_clicked.viewed_cheaper",
        (NudgeStep::Clicked, LastSize) => "nudge_clicked.last_size",
        (NudgeStep::Clicked, _) => "nudge_clicked.cart_reminder",
    }
}

fn parse_nudge_kind(kind: &str) -> Option<(NudgeStep, AlertKind)> {
    let (step, trigger) = kind.strip_prefix("nudge_")?.split_once('.')?;
    let step = match step {
        "sent" => NudgeStep::Sent,
        "opened" => NudgeStep::Opened,
        "clicked" => NudgeStep::Clicked,
        _ => return None,
    };
    Some((step, AlertKind::parse(trigger).filter(|k| k.is_nudge())?))
}

#[derive(Default, Serialize, Deserialize)]
struct Detail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    style: Option<Style>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    section: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    position: Option<u32>,
}

/// An event as the events table holds it.
pub(crate) struct EventRow<'a> {
    pub kind: &'static str,
    pub product_id: Option<&'a str>,
    pub mall_id: Option<&'a str>,
    pub dwell_ms: Option<u64>,
    pub detail: Option<String>,
}

impl Event {
    /// The event's kind as the events table and the server name it.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Event::ProductView { .. } => "product_view",
            Event::WishlistAdd { .. } => "wishlist_add",
            Event::WishlistRemove { .. } => "wishlist_remove",
            Event::AddToCart { .. } => "add_to_cart",
            Event::Purchase { .. } => "purchase",
            Event::Search { .. } => "search",
            Event::ClickOut { .. } => "click_out",
            Event::NotInterested { .. } => "not_interested",
            Event::HideMall { .. } => "hide_mall",
            Event::HideStyle { .. } => "hide_style",
            Event::FollowMall { .. } => "follow_mall",
            Event::UnfollowMall { .. } => "unfollow_mall",
            Event::RescueShown { .. } => "rescue_shown",
            Event::RescueTapped { .. } => "rescue_tapped",
            Event::RescueDismissed => "rescue_dismissed",
            Event::ReturnedFromMall { .. } => "returned_from_mall",
            Event::Impression { .. } => "impression",
            Event::Nudge { trigger, step, .. } => nudge_kind(*step, *trigger),
        }
    }

    pub(crate) fn to_row(&self) -> EventRow<'_> {
        let (product_id, mall_id, dwell_ms) = match self {
            Event::ProductView { product_id, dwell_ms } => (Some(product_id), None, Some(*dwell_ms)),
            Event::WishlistAdd { product_id }
            | Event::WishlistRemove { product_id }
            | Event::AddToCart { product_id }
            | Event::Purchase { product_id }
            | Event::ClickOut { product_id }
            | Event::NotInterested { product_id }
            | Event::RescueTapped { product_id }
            | Event::Impression { product_id, .. }
            | Event::Nudge { product_id, .. } => (Some(product_id), None, None),
            Event::HideMall { mall_id } | Event::FollowMall { mall_id } | Event::UnfollowMall { mall_id } => {
                (None, Some(mall_id), None)
            }
            Event::RescueShown { product_id, mall_id } => (Some(product_id), Some(mall_id), None),
            Event::ReturnedFromMall { product_id, mall_id, away_ms } => {
                (Some(product_id), Some(mall_id), Some(*away_ms))
            }
            Event::Search { .. } | Event::HideStyle { .. } | Event::RescueDismissed => (None, None, None),
        };
        let detail = match self {
            Event::Search { query } => Some(Detail { query: Some(query.clone()), ..Detail::default() }),
            Event::HideStyle { style } => Some(Detail { style: Some(*style), ..Detail::default() }),
            Event::Impression { section, position, .. } => {
                Some(Detail { section: Some(section.clone()), position: Some(*position), ..Detail::default() })
            }
            _ => None,
        };
        EventRow {
            kind: self.kind(),
            product_id: product_id.map(String::as_str),
            mall_id: mall_id.map(String::as_str),
            dwell_ms,
            detail: detail.and_then(|d| serde_json::to_string(&d).ok()),
        }
    }

    /// Read an event back from its row; None for a kind this version does not know.
    pub(crate) fn from_row(
        kind: &str,
        product_id: Option<String>,
        mall_id: Option<String>,
        dwell_ms: Option<i64>,
        detail: Option<String>,
    ) -> Option<Event> {
        let detail: Detail = detail.and_then(|d| serde_json::from_str(&d).ok()).unwrap_or_default();
        Some(match kind {
            "product_view" => {
                Event::ProductView { product_id: product_id?, dwell_ms: dwell_ms.unwrap_or(0).max(0) as u64 }
            }
            "wishlist_add" => Event::WishlistAdd { product_id: product_id? },
            "wishlist_remove" => Event::WishlistRemove { product_id: product_id? },
            "add_to_cart" => Event::AddToCart { product_id: product_id? },
            "purchase" => Event::Purchase { product_id: product_id? },
            "search" => Event::Search { query: detail.query? },
            "click_out" => Event::ClickOut { product_id: product_id? },
            "not_interested" => Event::NotInterested { product_id: product_id? },
            "hide_mall" => Event::HideMall { mall_id: mall_id? },
            "hide_style" => Event::HideStyle { style: detail.style? },
            "follow_mall" => Event::FollowMall { mall_id: mall_id? },
            "unfollow_mall" => Event::UnfollowMall { mall_id: mall_id? },
            "rescue_shown" => Event::RescueShown { product_id: product_id?, mall_id: mall_id? },
            "rescue_tapped" => Event::RescueTapped { product_id: product_id? },
            "rescue_dismissed" => Event::RescueDismissed,
            "returned_from_mall" => Event::ReturnedFromMall {
                product_id: product_id?,
                mall_id: mall_id?,
                away_ms: dwell_ms.unwrap_or(0).max(0) as u64,
            },
            "impression" => Event::Impression {
                product_id: product_id?,
                section: detail.section.unwrap_or_default(),
                position: detail.position.unwrap_or(0),
            },
            other => {
                let (step, trigger) = parse_nudge_kind(other)?;
                Event::Nudge { product_id: product_id?, trigger, step }
            }
        })
    }

    /// Does this event change what the home shows right away?
    pub(crate) fn changes_feed(&self) -> bool {
        !matches!(
            self,
            Event::Impression { .. }
                | Event::Search { .. }
                | Event::RescueShown { .. }
                | Event::RescueDismissed
                | Event::ReturnedFromMall { .. }
                | Event::Nudge { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One event of every kind.
    fn sample_events() -> Vec<Event> {
        vec![
            Event::ProductView { product_id: "a-1".into(), dwell_ms: 4200 },
            Event::WishlistAdd { product_id: "a-1".into() },
            Event::WishlistRemove { product_id: "a-1".into() },
            Event::AddToCart { product_id: "a-1".into() },
            Event::Purchase { product_id: "a-1".into() },
            Event::Search { query: "ㅅㅌㅇㄴㄷ 원피스".into() },
            Event::ClickOut { product_id: "a-1".into() },
            Event::NotInterested { product_id: "a-1".into() },
            Event::HideMall { mall_id: "a".into() },
            Event::HideStyle { style: Style::Street },
            Event::FollowMall { mall_id: "a".into() },
            Event::UnfollowMall { mall_id: "a".into() },
            Event::Impression { product_id: "a-1".into(), section: "for_you".into(), position: 7 },
            Event::RescueShown { product_id: "a-1".into(), mall_id: "a".into() },
            Event::RescueTapped { product_id: "a-2".into() },
            Event::RescueDismissed,
            Event::ReturnedFromMall { product_id: "a-1".into(), mall_id: "a".into(), away_ms: 20_000 },
        ]
    }

    #[test]
    fn every_kind_is_one_the_protocol_carries() {
        for event in sample_events() {
            assert!(moa_protocol::wire::EVENT_KINDS.contains(&event.kind()), "{} is not in the protocol", event.kind());
        }
    }

    #[test]
    fn every_event_round_trips_through_its_row() {
        for event in sample_events() {
            let row = event.to_row();
            let back = Event::from_row(
                row.kind,
                row.product_id.map(str::to_string),
                row.mall_id.map(str::to_string),
                row.dwell_ms.map(|d| d as i64),
                row.detail.clone(),
            );
            assert_eq!(back.as_ref(), Some(&event), "{}", row.kind);
        }
    }
}
