//! The importers over real partner feeds (../shared/fixtures/catalog, when present) and over the
//! project's own feeds in every format (tests/fixtures/ingest): counts, exact field values,
//! problems reported with their lines, re-imports that change nothing, updates that change
//! exactly the difference, feeds rejected whole, and the apps' sync seeing the imported catalog.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use moa_protocol::model::{Category, Gender, Platform, Product, Style};
use moa_server::ingest::{ingest, FeedError, Format, ImportReport, IngestError, Limits, MallProfile};
use moa_server::{CatalogDb, RunningServer};

const NOW: i64 = 1_795_000_000;

fn profile(id: &str, homepage: &str, currency: &str) -> MallProfile {
    MallProfile {
        id: id.into(),
        name: id.into(),
        platform: Platform::Shopify,
        homepage: homepage.into(),
        link_hosts: vec![],
        currency: currency.into(),
        gender: Gender::Women,
        styles: vec![Style::Casual],
        age_bands: vec![],
        category_map: BTreeMap::new(),
        default_category: None,
        style_map: BTreeMap::new(),
        contact: None,
    }
}

/// Moa's own imaginary mall, whose feeds are in tests/fixtures/ingest.
fn lacemuse() -> MallProfile {
    let mut p = profile("lacemuse", "https://www.lacemuse.co.kr", "KRW");
    p.name = "레이스뮤즈".into();
    p.platform = Platform::Cafe24;
    p.link_hosts = vec!["lacemuse.co.kr".into()];
    // Cafe24 category numbers are the mall's own.
    p.category_map = BTreeMap::from([
        ("24".into(), Category::Top),
        ("25".into(), Category::Top),
        ("26".into(), Category::Accessory),
    ]);
    p
}

fn own(file: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingest").join(file)).unwrap()
}

fn catalog_with(mall: &MallProfile) -> CatalogDb {
    let db = CatalogDb::open(None).unwrap();
    db.put_mall_profile(mall).unwrap();
    db
}

fn run(db: &CatalogDb, mall: &str, format: Format, bytes: &[u8]) -> ImportReport {
    ingest(db, mall, format, bytes, Limits::default(), NOW).unwrap_or_else(|e| panic!("{format:?}: {e}"))
}

fn product(db: &CatalogDb, id: &str) -> Product {
    db.product(id).unwrap().unwrap_or_else(|| panic!("{id} is not in the catalog"))
}

fn skipped_lines(report: &ImportReport) -> Vec<(usize, String)> {
    report.skipped.iter().map(|s| (s.line, s.reason.clone())).collect()
}

// ── The project's own feeds ──────────────────────────────────────────────────────────────────

#[test]
fn shopify_storefront_json() {
    let db = catalog_with(&lacemuse());
    let r = run(&db, "lacemuse", Format::ShopifyProducts, &own("shopify_products.json"));
    assert_eq!((r.read, r.imported, r.skipped.len()), (4, 3, 1));
    assert_eq!(r.skipped[0].id.as_deref(), Some("7004"));
    assert!(r.skipped[0].reason.contains("문의"), "{}", r.skipped[0].reason);
    let dress = product(&db, "lacemuse-7001");
    assert_eq!((dress.title.as_str(), dress.category), ("플라워 레이스 원피스", Category::Dress));
    assert_eq!((dress.price.amount, dress.original_price.as_ref().map(|m| m.amount)), (39_800, Some(49_800)));
    assert_eq!(dress.styles, vec![Style::Lovely]);
    assert_eq!(dress.product_url, "https://www.lacemuse.co.kr/products/flower-lace-dress");
    // The gallery: the images after the first, without the main one again or an ftp address,
    // a protocol-relative one taken as https.
    assert_eq!(
        dress.more_image_urls,
        vec!["https://cdn.lacemuse.co.kr/p/7001-back.jpg", "https://cdn.lacemuse.co.kr/p/7001-lace.jpg"]
    );
    assert!(product(&db, "lacemuse-7002").more_image_urls.is_empty());
    let sizes: Vec<(Option<&str>, bool)> = dress.variants.iter().map(|v| (v.size.as_deref(), v.available)).collect();
    assert_eq!(sizes, vec![(Some("S"), true), (Some("M"), false)]);
    let cardigan = product(&db, "lacemuse-7002");
    assert_eq!(
        (cardigan.variants[0].color.as_deref(), cardigan.variants[0].size.as_deref()),
        (Some("아이보리"), Some("FREE"))
    );
    assert_eq!(cardigan.category, Category::Outer);
    let slacks = product(&db, "lacemuse-7003");
    assert_eq!((slacks.price.amount, slacks.original_price.clone()), (29_800, None), "compare-at 0 is no sale");
    assert_eq!(slacks.styles, vec![Style::OfficeLook]);
    assert_eq!(slacks.created_at, 1_791_334_800, "the mall's own creation date");
}

