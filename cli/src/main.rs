//! `moa`: the desktop front door to Moa for developers and QA. Every command goes through the
//! same core calls the apps make; nothing here decides what a shopper sees.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

mod bench;
mod bench_images;
mod bench_ingest;
mod bench_search;
mod ingest;
mod preview;
mod replay;

use clap::{Parser, Subcommand};
use moa_core::{CancellationToken, FeedPage, Moa, MoaConfig, SyncListener, SyncOptions, SyncProgress, SyncReport};
use moa_server::{CatalogDb, DemoSpec, FaultPlan, RunningServer};

#[derive(Parser)]
#[command(
    name = "moa",
    version,
    about = "Moa — a fashion mall aggregator: demo, reference server, sync and feed from the desktop"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start a demo server on 127.0.0.1, sync its catalog into a local cache and print the home feed.
    ///
    /// Everything runs on this machine: the server is in-process on a free loopback port.
    Demo {
        /// How many demo products to generate.
        #[arg(long, default_value_t = DemoSpec::DEFAULT_PRODUCTS)]
        products: usize,
        /// Seed of the demo world; the same seed gives the same world.
        #[arg(long, default_value_t = DemoSpec::DEFAULT_SEED)]
        seed: u64,
        /// Keep the cache in this directory (default: a temporary one, removed at exit).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Language of the feed: ko or en.
        #[arg(long, default_value = "ko")]
        locale: String,
        /// Print the feed as JSON (see docs/CLI.md) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run the reference catalog server. Prints the URL it listens on as its first line.
    Serve {
        /// Serve a generated demo world (in memory).
        #[arg(long)]
        demo: bool,
        /// With --demo: how many products to generate.
        #[arg(long, default_value_t = DemoSpec::DEFAULT_PRODUCTS)]
        products: usize,
        /// With --demo: seed of the demo world.
        #[arg(long, default_value_t = DemoSpec::DEFAULT_SEED)]
        seed: u64,
        /// With --demo: the time (Unix seconds) the world is built at, so that tests pinning
        /// their clock to it see the same new arrivals and sale ends on any date. Default: now.
        #[arg(long, requires = "demo")]
        now: Option<i64>,
        /// Serve the catalog kept in this SQLite file (the server's own database).
        #[arg(long, conflicts_with = "demo")]
        db: Option<PathBuf>,
        /// Port to listen on; 0 picks a free one.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Address to bind. Loopback by default: the server has no authentication yet.
        #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
        bind: IpAddr,
        /// Misbehave on purpose, for resilience tests: e.g. "500@0.2,429:2@req=3,cut@req=5".
        /// Rules are KIND[:ARG]@TRIGGER[@TARGET]; see docs/CLI.md for the list.
        #[arg(long)]
        faults: Option<String>,
    },
    /// Sync a server's catalog into a local cache (the database file is created if missing).
    Sync {
        /// The server's base URL, e.g. http://127.0.0.1:8080
        #[arg(long)]
        server: String,
        /// The cache database file.
        #[arg(long)]
        db: PathBuf,
        /// Changes per page (1–1000); the server's default when absent.
        #[arg(long)]
        page_limit: Option<u32>,
        /// Print the sync report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// A mall's statistics per day (impressions, views, dwell, 찜, click-outs, quick returns,
    /// rescue sheets, purchases), read with the mall's own key.
    Stats {
        /// The server's base URL.
        #[arg(long)]
        server: String,
        /// The mall's id.
        #[arg(long)]
        mall: String,
        /// The mall's key (the demo world's is "demo-key-{mall}").
        #[arg(long)]
        key: String,
        /// Print the statistics as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Read a partner mall's catalog feed (a file or an http(s) URL) into a server catalog
    /// database, as exactly the changes since the last import.
    ///
    /// Formats: shopify-products, shopify-admin, shopify-csv, merchant-xml, merchant-tsv, naver-ep,
    /// naver-ep-summary, cafe24. The mall must be registered first (moa mall add). Serve the
    /// result with `moa serve --db`.
    Ingest {
        /// The server's catalog database.
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        mall: String,
        #[arg(long)]
        format: String,
        /// A file, or an http(s) URL.
        source: String,
        /// Refuse feeds larger than this many MB.
        #[arg(long, default_value_t = 256)]
        max_mb: u64,
        /// Refuse feeds of more rows than this.
        #[arg(long, default_value_t = 1_000_000)]
        max_rows: usize,
        /// Print the report (every skipped row with its reason) as JSON.
        #[arg(long)]
        json: bool,
        /// Do not fetch the products' photos to hash them (no same-item grouping for new or
        /// changed photos; hashes already known are kept).
        #[arg(long)]
        no_photos: bool,
    },
    /// A QA page on 127.0.0.1 rendering the core's home feed, product sheet and search over the
    /// demo world, with real thumbnails, a persona switcher and event buttons. Not the app.
    Preview {
        #[arg(long, default_value_t = 3000)]
        products: usize,
        #[arg(long, default_value_t = DemoSpec::DEFAULT_SEED)]
        seed: u64,
        /// 0 picks a free port; the first line printed is the URL.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Keep the cache here (a temporary directory otherwise).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// The registry of partner malls: who they are and how to read their feeds.
    Mall {
        #[command(subcommand)]
        what: MallCommand,
    },
    /// Measure Moa against baselines run alongside; figures go to docs/BENCHMARKS.md.
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
    },
    /// Rank recorded sessions with the feed's behaviour model, for QA and offline evaluation.
    ///
    /// Learns from population sessions, then writes for each test case the top-K products the
    /// ranker would show next (JSON Lines). With targets in the cases, prints HR@K and MRR@K.
    /// Formats: docs/RANKING.md.
    Replay {
        /// Population sessions to learn from (JSON Lines, or TSV "index<TAB>items").
        #[arg(long)]
        sessions: PathBuf,
        /// Test cases: session prefixes (JSON Lines with optional "next", or TSV "prefix<TAB>next").
        #[arg(long)]
        cases: PathBuf,
        /// How many products to rank per case.
        #[arg(long, default_value_t = 20)]
        top: usize,
        /// Where to write the rankings (JSON Lines); not written when absent.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the metrics as JSON.
        #[arg(long)]
        json: bool,
        /// Override model parameters, e.g. "k=100,sample=1000,position=2" (docs/RANKING.md).
        #[arg(long, default_value = "")]
        knn: String,
    },
    /// Print the home feed composed from a local cache, offline.
    Feed {
        /// The cache database file (from `moa sync`).
        #[arg(long)]
        db: PathBuf,
        /// Language of the feed: ko or en.
        #[arg(long, default_value = "ko")]
        locale: String,
        /// Print the feed as JSON (see docs/CLI.md).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run
enum MallCommand {
    /// Register a mall (or update it): from a JSON profile (--file) or from flags.
    Add {
        #[arg(long)]
        db: PathBuf,
        /// A JSON mall profile (docs/INGEST.md).
        #[arg(long, conflicts_with_all = ["id", "name", "platform", "homepage"])]
        file: Option<PathBuf>,
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        name: Option<String>,
        /// cafe24, smartstore or shopify.
        #[arg(long)]
        platform: Option<String>,
        /// https://…
        #[arg(long)]
        homepage: Option<String>,
        /// More hosts product links may point at (repeatable).
        #[arg(long = "host")]
        hosts: Vec<String>,
        #[arg(long, default_value = "KRW")]
        currency: String,
        #[arg(long, default_value = "women")]
        gender: String,
        /// The mall's styles (repeatable): lovely, simple_basic, office_look, casual, street, …
        #[arg(long = "style")]
        styles: Vec<String>,
        /// Age bands (repeatable): teens, early_20s, …
        #[arg(long = "age")]
        ages: Vec<String>,
        /// Where products of unknown category go (else they are skipped and reported).
        #[arg(long)]
        default_category: Option<String>,
        /// The mall's word for a category: WORD=CATEGORY, e.g. 원피스=dress or 24=top (repeatable).
        #[arg(long = "category-map")]
        category_map: Vec<String>,
    },
    /// List the registered malls.
    List {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Search queries over a cache of N products against a plain LIKE scan.
    Search {
        #[arg(long, default_value_t = 100_000)]
        products: usize,
        #[arg(long, default_value_t = 5)]
        runs: usize,
        #[arg(long)]
        json: bool,
    },
    /// Thumbnails of real photos (--dir) and generated ones against the plain `image` pipeline,
    /// with PSNR against its output; the cache's hit latency.
    Images {
        #[arg(long)]
        dir: Option<PathBuf>,
        #[arg(long, default_value_t = 400)]
        width: u32,
        #[arg(long, default_value_t = 3)]
        runs: usize,
        #[arg(long)]
        json: bool,
    },
    /// Import a generated Naver EP file and Merchant XML feed of ROWS rows into a fresh catalog
    /// database: rows/s, and the ratio to parsing alone in the same run.
    Ingest {
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        #[arg(long, default_value_t = 3)]
        runs: usize,
        #[arg(long)]
        json: bool,
    },
    /// Initial sync of a large catalog from a loopback server (its own process) into an empty
    /// cache, against raw rusqlite upserts of the same rows, with the sync's peak memory.
    Sync {
        #[arg(long, default_value_t = 100_000)]
        products: usize,
        #[arg(long, default_value_t = DemoSpec::DEFAULT_SEED)]
        seed: u64,
        /// Changes per page.
        #[arg(long, default_value_t = 1000)]
        page_limit: u32,
        /// Runs of each side; the medians are reported.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("moa: {message}");
            ExitCode::FAILURE
        }
    }
}

type CliResult = Result<(), String>;

async fn run(command: Command) -> CliResult {
    match command {
        Command::Demo { products, seed, data_dir, locale, json } => demo(products, seed, data_dir, &locale, json).await,
        Command::Serve { demo, products, seed, now, db, port, bind, faults } => {
            let faults =
                faults.map(|spec| spec.parse::<FaultPlan>().map(Arc::new)).transpose().map_err(|e| e.to_string())?;
            serve(demo, products, seed, now.unwrap_or_else(unix_now), db, SocketAddr::new(bind, port), faults).await
        }
        Command::Sync { server, db, page_limit, json } => {
            let moa = Moa::open(MoaConfig::with_database(&db).server(server)).map_err(|e| e.to_string())?;
            report_recovery(&moa);
            // Ctrl-C cancels cleanly: the page being written is finished, the cursor kept.
            let cancel = CancellationToken::new();
            let on_signal = cancel.clone();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    on_signal.cancel();
                }
            });
            let options = SyncOptions {
                page_limit,
                listener: Some(Arc::new(ProgressLine { started: Instant::now() })),
                cancel: Some(cancel),
            };
            let report = moa.sync_with(options).await.map_err(|e| format!("sync failed: {e}"))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report).expect("report serialises"));
            } else {
                print_sync_report(&report);
            }
            Ok(())
        }
        Command::Bench { what: BenchCommand::Sync { products, seed, page_limit, runs, json } } => {
            let result = bench::sync_bench(products, seed, page_limit, runs).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&result).expect("figures serialise"));
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
        Command::Stats { server, mall, key, json } => mall_stats(&server, &mall, &key, json).await,
        Command::Bench { what: BenchCommand::Search { products, runs, json } } => {
            let result = tokio::task::spawn_blocking(move || bench_search::search_bench(products, runs))
                .await
                .map_err(|e| e.to_string())??;
            if json {
                println!("{}", serde_json::to_string_pretty(&result).expect("figures serialise"));
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
        Command::Bench { what: BenchCommand::Images { dir, width, runs, json } } => {
            let result = bench_images::image_bench(dir.as_deref(), width, runs).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&result).expect("figures serialise"));
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
        Command::Bench { what: BenchCommand::Ingest { rows, runs, json } } => {
            let result = tokio::task::spawn_blocking(move || bench_ingest::ingest_bench(rows, runs))
                .await
                .map_err(|e| e.to_string())??;
            if json {
                println!("{}", serde_json::to_string_pretty(&result).expect("figures serialise"));
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
        Command::Ingest { db, mall, format, source, max_mb, max_rows, json, no_photos } => {
            let limits = moa_server::ingest::Limits { max_bytes: max_mb * 1024 * 1024, max_rows };
            ingest::ingest_command(&db, &mall, &format, &source, limits, json, !no_photos).await
        }
        Command::Mall { what: MallCommand::List { db, json } } => ingest::mall_list(&db, json),
        Command::Preview { products, seed, port, data_dir } => preview::preview(products, seed, port, data_dir).await,
        Command::Mall {
            what:
                MallCommand::Add {
                    db,
                    file,
                    id,
                    name,
                    platform,
                    homepage,
                    hosts,
                    currency,
                    gender,
                    styles,
                    ages,
                    default_category,
                    category_map,
                },
        } => ingest::mall_add(
            &db,
            file.as_deref(),
            id,
            name,
            platform,
            homepage,
            hosts,
            currency,
            gender,
            styles,
            ages,
            default_category,
            category_map,
        ),
        Command::Replay { sessions, cases, top, out, json, knn } => {
            let params = moa_core::rank::session_knn::KnnParams::default().with_overrides(&knn)?;
            replay(&sessions, &cases, top, out.as_deref(), json, params)
        }
        Command::Feed { db, locale, json } => {
            if !db.exists() {
                return Err(format!("no cache at {} — run `moa sync` first", db.display()));
            }
            let moa = Moa::open(MoaConfig::with_database(&db).locale(locale)).map_err(|e| e.to_string())?;
            report_recovery(&moa);
            let page = moa.home_feed().map_err(|e| e.to_string())?;
            if json {
                println!("{}", serde_json::to_string_pretty(&page).expect("feed serialises"));
            } else {
                print_feed(&page);
            }
            Ok(())
        }
    }
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

async fn demo(products: usize, seed: u64, data_dir: Option<PathBuf>, locale: &str, json: bool) -> CliResult {
    // Progress goes to stderr when stdout carries JSON, so scripts can parse stdout as is.
    let step = |line: String| if json { eprintln!("{line}") } else { println!("{line}") };

    let started = Instant::now();
    let (catalog, world) =
        moa_server::demo_catalog(DemoSpec { seed, products, now: unix_now() }).map_err(|e| e.to_string())?;
    step(format!("demo world: {} products from {} malls {}", world.products.len(), world.malls.len(), took(started)));

    let started = Instant::now();
    let server =
        RunningServer::start(catalog, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.map_err(|e| e.to_string())?;
    step(format!("server listening on {} {}", server.url, took(started)));

    let temp;
    let dir = match data_dir {
        Some(dir) => dir,
        None => {
            temp = tempfile::tempdir().map_err(|e| e.to_string())?;
            temp.path().to_path_buf()
        }
    };
    let started = Instant::now();
    let moa = Moa::open(MoaConfig::new(&dir).server(&server.url).locale(locale)).map_err(|e| e.to_string())?;
    step(format!("cache opened at {} {}", moa.config().database_path().display(), took(started)));

    let started = Instant::now();
    let report = moa.sync().await.map_err(|e| format!("sync failed: {e}"))?;
    step(format!(
        "synced {} products in {} pages ({} skipped) {}",
        report.upserted,
        report.pages,
        report.skipped.len(),
        took(started)
    ));
    server.shutdown().await;

    // From here on everything is offline: the feed comes from the cache alone.
    let started = Instant::now();
    let page = moa.home_feed().map_err(|e| e.to_string())?;
    let cards: Vec<_> = page.sections.iter().flat_map(|s| &s.cards).collect();
    let malls: HashSet<&str> = cards.iter().map(|c| c.mall_id.as_str()).collect();
    step(format!(
        "home feed: {} sections, {} cards from {} malls {}",
        page.sections.len(),
        cards.len(),
        malls.len(),
        took(started)
    ));
    if json {
        println!("{}", serde_json::to_string_pretty(&page).expect("feed serialises"));
    } else {
        println!();
        print_feed(&page);
    }
    Ok(())
}

async fn serve(
    demo: bool,
    products: usize,
    seed: u64,
    now: i64,
    db: Option<PathBuf>,
    addr: SocketAddr,
    faults: Option<Arc<FaultPlan>>,
) -> CliResult {
    let catalog = if demo {
        moa_server::demo_catalog(DemoSpec { seed, products, now }).map_err(|e| e.to_string())?.0
    } else if let Some(db) = db {
        Arc::new(CatalogDb::open(Some(&db)).map_err(|e| e.to_string())?)
    } else {
        return Err("nothing to serve: pass --demo, or --db with a catalog database".into());
    };
    // A demo world is a QA world: its controls let tests and QA play the malls.
    let options = moa_server::ServerOptions { faults, demo_controls: demo };
    let server =
        RunningServer::start_with(catalog, addr, options).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    // The first line is the URL, so scripts and tests can read where to connect.
    println!("{}", server.url);
    eprintln!("moa-server: serving the catalog; Ctrl-C to stop");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = server.wait() => {}
    }
    Ok(())
}

async fn mall_stats(server: &str, mall: &str, key: &str, json: bool) -> CliResult {
    let url = format!("{}/v1/malls/{mall}/stats", server.trim_end_matches('/'));
    let response =
        reqwest::Client::new().get(&url).bearer_auth(key).send().await.map_err(|e| format!("{server}: {e}"))?;
    match response.status().as_u16() {
        200 => {}
        401 => return Err("the key was not accepted".into()),
        403 => return Err(format!("this key is not {mall}'s")),
        status => return Err(format!("the server answered {status}")),
    }
    let stats: moa_core::wire::MallStats = response.json().await.map_err(|e| e.to_string())?;
    if json {
        println!("{}", serde_json::to_string_pretty(&stats).expect("stats serialise"));
        return Ok(());
    }
    println!(
        "{:<10} {:>7} {:>6} {:>8} {:>4} {:>6} {:>6} {:>6} {:>6} {:>5}",
        "day", "shown", "views", "dwell s", "찜", "out", "quick", "rescue", "tapped", "buys"
    );
    for d in &stats.days {
        println!(
            "{:<10} {:>7} {:>6} {:>8} {:>4} {:>6} {:>6} {:>6} {:>6} {:>5}",
            d.day,
            d.impressions,
            d.product_views,
            d.dwell_ms / 1000,
            d.wishlist_adds,
            d.click_outs,
            d.quick_returns,
            d.rescue_shown,
            d.rescue_tapped,
            d.purchases
        );
        if d.reported_purchases > 0 {
            println!(
                "{:>10} {} reported, {}",
                "",
                d.reported_purchases,
                moa_core::model::Money::krw(d.reported_amount).display()
            );
        }
    }
    Ok(())
}

fn replay(
    sessions: &std::path::Path,
    cases: &std::path::Path,
    top: usize,
    out: Option<&std::path::Path>,
    json: bool,
    params: moa_core::rank::session_knn::KnnParams,
) -> CliResult {
    use crate::replay;
    let open = |path: &std::path::Path| {
        std::fs::File::open(path).map(std::io::BufReader::new).map_err(|e| format!("{}: {e}", path.display()))
    };
    let started = Instant::now();
    let (population, skipped, problem) = replay::read_records(open(sessions)?, false).map_err(|e| e.to_string())?;
    if let Some(problem) = problem {
        eprintln!("moa: skipped {skipped} unreadable sessions (first: {problem})");
    }
    let (cases, skipped, problem) = replay::read_records(open(cases)?, true).map_err(|e| e.to_string())?;
    if let Some(problem) = problem {
        eprintln!("moa: skipped {skipped} unreadable cases (first: {problem})");
    }
    let model = replay::BehaviourModel::learn(&population, params);
    let learned = started.elapsed();
    let started = Instant::now();
    let sink: Box<dyn std::io::Write> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?,
        )),
        None => Box::new(std::io::sink()),
    };
    let metrics = replay::run(&model, &cases, top, sink).map_err(|e| e.to_string())?;
    let ranked = started.elapsed();
    let rss = bench::peak_rss_mb();
    if json {
        let figures = serde_json::json!({
            "sessions": population.len(), "products": model.vocabulary.len(), "cases": cases.len(),
            "judged": metrics.cases, "top": top, "hit_rate": metrics.hit_rate, "mrr": metrics.mrr,
            "learn_seconds": learned.as_secs_f64(), "rank_seconds": ranked.as_secs_f64(), "peak_rss_mb": rss,
        });
        println!("{}", serde_json::to_string_pretty(&figures).expect("figures serialise"));
    } else {
        println!(
            "learned from {} sessions over {} products ({:.2} s); ranked {} cases ({:.2} s); peak RSS {:.0} MB",
            population.len(),
            model.vocabulary.len(),
            learned.as_secs_f64(),
            cases.len(),
            ranked.as_secs_f64(),
            rss
        );
        if metrics.cases > 0 {
            println!("HR@{top} {:.4}   MRR@{top} {:.4}   over {} cases", metrics.hit_rate, metrics.mrr, metrics.cases);
        }
    }
    Ok(())
}

