//! "Shoppers who looked at what you are looking at now went on to look at …": a session-based
//! nearest-neighbour model over anonymous shopping sessions (sequences of product views).
//!
//! It is STAN (Garg et al., SIGIR 2019), a refinement of session-kNN: the current session is
//! compared with past sessions that share items with it, the most similar `k` are kept, and each
//! item in them is scored by how similar its session is. Three decays sharpen it: recent items of
//! the current session count more (`lambda_position`), recent neighbour sessions count more
//! (`lambda_recency`), and within a neighbour, items close to where it met the current session
//! count more (`lambda_neighbour_position`). Items are dense `u32` indices; the caller maps ids.

use std::collections::HashMap;

use moa_protocol::wire::SessionModel;

/// Tuning of the model; the defaults were tuned on the DIGINETICA development split
/// (docs/BENCHMARKS.md).
#[derive(Debug, Clone, Copy)]
pub struct KnnParams {
    /// Neighbour sessions kept.
    pub k: usize,
    /// Most recent sessions considered per item of the current session.
    pub sample_per_item: usize,
    /// Decay of the current session's items with their distance from its end.
    pub lambda_position: f64,
    /// Decay of neighbour sessions with their age, in sessions.
    pub lambda_recency: f64,
    /// Decay of a neighbour's items with their distance from the shared item.
    pub lambda_neighbour_position: f64,
    /// Weight of the shared item itself (shoppers often go back to what they just saw).
    pub anchor_weight: f64,
    /// Weight of items by rarity: score × (1 + idf·ln(sessions / sessions with item)).
    pub idf: f64,
    /// Repeat consumption: each item of the current session gains this share of the best
    /// neighbour score for each time it was viewed, decayed like its position
    /// (`lambda_position`) — shoppers go back to what they looked at.
    pub repeat: f64,
}

impl KnnParams {
    /// Override parameters from "k=100,sample=1000,position=2,recency=80000,neighbour=3,
    /// anchor=0,idf=0" (any subset), for tuning with `moa replay --knn`.
    pub fn with_overrides(mut self, spec: &str) -> Result<Self, String> {
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').ok_or_else(|| format!("{pair:?}: expected key=value"))?;
            let number: f64 = value.parse().map_err(|_| format!("{pair:?}: not a number"))?;
            match key {
                "k" => self.k = number as usize,
                "sample" => self.sample_per_item = number as usize,
                "position" => self.lambda_position = number,
                "recency" => self.lambda_recency = number,
                "neighbour" => self.lambda_neighbour_position = number,
                "anchor" => self.anchor_weight = number,
                "idf" => self.idf = number,
                "repeat" => self.repeat = number,
                _ => return Err(format!("{key:?}: unknown parameter")),
            }
        }
        Ok(self)
    }

    /// The parameters as `with_overrides` reads them.
    pub fn spec(&self) -> String {
        format!(
            "k={},sample={},position={},recency={},neighbour={},anchor={},idf={},repeat={}",
            self.k,
            self.sample_per_item,
            self.lambda_position,
            self.lambda_recency,
            self.lambda_neighbour_position,
            self.anchor_weight,
            self.idf,
            self.repeat
        )
    }
}

impl KnnParams {
    /// The session model as the home feed uses it: the products just seen are not suggested
    /// again (the apps show them under "recently viewed", so neither the shared product nor
    /// repeats score), and a smaller sample keeps a re-rank within budget.
    pub const FEED: KnnParams = KnnParams {
        k: 100,
        sample_per_item: 300,
        lambda_position: 2.0,
        lambda_recency: 300_000.0,
        lambda_neighbour_position: 5.0,
        anchor_weight: 0.0,
        idf: 0.0,
        repeat: 0.0,
    };

    /// The feed's parameters with what the server tuned on its population (neighbours, the
    /// decays, rarity); the feed's own rules (no repeats, its sample) stay.
    pub fn feed_tuned(model: Option<&SessionModel>) -> KnnParams {
        let Some(m) = model else { return KnnParams::FEED };
        KnnParams {
            anchor_weight: 0.0,
            repeat: 0.0,
            sample_per_item: KnnParams::FEED.sample_per_item,
            ..KnnParams::from(m)
        }
    }
}

