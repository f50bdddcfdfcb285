//! Parameters chosen by the data, not by hand (issue #18): the last tenth of the population's
//! sessions (they are in time order) is held out, the model learns from the rest, and a
//! coordinate search tries each parameter's values on the held-out sessions' next products,
//! keeping what ranks them best (HR + MRR). Then the caller learns from everything with the
//! parameters found. The test cases are never read here: nothing of them can leak into the
//! choice.

use std::time::Instant;

use moa_core::rank::session_knn::KnnParams;
use serde::Serialize;

use super::model::{run, BehaviourModel, Case, Ranker};

/// Share of the sessions held out, the latest.
const HOLDOUT_SHARE: f64 = 0.1;
/// Held-out cases scored per try, at most (spread evenly over the held-out sessions).
const MAX_HOLDOUT_CASES: usize = 15_000;
/// Fewer sessions than this: too little to tune on; the defaults stand.
const MIN_SESSIONS: usize = 50;
/// What the search tries, parameter by parameter, in this order (a second pass refines).
const GRID: [(&str, &[f64]); 5] = [
    ("repeat", &[0.0, 0.25, 0.5, 1.0, 2.0, 4.0]),
    ("idf", &[0.0, 0.5, 1.0]),
    ("anchor", &[0.0, 1.0, 2.0, 4.0]),
    ("position", &[1.0, 2.0, 4.0]),
    ("k", &[50.0, 150.0, 300.0]),
];

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

/// The model's parameters as `model` ranks with them.
struct Trying<'a> {
    model: &'a BehaviourModel,
    params: KnnParams,
}

impl Ranker for Trying<'_> {
    fn next(&self, events: &[String], k: usize) -> Vec<u32> {
        self.model.next_with(&self.params, events, k)
    }
}

/// Choose the parameters from `population` alone, starting from `start`; None when there is
/// too little to tune on.
pub fn tune(population: &[Case], start: KnnParams, top: usize) -> Option<(KnnParams, Tuned)> {
    if population.len() < MIN_SESSIONS {
        return None;
    }
    let started = Instant::now();
    let held = ((population.len() as f64 * HOLDOUT_SHARE).ceil() as usize).max(1);
    let (learn_from, held_out) = population.split_at(population.len() - held);
    let cases = next_product_cases(held_out);
    let model = BehaviourModel::learn(learn_from, start);
    let score = |params: KnnParams| {
        let m =
            run(&Trying { model: &model, params }, &model.vocabulary, &cases, top, std::io::sink()).unwrap_or_default();
        (m.hit_rate + m.mrr, m)
    };
    let (mut best, mut tries) = ((start, score(start)), 1);
    for _pass in 0..2 {
        for (name, values) in GRID {
            for value in values {
                let Ok(candidate) = best.0.with_overrides(&format!("{name}={value}")) else { continue };
                let tried = score(candidate);
                tries += 1;
                if tried.0 > best.1 .0 + 1e-9 {
                    best = (candidate, tried);
                }
            }
        }
    }
    let (params, (_, metrics)) = best;
    let tuned = Tuned {
        params: params.spec(),
        holdout_sessions: held_out.len(),
        holdout_cases: cases.len(),
        holdout_hit_rate: metrics.hit_rate,
        holdout_mrr: metrics.mrr,
        tries,
        seconds: started.elapsed().as_secs_f64(),
    };
    Some((params, tuned))
}

/// Every held-out session's prefixes with the product that came next, thinned evenly to at
/// most `MAX_HOLDOUT_CASES`.
fn next_product_cases(sessions: &[Case]) -> Vec<Case> {
    let all: Vec<(usize, usize)> =
        sessions.iter().enumerate().flat_map(|(s, c)| (1..c.events.len()).map(move |t| (s, t))).collect();
    let stride = all.len().div_ceil(MAX_HOLDOUT_CASES).max(1);
    all.iter()
        .step_by(stride)
        .map(|&(s, t)| Case { events: sessions[s].events[..t].to_vec(), next: Some(sessions[s].events[t].clone()) })
        .collect()
}
