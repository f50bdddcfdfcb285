//! Ranking: the signals that decide what a shopper sees, and the models behind them.

pub mod catalog;
// The session model lives in its own crate: the server tunes the very model devices run.
pub use moa_rank::{session_knn, tune};
