//! The change feed under concurrency: several writers (three malls' ingests at once, as a busy
//! server has) commit changes while shoppers' devices sync page by page. A sequence number that
//! became visible after a higher one would be skipped forever by a client that had read past
//! it; so, after the writers stop and every client syncs once more, each client must hold
//! exactly the server's catalog. Run on SQLite and, with `MOA_TEST_POSTGRES`, on PostgreSQL,
//! where writers really overlap (scripts/test.sh runs both).

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use moa_core::model::{Money, Product};
use moa_core::{FixedClock, Moa, MoaConfig, SyncOptions};
use moa_e2e::expected_cache;
use moa_server::{CatalogDb, DemoSpec, RunningServer};
use rand::{Rng, SeedableRng};

const NOW: i64 = 1_795_000_000;

/// One mall's ingests, again and again: re-prices, delistings and relistings of its own products.
fn writer(catalog: Arc<CatalogDb>, mine: Vec<Product>, seed: u64, stop: Arc<AtomicBool>) -> Result<u64, String> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut writes = 0;
    while !stop.load(Ordering::Relaxed) {
        let mut batch: Vec<Product> = (0..15).map(|_| mine[rng.random_range(0..mine.len())].clone()).collect();
        for p in &mut batch {
            p.price = Money::krw(10_000 + rng.random_range(0..500) * 100);
            p.original_price = None; // a price above the old "before sale" one would not be sane
        }
        catalog.upsert_products(&batch).map_err(|e| e.to_string())?;
        if rng.random_bool(0.3) {
            let gone = &mine[rng.random_range(0..mine.len())].id;
            catalog.delete_products(&[gone]).map_err(|e| e.to_string())?;
        }
        writes += 1;
    }
    Ok(writes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_syncing_through_concurrent_imports_end_with_exactly_the_catalog() {
    let (catalog, world) = moa_server::demo_catalog(DemoSpec { seed: 71, products: 600, now: NOW }).unwrap();
    let server = RunningServer::start(Arc::clone(&catalog), SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    let stop = Arc::new(AtomicBool::new(false));

    let malls: Vec<String> = world.malls.iter().take(3).map(|m| m.id.clone()).collect();
    let writers: Vec<_> = malls
        .iter()
        .enumerate()
        .map(|(n, mall)| {
            let mine: Vec<Product> = world.products.iter().filter(|p| &p.mall_id == mall).cloned().collect();
            assert!(!mine.is_empty());
            let (catalog, stop) = (Arc::clone(&catalog), Arc::clone(&stop));
            std::thread::spawn(move || writer(catalog, mine, 100 + n as u64, stop))
        })
        .collect();

    let small_pages = SyncOptions { page_limit: Some(40), ..Default::default() };
    let mut dirs = Vec::new();
    let mut clients = Vec::new();
    for _ in 0..4 {
        let dir = tempfile::tempdir().unwrap();
        let moa = Moa::open(MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server(&server.url)).unwrap();
        dirs.push(dir);
        let (stop, options) = (Arc::clone(&stop), small_pages.clone());
        clients.push(tokio::spawn(async move {
            let mut syncs = 0u32;
            while !stop.load(Ordering::Relaxed) {
                moa.sync_with(options.clone()).await.map_err(|e| e.to_string())?;
                syncs += 1;
            }
            Ok::<_, String>((moa, syncs))
        }));
    }

    tokio::time::sleep(Duration::from_secs(4)).await;
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        let writes = w.join().unwrap().expect("every writer's transactions commit");
        assert!(writes > 0);
    }
    let expected = expected_cache(&catalog, &server.url);
    for client in clients {
        let (moa, syncs) = client.await.unwrap().expect("every sync succeeds");
        assert!(syncs > 0);
        let last = moa.sync_with(small_pages.clone()).await.unwrap();
        assert!(last.skipped.is_empty(), "{:?}", last.skipped);
        let cache = moa.store().all_products().unwrap();
        assert_eq!(cache.len(), expected.len(), "after {syncs} syncs");
        for (have, want) in cache.iter().zip(&expected) {
            assert_eq!(have, want, "after {syncs} syncs during the writes, a change was missed");
        }
    }
    server.shutdown().await;
}