/// The parameters a server sent, each kept within what the model can use (a bad value from a
/// server must not stop the ranking: it falls back to the default's).
impl From<&SessionModel> for KnnParams {
    fn from(m: &SessionModel) -> Self {
        let d = KnnParams::default();
        let usable = |v: f64, default: f64| if v.is_finite() && v >= 0.0 { v } else { default };
        let positive = |v: f64, default: f64| if v.is_finite() && v > 0.0 { v } else { default };
        KnnParams {
            k: if m.neighbours == 0 { d.k } else { (m.neighbours as usize).min(1000) },
            sample_per_item: d.sample_per_item,
            lambda_position: positive(m.position_decay, d.lambda_position),
            lambda_recency: positive(m.recency_decay, d.lambda_recency),
            lambda_neighbour_position: positive(m.neighbour_position_decay, d.lambda_neighbour_position),
            anchor_weight: usable(m.anchor, d.anchor_weight),
            idf: usable(m.rarity, d.idf),
            repeat: usable(m.repeat, d.repeat),
        }
    }
}

impl Default for KnnParams {
    fn default() -> Self {
        KnnParams {
            k: 150,
            sample_per_item: 1000,
            lambda_position: 2.0,
            lambda_recency: 300_000.0,
            lambda_neighbour_position: 5.0,
            anchor_weight: 2.0,
            idf: 0.0,
            repeat: 0.0,
        }
    }
}

/// Past sessions, indexed by the items in them.
pub struct SessionIndex {
    sessions: Vec<Box<[u32]>>,
    /// item → ids of sessions containing it, oldest first.
    by_item: Vec<Vec<u32>>,
    /// Items at or above this are known only by the sessions (a device holding a working set
    /// does not hold them): they make sessions alike as they would with everything held, but
    /// are never scored.
    scored_below: u32,
}

impl SessionIndex {
    /// `sessions` in the order they happened (oldest first); items are indices below `items`.
    pub fn build(sessions: Vec<Vec<u32>>, items: usize) -> Self {
        let mut by_item: Vec<Vec<u32>> = vec![Vec::new(); items];
        for (id, session) in sessions.iter().enumerate() {
            for (pos, &item) in session.iter().enumerate() {
                // An item seen twice in a session lists it once.
                if !session[..pos].contains(&item) {
                    by_item[item as usize].push(id as u32);
                }
            }
        }
        let scored_below = items as u32;
        SessionIndex { sessions: sessions.into_iter().map(Vec::into_boxed_slice).collect(), by_item, scored_below }
    }

    /// Score only items below `items` (see `scored_below`).
    pub fn scoring_below(mut self, items: usize) -> Self {
        self.scored_below = items as u32;
        self
    }

    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// Score the items that may come next after `current` (chronological), adding into `scores`.
    /// `now` is the session clock of the current session (the index a new session would get).
    pub fn score_next(&self, current: &[u32], params: &KnnParams, now: usize, scores: &mut HashMap<u32, f64>) {
        self.vote(current, params, now, scores, self.scored_below);
    }

    /// The items at or above `scored_below` (not held) the neighbours of `current` vote for:
    /// what a device holding a working set could fetch to show next.
    pub fn score_unheld(&self, current: &[u32], params: &KnnParams, now: usize) -> Vec<(u32, f64)> {
        let mut scores = HashMap::new();
        self.vote(current, params, now, &mut scores, u32::MAX);
        scores.into_iter().filter(|(item, _)| *item >= self.scored_below).collect()
    }

