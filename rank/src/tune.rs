//! The session model's parameters chosen by the data, not by hand (issue #18). The latest tenth
//! of the population's sessions (they are in time order) is held out, the model learns from the
//! rest, and a coordinate search tries each parameter's values on the held-out sessions' next
//! products, keeping what ranks them best (HR + MRR at `top`). The server runs it over its
//! population and sends the result with the stats; `moa replay` runs it over the sessions it
//! learns from. Nothing else is read: the cases a caller is measured on cannot leak into it.

use std::collections::HashMap;

use moa_protocol::wire::{PopulationStats, SessionModel};

use crate::session_knn::{KnnParams, SessionIndex};

/// Share of the sessions held out, the latest.
const HOLDOUT_SHARE: f64 = 0.1;
/// Fewer sessions than this: too little to tune on; the defaults stand.
pub const MIN_SESSIONS: usize = 50;
/// Products the popularity fill draws from (a ranker that runs out is topped up with them).
const POPULAR_FILL: usize = 1000;
/// What the search tries, parameter by parameter, in this order (a second pass refines).
const GRID: [(&str, &[f64]); 5] = [
    ("repeat", &[0.0, 0.25, 0.5, 1.0, 2.0, 4.0]),
    ("idf", &[0.0, 0.5, 1.0]),
    ("anchor", &[0.0, 1.0, 2.0, 4.0]),
    ("position", &[1.0, 2.0, 4.0]),
    ("k", &[50.0, 150.0, 300.0]),
];

/// What the tuning chose and what it measured on the held-out sessions.
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    pub params: KnnParams,
    pub holdout_sessions: usize,
    pub holdout_cases: usize,
    pub hit_rate: f64,
    pub mrr: f64,
    pub tries: usize,
}

/// Choose the parameters from `sessions` (oldest first; items are indices below `items`),
/// starting from `start`, scoring at most `max_cases` held-out cases per try (spread evenly).
/// None when there is too little to tune on.
pub fn tune(sessions: &[Vec<u32>], items: usize, start: KnnParams, top: usize, max_cases: usize) -> Option<Tuning> {
    if sessions.len() < MIN_SESSIONS {
        return None;
    }
    let held = ((sessions.len() as f64 * HOLDOUT_SHARE).ceil() as usize).max(1);
    let (learn_from, held_out) = sessions.split_at(sessions.len() - held);
    let cases = next_item_cases(held_out, max_cases);
    if cases.is_empty() {
        return None;
    }
    let index = SessionIndex::build(learn_from.to_vec(), items);
    let popular = most_viewed(learn_from, items);
    let score = |params: &KnnParams| measure(&index, &popular, params, &cases, top);
    let (mut best, mut best_score) = (start, score(&start));
    let mut tries = 1;
    for _pass in 0..2 {
        for (name, values) in GRID {
            for value in values {
                let Ok(candidate) = best.with_overrides(&format!("{name}={value}")) else { continue };
                let tried = score(&candidate);
                tries += 1;
                if tried.0 + tried.1 > best_score.0 + best_score.1 + 1e-9 {
                    (best, best_score) = (candidate, tried);
                }
            }
        }
    }
    Some(Tuning {
        params: best,
        holdout_sessions: held_out.len(),
        holdout_cases: cases.len(),
        hit_rate: best_score.0,
        mrr: best_score.1,
        tries,
    })
}

/// What the devices' model learns from the population's sessions, scored at 20 like the
/// home's pages, over at most `max_cases` held-out cases; None with too few sessions.
pub fn tune_population(stats: &PopulationStats, max_cases: usize) -> Option<SessionModel> {
    let mut index: HashMap<&str, u32> = HashMap::new();
    let sessions: Vec<Vec<u32>> = stats
        .sessions
        .iter()
        .map(|s| {
            s.iter()
                .map(|id| {
                    let next = index.len() as u32;
                    *index.entry(id.as_str()).or_insert(next)
                })
                .collect()
        })
        .collect();
    tune(&sessions, index.len(), KnnParams::default(), 20, max_cases).map(|t| t.session_model())
}

