//! What is news about a wishlisted product, and whether it still is when delivery comes.

use moa_protocol::model::{Locale, Money, Product, Variant};
use moa_protocol::orders::OrderStatus;
use moa_protocol::wire::ProductSnapshot;
use serde::{Deserialize, Serialize};

use super::{Alert, AlertKind};
use crate::copy;

/// A sale is "ending soon" in its last day.
pub(crate) const SALE_ENDING_WINDOW_S: i64 = 24 * 3600;

/// Whether the shopper's chosen size (or, with none chosen, any size) can be bought.
pub(crate) fn can_buy(variants: &[Variant], chosen: Option<&str>) -> bool {
    match chosen {
        Some(id) => variants.iter().any(|v| v.id == id && v.available),
        None => variants.iter().any(|v| v.available),
    }
}

/// A wishlisted product as it was before a sync page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Watched {
    pub variant_id: Option<String>,
    pub price_at_add: Option<i64>,
    /// The cached price and variants; None when the product was not in the cache.
    pub before: Option<(i64, Vec<Variant>)>,
}

/// An alert found, before it is stored. `key` makes it once-only: the same news found again
/// (the same price, the same restock) is the same alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct News {
    pub key: String,
    pub kind: AlertKind,
    pub variant_id: Option<String>,
    /// The price the news is about (price drops only).
    pub price: Option<i64>,
}

/// The news in one product's new state for the shopper who wishlisted it.
pub(crate) fn news(watched: &Watched, p: &Product) -> Vec<News> {
    let mut found = Vec::new();
    let price = p.price.amount;
    // Price drop: below the price when wishlisted (or, for old items, the last price seen), by
    // enough to matter, and lower than just before (a drop, not a rise back).
    if let Some(reference) = watched.price_at_add.or(watched.before.as_ref().map(|b| b.0)) {
        let worth = moa_protocol::model::is_price_drop_worth_telling(reference, price, &p.price.currency);
        let falling = watched.before.as_ref().is_none_or(|b| price < b.0);
        if worth && falling {
            found.push(News {
                key: format!("price:{}:{price}", p.id),
                kind: AlertKind::PriceDrop,
                variant_id: watched.variant_id.clone(),
                price: Some(price),
            });
        }
    }
    // Back in stock: the chosen size (or, with none chosen, any) was sold out and is not.
    if let Some((_, before)) = &watched.before {
        let chosen = watched.variant_id.as_deref();
        if !can_buy(before, chosen) && can_buy(&p.variants, chosen) {
            found.push(News {
                key: format!("restock:{}:{}:{}", p.id, chosen.unwrap_or("*"), p.updated_at),
                kind: AlertKind::BackInStock,
                variant_id: watched.variant_id.clone(),
                price: None,
            });
        }
    }
    found
}

/// A stored alert not yet delivered, with what is true of its product now.
pub(crate) struct PendingAlert {
    pub id: i64,
    pub kind: String,
    pub product_id: String,
    pub variant_id: Option<String>,
    pub alert_price: Option<i64>,
    pub created_ms: i64,
    pub wishlisted: bool,
    pub price: Option<i64>,
    pub variants: Option<String>,
    pub sale_ends_at: Option<i64>,
    pub snapshot: Option<String>,
    pub price_at_add: Option<i64>,
    /// What an order's news is about ([`OrderNews`], JSON), and the order's status now.
    pub detail: Option<String>,
    pub order_status: Option<String>,
    /// The product as cached now (nudges are about products not on the wishlist too), and when
    /// it was last bought.
    pub title: Option<String>,
    pub image_url: Option<String>,
    pub currency: Option<String>,
    pub last_purchase_ms: Option<i64>,
}

/// The one size left of a product that had several, when it is the shopper's (`chosen`; with
/// none chosen, any): its variant id.
pub(crate) fn last_size(variants: &[Variant], chosen: Option<&str>) -> Option<String> {
    let available: Vec<&Variant> = variants.iter().filter(|v| v.available).collect();
    let last = (variants.len() >= 2 && available.len() == 1).then(|| available[0])?;
    chosen.is_none_or(|c| c == last.id).then(|| last.id.clone())
}

/// An order's news as it was found: enough to word the alert when its time comes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OrderNews {
    pub mall_id: String,
    pub order_id: String,
    pub status: OrderStatus,
    /// What was ordered, as the shopper reads it ("리본 블라우스 외 1건").
    pub what: String,
    #[serde(default)]
    pub parcel: Option<(String, String)>,
    #[serde(default)]
    pub image_url: String,
}