    /// `score_next` for the items below `below`.
    fn vote(&self, current: &[u32], params: &KnnParams, now: usize, scores: &mut HashMap<u32, f64>, below: u32) {
        if current.is_empty() {
            return;
        }
        // Weight of each item of the current session: 1 for the last, decaying backwards.
        let n = current.len();
        let mut weight: HashMap<u32, (f64, usize)> = HashMap::with_capacity(n);
        for (pos, &item) in current.iter().enumerate() {
            let w = (-((n - 1 - pos) as f64) / params.lambda_position).exp();
            // The latest position of a repeated item wins.
            weight.insert(item, (w, pos));
        }
        let norm_current = (weight.len() as f64).sqrt();

        // Candidates: the most recent sessions of each item, with their similarity.
        let mut candidates: HashMap<u32, f64> = HashMap::new();
        for &item in weight.keys() {
            let Some(list) = self.by_item.get(item as usize) else { continue };
            let start = list.len().saturating_sub(params.sample_per_item);
            for &session in &list[start..] {
                candidates.entry(session).or_insert(0.0);
            }
        }
        let mut neighbours: Vec<(u32, f64)> = candidates
            .into_keys()
            .map(|id| {
                let session = &self.sessions[id as usize];
                let mut dot = 0.0;
                let mut distinct = 0usize;
                for (pos, item) in session.iter().enumerate() {
                    if session[..pos].contains(item) {
                        continue;
                    }
                    distinct += 1;
                    if let Some((w, _)) = weight.get(item) {
                        dot += w;
                    }
                }
                let age = now.saturating_sub(id as usize) as f64;
                let similarity = dot / (norm_current * (distinct as f64).sqrt()) * (-age / params.lambda_recency).exp();
                (id, similarity)
            })
            .collect();
        let k = params.k.min(neighbours.len());
        if k == 0 {
            add_repeats(current, params, scores);
            return;
        }
        neighbours.select_nth_unstable_by(k - 1, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        neighbours.truncate(k);

        for (id, similarity) in neighbours {
            let session = &self.sessions[id as usize];
            // Where the neighbour met the current session: its position of the shared item that
            // is most recent in the current session.
            let anchor = session
                .iter()
                .enumerate()
                .filter_map(|(p, item)| weight.get(item).map(|(_, pos_in_current)| (*pos_in_current, p)))
                .max()
                .map(|(_, p)| p)
                .unwrap_or(0);
            for (pos, &item) in session.iter().enumerate() {
                let distance = (pos as f64 - anchor as f64).abs();
                let mut w = if pos == anchor {
                    params.anchor_weight
                } else {
                    (-(distance - 1.0).max(0.0) / params.lambda_neighbour_position).exp()
                };
                if params.idf > 0.0 {
                    let df = self.by_item[item as usize].len().max(1) as f64;
                    w *= 1.0 + params.idf * (self.sessions.len() as f64 / df).ln();
                }
                if w > 0.0 && item < below {
                    *scores.entry(item).or_insert(0.0) += similarity * w;
                }
            }
        }
        add_repeats(current, params, scores);
    }
}

/// Repeat consumption: each product of `current` gains `params.repeat` × the best vote for each
/// time it was viewed, decayed like its position.
fn add_repeats(current: &[u32], params: &KnnParams, scores: &mut HashMap<u32, f64>) {
    if params.repeat <= 0.0 {
        return;
    }
    let n = current.len();
    let best = scores.values().fold(0.0f64, |m, v| m.max(*v)).max(1e-9);
    for (pos, &item) in current.iter().enumerate() {
        let recency = (-((n - 1 - pos) as f64) / params.lambda_position).exp();
        *scores.entry(item).or_insert(0.0) += params.repeat * best * recency;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_item_of_similar_sessions_scores_highest() {
        // Item 0 → 1 → 2 is a common path; 0 → 3 is rare.
        let mut sessions = vec![vec![0, 1, 2]; 20];
        sessions.push(vec![0, 3]);
        sessions.push(vec![4, 5]);
        let index = SessionIndex::build(sessions, 6);
        let mut scores = HashMap::new();
        index.score_next(&[0, 1], &KnnParams::default(), index.len(), &mut scores);
        // The item just viewed scores too (shoppers go back to it); of the others, 2 leads.
        let best =
            scores.iter().filter(|(i, _)| ![0, 1].contains(*i)).max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| *i);
        assert_eq!(best, Some(2));
        assert!(scores[&1] > 0.0);
        assert!(!scores.contains_key(&5), "unrelated sessions give nothing");
        assert!(scores.get(&3).copied().unwrap_or(0.0) < scores[&2]);
    }
}
