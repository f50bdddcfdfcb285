//! `moa ingest` and `moa mall`: partner malls' feeds into a server catalog, and the registry of
//! malls that says how to read them.

use std::time::Duration;

use moa_server::ingest::{self, Format, Limits};
use moa_server::CatalogDb;

use crate::output::{long_step, long_step_async, unix_now};

fn open(db: &str) -> Result<CatalogDb, String> {
    CatalogDb::open_at(db).map_err(|e| format!("{db}: {e}"))
}

/// The feed's bytes, from a file or an http(s) URL, within the size limit.
async fn fetch(source: &str, limits: Limits) -> Result<Vec<u8>, String> {
    if source.starts_with("https://") || source.starts_with("http://") {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("moa-ingest/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        let response = client.get(source).send().await.map_err(|e| format!("{source}: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("{source}: the server answered {}", response.status()));
        }
        if response.content_length().is_some_and(|n| n > limits.max_bytes) {
            return Err(format!("{source}: larger than {} bytes", limits.max_bytes));
        }
        let bytes = response.bytes().await.map_err(|e| format!("{source}: {e}"))?;
        Ok(bytes.to_vec())
    } else {
        let size = std::fs::metadata(source).map_err(|e| format!("{source}: {e}"))?.len();
        if size > limits.max_bytes {
            return Err(format!("{source}: {size} bytes, larger than {}", limits.max_bytes));
        }
        std::fs::read(source).map_err(|e| format!("{source}: {e}"))
    }
}

#[derive(clap::Args)]
pub struct IngestArgs {
    /// The server's catalog: a SQLite file, or a `postgres://` URL.
    #[arg(long = "database", visible_alias = "db")]
    pub db: String,
    #[arg(long)]
    pub mall: String,
    #[arg(long)]
    pub format: String,
    /// A file, or an http(s) URL.
    pub source: String,
    /// Refuse feeds larger than this many MB.
    #[arg(long, default_value_t = 256)]
    pub max_mb: u64,
    /// Refuse feeds of more rows than this.
    #[arg(long, default_value_t = 1_000_000)]
    pub max_rows: usize,
    /// Print the report (every skipped row with its reason) as JSON.
    #[arg(long)]
    pub json: bool,
    /// Do not fetch the products' photos to hash them (no same-item grouping for new or
    /// changed photos; hashes already known are kept).
    #[arg(long)]
    pub no_photos: bool,
    /// Fetch photos from private and loopback addresses too: for tests and local demos only
    /// (a feed must not make the server reach into its own network).
    #[arg(long)]
    pub allow_private_photos: bool,
}

pub async fn run(a: IngestArgs) -> Result<(), String> {
    let limits = Limits { max_bytes: a.max_mb * 1024 * 1024, max_rows: a.max_rows };
    let photos = (!a.no_photos)
        .then_some(ingest::PhotoOptions { allow_private: a.allow_private_photos, ..ingest::PhotoOptions::default() });
    ingest_command(&a.db, &a.mall, &a.format, &a.source, limits, a.json, photos).await
}

async fn ingest_command(
    db: &str,
    mall: &str,
    format: &str,
    source: &str,
    limits: Limits,
    json: bool,
    photos: Option<ingest::PhotoOptions>,
) -> Result<(), String> {
    let format = Format::parse(format).ok_or_else(|| {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
        format!("unknown format {format:?}; one of {}", names.join(", "))
    })?;
    let catalog = open(db)?;
    // Each step says on standard error when it starts and ends (a spinner on a terminal): a
    // big feed takes minutes, and a silent command looks hung.
    let bytes = long_step_async(&format!("reading {source}"), fetch(source, limits)).await?;
    let prepared = long_step(&format!("parsing and checking {} bytes", bytes.len()), || {
        ingest::prepare(&catalog, mall, format, &bytes, limits, unix_now())
    })
    .map_err(|e| e.to_string())?;
    let hashed = match photos {
        Some(options) => {
            let urls = prepared.photos_to_hash();
            long_step_async(&format!("hashing {} photos", urls.len()), ingest::hash_photos(urls, options)).await
        }
        None => ingest::PhotoReport::default(),
    };
    let report = long_step("writing the changes", || ingest::commit(&catalog, prepared, &hashed, unix_now()))
        .map_err(|e| e.to_string())?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report).expect("reports serialise"));
        return Ok(());
    }
    println!(
        "{} ({}): read {}, imported {}, unchanged {}, delisted {}, skipped {}; photos hashed {}, failed {}; \
         sold by other malls too {}",
        report.mall_id,
        report.format,
        report.read,
        report.imported,
        report.unchanged,
        report.delisted,
        report.skipped.len(),
        report.photos_hashed,
        report.photos_failed,
        report.same_item,
    );
    for note in &report.notes {
        println!("  note: {note}");
    }
    for problem in report.skipped.iter().take(20) {
        println!(
            "  skipped line {}{}: {}",
            problem.line,
            problem.id.as_deref().map(|i| format!(" ({i})")).unwrap_or_default(),
            problem.reason
        );
    }
    if report.skipped.len() > 20 {
        println!("  … and {} more (--json lists them all)", report.skipped.len() - 20);
    }
    Ok(())
}
