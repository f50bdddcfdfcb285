//! Crash safety: a `moa sync` process SIGKILLed at random moments, again and again. After each
//! kill the cache must pass SQLite's integrity check, hold only whole pages, and keep the
//! shopper's data; the last sync must end in exactly the server's catalog.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use moa_core::model::{Money, Product};
use moa_core::{Moa, MoaConfig};
use moa_e2e::as_synced;
use moa_server::{DemoSpec, RunningServer};
use rand::{Rng, SeedableRng};

const NOW: i64 = 1_795_000_000;
const KILLS: usize = 24;

fn sync_command(url: &str, db: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_moa"));
    cmd.args(["sync", "--server", url, "--db", db.to_str().unwrap(), "--page-limit", "40"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

#[test]
fn sync_killed_at_random_moments_resumes_to_exactly_the_servers_catalog() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (catalog, mut world) = moa_server::demo_catalog(DemoSpec { seed: 31, products: 300, now: NOW }).unwrap();
    let server = runtime
        .block_on(RunningServer::start(Arc::clone(&catalog), SocketAddr::from((Ipv4Addr::LOCALHOST, 0))))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("moa.db");

    // The shopper's starting point: a first sync, three 찜, two followed malls, a setting.
    assert!(sync_command(&server.url, &db).status().unwrap().success());
    let wished: Vec<String> = world.products[..3].iter().map(|p| p.id.clone()).collect();
    {
        let moa = Moa::open(MoaConfig::with_database(&db)).unwrap();
        for id in &wished {
            moa.add_to_wishlist(id, None).unwrap();
        }
        moa.follow_mall(&world.malls[0].id).unwrap();
        moa.follow_mall(&world.malls[2].id).unwrap();
        moa.store().set_setting("locale", "ko-KR").unwrap();
    }

    // Then the catalog grows a lot: 4,000 new arrivals.
    let arrivals = world.new_arrivals(77, 4_000, NOW);
    catalog.upsert_products(&arrivals).unwrap();

    // How long an uninterrupted sync of all that takes here, to spread the kills over it.
    // (The pages only: the search index's catch-up at the end is not where a sync's progress is.)
    let probe_db = dir.path().join("probe.db");
    let started = Instant::now();
    let probe = sync_command(&server.url, &probe_db).arg("--json").stdout(Stdio::piped()).output().unwrap();
    assert!(probe.status.success());
    let report: serde_json::Value = serde_json::from_slice(&probe.stdout).unwrap();
    let indexing = Duration::from_millis(report["search_index_took"].as_u64().unwrap());
    let full = started.elapsed().saturating_sub(indexing);

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    let mut cursors = Vec::new();
    for kill in 0..KILLS {
        let mut child = sync_command(&server.url, &db).spawn().unwrap();
        let delay = full.mul_f64(rng.random_range(0.02..0.9)) / 4 + Duration::from_millis(rng.random_range(0..20));
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL: no destructor, no clean-up runs.
        child.wait().unwrap();

        let moa = Moa::open(MoaConfig::with_database(&db)).unwrap();
        assert!(moa.recovery().is_none(), "kill {kill}: a killed sync never damages the file");
        assert!(moa.store().integrity_check().unwrap().is_empty(), "kill {kill}: integrity");
        let cursor = moa.store().catalog_cursor().unwrap();
        let (cache, expected) =
            (moa.store().all_products().unwrap(), as_synced(catalog.products_up_to(cursor).unwrap(), &server.url));
        assert!(
            cache == expected,
            "kill {kill}: whole pages only, at cursor {cursor}: {} cached, {} expected",
            cache.len(),
            expected.len()
        );
        let wishlist: Vec<String> = moa.wishlist().unwrap().into_iter().map(|w| w.product_id).collect();
        assert_eq!(wishlist.len(), 3, "kill {kill}: wishlist intact");
        assert!(wished.iter().all(|id| wishlist.contains(id)));
        assert_eq!(moa.followed_malls().unwrap().len(), 2, "kill {kill}: follows intact");
        assert_eq!(moa.store().setting("locale").unwrap().as_deref(), Some("ko-KR"));
        cursors.push(cursor);
        // When a run got to the end, the malls publish more, so that every kill still lands in
        // the middle of something (how far a run gets depends on the machine's speed).
        if cursor == catalog.last_seq().unwrap() {
            catalog.upsert_products(&world.new_arrivals(1_000 + kill as u64, 600, NOW)).unwrap();
        }
    }
    // The kills landed at different points, and progress was never lost between them.
    assert!(cursors.windows(2).all(|w| w[0] <= w[1]), "{cursors:?}");
    let distinct: std::collections::HashSet<_> = cursors.iter().collect();
    assert!(distinct.len() >= 5, "kills spread over the sync: {cursors:?}");

    // New prices for the wishlisted items, then a sync to the end.
    let mut repriced: Vec<Product> = world.products[..3].to_vec();
    for p in &mut repriced {
        p.price = Money::krw(p.price.amount - 1_000);
    }
    catalog.upsert_products(&repriced).unwrap();
    assert!(sync_command(&server.url, &db).status().unwrap().success());
    let moa = Moa::open(MoaConfig::with_database(&db)).unwrap();
    let (cache, expected) =
        (moa.store().all_products().unwrap(), as_synced(catalog.live_products().unwrap(), &server.url));
    assert!(cache == expected, "final: {} cached, {} on the server", cache.len(), expected.len());
    let wishlist = moa.wishlist().unwrap();
    for p in &repriced {
        let item = wishlist.iter().find(|w| w.product_id == p.id).unwrap();
        assert_eq!(item.snapshot.price, p.price.amount, "snapshot caught up with the new price");
    }
    runtime.block_on(server.shutdown());
}
