//! `moa`: Moa's desktop front door — the demo, the reference server, sync, the feed, the malls'
//! registry, benchmarks and replays. One file per command in `commands/`.

mod bench;
mod commands;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use commands::bench::BenchCommand;
use commands::mall::MallCommand;
use commands::{demo, feed, ingest, preview, replay, serve, shelves, stats, sync};
use output::CliResult;

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
    Demo(demo::DemoArgs),
    /// Run the reference catalog server. Prints the URL it listens on as its first line.
    Serve(serve::ServeArgs),
    /// Sync a server's catalog into a local cache (the database file is created if missing).
    Sync(sync::SyncArgs),
    /// A mall's statistics per day (impressions, views, dwell, 찜, click-outs, quick returns,
    /// rescue sheets, purchases), read with the mall's own key.
    Stats(stats::StatsArgs),
    /// Read a partner mall's catalog feed (a file or an http(s) URL) into a server catalog
    /// database, as exactly the changes since the last import.
    ///
    /// Formats: shopify-products, shopify-admin, shopify-csv, merchant-xml, merchant-tsv, naver-ep,
    /// naver-ep-summary, cafe24. The mall must be registered first (moa mall add). Serve the
    /// result with `moa serve --db`.
    Ingest(ingest::IngestArgs),
    /// A QA page on 127.0.0.1 rendering the core's home feed, product sheet and search over the
    /// demo world, with real thumbnails, a persona switcher and event buttons. Not the app.
    Preview(preview::PreviewArgs),
    /// Choose every segment's working set again (the products a phone of the segment holds)
    /// from a server catalog database; devices following a shelf get the moves at their next sync.
    Shelves(shelves::ShelvesArgs),
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
    Replay(replay::ReplayArgs),
    /// Print the home feed composed from a local cache, offline.
    Feed(feed::FeedArgs),
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

async fn run(command: Command) -> CliResult {
    match command {
        Command::Demo(a) => demo::run(a).await,
        Command::Serve(a) => serve::run(a).await,
        Command::Sync(a) => sync::run(a).await,
        Command::Stats(a) => stats::run(a).await,
        Command::Ingest(a) => ingest::run(a).await,
        Command::Preview(a) => preview::run(a).await,
        Command::Mall { what } => commands::mall::run(what),
        Command::Shelves(a) => shelves::run(a),
        Command::Bench { what } => commands::bench::run(what).await,
        Command::Replay(a) => replay::run(a),
        Command::Feed(a) => feed::run(a).await,
    }
}
