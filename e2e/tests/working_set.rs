//! A device that holds a working set (issue #23): with `MoaConfig::working_set`, the sync follows
//! the shelf the server keeps for the shopper's segment — exactly that shelf arrives, for a
//! fraction of the bytes; products leaving it go unless the shopper needs them (wishlisted,
//! viewed); offline, the home, the sheets and search work on it; another segment starts over
//! on its own shelf.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use moa_core::model::{AgeBand, Gender};
use moa_core::search::SearchQuery;
use moa_core::{FixedClock, Moa, MoaConfig, ShopperProfile};
use moa_protocol::wire::segment_key;
use moa_server::{CatalogDb, DemoSpec, DemoWorld, RunningServer};

const NOW: i64 = 1_795_000_000;

/// The demo world of `seed` (3,000 products) with its shelves of `shelf_size`.
fn shelved_catalog(seed: u64, shelf_size: usize) -> (Arc<CatalogDb>, DemoWorld) {
    let (catalog, world) = moa_server::demo_catalog(DemoSpec { seed, products: 3_000, now: NOW }).unwrap();
    catalog.refresh_shelves(NOW, shelf_size).unwrap();
    (catalog, world)
}

/// A server on loopback for `catalog`.
async fn serve(catalog: &Arc<CatalogDb>) -> RunningServer {
    RunningServer::start(catalog.clone(), SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap()
}

/// A device holding a working set of the server at `url`, synced once.
async fn synced_working_set(url: &str, dir: &std::path::Path) -> Moa {
    let moa = Moa::open(MoaConfig::new(dir).clock(FixedClock::at_secs(NOW)).server(url).working_set(true)).unwrap();
    moa.sync().await.unwrap();
    moa
}

fn held(moa: &Moa) -> BTreeSet<String> {
    moa.store().all_products().unwrap().into_iter().map(|p| p.id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_holds_its_segments_shelf_keeps_what_the_shopper_needs_and_works_offline() {
    let (catalog, _world) = shelved_catalog(31, 300);
    let server = serve(&catalog).await;
    let config = |dir: &std::path::Path| MoaConfig::new(dir).clock(FixedClock::at_secs(NOW)).server(&server.url);

    // The whole catalog, for comparison.
    let whole_dir = tempfile::tempdir().unwrap();
    let whole = Moa::open(config(whole_dir.path())).unwrap().sync().await.unwrap();

    // A guest: the guest persona's segment.
    let dir = tempfile::tempdir().unwrap();
    let moa = Moa::open(config(dir.path()).working_set(true)).unwrap();
    let report = moa.sync().await.unwrap();
    let shelf = segment_key(Gender::Women, AgeBand::Late20s);
    let expected: BTreeSet<String> = catalog.shelf(&shelf).unwrap().into_iter().collect();
    assert!(!expected.is_empty() && expected.len() <= 300);
    assert_eq!(held(&moa), expected, "exactly the shelf");
    assert!(report.bytes * 5 < whole.bytes, "{} bytes against the whole catalog's {}", report.bytes, whole.bytes);

    // The shopper wishlists one product and looks at another; the server's next shelf leaves
    // out those two and a third.
    let ids: Vec<String> = expected.iter().cloned().collect();
    let (wished, viewed, neither) = (&ids[0], &ids[1], &ids[2]);
    moa.add_to_wishlist(wished, None).unwrap();
    moa.product_sheet(viewed).unwrap();
    assert!(moa.sheet_closed(viewed).unwrap());
    catalog.set_shelf(&shelf, &ids[3..]).unwrap();
    moa.sync().await.unwrap();
    let now_held = held(&moa);
    assert!(!now_held.contains(neither), "a product that left and nobody needs is gone");
    assert!(now_held.contains(wished) && now_held.contains(viewed), "the wishlist and what was viewed stay");
    assert_eq!(now_held.len(), expected.len() - 1);

    // Offline: the home, a sheet, search — all on the working set.
    server.shutdown().await;
    let home = moa.home_feed().unwrap();
    let cards: Vec<String> = home.sections.iter().flat_map(|s| s.cards.iter().map(|c| c.product_id.clone())).collect();
    assert!(cards.len() >= 24, "a home of {} cards", cards.len());
    assert!(cards.iter().all(|id| now_held.contains(id)));
    assert_eq!(moa.product_sheet(&cards[0]).unwrap().product_id, cards[0]);
    let word = moa.product_sheet(&cards[0]).unwrap().title.split_whitespace().last().unwrap().to_string();
    let found = moa.search(&SearchQuery { text: word.clone(), limit: 20, ..Default::default() }).unwrap();
    assert!(found.total > 0, "{word:?} found nothing offline");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_segment_follows_its_own_shelf_from_the_beginning() {
    let (catalog, _world) = shelved_catalog(31, 200);
    let server = serve(&catalog).await;
    let dir = tempfile::tempdir().unwrap();
    let moa = synced_working_set(&server.url, dir.path()).await;
    let women: BTreeSet<String> =
        catalog.shelf(&segment_key(Gender::Women, AgeBand::Late20s)).unwrap().into_iter().collect();
    assert_eq!(held(&moa), women);
    moa.set_profile(&ShopperProfile { gender: Some(Gender::Men), age_band: Some(AgeBand::Early20s), styles: vec![] })
        .unwrap();
    let report = moa.sync().await.unwrap();
    assert_eq!(report.cursor_before, 0, "a cursor means nothing on another shelf");
    let men: BTreeSet<String> =
        catalog.shelf(&segment_key(Gender::Men, AgeBand::Early20s)).unwrap().into_iter().collect();
    assert!(!men.is_empty());
    assert_eq!(held(&moa), men, "the men's shelf, and nothing left over from the women's");
    // Search knows the new shelf, though its products' seqs are older than the index's cursor.
    let sheet = moa.product_sheet(men.iter().next().unwrap()).unwrap();
    let word = sheet.title.split_whitespace().last().unwrap().to_string();
    let found = moa.search(&SearchQuery { text: word.clone(), limit: 50, ..Default::default() }).unwrap();
    assert!(found.cards.iter().any(|c| men.contains(&c.product_id)), "{word:?}: {found:?}");
    let unknown = reqwest::get(format!("{}/v1/catalog/changes?shelf=unisex.early_20s", server.url)).await.unwrap();
    assert_eq!(unknown.status(), 400, "a shelf that is not a segment");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cache_over_its_budget_lets_go_of_what_the_shopper_is_least_likely_to_need() {
    let (catalog, _world) = moa_server::demo_catalog(DemoSpec { seed: 37, products: 3_000, now: NOW }).unwrap();
    let server = serve(&catalog).await;
    let config = |dir: &std::path::Path| MoaConfig::new(dir).clock(FixedClock::at_secs(NOW)).server(&server.url);
    let for_you = |moa: &Moa| -> Vec<String> {
        let home = moa.home_feed().unwrap();
        let section = home.sections.iter().find(|s| s.id == "for_you").expect("a for-you section");
        section.cards.iter().map(|c| c.product_id.clone()).collect()
    };

    // The catalog without a budget: what the cache holds whole.
    let whole_dir = tempfile::tempdir().unwrap();
    let whole = Moa::open(config(whole_dir.path())).unwrap();
    whole.sync().await.unwrap();
    let whole_bytes = whole.store().used_bytes().unwrap();

    // A device that held it whole and wishlisted a sold-out product the ranker would not keep
    // opens with a budget of 60 % of that (an app update bringing one): its next sync evicts.
    let budget = whole_bytes * 6 / 10;
    let dir = tempfile::tempdir().unwrap();
    let (sold_out, whole_for_you) = {
        let before = Moa::open(config(dir.path())).unwrap();
        before.sync().await.unwrap();
        let sold_out = before.store().sold_out_product_ids().unwrap();
        before.add_to_wishlist(sold_out.first().expect("the demo has sold-out products"), None).unwrap();
        (sold_out, for_you(&before))
    };
    let wished = sold_out[0].clone();
    let moa = Moa::open(config(dir.path()).cache_budget(budget)).unwrap();
    let report = moa.sync().await.unwrap();
    assert!(report.evicted > 0, "{report:?}");
    let used = moa.store().used_bytes().unwrap();
    assert!(used <= budget, "{used} bytes held against a budget of {budget}");
    let file = std::fs::metadata(dir.path().join("moa.db")).unwrap().len();
    assert!(file <= budget, "the file gave its pages back: {file} bytes against {budget}");
    let kept = held(&moa);
    assert_eq!(report.products_in_cache, kept.len() as u64);
    assert!(kept.contains(&wished), "the wishlist never goes");
    assert!(sold_out.iter().skip(1).all(|id| !kept.contains(id)), "sold-out products go first");
    let lost: Vec<&String> = whole_for_you.iter().filter(|id| !kept.contains(*id)).collect();
    assert!(lost.len() * 10 <= whole_for_you.len(), "the shopper's best-scored stay; lost {lost:?}");
    assert!(for_you(&moa).len() >= 20, "the home still fills");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_search_finds_the_whole_catalog_and_ranks_it_with_the_working_set() {
    let (catalog, world) = shelved_catalog(43, 300);
    let shelf: BTreeSet<String> =
        catalog.shelf(&segment_key(Gender::Women, AgeBand::Late20s)).unwrap().into_iter().collect();
    // Two products off the guest's shelf and one on it, all named with a word no other has.
    let off: Vec<_> = world.products.iter().filter(|p| p.in_stock() && !shelf.contains(&p.id)).take(2).collect();
    let on = world.products.iter().find(|p| shelf.contains(&p.id)).unwrap();
    let named = |p: &moa_core::model::Product| moa_core::model::Product {
        title: format!("{} 구름나래", p.title),
        ..p.clone()
    };
    catalog.upsert_products(&[named(off[0]), named(off[1]), named(on)]).unwrap();
    let server = serve(&catalog).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::at_secs(NOW);
    let moa = Moa::open(MoaConfig::new(dir.path()).clock(clock.clone()).server(&server.url).working_set(true)).unwrap();
    moa.sync().await.unwrap();
    let query = SearchQuery { text: "구름나래".into(), limit: 20, ..Default::default() };
    let ids = |r: &moa_core::search::SearchResults| -> BTreeSet<String> {
        r.cards.iter().map(|c| c.product_id.clone()).collect()
    };

    // The shopper has a home and a page more of "for you" on screen.
    let home = moa.home_feed().unwrap();
    let mut on_screen: Vec<String> =
        home.sections.iter().flat_map(|s| s.cards.iter().map(|c| c.product_id.clone())).collect();
    on_screen.extend(moa.more_for_you(24).unwrap().cards.into_iter().map(|c| c.product_id));

    // The cache alone finds the one on the shelf; online, the whole catalog's three.
    assert_eq!(ids(&moa.search(&query).unwrap()), BTreeSet::from([on.id.clone()]));
    let everywhere = moa.search_everywhere(&query).await.unwrap();
    // Back on the home, the grid pages on over what the search brought, repeating nothing.
    let next = moa.more_for_you(24).unwrap();
    assert!(next.cards.len() >= 20, "{} more", next.cards.len());
    let repeated: Vec<&String> =
        next.cards.iter().map(|c| &c.product_id).filter(|id| on_screen.contains(*id)).collect();
    assert!(repeated.is_empty(), "shown again after the search: {repeated:?}");
    let expected: BTreeSet<String> = [&on.id, &off[0].id, &off[1].id].into_iter().cloned().collect();
    assert_eq!(ids(&everywhere), expected);
    // A product found beyond the working set opens like any other; the shopper looks at one.
    assert_eq!(moa.product_sheet(&off[0].id).unwrap().product_id, off[0].id);
    assert!(moa.sheet_closed(&off[0].id).unwrap());

    // A sync soon after keeps what the search brought (results on screen must open); one an
    // hour later lets go of what the shopper did not open.
    moa.sync().await.unwrap();
    assert!(held(&moa).contains(&off[1].id), "still on screen: kept");
    clock.advance_ms(3_600_001);
    moa.sync().await.unwrap();
    let now_held = held(&moa);
    assert!(now_held.contains(&off[0].id), "opened: kept");
    assert!(!now_held.contains(&off[1].id), "not opened: gone");
    assert!(now_held.is_superset(&shelf), "the shelf is untouched");

    // Offline, the cache answers alone, at once.
    server.shutdown().await;
    let started = std::time::Instant::now();
    let offline = moa.search_everywhere(&query).await.unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
    assert_eq!(ids(&offline), BTreeSet::from([on.id.clone(), off[0].id.clone()]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopper_who_shares_behaviour_gets_what_others_viewed_with_theirs_beyond_the_shelf() {
    let (catalog, world) = shelved_catalog(47, 300);
    let shelf: BTreeSet<String> =
        catalog.shelf(&segment_key(Gender::Women, AgeBand::Late20s)).unwrap().into_iter().collect();
    let in_stock: BTreeSet<&str> = world.products.iter().filter(|p| p.in_stock()).map(|p| p.id.as_str()).collect();
    // A product on the shelf that the population viewed together with in-stock products off it.
    let stats: moa_core::wire::PopulationStats = serde_json::from_str(&catalog.stats_json().unwrap()).unwrap();
    let (seed, beyond): (String, Vec<String>) = stats
        .sessions
        .iter()
        .find_map(|s| {
            let on = s.iter().find(|id| shelf.contains(*id))?;
            let off: Vec<String> =
                s.iter().filter(|id| !shelf.contains(*id) && in_stock.contains(id.as_str())).cloned().collect();
            (!off.is_empty()).then(|| (on.clone(), off))
        })
        .expect("a session reaching beyond the shelf");
    let server = serve(&catalog).await;

    let (sharing_dir, private_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let sharing = synced_working_set(&server.url, sharing_dir.path()).await;
    let private = synced_working_set(&server.url, private_dir.path()).await;
    sharing.set_event_consent(true).unwrap();
    for moa in [&sharing, &private] {
        assert!(beyond.iter().all(|id| moa.product(id).is_err()), "off the shelf: not held yet");
        moa.product_sheet(&seed).unwrap();
        assert!(moa.sheet_closed(&seed).unwrap());
    }
    let report = sharing.sync().await.unwrap();
    assert!(report.viewed_together_fetched > 0, "{report:?}");
    assert!(beyond.iter().any(|id| sharing.product(id).is_ok()), "what was viewed with {seed} came: {beyond:?}");
    let report = private.sync().await.unwrap();
    assert_eq!(report.viewed_together_fetched, 0, "no consent: nothing asked");
    assert!(beyond.iter().all(|id| private.product(id).is_err()));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_for_you_runs_out_the_products_after_the_shelf_come_in_without_repeats() {
    let (catalog, _world) = shelved_catalog(53, 120);
    let server = serve(&catalog).await;
    let dir = tempfile::tempdir().unwrap();
    let moa = synced_working_set(&server.url, dir.path()).await;
    let shelf: BTreeSet<String> = held(&moa);
    // Page the home's "for you" until the working set has nothing more.
    let home = moa.home_feed().unwrap();
    let mut seen: Vec<String> =
        home.sections.iter().flat_map(|s| s.cards.iter().map(|c| c.product_id.clone())).collect();
    loop {
        let more = moa.more_for_you(24).unwrap();
        if more.cards.is_empty() {
            break;
        }
        seen.extend(more.cards.into_iter().map(|c| c.product_id));
    }
    // Online, the next pages come from just after the shelf, and repeat nothing.
    for _ in 0..2 {
        let page = moa.more_for_you_everywhere(24).await.unwrap();
        assert_eq!(page.cards.len(), 24, "a full page from the reserve");
        for card in &page.cards {
            assert!(!seen.contains(&card.product_id), "{} again", card.product_id);
            assert!(!shelf.contains(&card.product_id), "{} was held: it would have come before", card.product_id);
            seen.push(card.product_id.clone());
        }
    }
    // Offline it pages on over what is held (what the reserve brought included) and ends,
    // without an error and without repeats.
    server.shutdown().await;
    loop {
        let page = moa.more_for_you_everywhere(24).await.unwrap();
        if page.cards.is_empty() {
            break;
        }
        for card in page.cards {
            assert!(!seen.contains(&card.product_id), "{} again offline", card.product_id);
            seen.push(card.product_id);
        }
    }
}
