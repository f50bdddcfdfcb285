//! What the malls' platforms send when an order moves, made into Moa's [`OrderReport`]: a
//! Shopify `orders/create`/`orders/updated` webhook and a Cafe24 order webhook, each signed
//! with the mall's webhook secret (HMAC-SHA256 of the raw body, base64, in the platform's
//! header). The signature is checked before a byte of the body is read.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use moa_protocol::orders::{OrderItem, OrderReport, OrderStatus, Shipment};

use crate::ingest::price;

/// Shopify's signature header and delivery id (a retry keeps its id; a replay is refused).
pub const SHOPIFY_SIGNATURE: &str = "x-shopify-hmac-sha256";
pub const SHOPIFY_DELIVERY: &str = "x-shopify-webhook-id";
/// Cafe24's signature header and delivery id.
pub const CAFE24_SIGNATURE: &str = "x-cafe24-hmac-sha256";
pub const CAFE24_DELIVERY: &str = "x-trace-id";

/// The query parameter (Shopify's `landing_site`) or order field (Cafe24's additional order
/// information) the click-out's id arrives in: the one Moa's links carry.
const OUTLINK_PARAM: &str = "moa_outlink";

/// Why a webhook was not taken.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the signature does not match the body")]
    BadSignature,
    #[error("unreadable webhook body: {0}")]
    Unreadable(String),
    #[error("the order does not name a Moa click-out ({OUTLINK_PARAM})")]
    NoOutlink,
}