#[test]
fn shopify_admin_json() {
    let db = catalog_with(&lacemuse());
    let r = run(&db, "lacemuse", Format::ShopifyAdmin, &own("shopify_admin.json"));
    assert_eq!((r.read, r.imported), (4, 3));
    assert_eq!(skipped_lines(&r), vec![(3, "status draft: not for sale".to_string())]);
    let jacket = product(&db, "lacemuse-8101");
    assert_eq!((jacket.price.amount, jacket.original_price.unwrap().amount), (89_000, 119_000));
    assert_eq!(jacket.variants.iter().map(|v| v.available).collect::<Vec<_>>(), vec![true, false], "stock 3 and 0");
    assert_eq!(jacket.styles, vec![Style::Feminine]);
    assert!(product(&db, "lacemuse-8102").in_stock(), "untracked inventory can be bought");
    assert!(product(&db, "lacemuse-8104").in_stock(), "policy continue sells at zero");
    assert_eq!(product(&db, "lacemuse-8104").variants[0].color.as_deref(), Some("블랙"));
}

#[test]
fn shopify_import_csv() {
    let db = catalog_with(&lacemuse());
    let r = run(&db, "lacemuse", Format::ShopifyCsv, &own("shopify_import.csv"));
    assert_eq!((r.read, r.imported), (6, 2));
    assert_eq!(skipped_lines(&r), vec![(6, "not for sale (draft)".to_string()), (7, "no handle".to_string())]);
    let blouse = product(&db, "lacemuse-ribbon-blouse");
    assert_eq!(blouse.category, Category::Top);
    assert_eq!(blouse.gender, Gender::Women);
    assert_eq!(blouse.styles, vec![Style::Lovely, Style::OfficeLook]);
    let v: Vec<(&str, Option<&str>, Option<&str>, bool)> =
        blouse.variants.iter().map(|v| (v.id.as_str(), v.size.as_deref(), v.color.as_deref(), v.available)).collect();
    assert_eq!(
        v,
        vec![
            ("lacemuse-ribbon-blouse-RB-S-WH", Some("S"), Some("화이트"), true),
            ("lacemuse-ribbon-blouse-RB-M-WH", Some("M"), Some("화이트"), false)
        ]
    );
    assert_eq!(blouse.image_url, "https://cdn.lacemuse.co.kr/p/rb.jpg");
    assert_eq!(blouse.more_image_urls, vec!["https://cdn.lacemuse.co.kr/p/rb-2.jpg"], "a row that only adds an image");
    let skirt = product(&db, "lacemuse-denim-skirt");
    assert_eq!((skirt.category, skirt.variants[0].size.clone()), (Category::Skirt, None));
}

#[test]
fn merchant_xml() {
    let db = catalog_with(&lacemuse());
    let r = run(&db, "lacemuse", Format::MerchantXml, &own("merchant.xml"));
    assert_eq!((r.read, r.imported), (5, 3));
    assert_eq!(r.skipped.len(), 1);
    assert_eq!((r.skipped[0].line, r.skipped[0].id.as_deref()), (45, Some("LM-9003")));
    assert!(r.skipped[0].reason.contains("www.elsewhere.example"), "{}", r.skipped[0].reason);
    assert!(r.notes.is_empty(), "a standard feed: {:?}", r.notes);
    let dress = product(&db, "lacemuse-LM-9001");
    assert_eq!((dress.price.amount, dress.original_price.unwrap().amount), (47_800, 59_800), "sale price paid");
    assert_eq!(dress.sale_ends_at, Some(1_796_050_740), "the sale's end, 2026-11-30 23:59 KST");
    assert_eq!(
        dress.more_image_urls,
        vec!["https://cdn.lacemuse.co.kr/p/9001-2.jpg", "https://cdn.lacemuse.co.kr/p/9001-3.jpg"],
        "additional_image_link, repeated"
    );
    assert_eq!(
        dress.variants.iter().map(|v| (v.size.clone().unwrap(), v.available)).collect::<Vec<_>>(),
        vec![("S".into(), true), ("M".into(), false)]
    );
    assert_eq!(product(&db, "lacemuse-LM-9002").title, "앙고라 라운드 니트 & 머플러 SET");
    assert_eq!(product(&db, "lacemuse-LM-9002").category, Category::Top);
    let coat = product(&db, "lacemuse-LM-9004");
    assert_eq!((coat.price.amount, coat.category, coat.in_stock()), (129_000, Category::Outer, true));
}