impl Tuning {
    /// The choice as the devices receive it with the population stats.
    pub fn session_model(&self) -> SessionModel {
        let p = &self.params;
        SessionModel {
            neighbours: p.k as u32,
            position_decay: p.lambda_position,
            neighbour_position_decay: p.lambda_neighbour_position,
            recency_decay: p.lambda_recency,
            rarity: p.idf,
            anchor: p.anchor_weight,
            repeat: p.repeat,
            holdout_sessions: self.holdout_sessions as u32,
            holdout_hit_rate: self.hit_rate,
            holdout_mrr: self.mrr,
        }
    }
}

/// One held-out session prefix and the item that came next.
struct Case<'a> {
    events: &'a [u32],
    next: u32,
}

/// Every held-out session's prefixes with the item that came next, thinned evenly to at most
/// `max_cases`.
fn next_item_cases(sessions: &[Vec<u32>], max_cases: usize) -> Vec<Case<'_>> {
    let all: Vec<(usize, usize)> =
        sessions.iter().enumerate().flat_map(|(s, c)| (1..c.len()).map(move |t| (s, t))).collect();
    let stride = all.len().div_ceil(max_cases.max(1)).max(1);
    all.iter().step_by(stride).map(|&(s, t)| Case { events: &sessions[s][..t], next: sessions[s][t] }).collect()
}

/// The most viewed items, most first (ties by index).
fn most_viewed(sessions: &[Vec<u32>], items: usize) -> Vec<u32> {
    let mut counts = vec![0u32; items];
    for &i in sessions.iter().flatten() {
        counts[i as usize] += 1;
    }
    let mut popular: Vec<u32> = (0..items as u32).filter(|&i| counts[i as usize] > 0).collect();
    popular.sort_by(|a, b| counts[*b as usize].cmp(&counts[*a as usize]).then(a.cmp(b)));
    popular.truncate(POPULAR_FILL);
    popular
}

/// HR and MRR at `top` of `params` over `cases`, on all cores.
fn measure(index: &SessionIndex, popular: &[u32], params: &KnnParams, cases: &[Case], top: usize) -> (f64, f64) {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let chunk = cases.len().div_ceil(threads).max(1);
    let (hits, reciprocal) = std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut scores = HashMap::new();
                    part.iter().fold((0u64, 0.0f64), |(hits, reciprocal), case| {
                        scores.clear();
                        index.score_next(case.events, params, index.len(), &mut scores);
                        match ranked(&scores, popular, top).iter().position(|&i| i == case.next) {
                            Some(rank) => (hits + 1, reciprocal + 1.0 / (rank + 1) as f64),
                            None => (hits, reciprocal),
                        }
                    })
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("tuning worker")).fold((0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1))
    });
    let n = cases.len().max(1) as f64;
    (hits as f64 / n, reciprocal / n)
}

