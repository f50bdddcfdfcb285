//! `moa bench sync`: the initial sync of a large catalog from a loopback server into an empty
//! cache, against a baseline measured in the same run — the same rows upserted with raw rusqlite
//! in one transaction with a prepared statement — plus the sync's peak memory.

use std::path::Path;
use std::time::Instant;

use moa_core::model::Product;
use moa_core::{Moa, MoaConfig, SyncOptions};
use moa_server::DemoSpec;
use rusqlite::params;
use serde::Serialize;

use super::ServerProcess;
use super::{median, peak_rss_mb};

#[derive(Debug, Serialize)]
pub struct SyncBench {
    pub products: usize,
    /// Each side ran this many times; the figures are the medians.
    pub runs: usize,
    pub page_limit: u32,
    /// The whole sync, the search index's catch-up included.
    pub sync_seconds: f64,
    /// Of which the search index's catch-up after the pages (the home feed is ready before it).
    pub search_index_seconds: f64,
    /// Sync throughput until the pages are in (the home feed ready) over the baseline's.
    pub ratio_until_home_ready: f64,
    pub sync_products_per_second: f64,
    pub baseline_seconds: f64,
    pub baseline_rows_per_second: f64,
    /// Sync throughput divided by the baseline's: 1.0 would be as fast as raw inserts.
    pub ratio_to_baseline: f64,
    /// Peak resident memory of this process during the sync (the server is another process).
    pub sync_peak_rss_mb: f64,
    pub bytes_received: u64,
}

pub async fn sync_bench(products: usize, seed: u64, page_limit: u32, runs: usize) -> Result<SyncBench, String> {
    let runs = runs.max(1);
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;

    // The server runs in its own process so that its memory is not counted as the client's.
    let (products_arg, seed_arg) = (products.to_string(), seed.to_string());
    let (server, url) =
        ServerProcess::start(&["serve", "--demo", "--port", "0", "--products", &products_arg, "--seed", &seed_arg])?;
    // A demo server stocks its shelves in the background once it answers: on two cores that
    // competes with the sync being measured (2.7 s became 4.2 s at 100,000), so wait it out.
    crate::output::long_step_async("waiting for the server's shelves", shelves_stocked(&url)).await?;

    let mut sync_times = Vec::with_capacity(runs);
    let mut index_times = Vec::with_capacity(runs);
    let mut bytes_received = 0;
    for run in 0..runs {
        // Every run starts from an empty cache.
        let moa = Moa::open(MoaConfig::new(dir.path().join(format!("sync-{run}"))).server(&url))
            .map_err(|e| e.to_string())?;
        let started = Instant::now();
        let report = moa
            .sync_with(SyncOptions { page_limit: Some(page_limit), ..Default::default() })
            .await
            .map_err(|e| format!("sync failed: {e}"))?;
        sync_times.push(started.elapsed().as_secs_f64());
        index_times.push(report.search_index_took.as_secs_f64());
        if report.products_in_cache != products as u64 {
            return Err(format!("synced {} of {products} products", report.products_in_cache));
        }
        bytes_received = report.bytes;
    }
    // Read before the baseline loads the whole world into this process's memory.
    let sync_peak_rss_mb = peak_rss_mb();
    drop(server);

    // Baseline: the same world, straight into SQLite.
    let world = super::demo_world(DemoSpec { seed, products, now: moa_core_now() });
    let mut baseline_times = Vec::with_capacity(runs);
    for run in 0..runs {
        baseline_times.push(raw_upsert(&dir.path().join(format!("baseline-{run}.db")), &world.products)?);
    }
    let (sync_seconds, baseline_seconds) = (median(sync_times), median(baseline_times));
    let search_index_seconds = median(index_times);

    let sync_rate = products as f64 / sync_seconds;
    let baseline_rate = products as f64 / baseline_seconds;
    Ok(SyncBench {
        products,
        runs,
        page_limit,
        sync_seconds,
        search_index_seconds,
        ratio_until_home_ready: (products as f64 / (sync_seconds - search_index_seconds)) / baseline_rate,
        sync_products_per_second: sync_rate,
        baseline_seconds,
        baseline_rows_per_second: baseline_rate,
        ratio_to_baseline: sync_rate / baseline_rate,
        sync_peak_rss_mb,
        bytes_received,
    })
}

fn moa_core_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Upsert every product with one prepared statement in one transaction, into the same schema
/// (created by opening a Moa store), and time only the upserts.
fn raw_upsert(path: &Path, products: &[Product]) -> Result<f64, String> {
    drop(moa_core::store::Store::open(path).map_err(|e| e.to_string())?);
    let mut conn = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;").map_err(|e| e.to_string())?;
    let started = Instant::now();
    let tx = conn.transaction().map_err(|e| e.to_string())?;
    {
        let mut upsert = tx
            .prepare(
                "INSERT INTO products (id, mall_id, title, brand, category, styles, gender, age_bands, price,
                     original_price, currency, image_url, product_url, variants, in_stock, created_at,
                     updated_at, popularity, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
                 ON CONFLICT (id) DO UPDATE SET title = excluded.title, price = excluded.price, seq = excluded.seq",
            )
            .map_err(|e| e.to_string())?;
        for (seq, p) in products.iter().enumerate() {
            upsert
                .execute(params![
                    p.id,
                    p.mall_id,
                    p.title,
                    p.brand,
                    p.category.as_str(),
                    serde_json::to_string(&p.styles).unwrap_or_default(),
                    p.gender.as_str(),
                    serde_json::to_string(&p.age_bands).unwrap_or_default(),
                    p.price.amount,
                    p.original_price.as_ref().map(|m| m.amount),
                    p.price.currency,
                    p.image_url,
                    p.product_url,
                    serde_json::to_string(&p.variants).unwrap_or_default(),
                    p.in_stock(),
                    p.created_at,
                    p.updated_at,
                    p.popularity,
                    seq as i64 + 1,
                ])
                .map_err(|e| e.to_string())?;
        }
    }
    tx.commit().map_err(|e| e.to_string())?;
    Ok(started.elapsed().as_secs_f64())
}

/// Until the server's last shelf (men in their forties: `refresh_shelves` stocks it last) has
/// products, polling its feed.
async fn shelves_stocked(url: &str) -> Result<(), String> {
    let last = format!("{url}/v1/catalog/changes?shelf=men.forties&limit=1");
    for _ in 0..600 {
        let page = reqwest::get(&last).await.map_err(|e| e.to_string())?.text().await.map_err(|e| e.to_string())?;
        if page.contains("\"op\":\"upsert\"") {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    Err("the server's shelves were not stocked within two minutes".into())
}
