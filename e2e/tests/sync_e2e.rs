//! End to end: a real moa-server on loopback, the core's real HTTP client, a real SQLite file.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use moa_core::model::{Money, Product};
use moa_core::{FixedClock, Moa, MoaConfig, SyncOptions};
use moa_e2e::expected_cache;
use moa_server::{CatalogDb, DemoSpec, DemoWorld, RunningServer};

const NOW: i64 = 1_795_000_000;

async fn start(catalog: Arc<CatalogDb>) -> RunningServer {
    RunningServer::start(catalog, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.expect("server starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_sync_moves_only_the_changes_and_cache_matches_server_exactly() {
    let (catalog, mut world) = moa_server::demo_catalog(DemoSpec { seed: 11, products: 3_000, now: NOW }).unwrap();
    let server = start(Arc::clone(&catalog)).await;
    let dir = tempfile::tempdir().unwrap();
    let moa = Moa::open(MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server(&server.url)).unwrap();
    let options = SyncOptions { page_limit: Some(250), ..Default::default() };

    let first = moa.sync_with(options.clone()).await.unwrap();
    assert_eq!(first.upserted, 3_000);
    assert_eq!(first.deleted, 0);
    assert!(first.skipped.is_empty(), "{:?}", first.skipped);
    assert_eq!(first.pages, 12);
    assert_eq!(first.malls, world.malls.len() as u64);
    assert_eq!(moa.store().all_products().unwrap(), expected_cache(&catalog, &server.url));
    assert_eq!(moa.store().malls().unwrap().len(), world.malls.len());

    // The server's day: 40 price changes, 25 delistings, 30 new arrivals, 10 sell-outs.
    let mut changed: Vec<Product> = world.products[..40].to_vec();
    for p in &mut changed {
        p.price = Money::krw(p.price.amount - 1_000);
        p.updated_at = NOW + 60;
    }
    let mut sold_out: Vec<Product> = world.products[100..110].to_vec();
    for p in &mut sold_out {
        p.variants.iter_mut().for_each(|v| v.available = false);
    }
    let delisted: Vec<String> = world.products[200..225].iter().map(|p| p.id.clone()).collect();
    let arrivals = world.new_arrivals(99, 30, NOW + 60);
    catalog.upsert_products(&changed).unwrap();
    catalog.upsert_products(&sold_out).unwrap();
    catalog.delete_products(&delisted.iter().map(String::as_str).collect::<Vec<_>>()).unwrap();
    catalog.upsert_products(&arrivals).unwrap();
    // Writing an unchanged product again is not a change.
    assert_eq!(catalog.upsert_products(&world.products[500..510]).unwrap(), 0);

    assert!(first.feed_changed);
    let second = moa.sync_with(options.clone()).await.unwrap();
    assert!(second.feed_changed, "the apps show a new home");
    assert_eq!(second.cursor_before, first.cursor_after);
    assert_eq!(second.upserted, 40 + 10 + 30, "only the changed products moved");
    assert_eq!(second.deleted, 25);
    assert_eq!(second.pages, 1);
    let cache = moa.store().all_products().unwrap();
    assert_eq!(cache, expected_cache(&catalog, &server.url));
    assert_eq!(cache.len(), 3_000 - 25 + 30);
    assert!(delisted.iter().all(|id| moa.store().product(id).unwrap().is_none()));
    let repriced = moa.store().product(&changed[0].id).unwrap().unwrap();
    assert_eq!(repriced.price, changed[0].price);
    assert!(!moa.store().product(&sold_out[0].id).unwrap().unwrap().in_stock());

    // Sold-out products left the feed with the sync.
    let feed = moa.home_feed().unwrap();
    let sold_out_ids: Vec<&str> = sold_out.iter().map(|p| p.id.as_str()).collect();
    assert!(feed.sections.iter().flat_map(|s| &s.cards).all(|c| !sold_out_ids.contains(&c.product_id.as_str())));

    // The current home, after a 찜, a follow and a page more: the same cards in the same order
    // (nothing re-ranked under the thumb), the heart and the follow stamped in by the core.
    let more = moa.more_for_you(24).unwrap();
    let card = feed.sections[0].cards[0].clone();
    assert!(!card.wishlisted);
    moa.add_to_wishlist(&card.product_id, None).unwrap();
    let mall = feed.sections.iter().flat_map(|s| &s.malls).next().expect("malls to follow").clone();
    assert!(!mall.followed);
    moa.follow_mall(&mall.mall_id).unwrap();
    let current = moa.current_home().unwrap();
    let ids = |page: &moa_core::FeedPage| -> Vec<String> {
        page.sections.iter().flat_map(|s| s.cards.iter().map(|c| c.product_id.clone())).collect()
    };
    let mut expected = ids(&feed);
    expected.extend(more.cards.iter().map(|c| c.product_id.clone()));
    assert_eq!(ids(&current), expected, "the home as the shopper has it, paged");
    assert!(current.sections[0].cards[0].wishlisted);
    assert_eq!(current.sections.iter().flat_map(|s| &s.cards).filter(|c| c.wishlisted).count(), 1);
    assert!(current.sections.iter().flat_map(|s| &s.malls).any(|m| m.mall_id == mall.mall_id && m.followed));
    // "Not interested" takes the card off the current home too.
    moa.record(moa_core::Event::NotInterested { product_id: card.product_id.clone() }).unwrap();
    assert!(!ids(&moa.current_home().unwrap()).contains(&card.product_id));

    // Nothing changed: nothing moves, and the home stays.
    let third = moa.sync_with(options).await.unwrap();
    assert_eq!((third.upserted, third.deleted, third.pages), (0, 0, 1));
    assert!(!third.feed_changed, "{third:?}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_products_are_skipped_and_counted_the_rest_kept() {
    let world = DemoWorld::generate(DemoSpec { seed: 5, products: 200, now: NOW });
    let catalog = Arc::new(CatalogDb::open(None).unwrap());
    catalog.put_malls(&world.malls).unwrap();
    let mut products = world.products.clone();
    products[10].title = "   ".into();
    products[20].price.amount = -5;
    products[30].mall_id = "no-such-mall".into();
    products[40].original_price = Some(Money { amount: 1, currency: "KRW".into() });
    products[50].product_url = "javascript:alert(1)".into();
    let bad: Vec<String> = [10, 20, 30, 40, 50].iter().map(|&i| products[i].id.clone()).collect();
    catalog.upsert_products(&products).unwrap();

    let server = start(Arc::clone(&catalog)).await;
    let dir = tempfile::tempdir().unwrap();
    let moa = Moa::open(MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server(&server.url)).unwrap();
    let report = moa.sync_with(SyncOptions { page_limit: Some(64), ..Default::default() }).await.unwrap();

    assert_eq!(report.upserted, 195);
    let skipped_ids: Vec<String> = report.skipped.iter().map(|s| s.product_id.clone().unwrap()).collect();
    assert_eq!(skipped_ids, bad);
    let reasons: Vec<&str> = report.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(reasons[0], "empty title");
    assert!(reasons[1].contains("negative price"), "{}", reasons[1]);
    assert!(reasons[2].contains("unknown mall"), "{}", reasons[2]);
    assert!(reasons[3].contains("original price"), "{}", reasons[3]);
    assert!(reasons[4].contains("https"), "{}", reasons[4]);
    assert!(report.skipped.iter().all(|s| s.seq.is_some()));
    assert_eq!(moa.store().product_count().unwrap(), 195);
    for id in &bad {
        assert!(moa.store().product(id).unwrap().is_none());
    }
    // The cursor moved past the bad records: a second sync does not fetch them again.
    assert_eq!(report.cursor_after, catalog.last_seq().unwrap());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cached_feed_works_with_the_server_gone() {
    let (catalog, _world) = moa_server::demo_catalog(DemoSpec { seed: 3, products: 2_000, now: NOW }).unwrap();
    let server = start(catalog).await;
    let url = server.url.clone();
    let dir = tempfile::tempdir().unwrap();
    {
        let moa = Moa::open(MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server(&url)).unwrap();
        moa.sync().await.unwrap();
    }
    server.shutdown().await;

    // A new app start, offline: the home opens from the cache.
    let moa = Moa::open(MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server(&url)).unwrap();
    let feed = moa.home_feed().unwrap();
    let cards = feed.sections.iter().map(|s| s.cards.len()).sum::<usize>();
    assert!(cards >= 40, "{cards} cards offline");
    // A magazine: the cover first, the endless "for you" grid last (a section after it would
    // slide away each time its next page arrived).
    assert_eq!(feed.sections.first().unwrap().layout, moa_core::Layout::Cover);
    assert_eq!(feed.sections.last().unwrap().id, "for_you");
    assert_eq!(feed.sections.iter().filter(|s| s.layout == moa_core::Layout::Grid).count(), 1);
    // The product sheet, 찜, follows, events and paging all work offline too.
    let first = &feed.sections[0].cards[0];
    let sheet = moa.product_sheet(&first.product_id).unwrap();
    assert_eq!(sheet.title, first.title);
    moa.add_to_wishlist(&first.product_id, None).unwrap();
    assert_eq!(moa.wishlist().unwrap()[0].product_id, first.product_id);
    moa.follow_mall(&first.mall_id).unwrap();
    moa.record(moa_core::Event::ProductView { product_id: first.product_id.clone(), dwell_ms: 9_000 }).unwrap();
    assert_eq!(moa.more_for_you(24).unwrap().cards.len(), 24);
    // And a sync attempt fails with a network error, leaving the cache as it was.
    let err = moa.sync().await.unwrap_err();
    assert!(matches!(err, moa_core::Error::Offline(_)), "{err}");
    assert_eq!(moa.store().product_count().unwrap(), 2_000);
}
