//! `moa bench …`: Moa measured against baselines run alongside (docs/BENCHMARKS.md).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use moa_server::DemoSpec;

use crate::output::print_json;
use crate::output::CliResult;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Search queries over a cache of N products against a plain LIKE scan.
    Search(SearchArgs),
    /// Thumbnails of real photos (--dir) and generated ones against the plain `image` pipeline,
    /// with PSNR against its output; the cache's hit latency.
    Images(ImagesArgs),
    /// Import a generated Naver EP file and Merchant XML feed of ROWS rows into a fresh catalog
    /// database: rows/s, and the ratio to parsing alone in the same run.
    Ingest(IngestArgs),
    /// Initial sync of a large catalog from a loopback server (its own process) into an empty
    /// cache, against raw rusqlite upserts of the same rows, with the sync's peak memory.
    Sync(SyncArgs),
    /// The catalog servers under load: DEVICES syncing a catalog of N products (a first sync,
    /// then every 200 ms) while an ingest changes a tenth of it, on SQLite, on PostgreSQL with one
    /// and two servers, and two behind nginx's cache: pages/s, page latency, errors, CPU.
    Serve(ServeArgs),
    /// A launch: open a cache of N products, build what ranking needs and compose the first
    /// home, against reading the same rows raw in the same run (target: 150 ms to the home).
    ColdStart(ColdStartArgs),
    /// A phone holding its segment's working set against one holding the whole catalog of N
    /// products (a server of its own): first-sync bytes, cache size, cold start to the first home,
    /// and for eight personas the overlap of their "for you" top 24 before and after five taps.
    WorkingSet(WorkingSetArgs),
}