/// The `top` best-scored items, filled up with the most viewed.
fn ranked(scores: &HashMap<u32, f64>, popular: &[u32], top: usize) -> Vec<u32> {
    let mut ranked: Vec<(u32, f64)> = scores.iter().map(|(&i, &s)| (i, s)).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out: Vec<u32> = ranked.into_iter().take(top).map(|(i, _)| i).collect();
    for &p in popular {
        if out.len() >= top {
            break;
        }
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many products: neighbours rarely share one by chance.
    const ITEMS: usize = 4000;

    /// Sessions where shoppers go back to what they looked at: the next item is mostly one
    /// already in the session. Tuning must find that repeats are worth something.
    fn repeat_heavy(sessions: usize) -> Vec<Vec<u32>> {
        let mut state = 7u64;
        let mut next = move |n: u64| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        (0..sessions)
            .map(|_| {
                let mut s: Vec<u32> = vec![next(ITEMS as u64) as u32];
                for _ in 0..6 {
                    let item = if next(10) < 7 { s[next(s.len() as u64) as usize] } else { next(ITEMS as u64) as u32 };
                    s.push(item);
                }
                s
            })
            .collect()
    }

    #[test]
    fn tuning_finds_that_repeats_matter_where_shoppers_go_back() {
        let sessions = repeat_heavy(2000);
        // A start that scores nothing already seen: neither repeats nor the shared item itself.
        let start = KnnParams { repeat: 0.0, anchor_weight: 0.0, ..KnnParams::default() };
        let tuned = tune(&sessions, ITEMS, start, 20, 5000).expect("enough sessions");
        assert!(tuned.params.repeat > 0.0 || tuned.params.anchor_weight > 0.0, "{:?}", tuned.params);
        let (untuned_hr, untuned_mrr) = {
            let (learn, held) = sessions.split_at(sessions.len() - tuned.holdout_sessions);
            let index = SessionIndex::build(learn.to_vec(), ITEMS);
            measure(&index, &most_viewed(learn, ITEMS), &start, &next_item_cases(held, 5000), 20)
        };
        assert!(tuned.hit_rate > untuned_hr + 0.05, "{} vs {untuned_hr}", tuned.hit_rate);
        assert!(tuned.mrr > untuned_mrr, "{} vs {untuned_mrr}", tuned.mrr);
        assert_eq!(tuned.holdout_sessions, 200);
    }

    #[test]
    fn a_population_tuned_on_the_server_is_what_the_device_ranks_with() {
        let sessions = repeat_heavy(600);
        let stats = PopulationStats {
            sessions: sessions.iter().map(|s| s.iter().map(|i| format!("p{i}")).collect()).collect(),
            ..PopulationStats::default()
        };
        let model = tune_population(&stats, 2000).expect("enough sessions");
        assert_eq!(model.holdout_sessions, 60);
        assert!(model.holdout_hit_rate > 0.0 && model.holdout_mrr > 0.0);
        // Through the wire and back, the parameters are the tuned ones.
        let sent: PopulationStats = serde_json::from_str(
            &serde_json::to_string(&PopulationStats { session_model: Some(model), ..stats }).unwrap(),
        )
        .unwrap();
        let params = KnnParams::from(sent.session_model.as_ref().unwrap());
        assert_eq!((params.k as u32, params.repeat, params.idf), (model.neighbours, model.repeat, model.rarity));
        // The feed keeps its own rules: no repeats, no shared product, its sample.
        let feed = KnnParams::feed_tuned(sent.session_model.as_ref());
        assert_eq!(
            (feed.repeat, feed.anchor_weight, feed.sample_per_item),
            (0.0, 0.0, KnnParams::FEED.sample_per_item)
        );
        assert_eq!(feed.k as u32, model.neighbours);
    }

    #[test]
    fn a_hostile_session_model_falls_back_to_usable_values() {
        let model = SessionModel {
            neighbours: 0,
            position_decay: f64::NAN,
            neighbour_position_decay: -1.0,
            recency_decay: 0.0,
            rarity: f64::INFINITY,
            anchor: -3.0,
            repeat: 1.0,
            holdout_sessions: 0,
            holdout_hit_rate: 0.0,
            holdout_mrr: 0.0,
        };
        let p = KnnParams::from(&model);
        let d = KnnParams::default();
        assert_eq!(
            (p.k, p.lambda_position, p.lambda_neighbour_position),
            (d.k, d.lambda_position, d.lambda_neighbour_position)
        );
        assert_eq!(
            (p.lambda_recency, p.idf, p.anchor_weight, p.repeat),
            (d.lambda_recency, d.idf, d.anchor_weight, 1.0)
        );
    }

    #[test]
    fn too_few_sessions_leave_the_defaults() {
        assert!(tune(&repeat_heavy(MIN_SESSIONS - 1), ITEMS, KnnParams::default(), 20, 100).is_none());
    }
}
