//! Replay: run the ranker's behaviour signals over recorded sessions, for QA and offline
//! evaluation (`moa replay`, docs/RANKING.md). Products may be known only by id; the same
//! session model the home feed uses for "shoppers who viewed this also viewed" ranks them.
//!
//! Formats (one record per line):
//! - population sessions, JSON Lines: `{"events": [{"product_id": "p1"}, {"product_id": "p2"}]}`
//!   (other event fields are allowed and ignored), or TSV `index<TAB>p1 p2 p3` (the DIGINETICA
//!   split of SR-GNN), `#` lines skipped;
//! - test cases, JSON Lines: `{"events": [...], "next": "p9"}` (`next` optional), or TSV
//!   `p1 p2 p3<TAB>p9`;
//! - output, JSON Lines: `{"case": 0, "top": ["p9", "p4", …]}`.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};

use moa_core::rank::session_knn::{KnnParams, SessionIndex};
use moa_core::{Error, Result};

/// Product ids ↔ dense indices.
#[derive(Default)]
pub struct Vocabulary {
    ids: Vec<String>,
    index: HashMap<String, u32>,
}

impl Vocabulary {
    pub fn intern(&mut self, id: &str) -> u32 {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let i = self.ids.len() as u32;
        self.ids.push(id.to_string());
        self.index.insert(id.to_string(), i);
        i
    }

    pub fn get(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    pub fn id(&self, i: u32) -> &str {
        &self.ids[i as usize]
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }
}

#[derive(Deserialize)]
struct JsonEvent {
    product_id: String,
}

#[derive(Deserialize)]
struct JsonSession {
    events: Vec<JsonEvent>,
    #[serde(default)]
    next: Option<String>,
}

/// One session prefix to rank for.
pub struct Case {
    pub events: Vec<String>,
    pub next: Option<String>,
}

/// Read sessions or cases, JSON Lines or TSV (decided per line: JSON starts with `{`).
/// Returns the records and how many lines were skipped as unreadable (with the first reason).
pub fn read_records(input: impl BufRead, tsv_has_target: bool) -> Result<(Vec<Case>, usize, Option<String>)> {
    let mut out = Vec::new();
    let (mut skipped, mut first_problem) = (0, None);
    for (n, line) in input.lines().enumerate() {
        let line = line?;
        let line = line.trim_end_matches(['\r', '\n']);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let record = if line.trim_start().starts_with('{') {
            serde_json::from_str::<JsonSession>(line)
                .map(|s| Case { events: s.events.into_iter().map(|e| e.product_id).collect(), next: s.next })
                .map_err(|e| format!("line {}: {e}", n + 1))
        } else {
            let mut fields = line.split('\t');
            let first = fields.next().unwrap_or_default();
            let second = fields.next();
            if tsv_has_target {
                // prefix<TAB>target
                match second {
                    Some(target) => Ok(Case {
                        events: first.split_whitespace().map(str::to_string).collect(),
                        next: Some(target.trim().to_string()),
                    }),
                    None => Err(format!("line {}: no target column", n + 1)),
                }
            } else {
                // index<TAB>items
                match second {
                    Some(items) => {
                        Ok(Case { events: items.split_whitespace().map(str::to_string).collect(), next: None })
                    }
                    None => Err(format!("line {}: no items column", n + 1)),
                }
            }
        };
        match record {
            Ok(case) if !case.events.is_empty() => out.push(case),
            Ok(_) => {
                skipped += 1;
                first_problem.get_or_insert_with(|| format!("line {}: no events", n + 1));
            }
            Err(problem) => {
                skipped += 1;
                first_problem.get_or_insert(problem);
            }
        }
    }
    Ok((out, skipped, first_problem))
}

/// Anything that ranks the products most likely next after a session's events (dense indices of
/// the model's vocabulary): the model, and the baselines it is measured against.
pub trait Ranker: Sync {
    fn next(&self, events: &[String], k: usize) -> Vec<u32>;
}

/// Overall popularity: the most viewed products, to fill a list when a ranker runs out (and
/// the POP baseline on its own).
pub struct Pop {
    popular: Vec<u32>,
}

impl Pop {
    pub fn learn(encoded: &[Vec<u32>], products: usize) -> Pop {
        let mut counts = vec![0u32; products];
        for s in encoded {
            for &i in s {
                counts[i as usize] += 1;
            }
        }
        let mut popular: Vec<u32> = (0..products as u32).collect();
        popular.sort_by(|a, b| counts[*b as usize].cmp(&counts[*a as usize]).then(a.cmp(b)));
        popular.truncate(1000);
        Pop { popular }
    }