impl PendingAlert {
    /// Whether the news is still news: an alert about a price that rose again, a size sold out
    /// again, an ended sale, or an item no longer wishlisted is not sent.
    pub fn still_true(&self, now_s: i64) -> bool {
        let kind = AlertKind::parse(&self.kind);
        if kind.is_some_and(AlertKind::is_nudge) {
            return self.nudge_still_true();
        }
        if kind == Some(AlertKind::OrderUpdate) {
            // Only the order's latest news: "on its way" is not sent once it has arrived.
            let news = self.order_news();
            return news.is_some_and(|n| self.order_status.as_deref() == Some(n.status.as_str()));
        }
        let Some(price) = self.price else { return false };
        if !self.wishlisted {
            return false;
        }
        let variants = self.variants();
        let available = can_buy(&variants, self.variant_id.as_deref());
        match AlertKind::parse(&self.kind) {
            Some(AlertKind::PriceDrop) => available && self.alert_price.is_some_and(|p| price <= p),
            Some(AlertKind::BackInStock) => available,
            Some(AlertKind::SaleEnding) => available && self.sale_ends_at.is_some_and(|t| t > now_s),
            Some(AlertKind::OrderUpdate | AlertKind::ViewedCheaper | AlertKind::LastSize | AlertKind::CartReminder)
            | None => false,
        }
    }

    /// The notification, worded in the shopper's language.
    pub fn to_alert(&self, locale: Locale) -> Option<Alert> {
        let kind = AlertKind::parse(&self.kind)?;
        if kind == AlertKind::OrderUpdate {
            return self.order_alert(locale);
        }
        if kind.is_nudge() {
            return self.nudge_alert(kind, locale);
        }
        let snapshot: ProductSnapshot = serde_json::from_str(self.snapshot.as_deref()?).ok()?;
        let money = |amount: i64| Money { amount, currency: snapshot.currency.clone() }.display();
        let now_price = self.price?;
        let words = copy::phrases(locale);
        let (title, body) = match kind {
            AlertKind::PriceDrop => {
                let was = self.price_at_add.unwrap_or(snapshot.price);
                let percent = moa_protocol::model::discount_percent(now_price, Some(was)).unwrap_or(0);
                (
                    words.alert_price_drop,
                    (words.alert_price_drop_body)(&snapshot.title, &money(was), &money(now_price), percent),
                )
            }
            AlertKind::BackInStock => (words.alert_back_in_stock, format!("{} · {}", snapshot.title, money(now_price))),
            AlertKind::SaleEnding => (words.alert_sale_ending, format!("{} · {}", snapshot.title, money(now_price))),
            AlertKind::OrderUpdate | AlertKind::ViewedCheaper | AlertKind::LastSize | AlertKind::CartReminder => {
                return None
            }
        };
        Some(Alert {
            alert_id: self.id,
            kind,
            product_id: self.product_id.clone(),
            variant_id: self.variant_id.clone(),
            title: title.to_string(),
            body,
            image_url: snapshot.image_url,
            created_ms: self.created_ms,
        })
    }
}

/// What a nudge remembers of the moment it was found.
#[derive(Debug, Default, Deserialize)]
struct NudgeDetail {
    /// The price at the latest view (viewed cheaper), and how many views.
    seen: Option<i64>,
    views: Option<u32>,
    /// When the product went into the cart (cart reminder).
    since: Option<i64>,
}

impl PendingAlert {
    /// The product's sizes and colours as cached now (none when it is not cached).
    fn variants(&self) -> Vec<Variant> {
        self.variants.as_deref().and_then(|v| serde_json::from_str(v).ok()).unwrap_or_default()
    }

    fn nudge_detail(&self) -> NudgeDetail {
        self.detail.as_deref().and_then(|d| serde_json::from_str(d).ok()).unwrap_or_default()
    }

    /// A nudge's reason still holds when its time comes: still cheaper and still not 찜, still
    /// the last size, still not bought.
    fn nudge_still_true(&self) -> bool {
        let Some(price) = self.price else { return false };
        let variants = self.variants();
        match AlertKind::parse(&self.kind) {
            Some(AlertKind::ViewedCheaper) => {
                !self.wishlisted && can_buy(&variants, None) && self.alert_price.is_some_and(|p| price <= p)
            }
            Some(AlertKind::LastSize) => self.wishlisted && last_size(&variants, self.variant_id.as_deref()).is_some(),
            Some(AlertKind::CartReminder) => {
                let since = self.nudge_detail().since.unwrap_or(i64::MAX);
                can_buy(&variants, None) && self.last_purchase_ms.is_none_or(|bought| bought < since)
            }
            _ => false,
        }
    }

