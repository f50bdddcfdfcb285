//! `moa bench serve` (issue #17): the catalog servers under load. Many devices sync — each a
//! first sync from nothing, then an incremental sync every 200 ms — while an ingest changes a
//! tenth of the products, against (a) SQLite, (b) PostgreSQL with one server and (c) two, and
//! (d) two behind Debian's nginx as a caching proxy, all in one run. Every server is a
//! `moa serve` process of its own, so the CPU the servers, PostgreSQL and the devices use is
//! counted apart: on one machine they share its cores, and what a page costs each of them says
//! what more machines would buy.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use moa_core::model::{Money, Product};
use moa_server::{CatalogDb, DemoSpec, DemoWorld};
use serde::Serialize;

use super::ServerProcess;

/// The world's time: fixed, so every run builds the same catalog.
const NOW: i64 = 1_795_000_000;
/// Changes per page, as the apps ask for them.
const PAGE: u32 = 500;
/// How often a device that is up to date asks again while the ingest runs.
const POLL: Duration = Duration::from_millis(200);

#[derive(Debug, Serialize)]
pub struct ServeBench {
    pub products: usize,
    pub devices: usize,
    /// Products the ingest changes while the devices sync.
    pub changed: usize,
    pub runs: Vec<ServeRun>,
}

#[derive(Debug, Serialize)]
pub struct ServeRun {
    pub configuration: String,
    pub pages: u64,
    pub pages_per_second: f64,
    pub p50_page_ms: f64,
    pub p99_page_ms: f64,
    /// Pages that failed or did not parse: must be 0.
    pub errors: u64,
    pub wall_seconds: f64,
    pub ingest_seconds: f64,
    /// CPU seconds the `moa serve` processes used, together.
    pub servers_cpu_seconds: f64,
    /// CPU seconds PostgreSQL's processes used (0 for SQLite, which is inside the server).
    pub database_cpu_seconds: f64,
    /// CPU seconds nginx used (0 without it).
    pub proxy_cpu_seconds: f64,
    /// CPU seconds this process used: the devices and the ingest.
    pub devices_cpu_seconds: f64,
}

/// The whole comparison. Without `postgres` (a URL; the bench makes and drops a schema of its
/// own there) only SQLite runs; without nginx installed, the cached configuration is skipped.
pub async fn serve_bench(products: usize, devices: usize, postgres: Option<&str>) -> Result<ServeBench, String> {
    let world = super::demo_world(DemoSpec { seed: DemoSpec::DEFAULT_SEED, products, now: NOW });
    let changed: Vec<Product> = world.products.iter().step_by(10).cloned().collect();
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut runs = Vec::new();

    let sqlite = filled(CatalogDb::open(Some(&dir.path().join("catalog.db"))), &world)?;
    runs.push(run_configuration("SQLite, 1 server", &sqlite, 1, None, &changed, devices).await?);
    drop(sqlite);

    let Some(url) = postgres else { return Ok(ServeBench { products, devices, changed: changed.len(), runs }) };
    for (name, servers, nginx) in [
        ("PostgreSQL, 1 server", 1, false),
        ("PostgreSQL, 2 servers", 2, false),
        ("PostgreSQL, 2 servers + nginx cache", 2, true),
    ] {
        if nginx && !moa_e2e::nginx::installed() {
            eprintln!("(nginx is not installed: \"{name}\" skipped)");
            continue;
        }
        let catalog = filled(CatalogDb::throwaway_postgres(url), &world)?;
        let proxy_dir = nginx.then(|| dir.path().join(format!("nginx-{servers}")));
        runs.push(run_configuration(name, &catalog, servers, proxy_dir.as_deref(), &changed, devices).await?);
    }
    Ok(ServeBench { products, devices, changed: changed.len(), runs })
}

/// A catalog holding `world`'s malls and products.
fn filled(catalog: Result<CatalogDb, moa_server::CatalogError>, world: &DemoWorld) -> Result<CatalogDb, String> {
    let catalog = catalog.map_err(|e| format!("cannot open the bench's catalog: {e}"))?;
    catalog.put_malls(&world.malls).map_err(|e| e.to_string())?;
    for batch in world.products.chunks(5_000) {
        catalog.upsert_products(batch).map_err(|e| e.to_string())?;
    }
    Ok(catalog)
}

