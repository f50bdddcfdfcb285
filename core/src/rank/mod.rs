//! Ranking: the signals that decide what a shopper sees, and the models behind them.

pub mod catalog;
pub mod session_knn;
