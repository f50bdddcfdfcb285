//! Orders across malls over HTTP (issue #21): click-outs registered by devices, orders reported
//! by malls (their own JSON with their key, or their platform's signed webhook), and each
//! install's own orders. docs/PROTOCOL.md has the shapes and the answers.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use moa_protocol::orders::{OrderReport, OrderReportResult, OutlinkBatch};
use moa_protocol::wire::{EVENT_TIME_RANGE_MS, INSTALL_ID_HEADER, INSTALL_KEY_HEADER, MAX_EVENT_FIELD};

use super::{authorise, json_response, reportable_money, with_catalog, ApiProblem, AppState};
use crate::orders::webhooks::{self, WebhookError};
use crate::orders::Refused;
use crate::secrets::sha256_hex;

/// Click-outs a device registers at once, and lines an order may have.
const MAX_OUTLINKS: usize = 100;
const MAX_ORDER_ITEMS: usize = 100;

fn bad(kind: &'static str, title: &'static str, detail: impl Into<String>) -> ApiProblem {
    ApiProblem::new(StatusCode::BAD_REQUEST, kind, title, detail.into())
}

/// The install the request speaks for, proved by its key; missing, unknown and wrong all alike.
async fn install(state: &AppState, headers: &HeaderMap, claimed: Option<&str>) -> Result<String, ApiProblem> {
    let unknown = || ApiProblem::new(StatusCode::UNAUTHORIZED, "unknown-install", "Register this install again", None);
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let id = claimed.map(str::to_string).or_else(|| header(INSTALL_ID_HEADER)).ok_or_else(unknown)?;
    let key = header(INSTALL_KEY_HEADER).ok_or_else(unknown)?;
    let checked = id.clone();
    if with_catalog(state, move |c| c.install_key_matches(&checked, &key)).await? != Some(true) {
        return Err(unknown());
    }
    Ok(id)
}