#[test]
fn merchant_tsv() {
    let db = catalog_with(&lacemuse());
    let r = run(&db, "lacemuse", Format::MerchantTsv, &own("merchant.tsv"));
    assert_eq!((r.read, r.imported), (4, 3));
    assert_eq!(skipped_lines(&r), vec![(4, "8 cells where the header has 11".to_string())]);
    let coat = product(&db, "lacemuse-M-2");
    assert_eq!(
        coat.more_image_urls,
        vec!["https://cdn.lacemuse.co.kr/p/m2-back.jpg", "https://cdn.lacemuse.co.kr/p/m2-detail.jpg"],
        "additional_image_link, comma-separated"
    );
    assert_eq!((coat.price.amount, coat.original_price.unwrap().amount), (119_000, 149_000));
    assert!(!product(&db, "lacemuse-M-4").in_stock());
    assert_eq!(product(&db, "lacemuse-M-4").category, Category::Shoes);
}

#[test]
fn naver_ep_full_then_summary() {
    let db = catalog_with(&lacemuse());
    let r = run(&db, "lacemuse", Format::NaverEp, &own("naver_ep.tsv"));
    assert_eq!((r.read, r.imported), (5, 3));
    let lines: Vec<usize> = r.skipped.iter().map(|s| s.line).collect();
    assert_eq!(lines, vec![4, 6]);
    assert!(r.skipped[0].reason.contains("12 cells where the header has 16"), "{}", r.skipped[0].reason);
    assert!(r.skipped[1].reason.contains("smartstore.naver.com"), "{}", r.skipped[1].reason);
    assert_eq!(
        r.notes,
        vec![
            "UTF-8 with a byte-order mark".to_string(),
            "1 product links were http and are served as https".to_string()
        ]
    );
    let cardigan = product(&db, "lacemuse-N100");
    assert_eq!(cardigan.product_url, "https://www.lacemuse.co.kr/product/detail.html?product_no=100");
    assert_eq!(cardigan.image_url, "https://cdn.lacemuse.co.kr/p/100.jpg");
    assert_eq!(
        cardigan.more_image_urls,
        vec!["https://cdn.lacemuse.co.kr/p/100-2.jpg", "https://cdn.lacemuse.co.kr/p/100-3.jpg"],
        "add_image_link, |-separated, http served as https"
    );
    assert_eq!((cardigan.price.amount, cardigan.original_price.clone().unwrap().amount), (28_900, 35_000));
    assert_eq!(cardigan.category, Category::Outer);
    assert_eq!(cardigan.variants.iter().filter_map(|v| v.size.clone()).collect::<Vec<_>>(), vec!["S", "M"]);
    let dress = product(&db, "lacemuse-N103");
    assert_eq!(dress.original_price, None, "a normal price equal to the price is no sale");
    assert_eq!((dress.variants[0].color.as_deref(), dress.variants[0].size.as_deref()), (Some("블랙"), Some("FREE")));

    // The summary: N100 repriced (U), N101 deleted (D), N105 new (I), N106 unreadable class.
    let before = db.last_seq().unwrap();
    let r = run(&db, "lacemuse", Format::NaverEpSummary, &own("naver_ep_summary.tsv"));
    assert_eq!((r.read, r.imported, r.delisted, r.unchanged), (4, 2, 1, 0));
    assert_eq!(skipped_lines(&r), vec![(5, "class Some(\"X\") is not I, U or D".to_string())]);
    assert_eq!(product(&db, "lacemuse-N100").price.amount, 25_900);
    assert_eq!(product(&db, "lacemuse-N100").updated_at, 1_795_222_800, "the summary's update_time (KST)");
    assert!(db.product("lacemuse-N101").unwrap().is_none());
    assert!(db.product("lacemuse-N103").unwrap().is_some(), "a summary delists nothing it does not name");
    assert_eq!(db.last_seq().unwrap(), before + 3);
    // The same summary again: nothing new.
    let again = run(&db, "lacemuse", Format::NaverEpSummary, &own("naver_ep_summary.tsv"));
    assert_eq!((again.imported, again.delisted, again.unchanged), (0, 0, 2));
    assert_eq!(db.last_seq().unwrap(), before + 3);
}

