//! `moa sync`: a server's catalog into a local cache, with progress, cancellable by Ctrl-C.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use moa_core::{CancellationToken, Moa, MoaConfig, SyncOptions};

use crate::output::CliResult;
use crate::output::{print_json, print_sync_report, report_recovery, SyncProgressView};

/// Sync a server's catalog into a local cache (the database file is created if missing).
#[derive(Args)]
pub struct SyncArgs {
    /// The server's base URL, e.g. http://127.0.0.1:8080
    #[arg(long)]
    pub server: String,
    /// The cache database file.
    #[arg(long)]
    pub db: PathBuf,
    /// Changes per page (1–1000); the server's default when absent.
    #[arg(long)]
    pub page_limit: Option<u32>,
    /// Print the sync report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Hold the working set of the cache's shopper segment (the server's shelf), not the whole
    /// catalog.
    #[arg(long)]
    pub working_set: bool,
    /// Keep the cache under this many megabytes, evicting what the shopper is least likely to
    /// need (never the wishlist's, the followed malls' or viewed products).
    #[arg(long, value_name = "MB")]
    pub budget_mb: Option<u64>,
}

pub async fn run(a: SyncArgs) -> CliResult {
    let SyncArgs { server, db, page_limit, json, working_set, budget_mb } = a;
    let mut config = MoaConfig::with_database(&db).server(server).working_set(working_set);
    config.cache_budget_bytes = budget_mb.map(|mb| mb * 1024 * 1024);
    let moa = Moa::open(config).map_err(|e| e.to_string())?;
    report_recovery(&moa);
    // Ctrl-C cancels cleanly: the page being written is finished, the cursor kept.
    let cancel = CancellationToken::new();
    let on_signal = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_signal.cancel();
        }
    });
    let progress = Arc::new(SyncProgressView::new());
    let options = SyncOptions { page_limit, listener: Some(progress.clone()), cancel: Some(cancel) };
    let report = moa.sync_with(options).await;
    progress.finish();
    let report = report.map_err(|e| format!("sync failed: {e}"))?;
    if json {
        print_json(&report);
    } else {
        print_sync_report(&report);
    }
    Ok(())
}
