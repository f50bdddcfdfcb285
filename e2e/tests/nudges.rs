//! Nudges (issue #22) from the shopper's own behaviour and what syncs bring, over a real server:
//! each fires once when its condition becomes true, says why, never in quiet hours or past the
//! day's cap, not when switched off — and nothing leaves the device for it.

mod common;

use common::AlertWorld;
use moa_core::model::{Money, Product};
use moa_core::{AlertKind, AlertSettings, Event};
use moa_server::DemoWorld;

const NOW: i64 = 1_795_000_000;

async fn setup(seed: u64) -> AlertWorld {
    let s = common::alert_world(seed, NOW).await;
    // Alerts as they come (no digest), quiet 22:00–08:00, a cap of 2 a day.
    let settings = AlertSettings { daily_digest: false, max_per_day: 2, ..AlertSettings::default() };
    s.moa.set_alert_settings(&settings).unwrap();
    s
}

/// `hour`:`minute` in Korea, `days` after the test's today.
fn kst(days: i64, hour: i64, minute: i64) -> i64 {
    moa_e2e::kst(NOW, days, hour, minute)
}

/// In-stock products of several sizes, not on sale, none alike.
fn candidates(world: &DemoWorld) -> Vec<Product> {
    world
        .products
        .iter()
        .filter(|p| p.in_stock() && p.variants.len() >= 3 && p.variants.iter().all(|v| v.available))
        .filter(|p| p.sale_ends_at.is_none() && p.price.amount >= 20_000 && p.same_item.is_none())
        .cloned()
        .collect()
}

