//! The shopper's own data across syncs, delistings and damaged database files.

use std::io::{Seek, SeekFrom, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use moa_core::model::Money;
use moa_core::{FixedClock, Moa, MoaConfig};
use moa_server::{DemoSpec, RunningServer};

const NOW: i64 = 1_795_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wishlist_keeps_a_fresh_snapshot_and_survives_delisting() {
    let (catalog, world) = moa_server::demo_catalog(DemoSpec { seed: 8, products: 500, now: NOW }).unwrap();
    let server = RunningServer::start(Arc::clone(&catalog), SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let moa = Moa::open(MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server(&server.url)).unwrap();
    moa.sync().await.unwrap();

    let (kept, delisted) = (&world.products[3], &world.products[7]);
    moa.add_to_wishlist(&kept.id, Some(&kept.variants[0].id)).unwrap();
    moa.add_to_wishlist(&delisted.id, None).unwrap();
    assert!(matches!(moa.add_to_wishlist("nobody-1", None), Err(moa_core::Error::NotFound(_))));
    moa.follow_mall(&kept.mall_id).unwrap();
    assert!(matches!(moa.follow_mall("no-such-mall"), Err(moa_core::Error::NotFound(_))));

    // The mall cuts the price of one and delists the other.
    let mut cheaper = kept.clone();
    cheaper.price = Money::krw(kept.price.amount - 2_000);
    catalog.upsert_products(&[cheaper.clone()]).unwrap();
    catalog.delete_products(&[&delisted.id]).unwrap();
    moa.sync().await.unwrap();

    let wishlist = moa.wishlist().unwrap();
    assert_eq!(wishlist.len(), 2);
    let item = wishlist.iter().find(|w| w.product_id == kept.id).unwrap();
    assert_eq!(item.snapshot.price, cheaper.price.amount, "snapshot follows the catalog");
    assert_eq!(item.variant_id.as_deref(), Some(kept.variants[0].id.as_str()));
    assert!(item.listed);
    let gone = wishlist.iter().find(|w| w.product_id == delisted.id).unwrap();
    assert!(!gone.listed, "delisted, yet still on the wishlist");
    assert_eq!(gone.snapshot.title, delisted.title);
    assert_eq!(gone.snapshot.price, delisted.price.amount);
    assert_eq!(gone.snapshot.mall_name, world.malls.iter().find(|m| m.id == delisted.mall_id).unwrap().name);
    let followed = moa.followed_malls().unwrap();
    assert_eq!(followed.len(), 1);
    // The malls tab shows the mall by the name shoppers know, not its id.
    let mall = world.malls.iter().find(|m| m.id == followed[0].mall_id).unwrap();
    assert_eq!(followed[0].name, mall.name);
    assert_ne!(followed[0].name, followed[0].mall_id);
    assert!(!followed[0].image_urls.is_empty() && followed[0].image_urls.len() <= 3, "{:?}", followed[0].image_urls);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_database_is_moved_aside_and_the_shoppers_data_salvaged() {
    let (catalog, world) = moa_server::demo_catalog(DemoSpec { seed: 9, products: 3_000, now: NOW }).unwrap();
    let server = RunningServer::start(Arc::clone(&catalog), SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server(&server.url);
    {
        let moa = Moa::open(config.clone()).unwrap();
        moa.sync().await.unwrap();
        for p in &world.products[..3] {
            moa.add_to_wishlist(&p.id, None).unwrap();
        }
        moa.follow_mall(&world.malls[0].id).unwrap();
        moa.follow_mall(&world.malls[1].id).unwrap();
        moa.store().set_setting("consent.events", "granted").unwrap();
        moa.record(moa_core::Event::HideMall { mall_id: world.malls[3].id.clone() }).unwrap();
        // A click-out not yet told to the server: orders from it must still find this phone.
        moa.store()
            .keep_outlink(
                "0123456789abcdef0123456789abcdef",
                &world.products[0].id,
                &world.products[0].mall_id,
                NOW * 1000,
            )
            .unwrap();
    }

    // Damage the middle of the file, where the catalog's pages are.
    let path = config.database_path();
    let len = std::fs::metadata(&path).unwrap().len();
    {
        let mut file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.seek(SeekFrom::Start(len * 2 / 5)).unwrap();
        file.write_all(&vec![0xA5; (len / 5) as usize]).unwrap();
    }

    let mut moa = Moa::open(config.clone()).unwrap();
    if moa.recovery().is_none() {
        // The damage is found (by a read, or at the latest by the background integrity check) …
        let found = moa.home_feed().is_err() || !moa.verify_integrity().unwrap();
        assert!(found, "the damage went unnoticed");
        drop(moa);
        // … and the next start recovers: a clean cache, the shopper's data carried over.
        moa = Moa::open(config.clone()).unwrap();
    }
    let recovery = moa.recovery().expect("a recovery report").clone();
    assert!(recovery.moved_to.exists(), "the damaged file is kept for diagnosis");
    assert_eq!(recovery.salvaged_wishlist, 3);
    assert_eq!(recovery.salvaged_followed_malls, 2);
    assert_eq!(recovery.salvaged_settings, 2, "the consent and the list clock");
    assert_eq!(recovery.salvaged_list_ops, 5, "three 찜 and two follows not yet sent to an account");
    assert_eq!(recovery.salvaged_events, 6, "three 찜, two follows, one hidden mall");
    assert_eq!(moa.store().product_count().unwrap(), 0, "the catalog cache starts clean");
    let outlinks = moa.store().unregistered_outlinks(10).unwrap();
    assert_eq!(
        outlinks.iter().map(|o| o.outlink_id.as_str()).collect::<Vec<_>>(),
        ["0123456789abcdef0123456789abcdef"]
    );
    assert!(moa.store().integrity_check().unwrap().is_empty());
    assert_eq!(moa.store().setting("consent.events").unwrap().as_deref(), Some("granted"));
    let wishlist = moa.wishlist().unwrap();
    assert_eq!(wishlist.len(), 3);
    assert!(wishlist.iter().all(|w| !w.listed), "shown from snapshots until the catalog is back");
    assert_eq!(moa.store().unsent_list_ops().unwrap(), 5, "the outbox survives the damage");

    // The catalog syncs back and the wishlist is whole again.
    moa.sync().await.unwrap();
    assert_eq!(moa.store().product_count().unwrap(), 3_000);
    assert!(moa.wishlist().unwrap().iter().all(|w| w.listed));
    drop(moa);
    // Opening again is an ordinary open.
    assert!(Moa::open(config).unwrap().recovery().is_none());
    server.shutdown().await;
}

#[test]
fn a_file_of_garbage_is_replaced_by_a_fresh_cache() {
    let dir = tempfile::tempdir().unwrap();
    let config = MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW));
    std::fs::write(config.database_path(), b"this is not a database, it is a shopping list: socks, scarf").unwrap();
    let moa = Moa::open(config).unwrap();
    let recovery = moa.recovery().expect("a recovery report");
    assert!(recovery.reason.contains("not a database"), "{}", recovery.reason);
    assert_eq!(std::fs::read(&recovery.moved_to).unwrap().len(), 59, "kept as it was");
    assert_eq!(recovery.salvaged_wishlist, 0);
    assert!(moa.home_feed().unwrap().sections.is_empty());
}

struct Collector(std::sync::Mutex<Vec<(Vec<moa_core::ChangeKind>, String)>>);

impl moa_core::ChangeListener for Collector {
    fn on_changes(&self, changes: Vec<moa_core::ChangeKind>) {
        let thread = std::thread::current().name().unwrap_or("").to_string();
        self.0.lock().unwrap().push((changes, thread));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_interested_and_hidden_malls_leave_the_feed_and_listeners_hear_of_it_in_batches() {
    use moa_core::{ChangeKind, Event};
    let (catalog, world) = moa_server::demo_catalog(DemoSpec { seed: 12, products: 1_500, now: NOW }).unwrap();
    let server = RunningServer::start(Arc::clone(&catalog), SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let moa = Moa::open(MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server(&server.url)).unwrap();
    let collector = Arc::new(Collector(std::sync::Mutex::new(Vec::new())));
    let subscription = moa.subscribe(collector.clone());
    moa.sync().await.unwrap();

    let feed = moa.home_feed().unwrap();
    let cover = feed.sections[0].cards[0].clone();
    let second = feed.sections[1].cards[0].clone();
    moa.record(Event::ProductView { product_id: second.product_id.clone(), dwell_ms: 12_000 }).unwrap();
    moa.record(Event::NotInterested { product_id: cover.product_id.clone() }).unwrap();
    moa.record(Event::HideMall { mall_id: second.mall_id.clone() }).unwrap();
    for p in &world.products[..5] {
        moa.add_to_wishlist(&p.id, None).unwrap();
    }
    let feed = moa.home_feed().unwrap();
    let cards: Vec<_> = feed.sections.iter().flat_map(|s| &s.cards).collect();
    assert!(cards.len() >= 40);
    assert!(cards.iter().all(|c| c.product_id != cover.product_id), "dismissed product is gone");
    assert!(cards.iter().all(|c| c.mall_id != second.mall_id), "hidden mall is gone");
    assert_eq!(moa.store().event_count().unwrap(), 3 + 5, "three recorded, five 찜 recorded by the wishlist");

    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let batches = collector.0.lock().unwrap().clone();
    let kinds: std::collections::BTreeSet<ChangeKind> = batches.iter().flat_map(|(b, _)| b.clone()).collect();
    assert!(kinds.contains(&ChangeKind::Feed) && kinds.contains(&ChangeKind::Wishlist));
    // Seven notifications (sync, two preferences, five 찜) came in a few batches, not one each.
    assert!(batches.len() < 6, "{batches:?}");
    assert!(batches.iter().all(|(_, thread)| thread != "main"), "delivered on a core thread");

    drop(subscription);
    let before = collector.0.lock().unwrap().len();
    moa.add_to_wishlist(&world.products[9].id, None).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(collector.0.lock().unwrap().len(), before, "no deliveries after the subscription is dropped");
    server.shutdown().await;
}
