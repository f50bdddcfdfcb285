//! Sync against a real moa-server that misbehaves on purpose (server/src/faults.rs), over real
//! loopback HTTP. Every run must end in a consistent cache: either exactly the server's
//! catalog after a retried sync, or a correct typed error with only whole pages applied.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use moa_core::{
    CancellationToken, ClientOptions, Error, FixedClock, Moa, MoaConfig, RetryPolicy, SyncListener, SyncOptions,
    SyncProgress,
};
use moa_e2e::as_synced;
use moa_server::faults::FaultKind;
use moa_server::{CatalogDb, DemoSpec, FaultPlan, RunningServer};

const NOW: i64 = 1_795_000_000;
const PRODUCTS: usize = 600;
const PAGE: u32 = 100;

struct Rig {
    catalog: Arc<CatalogDb>,
    plan: Arc<FaultPlan>,
    server: RunningServer,
    moa: Moa,
    _dir: tempfile::TempDir,
}

/// Short timeouts and quick retries, so that faults play out in a test's time.
fn quick_network() -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(1),
        retry: RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            max_retry_after: Duration::from_secs(5),
        },
    }
}

async fn rig(spec: &str) -> Rig {
    let (catalog, _) = moa_server::demo_catalog(DemoSpec { seed: 21, products: PRODUCTS, now: NOW }).unwrap();
    let plan: Arc<FaultPlan> = Arc::new(spec.parse().unwrap());
    let server = RunningServer::start_with_faults(
        Arc::clone(&catalog),
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        Some(Arc::clone(&plan)),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server(&server.url);
    config.network = quick_network();
    let moa = Moa::open(config).unwrap();
    Rig { catalog, plan, server, moa, _dir: dir }
}

fn options() -> SyncOptions {
    SyncOptions { page_limit: Some(PAGE), ..Default::default() }
}

/// The cache holds exactly what the server had up to the committed cursor: whole pages only.
fn assert_consistent(rig: &Rig) {
    let cursor = rig.moa.store().catalog_cursor().unwrap();
    let expected = as_synced(rig.catalog.products_up_to(cursor).unwrap(), &rig.server.url);
    assert_eq!(rig.moa.store().all_products().unwrap(), expected, "cache at cursor {cursor}");
    let problems = rig.moa.store().integrity_check().unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}

fn assert_complete(rig: &Rig) {
    assert_eq!(rig.moa.store().catalog_cursor().unwrap(), rig.catalog.last_seq().unwrap());
    assert_eq!(rig.moa.store().product_count().unwrap(), PRODUCTS as u64);
    assert_consistent(rig);
}

/// A fault on one request is retried and the sync ends in exactly the server's catalog.
async fn recovers_from(spec: &str) -> Rig {
    let rig = rig(spec).await;
    let report = tokio::time::timeout(Duration::from_secs(30), rig.moa.sync_with(options()))
        .await
        .expect("no hang")
        .unwrap_or_else(|e| panic!("{spec}: {e}"));
    assert!(report.retries >= 1, "{spec}: the fault was retried");
    assert!(rig.plan.log().iter().any(|r| r.fault.is_some()), "{spec}: the fault fired");
    assert!(report.skipped.is_empty(), "{spec}: {:?}", report.skipped);
    assert_complete(&rig);
    rig
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_is_retried() {
    recovers_from("500@req=2").await.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_on_the_mall_list_is_retried() {
    recovers_from("500@req=1@malls").await.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_cut_mid_body_is_retried() {
    recovers_from("cut@req=3").await.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_body_is_retried() {
    recovers_from("truncate@req=2").await.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_json_is_retried() {
    recovers_from("badjson@req=4").await.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_skips_sequence_numbers_is_refused_and_fetched_again() {
    recovers_from("skipseq@req=2").await.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_repeats_a_sequence_number_is_refused_and_fetched_again() {
    recovers_from("repeatseq@req=3").await.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stall_past_the_timeout_is_given_up_on_and_retried() {
    recovers_from("stall:3@req=2").await.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured_on_429_and_503() {
    for spec in ["429:1@req=2", "503:1@req=2"] {
        let rig = recovers_from(spec).await;
        let log: Vec<_> =
            rig.plan.log().into_iter().filter(|r| r.target == moa_server::faults::Target::Changes).collect();
        let asked = log.iter().position(|r| r.fault.is_some()).unwrap();
        let waited = log[asked + 1].at.duration_since(log[asked].at);
        assert!(waited >= Duration::from_millis(1000), "{spec}: retried after {waited:?}, before Retry-After");
        rig.server.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_beyond_our_patience_is_reported_not_waited_for() {
    let rig = rig("429:3600@req=1").await;
    let started = std::time::Instant::now();
    let err = rig.moa.sync_with(options()).await.unwrap_err();
    assert!(matches!(err, Error::Server { status: 429, retry_after: Some(3600), .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_consistent(&rig);
    rig.server.shutdown().await;
}

/// A fault that does not go away: a typed error, and only whole pages in the cache.
async fn fails_with(spec: &str, check: impl Fn(&Error) -> bool) {
    let rig = rig(spec).await;
    let err = tokio::time::timeout(Duration::from_secs(30), rig.moa.sync_with(options()))
        .await
        .expect("no hang past the timeouts")
        .expect_err(spec);
    assert!(check(&err), "{spec}: unexpected error {err:?}");
    assert_consistent(&rig);
    // The first two pages (requests 1 and 2) were good and stay committed.
    assert_eq!(rig.moa.store().product_count().unwrap(), 2 * PAGE as u64, "{spec}");
    rig.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_faults_end_in_typed_errors_with_whole_pages_only() {
    let cases: Vec<(&str, fn(&Error) -> bool)> = vec![
        ("500@req=3-99", |e| matches!(e, Error::Server { status: 500, .. })),
        ("stall:2@req=3-99", |e| matches!(e, Error::Timeout)),
        ("badjson@req=3-99", |e| matches!(e, Error::Protocol(_))),
        ("truncate@req=3-99", |e| matches!(e, Error::Protocol(_))),
        ("cut@req=3-99", |e| matches!(e, Error::Network(_) | Error::Protocol(_))),
        ("skipseq@req=3-99", |e| matches!(e, Error::Protocol(m) if m.contains("next"))),
        ("repeatseq@req=3-99", |e| matches!(e, Error::Protocol(m) if m.contains("out of order"))),
    ];
    for (spec, check) in cases {
        fails_with(spec, check).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumes_after_a_failure_and_ends_in_the_servers_state() {
    let rig = rig("500@req=4-99").await;
    rig.moa.sync_with(options()).await.unwrap_err();
    assert_eq!(rig.moa.store().product_count().unwrap(), 3 * PAGE as u64);
    let fixed = rig.moa.store().catalog_cursor().unwrap();
    // Same cache, a healthy server over the same catalog: the sync picks up where it stopped.
    let healthy =
        RunningServer::start(Arc::clone(&rig.catalog), SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    let dir = rig.moa.config().data_dir.clone();
    let moa = Moa::open(MoaConfig::new(&dir).clock(FixedClock::at_secs(NOW)).server(&healthy.url)).unwrap();
    let report = moa.sync_with(options()).await.unwrap();
    assert_eq!(report.cursor_before, fixed);
    assert_eq!(report.upserted, (PRODUCTS as u64) - 3 * PAGE as u64, "only the rest was fetched");
    assert_eq!(moa.store().product_count().unwrap(), PRODUCTS as u64);
    healthy.shutdown().await;
    rig.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_product_in_a_page_is_skipped_with_its_id_and_reason() {
    let rig = rig("badproduct@req=2").await;
    let report = rig.moa.sync_with(options()).await.unwrap();
    assert_eq!(report.skipped.len(), 1);
    let skipped = &report.skipped[0];
    assert!(skipped.reason.contains("unreadable"), "{}", skipped.reason);
    let id = skipped.product_id.clone().unwrap();
    assert!(rig.moa.store().product(&id).unwrap().is_none());
    assert_eq!(report.upserted, PRODUCTS as u64 - 1);
    assert_eq!(rig.moa.store().product_count().unwrap(), PRODUCTS as u64 - 1);
    rig.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_chaos_still_converges_to_the_server() {
    let rig = rig("seed=7,500@0.2,cut@0.1,truncate@0.1,badjson@0.05,503:1@0.05@malls").await;
    let mut config = MoaConfig::new(rig.moa.config().data_dir.clone()).server(&rig.server.url);
    config.network = quick_network();
    config.network.retry.max_attempts = 10;
    let moa = Moa::open(config).unwrap();
    let report = moa.sync_with(options()).await.unwrap();
    assert!(report.retries > 0);
    assert_eq!(moa.store().product_count().unwrap(), PRODUCTS as u64);
    let faults = rig.plan.log().iter().filter(|r| r.fault.is_some()).count();
    assert!(faults >= 1, "chaos happened");
    rig.server.shutdown().await;
}

struct Recorder {
    seen: Mutex<Vec<SyncProgress>>,
    cancel_after_pages: u64,
    cancel: CancellationToken,
}

impl SyncListener for Recorder {
    fn on_progress(&self, progress: SyncProgress) {
        self.seen.lock().unwrap().push(progress);
        if progress.pages >= self.cancel_after_pages {
            self.cancel.cancel();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_is_reported_per_page_and_cancel_leaves_whole_pages() {
    let rig = rig("").await;
    let cancel = CancellationToken::new();
    let recorder = Arc::new(Recorder { seen: Mutex::new(Vec::new()), cancel_after_pages: 2, cancel: cancel.clone() });
    let err = rig
        .moa
        .sync_with(SyncOptions { page_limit: Some(PAGE), listener: Some(recorder.clone()), cancel: Some(cancel) })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err}");
    assert_consistent(&rig);
    let committed = rig.moa.store().product_count().unwrap();
    assert!(committed >= 2 * PAGE as u64 && committed < PRODUCTS as u64, "{committed}");

    // Resume to the end with a fresh listener: progress is monotonic and ends at the report.
    let recorder = Arc::new(Recorder {
        seen: Mutex::new(Vec::new()),
        cancel_after_pages: u64::MAX,
        cancel: CancellationToken::new(),
    });
    let report = rig
        .moa
        .sync_with(SyncOptions { page_limit: Some(PAGE), listener: Some(recorder.clone()), cancel: None })
        .await
        .unwrap();
    let seen = recorder.seen.lock().unwrap().clone();
    assert_eq!(seen.len() as u64, report.pages);
    assert!(seen.windows(2).all(|w| w[0].pages < w[1].pages && w[0].cursor < w[1].cursor && w[0].bytes <= w[1].bytes));
    let last = seen.last().unwrap();
    assert_eq!((last.products, last.cursor), (report.upserted, report.cursor_after));
    assert!(last.bytes > 0 && last.bytes <= report.bytes);
    assert_complete(&rig);
    rig.server.shutdown().await;
}

#[test]
fn fault_specs_are_checked() {
    for bad in ["bogus@always", "500", "500@req=0", "500@req=5-2", "500@1.5", "500@always@nowhere", "stall:x@always"] {
        assert!(bad.parse::<FaultPlan>().is_err(), "{bad} accepted");
    }
    let _: FaultPlan = "seed=3,500@0.5,429:2@req=1-3@malls,stall@always@any".parse().unwrap();
    let _ = FaultKind::Cut;
}
