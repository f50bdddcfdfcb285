//! The catalog servers under load (issue #17): many devices syncing — each a first sync from
//! nothing, then incremental syncs every 200 ms — while an ingest changes a tenth of the
//! products, against (a) SQLite, (b) PostgreSQL with one server and (c) two, and (d) two behind
//! Debian's nginx as a caching proxy. Pages a second, page latency (p50, p99), errors, and the
//! CPU the whole process used (servers and clients alike: they share it), all in one run.
//!
//!   cargo bench -p moa-e2e --bench serve
//!
//! MOA_BENCH_PRODUCTS (default 20,000) and MOA_BENCH_CLIENTS (default 200) set the scale; the
//! PostgreSQL runs need MOA_TEST_POSTGRES (a URL; `scripts/lib/setup.sh`'s `start_postgres`
//! makes a throwaway cluster), without it only SQLite runs. Figures in docs/BENCHMARKS.md.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use moa_core::model::{Money, Product};
use moa_e2e::nginx::{free_port, start_nginx};
use moa_server::{CatalogDb, DemoSpec, DemoWorld, RunningServer};

const NOW: i64 = 1_795_000_000;
const PAGE: u32 = 500;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The CPU this process has used so far (user + system), from /proc.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    Duration::from_millis((ticks(11) + ticks(12)) * 10) // utime, stime at 100 ticks a second
}

/// What a page of the change feed says of itself: its `next` and `more`, read from its end.
fn page_tail(body: &str) -> Option<(u64, bool)> {
    let at = body.rfind("\"next\":")?;
    let rest = &body[at + 7..];
    let comma = rest.find(',')?;
    Some((rest[..comma].parse().ok()?, rest[comma..].contains("true")))
}

#[derive(Default)]
struct Tally {
    pages: AtomicU64,
    errors: AtomicU64,
    latencies: Mutex<Vec<Duration>>,
}

/// Fetch pages from `cursor` until the tail; the cursor moves on.
async fn sync(http: &reqwest::Client, base: &str, cursor: &mut u64, tally: &Tally) {
    loop {
        let started = Instant::now();
        let answer = http.get(format!("{base}/v1/catalog/changes?after={cursor}&limit={PAGE}")).send().await;
        let body = match answer {
            Ok(r) if r.status().is_success() => r.text().await.ok(),
            _ => None,
        };
        let Some((next, more)) = body.as_deref().and_then(page_tail) else {
            tally.errors.fetch_add(1, Ordering::Relaxed);
            return;
        };
        tally.latencies.lock().unwrap().push(started.elapsed());
        tally.pages.fetch_add(1, Ordering::Relaxed);
        *cursor = next;
        if !more {
            return;
        }
    }
}

