//! The server over real loopback HTTP: protocol shape, problem documents, gzip, ETags.

use std::net::{Ipv4Addr, SocketAddr};

use moa_protocol::wire::{Change, ChangePage, MallList, Problem};
use moa_server::{DemoSpec, RunningServer, ServerOptions};
use reqwest::header;

async fn demo_server(products: usize) -> RunningServer {
    let (catalog, _) = moa_server::demo_catalog(DemoSpec { seed: 2, products, now: 1_795_000_000 }).unwrap();
    RunningServer::start(catalog, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap()
}

#[tokio::test]
async fn bad_query_parameters_get_a_400_problem_document_never_a_panic() {
    let server = demo_server(50).await;
    let http = reqwest::Client::new();
    for query in [
        "after=abc",
        "after=-1",
        "limit=0",
        "limit=1001",
        "limit=ten",
        "after=99999999999999999999",
        "after=18446744073709551615",
    ] {
        let response = http.get(format!("{}/v1/catalog/changes?{query}", server.url)).send().await.unwrap();
        assert_eq!(response.status(), 400, "{query}");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/problem+json", "{query}");
        let problem: Problem = response.json().await.unwrap();
        assert_eq!(problem.status, 400);
        assert!(problem.detail.unwrap().contains(if query.starts_with("after") { "after" } else { "limit" }));
    }
    // The server is still healthy after all of that.
    let ok = http.get(format!("{}/v1/catalog/changes?after=0&limit=5", server.url)).send().await.unwrap();
    assert_eq!(ok.status(), 200);

    let missing = http.get(format!("{}/v1/nope", server.url)).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()[header::CONTENT_TYPE], "application/problem+json");
    let no_image = http.get(format!("{}/v1/images/nobody-1.jpg", server.url)).send().await.unwrap();
    assert_eq!(no_image.status(), 404);
    server.shutdown().await;
}