#[test]
fn cafe24_json() {
    let db = catalog_with(&lacemuse());
    let r = run(&db, "lacemuse", Format::Cafe24, &own("cafe24.json"));
    assert_eq!((r.read, r.imported), (4, 3));
    assert_eq!(skipped_lines(&r), vec![(3, "not displayed in the mall (display F)".to_string())]);
    let shirt = product(&db, "lacemuse-301");
    assert_eq!(
        shirt.image_url, "https://www.lacemuse.co.kr/web/product/big/202611/301.jpg",
        "{{domain}} is the mall's host"
    );
    assert_eq!(shirt.product_url, "https://www.lacemuse.co.kr/product/detail.html?product_no=301");
    assert_eq!(shirt.more_image_urls, vec!["https://www.lacemuse.co.kr/web/product/extra/big/202611/301-1.jpg"]);
    assert_eq!((shirt.price.amount, shirt.original_price.clone().unwrap().amount), (36_000, 42_000));
    assert_eq!(shirt.category, Category::Top, "category 24 through the mall's table");
    assert_eq!(shirt.variants.iter().map(|v| v.available).collect::<Vec<_>>(), vec![true, false]);
    assert_eq!(product(&db, "lacemuse-302").original_price, None, "retail price 0 is none");
    assert!(!product(&db, "lacemuse-304").in_stock(), "sold out");
    assert_eq!(product(&db, "lacemuse-304").category, Category::Accessory);
}

