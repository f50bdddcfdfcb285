//! `moa shelves`: choose every segment's working set again (issue #23) — what a phone of each
//! segment holds — from the catalog and the population's statistics. Run it after imports, on a
//! schedule, like the ingest workers (docs/DEPLOY.md); devices that follow a shelf get what
//! entered and what left at their next sync.

use clap::Args;
use moa_server::shelves::DEFAULT_SHELF_SIZE;
use moa_server::CatalogDb;

use crate::output::{unix_now, CliResult};

#[derive(Args)]
pub struct ShelvesArgs {
    /// The server's catalog: a SQLite file, or a `postgres://` URL.
    #[arg(long = "database", visible_alias = "db")]
    pub db: String,
    /// Products per shelf.
    #[arg(long, default_value_t = DEFAULT_SHELF_SIZE)]
    pub size: usize,
}

pub fn run(a: ShelvesArgs) -> CliResult {
    let catalog = CatalogDb::open_at(&a.db).map_err(|e| format!("{}: {e}", a.db))?;
    let r = crate::output::long_step("choosing every segment's shelf", || catalog.refresh_shelves(unix_now(), a.size))
        .map_err(|e| e.to_string())?;
    println!("{} shelves: {} products entered, {} left", r.shelves, r.entered, r.left);
    Ok(())
}
