//! `moa feed`: the home feed composed from a local cache, offline.

use std::path::PathBuf;

use clap::Args;
use moa_core::{Moa, MoaConfig};

use crate::output::CliResult;
use crate::output::{print_feed, print_json, report_recovery};

/// Print the home feed composed from a local cache, offline.
#[derive(Args)]
pub struct FeedArgs {
    /// The cache database file (from `moa sync`).
    #[arg(long)]
    pub db: PathBuf,
    /// Language of the feed: ko or en.
    #[arg(long, default_value = "ko")]
    pub locale: String,
    /// Print the feed as JSON (see docs/CLI.md).
    #[arg(long)]
    pub json: bool,
}

pub async fn run(a: FeedArgs) -> CliResult {
    let FeedArgs { db, locale, json } = a;
    if !db.exists() {
        return Err(format!("no cache at {} — run `moa sync` first", db.display()));
    }
    let moa = Moa::open(MoaConfig::with_database(&db).locale(locale)).map_err(|e| e.to_string())?;
    report_recovery(&moa);
    let page = moa.home_feed().map_err(|e| e.to_string())?;
    if json {
        print_json(&page);
    } else {
        print_feed(&page);
    }
    Ok(())
}
