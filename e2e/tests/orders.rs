//! Orders across malls (issue #21), end to end over a real server: a shopper clicks out, the
//! mall's Cafe24 webhook reports the order with a valid signature, the device syncs and the
//! order appears with its status, an alert fires once, and a purchase is recorded. A forged
//! signature, a replay, another mall's key and an unknown click-out are refused and change
//! nothing; a status never moves back; the shopper can delete the history everywhere.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use moa_core::model::Product;
use moa_core::orders::OrdersReport;
use moa_core::{AlertKind, FixedClock, Moa, MoaConfig};
use moa_protocol::orders::{OrderReport, OrderStatus};
use moa_protocol::wire::InstallCredential;
use moa_server::orders::webhooks;
use moa_server::{CatalogDb, DemoSpec, DemoWorld, RunningServer};

const NOW: i64 = 1_795_000_000;

/// `hour`:`minute` in Korea, `days` after the test's today.
fn kst(days: i64, hour: i64, minute: i64) -> i64 {
    moa_e2e::kst(NOW, days, hour, minute)
}

struct Setup {
    catalog: Arc<CatalogDb>,
    world: DemoWorld,
    server: RunningServer,
    moa: Moa,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn setup() -> Setup {
    let (catalog, world) = moa_server::demo_catalog(DemoSpec { seed: 21, products: 400, now: NOW }).unwrap();
    let server = RunningServer::start(Arc::clone(&catalog), SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let moa = Moa::open(MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server(&server.url)).unwrap();
    moa.sync().await.unwrap();
    Setup { catalog, world, server, moa, http: reqwest::Client::new(), _dir: dir }
}

impl Setup {
    /// A Cafe24 order webhook for `product` bought through `outlink`, its items at `code`.
    fn cafe24_body(&self, product: &Product, outlink: &str, code: &str) -> String {
        let product_no: u64 = product.id.strip_prefix(&format!("{}-", product.mall_id)).unwrap().parse().unwrap();
        serde_json::json!({
            "event_no": 90024,
            "resource": {
                "mall_id": product.mall_id, "event_shop_no": "1", "order_id": "20261130-0000012",
                "additional_order_info_list": [{"id": 1, "name": "moa_outlink", "value": outlink}],
                "items": [{"product_no": product_no, "product_name": product.title, "quantity": 2,
                           "product_price": format!("{}.00", product.price.amount), "order_status": code,
                           "shipping_company_name": "CJ대한통운", "tracking_no": "123456789012"}]
            }
        })
        .to_string()
    }

    /// POST a Cafe24 webhook for `mall`, signed with `secret`, as delivery `trace`.
    async fn webhook(&self, mall: &str, body: &str, secret: &str, trace: &str) -> (u16, serde_json::Value) {
        let response = self
            .http
            .post(format!("{}/v1/malls/{mall}/webhooks/cafe24", self.server.url))
            .header(webhooks::CAFE24_SIGNATURE, webhooks::sign(secret, body.as_bytes()))
            .header(webhooks::CAFE24_DELIVERY, trace)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or_default())
    }

    /// The install the device registered, as the server knows it.
    fn install(&self) -> InstallCredential {
        serde_json::from_str(&self.moa.store().setting("install_credential").unwrap().unwrap()).unwrap()
    }

    fn server_orders(&self) -> Vec<(String, OrderStatus)> {
        let list = self.catalog.orders_of(&self.install().install_id).unwrap();
        list.orders.into_iter().map(|o| (o.order_id, o.status)).collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_out_s_order_reaches_the_shopper_once_and_forged_or_foreign_reports_change_nothing() {
    let s = setup().await;
    let product = s.world.products.iter().find(|p| p.in_stock()).unwrap().clone();
    let mall = product.mall_id.clone();
    let secret = moa_server::demo_webhook_secret(&mall);

    // No click-out yet: the sync asks nothing about orders (and registers no install for it).
    assert_eq!(s.moa.sync_orders().await.unwrap(), OrdersReport::default());
    assert!(s.moa.store().setting("install_credential").unwrap().is_none());

    let outlink = s.moa.click_out(&product.id, "for_you", 0).unwrap();
    assert!(outlink.url.contains(&outlink.outlink_id));
    let report = s.moa.sync_orders().await.unwrap();
    assert_eq!((report.outlinks_registered, report.new_orders), (1, 0));

    // The mall's platform reports the order as shipped, signed with the mall's secret.
    let body = s.cafe24_body(&product, &outlink.outlink_id, "N30");
    assert_eq!(s.webhook(&mall, &body, &secret, "trace-1").await, (200, serde_json::json!({"changed": true})));
    let shipped = vec![("20261130-0000012".to_string(), OrderStatus::Shipped)];
    assert_eq!(s.server_orders(), shipped);

    // Refused, and nothing changes: a forged signature, the same delivery again, another
    // mall's key on the mall's own endpoint, a click-out nobody made.
    assert_eq!(s.webhook(&mall, &body, "not-the-secret", "trace-2").await.0, 401);
    assert_eq!(s.webhook(&mall, &body, &secret, "trace-1").await.0, 409, "a replay");
    let other = s.world.malls.iter().find(|m| m.id != mall).unwrap();
    let report_body = OrderReport {
        order_id: "20261130-0000012".into(),
        outlink_id: outlink.outlink_id.clone(),
        items: Vec::new(),
        status: OrderStatus::Delivered,
        shipment: None,
        at_ms: NOW * 1000,
    };
    let foreign = s
        .http
        .post(format!("{}/v1/malls/{mall}/orders", s.server.url))
        .bearer_auth(moa_server::demo_mall_key(&other.id))
        .json(&report_body)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status().as_u16(), 403);
    let unknown = s.cafe24_body(&product, "ffffffffffffffffffffffffffffffff", "N40");
    assert_eq!(s.webhook(&mall, &unknown, &secret, "trace-3").await.0, 422);
    // The same click-out reported by another mall (signed with its own secret) is not theirs.
    let other_secret = moa_server::demo_webhook_secret(&other.id);
    assert_eq!(
        s.webhook(&other.id, &s.cafe24_body(&product, &outlink.outlink_id, "N40"), &other_secret, "t").await.0,
        422
    );
    assert_eq!(s.server_orders(), shipped, "nothing refused changed the order");
    // The order is the mall's purchase from Moa, in its numbers once.
    let reported: u64 = s.catalog.mall_stats(&mall).unwrap().iter().map(|d| d.reported_purchases).sum();
    assert_eq!(reported, 1);
    let amount: i64 = s.catalog.mall_stats(&mall).unwrap().iter().map(|d| d.reported_amount).sum();
    assert_eq!(amount, 2 * product.price.amount);

    // The device syncs: the order, its parcel, one alert, one purchase.
    let report = s.moa.sync_orders().await.unwrap();
    assert_eq!((report.new_orders, report.moved), (1, 1));
    let orders = s.moa.orders().unwrap();
    assert_eq!(orders.len(), 1);
    let card = &orders[0];
    assert_eq!(
        (card.status, card.status_label.as_str(), card.mall_id.as_str()),
        (OrderStatus::Shipped, "배송 중", mall.as_str())
    );
    assert_eq!(card.title, product.title);
    assert_eq!(card.image_url, s.moa.product(&product.id).unwrap().image_url);
    assert_eq!(card.items, 2);
    assert_eq!(
        card.tracking_url.as_deref(),
        Some("https://trace.cjlogistics.com/next/tracking.html?wblNo=123456789012")
    );
    let due = s.moa.deliver_alerts_at(kst(0, 20, 30)).unwrap();
    let order_alerts: Vec<_> = due.iter().filter(|a| a.kind == AlertKind::OrderUpdate).collect();
    assert_eq!(order_alerts.len(), 1, "{due:?}");
    assert!(order_alerts[0].body.contains("배송을 시작했어요 · CJ대한통운 123456789012"), "{}", order_alerts[0].body);
    assert!(order_alerts[0].body.contains(&product.title));
    let purchases = s.moa.store().pending_events(1000).unwrap();
    let bought: Vec<_> = purchases.iter().filter(|(_, e)| e.kind == "purchase").collect();
    assert_eq!(bought.len(), 1);
    assert_eq!(bought[0].1.product_id.as_deref(), Some(product.id.as_str()));
    // Once: syncing again brings nothing new and no alert.
    assert_eq!(s.moa.sync_orders().await.unwrap().moved, 0);
    assert!(s.moa.deliver_alerts_at(kst(1, 20, 30)).unwrap().iter().all(|a| a.kind != AlertKind::OrderUpdate));

    // Out of order: "paid" after "shipped" changes nothing; "delivered" moves it on.
    let paid = s.cafe24_body(&product, &outlink.outlink_id, "N10");
    assert_eq!(s.webhook(&mall, &paid, &secret, "trace-4").await.1, serde_json::json!({"changed": false}));
    let delivered = s.cafe24_body(&product, &outlink.outlink_id, "N40");
    assert_eq!(s.webhook(&mall, &delivered, &secret, "trace-5").await.1, serde_json::json!({"changed": true}));
    s.moa.sync_orders().await.unwrap();
    assert_eq!(s.moa.orders().unwrap()[0].status, OrderStatus::Delivered);
    let due = s.moa.deliver_alerts_at(kst(2, 20, 30)).unwrap();
    assert_eq!(due.iter().filter(|a| a.kind == AlertKind::OrderUpdate).count(), 1);
    assert_eq!(s.moa.store().pending_events(1000).unwrap().iter().filter(|(_, e)| e.kind == "purchase").count(), 1);

    // The shopper deletes the history: gone on the server and the device; the click-out with it.
    assert_eq!(s.moa.delete_order_history().await.unwrap(), 1);
    assert!(s.moa.orders().unwrap().is_empty());
    assert!(s.server_orders().is_empty());
    let returned = s.cafe24_body(&product, &outlink.outlink_id, "R00");
    assert_eq!(s.webhook(&mall, &returned, &secret, "trace-6").await.0, 422);
    s.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopify_order_webhook_is_taken_and_the_orders_survive_offline() {
    let s = setup().await;
    let product = s.world.products.iter().rev().find(|p| p.in_stock()).unwrap().clone();
    let mall = product.mall_id.clone();
    let outlink = s.moa.click_out(&product.id, "search", 3).unwrap();
    s.moa.sync().await.unwrap();
    let product_no: u64 = product.id.strip_prefix(&format!("{mall}-")).unwrap().parse().unwrap_or(0);
    let body = serde_json::json!({
        "id": 820982911946154508u64, "currency": "KRW", "financial_status": "paid", "fulfillment_status": null,
        "cancelled_at": null, "updated_at": "2026-11-20T10:00:00+09:00",
        "landing_site": format!("/product/{product_no}?utm_source=moa&moa_outlink={}", outlink.outlink_id),
        "line_items": [{"product_id": product_no, "variant_id": 1, "title": product.title, "quantity": 1,
                        "price": format!("{}.00", product.price.amount)}],
        "fulfillments": []
    })
    .to_string();
    let secret = moa_server::demo_webhook_secret(&mall);
    let send = |signature: String| {
        s.http
            .post(format!("{}/v1/malls/{mall}/webhooks/shopify", s.server.url))
            .header(webhooks::SHOPIFY_SIGNATURE, signature)
            .header(webhooks::SHOPIFY_DELIVERY, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
            .body(body.clone())
            .send()
    };
    assert_eq!(send("AAAA".into()).await.unwrap().status().as_u16(), 401);
    assert_eq!(send(webhooks::sign(&secret, body.as_bytes())).await.unwrap().status().as_u16(), 200);
    assert_eq!(send(webhooks::sign(&secret, body.as_bytes())).await.unwrap().status().as_u16(), 409);
    s.moa.sync().await.unwrap();
    s.server.shutdown().await;
    // The server is gone: the orders are still there, from the cache.
    let orders = s.moa.orders().unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!((orders[0].status, orders[0].order_id.as_str()), (OrderStatus::Paid, "820982911946154508"));
    assert_eq!(orders[0].total, product.price.display());
    // Deleting needs the server: offline, nothing is deleted and the error says so.
    assert!(s.moa.delete_order_history().await.is_err());
    assert_eq!(s.moa.orders().unwrap().len(), 1);
}