/// Sync progress on standard error, so that standard output stays clean for --json.
struct ProgressLine {
    started: Instant,
}

impl SyncListener for ProgressLine {
    fn on_progress(&self, p: SyncProgress) {
        eprintln!(
            "  page {:>4}: {} products, {} skipped, {} KB, cursor {} {}",
            p.pages,
            p.products,
            p.skipped,
            p.bytes / 1024,
            p.cursor,
            took(self.started)
        );
    }
}

/// Say so when the cache had to be rebuilt, and what of the shopper's data was kept.
fn report_recovery(moa: &Moa) {
    if let Some(r) = moa.recovery() {
        eprintln!(
            "moa: the cache was unreadable ({}); moved to {} and started fresh, keeping {} wishlist items, {} followed malls, {} settings",
            r.reason,
            r.moved_to.display(),
            r.salvaged_wishlist,
            r.salvaged_followed_malls,
            r.salvaged_settings
        );
    }
}

fn took(since: Instant) -> String {
    let d: Duration = since.elapsed();
    if d.as_secs() >= 1 {
        format!("({:.2} s)", d.as_secs_f64())
    } else {
        format!("({} ms)", d.as_millis())
    }
}

fn print_sync_report(report: &SyncReport) {
    println!(
        "synced: {} upserted, {} deleted, {} skipped in {} pages ({} retries); cursor {} → {}; {} products cached; {} malls ({} ms)",
        report.upserted,
        report.deleted,
        report.skipped.len(),
        report.pages,
        report.retries,
        report.cursor_before,
        report.cursor_after,
        report.products_in_cache,
        report.malls,
        report.took.as_millis()
    );
    for s in &report.skipped {
        println!(
            "  skipped {} (seq {}): {}",
            s.product_id.as_deref().unwrap_or("?"),
            s.seq.map(|n| n.to_string()).unwrap_or("?".into()),
            s.reason
        );
    }
}

fn print_feed(page: &FeedPage) {
    for section in &page.sections {
        println!(
            "━━ {} ({}) ━━",
            section.title,
            serde_json::to_value(section.layout).expect("layout").as_str().unwrap_or("")
        );
        for (i, card) in section.cards.iter().enumerate() {
            let price = match (card.original_price, card.discount_percent) {
                (Some(original), Some(pct)) => {
                    format!(
                        "{} (was {}, -{pct}%)",
                        card.price_text,
                        moa_core::model::Money { amount: original, currency: card.currency.clone() }.display()
                    )
                }
                _ => card.price_text.clone(),
            };
            println!("{:>3}. [{}] {} · {} — {}", i + 1, card.mall_name, card.title, price, card.reason);
        }
        for (i, mall) in section.malls.iter().enumerate() {
            println!("{:>3}. {} ({}) — {}", i + 1, mall.name, mall.styles.join(", "), mall.reason);
        }
        println!();
    }
}
