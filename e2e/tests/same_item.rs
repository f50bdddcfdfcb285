//! One item, many malls, as the shopper sees it: the demo world's resold designs (grouped by the
//! server from their photos) appear once in the feed, with "also at N malls" and the lowest price,
//! and the product sheet lists the other malls' offers.

use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use moa_core::model::Product;
use moa_core::{Card, FixedClock, Moa, MoaConfig};
use moa_server::{DemoSpec, RunningServer};

const NOW: i64 = 1_795_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_card_per_item_with_its_other_malls_and_lowest_price() {
    let (catalog, world) = moa_server::demo_catalog(DemoSpec { seed: 31, products: 8_000, now: NOW }).unwrap();
    let server = RunningServer::start(Arc::clone(&catalog), SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let moa = Moa::open(MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server(&server.url)).unwrap();
    moa.sync().await.unwrap();

    // What the server says: each group's in-stock listings.
    let mut groups: HashMap<&str, Vec<&Product>> = HashMap::new();
    for p in world.products.iter().filter(|p| p.in_stock()) {
        if let Some(key) = &p.same_item {
            groups.entry(key.as_str()).or_default().push(p);
        }
    }
    assert!(groups.values().filter(|g| g.len() > 1).count() >= 100, "the demo world resells designs");

    // A long scroll: the home and ten more pages of "for you".
    let mut cards: Vec<Card> = moa.home_feed().unwrap().sections.into_iter().flat_map(|s| s.cards).collect();
    for _ in 0..10 {
        cards.extend(moa.more_for_you(24).unwrap().cards);
    }
    let mut items = HashSet::new();
    let mut shown_grouped = 0;
    for card in &cards {
        let product = moa.product(&card.product_id).unwrap();
        let item = product.same_item.clone().unwrap_or_else(|| product.id.clone());
        assert!(items.insert(item.clone()), "{item} shown twice ({})", card.product_id);

        let listings = product.same_item.as_deref().and_then(|k| groups.get(k)).cloned().unwrap_or_default();
        let other_malls: HashSet<&str> =
            listings.iter().map(|p| p.mall_id.as_str()).filter(|m| *m != product.mall_id).collect();
        assert_eq!(card.also_at_malls as usize, other_malls.len(), "{}", card.product_id);
        if other_malls.is_empty() {
            assert_eq!((card.lowest_price, &card.also_at_text), (None, &None));
            continue;
        }
        shown_grouped += 1;
        let lowest = listings.iter().map(|p| p.price.amount).min().unwrap();
        assert_eq!(card.lowest_price, Some(lowest));
        let text = card.also_at_text.as_deref().unwrap();
        assert!(text.contains(&format!("{}개", other_malls.len())) && text.contains("최저"), "{text}");

        // The sheet lists every other listing, cheapest first.
        let sheet = moa.product_sheet(&card.product_id).unwrap();
        let offered: HashSet<&str> = sheet.elsewhere.iter().map(|o| o.product_id.as_str()).collect();
        let expected: HashSet<&str> =
            listings.iter().map(|p| p.id.as_str()).filter(|id| *id != card.product_id).collect();
        assert_eq!(offered, expected, "{}", card.product_id);
        assert!(sheet.elsewhere.windows(2).all(|w| w[0].price <= w[1].price));
        assert!(sheet.elsewhere.iter().all(|o| !o.mall_name.is_empty()));
        assert_eq!(
            sheet.elsewhere.iter().any(|o| o.lowest),
            sheet.elsewhere.first().is_some_and(|o| o.price <= card.price),
            "the cheapest offer is marked when it is one of the others"
        );
    }
    println!("{} cards, {shown_grouped} of items sold by several malls", cards.len());
    assert!(shown_grouped >= 3, "only {shown_grouped} grouped items in {} cards", cards.len());

    // A product alone has no offers elsewhere.
    let alone = cards.iter().find(|c| c.also_at_malls == 0).unwrap();
    let sheet = moa.product_sheet(&alone.product_id).unwrap();
    assert!(sheet.elsewhere.iter().all(|o| o.mall_id == alone.mall_id), "only its own mall's other listings");
    server.shutdown().await;
}