impl AlertWorld {
    fn nudges_at(&self, at_ms: i64) -> Vec<(AlertKind, String, String)> {
        let due = self.moa.deliver_alerts_at(at_ms).unwrap();
        due.into_iter().filter(|a| a.kind != AlertKind::PriceDrop).map(|a| (a.kind, a.product_id, a.body)).collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_viewed_twice_and_now_cheaper_is_nudged_once_with_its_reason() {
    let s = setup(41).await;
    let picks = candidates(&s.world);
    let (viewed, once, kept) = (&picks[0], &picks[1], &picks[2]);
    for _ in 0..2 {
        s.moa.record(Event::ProductView { product_id: viewed.id.clone(), dwell_ms: 4_000 }).unwrap();
        s.moa.record(Event::ProductView { product_id: kept.id.clone(), dwell_ms: 4_000 }).unwrap();
    }
    s.moa.record(Event::ProductView { product_id: once.id.clone(), dwell_ms: 4_000 }).unwrap();
    s.moa.add_to_wishlist(&kept.id, None).unwrap();
    // 5 % off is not worth a nudge; nothing yet.
    s.change(viewed, |p| p.price = Money::krw(p.price.amount * 95 / 100)).await;
    assert!(s.nudges_at(kst(0, 12, 0)).is_empty());
    // 15 % below the price seen: the twice-viewed product is nudged; the once-viewed and the
    // 찜 one (its own price-drop alert covers it) are not.
    let now_price = viewed.price.amount * 85 / 100;
    s.change(viewed, |p| p.price = Money::krw(now_price)).await;
    s.change(once, |p| p.price = Money::krw(p.price.amount * 80 / 100)).await;
    s.change(kept, |p| p.price = Money::krw(p.price.amount * 80 / 100)).await;
    let alerts = s.moa.deliver_alerts_at(kst(0, 12, 5)).unwrap();
    let due: Vec<_> = alerts
        .iter()
        .filter(|a| a.kind != AlertKind::PriceDrop)
        .map(|a| (a.kind, a.product_id.clone(), a.body.clone()))
        .collect();
    assert_eq!(
        due.iter().map(|d| (d.0, d.1.as_str())).collect::<Vec<_>>(),
        [(AlertKind::ViewedCheaper, viewed.id.as_str())]
    );
    let nudge = alerts.iter().find(|a| a.kind == AlertKind::ViewedCheaper).unwrap().alert_id;
    assert!(due[0].2.contains("2번 보신") && due[0].2.contains("15%"), "{}", due[0].2);
    assert!(due[0].2.contains(&Money::krw(now_price).display()), "{}", due[0].2);
    // Once: not again that day, nor the next, nor after another sync.
    s.moa.sync().await.unwrap();
    assert!(s.nudges_at(kst(0, 13, 0)).is_empty());
    assert!(s.nudges_at(kst(1, 13, 0)).is_empty());
    // Nothing of it left the device: no consent, no upload, no event sent.
    assert!(s.moa.upload_events().await.unwrap().sent == 0);

    // The shopper taps the nudge and goes to the mall: with their consent, the mall's numbers
    // count it sent, opened and clicked through, under its trigger.
    s.moa.alert_opened(nudge).unwrap();
    s.moa.click_out(&viewed.id, "alert", 0).unwrap();
    s.moa.set_event_consent(true).unwrap();
    assert!(s.moa.upload_events().await.unwrap().sent > 0);
    let days = s.catalog.mall_stats(&viewed.mall_id).unwrap();
    let counted: Vec<_> = days.iter().flat_map(|d| d.nudges.clone()).collect();
    assert_eq!(
        counted,
        [moa_core::wire::NudgeStats { trigger: "viewed_cheaper".into(), sent: 1, opened: 1, clicked: 1 }]
    );
    s.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_size_and_a_forgotten_cart_wait_for_the_morning_and_the_cap_and_obey_the_switches() {
    let s = setup(42).await;
    let picks = candidates(&s.world);
    let (wished, other_size, carted, bought, off) = (&picks[0], &picks[1], &picks[2], &picks[3], &picks[4]);
    // 찜 in a chosen size; the other sizes sell out. Another 찜 whose chosen size is the one
    // that sells out is not "your last size".
    let mine = wished.variants[1].id.clone();
    s.moa.add_to_wishlist(&wished.id, Some(&mine)).unwrap();
    s.moa.add_to_wishlist(&other_size.id, Some(&other_size.variants[0].id)).unwrap();
    for p in [wished, other_size] {
        let keep = if p.id == wished.id { mine.clone() } else { p.variants[1].id.clone() };
        s.change(p, |p| p.variants.iter_mut().for_each(|v| v.available = v.id == keep)).await;
    }
    // Carts at the mall: one bought since, one not.
    s.moa.record(Event::AddToCart { product_id: carted.id.clone() }).unwrap();
    s.moa.record(Event::AddToCart { product_id: bought.id.clone() }).unwrap();
    s.moa.record(Event::Purchase { product_id: bought.id.clone() }).unwrap();

    // 23:30 is quiet: nothing, though the last size is already true.
    assert!(s.nudges_at(kst(0, 23, 30)).is_empty());
    // The next morning: the last size (the carts are not a day old yet).
    let morning = s.nudges_at(kst(1, 9, 0));
    assert_eq!(
        morning.iter().map(|d| (d.0, d.1.as_str())).collect::<Vec<_>>(),
        [(AlertKind::LastSize, wished.id.as_str())]
    );
    let size = wished.variants[1].size.clone().unwrap();
    assert!(morning[0].2.contains(&format!("고르신 {size}만 남았어요")), "{}", morning[0].2);
    // A day after the carts (they went in at 20:06): the one not bought.
    let evening = s.nudges_at(kst(1, 21, 0));
    assert_eq!(
        evening.iter().map(|d| (d.0, d.1.as_str())).collect::<Vec<_>>(),
        [(AlertKind::CartReminder, carted.id.as_str())]
    );
    assert!(evening[0].2.contains("아직 고민 중이세요"), "{}", evening[0].2);

    // Switched off: a nudge that would fire is neither found nor sent.
    let settings = AlertSettings { nudge_viewed_cheaper: false, ..s.moa.alert_settings().unwrap() };
    s.moa.set_alert_settings(&settings).unwrap();
    for _ in 0..3 {
        s.moa.record(Event::ProductView { product_id: off.id.clone(), dwell_ms: 3_000 }).unwrap();
    }
    s.change(off, |p| p.price = Money::krw(p.price.amount / 2)).await;
    assert!(s.nudges_at(kst(2, 12, 0)).is_empty());
    s.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_days_cap_a_nudge_waits_for_the_next_day() {
    let s = setup(43).await;
    let picks = candidates(&s.world);
    for p in &picks[..3] {
        s.moa.record(Event::AddToCart { product_id: p.id.clone() }).unwrap();
    }
    assert!(s.nudges_at(kst(1, 10, 0)).is_empty(), "not a day old yet");
    let first = s.nudges_at(kst(2, 10, 0));
    assert_eq!(first.len(), 2, "the cap is two a day: {first:?}");
    assert!(s.nudges_at(kst(2, 18, 0)).is_empty(), "the day's cap is spent");
    let next = s.nudges_at(kst(3, 10, 0));
    assert_eq!(next.len(), 1);
    let all: std::collections::HashSet<&str> = first.iter().chain(&next).map(|d| d.1.as_str()).collect();
    assert_eq!(all.len(), 3, "each cart once");
    s.server.shutdown().await;
}