/// `POST /v1/outlinks`: the install's click-outs (id, mall, time), so that orders from them
/// find their way back to it.
pub(super) async fn register_outlinks(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiProblem> {
    let batch: OutlinkBatch =
        serde_json::from_slice(&body).map_err(|e| bad("bad-outlinks", "Unreadable click-outs", e.to_string()))?;
    let sane = batch.outlinks.len() <= MAX_OUTLINKS
        && batch.outlinks.iter().all(|o| {
            (1..=MAX_EVENT_FIELD).contains(&o.outlink_id.len()) && (1..=MAX_EVENT_FIELD).contains(&o.mall_id.len())
        });
    if !sane {
        return Err(bad(
            "bad-outlinks",
            "Unreadable click-outs",
            format!("1 to {MAX_OUTLINKS} ids and malls of 1 to {MAX_EVENT_FIELD} bytes"),
        ));
    }
    let install_id = install(&state, &headers, Some(&batch.install_id)).await?;
    let now = state.now_ms();
    let new = with_catalog(&state, move |c| c.register_outlinks(&install_id, &batch.outlinks, now)).await?;
    Ok(json_response(serde_json::json!({ "new": new }).to_string()))
}

/// `GET /v1/me/orders`: the install's orders, the latest moved first.
pub(super) async fn my_orders(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiProblem> {
    let install_id = install(&state, &headers, None).await?;
    let list = with_catalog(&state, move |c| c.orders_of(&install_id)).await?;
    Ok(json_response(serde_json::to_string(&list).map_err(ApiProblem::internal)?))
}

/// `DELETE /v1/me/orders`: the shopper deletes their order history (and its click-outs).
pub(super) async fn forget_my_orders(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiProblem> {
    let install_id = install(&state, &headers, None).await?;
    let deleted = with_catalog(&state, move |c| c.forget_orders(&install_id)).await?;
    Ok(json_response(serde_json::json!({ "deleted": deleted }).to_string()))
}

/// `POST /v1/malls/{mall}/orders`: one status of one order, in Moa's shape, with the mall's key.
pub(super) async fn report_order(
    State(state): State<AppState>,
    Path(mall): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiProblem> {
    authorise(&state, &headers, &mall).await?;
    let report: OrderReport =
        serde_json::from_slice(&body).map_err(|e| bad("bad-order", "Unreadable order", e.to_string()))?;
    take_report(&state, mall, report).await
}

/// `POST /v1/malls/{mall}/webhooks/{platform}`: what the mall's platform sends when an order
/// moves (`shopify`, `cafe24`), signed with the mall's webhook secret. A forged signature is
/// 401, a delivery received before 409, an order from no Moa click-out 422.
pub(super) async fn platform_webhook(
    State(state): State<AppState>,
    Path((mall, platform)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiProblem> {
    let (signature_header, delivery_header, adapt): (_, _, fn(&str, &[u8], i64) -> Result<OrderReport, WebhookError>) =
        match platform.as_str() {
            "shopify" => (webhooks::SHOPIFY_SIGNATURE, webhooks::SHOPIFY_DELIVERY, webhooks::shopify),
            "cafe24" => (webhooks::CAFE24_SIGNATURE, webhooks::CAFE24_DELIVERY, webhooks::cafe24),
            _ => {
                return Err(ApiProblem::new(StatusCode::NOT_FOUND, "not-found", "No webhooks for this platform", None))
            }
        };
    let forged =
        || ApiProblem::new(StatusCode::UNAUTHORIZED, "bad-signature", "The webhook's signature does not match", None);
    let owner = mall.clone();
    let secret = with_catalog(&state, move |c| c.webhook_secret(&owner)).await?.ok_or_else(forged)?;
    let signature = headers.get(signature_header).and_then(|v| v.to_str().ok()).ok_or_else(forged)?;
    if !webhooks::signature_ok(&secret, &body, signature) {
        return Err(forged());
    }
    let now = state.now_ms();
    let report = adapt(&mall, &body, now).map_err(|e| match e {
        WebhookError::NoOutlink => refused_outlink(e.to_string()),
        other => bad("bad-order", "Unreadable order", other.to_string()),
    })?;
    // A retry keeps its delivery id; without one, the body itself is the delivery.
    let delivery = match headers.get(delivery_header).and_then(|v| v.to_str().ok()) {
        Some(id) if !id.is_empty() => id.to_string(),
        _ => sha256_hex(&[&String::from_utf8_lossy(&body)]),
    };
    let owner = mall.clone();
    if !with_catalog(&state, move |c| c.first_delivery(&owner, &delivery, now)).await? {
        return Err(ApiProblem::new(StatusCode::CONFLICT, "replayed", "This delivery was received before", None));
    }
    take_report(&state, mall, report).await
}

fn refused_outlink(detail: String) -> ApiProblem {
    ApiProblem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown-outlink",
        "No Moa click-out of this mall has this id",
        detail,
    )
}

async fn take_report(state: &AppState, mall: String, report: OrderReport) -> Result<Response, ApiProblem> {
    let field = |s: &str| (1..=MAX_EVENT_FIELD).contains(&s.len());
    let sane = field(&report.order_id)
        && field(&report.outlink_id)
        && report.items.len() <= MAX_ORDER_ITEMS
        && report
            .items
            .iter()
            .all(|i| field(&i.product_id) && (1..=10_000).contains(&i.quantity) && reportable_money(&i.price))
        && report.shipment.as_ref().is_none_or(|s| s.carrier.len() <= 100 && s.tracking_number.len() <= 100)
        && EVENT_TIME_RANGE_MS.contains(&report.at_ms);
    if !sane {
        return Err(bad(
            "bad-order",
            "Unreadable order",
            format!("an order id and click-out of 1 to {MAX_EVENT_FIELD} bytes, at most {MAX_ORDER_ITEMS} lines of 1 to 10,000 at a price in a currency (ISO 4217), and a time on the calendar"),
        ));
    }
    match with_catalog(state, move |c| c.report_order(&mall, &report)).await? {
        Ok(changed) => {
            Ok(json_response(serde_json::to_string(&OrderReportResult { changed }).map_err(ApiProblem::internal)?))
        }
        Err(Refused::UnknownOutlink) => {
            Err(refused_outlink("register the click-out first: it must be one of this mall's".into()))
        }
    }
}
