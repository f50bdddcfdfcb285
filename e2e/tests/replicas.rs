//! Stateless replicas behind a cache: two servers on one catalog database, Debian's nginx in
//! front of them as a load balancer and caching proxy. A device syncing through nginx is served
//! by both servers in turn and ends with exactly the catalog; a second device's full change
//! pages come from nginx's cache (its log says HIT). On SQLite (two handles on one file) and,
//! with `MOA_TEST_POSTGRES`, on PostgreSQL (two pools on one schema).

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use moa_core::{FixedClock, Moa, MoaConfig, SyncOptions};
use moa_e2e::expected_cache;
use moa_e2e::nginx::{free_port, start_nginx};
use moa_server::{CatalogDb, DemoSpec, RunningServer};

const NOW: i64 = 1_795_000_000;

/// The catalog and a second handle on its database (PostgreSQL when the tests run there, else a
/// SQLite file): what two server processes on one database have.
fn two_handles(dir: &Path) -> (Arc<CatalogDb>, Arc<CatalogDb>) {
    let first = if std::env::var_os(moa_server::db::THROWAWAY_POSTGRES_ENV).is_some() {
        CatalogDb::open(None).unwrap()
    } else {
        CatalogDb::open(Some(&dir.join("catalog.db"))).unwrap()
    };
    moa_server::populate(&first, DemoSpec { seed: 81, products: 1_200, now: NOW }).unwrap();
    let second = first.same_database().unwrap();
    (Arc::new(first), Arc::new(second))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_behind_nginx_serve_one_catalog_and_full_pages_from_its_cache() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_handles(dir.path());
    let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let (one, two) =
        (RunningServer::start(a.clone(), loopback).await.unwrap(), RunningServer::start(b, loopback).await.unwrap());
    let port = free_port();
    let nginx_dir = dir.path().join("nginx");
    std::fs::create_dir(&nginx_dir).unwrap();
    let _nginx = start_nginx(&nginx_dir, port, &[one.addr, two.addr]);
    let front = format!("http://127.0.0.1:{port}");

    let pages = SyncOptions { page_limit: Some(100), ..Default::default() };
    let mut devices = Vec::new();
    for _ in 0..2 {
        let data = tempfile::tempdir().unwrap();
        let moa = Moa::open(MoaConfig::new(data.path()).clock(FixedClock::at_secs(NOW)).server(&front)).unwrap();
        let report = moa.sync_with(pages.clone()).await.unwrap();
        assert_eq!(report.upserted, 1_200);
        assert_eq!(moa.store().all_products().unwrap(), expected_cache(&a, &front), "exactly the catalog");
        devices.push((moa, data));
    }

    let log = std::fs::read_to_string(nginx_dir.join("access.log")).unwrap();
    let pages_log: Vec<&str> = log.lines().filter(|l| l.contains("/v1/catalog/changes")).collect();
    let served_by = |replica: SocketAddr| pages_log.iter().filter(|l| l.contains(&replica.to_string())).count();
    assert!(served_by(one.addr) > 0 && served_by(two.addr) > 0, "both replicas served pages:\n{log}");
    // The first device filled the cache; the second device's 11 full pages (and the tail, within
    // its five seconds) came from it.
    let hits = pages_log.iter().filter(|l| l.starts_with("HIT")).count();
    assert!(hits >= 11, "{hits} cache hits:\n{log}");
    one.shutdown().await;
    two.shutdown().await;
}
