//! Alerts about wishlisted products, from real syncs against the server: exactly one alert for a
//! price drop, none for a rise or for another size coming back, and a delivery policy that keeps
//! quiet hours, the digest hour and the daily cap, and never says the same thing twice.

mod common;

use std::sync::{Arc, Mutex};

use common::AlertWorld;
use moa_core::model::{Money, Product};
use moa_core::{Alert, AlertKind, AlertListener, AlertSettings};
use moa_server::DemoWorld;

const NOW: i64 = 1_795_000_000;

async fn setup(seed: u64) -> AlertWorld {
    common::alert_world(seed, NOW).await
}

/// `hour`:`minute` in Korea, `days` after the test's today.
fn kst(days: i64, hour: i64, minute: i64) -> i64 {
    moa_e2e::kst(NOW, days, hour, minute)
}

/// In-stock products with at least two sizes, not on sale (so sale-end alerts stay out of it).
fn candidates(world: &DemoWorld) -> Vec<Product> {
    world
        .products
        .iter()
        .filter(|p| p.in_stock() && p.variants.len() >= 2 && p.sale_ends_at.is_none() && p.price.amount >= 20_000)
        .cloned()
        .collect()
}

fn kinds(alerts: &[Alert]) -> Vec<(AlertKind, String)> {
    alerts.iter().map(|a| (a.kind, a.product_id.clone())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_drop_is_one_alert_and_a_rise_or_a_small_change_none() {
    let s = setup(61).await;
    let c = candidates(&s.world);
    let (dropping, rising, nudged) = (&c[0], &c[1], &c[2]);
    for p in [dropping, rising, nudged] {
        s.moa.add_to_wishlist(&p.id, None).unwrap();
    }
    s.change(dropping, |p| p.price = Money::krw(p.price.amount * 8 / 10)).await;
    s.change(rising, |p| p.price = Money::krw(p.price.amount + 10_000)).await;
    // 1 % and under 5,000원: not worth a notification.
    s.change(nudged, |p| p.price = Money::krw(p.price.amount - p.price.amount / 100)).await;

    let due = s.moa.deliver_alerts_at(kst(0, 20, 30)).unwrap();
    assert_eq!(kinds(&due), vec![(AlertKind::PriceDrop, dropping.id.clone())]);
    let alert = &due[0];
    assert_eq!(alert.title, "찜한 상품 가격이 내렸어요");
    assert!(alert.body.contains(&Money::krw(dropping.price.amount).display()), "{}", alert.body);
    assert!(alert.body.contains("20%"), "{}", alert.body);

    // Never twice: not later that day, not the next day, not after a sync that changes nothing.
    assert!(s.moa.deliver_alerts_at(kst(0, 21, 0)).unwrap().is_empty());
    s.moa.sync().await.unwrap();
    assert!(s.moa.deliver_alerts_at(kst(1, 20, 30)).unwrap().is_empty());

    // The same product dropping again, further, is news again.
    s.change(dropping, |p| p.price = Money::krw(p.price.amount * 7 / 10)).await;
    assert_eq!(
        kinds(&s.moa.deliver_alerts_at(kst(2, 20, 30)).unwrap()),
        vec![(AlertKind::PriceDrop, dropping.id.clone())]
    );
    s.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_chosen_size_coming_back_is_news() {
    let s = setup(62).await;
    let product = &candidates(&s.world)[0];
    let (chosen, other) = (product.variants[0].id.clone(), product.variants[1].id.clone());
    // Both sizes sell out; the shopper wishlists the product in the first size anyway.
    s.change(product, |p| p.variants.iter_mut().for_each(|v| v.available = false)).await;
    s.moa.add_to_wishlist(&product.id, Some(&chosen)).unwrap();

    s.change(product, |p| p.variants.iter_mut().filter(|v| v.id == other).for_each(|v| v.available = true)).await;
    assert!(s.moa.deliver_alerts_at(kst(0, 20, 30)).unwrap().is_empty(), "another size is not the shopper's");

    s.change(product, |p| p.variants.iter_mut().filter(|v| v.id == chosen).for_each(|v| v.available = true)).await;
    let due = s.moa.deliver_alerts_at(kst(1, 20, 30)).unwrap();
    assert_eq!(kinds(&due), vec![(AlertKind::BackInStock, product.id.clone())]);
    assert_eq!(due[0].variant_id.as_deref(), Some(chosen.as_str()));
    s.server.shutdown().await;
}

#[derive(Default)]
struct Notifications(Mutex<Vec<Alert>>);

impl AlertListener for Notifications {
    fn on_alerts(&self, alerts: Vec<Alert>) {
        self.0.lock().unwrap().extend(alerts);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_hours_the_digest_and_the_daily_cap_hold() {
    let s = setup(63).await;
    let c = candidates(&s.world);
    for p in &c[..5] {
        s.moa.add_to_wishlist(&p.id, None).unwrap();
    }
    for p in &c[..5] {
        s.change(p, |p| p.price = Money::krw(p.price.amount * 3 / 4)).await;
    }
    let notifications = Arc::new(Notifications::default());
    s.moa.set_alert_listener(Some(notifications.clone()));

    // Default: one digest a day at 20:00, quiet from 22:00 to 08:00, at most 3 a day.
    assert!(s.moa.deliver_alerts_at(kst(0, 23, 30)).unwrap().is_empty(), "quiet hours");
    assert!(s.moa.deliver_alerts_at(kst(1, 7, 59)).unwrap().is_empty(), "quiet hours until 8");
    assert!(s.moa.deliver_alerts_at(kst(1, 12, 0)).unwrap().is_empty(), "the digest waits for 20:00");
    let digest = s.moa.deliver_alerts_at(kst(1, 20, 5)).unwrap();
    assert_eq!(digest.len(), 3, "the cap");
    assert!(s.moa.deliver_alerts_at(kst(1, 21, 0)).unwrap().is_empty(), "one digest a day");
    let next = s.moa.deliver_alerts_at(kst(2, 20, 0)).unwrap();
    assert_eq!(next.len(), 2, "the rest, the next day");
    let mut all: Vec<String> = digest.iter().chain(&next).map(|a| a.product_id.clone()).collect();
    all.sort();
    let mut expected: Vec<String> = c[..5].iter().map(|p| p.id.clone()).collect();
    expected.sort();
    assert_eq!(all, expected, "each drop once");
    assert_eq!(notifications.0.lock().unwrap().len(), 5, "the listener heard exactly what was delivered");

    // Alerts as they come, still not in quiet hours, still capped. (Without a listener, so that
    // the syncs below do not deliver at the real time of day.)
    s.moa.set_alert_listener(None);
    s.moa
        .set_alert_settings(&AlertSettings { daily_digest: false, max_per_day: 1, ..AlertSettings::default() })
        .unwrap();
    for p in &c[5..7] {
        s.moa.add_to_wishlist(&p.id, None).unwrap();
        s.change(p, |p| p.price = Money::krw(p.price.amount / 2)).await;
    }
    assert!(s.moa.deliver_alerts_at(kst(3, 23, 0)).unwrap().is_empty());
    assert_eq!(s.moa.deliver_alerts_at(kst(4, 9, 0)).unwrap().len(), 1);
    assert!(s.moa.deliver_alerts_at(kst(4, 9, 30)).unwrap().is_empty(), "cap of one");
    assert_eq!(s.moa.deliver_alerts_at(kst(5, 9, 0)).unwrap().len(), 1);
    s.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn news_that_stopped_being_true_is_not_sent() {
    let s = setup(64).await;
    let c = candidates(&s.world);
    let (back_up, unwished) = (&c[0], &c[1]);
    for p in [back_up, unwished] {
        s.moa.add_to_wishlist(&p.id, None).unwrap();
        s.change(p, |p| p.price = Money::krw(p.price.amount * 8 / 10)).await;
    }
    // Before the digest: one price goes back up, the other product leaves the wishlist.
    s.change(back_up, |p| p.price = Money::krw(p.price.amount * 10 / 8)).await;
    s.moa.remove_from_wishlist(&unwished.id).unwrap();
    assert!(s.moa.deliver_alerts_at(kst(0, 20, 30)).unwrap().is_empty());
    s.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_ending_within_a_day_is_told_once() {
    let s = setup(65).await;
    let product = &candidates(&s.world)[0];
    s.moa.add_to_wishlist(&product.id, None).unwrap();
    let deliver_at = kst(0, 20, 30);
    // The mall puts it on sale (a small cut: not a price drop worth telling), ending in 5 hours.
    s.change(product, |p| {
        p.original_price = Some(p.price.clone());
        p.price = Money::krw(p.price.amount - 1_000);
        p.sale_ends_at = Some(deliver_at / 1000 + 5 * 3600);
    })
    .await;
    assert!(s.moa.deliver_alerts_at(kst(0, 9, 0)).unwrap().is_empty(), "the digest waits for 20:00");
    let due = s.moa.deliver_alerts_at(deliver_at).unwrap();
    assert_eq!(kinds(&due), vec![(AlertKind::SaleEnding, product.id.clone())]);
    assert_eq!(due[0].title, "찜한 상품 세일이 곧 끝나요");
    assert!(s.moa.deliver_alerts_at(kst(1, 20, 0)).unwrap().is_empty());
    s.server.shutdown().await;
}