    /// The nudge, with its reason in its words.
    fn nudge_alert(&self, kind: AlertKind, locale: Locale) -> Option<Alert> {
        let words = copy::phrases(locale);
        let title = self.title.clone()?;
        let money =
            |amount: i64| Money { amount, currency: self.currency.clone().unwrap_or_else(|| "KRW".into()) }.display();
        let price = self.price?;
        let (heading, body) = match kind {
            AlertKind::ViewedCheaper => {
                let detail = self.nudge_detail();
                let percent = moa_protocol::model::discount_percent(price, detail.seen).unwrap_or(0);
                (
                    words.alert_viewed_cheaper,
                    (words.alert_viewed_cheaper_body)(&title, detail.views.unwrap_or(2), percent, &money(price)),
                )
            }
            AlertKind::LastSize => {
                let variants = self.variants();
                let last = last_size(&variants, self.variant_id.as_deref())?;
                let size = variants.iter().find(|v| v.id == last).and_then(|v| v.size.clone()).unwrap_or(last);
                (words.alert_last_size, (words.alert_last_size_body)(&title, &size))
            }
            _ => (words.alert_cart, (words.alert_cart_body)(&title, &money(price))),
        };
        Some(Alert {
            alert_id: self.id,
            kind,
            product_id: self.product_id.clone(),
            variant_id: self.variant_id.clone(),
            title: heading.to_string(),
            body,
            image_url: self.image_url.clone().unwrap_or_default(),
            created_ms: self.created_ms,
        })
    }

    fn order_news(&self) -> Option<OrderNews> {
        serde_json::from_str(self.detail.as_deref()?).ok()
    }

    /// "주문하신 리본 블라우스가 배송을 시작했어요 · CJ대한통운 1234…"
    fn order_alert(&self, locale: Locale) -> Option<Alert> {
        let news = self.order_news()?;
        let words = copy::phrases(locale);
        let parcel = news.parcel.as_ref().map(|(carrier, number)| (carrier.as_str(), number.as_str()));
        Some(Alert {
            alert_id: self.id,
            kind: AlertKind::OrderUpdate,
            product_id: self.product_id.clone(),
            variant_id: None,
            title: words.alert_order.to_string(),
            body: (words.order_news)(&news.what, news.status, parcel),
            image_url: news.image_url,
            created_ms: self.created_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use moa_protocol::model::Money;

    use moa_protocol::model::{Category, Gender};

    fn variant(id: &str, available: bool) -> Variant {
        Variant { id: id.into(), color: None, size: Some(id.into()), available }
    }

    fn product(price: i64, variants: Vec<Variant>) -> Product {
        Product {
            id: "rose-1".into(),
            mall_id: "rose".into(),
            title: "린넨 원피스".into(),
            brand: None,
            category: Category::Dress,
            styles: vec![],
            gender: Gender::Women,
            age_bands: vec![],
            price: Money { amount: price, currency: "KRW".into() },
            original_price: None,
            image_url: "https://rose.example/1.jpg".into(),
            more_image_urls: Vec::new(),
            product_url: "https://rose.example/p/1".into(),
            variants,
            created_at: 0,
            updated_at: 7,
            popularity: 0.0,
            sale_ends_at: None,
            image_hash: None,
            same_item: None,
        }
    }

    #[test]
    fn a_drop_worth_telling_is_news_once_and_a_rise_back_is_not() {
        let watched = Watched { variant_id: None, price_at_add: Some(40_000), before: Some((40_000, vec![])) };
        let news = news(&watched, &product(34_000, vec![]));
        assert_eq!(news.len(), 1);
        assert_eq!(
            (news[0].kind, news[0].key.as_str(), news[0].price),
            (AlertKind::PriceDrop, "price:rose-1:34000", Some(34_000))
        );
        // Cheaper than when wishlisted, but dearer than just before: not a drop.
        let rising = Watched { before: Some((30_000, vec![])), ..watched.clone() };
        assert!(news_kinds(&rising, &product(34_000, vec![])).is_empty());
        // 1% off is not worth a notification.
        assert!(news_kinds(&watched, &product(39_600, vec![])).is_empty());
    }

    #[test]
    fn back_in_stock_is_about_the_chosen_size() {
        let before = vec![variant("S", false), variant("M", true)];
        let chosen_s =
            Watched { variant_id: Some("S".into()), price_at_add: None, before: Some((40_000, before.clone())) };
        assert_eq!(
            news_kinds(&chosen_s, &product(40_000, vec![variant("S", true), variant("M", true)])),
            vec![AlertKind::BackInStock]
        );
        // M was in stock all along: nothing came back for a shopper who chose M, or no size.
        let chosen_m = Watched { variant_id: Some("M".into()), ..chosen_s.clone() };
        assert!(news_kinds(&chosen_m, &product(40_000, vec![variant("S", true), variant("M", true)])).is_empty());
        let any = Watched { variant_id: None, ..chosen_s };
        assert!(news_kinds(&any, &product(40_000, vec![variant("S", true), variant("M", true)])).is_empty());
    }

    fn news_kinds(w: &Watched, p: &Product) -> Vec<AlertKind> {
        news(w, p).into_iter().map(|n| n.kind).collect()
    }
}