/// One configuration's run: `clients` devices on `fronts` (round robin), the ingest on `writer`.
async fn run(name: &str, fronts: &[String], writer: Arc<CatalogDb>, world: &DemoWorld, clients: usize) {
    let ingesting = Arc::new(AtomicBool::new(true));
    let tally = Arc::new(Tally::default());
    let (cpu0, wall0) = (cpu_time(), Instant::now());
    let changed: Vec<Product> = world.products.iter().step_by(10).cloned().collect();
    let ingest = {
        let ingesting = Arc::clone(&ingesting);
        std::thread::spawn(move || {
            // Let the first syncs start, then change a tenth of the catalog in batches.
            std::thread::sleep(Duration::from_millis(500));
            let started = Instant::now();
            for (n, batch) in changed.chunks(500).enumerate() {
                let batch: Vec<Product> = batch
                    .iter()
                    .map(|p| Product {
                        price: Money::krw(p.price.amount + 100 * (n as i64 + 1)),
                        original_price: None,
                        ..p.clone()
                    })
                    .collect();
                writer.upsert_products(&batch).expect("the ingest's writes commit");
            }
            ingesting.store(false, Ordering::Relaxed);
            started.elapsed()
        })
    };
    let mut devices = Vec::new();
    for i in 0..clients {
        let (base, tally, ingesting) = (fronts[i % fronts.len()].clone(), Arc::clone(&tally), Arc::clone(&ingesting));
        devices.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut cursor = 0;
            sync(&http, &base, &mut cursor, &tally).await;
            while ingesting.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(200)).await;
                sync(&http, &base, &mut cursor, &tally).await;
            }
            sync(&http, &base, &mut cursor, &tally).await;
        }));
    }
    for d in devices {
        d.await.unwrap();
    }
    let ingest_took = ingest.join().unwrap();
    let (wall, cpu) = (wall0.elapsed(), cpu_time() - cpu0);
    let mut latencies = std::mem::take(&mut *tally.latencies.lock().unwrap());
    latencies.sort();
    let at = |q: f64| latencies.get(((latencies.len() as f64 - 1.0) * q) as usize).copied().unwrap_or_default();
    let pages = tally.pages.load(Ordering::Relaxed);
    println!(
        "{name:<28} {pages:>7} pages  {:>7.0} pages/s  p50 {:>6.1} ms  p99 {:>7.1} ms  errors {}  cpu {:>5.1} s over {:>5.1} s  (ingest {:.1} s)",
        pages as f64 / wall.as_secs_f64(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        tally.errors.load(Ordering::Relaxed),
        cpu.as_secs_f64(),
        wall.as_secs_f64(),
        ingest_took.as_secs_f64(),
    );
}

/// A catalog holding `world`'s malls and products.
fn filled(catalog: CatalogDb, world: &DemoWorld) -> Arc<CatalogDb> {
    catalog.put_malls(&world.malls).unwrap();
    for batch in world.products.chunks(5_000) {
        catalog.upsert_products(batch).unwrap();
    }
    Arc::new(catalog)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let (products, clients) = (env_number("MOA_BENCH_PRODUCTS", 20_000), env_number("MOA_BENCH_CLIENTS", 200));
    let world = DemoWorld::generate(DemoSpec { seed: 91, products, now: NOW });
    println!("{clients} devices, {products} products, pages of {PAGE}; an ingest changes {} products", products / 10);
    let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let dir = tempfile::tempdir().unwrap();

    let sqlite = filled(CatalogDb::open(Some(&dir.path().join("catalog.db"))).unwrap(), &world);
    let server = RunningServer::start(Arc::clone(&sqlite), loopback).await.unwrap();
    run("sqlite, 1 server", &[server.url.clone()], sqlite.same_database().unwrap().into(), &world, clients).await;
    server.shutdown().await;

    if std::env::var(moa_server::db::THROWAWAY_POSTGRES_ENV).map_or(true, |u| u.is_empty()) {
        println!("(no MOA_TEST_POSTGRES: the PostgreSQL runs were skipped)");
        return;
    }
    for replicas in [1, 2, 3] {
        // replicas == 3 stands for "2 servers behind nginx".
        let catalog = filled(CatalogDb::open(None).unwrap(), &world);
        let count = replicas.min(2);
        let mut servers = vec![RunningServer::start(Arc::clone(&catalog), loopback).await.unwrap()];
        for _ in 1..count {
            servers.push(RunningServer::start(Arc::new(catalog.same_database().unwrap()), loopback).await.unwrap());
        }
        let writer: Arc<CatalogDb> = catalog.same_database().unwrap().into();
        if replicas == 3 {
            let nginx_dir = dir.path().join("nginx");
            std::fs::create_dir_all(&nginx_dir).unwrap();
            let port = free_port();
            let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.addr).collect();
            let _nginx = start_nginx(&nginx_dir, port, &addrs);
            run("postgres, 2 servers + nginx", &[format!("http://127.0.0.1:{port}")], writer, &world, clients).await;
        } else {
            let fronts: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();
            run(&format!("postgres, {count} server(s)"), &fronts, writer, &world, clients).await;
        }
        for s in servers {
            s.shutdown().await;
        }
    }
}
