//! Photos hashed at ingest: a feed's product photos are fetched over HTTP (a real loopback
//! server here), hashed, and the same item sold by two malls is grouped across them; photos that
//! cannot be had cost their products only the grouping, and an unchanged feed fetches nothing.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use moa_protocol::model::{Category, Gender, Platform, Product, Style};
use moa_server::demo::{DemoSpec, DemoWorld};
use moa_server::images::product_photo;
use moa_server::ingest::{self, Format, Limits, MallProfile, PhotoOptions};
use moa_server::CatalogDb;

const NOW: i64 = 1_795_000_000;

fn mall(id: &str) -> MallProfile {
    MallProfile {
        id: id.into(),
        name: id.into(),
        platform: Platform::Smartstore,
        homepage: format!("https://www.{id}.co.kr"),
        link_hosts: vec![format!("www.{id}.co.kr")],
        currency: "KRW".into(),
        gender: Gender::Women,
        styles: vec![Style::Casual],
        age_bands: vec![],
        category_map: BTreeMap::new(),
        default_category: Some(Category::Outer),
        style_map: BTreeMap::new(),
        contact: None,
    }
}

/// A Naver EP feed: (product number, price, photo URL) per row.
fn feed(mall: &str, rows: &[(u32, i64, String)]) -> Vec<u8> {
    let mut out = String::from(
        "id\ttitle\tprice_pc\tprice_mobile\tnormal_price\tlink\timage_link\tcategory_name1\tcategory_name2\tcategory_name3\tcategory_name4\tbrand\tsearch_tag\toption_detail\tshipping\n",
    );
    for (n, price, photo) in rows {
        out.push_str(&format!(
            "{n}\t울 블렌드 코트 {n}\t{price}\t{price}\tnull\thttps://www.{mall}.co.kr/product/{n}\t{photo}\t여성의류\t아우터\t코트\tnull\tnull\tnull\tnull\t0\n"
        ));
    }
    out.into_bytes()
}

async fn photo_server(photos: Vec<(&'static str, Vec<u8>)>) -> String {
    let mut app = Router::new();
    for (path, bytes) in photos {
        app = app
            .route(path, get(move || async move { ([(header::CONTENT_TYPE, "image/jpeg")], bytes).into_response() }));
    }
    let app = app.fallback(|| async { StatusCode::NOT_FOUND });
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

fn stored(db: &CatalogDb, id: &str) -> Product {
    db.product(id).unwrap().unwrap_or_else(|| panic!("{id} imported"))
}

async fn run(db: &CatalogDb, mall: &str, bytes: &[u8]) -> (ingest::ImportReport, Vec<String>) {
    let prepared = ingest::prepare(db, mall, Format::NaverEp, bytes, Limits::default(), NOW).unwrap();
    let urls = prepared.photos_to_hash();
    // The photo server is on loopback: allowed here, as it is only for tests and the demo.
    let photos =
        ingest::hash_photos(urls.clone(), PhotoOptions { allow_private: true, ..PhotoOptions::default() }).await;
    (ingest::commit(db, prepared, &photos, NOW).unwrap(), urls)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_photo_at_two_malls_is_one_item_and_bad_photos_cost_only_the_grouping() {
    // Two different coats of the demo world, and the first as a reseller shoots it.
    let world = DemoWorld::generate(DemoSpec { seed: 5, products: 300, now: NOW });
    let coats: Vec<&Product> =
        world.products.iter().filter(|p| p.category == Category::Outer && !p.image_url.contains('~')).collect();
    let (coat, other) = (coats[0], coats[1]);
    let url = photo_server(vec![
        ("/alpha/coat.jpg", product_photo(coat, None)),
        ("/alpha/other.jpg", product_photo(other, None)),
        ("/beta/coat.jpg", product_photo(coat, Some("beta-resale"))),
        ("/beta/junk.jpg", b"\xff\xd8\xff\xe0 not really a jpeg".to_vec()),
    ])
    .await;

    let db = CatalogDb::open(None).unwrap();
    db.put_mall_profile(&mall("alpha")).unwrap();
    db.put_mall_profile(&mall("beta")).unwrap();
    let alpha =
        feed("alpha", &[(1, 89_000, format!("{url}/alpha/coat.jpg")), (2, 99_000, format!("{url}/alpha/other.jpg"))]);
    let (report, _) = run(&db, "alpha", &alpha).await;
    assert_eq!((report.imported, report.photos_hashed, report.photos_failed, report.same_item), (2, 2, 0, 0));

    let beta = feed(
        "beta",
        &[
            (7, 84_000, format!("{url}/beta/coat.jpg")),
            (8, 90_000, format!("{url}/beta/missing.jpg")),
            (9, 90_000, format!("{url}/beta/junk.jpg")),
        ],
    );
    let (report, _) = run(&db, "beta", &beta).await;
    assert_eq!((report.imported, report.photos_hashed, report.photos_failed, report.same_item), (3, 1, 2, 1));
    assert!(report.notes.iter().any(|n| n.contains("missing.jpg") && n.contains("404")), "{:?}", report.notes);

    let (a_coat, b_coat) = (stored(&db, "alpha-1"), stored(&db, "beta-7"));
    assert!(a_coat.same_item.is_some(), "the first mall's coat joined the group when the second came");
    assert_eq!(a_coat.same_item, b_coat.same_item);
    assert_eq!(stored(&db, "alpha-2").same_item, None, "a different coat stays alone");
    for bad in ["beta-8", "beta-9"] {
        let p = stored(&db, bad);
        assert_eq!((p.image_hash, p.same_item), (None, None), "{bad} kept, without a hash");
    }

    // The apps learn of the first mall's coat joining a group: it is a change after the import.
    let changes: serde_json::Value = serde_json::from_str(&db.changes_json(0, 100).unwrap()).unwrap();
    let last = changes["changes"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["product"]["id"], "alpha-1", "{last}");

    // Again, unchanged: only the photos that failed are tried again, and nothing changes.
    let (again, tried) = run(&db, "beta", &beta).await;
    assert_eq!(tried, vec![format!("{url}/beta/missing.jpg"), format!("{url}/beta/junk.jpg")]);
    assert_eq!((again.imported, again.unchanged, again.same_item), (0, 3, 1));
    let (again, tried) = run(&db, "alpha", &alpha).await;
    assert!(tried.is_empty(), "{tried:?}");
    assert_eq!((again.imported, again.unchanged), (0, 2));
    assert_eq!(stored(&db, "alpha-1").same_item, b_coat.same_item, "keys are stable across imports");
}

/// A feed's photo URLs cannot make the server reach into its own network.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_on_private_addresses_are_not_fetched() {
    let asked = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&asked);
    let app = Router::new().fallback(move || {
        counted.fetch_add(1, Ordering::SeqCst);
        async { ([(header::CONTENT_TYPE, "image/jpeg")], vec![0u8; 10]).into_response() }
    });
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let urls: Vec<String> = [
        format!("http://127.0.0.1:{port}/a.jpg"),
        format!("http://localhost:{port}/b.jpg"),
        format!("http://[::1]:{port}/c.jpg"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://10.0.0.1/d.jpg".to_string(),
        "file:///etc/passwd".to_string(),
    ]
    .into();
    let report = ingest::hash_photos(urls.clone(), PhotoOptions::default()).await;
    assert!(report.hashes.is_empty());
    assert_eq!(report.failed.len(), urls.len(), "{:?}", report.failed);
    assert_eq!(asked.load(Ordering::SeqCst), 0, "no request reached the private address");
}
