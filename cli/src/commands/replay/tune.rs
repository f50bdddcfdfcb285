//! Parameters chosen by the data, not by hand (issue #18): the core's tuning
//! (`moa_core::rank::tune`, the same the server runs over its population) over the sessions
//! `moa replay` learns from. The test cases are never read here: nothing of them can leak into
//! the choice.

use std::time::Instant;

use moa_core::rank::session_knn::KnnParams;
use serde::Serialize;

use super::model::{Case, Vocabulary};

/// Held-out cases scored per try, at most (spread evenly over the held-out sessions).
const MAX_HOLDOUT_CASES: usize = 15_000;

#[derive(Debug, Clone, Serialize)]
pub struct Tuned {
    /// The parameters chosen, as `--knn` would take them.
    pub params: String,
    pub holdout_sessions: usize,
    pub holdout_cases: usize,
    pub holdout_hit_rate: f64,
    pub holdout_mrr: f64,
    pub tries: usize,
    pub seconds: f64,
}

/// Choose the parameters from `population` alone, starting from `start`; None when there is
/// too little to tune on.
pub fn tune(population: &[Case], start: KnnParams, top: usize) -> Option<(KnnParams, Tuned)> {
    let started = Instant::now();
    let mut vocabulary = Vocabulary::default();
    let sessions: Vec<Vec<u32>> =
        population.iter().map(|s| s.events.iter().map(|id| vocabulary.intern(id)).collect()).collect();
    let t = moa_core::rank::tune::tune(&sessions, vocabulary.len(), start, top, MAX_HOLDOUT_CASES)?;
    let tuned = Tuned {
        params: t.params.spec(),
        holdout_sessions: t.holdout_sessions,
        holdout_cases: t.holdout_cases,
        holdout_hit_rate: t.hit_rate,
        holdout_mrr: t.mrr,
        tries: t.tries,
        seconds: started.elapsed().as_secs_f64(),
    };
    Some((t.params, tuned))
}