/// Each format: a second import of the same file changes nothing; an edited file (one price
/// changed, one product replaced by another) changes exactly that.
#[test]
fn reimport_is_no_change_and_an_update_is_the_exact_difference() {
    let cases: &[(Format, &str, &[(&str, &str)], &str, &str)] = &[
        (
            Format::ShopifyProducts,
            "shopify_products.json",
            &[("\"price\":\"32000\"", "\"price\":\"30000\""), ("\"id\":7003", "\"id\":7005")],
            "lacemuse-7002",
            "lacemuse-7003",
        ),
        (
            Format::ShopifyAdmin,
            "shopify_admin.json",
            &[("89000.00", "79000.00"), ("\"id\":8104", "\"id\":8105")],
            "lacemuse-8101",
            "lacemuse-8104",
        ),
        (
            Format::ShopifyCsv,
            "shopify_import.csv",
            &[("34000,42000", "31000,42000"), ("denim-skirt,", "denim-skirt-2,")],
            "lacemuse-ribbon-blouse",
            "lacemuse-denim-skirt",
        ),
        (
            Format::MerchantXml,
            "merchant.xml",
            &[("<g:price>38000", "<g:price>36000"), ("<g:id>LM-9004", "<g:id>LM-9005")],
            "lacemuse-LM-9002",
            "lacemuse-LM-9004",
        ),
        (
            Format::MerchantTsv,
            "merchant.tsv",
            &[("36000 KRW", "34000 KRW"), ("M-4\t", "M-5\t")],
            "lacemuse-M-1",
            "lacemuse-M-4",
        ),
        (
            Format::NaverEp,
            "naver_ep.tsv",
            &[("32000\t32000", "31000\t31000"), ("N103\t", "N107\t")],
            "lacemuse-N101",
            "lacemuse-N103",
        ),
        (
            Format::Cafe24,
            "cafe24.json",
            &[("\"29000.00\"", "\"27000.00\""), ("\"product_no\":304", "\"product_no\":305")],
            "lacemuse-302",
            "lacemuse-304",
        ),
    ];
    for (format, file, edits, repriced, replaced) in cases {
        let db = catalog_with(&lacemuse());
        let first = run(&db, "lacemuse", *format, &own(file));
        let seq = db.last_seq().unwrap();
        let again = run(&db, "lacemuse", *format, &own(file));
        assert_eq!((again.imported, again.delisted, again.unchanged), (0, 0, first.imported), "{file}: re-import");
        assert_eq!(db.last_seq().unwrap(), seq, "{file}: no change entered the feed");

        let mut text = String::from_utf8(own(file)).unwrap();
        for (from, to) in *edits {
            assert!(text.contains(from), "{file}: {from}");
            text = text.replace(from, to);
        }
        let old_price = product(&db, repriced).price.amount;
        let update = run(&db, "lacemuse", *format, text.as_bytes());
        assert_eq!((update.imported, update.delisted, update.unchanged), (2, 1, first.imported - 2), "{file}: update");
        assert_ne!(product(&db, repriced).price.amount, old_price, "{file}");
        assert!(db.product(replaced).unwrap().is_none(), "{file}: {replaced} delisted");
        // Exactly three changes entered the feed: the repriced product, the new one, the tombstone.
        let page: serde_json::Value = serde_json::from_str(&db.changes_json(seq, 100).unwrap()).unwrap();
        let changed: Vec<&str> = page["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["product"]["id"].as_str().or(c["product_id"].as_str()).unwrap())
            .collect();
        assert_eq!(changed.len(), 3, "{file}: {changed:?}");
        assert!(changed.contains(repriced) && changed.contains(replaced), "{file}: {changed:?}");
    }
}

#[test]
fn an_unreadable_feed_is_rejected_whole_and_changes_nothing() {
    let db = catalog_with(&lacemuse());
    run(&db, "lacemuse", Format::NaverEp, &own("naver_ep.tsv"));
    let seq = db.last_seq().unwrap();
    let cut_xml = own("merchant.xml")[..1070].to_vec();
    let cases: Vec<(Format, Vec<u8>, &str)> = vec![
        (Format::NaverEp, own("cafe24.json"), "no id and title columns"),
        (Format::MerchantXml, own("shopify_import.csv"), "no <item> or <entry>"),
        (Format::MerchantXml, cut_xml, "broken XML"),
        (Format::ShopifyProducts, own("cafe24.json"), "another platform"),
        (Format::Cafe24, own("shopify_admin.json"), "product_no"),
        (Format::ShopifyCsv, own("naver_ep.tsv"), "Handle and Title"),
        (Format::MerchantTsv, b"just some words\n".to_vec(), "no id and price"),
        (Format::NaverEpSummary, own("naver_ep.tsv"), "class column"),
        (Format::ShopifyAdmin, b"{\"products\": []}".to_vec(), "no products"),
    ];
    for (format, bytes, says) in cases {
        let error = ingest(&db, "lacemuse", format, &bytes, Limits::default(), NOW).expect_err(says);
        assert!(error.to_string().contains(says), "{format:?}: {error}");
        assert_eq!(db.last_seq().unwrap(), seq, "{format:?} changed the catalog");
    }
    // A full feed whose every row is bad would delist the mall: refused.
    let all_bad = "id\ttitle\tprice_pc\n1\t\tfree\n";
    assert!(matches!(
        ingest(&db, "lacemuse", Format::NaverEp, all_bad.as_bytes(), Limits::default(), NOW),
        Err(IngestError::Feed(FeedError::Empty(_)))
    ));
    // Limits.
    let tight = Limits { max_bytes: 100, max_rows: 1_000 };
    assert!(matches!(
        ingest(&db, "lacemuse", Format::NaverEp, &own("naver_ep.tsv"), tight, NOW),
        Err(IngestError::Feed(FeedError::TooLarge { .. }))
    ));
    let few_rows = Limits { max_bytes: 1 << 20, max_rows: 2 };
    assert!(matches!(
        ingest(&db, "lacemuse", Format::NaverEp, &own("naver_ep.tsv"), few_rows, NOW),
        Err(IngestError::Feed(FeedError::TooLarge { .. }))
    ));
    assert!(matches!(
        ingest(&db, "nobody", Format::NaverEp, &own("naver_ep.tsv"), Limits::default(), NOW),
        Err(IngestError::UnknownMall(_))
    ));
    assert_eq!(db.last_seq().unwrap(), seq);
}

#[test]
fn an_euc_kr_ep_file_is_read_and_said_so() {
    let db = catalog_with(&lacemuse());
    let text = String::from_utf8(own("naver_ep.tsv")).unwrap();
    let (euc_kr, _, unmappable) = encoding_rs::EUC_KR.encode(text.trim_start_matches('\u{feff}'));
    assert!(!unmappable);
    let r = run(&db, "lacemuse", Format::NaverEp, &euc_kr);
    assert_eq!(r.imported, 3);
    assert_eq!(r.notes[0], "read as EUC-KR (CP949)");
    assert_eq!(product(&db, "lacemuse-N101").title, "핀턱 와이드 슬랙스");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apps_sync_sees_exactly_the_imported_catalog() {
    let catalog = Arc::new(catalog_with(&lacemuse()));
    for (format, file) in [(Format::NaverEp, "naver_ep.tsv"), (Format::Cafe24, "cafe24.json")] {
        // Two feeds of one mall: the second is the whole catalog now (the first's products go).
        run(&catalog, "lacemuse", format, &own(file));
    }
    let server = RunningServer::start(Arc::clone(&catalog), SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let moa = moa_core::Moa::open(moa_core::MoaConfig::new(dir.path()).server(&server.url)).unwrap();
    let report = moa.sync().await.unwrap();
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert_eq!(moa.store().all_products().unwrap(), catalog.live_products().unwrap());
    assert_eq!(moa.store().malls().unwrap(), vec![lacemuse().mall()]);
    assert_eq!(moa.store().product_count().unwrap(), 3);
    server.shutdown().await;
}

// ── Real partner feeds (../shared/fixtures/catalog) ──────────────────────────────────────────

fn shared(file: &str) -> Option<Vec<u8>> {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/catalog").join(file);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            eprintln!("{} is absent: this check is skipped (the project's own fixtures still run)", path.display());
            None
        }
    }
}

#[test]
fn real_shopify_feeds() {
    let Some(hades) = shared("shopify/hadesculture_products.json") else { return };
    let mut mall = profile("hades", "https://hadesculture.com", "INR");
    // Its products have no type and no tags: the mapping table's default says what the mall sells.
    mall.default_category = Some(Category::Outer);
    let db = catalog_with(&mall);
    let r = run(&db, "hades", Format::ShopifyProducts, &hades);
    assert_eq!((r.read, r.imported, r.skipped.len()), (9, 9, 0));
    let products = db.live_products().unwrap();
    assert_eq!(products.iter().map(|p| p.variants.len()).sum::<usize>(), 38);
    assert!(
        products.iter().all(|p| p.original_price.as_ref().is_some_and(|o| o.amount > p.price.amount)),
        "all on sale"
    );
    let bronze = product(&db, "hades-10029070909744");
    assert_eq!(
        (bronze.title.as_str(), bronze.price.amount, bronze.original_price.unwrap().amount),
        ("Bronze Ace", 549_900, 636_900)
    );
    assert_eq!(bronze.category, Category::Outer, "the mall's default");
    assert_eq!(product(&db, "hades-10014985388336").category, Category::Outer, "\"Jacket\" in its title");
    assert_eq!(bronze.product_url, "https://hadesculture.com/products/bronze-ace");

    let admin = shared("shopify/devstore_egnition_admin_products.json").unwrap();
    let mut mall = profile("egnition", "https://egnition-sample.myshopify.com", "USD");
    mall.default_category = Some(Category::Accessory); // snowboards and gift cards: a test shop
    let db = catalog_with(&mall);
    let r = run(&db, "egnition", Format::ShopifyAdmin, &admin);
    assert_eq!((r.read, r.imported), (47, 44));
    let reasons: Vec<&str> = r.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(reasons, vec!["status archived: not for sale", "status draft: not for sale", "no image"]);
    let backpack = product(&db, "egnition-8546664251674");
    assert_eq!(
        (backpack.title.as_str(), backpack.price.amount, backpack.category),
        ("ADIDAS | CLASSIC BACKPACK", 7_000, Category::Bag)
    );
    assert_eq!(backpack.variants[0].color.as_deref(), Some("black"));

    let mut apple = profile("apple", "https://apple.myshopify.com", "USD");
    apple.default_category = Some(Category::Accessory);
    let db = catalog_with(&apple);
    let r = run(
        &db,
        "apple",
        Format::ShopifyAdmin,
        &shared("shopify/shopify_python_api_fixture_admin_product.json").unwrap(),
    );
    assert_eq!(r.imported, 1);
    let ipod = product(&db, "apple-632910392");
    assert_eq!((ipod.title.as_str(), ipod.price.amount, ipod.variants.len()), ("IPod Nano - 8GB", 19_900, 4));
    assert_eq!(
        ipod.image_url, "https://static.shopify.com/s/files/1/6909/3384/products/ipod-nano.png?0",
        "images over https"
    );
    let r = run(
        &db,
        "apple",
        Format::ShopifyAdmin,
        &shared("shopify/shopify_python_api_fixture_admin_products.json").unwrap(),
    );
    assert_eq!(r.read, 4, "a bare array of products");

    let csv = shared("shopify/shopifypartners_apparel_import.csv").unwrap();
    let db = catalog_with(&profile("partners", "https://partners-demo.myshopify.com", "USD"));
    let r = run(&db, "partners", Format::ShopifyCsv, &csv);
    assert_eq!((r.imported, r.skipped.len()), (20, 0), "{:?}", r.skipped);
    let shirt = product(&db, "partners-ocean-blue-shirt");
    assert_eq!((shirt.price.amount, shirt.category, shirt.variants.len()), (5_000, Category::Top, 1));
    assert_eq!(product(&db, "partners-classic-varsity-top").variants.len(), 3);
}

#[test]
fn real_merchant_feeds() {
    let Some(xml) = shared("google_merchant/insider_google-merchant-xml-sample.xml") else { return };
    let mut mall = profile("insider", "https://www.samplesport.com.au", "AUD");
    mall.default_category = Some(Category::Accessory); // sports nutrition, for the parser's sake
    let db = catalog_with(&mall);
    let r = run(&db, "insider", Format::MerchantXml, &xml);
    assert_eq!((r.read, r.imported, r.skipped.len()), (17, 15, 0), "17 items, two groups of sizes");
    let gel = product(&db, "insider-188265");
    assert_eq!(
        (gel.title.as_str(), gel.price.amount, gel.price.currency.as_str()),
        ("Gu Espresso Love Energy Gel", 399, "AUD")
    );
    assert_eq!(
        (gel.variants[0].color.as_deref(), gel.variants[0].size.as_deref()),
        (Some("Espresso Love"), Some("32g"))
    );

    // A feed that only looks like Merchant: read as far as it can be, its problems said.
    let farfetch = shared("google_merchant/farfetch_parse_nonstandard_feed.xml").unwrap();
    let mut mall = profile("farfetch", "https://www.farfetch.com", "USD");
    mall.category_map = BTreeMap::from([("платья".into(), Category::Dress)]);
    let db = catalog_with(&mall);
    let r = run(&db, "farfetch", Format::MerchantXml, &farfetch);
    assert_eq!(r.read, 120);
    assert_eq!(r.skipped.len(), 5);
    assert!(r.skipped.iter().all(|s| s.reason == "unknown availability \"Промо\""), "{:?}", r.skipped);
    assert!(r.notes[0].contains("not a standard Merchant feed"), "{:?}", r.notes);
    assert_eq!(r.imported, 30, "115 sized items in 30 dresses");
    let dress = product(&db, "farfetch-22872454");
    assert_eq!((dress.price.amount, dress.category, dress.gender), (203_000, Category::Dress, Gender::Women));
    assert_eq!(dress.brand.as_deref(), Some("Alexander McQueen"));
    assert!(dress.variants.iter().any(|v| v.size.as_deref() == Some("XXS")));
    // Without a mapping for its Russian categories, nothing is guessed: only the three dresses
    // whose titles are English say "dress"; every other row says why it was left out.
    let db = catalog_with(&profile("farfetch", "https://www.farfetch.com", "USD"));
    let r = run(&db, "farfetch", Format::MerchantXml, &farfetch);
    assert_eq!(r.imported, 3);
    assert_eq!(r.skipped.iter().filter(|s| s.reason.contains("is not mapped for this mall")).count(), 27);
}

#[test]
fn real_naver_ep_feed() {
    let Some(ep) = shared("naver_ep/bakerys24_ep.txt") else { return };
    let mut mall = profile("bakerys24", "https://www.bakerys24.com", "KRW");
    mall.default_category = Some(Category::Accessory); // a baking-supplies mall: the parser is what is tested
    let db = catalog_with(&mall);
    let r = run(&db, "bakerys24", Format::NaverEp, &ep);
    assert_eq!((r.read, r.imported), (277, 270));
    let lines: Vec<usize> = r.skipped.iter().map(|s| s.line).collect();
    assert_eq!(lines, vec![16, 17, 125, 158, 190, 242, 244]);
    assert_eq!(r.notes[0], "UTF-8 with a byte-order mark");
    let pie = product(&db, "bakerys24-1");
    assert_eq!((pie.title.as_str(), pie.price.amount), ("서울식품 갈릭파이(24g×50개입) 발효x", 16_400));
    assert_eq!(pie.product_url, "https://www.bakerys24.com/a1?view=1");
}

#[test]
fn real_cafe24_responses() {
    let Some(list) = shared("cafe24/admin_products__retrieve-a-list-of-products.json") else { return };
    let mut mall = profile("sample", "https://sample.cafe24.com", "KRW");
    mall.default_category = Some(Category::Accessory);
    let db = catalog_with(&mall);
    let r = run(&db, "sample", Format::Cafe24, &list);
    assert_eq!((r.read, r.imported), (2, 2));
    let iphone = product(&db, "sample-24");
    assert_eq!((iphone.title.as_str(), iphone.price.amount, iphone.original_price.clone()), ("iPhone X", 1_100, None));
    assert!(!iphone.in_stock(), "selling F: listed, not buyable");
    assert_eq!(iphone.image_url, "https://sample.cafe24.com/web/product/big/201711/20_shop1_750339.png");
    for file in [
        "cafe24/admin_products__retrieve-a-product-resource.json",
        "cafe24/front_products__retrieve-a-list-of-products.json",
    ] {
        let r = run(&db, "sample", Format::Cafe24, &shared(file).unwrap());
        assert!(r.imported + r.unchanged >= 1 && r.skipped.is_empty(), "{file}: {r:?}");
    }
}

// ── Ids that cannot collide (issue #16) ──────────────────────────────────────────────────────

#[test]
fn mall_ids_cannot_make_two_malls_products_one() {
    // "rose" item "ribbon-12" and "rose-ribbon" item "12" would both be "rose-ribbon-12".
    let db = CatalogDb::open(None).unwrap();
    let refused = db.put_mall_profile(&profile("rose-ribbon", "https://rose-ribbon.example", "KRW")).unwrap_err();
    assert!(refused.to_string().contains("no '-'"), "{refused}");
    assert!(db.mall_profile("rose-ribbon").unwrap().is_none());
    db.put_mall_profile(&profile("rose_ribbon", "https://rose-ribbon.example", "KRW")).unwrap();
}

#[test]
fn an_import_never_takes_another_malls_product() {
    let db = catalog_with(&lacemuse());
    run(&db, "lacemuse", Format::NaverEp, &own("naver_ep.tsv"));
    let theirs = product(&db, "lacemuse-N101");
    // Another mall's import carrying that id (a mall registered before ids were checked, or a
    // crafted feed): refused and reported, the product stays lacemuse's.
    let other = profile("rival", "https://rival.example", "KRW");
    db.put_mall_profile(&other).unwrap();
    let mut stolen = theirs.clone();
    stolen.mall_id = "rival".into();
    stolen.title = "가로챈 상품".into();
    let outcome = db.import(&other.mall(), &[stolen], &[], false, NOW).unwrap();
    assert_eq!((outcome.changed, outcome.foreign.clone()), (0, vec!["lacemuse-N101".to_string()]));
    assert_eq!(product(&db, "lacemuse-N101"), theirs);
    // Nor can a full feed of the other mall delist it.
    let outcome = db.import(&other.mall(), &[], &[], true, NOW).unwrap();
    assert_eq!(outcome.delisted, 0);
    assert_eq!(product(&db, "lacemuse-N101"), theirs);
}
