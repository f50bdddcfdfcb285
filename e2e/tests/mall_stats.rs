//! The numbers malls are owed: a simulated day of many shoppers, their events uploaded (with
//! consent) by the core to a real server, and each mall reading exactly its own statistics.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use moa_core::wire::{
    EventBatch, EventBatchResult, InstallCredential, MallDayStats, MallStats, UploadedEvent, EVENT_UPLOAD_WINDOW_MS,
    INSTALL_KEY_HEADER,
};
use moa_core::{Event, FixedClock, Moa, MoaConfig};
use moa_server::{demo_mall_key, Clock, DemoSpec, RunningServer, ServerOptions};

const NOW: i64 = 1_795_000_000;

/// A server over `catalog` whose clock starts at the world's time.
async fn start(catalog: Arc<moa_server::CatalogDb>) -> RunningServer {
    let options = ServerOptions { clock: Some(Clock::starting_at(NOW * 1000)), ..ServerOptions::default() };
    RunningServer::start_with(catalog, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), options).await.unwrap()
}

/// A new install's credential, as a device gets it.
async fn register(http: &reqwest::Client, server: &RunningServer) -> InstallCredential {
    let response = http.post(format!("{}/v1/installs", server.url)).send().await.unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

/// Send `batch` with `key`; the answer's status and, on success, its result.
async fn send(
    http: &reqwest::Client,
    server: &RunningServer,
    batch: &EventBatch,
    key: Option<&str>,
) -> (u16, Option<EventBatchResult>) {
    let mut request = http.post(format!("{}/v1/events", server.url)).json(batch);
    if let Some(key) = key {
        request = request.header(INSTALL_KEY_HEADER, key);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, if status == 200 { Some(response.json().await.unwrap()) } else { None })
}

fn add(counts: &mut HashMap<String, MallDayStats>, mall: &str, change: impl FnOnce(&mut MallDayStats)) {
    change(counts.entry(mall.to_string()).or_default());
}

/// Add every count of `d` into `t` (the day is left as it is).
fn accumulate(t: &mut MallDayStats, d: &MallDayStats) {
    t.impressions += d.impressions;
    t.product_views += d.product_views;
    t.dwell_ms += d.dwell_ms;
    t.wishlist_adds += d.wishlist_adds;
    t.click_outs += d.click_outs;
    t.quick_returns += d.quick_returns;
    t.rescue_shown += d.rescue_shown;
    t.rescue_tapped += d.rescue_tapped;
    t.purchases += d.purchases;
    t.reported_purchases += d.reported_purchases;
    t.reported_amount += d.reported_amount;
}

fn total(stats: &MallStats) -> MallDayStats {
    stats.days.iter().fold(MallDayStats::default(), |mut t, d| {
        accumulate(&mut t, d);
        t
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_day_gives_each_mall_exactly_its_numbers_and_only_its_own() {
    let now = NOW;
    let (catalog, world) = moa_server::demo_catalog(DemoSpec { seed: 52, products: 3_000, now }).unwrap();
    let server = start(Arc::clone(&catalog)).await;
    let (a, b) = (world.malls[0].id.clone(), world.malls[1].id.clone());
    let pa = world.products.iter().find(|p| p.mall_id == a && p.in_stock()).unwrap().id.clone();
    let pb = world.products.iter().find(|p| p.mall_id == b && p.in_stock()).unwrap().id.clone();

    let mut expected: HashMap<String, MallDayStats> = HashMap::new();
    let mut dirs = Vec::new();
    for n in 0..12u64 {
        let dir = tempfile::tempdir().unwrap();
        let clock = FixedClock::at_secs(NOW);
        let mut config = MoaConfig::new(dir.path()).clock(clock.clone()).server(&server.url);
        config.install_id = format!("install-{n}");
        dirs.push(dir);
        let moa = Moa::open(config).unwrap();
        moa.sync().await.unwrap();
        // One shopper does not consent: nothing of theirs may reach the statistics.
        let consents = n != 11;
        moa.set_event_consent(consents).unwrap();
        let mut mine: HashMap<String, MallDayStats> = HashMap::new();

        for id in [&pa, &pb] {
            moa.record(Event::Impression { product_id: id.clone(), section: "for_you".into(), position: 0 }).unwrap();
        }
        add(&mut mine, &a, |s| s.impressions += 1);
        add(&mut mine, &b, |s| s.impressions += 1);
        moa.record(Event::ProductView { product_id: pa.clone(), dwell_ms: 5_000 + 1_000 * n }).unwrap();
        add(&mut mine, &a, |s| {
            s.product_views += 1;
            s.dwell_ms += 5_000 + 1_000 * n;
        });
        if n % 2 == 0 {
            moa.add_to_wishlist(&pa, None).unwrap();
            add(&mut mine, &a, |s| s.wishlist_adds += 1);
        }
        if n % 3 == 0 {
            moa.record(Event::ProductView { product_id: pb.clone(), dwell_ms: 3_000 }).unwrap();
            add(&mut mine, &b, |s| {
                s.product_views += 1;
                s.dwell_ms += 3_000;
            });
        }
        let link = moa.click_out(&pa, "for_you", 0).unwrap();
        add(&mut mine, &a, |s| s.click_outs += 1);
        let away = if n % 4 == 0 { 90_000 } else { 20_000 };
        clock.advance_ms(away);
        let sheet = moa.returned_from_mall(&link.outlink_id).unwrap();
        if away <= 60_000 {
            let sheet = sheet.expect("a first quick return gets a sheet");
            add(&mut mine, &a, |s| {
                s.quick_returns += 1;
                s.rescue_shown += 1;
            });
            let tapped = &sheet.cards[0];
            moa.record(Event::RescueTapped { product_id: tapped.product_id.clone() }).unwrap();
            add(&mut mine, &tapped.mall_id, |s| s.rescue_tapped += 1);
        } else {
            assert!(sheet.is_none());
        }
        if n % 5 == 0 {
            moa.record(Event::Purchase { product_id: pb.clone() }).unwrap();
            add(&mut mine, &b, |s| s.purchases += 1);
        }
        let report = moa.upload_events().await.unwrap();
        assert_eq!(report.consent, consents);
        if consents {
            assert!(report.sent > 0);
            for (mall, s) in mine {
                accumulate(expected.entry(mall).or_default(), &s);
            }
            // Nothing left to send: a second upload sends nothing.
            assert_eq!(moa.upload_events().await.unwrap().sent, 0);
        } else {
            assert_eq!(report.sent, 0, "no consent, nothing leaves the device");
        }
    }

    let http = reqwest::Client::new();
    let read = |mall: String, key: Option<String>| {
        let mut request = http.get(format!("{}/v1/malls/{mall}/stats", server.url));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        request.send()
    };
    for mall in [&a, &b] {
        let response = read(mall.clone(), Some(demo_mall_key(mall))).await.unwrap();
        assert_eq!(response.status(), 200);
        let stats: MallStats = response.json().await.unwrap();
        let got = total(&stats);
        let want = MallDayStats { day: String::new(), ..expected[mall.as_str()].clone() };
        assert_eq!(MallDayStats { day: String::new(), ..got }, want, "{mall}");
    }
    // Mall A's key cannot read mall B's numbers; no key or a wrong one reads nothing.
    assert_eq!(read(b.clone(), Some(demo_mall_key(&a))).await.unwrap().status(), 403);
    assert_eq!(read(a.clone(), None).await.unwrap().status(), 401);
    assert_eq!(read(a.clone(), Some("guess".into())).await.unwrap().status(), 401);

    // The mall reports a purchase for one of Moa's click-outs, once however often it says so.
    let conversion = moa_core::wire::Conversion {
        outlink_id: "o-1".into(),
        amount: moa_core::model::Money::krw(39_800),
        at_ms: now * 1000,
    };
    for _ in 0..2 {
        let response = http
            .post(format!("{}/v1/malls/{a}/conversions", server.url))
            .bearer_auth(demo_mall_key(&a))
            .json(&conversion)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let forged = http
        .post(format!("{}/v1/malls/{a}/conversions", server.url))
        .bearer_auth(demo_mall_key(&b))
        .json(&conversion)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403, "mall B cannot report for mall A");
    let with_sales: MallStats = read(a.clone(), Some(demo_mall_key(&a))).await.unwrap().json().await.unwrap();
    assert_eq!((total(&with_sales).reported_purchases, total(&with_sales).reported_amount), (1, 39_800));

    // A batch sent twice counts once.
    let install = register(&http, &server).await;
    let batch = EventBatch {
        install_id: install.install_id.clone(),
        sent_at_ms: None,
        events: vec![UploadedEvent {
            event_id: "retried-1".into(),
            at_ms: now * 1000,
            kind: "click_out".into(),
            product_id: Some(pa.clone()),
            mall_id: None,
            dwell_ms: None,
        }],
    };
    for expected_dupes in [0, 1] {
        let (_, result) = send(&http, &server, &batch, Some(&install.key)).await;
        assert_eq!(result.unwrap().duplicates, expected_dupes);
    }
    let after: MallStats = read(a.clone(), Some(demo_mall_key(&a))).await.unwrap().json().await.unwrap();
    assert_eq!(total(&after).click_outs, expected[a.as_str()].click_outs + 1);
    let bad = http.post(format!("{}/v1/events", server.url)).body("{not json").send().await.unwrap();
    assert_eq!(bad.status(), 400);
    server.shutdown().await;
}

/// Events from a tampered device (any install can send events) cannot fake a mall's numbers or
/// break them, nor be sent as another install.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_hostile_events_neither_move_nor_break_a_malls_numbers() {
    let (catalog, world) = moa_server::demo_catalog(DemoSpec { seed: 53, products: 600, now: NOW }).unwrap();
    let server = start(Arc::clone(&catalog)).await;
    let (a, b) = (world.malls[0].id.clone(), world.malls[1].id.clone());
    let pa = world.products.iter().find(|p| p.mall_id == a).unwrap().id.clone();
    let event = |id: &str, kind: &str, at_ms: i64, mall: Option<&str>, dwell_ms: Option<i64>| UploadedEvent {
        event_id: id.into(),
        at_ms,
        kind: kind.into(),
        product_id: Some(pa.clone()),
        mall_id: mall.map(str::to_string),
        dwell_ms,
    };
    let at = NOW * 1000;
    let http = reqwest::Client::new();
    let (mine, theirs) = (register(&http, &server).await, register(&http, &server).await);
    let batch = EventBatch {
        install_id: mine.install_id.clone(),
        sent_at_ms: None,
        events: vec![
            // Claims mall B for A's product: counted for A, never for B.
            event("forged-1", "product_view", at, Some(&b), Some(4_000)),
            // A dwell that would overflow a sum: counted as a day at most.
            event("huge-dwell", "product_view", at, None, Some(i64::MAX)),
            // Off the calendar, an unknown kind, an id longer than any id: not kept.
            event("year-99999", "product_view", 3_093_527_980_800_000, None, Some(1)),
            event("odd-kind", "page_view", at, None, None),
            event(&"x".repeat(10_000), "click_out", at, None, None),
            // Older than the upload window, or from the future: not kept.
            event("last-season", "product_view", at - EVENT_UPLOAD_WINDOW_MS - 3_600_000, None, None),
            event("tomorrow", "product_view", at + 86_400_000, None, None),
        ],
    };
    // Without the install's key, with another install's, or as an install never registered:
    // nothing counts, and all three answer alike.
    let unregistered = EventBatch { install_id: "i-made-up".into(), ..batch.clone() };
    for (batch, key) in [(&batch, None), (&batch, Some(&*theirs.key)), (&unregistered, Some(&*mine.key))] {
        let (status, _) = send(&http, &server, batch, key).await;
        assert_eq!(status, 401);
    }
    let (status, result) = send(&http, &server, &batch, Some(&mine.key)).await;
    assert_eq!(status, 200);
    let result = result.unwrap();
    assert_eq!((result.accepted, result.duplicates, result.rejected), (2, 0, 5));
    let stats = |mall: String| {
        let http = http.clone();
        let url = format!("{}/v1/malls/{mall}/stats", server.url);
        async move { http.get(url).bearer_auth(demo_mall_key(&mall)).send().await.unwrap() }
    };
    let of_a = stats(a.clone()).await;
    assert_eq!(of_a.status(), 200, "the stats answer whatever was sent");
    let of_a: MallStats = of_a.json().await.unwrap();
    assert_eq!((total(&of_a).product_views, total(&of_a).dwell_ms), (2, 4_000 + 86_400_000));
    let of_b: MallStats = stats(b.clone()).await.json().await.unwrap();
    assert_eq!(total(&of_b).product_views, 0, "B's numbers are untouched");

    // A phone whose clock is a day ahead: its events are moved onto the server's clock, so they
    // count (on the server's day), where uncorrected they would be "from the future".
    let skewed = EventBatch {
        install_id: theirs.install_id.clone(),
        sent_at_ms: Some(at + 86_400_000 + 1_000),
        events: vec![event("ahead-1", "product_view", at + 86_400_000, None, Some(2_000))],
    };
    let (_, result) = send(&http, &server, &skewed, Some(&theirs.key)).await;
    assert_eq!(result.unwrap().accepted, 1);
    let of_a: MallStats = stats(a.clone()).await.json().await.unwrap();
    assert_eq!(total(&of_a).product_views, 3);
    assert_eq!(of_a.days.len(), 1, "every view on the server's one day: {:?}", of_a.days);
    server.shutdown().await;
}

/// A device whose install the server does not know (the server's database was replaced, or the
/// app now talks to another server) registers again and loses none of its unsent events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_the_server_forgot_registers_again_and_sends_everything() {
    let (catalog, world) = moa_server::demo_catalog(DemoSpec { seed: 54, products: 400, now: NOW }).unwrap();
    let product = world.products.iter().find(|p| p.in_stock()).unwrap().id.clone();
    let dir = tempfile::tempdir().unwrap();
    let open = |url: &str| {
        let config = MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server(url);
        let moa = Moa::open(config).unwrap();
        moa.set_event_consent(true).unwrap();
        moa
    };
    let first = start(Arc::clone(&catalog)).await;
    let moa = open(&first.url);
    moa.record(Event::ProductView { product_id: product.clone(), dwell_ms: 1_000 }).unwrap();
    assert_eq!(moa.upload_events().await.unwrap().sent, 1);
    drop(moa);
    first.shutdown().await;

    // The same catalog behind a server with a new, empty database of installs.
    let (fresh, _) = moa_server::demo_catalog(DemoSpec { seed: 54, products: 400, now: NOW }).unwrap();
    let second = start(Arc::clone(&fresh)).await;
    let moa = open(&second.url);
    for _ in 0..3 {
        moa.record(Event::ProductView { product_id: product.clone(), dwell_ms: 1_000 }).unwrap();
    }
    let report = moa.upload_events().await.unwrap();
    assert_eq!(report.sent, 3, "the old key was refused, a new one taken, and the batch sent");
    let http = reqwest::Client::new();
    let mall = world.products.iter().find(|p| p.id == product).unwrap().mall_id.clone();
    let stats: MallStats = http
        .get(format!("{}/v1/malls/{mall}/stats", second.url))
        .bearer_auth(demo_mall_key(&mall))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(total(&stats).product_views, 3);
    second.shutdown().await;
}
