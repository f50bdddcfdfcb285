//! Scenarios of the personal home on the demo world, synced from a real moa-server (with its
//! simulated population of shoppers) into a real SQLite cache.

use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use moa_core::model::{AgeBand, Gender, Money, Style};
use moa_core::wire::PopulationStats;
use moa_core::{Event, FeedPage, FixedClock, Moa, MoaConfig, ShopperProfile};
use moa_server::{CatalogDb, DemoSpec, DemoWorld, RunningServer};

const NOW: i64 = 1_795_000_000;

struct World {
    catalog: Arc<CatalogDb>,
    world: DemoWorld,
    server: RunningServer,
    dirs: Vec<tempfile::TempDir>,
}

async fn world() -> World {
    let (catalog, world) = moa_server::demo_catalog(DemoSpec { seed: 77, products: 10_000, now: NOW }).unwrap();
    let server = RunningServer::start(Arc::clone(&catalog), SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    World { catalog, world, server, dirs: Vec::new() }
}

impl World {
    async fn shopper(&mut self, install: &str) -> Moa {
        let dir = tempfile::tempdir().unwrap();
        let mut config = MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server(&self.server.url);
        config.install_id = install.into();
        self.dirs.push(dir);
        let moa = Moa::open(config).unwrap();
        let report = moa.sync().await.unwrap();
        assert!(report.population_sessions > 1000, "the population came with the sync");
        // The server tuned the session model on its population (its latest tenth held out) and
        // the device keeps what it chose, to rank with.
        let served: PopulationStats = serde_json::from_str(&self.catalog.stats_json().unwrap()).unwrap();
        let tuned = served.session_model.expect("the server tuned the session model");
        assert_eq!(tuned.holdout_sessions as usize, served.sessions.len().div_ceil(10));
        assert!(tuned.holdout_hit_rate > 0.05, "{tuned:?}");
        assert_eq!(moa.store().population_stats().unwrap().session_model, Some(tuned));
        moa
    }
}

/// The product cards of a home in the order a shopper scrolls them.
fn scroll(page: &FeedPage) -> Vec<String> {
    page.sections.iter().flat_map(|s| s.cards.iter().map(|c| c.product_id.clone())).collect()
}

fn top20(page: &FeedPage) -> HashSet<String> {
    scroll(page).into_iter().take(20).collect()
}

/// The rules every home keeps, checked section by section.
fn assert_rules(moa: &Moa, page: &FeedPage) {
    let ids = scroll(page);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len(), "no product twice on one home");
    let items: Vec<String> =
        ids.iter().map(|id| moa.product(id).unwrap().same_item.unwrap_or_else(|| id.clone())).collect();
    assert_eq!(items.iter().collect::<HashSet<_>>().len(), items.len(), "no item twice, whichever mall sells it");
    for section in &page.sections {
        // "Recently viewed" is the shopper's own history, as they made it; the ranked rows
        // keep malls apart.
        let ranked = section.id != "recently_viewed";
        for w in section.cards.windows(3).filter(|_| ranked) {
            assert!(
                !(w[0].mall_id == w[1].mall_id && w[1].mall_id == w[2].mall_id),
                "three in a row from {} in {}",
                w[0].mall_id,
                section.id
            );
        }
        for card in &section.cards {
            assert!(moa.product(&card.product_id).unwrap().in_stock(), "sold-out {} on the home", card.product_id);
            assert!(!card.reason.is_empty());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_shoppers_see_four_different_homes() {
    let mut w = world().await;
    let personas = [
        (
            "lovely-20s",
            ShopperProfile {
                gender: Some(Gender::Women),
                age_band: Some(AgeBand::Early20s),
                styles: vec![Style::Lovely],
            },
        ),
        (
            "office-30s",
            ShopperProfile {
                gender: Some(Gender::Women),
                age_band: Some(AgeBand::Early30s),
                styles: vec![Style::OfficeLook],
            },
        ),
        (
            "street-10s",
            ShopperProfile { gender: Some(Gender::Men), age_band: Some(AgeBand::Teens), styles: vec![Style::Street] },
        ),
        ("guest", ShopperProfile::default()),
    ];
    let mut homes = Vec::new();
    for (install, profile) in &personas {
        let moa = w.shopper(install).await;
        moa.set_profile(profile).unwrap();
        let page = moa.home_feed().unwrap();
        assert_rules(&moa, &page);
        let sizes: Vec<(String, usize)> = page.sections.iter().map(|s| (s.id.clone(), s.cards.len())).collect();
        assert!(scroll(&page).len() >= 40, "{install}: {sizes:?}");
        homes.push((install, top20(&page)));
    }
    for a in 0..homes.len() {
        for b in a + 1..homes.len() {
            let shared = homes[a].1.intersection(&homes[b].1).count();
            assert!(shared <= 6, "{} and {} share {shared} of their top 20", homes[a].0, homes[b].0);
        }
    }
    w.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guests_home_follows_their_first_three_taps() {
    let mut w = world().await;
    let moa = w.shopper("guest-taps").await;
    // A mall whose concept is far from the guest default: lovely.
    let mall = w.world.malls.iter().find(|m| m.styles[0] == Style::Lovely).unwrap().clone();
    let cluster = mall.styles[0];
    let in_cluster = |moa: &Moa, page: &FeedPage| {
        scroll(page).into_iter().take(20).filter(|id| moa.product(id).unwrap().styles.contains(&cluster)).count()
    };
    let before = in_cluster(&moa, &moa.home_feed().unwrap());

    let opened: Vec<String> = w
        .world
        .products
        .iter()
        .filter(|p| p.mall_id == mall.id && p.in_stock() && p.styles.contains(&cluster))
        .take(3)
        .map(|p| p.id.clone())
        .collect();
    for id in &opened {
        moa.record(Event::ProductView { product_id: id.clone(), dwell_ms: 15_000 }).unwrap();
    }
    let page = moa.home_feed().unwrap();
    let after = in_cluster(&moa, &page);
    assert!(after >= 5, "{after} of the next top 20 are {cluster:?} (before: {before})");
    assert!(after > before);
    assert!(
        page.sections.iter().flat_map(|s| &s.cards).any(|c| c.reason.contains("함께 많이 봤어요")),
        "viewed-together cards say so"
    );
    assert!(page.sections.iter().any(|s| s.id == "because_you_like" && s.title.contains(&mall.name)));
    assert_rules(&moa, &page);
    w.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dismissed_hidden_and_bought_never_come_back_even_when_paging() {
    let mut w = world().await;
    let moa = w.shopper("dismisser").await;
    let first = moa.home_feed().unwrap();
    let ids = scroll(&first);
    let dismissed = ids[0].clone();
    let bought = ids[1].clone();
    let hidden_mall = moa.product(&ids[2]).unwrap().mall_id;
    moa.record(Event::NotInterested { product_id: dismissed.clone() }).unwrap();
    moa.record(Event::Purchase { product_id: bought.clone() }).unwrap();
    moa.record(Event::HideMall { mall_id: hidden_mall.clone() }).unwrap();
    moa.record(Event::HideStyle { style: Style::Street }).unwrap();

    let page = moa.home_feed().unwrap();
    assert_rules(&moa, &page);
    let mut seen: HashSet<String> = scroll(&page).into_iter().collect();
    let mut pages = vec![page.sections.iter().flat_map(|s| s.cards.clone()).collect::<Vec<_>>()];
    for _ in 0..15 {
        let more = moa.more_for_you(24).unwrap();
        assert_eq!(more.cards.len(), 24, "the grid keeps going");
        for c in &more.cards {
            assert!(seen.insert(c.product_id.clone()), "{} repeated while paging", c.product_id);
        }
        pages.push(more.cards);
    }
    for card in pages.iter().flatten() {
        assert_ne!(card.product_id, dismissed);
        assert_ne!(card.product_id, bought);
        assert_ne!(card.mall_id, hidden_mall);
        assert!(!moa.product(&card.product_id).unwrap().styles.contains(&Style::Street));
    }
    w.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn price_drops_on_the_wishlist_get_their_own_section() {
    let mut w = world().await;
    let moa = w.shopper("saver").await;
    let product = w.world.products.iter().find(|p| p.in_stock() && p.price.amount > 30_000).unwrap().clone();
    moa.add_to_wishlist(&product.id, None).unwrap();
    let mut cheaper = product.clone();
    cheaper.price = Money::krw(product.price.amount * 85 / 100 / 100 * 100);
    w.catalog.upsert_products(&[cheaper]).unwrap();
    moa.sync().await.unwrap();
    let page = moa.home_feed().unwrap();
    let drops = page.sections.iter().find(|s| s.id == "price_drops").expect("a price-drop section");
    assert_eq!(drops.cards[0].product_id, product.id);
    assert!(drops.cards[0].reason.contains("15%"), "{}", drops.cards[0].reason);
    assert_rules(&moa, &page);
    w.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shown_often_and_never_tapped_sinks() {
    let mut w = world().await;
    let moa = w.shopper("bored").await;
    let before = scroll(&moa.home_feed().unwrap());
    let ignored: Vec<String> = before[1..6].to_vec();
    for _ in 0..10 {
        for (n, id) in ignored.iter().enumerate() {
            moa.record(Event::Impression { product_id: id.clone(), section: "for_you".into(), position: n as u32 })
                .unwrap();
        }
    }
    let after: Vec<String> = scroll(&moa.home_feed().unwrap()).into_iter().take(20).collect();
    let still = ignored.iter().filter(|id| after.contains(id)).count();
    assert!(still <= 1, "{still} of 5 ignored products still in the top 20");
    w.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malls_are_recommended_too_and_followed_malls_bring_their_news() {
    let mut w = world().await;
    let moa = w.shopper("follower").await;
    let page = moa.home_feed().unwrap();
    let malls = page.sections.iter().find(|s| s.id == "malls_for_you").expect("mall recommendations");
    assert!(malls.malls.len() >= 3);
    assert!(malls.malls.iter().all(|m| m.image_urls.len() == 3 && !m.reason.is_empty()));
    let followed = malls.malls[0].mall_id.clone();
    moa.follow_mall(&followed).unwrap();
    let page = moa.home_feed().unwrap();
    let news = page.sections.iter().find(|s| s.id == "new_from_followed").expect("news from the followed mall");
    assert!(news.cards.iter().all(|c| c.mall_id == followed));
    let recommended = page.sections.iter().find(|s| s.id == "malls_for_you").unwrap();
    assert!(recommended.malls.iter().all(|m| m.mall_id != followed), "a followed mall is not recommended again");
    w.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malls_page_has_its_products_in_each_shoppers_order() {
    let mut w = world().await;
    let lovely = w.shopper("mall-page-lovely").await;
    lovely
        .set_profile(&ShopperProfile {
            gender: Some(Gender::Women),
            age_band: Some(AgeBand::Early20s),
            styles: vec![Style::Lovely],
        })
        .unwrap();
    let street = w.shopper("mall-page-street").await;
    street
        .set_profile(&ShopperProfile {
            gender: Some(Gender::Men),
            age_band: Some(AgeBand::Late20s),
            styles: vec![Style::Street],
        })
        .unwrap();
    let mall =
        w.world.malls.iter().max_by_key(|m| w.world.products.iter().filter(|p| p.mall_id == m.id).count()).unwrap();

    let page = lovely.mall_page(&mall.id, 40).unwrap();
    assert_eq!((page.mall_id.as_str(), page.name.as_str()), (mall.id.as_str(), mall.name.as_str()));
    assert!(!page.styles.is_empty() && !page.audience.is_empty() && page.homepage.starts_with("https://"));
    assert_eq!(page.cards.len(), 40);
    assert!(page.products_in_stock as usize >= page.cards.len());
    assert!(page.cards.iter().all(|c| c.mall_id == mall.id), "only the mall's own products");
    let ids: HashSet<&str> = page.cards.iter().map(|c| c.product_id.as_str()).collect();
    assert_eq!(ids.len(), page.cards.len(), "no product twice");
    assert!(page.cards.iter().all(|c| lovely.product(&c.product_id).unwrap().in_stock()));
    // Each shopper's own order.
    let other = street.mall_page(&mall.id, 40).unwrap();
    let order = |p: &moa_core::MallPage| p.cards.iter().take(10).map(|c| c.product_id.clone()).collect::<Vec<_>>();
    assert_ne!(order(&page), order(&other), "a lovely shopper and a street shopper see the mall differently");

    // Follow from the page; "not interested" leaves it; an unknown mall is NotFound.
    assert!(!page.followed);
    lovely.follow_mall(&mall.id).unwrap();
    assert!(lovely.mall_page(&mall.id, 40).unwrap().followed);
    let gone = page.cards[0].product_id.clone();
    lovely.record(Event::NotInterested { product_id: gone.clone() }).unwrap();
    assert!(lovely.mall_page(&mall.id, 40).unwrap().cards.iter().all(|c| c.product_id != gone));
    assert!(matches!(lovely.mall_page("no-such-mall", 10), Err(moa_core::Error::NotFound(_))));
    w.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recently_viewed_brings_back_what_the_shopper_opened_and_says_what_changed() {
    let mut w = world().await;
    let clock = FixedClock::at_secs(NOW);
    let dir = tempfile::tempdir().unwrap();
    let moa = Moa::open(MoaConfig::new(dir.path()).clock(clock.clone()).server(&w.server.url)).unwrap();
    moa.sync().await.unwrap();
    let home = moa.home_feed().unwrap();
    assert!(home.sections.iter().all(|s| s.id != "recently_viewed"), "nothing viewed yet: no row");
    let cards: Vec<String> = scroll(&home).into_iter().take(4).collect();
    let look = |id: &str| {
        moa.product_sheet(id).unwrap();
        clock.advance_ms(20_000);
        assert!(moa.sheet_closed(id).unwrap());
    };
    // Four opened, the second twice; then the first gets cheaper and the third sells out.
    for id in [&cards[0], &cards[1], &cards[2], &cards[1], &cards[3]] {
        look(id);
    }
    let product = |id: &str| w.world.products.iter().find(|p| p.id == *id).unwrap().clone();
    let cheaper = product(&cards[0]);
    let mut sold_out = product(&cards[2]);
    for v in &mut sold_out.variants {
        v.available = false;
    }
    let repriced = moa_core::model::Product { price: Money::krw(cheaper.price.amount - 3_000), ..cheaper.clone() };
    w.catalog.upsert_products(&[repriced, sold_out]).unwrap();
    moa.sync().await.unwrap();

    let home = moa.home_feed().unwrap();
    assert_rules(&moa, &home);
    let row = home.sections.iter().find(|s| s.id == "recently_viewed").expect("a recently viewed row");
    assert_eq!(row.title, "최근 본 상품");
    let ids: Vec<&str> = row.cards.iter().map(|c| c.product_id.as_str()).collect();
    assert_eq!(ids, vec![cards[3].as_str(), cards[1].as_str(), cards[0].as_str()], "latest first, sold out left out");
    assert_eq!(row.cards[1].reason, "2번 본 상품");
    assert_eq!(row.cards[2].reason, "본 뒤로 3,000원 내렸어요");
    assert_eq!(row.cards[0].reason, "최근에 봤어요");
    w.dirs.push(dir);
}
