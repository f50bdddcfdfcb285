//! Search over the whole catalog (issue #23): every listed product's words in a trigram index,
//! found by substring (Korean too), every word of the query required, sold-out and delisted
//! products left out, the most popular first; kept in step with every change; over HTTP, a
//! change page of upserts. Runs on SQLite and, in the postgres suite, on PostgreSQL.

use std::net::{Ipv4Addr, SocketAddr};

use moa_protocol::model::Product;
use moa_protocol::wire::{Change, ChangePage};
use moa_server::demo::{demo_catalog, DemoSpec};
use moa_server::RunningServer;

const NOW: i64 = 1_795_000_000;

fn found(json: &str) -> Vec<Product> {
    let page: ChangePage = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json:.200}"));
    page.changes
        .into_iter()
        .map(|c| match c {
            Change::Upsert { product, .. } => product,
            other => panic!("search answers with products: {other:?}"),
        })
        .collect()
}

#[test]
fn every_word_is_found_by_substring_in_stock_most_popular_first_and_kept_in_step() {
    let (catalog, world) = demo_catalog(DemoSpec { seed: 41, products: 2_000, now: NOW }).unwrap();
    // A Korean word from the middle of a title, as a shopper types part of it.
    let sample = world.products.iter().find(|p| p.in_stock() && p.title.chars().count() > 6).unwrap();
    let word: String = sample.title.split_whitespace().last().unwrap().chars().take(3).collect();
    let expected: Vec<&Product> = world
        .products
        .iter()
        .filter(|p| p.in_stock() && moa_server::search::words_of(p).contains(&word.to_lowercase()))
        .collect();
    let hits = found(&catalog.search_json(&word, 100).unwrap());
    assert_eq!(hits.len(), expected.len().min(100), "{word:?}");
    assert!(hits.iter().all(|p| p.in_stock()), "no sold-out product");
    assert!(hits.windows(2).all(|w| w[0].popularity >= w[1].popularity), "most popular first");
    assert!(hits.iter().any(|p| p.id == sample.id) || hits.len() == 100);

    // Two words: both must be found (a colour and a category word, in either language).
    let colour = sample.variants.iter().find_map(|v| v.color.clone()).unwrap();
    let both = found(
        &catalog
            .search_json(&format!("{colour} {}", sample.category.label(moa_protocol::model::Locale::En)), 100)
            .unwrap(),
    );
    assert!(!both.is_empty());
    for p in &both {
        let words = moa_server::search::words_of(p);
        assert!(words.contains(&colour.to_lowercase()) && p.category == sample.category, "{}: {words}", p.id);
    }
    // Wildcards are taken literally.
    assert!(found(&catalog.search_json("%", 100).unwrap()).is_empty());

    // Kept in step: a renamed product is found by its new name, a delisted one not at all.
    let renamed = Product { title: format!("{} 하늘구름자락", sample.title), ..sample.clone() };
    catalog.upsert_products(&[renamed]).unwrap();
    let hits = found(&catalog.search_json("하늘구름", 10).unwrap());
    assert_eq!(hits.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), vec![sample.id.as_str()]);
    catalog.delete_products(&[sample.id.as_str()]).unwrap();
    assert!(found(&catalog.search_json("하늘구름", 10).unwrap()).is_empty(), "delisted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_endpoint_answers_a_page_and_refuses_what_it_cannot_read() {
    let (catalog, world) = demo_catalog(DemoSpec { seed: 41, products: 500, now: NOW }).unwrap();
    let server = RunningServer::start(catalog, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    let word = world.products[0].title.split_whitespace().last().unwrap().to_string();
    let url = format!("{}/v1/search", server.url);
    let ok = reqwest::Client::new().get(&url).query(&[("q", word.as_str()), ("limit", "5")]).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let hits = found(&ok.text().await.unwrap());
    assert!(!hits.is_empty() && hits.len() <= 5);
    for bad in [
        vec![],
        vec![("q", "  ")],
        vec![("q", "니트"), ("limit", "0")],
        vec![("q", "니트"), ("limit", "101")],
        vec![("q", "니\u{0}트")],
    ] {
        let r = reqwest::Client::new().get(&url).query(&bad).send().await.unwrap();
        assert_eq!(r.status(), 400, "{bad:?}");
    }
    // Products by id: the listed, in-stock ones among those asked; unknown ones absent.
    let sold_out = world.products.iter().find(|p| !p.in_stock()).unwrap();
    let asked = format!("{},{},nobody-1", world.products[0].id, sold_out.id);
    let url = format!("{}/v1/products", server.url);
    let r = reqwest::Client::new().get(&url).query(&[("ids", asked.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let got: Vec<String> = found(&r.text().await.unwrap()).into_iter().map(|p| p.id).collect();
    let expected = if world.products[0].in_stock() { vec![world.products[0].id.clone()] } else { vec![] };
    assert_eq!(got, expected);
    let too_many = (0..101).map(|n| format!("p{n}")).collect::<Vec<_>>().join(",");
    for bad in ["", ",,", too_many.as_str()] {
        let r = reqwest::Client::new().get(&url).query(&[("ids", bad)]).send().await.unwrap();
        assert_eq!(r.status(), 400, "{bad:.20}");
    }
    server.shutdown().await;
}
