//! `moa demo`: a demo server on loopback, synced into a local cache, and the home feed printed.

use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use moa_core::{Moa, MoaConfig};
use moa_server::{DemoSpec, RunningServer};

use crate::output::CliResult;
use crate::output::{print_feed, print_json, took, unix_now};

/// Start a demo server on 127.0.0.1, sync its catalog into a local cache and print the home feed.
///
/// Everything runs on this machine: the server is in-process on a free loopback port.
#[derive(Args)]
pub struct DemoArgs {
    /// How many demo products to generate.
    #[arg(long, default_value_t = DemoSpec::DEFAULT_PRODUCTS)]
    pub products: usize,
    /// Seed of the demo world; the same seed gives the same world.
    #[arg(long, default_value_t = DemoSpec::DEFAULT_SEED)]
    pub seed: u64,
    /// Keep the cache in this directory (default: a temporary one, removed at exit).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Language of the feed: ko or en.
    #[arg(long, default_value = "ko")]
    pub locale: String,
    /// Print the feed as JSON (see docs/CLI.md) instead of text.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(a: DemoArgs) -> CliResult {
    demo(a.products, a.seed, a.data_dir, &a.locale, a.json).await
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
        print_json(&page);
    } else {
        println!();
        print_feed(&page);
    }
    Ok(())
}
