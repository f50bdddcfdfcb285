//! `moa bench search`: queries over a cache of N demo products (100,000 by default) through
//! `Moa::search` — the FTS5 trigram index, ranking and cards — against a plain `LIKE '%…%'` scan
//! of the titles in the same run (stopping, like search, at 500 matches).

use std::time::Instant;

use super::median;
use moa_core::search::{SearchFilter, SearchQuery};
use moa_core::{Moa, MoaConfig};
use moa_server::DemoSpec;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct QueryBench {
    pub query: String,
    pub kind: String,
    pub results: u64,
    pub moa_ms: f64,
    /// A LIKE scan of the titles for the same text (None for queries a LIKE cannot express).
    pub like_scan_ms: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct SearchBench {
    pub products: usize,
    pub runs: usize,
    pub queries: Vec<QueryBench>,
    pub median_ms: f64,
    pub max_ms: f64,
    /// Median LIKE-scan time over median Moa time, for the text queries.
    pub ratio_to_like_scan: f64,
}

/// The baseline: a plain LIKE scan of the titles, median milliseconds of `runs`.
fn like_scan_ms(scan: &rusqlite::Connection, text: &str, runs: usize) -> Result<f64, String> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let mut stmt = scan
            .prepare_cached("SELECT id, title, price FROM products WHERE in_stock = 1 AND title LIKE ?1 LIMIT 500")
            .map_err(|e| e.to_string())?;
        let n = stmt.query_map([format!("%{text}%")], |r| r.get::<_, String>(0)).map_err(|e| e.to_string())?.count();
        std::hint::black_box(n);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(median(times))
}

pub fn search_bench(products: usize, runs: usize) -> Result<SearchBench, String> {
    let runs = runs.max(1);
    let world = super::demo_world(DemoSpec { seed: 5, products, now: 1_795_000_000 });
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let moa = Moa::open(MoaConfig::new(dir.path())).map_err(|e| e.to_string())?;
    super::fill_cache(&moa, &world)?;
    moa.home_feed().map_err(|e| e.to_string())?; // the ranker's index, as an app has it warm
    let sample = &world.products[products / 3];
    let title: Vec<char> = sample.title.chars().collect();
    let middle: String = title[1..title.len().saturating_sub(1)].iter().collect();
    let mut typo = title.clone();
    if let Some(at) = typo.iter().position(|c| ('가'..='힣').contains(c)) {
        typo[at] = if typo[at] == '가' { '나' } else { '가' };
    }
    let typo: String = typo.into_iter().collect();
    let cases: Vec<(&str, String, SearchFilter)> = vec![
        ("substring", middle.clone(), SearchFilter::default()),
        ("word", "원피스".into(), SearchFilter::default()),
        ("two letters", "니트".into(), SearchFilter::default()),
        ("초성", moa_core::search::chosung(&sample.title), SearchFilter::default()),
        ("one typo", typo, SearchFilter::default()),
        (
            "word + filters",
            "스커트".into(),
            SearchFilter { max_price: Some(40_000), size: Some("S".into()), ..Default::default() },
        ),
        (
            "filters only",
            String::new(),
            SearchFilter { category: Some(moa_core::model::Category::Bag), ..Default::default() },
        ),
    ];
    let db = dir.path().join("moa.db");
    let scan = rusqlite::Connection::open(&db).map_err(|e| e.to_string())?;
    let mut queries = Vec::new();
    for (kind, text, filter) in cases {
        let query = SearchQuery { text: text.clone(), filter, limit: 20, ..Default::default() };
        let mut times = Vec::new();
        let mut results = 0;
        for _ in 0..runs.max(5) {
            let started = Instant::now();
            results = moa.search(&query).map_err(|e| e.to_string())?.total;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let like_scan_ms = if text.is_empty() || kind == "초성" || kind == "one typo" {
            None
        } else {
            Some(like_scan_ms(&scan, &text, runs.max(5))?)
        };
        queries.push(QueryBench { query: text, kind: kind.into(), results, moa_ms: median(times), like_scan_ms });
    }
    let ours: Vec<f64> = queries.iter().map(|q| q.moa_ms).collect();
    let pairs: Vec<(f64, f64)> = queries.iter().filter_map(|q| q.like_scan_ms.map(|l| (q.moa_ms, l))).collect();
    Ok(SearchBench {
        products,
        runs,
        median_ms: median(ours.clone()),
        max_ms: ours.iter().cloned().fold(0.0, f64::max),
        ratio_to_like_scan: median(pairs.iter().map(|p| p.1).collect()) / median(pairs.iter().map(|p| p.0).collect()),
        queries,
    })
}