#[tokio::test]
async fn change_feed_pages_in_order_without_gaps_or_repeats() {
    let server = demo_server(1_234).await;
    let http = reqwest::Client::new();
    let mut after = 0;
    let mut seen = std::collections::HashSet::new();
    let mut pages = 0;
    loop {
        let page: ChangePage = http
            .get(format!("{}/v1/catalog/changes?after={after}&limit=100", server.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        pages += 1;
        let mut last = after;
        for change in &page.changes {
            assert!(change.seq() > last, "seq increases");
            last = change.seq();
            let Change::Upsert { product, .. } = change else { panic!("no deletes in a fresh world") };
            assert!(seen.insert(product.id.clone()), "{} twice", product.id);
        }
        assert_eq!(page.next, last);
        after = page.next;
        if !page.more {
            break;
        }
        assert_eq!(page.changes.len(), 100);
    }
    assert_eq!(seen.len(), 1_234);
    assert_eq!(pages, 13);
    // Past the end: an empty page that keeps the cursor.
    let tail: ChangePage = http
        .get(format!("{}/v1/catalog/changes?after={after}", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(tail.changes.is_empty() && !tail.more && tail.next == after);
    server.shutdown().await;
}

#[tokio::test]
async fn pages_are_gzipped_and_mall_list_answers_304_to_its_etag() {
    let server = demo_server(600).await;
    // A client that does not decompress, to see the wire as it is.
    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let zipped = raw
        .get(format!("{}/v1/catalog/changes?limit=500", server.url))
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.headers()[header::CONTENT_ENCODING], "gzip");
    let zipped_len = zipped.bytes().await.unwrap().len();
    let plain = raw.get(format!("{}/v1/catalog/changes?limit=500", server.url)).send().await.unwrap();
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    let plain_len = plain.bytes().await.unwrap().len();
    assert!(zipped_len * 4 < plain_len, "gzip {zipped_len} vs plain {plain_len}");

    let http = reqwest::Client::new();
    let first = http.get(format!("{}/v1/malls", server.url)).send().await.unwrap();
    let etag = first.headers()[header::ETAG].to_str().unwrap().to_string();
    let malls: MallList = first.json().await.unwrap();
    assert!(malls.malls.len() >= 20);
    let again = http.get(format!("{}/v1/malls", server.url)).header(header::IF_NONE_MATCH, &etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    let other =
        http.get(format!("{}/v1/malls", server.url)).header(header::IF_NONE_MATCH, "\"stale\"").send().await.unwrap();
    assert_eq!(other.status(), 200);
    server.shutdown().await;
}

/// What a cache in front of the servers may keep: full change pages for ever (strong ETags, the
/// same from any server on the catalog), the open tail for seconds, lists for a minute.
#[tokio::test]
async fn full_change_pages_are_immutable_the_tail_is_fresh_and_etags_are_strong() {
    let server = demo_server(120).await;
    let http = reqwest::Client::new();
    let get = |query: &str, etag: Option<&str>| {
        let mut request = http.get(format!("{}/v1/catalog/changes?{query}", server.url));
        if let Some(etag) = etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        request.send()
    };
    let full = get("after=0&limit=50", None).await.unwrap();
    assert_eq!(full.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
    let etag = full.headers()[header::ETAG].to_str().unwrap().to_string();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"), "a strong ETag: {etag}");
    let page: ChangePage = full.json().await.unwrap();
    assert!(page.more && page.changes.len() == 50);
    let again = get("after=0&limit=50", Some(&etag)).await.unwrap();
    assert_eq!(again.status(), 304);
    let tail = get(&format!("after={}&limit=500", page.next), None).await.unwrap();
    assert_eq!(tail.headers()[header::CACHE_CONTROL], "public, max-age=5");
    let tail: ChangePage = tail.json().await.unwrap();
    assert!(!tail.more && tail.changes.len() == 70);
    let malls = http.get(format!("{}/v1/malls", server.url)).send().await.unwrap();
    assert_eq!(malls.headers()[header::CACHE_CONTROL], "public, max-age=60");
    // Another server over an identical catalog gives the same page the same ETag.
    let twin = demo_server(120).await;
    let twin_page = http.get(format!("{}/v1/catalog/changes?after=0&limit=50", twin.url)).send().await.unwrap();
    assert_eq!(twin_page.headers()[header::ETAG].to_str().unwrap(), etag);
    twin.shutdown().await;
    server.shutdown().await;
}

#[tokio::test]
async fn demo_images_are_real_jpegs_of_the_product() {
    let server = demo_server(20).await;
    let http = reqwest::Client::new();
    let page: ChangePage =
        http.get(format!("{}/v1/catalog/changes?limit=1", server.url)).send().await.unwrap().json().await.unwrap();
    let Change::Upsert { product, .. } = &page.changes[0] else { panic!() };
    let response = http.get(format!("{}{}", server.url, product.image_url)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "image/jpeg");
    let bytes = response.bytes().await.unwrap();
    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
    assert_eq!((img.width(), img.height()), (moa_server::images::WIDTH, moa_server::images::HEIGHT));
    server.shutdown().await;
}

/// What a sign-in answered: its status, its problem type, and whether it said when to retry.
async fn sign_in(http: &reqwest::Client, url: &str, username: &str, password: &str) -> (u16, String, bool) {
    let response = http
        .post(format!("{url}/v1/session"))
        .json(&serde_json::json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry_after = response.headers().contains_key(header::RETRY_AFTER);
    let kind = match status {
        200 => "session".to_string(),
        _ => response.json::<Problem>().await.unwrap().kind.trim_start_matches("https://moa.app/problems/").to_string(),
    };
    (status, kind, retry_after)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_storm_is_shut_out_and_never_tells_which_names_exist() {
    let server = demo_server(50).await;
    let http = reqwest::Client::new();
    // A known name and an unknown one answer alike, attempt after attempt: ten wrong passwords
    // each, then "slow down" with a time to wait — for the right password too.
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..14 {
        known.push(sign_in(&http, &server.url, "jiwoo", "guess").await);
        unknown.push(sign_in(&http, &server.url, "nobody-here", "guess").await);
    }
    assert_eq!(known, unknown);
    let wrong = (401, "bad-credentials".to_string(), false);
    let shut = (429, "slow-down".to_string(), true);
    assert_eq!(known[..10], vec![wrong; 10][..]);
    assert_eq!(known[10..], vec![shut.clone(); 4][..]);
    assert_eq!(sign_in(&http, &server.url, "jiwoo", moa_server::DEMO_PASSWORD).await, shut);
    // Another name from this address still signs in: the address has room left.
    assert_eq!(sign_in(&http, &server.url, "minji", moa_server::DEMO_PASSWORD).await.0, 200);

    // A storm of 10,000 guesses over many names: past the address's limit every answer is 429,
    // given before any password is checked.
    let (mut statuses, mut tasks) = (Vec::new(), Vec::new());
    for n in 0..10_000 {
        let (http, url) = (http.clone(), server.url.clone());
        tasks.push(tokio::spawn(async move { sign_in(&http, &url, &format!("guess-{}", n % 500), "x").await.0 }));
        if tasks.len() == 64 || n == 9_999 {
            for task in tasks.drain(..) {
                statuses.push(task.await.unwrap());
            }
        }
    }
    let checked = statuses.iter().filter(|&&s| s == 401).count();
    let refused = statuses.iter().filter(|&&s| s == 429).count();
    assert_eq!(checked + refused, 10_000, "only 401 and 429");
    assert!(checked > 0 && checked <= 100 - 20, "{checked} passwords checked: the address had 80 failures left");
    assert_eq!(sign_in(&http, &server.url, "hana", moa_server::DEMO_PASSWORD).await, shut, "the address is shut");
    server.shutdown().await;
}

#[tokio::test]
async fn the_frameworks_own_errors_are_problem_documents_too() {
    let server = demo_server(20).await;
    let http = reqwest::Client::new();
    let wrong_method = http.delete(format!("{}/v1/malls", server.url)).send().await.unwrap();
    assert_eq!(wrong_method.status(), 405);
    assert_eq!(wrong_method.headers()[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(wrong_method.json::<Problem>().await.unwrap().status, 405);
    // A body over the limit (2 MB) is refused before it is read whole.
    let huge = http.post(format!("{}/v1/events", server.url)).body(vec![b' '; 3 << 20]).send().await.unwrap();
    assert_eq!(huge.status(), 413);
    assert_eq!(huge.headers()[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(huge.json::<Problem>().await.unwrap().status, 413);
    // Each route takes what its largest honest request needs: a sign-in of 100 KB is no sign-in.
    let padded = format!(r#"{{"username": "jiwoo", "password": "{}"}}"#, "x".repeat(100 * 1024));
    let long = http.post(format!("{}/v1/session", server.url)).body(padded).send().await.unwrap();
    assert_eq!(long.status(), 413);
    assert_eq!(long.headers()[header::CONTENT_TYPE], "application/problem+json");
    server.shutdown().await;
}

/// Slow loris: a thousand connections opened and left idle (half of them stopping mid-header)
/// neither stop a shopper's sync nor stay open: the server cuts them at its header-read timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_idle_connections_neither_stop_a_sync_nor_stay_open() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = demo_server(300).await;
    let mut idle = Vec::new();
    for n in 0..1000 {
        let mut socket = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        if n % 2 == 0 {
            socket.write_all(b"GET /v1/malls HTTP/1.1\r\nHost: moa\r\n").await.unwrap();
        }
        idle.push(socket);
    }
    let dir = tempfile::tempdir().unwrap();
    let config =
        moa_core::MoaConfig::new(dir.path()).server(&server.url).clock(moa_core::FixedClock::at_secs(1_795_000_000));
    let moa = moa_core::Moa::open(config).unwrap();
    let report = moa.sync().await.unwrap();
    assert_eq!(moa.store().product_count().unwrap(), report.products_in_cache);
    assert!(report.upserted >= 250, "{report:?}");
    // Every idle connection is closed by the server (read: end of stream, or a reset).
    for mut socket in idle {
        let mut byte = [0u8; 512];
        let closed = tokio::time::timeout(std::time::Duration::from_secs(60), async {
            loop {
                match socket.read(&mut byte).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {} // an error answer (408) before the close
                }
            }
        })
        .await;
        assert!(closed.is_ok(), "an idle connection was left open");
    }
    server.shutdown().await;
}

/// Behind a load balancer every request comes from its address: with `behind_proxy` the limits
/// count the address it forwards (the last of X-Forwarded-For), so one guesser does not shut
/// everyone out; without it the header is ignored, so a client cannot pick its own address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_proxy_the_limits_count_the_forwarded_address_and_only_then() {
    let sign_in = |http: &reqwest::Client, url: String, name: String, forwarded: &'static str| {
        http.post(format!("{url}/v1/session"))
            .header("x-forwarded-for", forwarded)
            .json(&serde_json::json!({"username": name, "password": "wrong"}))
            .send()
    };
    let http = reqwest::Client::new();
    for behind_proxy in [true, false] {
        let (catalog, _) = moa_server::demo_catalog(DemoSpec { seed: 3, products: 10, now: 1_795_000_000 }).unwrap();
        let options = ServerOptions { behind_proxy, ..ServerOptions::default() };
        let server =
            RunningServer::start_with(catalog, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), options).await.unwrap();
        // A guesser: 100 wrong passwords for 100 names, each "from" a forged first hop and the
        // address the proxy appended last.
        for n in 0..100 {
            let answer =
                sign_in(&http, server.url.clone(), format!("guess-{n}"), "10.9.9.9, 203.0.113.7").await.unwrap();
            assert_eq!(answer.status(), 401);
        }
        let guesser_again = sign_in(&http, server.url.clone(), "guess-x".into(), "203.0.113.7").await.unwrap();
        assert_eq!(guesser_again.status(), 429, "the guesser's address is shut");
        let someone_else = sign_in(&http, server.url.clone(), "jiwoo".into(), "198.51.100.4").await.unwrap();
        let expected = if behind_proxy { 401 } else { 429 };
        assert_eq!(
            someone_else.status(),
            expected,
            "behind a proxy another shopper is another address; without one the header means nothing"
        );
        server.shutdown().await;
    }
}
