//! Click-out links and the exit-intent rescue rules, on the demo world synced from a real server.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use moa_core::{Event, FixedClock, Moa, MoaConfig};
use moa_server::{DemoSpec, DemoWorld, RunningServer};

const NOW: i64 = 1_795_000_000;

async fn setup(max_per_day: u32) -> Shop {
    let (catalog, world) = moa_server::demo_catalog(DemoSpec { seed: 41, products: 4_000, now: NOW }).unwrap();
    // One product whose link points off its mall: it must never be opened.
    let mut rogue = world.products.iter().find(|p| p.in_stock()).unwrap().clone();
    rogue.product_url = "https://phishing.example/login".into();
    catalog.upsert_products(&[rogue]).unwrap();
    let server = RunningServer::start(Arc::clone(&catalog), SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::at_secs(NOW);
    let mut config = MoaConfig::new(dir.path()).clock(clock.clone()).server(&server.url);
    config.rescue.max_per_day = max_per_day;
    let moa = Moa::open(config).unwrap();
    moa.sync().await.unwrap();
    Shop { moa, world, server, clock, _dir: dir }
}

struct Shop {
    moa: Moa,
    world: DemoWorld,
    server: RunningServer,
    /// The core's clock: the shopper's time at the mall passes on it.
    clock: Arc<FixedClock>,
    _dir: tempfile::TempDir,
}

impl Shop {
    /// Back from the mall `away_ms` after the click-out (the core times it).
    fn back_after(&self, outlink_id: &str, away_ms: i64) -> moa_core::Result<Option<moa_core::RescueSheet>> {
        self.clock.advance_ms(away_ms);
        self.moa.returned_from_mall(outlink_id)
    }
}

/// In-stock products of `count` different malls.
fn one_per_mall(world: &DemoWorld, count: usize) -> Vec<(String, String)> {
    let mut seen = std::collections::HashSet::new();
    world
        .products
        .iter()
        .skip(1)
        .filter(|p| p.in_stock() && seen.insert(p.mall_id.clone()))
        .take(count)
        .map(|p| (p.id.clone(), p.mall_id.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_are_checked_attributed_and_recorded() {
    let shop = setup(3).await;
    let (moa, world) = (&shop.moa, &shop.world);
    let product = &world.products[5];
    let before = moa.store().event_count().unwrap();
    let link = moa.click_out(&product.id, "for_you", 4).unwrap();
    let url = url::Url::parse(&link.url).unwrap();
    let mall = world.malls.iter().find(|m| m.id == product.mall_id).unwrap();
    assert!(mall.link_hosts.contains(&url.host_str().unwrap().to_string()));
    assert_eq!(url.scheme(), "https");
    let ours: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| moa_core::outlink::ATTRIBUTION_PARAMS.contains(&k.as_ref()))
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    assert_eq!(
        ours,
        vec![
            ("utm_source".into(), "moa".into()),
            ("utm_medium".into(), "app".into()),
            ("utm_campaign".into(), "for_you".into()),
            ("utm_content".into(), "4".into()),
            ("moa_outlink".into(), link.outlink_id.clone()),
        ]
    );
    assert_eq!(moa.store().event_count().unwrap(), before + 1, "the click-out is recorded");

    let rogue = world.products.iter().find(|p| p.in_stock()).unwrap();
    let err = moa.click_out(&rogue.id, "for_you", 0).unwrap_err();
    assert!(matches!(err, moa_core::Error::InvalidInput(ref m) if m.contains("phishing.example")), "{err}");

    // Sharing: the mall's page, checked the same way, attributed as a share, with a line about it.
    let shared = moa.share_link(&product.id).unwrap();
    let url = url::Url::parse(&shared.url).unwrap();
    assert!(mall.link_hosts.contains(&url.host_str().unwrap().to_string()));
    let medium = url.query_pairs().find(|(k, _)| k == "utm_medium").map(|(_, v)| v.into_owned());
    assert_eq!(medium.as_deref(), Some("share"));
    assert!(
        shared.text.contains(&product.title) && shared.text.contains(&mall.name) && shared.text.contains("모아"),
        "{}",
        shared.text
    );
    assert!(matches!(moa.share_link(&rogue.id), Err(moa_core::Error::InvalidInput(_))), "no share of a rogue link");
    shop.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rescue_comes_only_on_a_quick_first_return_within_the_daily_cap() {
    let shop = setup(3).await;
    let (moa, world) = (&shop.moa, &shop.world);
    let picks = one_per_mall(world, 6);
    let hidden = picks[5].1.clone();
    moa.record(Event::HideMall { mall_id: hidden.clone() }).unwrap();

    // Back after 20 s: a sheet, of in-stock products, not the one left, none from a hidden mall.
    let link = moa.click_out(&picks[0].0, "for_you", 0).unwrap();
    let sheet = shop.back_after(&link.outlink_id, 20_000).unwrap().expect("a rescue sheet");
    assert!(sheet.cards.len() >= 3, "{} cards", sheet.cards.len());
    for card in &sheet.cards {
        assert_ne!(card.product_id, picks[0].0);
        assert_ne!(card.mall_id, hidden);
        assert!(moa.product(&card.product_id).unwrap().in_stock());
        assert!(!card.reason.is_empty());
    }
    assert!(sheet.cards.iter().any(|c| c.mall_id != picks[0].1), "alternatives from other malls");
    // The same product or mall again in this session: nothing.
    let again = moa.click_out(&picks[0].0, "for_you", 0).unwrap();
    assert!(shop.back_after(&again.outlink_id, 5_000).unwrap().is_none());

    // Back after 90 s: nothing.
    let slow = moa.click_out(&picks[1].0, "for_you", 1).unwrap();
    assert!(shop.back_after(&slow.outlink_id, 90_000).unwrap().is_none());

    // Two more quick returns from other malls reach the cap of three a day; the fourth gets none.
    for (product, _) in &picks[2..4] {
        let link = moa.click_out(product, "for_you", 2).unwrap();
        assert!(shop.back_after(&link.outlink_id, 10_000).unwrap().is_some());
    }
    let capped = moa.click_out(&picks[4].0, "for_you", 3).unwrap();
    assert!(shop.back_after(&capped.outlink_id, 10_000).unwrap().is_none(), "daily cap");
    assert!(moa.returned_from_mall("no-such-outlink").is_err());
    shop.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_rescue_right_after_a_dismissed_one() {
    let shop = setup(10).await;
    let (moa, world) = (&shop.moa, &shop.world);
    let picks = one_per_mall(world, 2);
    let link = moa.click_out(&picks[0].0, "cover", 0).unwrap();
    assert!(shop.back_after(&link.outlink_id, 15_000).unwrap().is_some());
    moa.record(Event::RescueDismissed).unwrap();
    let next = moa.click_out(&picks[1].0, "cover", 0).unwrap();
    assert!(shop.back_after(&next.outlink_id, 15_000).unwrap().is_none());
    shop.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_check_says_what_changed_before_the_shopper_leaves() {
    let (catalog, world) = moa_server::demo_catalog(DemoSpec { seed: 43, products: 1_000, now: NOW }).unwrap();
    let server = RunningServer::start(Arc::clone(&catalog), SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let moa = Moa::open(MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server(&server.url)).unwrap();
    moa.sync().await.unwrap();
    let stock: Vec<_> = world.products.iter().filter(|p| p.in_stock()).take(3).cloned().collect();

    let same = moa.live_check(&stock[0].id).await.unwrap();
    assert!(same.live && same.in_stock && same.notice.is_none() && same.previous_price_text.is_none());
    assert!(same.can_go && !same.confirm_first, "nothing changed: straight to the mall");

    // The mall changed the price, sold out another, delisted a third — after our last sync.
    let mut repriced = stock[0].clone();
    repriced.price = moa_core::model::Money::krw(stock[0].price.amount + 5_000);
    let mut sold_out = stock[1].clone();
    sold_out.variants.iter_mut().for_each(|v| v.available = false);
    catalog.upsert_products(&[repriced.clone(), sold_out]).unwrap();
    catalog.delete_products(&[&stock[2].id]).unwrap();

    let changed = moa.live_check(&stock[0].id).await.unwrap();
    assert_eq!(changed.price, repriced.price.amount);
    assert_eq!(changed.previous_price_text.as_deref(), Some(stock[0].price.display().as_str()));
    assert!(changed.can_go && changed.confirm_first, "a new price is seen before leaving");
    assert!(changed.notice.unwrap().contains(&repriced.price.display()));
    let gone = moa.live_check(&stock[1].id).await.unwrap();
    assert!(!gone.can_go && !gone.confirm_first);
    assert!(!gone.in_stock && gone.notice.unwrap().contains("품절"));
    let delisted = moa.live_check(&stock[2].id).await.unwrap();
    assert!(delisted.delisted && !delisted.in_stock && !delisted.can_go);

    // Offline: the cache answers, and says it is not live.
    server.shutdown().await;
    let mut config = MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server("http://127.0.0.1:1");
    config.network.retry.max_attempts = 1;
    let offline = Moa::open(config).unwrap();
    let cached = offline.live_check(&stock[0].id).await.unwrap();
    assert!(!cached.live);
    assert_eq!(cached.price, stock[0].price.amount);
    assert!(cached.age_secs >= 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_core_times_the_look_and_the_time_away_from_the_calls_the_apps_make() {
    let shop = setup(10).await;
    let (moa, world) = (&shop.moa, &shop.world);
    let picks = one_per_mall(world, 1);
    moa.set_event_consent(true).unwrap();
    let pending = |moa: &Moa| moa.store().pending_events(10_000).unwrap();

    // The sheet opens, 12.5 s pass, it closes: one view of 12,500 ms.
    let sheet = moa.product_sheet(&picks[0].0).unwrap();
    assert!(!sheet.wishlisted && !sheet.mall_followed);
    shop.clock.advance_ms(12_500);
    assert!(moa.sheet_closed(&picks[0].0).unwrap());
    let view = pending(moa).into_iter().map(|(_, e)| e).rfind(|e| e.kind == "product_view").expect("a view");
    assert_eq!((view.product_id.as_deref(), view.dwell_ms), (Some(picks[0].0.as_str()), Some(12_500)));
    assert!(!moa.sheet_closed(&picks[0].0).unwrap(), "closed once");

    // Off to the mall for 25 s: the return is recorded with that time away.
    let link = moa.click_out(&picks[0].0, "for_you", 0).unwrap();
    shop.clock.advance_ms(25_000);
    assert!(moa.returned_from_mall(&link.outlink_id).unwrap().is_some(), "a quick return");
    let back = pending(moa).into_iter().map(|(_, e)| e).rfind(|e| e.kind == "returned_from_mall").expect("a return");
    assert_eq!(back.dwell_ms, Some(25_000));

    // The sheet says what the shopper did with it.
    moa.add_to_wishlist(&picks[0].0, None).unwrap();
    moa.follow_mall(&picks[0].1).unwrap();
    let again = moa.product_sheet(&picks[0].0).unwrap();
    assert!(again.wishlisted && again.mall_followed);
    shop.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trip_to_the_mall_survives_the_app_being_killed_meanwhile() {
    let shop = setup(10).await;
    let picks = one_per_mall(&shop.world, 1);
    assert_eq!(shop.moa.pending_return().unwrap(), None);
    let link = shop.moa.click_out(&picks[0].0, "for_you", 0).unwrap();
    assert_eq!(shop.moa.pending_return().unwrap().as_deref(), Some(link.outlink_id.as_str()));

    // The system kills the app while the shopper is at the mall; 25 s later they are back.
    let data_dir = shop.moa.config().data_dir.clone();
    let server_url = shop.server.url.clone();
    let clock = shop.clock.clone();
    drop(shop.moa);
    clock.advance_ms(25_000);
    let again = Moa::open(MoaConfig::new(&data_dir).clock(clock.clone()).server(&server_url)).unwrap();
    let pending = again.pending_return().unwrap().expect("the trip was kept");
    assert_eq!(pending, link.outlink_id);
    assert!(again.returned_from_mall(&pending).unwrap().is_some(), "a quick return, timed across the restart");
    let back = again
        .store()
        .pending_events(10_000)
        .unwrap()
        .into_iter()
        .map(|(_, e)| e)
        .rfind(|e| e.kind == "returned_from_mall");
    assert_eq!(back.and_then(|e| e.dwell_ms), Some(25_000));
    assert_eq!(again.pending_return().unwrap(), None, "reported once");
    shop.server.shutdown().await;
}
