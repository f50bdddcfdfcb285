//! Orders across every mall in one place (issue #21). Each click-out's id is kept and, at the
//! next sync, told to the server (the id, the mall and the time — not the product); malls
//! report orders against it; the device fetches its install's orders, keeps them for offline,
//! records each new order as a purchase (ranking stops suggesting what was bought), and turns
//! each status an order reaches into one alert through the ordinary alert policy.

use std::sync::Arc;

use moa_protocol::orders::{order_total, OutlinkBatch};
pub use moa_protocol::orders::{OrderStatus, ShopperOrder};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::alerts::rules::OrderNews;
use crate::changes::ChangeKind;
use crate::copy;
use crate::error::Result;
use crate::events::Event;
use crate::parts::Parts;
use crate::store::blocking;
use crate::upload::install_credential;

/// Click-outs told to the server per request.
const OUTLINKS_PER_BATCH: usize = 100;

/// One order as the apps' "주문·배송" list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderCard {
    pub mall_id: String,
    pub mall_name: String,
    pub order_id: String,
    pub status: OrderStatus,
    /// The status as the shopper reads it ("배송 중").
    pub status_label: String,
    /// What was ordered: the first line's name, "외 N건" when there are more.
    pub title: String,
    /// The first line's product (its sheet opens on a tap) and photo (empty when the product
    /// is not in the cache: the app shows the mall's placeholder).
    pub product_id: String,
    pub image_url: String,
    /// The amount paid, as shoppers read it ("59,600원").
    pub total: String,
    pub items: u32,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    /// The carrier's tracking page for this parcel, when Moa knows the carrier.
    pub tracking_url: Option<String>,
    pub ordered_at_ms: i64,
    pub updated_at_ms: i64,
}

/// What an orders sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrdersReport {
    /// Click-outs told to the server.
    pub outlinks_registered: u64,
    /// Orders the device had not seen.
    pub new_orders: u64,
    /// Orders whose status moved (new ones included).
    pub moved: u64,
}

/// Tell the server about new click-outs and bring the install's orders. A device that never
/// sent the shopper to a mall asks nothing (and registers no install for it).
pub(crate) async fn sync_orders(parts: &Parts) -> Result<OrdersReport> {
    let mut report = OrdersReport::default();
    if !parts.guard(blocking(&parts.store, |s| s.has_outlinks()).await)? {
        return Ok(report);
    }
    let api = parts.api()?;
    let cancel = CancellationToken::new();
    let install = install_credential(parts, api, &cancel).await?;
    loop {
        let fresh = parts.guard(blocking(&parts.store, |s| s.unregistered_outlinks(OUTLINKS_PER_BATCH)).await)?;
        if fresh.is_empty() {
            break;
        }
        let ids: Vec<String> = fresh.iter().map(|o| o.outlink_id.clone()).collect();
        let batch = OutlinkBatch { install_id: install.install_id.clone(), outlinks: fresh };
        api.post_outlinks(&batch, &install.key, &cancel).await?;
        report.outlinks_registered += ids.len() as u64;
        parts.guard(blocking(&parts.store, move |s| s.mark_outlinks_registered(&ids)).await)?;
    }
    let list = api.my_orders(&install, false, &cancel).await?;
    let now = parts.now_ms();
    let store = Arc::clone(&parts.store);
    let locale = parts.locale;
    let applied = parts.guard(
        blocking(&store, move |s| {
            s.apply_orders(&list.orders, now, |o| {
                let image_url = first_photo(s, o);
                serde_json::to_string(&news(o, locale, image_url)).expect("plain data serialises")
            })
        })
        .await,
    )?;
    for order in applied.new.iter().filter(|o| o.status < OrderStatus::Cancelled) {
        for item in &order.items {
            parts.record(Event::Purchase { product_id: item.product_id.clone() })?;
        }
    }
    report.new_orders = applied.new.len() as u64;
    report.moved = applied.moved;
    if applied.moved > 0 {
        parts.changes.notify(ChangeKind::Orders);
    }
    Ok(report)
}

/// The cached photo of an order's first line, if its product is in the cache.
fn first_photo(store: &crate::store::Store, order: &ShopperOrder) -> String {
    let first = order.items.first().map(|i| i.product_id.as_str()).unwrap_or_default();
    store.product(first).ok().flatten().map(|p| p.image_url).unwrap_or_default()
}

/// What was ordered, as the shopper reads it.
fn what(order: &ShopperOrder, locale: moa_protocol::model::Locale) -> String {
    let first = order.items.first().and_then(|i| i.title.clone()).unwrap_or_else(|| order.order_id.clone());
    (copy::phrases(locale).order_title)(&first, order.items.len().saturating_sub(1))
}