#[derive(Args)]
pub struct WorkingSetArgs {
    #[arg(long, default_value_t = 100_000)]
    pub products: usize,
    /// The server's catalog file: built when empty, reused when not (a million products take
    /// minutes to build). A temporary one when absent.
    #[arg(long)]
    pub database: Option<PathBuf>,
    /// Products per shelf (the server's working set per segment).
    #[arg(long, default_value_t = moa_server::shelves::DEFAULT_SHELF_SIZE)]
    pub shelf_size: usize,
    /// The devices' cache budget.
    #[arg(long, default_value_t = 40)]
    pub budget_mb: u64,
    /// Launches per device for the cold start (the median is reported).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct ColdStartArgs {
    #[arg(long, default_value_t = 100_000)]
    pub products: usize,
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct SearchArgs {
    #[arg(long, default_value_t = 100_000)]
    pub products: usize,
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    #[arg(long)]
    pub json: bool,
}
#[derive(Args)]
pub struct ImagesArgs {
    #[arg(long)]
    pub dir: Option<PathBuf>,
    #[arg(long, default_value_t = 400)]
    pub width: u32,
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    #[arg(long)]
    pub json: bool,
}
#[derive(Args)]
pub struct IngestArgs {
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    #[arg(long)]
    pub json: bool,
}
#[derive(Args)]
pub struct SyncArgs {
    #[arg(long, default_value_t = 100_000)]
    pub products: usize,
    #[arg(long, default_value_t = DemoSpec::DEFAULT_SEED)]
    pub seed: u64,
    /// Changes per page.
    #[arg(long, default_value_t = 1000)]
    pub page_limit: u32,
    /// Runs of each side; the medians are reported.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct ServeArgs {
    #[arg(long, default_value_t = 100_000)]
    pub products: usize,
    #[arg(long, default_value_t = 200)]
    pub devices: usize,
    /// A PostgreSQL server to run the PostgreSQL configurations on (the bench makes a schema of
    /// its own there and drops it). Default: $MOA_TEST_POSTGRES; without either, SQLite only.
    #[arg(long)]
    pub postgres: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub async fn run(what: BenchCommand) -> CliResult {
    match what {
        BenchCommand::Search(a) => search(a).await,
        BenchCommand::Images(a) => images(a).await,
        BenchCommand::Ingest(a) => ingest(a).await,
        BenchCommand::Sync(a) => sync(a).await,
        BenchCommand::Serve(a) => serve(a).await,
        BenchCommand::ColdStart(a) => cold_start(a).await,
        BenchCommand::WorkingSet(a) => working_set(a).await,
    }
}

async fn sync(a: SyncArgs) -> CliResult {
    let SyncArgs { products, seed, page_limit, runs, json } = a;
    let result = crate::bench::sync::sync_bench(products, seed, page_limit, runs).await?;
    if json {
        print_json(&result);
    } else {
        println!(
            "initial sync of {} products, pages of {}, median of {} runs each",
            result.products, result.page_limit, result.runs
        );
        println!(
            "  moa sync (HTTP + checks + SQLite): {:>8.0} products/s  ({:.2} s, {} MB received)",
            result.sync_products_per_second,
            result.sync_seconds,
            result.bytes_received / 1_000_000
        );
        println!(
            "  baseline raw rusqlite upsert:      {:>8.0} rows/s      ({:.2} s)",
            result.baseline_rows_per_second, result.baseline_seconds
        );
        println!(
            "  ratio to baseline: {:.2}× (until the home feed is ready: {:.2}×; then {:.2} s of search indexing)   peak RSS during sync: {:.0} MB",
            result.ratio_to_baseline, result.ratio_until_home_ready, result.search_index_seconds, result.sync_peak_rss_mb
        );
    }
    Ok(())
}

async fn search(a: SearchArgs) -> CliResult {
    let SearchArgs { products, runs, json } = a;
    let result = off_the_runtime(move || crate::bench::search::search_bench(products, runs)).await?;
    if json {
        print_json(&result);
    } else {
        println!("search over {} cached products, median of {} runs per query", result.products, result.runs);
        for q in &result.queries {
            println!(
                "  {:<15} {:<28} {:>6} results  {:>7.2} ms{}",
                q.kind,
                format!("{:?}", q.query),
                q.results,
                q.moa_ms,
                q.like_scan_ms.map(|l| format!("   (LIKE scan {l:.2} ms)")).unwrap_or_default()
            );
        }
        println!(
            "  median {:.2} ms, slowest {:.2} ms; LIKE scan / moa = {:.2}×",
            result.median_ms, result.max_ms, result.ratio_to_like_scan
        );
    }
    Ok(())
}

async fn images(a: ImagesArgs) -> CliResult {
    let ImagesArgs { dir, width, runs, json } = a;
    let result = crate::bench::images::image_bench(dir.as_deref(), width, runs).await?;
    if json {
        print_json(&result);
    } else {
        for s in &result.sets {
            println!(
                "{}: {} photos to {} px, median of {} runs\n  moa:      {:>7.1} ms/photo\n  baseline: {:>7.1} ms/photo (image crate: full decode, Lanczos3, same JPEG quality)\n  speed-up {:.2}×, PSNR against the baseline's thumbnails: mean {:.1} dB, min {:.1} dB",
                s.set, s.photos, s.width, result.runs, s.moa_ms_per_photo, s.baseline_ms_per_photo, s.speedup, s.mean_psnr_db, s.min_psnr_db
            );
        }
        println!("cache hit (lookup + validation): {:.0} µs median", result.cache_hit_us);
    }
    Ok(())
}

async fn ingest(a: IngestArgs) -> CliResult {
    let IngestArgs { rows, runs, json } = a;
    let result = off_the_runtime(move || crate::bench::ingest::ingest_bench(rows, runs)).await?;
    if json {
        print_json(&result);
    } else {
        for f in &result.formats {
            println!(
                "{}: {} rows, {:.1} MB, median of {} runs\n  parse only:  {:>9.0} rows/s ({:.2} s)\n  + normalise: {:.2} s\n  import:      {:>9.0} rows/s ({:.2} s), {:.2}× parsing's throughput\n  re-import:   {:>9.0} rows/s ({:.2} s), {} unchanged",
                f.format,
                f.rows,
                f.bytes as f64 / 1e6,
                result.runs,
                f.parse_rows_per_second,
                f.parse_seconds,
                f.normalise_seconds,
                f.import_rows_per_second,
                f.import_seconds,
                f.import_to_parse_ratio,
                f.reimport_rows_per_second,
                f.reimport_seconds,
                f.unchanged_on_reimport
            );
        }
    }
    Ok(())
}

async fn serve(a: ServeArgs) -> CliResult {
    let postgres =
        a.postgres.or_else(|| std::env::var(moa_server::db::THROWAWAY_POSTGRES_ENV).ok()).filter(|u| !u.is_empty());
    let result = crate::bench::serve::serve_bench(a.products, a.devices, postgres.as_deref()).await?;
    if a.json {
        print_json(&result);
        return Ok(());
    }
    println!(
        "{} devices, {} products, pages of 500; an ingest changes {} products meanwhile",
        result.devices, result.products, result.changed
    );
    println!(
        "{:<36} {:>7} {:>8} {:>8} {:>8} {:>6}   CPU s: servers / database / nginx / devices, over wall s",
        "configuration", "pages", "pages/s", "p50 ms", "p99 ms", "errors"
    );
    for r in &result.runs {
        println!(
            "{:<36} {:>7} {:>8.0} {:>8.0} {:>8.0} {:>6}   {:.1} / {:.1} / {:.1} / {:.1} over {:.1} (ingest {:.1})",
            r.configuration,
            r.pages,
            r.pages_per_second,
            r.p50_page_ms,
            r.p99_page_ms,
            r.errors,
            r.servers_cpu_seconds,
            r.database_cpu_seconds,
            r.proxy_cpu_seconds,
            r.devices_cpu_seconds,
            r.wall_seconds,
            r.ingest_seconds
        );
    }
    if postgres.is_none() {
        println!("(no --postgres and no $MOA_TEST_POSTGRES: the PostgreSQL configurations were skipped)");
    }
    if result.runs.iter().any(|r| r.errors > 0) {
        return Err("some pages failed".into());
    }
    Ok(())
}

async fn cold_start(a: ColdStartArgs) -> CliResult {
    let ColdStartArgs { products, runs, json } = a;
    let r = off_the_runtime(move || crate::bench::cold_start::cold_start_bench(products, runs)).await?;
    if json {
        print_json(&r);
        return Ok(());
    }
    println!("a launch over a cache of {} products ({:.0} MB), median of {} runs", r.products, r.cache_file_mb, r.runs);
    println!("  open the cache:           {:>8.1} ms", r.open_ms);
    println!("  the first home:           {:>8.1} ms  (the ranking index built, the home composed)", r.first_home_ms);
    println!("  launch to the first home: {:>8.1} ms  (target 150 ms)", r.to_first_home_ms);
    println!("  baseline, every row raw:  {:>8.1} ms", r.raw_read_ms);
    println!(
        "  ratio to the baseline: {:.2}×   memory the first launch added: {:.0} MB",
        r.ratio_to_raw_read, r.rss_growth_mb
    );
    Ok(())
}

/// A bench that blocks (SQLite, CPU work) runs on the blocking pool, not on a runtime worker.
async fn off_the_runtime<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(work).await.map_err(|e| e.to_string())?
}

async fn working_set(a: WorkingSetArgs) -> CliResult {
    let WorkingSetArgs { products, database, shelf_size, budget_mb, runs, json } = a;
    let spec = crate::bench::working_set::WorkingSetSpec { products, database, shelf_size, budget_mb, runs };
    let r = crate::bench::working_set::working_set_bench(spec).await?;
    if json {
        print_json(&r);
        return Ok(());
    }
    println!(
        "working sets of {} products (budget {} MB) against the whole catalog of {} products",
        r.shelf_size, r.budget_mb, r.products
    );
    let w = &r.whole;
    println!(
        "  whole catalog:  first sync {:>7.1} MB in {:>5.1} s; {:>8} products, cache {:>7.1} MB; cold start {:>6.0} ms",
        w.first_sync_mb, w.first_sync_s, w.products_held, w.cache_mb, w.cold_start_ms
    );
    for p in &r.personas {
        let d = &p.device;
        println!(
            "  {:<34} first sync {:>5.1} MB, cache {:>5.1} MB, cold start {:>4.0} ms; for you top 24 shown {:>3.0} % held {:>3.0} % (after 5 taps {:>3.0} % / {:>3.0} %), home {:>3.0} % ({:>3.0} %); in style {:>3.0} % (whole {:>3.0} %)",
            p.persona,
            d.first_sync_mb,
            d.cache_mb,
            d.cold_start_ms,
            p.top_overlap * 100.0,
            p.top_held * 100.0,
            p.top_overlap_after_taps * 100.0,
            p.top_held_after_taps * 100.0,
            p.home_overlap * 100.0,
            p.home_overlap_after_taps * 100.0,
            p.in_style * 100.0,
            p.whole_in_style * 100.0
        );
    }
    println!(
        "  median working set: first sync {:.1} MB ({:.3}× the whole), cache {:.1} MB, cold start {:.0} ms ({:.3}× the whole); for you top 24 shown {:.0} % held {:.0} % (after taps {:.0} % / {:.0} %), home {:.0} % ({:.0} %)",
        r.median_first_sync_mb,
        r.median_first_sync_mb / w.first_sync_mb,
        r.median_cache_mb,
        r.median_cold_start_ms,
        r.median_cold_start_ms / w.cold_start_ms,
        r.median_top_overlap * 100.0,
        r.median_top_held * 100.0,
        r.median_top_overlap_after_taps * 100.0,
        r.median_top_held_after_taps * 100.0,
        r.median_home_overlap * 100.0,
        r.median_home_overlap_after_taps * 100.0
    );
    Ok(())
}
