//! `moa bench cold-start` (issues #20, #23): what a shopper waits for at every launch — open a
//! cache of N products, build what ranking needs, compose the first home — against a baseline
//! measured in the same run: reading the same product rows raw with rusqlite, the least any
//! start that looks at the whole cache could do.

use std::path::Path;
use std::time::Instant;

use super::{median, resident_mb};
use moa_core::{FixedClock, Moa, MoaConfig};
use moa_server::DemoSpec;
use serde::Serialize;

/// The world's time: the demo's new arrivals and sale ends are relative to it.
const NOW: i64 = 1_795_000_000;

#[derive(Debug, Serialize)]
pub struct ColdStartBench {
    pub products: usize,
    /// Each side ran this many times; the figures are the medians.
    pub runs: usize,
    /// `Moa::open`: the store opened and checked, the schema current.
    pub open_ms: f64,
    /// The first `home_feed()` after it: the ranking index built from the cache, the home composed.
    pub first_home_ms: f64,
    /// Launch to the first home: what the shopper waits for (the target is 150 ms).
    pub to_first_home_ms: f64,
    /// Reading every product row raw, every column, with rusqlite.
    pub raw_read_ms: f64,
    /// `to_first_home_ms` over `raw_read_ms`: 1.0 would be a start as cheap as one raw read.
    pub ratio_to_raw_read: f64,
    /// Resident memory the first start added to this process.
    pub rss_growth_mb: f64,
    pub cache_file_mb: f64,
}

pub fn cold_start_bench(products: usize, runs: usize) -> Result<ColdStartBench, String> {
    let runs = runs.max(1);
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let config = MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW));
    {
        let world = super::demo_world(DemoSpec { seed: 5, products, now: NOW });
        let moa = Moa::open(config.clone()).map_err(|e| e.to_string())?;
        super::fill_cache(&moa, &world)?;
    } // the world and the filling handle are gone before anything is measured
    let db = dir.path().join("moa.db");
    let (mut opens, mut homes, mut raws) = (Vec::new(), Vec::new(), Vec::new());
    let mut rss_growth_mb = 0.0;
    for run in 0..runs {
        let rss_before = resident_mb();
        let started = Instant::now();
        let moa = Moa::open(config.clone()).map_err(|e| e.to_string())?;
        let opened = started.elapsed();
        let home = moa.home_feed().map_err(|e| e.to_string())?;
        let composed = started.elapsed();
        if home.sections.is_empty() {
            return Err("the first home is empty".into());
        }
        if run == 0 {
            rss_growth_mb = resident_mb() - rss_before;
        }
        opens.push(opened.as_secs_f64() * 1e3);
        homes.push((composed - opened).as_secs_f64() * 1e3);
        drop(moa);
        raws.push(raw_read_ms(&db, products)?);
    }
    let (open_ms, first_home_ms, raw_read_ms) = (median(opens), median(homes), median(raws));
    Ok(ColdStartBench {
        products,
        runs,
        open_ms,
        first_home_ms,
        to_first_home_ms: open_ms + first_home_ms,
        raw_read_ms,
        ratio_to_raw_read: (open_ms + first_home_ms) / raw_read_ms,
        rss_growth_mb,
        cache_file_mb: std::fs::metadata(&db).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0),
    })
}

/// Every column of every product row, as raw SQLite values.
fn raw_read_ms(db: &Path, products: usize) -> Result<f64, String> {
    let started = Instant::now();
    let conn = rusqlite::Connection::open(db).map_err(|e| e.to_string())?;
    let mut stmt = conn.prepare("SELECT * FROM products").map_err(|e| e.to_string())?;
    let columns = stmt.column_count();
    let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
    let (mut read, mut bytes) = (0, 0usize);
    while let Some(row) = rows.next().map_err(|e| e.to_string())? {
        for i in 0..columns {
            bytes += match row.get_ref(i).map_err(|e| e.to_string())? {
                rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => t.len(),
                _ => 8,
            };
        }
        read += 1;
    }
    std::hint::black_box(bytes);
    if read != products {
        return Err(format!("read {read} rows of {products}"));
    }
    Ok(started.elapsed().as_secs_f64() * 1e3)
}