/// `servers` server processes on `catalog` (and nginx in front when `proxy_dir` is given), the
/// devices spread over them round robin, the ingest writing through `catalog` itself.
async fn run_configuration(
    name: &str,
    catalog: &CatalogDb,
    servers: usize,
    proxy_dir: Option<&Path>,
    changed: &[Product],
    devices: usize,
) -> Result<ServeRun, String> {
    let location = catalog.location().ok_or("the bench's catalog has no location")?;
    let mut processes = Vec::new();
    let mut fronts = Vec::new();
    for _ in 0..servers {
        let (process, url) = ServerProcess::start(&["serve", "--database", &location, "--port", "0"])?;
        processes.push(process);
        fronts.push(url);
    }
    let _proxy = match proxy_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            let upstreams = fronts
                .iter()
                .map(|u| u.trim_start_matches("http://").parse().map_err(|e| format!("{u}: {e}")))
                .collect::<Result<Vec<_>, String>>()?;
            let port = moa_e2e::nginx::free_port();
            let nginx = moa_e2e::nginx::start_nginx(dir, port, &upstreams);
            fronts = vec![format!("http://127.0.0.1:{port}")];
            Some(nginx)
        }
        None => None,
    };
    let server_pids: Vec<u32> = processes.iter().map(ServerProcess::pid).collect();
    let before = CpuSample::take(&server_pids);
    let started = Instant::now();
    let (tally, ingest_took) = load(catalog, &fronts, changed, devices).await?;
    let (wall, after) = (started.elapsed(), CpuSample::take(&server_pids));
    let mut latencies = std::mem::take(&mut *tally.latencies.lock().unwrap_or_else(|e| e.into_inner()));
    latencies.sort();
    let at = |q: f64| latencies.get(((latencies.len() as f64 - 1.0) * q) as usize).copied().unwrap_or_default();
    let pages = tally.pages.load(Ordering::Relaxed);
    Ok(ServeRun {
        configuration: name.to_string(),
        pages,
        pages_per_second: pages as f64 / wall.as_secs_f64(),
        p50_page_ms: at(0.5).as_secs_f64() * 1e3,
        p99_page_ms: at(0.99).as_secs_f64() * 1e3,
        errors: tally.errors.load(Ordering::Relaxed),
        wall_seconds: wall.as_secs_f64(),
        ingest_seconds: ingest_took.as_secs_f64(),
        servers_cpu_seconds: after.servers - before.servers,
        database_cpu_seconds: after.database - before.database,
        proxy_cpu_seconds: after.proxy - before.proxy,
        devices_cpu_seconds: after.this - before.this,
    })
}

#[derive(Default)]
struct Tally {
    pages: AtomicU64,
    errors: AtomicU64,
    latencies: Mutex<Vec<Duration>>,
}

/// The devices' syncs and the ingest, run together until both are done.
async fn load(
    writer: &CatalogDb,
    fronts: &[String],
    changed: &[Product],
    devices: usize,
) -> Result<(Arc<Tally>, Duration), String> {
    let ingesting = Arc::new(AtomicBool::new(true));
    let tally = Arc::new(Tally::default());
    let mut tasks = Vec::new();
    for i in 0..devices {
        let (base, tally, ingesting) = (fronts[i % fronts.len()].clone(), Arc::clone(&tally), Arc::clone(&ingesting));
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut cursor = 0;
            sync(&http, &base, &mut cursor, &tally).await;
            while ingesting.load(Ordering::Relaxed) {
                tokio::time::sleep(POLL).await;
                sync(&http, &base, &mut cursor, &tally).await;
            }
            sync(&http, &base, &mut cursor, &tally).await;
        }));
    }
    // The ingest, on a handle of its own as an ingest worker has: let the first syncs start,
    // then reprice the changed products in batches.
    let (writer, changed) = (writer.same_database().map_err(|e| e.to_string())?, changed.to_vec());
    let ingest = {
        let ingesting = Arc::clone(&ingesting);
        tokio::task::spawn_blocking(move || {
            std::thread::sleep(Duration::from_millis(500));
            let started = Instant::now();
            let result = changed.chunks(500).enumerate().try_for_each(|(n, batch)| {
                let batch: Vec<Product> = batch
                    .iter()
                    .map(|p| Product {
                        price: Money::krw(p.price.amount + 100 * (n as i64 + 1)),
                        original_price: None,
                        ..p.clone()
                    })
                    .collect();
                writer.upsert_products(&batch).map(|_| ())
            });
            ingesting.store(false, Ordering::Relaxed);
            result.map(|()| started.elapsed()).map_err(|e| format!("the ingest failed: {e}"))
        })
    };
    let ingest_took = ingest.await.map_err(|e| e.to_string())??;
    for task in tasks {
        task.await.map_err(|e| e.to_string())?;
    }
    Ok((tally, ingest_took))
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
        tally.latencies.lock().unwrap_or_else(|e| e.into_inner()).push(started.elapsed());
        tally.pages.fetch_add(1, Ordering::Relaxed);
        *cursor = next;
        if !more {
            return;
        }
    }
}

/// What a page of the change feed says of itself: its `next` and `more`, read from its end
/// (parsing 500 products per page here would cost the devices more than the servers).
fn page_tail(body: &str) -> Option<(u64, bool)> {
    let at = body.rfind("\"next\":")?;
    let rest = &body[at + 7..];
    let comma = rest.find(',')?;
    Some((rest[..comma].parse().ok()?, rest[comma..].contains("true")))
}

/// CPU seconds used so far by the servers, PostgreSQL, nginx and this process.
struct CpuSample {
    servers: f64,
    database: f64,
    proxy: f64,
    this: f64,
}

impl CpuSample {
    fn take(servers: &[u32]) -> CpuSample {
        let mut sample = CpuSample { servers: 0.0, database: 0.0, proxy: 0.0, this: cpu_seconds("self").1 };
        for pid in servers {
            sample.servers += cpu_seconds(&pid.to_string()).1;
        }
        // PostgreSQL's backends and nginx are found by name: they are not this bench's children.
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.bytes().all(|b| b.is_ascii_digit()) {
                match cpu_seconds(&name) {
                    (command, seconds) if command == "postgres" => sample.database += seconds,
                    (command, seconds) if command == "nginx" => sample.proxy += seconds,
                    _ => {}
                }
            }
        }
        sample
    }
}

/// A process's command name and CPU seconds (user + system) from /proc, at Linux's 100 ticks a
/// second; ("", 0) when it is gone.
fn cpu_seconds(pid: &str) -> (String, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let command = stat.split_once('(').and_then(|(_, rest)| rest.rsplit_once(')')).map_or("", |(c, _)| c);
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    (command.to_string(), (ticks(11) + ticks(12)) as f64 / 100.0)
}
