//! One module per `moa` command: its arguments (clap) and what it does.

pub mod bench;
pub mod demo;
pub mod feed;
pub mod ingest;
pub mod mall;
pub mod preview;
pub mod replay;
pub mod serve;
pub mod shelves;
pub mod stats;
pub mod sync;
