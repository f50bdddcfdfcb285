//! What `moa bench` measures, each against a baseline run alongside (docs/BENCHMARKS.md).

pub mod images;
pub mod ingest;
pub mod search;
pub mod sync;

pub use sync::peak_rss_mb;