/// Whether `signature` (base64) is the HMAC-SHA256 of `body` under `secret`, compared in
/// constant time. An empty secret never verifies.
pub fn signature_ok(secret: &str, body: &[u8], signature: &str) -> bool {
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else { return false };
    if secret.is_empty() {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// The signature a platform would send for `body` (the tests and the demo play the platform).
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn unreadable(e: impl std::fmt::Display) -> WebhookError {
    WebhookError::Unreadable(e.to_string())
}

// ---- Shopify ----------------------------------------------------------------------------------

#[derive(Deserialize)]
struct ShopifyOrder {
    id: u64,
    currency: Option<String>,
    financial_status: Option<String>,
    fulfillment_status: Option<String>,
    cancelled_at: Option<String>,
    updated_at: Option<String>,
    created_at: Option<String>,
    landing_site: Option<String>,
    #[serde(default)]
    note_attributes: Vec<NameValue>,
    #[serde(default)]
    line_items: Vec<ShopifyLine>,
    #[serde(default)]
    fulfillments: Vec<ShopifyFulfillment>,
}

#[derive(Deserialize)]
struct NameValue {
    name: String,
    value: Option<String>,
}

#[derive(Deserialize)]
struct ShopifyLine {
    product_id: Option<u64>,
    variant_id: Option<u64>,
    title: Option<String>,
    quantity: u32,
    price: String,
}

#[derive(Deserialize)]
struct ShopifyFulfillment {
    tracking_company: Option<String>,
    tracking_number: Option<String>,
    shipment_status: Option<String>,
}

/// A Shopify order webhook body (`orders/create`, `orders/paid`, `orders/updated`, …) as one
/// status of the order; `now_ms` when it says no time.
pub fn shopify(mall_id: &str, body: &[u8], now_ms: i64) -> Result<OrderReport, WebhookError> {
    let o: ShopifyOrder = serde_json::from_slice(body).map_err(unreadable)?;
    let outlink = o
        .landing_site
        .as_deref()
        .and_then(outlink_in_link)
        .or_else(|| o.note_attributes.iter().find(|a| a.name == OUTLINK_PARAM).and_then(|a| a.value.clone()))
        .filter(|id| !id.is_empty())
        .ok_or(WebhookError::NoOutlink)?;
    let currency = o.currency.clone().unwrap_or_else(|| "KRW".into());
    let items = o
        .line_items
        .iter()
        .filter_map(|l| {
            Some(OrderItem {
                product_id: format!("{mall_id}-{}", l.product_id?),
                variant_id: l.variant_id.map(|v| v.to_string()),
                title: l.title.clone(),
                quantity: l.quantity,
                price: price::parse(&l.price, &currency).ok()?,
            })
        })
        .collect();
    let tracked = o.fulfillments.iter().find(|f| f.tracking_number.as_deref().is_some_and(|n| !n.is_empty()));
    let status = if o.cancelled_at.is_some() {
        OrderStatus::Cancelled
    } else if o.financial_status.as_deref() == Some("refunded") {
        OrderStatus::Returned
    } else if o.fulfillments.iter().any(|f| f.shipment_status.as_deref() == Some("delivered")) {
        OrderStatus::Delivered
    } else if tracked.is_some() || matches!(o.fulfillment_status.as_deref(), Some("fulfilled" | "partial")) {
        OrderStatus::Shipped
    } else if matches!(o.financial_status.as_deref(), Some("paid" | "partially_paid")) {
        OrderStatus::Paid
    } else {
        OrderStatus::Ordered
    };
    let shipment = tracked.map(|f| Shipment {
        carrier: f.tracking_company.clone().unwrap_or_default(),
        tracking_number: f.tracking_number.clone().unwrap_or_default(),
    });
    let at_ms = o.updated_at.as_deref().or(o.created_at.as_deref()).and_then(rfc3339_ms).unwrap_or(now_ms);
    Ok(OrderReport { order_id: o.id.to_string(), outlink_id: outlink, items, status, shipment, at_ms })
}

/// `moa_outlink` in a link or a path with a query ("/products/x?moa_outlink=…").
fn outlink_in_link(link: &str) -> Option<String> {
    let url =
        url::Url::parse(link).or_else(|_| url::Url::parse("https://mall.invalid").and_then(|b| b.join(link))).ok()?;
    url.query_pairs().find(|(k, _)| k == OUTLINK_PARAM).map(|(_, v)| v.into_owned())
}

fn rfc3339_ms(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| t.timestamp_millis())
}

// ---- Cafe24 -----------------------------------------------------------------------------------

#[derive(Deserialize)]
struct Cafe24Webhook {
    resource: Cafe24Order,
}

#[derive(Deserialize)]
struct Cafe24Order {
    order_id: String,
    currency: Option<String>,
    #[serde(default)]
    additional_order_info_list: Vec<NameValue>,
    #[serde(default)]
    items: Vec<Cafe24Item>,
}

#[derive(Deserialize)]
struct Cafe24Item {
    product_no: u64,
    product_name: Option<String>,
    variant_code: Option<String>,
    quantity: u32,
    product_price: String,
    /// Cafe24's order status code: N00 before payment, N10 product being prepared, N20–N22
    /// shipping being prepared, N30 shipping, N40 delivered, C… cancelled, R… returned.
    order_status: String,
    shipping_company_name: Option<String>,
    tracking_no: Option<String>,
}

fn cafe24_status(code: &str) -> Option<OrderStatus> {
    Some(match code.get(..1)? {
        "C" => OrderStatus::Cancelled,
        "R" => OrderStatus::Returned,
        "N" => match code {
            "N00" => OrderStatus::Ordered,
            "N10" => OrderStatus::Paid,
            "N20" | "N21" | "N22" => OrderStatus::Preparing,
            "N30" => OrderStatus::Shipped,
            "N40" => OrderStatus::Delivered,
            _ => return None,
        },
        _ => return None,
    })
}

/// A Cafe24 order webhook body (`{"event_no": …, "resource": {order…}}`) as one status of the
/// order: the furthest its items have gone (cancelled or returned only when every item is).
pub fn cafe24(mall_id: &str, body: &[u8], now_ms: i64) -> Result<OrderReport, WebhookError> {
    let hook: Cafe24Webhook = serde_json::from_slice(body).map_err(unreadable)?;
    let o = hook.resource;
    let outlink = o
        .additional_order_info_list
        .iter()
        .find(|a| a.name == OUTLINK_PARAM)
        .and_then(|a| a.value.clone())
        .filter(|id| !id.is_empty())
        .ok_or(WebhookError::NoOutlink)?;
    let currency = o.currency.clone().unwrap_or_else(|| "KRW".into());
    let statuses: Vec<OrderStatus> = o.items.iter().filter_map(|i| cafe24_status(&i.order_status)).collect();
    let live = statuses.iter().copied().filter(|s| *s < OrderStatus::Cancelled).max();
    let status = live.or_else(|| statuses.iter().copied().min()).ok_or_else(|| unreadable("no item with a status"))?;
    let shipment = o.items.iter().find(|i| i.tracking_no.as_deref().is_some_and(|n| !n.is_empty())).map(|i| Shipment {
        carrier: i.shipping_company_name.clone().unwrap_or_default(),
        tracking_number: i.tracking_no.clone().unwrap_or_default(),
    });
    let items = o
        .items
        .iter()
        .filter_map(|i| {
            Some(OrderItem {
                product_id: format!("{mall_id}-{}", i.product_no),
                variant_id: i.variant_code.clone(),
                title: i.product_name.clone(),
                quantity: i.quantity,
                price: price::parse(&i.product_price, &currency).ok()?,
            })
        })
        .collect();
    Ok(OrderReport { order_id: o.order_id, outlink_id: outlink, items, status, shipment, at_ms: now_ms })
}

#[cfg(test)]
mod tests {
    use super::*;
    use moa_protocol::model::Money;

    #[test]
    fn a_signature_verifies_only_its_own_body_under_its_own_secret() {
        let body = br#"{"id":1}"#;
        let signature = sign("s3cret", body);
        assert!(signature_ok("s3cret", body, &signature));
        assert!(!signature_ok("s3cret", br#"{"id":2}"#, &signature));
        assert!(!signature_ok("other", body, &signature));
        assert!(!signature_ok("", body, &sign("", body)));
        assert!(!signature_ok("s3cret", body, "not base64!"));
    }

    #[test]
    fn prices_become_minor_units_of_their_currency() {
        // The platforms' line prices, read by the importers' price reader.
        let minor = |text: &str, currency: &str| price::parse(text, currency).ok().map(|m| m.amount);
        assert_eq!(minor("39800.00", "KRW"), Some(39_800));
        assert_eq!(minor("12.5", "USD"), Some(1_250));
        assert_eq!(minor("12", "USD"), Some(1_200));
        assert_eq!(minor("abc", "KRW"), None);
    }

    #[test]
    fn a_shopify_order_reads_its_click_out_status_and_parcel() {
        let body = r#"{"id": 820982911946154508, "currency": "KRW", "financial_status": "paid",
            "fulfillment_status": "fulfilled", "cancelled_at": null, "updated_at": "2026-11-30T10:00:00+09:00",
            "landing_site": "/products/knit?utm_source=moa&moa_outlink=ab12",
            "line_items": [{"product_id": 632910392, "variant_id": 808950810, "title": "울 니트", "quantity": 1, "price": "39800.00"}],
            "fulfillments": [{"tracking_company": "CJ대한통운", "tracking_number": "123456789012", "shipment_status": "in_transit"}]}"#;
        let r = shopify("lacemuse", body.as_bytes(), 0).unwrap();
        assert_eq!(
            (r.order_id.as_str(), r.outlink_id.as_str(), r.status),
            ("820982911946154508", "ab12", OrderStatus::Shipped)
        );
        assert_eq!(r.items[0].product_id, "lacemuse-632910392");
        assert_eq!(r.items[0].price, Money::krw(39_800));
        assert_eq!(r.shipment.unwrap().carrier, "CJ대한통운");
        assert_eq!(r.at_ms, rfc3339_ms("2026-11-30T01:00:00Z").unwrap());
        let no_link = br#"{"id": 1, "line_items": []}"#;
        assert_eq!(shopify("m", no_link, 0).unwrap_err(), WebhookError::NoOutlink);
    }

    #[test]
    fn a_cafe24_order_goes_as_far_as_its_items() {
        let body = r#"{"event_no": 90024, "resource": {"mall_id": "roseribbon", "order_id": "20261130-0000012",
            "additional_order_info_list": [{"id": 1, "name": "moa_outlink", "value": "cd34"}],
            "items": [{"product_no": 1042, "product_name": "리본 블라우스", "variant_code": "P000000X000A", "quantity": 2,
                       "product_price": "29800.00", "order_status": "N30", "shipping_company_name": "CJ대한통운", "tracking_no": "5555"},
                      {"product_no": 1043, "quantity": 1, "product_price": "19800.00", "order_status": "C40"}]}}"#;
        let r = cafe24("roseribbon", body.as_bytes(), 7).unwrap();
        assert_eq!((r.status, r.outlink_id.as_str(), r.at_ms), (OrderStatus::Shipped, "cd34", 7));
        assert_eq!(r.items.len(), 2);
        assert_eq!(r.shipment.unwrap().tracking_number, "5555");
        let cancelled =
            br#"{"resource": {"order_id": "1", "additional_order_info_list": [{"name": "moa_outlink", "value": "x"}],
            "items": [{"product_no": 1, "quantity": 1, "product_price": "1", "order_status": "C00"}]}}"#;
        assert_eq!(cafe24("m", cancelled, 0).unwrap().status, OrderStatus::Cancelled);
    }
}