    /// `top` filled up to `k` with the most popular products not in it yet.
    pub fn fill(&self, mut top: Vec<u32>, k: usize) -> Vec<u32> {
        for &p in &self.popular {
            if top.len() >= k {
                break;
            }
            if !top.contains(&p) {
                top.push(p);
            }
        }
        top.truncate(k);
        top
    }
}

/// A model learned from population sessions: the session index and overall popularity.
pub struct BehaviourModel {
    pub vocabulary: Vocabulary,
    pub index: SessionIndex,
    /// The population's sessions in the vocabulary's numbers (the baselines learn from them).
    pub encoded: Vec<Vec<u32>>,
    pub pop: Pop,
    pub params: KnnParams,
}

impl BehaviourModel {
    pub fn learn(sessions: &[Case], params: KnnParams) -> Self {
        let mut vocabulary = Vocabulary::default();
        let encoded: Vec<Vec<u32>> =
            sessions.iter().map(|s| s.events.iter().map(|id| vocabulary.intern(id)).collect()).collect();
        let pop = Pop::learn(&encoded, vocabulary.len());
        let index = SessionIndex::build(encoded.clone(), vocabulary.len());
        BehaviourModel { vocabulary, index, encoded, pop, params }
    }

    /// The `k` products most likely next after `events` with `params` (ids unknown to the model
    /// are ignored), filled up with the most popular.
    pub fn next_with(&self, params: &KnnParams, events: &[String], k: usize) -> Vec<u32> {
        let current: Vec<u32> = events.iter().filter_map(|id| self.vocabulary.get(id)).collect();
        let mut scores = HashMap::new();
        self.index.score_next(&current, params, self.index.len(), &mut scores);
        let mut ranked: Vec<(u32, f64)> = scores.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        self.pop.fill(ranked.into_iter().take(k).map(|(i, _)| i).collect(), k)
    }
}

impl Ranker for BehaviourModel {
    fn next(&self, events: &[String], k: usize) -> Vec<u32> {
        self.next_with(&self.params, events, k)
    }
}

/// Hit rate and mean reciprocal rank at K over the cases that name their next product.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Metrics {
    pub cases: u64,
    pub hit_rate: f64,
    pub mrr: f64,
}

/// Rank every case (on all cores), write one JSON line per case, and measure when targets exist.
pub fn run(
    ranker: &dyn Ranker,
    vocabulary: &Vocabulary,
    cases: &[Case],
    k: usize,
    mut out: impl Write,
) -> Result<Metrics> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let chunk = cases.len().div_ceil(threads).max(1);
    let tops: Vec<Vec<u32>> = std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|c| ranker.next(&c.events, k)).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("replay worker")).collect()
    });
    let (mut hits, mut reciprocal, mut judged) = (0u64, 0.0, 0u64);
    for (n, (case, top)) in cases.iter().zip(&tops).enumerate() {
        let ids: Vec<&str> = top.iter().map(|&i| vocabulary.id(i)).collect();
        serde_json::to_writer(&mut out, &serde_json::json!({ "case": n, "top": ids }))
            .map_err(|e| Error::Internal(e.to_string()))?;
        out.write_all(b"\n")?;
        if let Some(next) = &case.next {
            judged += 1;
            if let Some(rank) = ids.iter().position(|id| id == next) {
                hits += 1;
                reciprocal += 1.0 / (rank + 1) as f64;
            }
        }
    }
    Ok(Metrics {
        cases: judged,
        hit_rate: if judged > 0 { hits as f64 / judged as f64 } else { 0.0 },
        mrr: if judged > 0 { reciprocal / judged as f64 } else { 0.0 },
    })
}