fn news(order: &ShopperOrder, locale: moa_protocol::model::Locale, image_url: String) -> OrderNews {
    OrderNews {
        mall_id: order.mall_id.clone(),
        order_id: order.order_id.clone(),
        status: order.status,
        what: what(order, locale),
        parcel: order.shipment.as_ref().map(|s| (s.carrier.clone(), s.tracking_number.clone())),
        image_url,
    }
}

/// The shopper's orders as cards, from the cache (offline too).
pub(crate) fn order_cards(parts: &Parts) -> Result<Vec<OrderCard>> {
    let orders = parts.guard(parts.store.orders())?;
    let malls = parts.guard(parts.store.malls())?;
    let words = copy::phrases(parts.locale);
    Ok(orders
        .into_iter()
        .map(|o| {
            let mall_name =
                malls.iter().find(|m| m.id == o.mall_id).map(|m| m.name.clone()).unwrap_or(o.mall_id.clone());
            let shipment = o.shipment.clone();
            OrderCard {
                mall_name,
                status_label: (words.order_status)(o.status).to_string(),
                title: what(&o, parts.locale),
                product_id: o.items.first().map(|i| i.product_id.clone()).unwrap_or_default(),
                image_url: first_photo(&parts.store, &o),
                total: order_total(&o.items).display(),
                items: o.items.iter().map(|i| i.quantity).sum(),
                tracking_url: shipment.as_ref().and_then(|s| tracking_url(&s.carrier, &s.tracking_number)),
                carrier: shipment.as_ref().map(|s| s.carrier.clone()),
                tracking_number: shipment.map(|s| s.tracking_number),
                status: o.status,
                mall_id: o.mall_id,
                order_id: o.order_id,
                ordered_at_ms: o.ordered_at_ms,
                updated_at_ms: o.updated_at_ms,
            }
        })
        .collect())
}

/// The shopper deletes their order history: on the server (which forgets the click-outs too)
/// and then on the device. Offline, nothing is deleted and the error says why.
pub(crate) async fn forget_orders(parts: &Parts) -> Result<u64> {
    if parts.guard(blocking(&parts.store, |s| s.has_outlinks()).await)? {
        let api = parts.api()?;
        let cancel = CancellationToken::new();
        let install = install_credential(parts, api, &cancel).await?;
        api.my_orders(&install, true, &cancel).await?;
    }
    let deleted = parts.guard(blocking(&parts.store, |s| s.forget_orders()).await)?;
    parts.changes.notify(ChangeKind::Orders);
    Ok(deleted)
}

/// The tracking page of a parcel with one of Korea's large carriers. The number must look like
/// one (letters, digits and dashes), so no link carries anything else.
pub fn tracking_url(carrier: &str, number: &str) -> Option<String> {
    let number: String = number.chars().filter(|c| *c != '-').collect();
    if number.is_empty() || number.len() > 30 || !number.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let carrier: String = carrier.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
    let base = match carrier.as_str() {
        "cj대한통운" | "대한통운" | "cjlogistics" => "https://trace.cjlogistics.com/next/tracking.html?wblNo=",
        "우체국택배" | "우체국" | "epost" => {
            "https://service.epost.go.kr/trace.RetrieveDomRigiTraceList.comm?sid1="
        }
        "한진택배" | "한진" | "hanjin" => {
            "https://www.hanjin.com/kor/CMS/DeliveryMgr/WaybillResult.do?mCode=MN038&wblnum="
        }
        "롯데택배" | "롯데글로벌로지스" | "lotte" => {
            "https://www.lotteglogis.com/home/reservation/tracking/linkView?InvNo="
        }
        "로젠택배" | "로젠" | "logen" => "https://www.ilogen.com/web/personal/trace/",
        _ => return None,
    };
    Some(format!("{base}{number}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_links_only_for_known_carriers_and_plain_numbers() {
        assert_eq!(
            tracking_url("CJ대한통운", "1234-5678-9012").as_deref(),
            Some("https://trace.cjlogistics.com/next/tracking.html?wblNo=123456789012")
        );
        assert!(tracking_url("우체국택배", "6012345678901").is_some());
        assert_eq!(tracking_url("동네택배", "1234"), None);
        assert_eq!(tracking_url("CJ대한통운", "1234&x=javascript:"), None);
        assert_eq!(tracking_url("CJ대한통운", ""), None);
    }
}
