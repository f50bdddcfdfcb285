//! Search over a synced demo catalog: Korean substrings, initial consonants (초성), one typo,
//! exact filters and pages, sorting, malls, and the search event.

use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, SocketAddr};

use moa_core::model::{Category, Product};
use moa_core::search::{SearchFilter, SearchQuery, SearchSort};
use moa_core::{FixedClock, Moa, MoaConfig};
use moa_server::{DemoSpec, DemoWorld, RunningServer};

const NOW: i64 = 1_795_000_000;

async fn synced() -> (Moa, DemoWorld, RunningServer, tempfile::TempDir) {
    let (catalog, world) = moa_server::demo_catalog(DemoSpec { seed: 81, products: 3_000, now: NOW }).unwrap();
    let server = RunningServer::start(catalog, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let moa = Moa::open(MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server(&server.url)).unwrap();
    moa.sync().await.unwrap();
    (moa, world, server, dir)
}

fn query(text: &str) -> SearchQuery {
    SearchQuery { text: text.into(), limit: 20, ..Default::default() }
}

fn ids(moa: &Moa, q: &SearchQuery) -> Vec<String> {
    moa.search(q).unwrap().cards.into_iter().map(|c| c.product_id).collect()
}

/// In-stock products whose title appears once in the world, longest first.
fn unique_titles(world: &DemoWorld) -> Vec<&Product> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for p in &world.products {
        *count.entry(p.title.as_str()).or_default() += 1;
    }
    let mut unique: Vec<&Product> = world
        .products
        .iter()
        .filter(|p| p.in_stock() && count[p.title.as_str()] == 1 && p.title.chars().count() >= 8)
        .collect();
    unique.sort_by_key(|p| std::cmp::Reverse(p.title.chars().count()));
    unique
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn korean_substrings_initials_and_a_typo_find_the_product() {
    let (moa, world, server, _dir) = synced().await;
    let targets = unique_titles(&world);
    assert!(targets.len() >= 5);
    for p in &targets[..5] {
        let title: Vec<char> = p.title.chars().collect();
        // A substring from the middle of the title (no word boundary needed).
        let middle: String = title[1..title.len() - 1].iter().collect();
        assert!(
            ids(&moa, &query(&middle)).iter().take(5).any(|id| id == &p.id),
            "substring {middle:?} of {:?}",
            p.title
        );
        // One syllable mistyped.
        let mut typo = title.clone();
        let at = title.iter().position(|c| ('가'..='힣').contains(c)).unwrap();
        typo[at] = if typo[at] == '가' { '나' } else { '가' };
        let typo: String = typo.into_iter().collect();
        let results = moa.search(&query(&typo)).unwrap();
        let top: Vec<&str> = results.cards.iter().take(5).map(|c| c.product_id.as_str()).collect();
        assert!(top.contains(&p.id.as_str()), "typo {typo:?} of {:?}: {top:?}", p.title);
        // Initial consonants of the title's Korean.
        let initials = moa_core::search::chosung(&p.title);
        if initials.chars().count() >= 4 {
            let top = ids(&moa, &query(&initials));
            assert!(top.iter().take(5).any(|id| id == &p.id), "초성 {initials:?} of {:?}", p.title);
        }
    }
    // The query was recorded as a search event.
    let searches = moa
        .store()
        .profile_events()
        .unwrap()
        .iter()
        .filter(|(_, e)| matches!(e, moa_core::Event::Search { .. }))
        .count();
    assert!(searches >= 10, "{searches}");
    // The same query again (results refreshed after a heart was tapped) is not another search.
    let again = |moa: &Moa| {
        moa.store()
            .profile_events()
            .unwrap()
            .iter()
            .filter(|(_, e)| matches!(e, moa_core::Event::Search { .. }))
            .count()
    };
    moa.search(&query("원피스")).unwrap();
    let once = again(&moa);
    moa.search(&query("원피스")).unwrap();
    assert_eq!(again(&moa), once);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malls_by_name_initials_and_a_typo() {
    let (moa, _world, server, _dir) = synced().await;
    let first = |text: &str| moa.search_malls(text).unwrap().into_iter().map(|m| m.name).take(5).collect::<Vec<_>>();
    assert!(first("스트릿").contains(&"스트릿랩".to_string()));
    assert!(first("ㅅㅌㄹㄹ").contains(&"스트릿랩".to_string()), "{:?}", first("ㅅㅌㄹㄹ"));
    assert!(first("레이스뮤주").contains(&"레이스뮤즈".to_string()), "one typo");
    assert!(first("lacemuse").contains(&"레이스뮤즈".to_string()), "by id");
    assert!(first("전혀없는몰이름").is_empty());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_pages_and_sorting_are_exact() {
    let (moa, world, server, _dir) = synced().await;
    let filter = SearchFilter {
        category: Some(Category::Skirt),
        min_price: Some(20_000),
        max_price: Some(60_000),
        ..Default::default()
    };
    let expected: HashSet<String> = world
        .products
        .iter()
        .filter(|p| p.in_stock() && p.category == Category::Skirt && (20_000..=60_000).contains(&p.price.amount))
        .map(|p| p.id.clone())
        .collect();
    assert!(expected.len() > 20);
    // Page through with pages of 7: every product once, in a stable order, the total exact.
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let page = moa
            .search(&SearchQuery {
                filter: filter.clone(),
                sort: SearchSort::PriceLow,
                offset,
                limit: 7,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(page.total as usize, expected.len());
        if page.cards.is_empty() {
            break;
        }
        seen.extend(page.cards.iter().map(|c| (c.product_id.clone(), c.price)));
        offset += 7;
    }
    assert_eq!(seen.iter().map(|(id, _)| id.clone()).collect::<HashSet<_>>(), expected);
    assert_eq!(seen.len(), expected.len(), "no repeats across pages");
    assert!(seen.windows(2).all(|w| w[0].1 <= w[1].1), "price ascending");

    // A size in stock, a colour, a mall, a style, with text.
    let p = world
        .products
        .iter()
        .find(|p| p.in_stock() && p.variants.iter().any(|v| v.available && v.size.is_some()))
        .unwrap();
    let size = p.variants.iter().find(|v| v.available).unwrap().size.clone().unwrap();
    let colour = p.variants[0].color.clone().unwrap();
    let filter = SearchFilter {
        size: Some(size.clone()),
        color: Some(colour.clone()),
        mall_id: Some(p.mall_id.clone()),
        ..Default::default()
    };
    let expected: HashSet<String> = world
        .products
        .iter()
        .filter(|q| q.in_stock() && q.mall_id == p.mall_id)
        .filter(|q| q.variants.iter().any(|v| v.available && v.size.as_deref() == Some(size.as_str())))
        .filter(|q| q.variants.iter().any(|v| v.color.as_deref() == Some(colour.as_str())))
        .map(|q| q.id.clone())
        .collect();
    let found = moa.search(&SearchQuery { filter, limit: 100, ..Default::default() }).unwrap();
    assert_eq!(found.cards.iter().map(|c| c.product_id.clone()).collect::<HashSet<_>>(), expected);
    assert!(found.cards.iter().any(|c| c.product_id == p.id));

    let newest = moa
        .search(&SearchQuery { text: "스커트".into(), sort: SearchSort::Newest, limit: 30, ..Default::default() })
        .unwrap();
    let created: Vec<i64> =
        newest.cards.iter().map(|c| world.products.iter().find(|p| p.id == c.product_id).unwrap().created_at).collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]));
    assert!(newest.cards.iter().all(|c| c.title.contains("스커트")
        || world.products.iter().any(|p| p.id == c.product_id && p.category == Category::Skirt)));
    server.shutdown().await;
}
