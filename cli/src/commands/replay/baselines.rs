//! The baselines every session model must beat, run on the same cases by `moa replay
//! --baselines` (issue #18): POP, S-POP, SR and plain session kNN, as Ludewig et al. (UMUAI
//! 2021) define them. Learned from the same population sessions as the model, over the same
//! vocabulary, measured by the same function.

use std::collections::HashMap;

use moa_core::rank::session_knn::KnnParams;

use super::model::{BehaviourModel, Pop, Ranker, Vocabulary};

/// How far ahead in a session a sequential rule reaches (SR's default).
const SR_STEPS: usize = 10;

/// S-POP: this session's products, most viewed in it first (the latest first among equals),
/// then POP.
pub struct SessionPop<'a> {
    vocabulary: &'a Vocabulary,
    pop: &'a Pop,
}

/// SR (sequential rules): products that followed the session's last product in the
/// population, each time weighted by 1 / steps after it; then POP.
pub struct SequentialRules<'a> {
    vocabulary: &'a Vocabulary,
    rules: HashMap<u32, Vec<(u32, f32)>>,
    pop: &'a Pop,
}

/// Plain session kNN (k = 100, no decay of any kind, every shared product weighted alike), on
/// the model's own index.
pub struct PlainKnn<'a> {
    model: &'a BehaviourModel,
    params: KnnParams,
}

impl Ranker for Pop {
    fn next(&self, _events: &[String], k: usize) -> Vec<u32> {
        self.fill(Vec::new(), k)
    }
}

impl<'a> SessionPop<'a> {
    pub fn new(vocabulary: &'a Vocabulary, pop: &'a Pop) -> Self {
        SessionPop { vocabulary, pop }
    }
}

impl Ranker for SessionPop<'_> {
    fn next(&self, events: &[String], k: usize) -> Vec<u32> {
        // (views, last position) per product of the session.
        let mut seen: HashMap<u32, (u32, usize)> = HashMap::new();
        for (at, id) in events.iter().enumerate() {
            if let Some(i) = self.vocabulary.get(id) {
                let entry = seen.entry(i).or_insert((0, at));
                *entry = (entry.0 + 1, at);
            }
        }
        let mut ranked: Vec<(u32, (u32, usize))> = seen.into_iter().collect();
        ranked.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(b.1 .1.cmp(&a.1 .1)));
        self.pop.fill(ranked.into_iter().map(|(i, _)| i).collect(), k)
    }
}

impl<'a> SequentialRules<'a> {
    pub fn learn(encoded: &[Vec<u32>], vocabulary: &'a Vocabulary, pop: &'a Pop) -> Self {
        let mut weights: HashMap<(u32, u32), f32> = HashMap::new();
        for s in encoded {
            for (at, &a) in s.iter().enumerate() {
                for (step, &b) in s.iter().skip(at + 1).take(SR_STEPS).enumerate() {
                    if a != b {
                        *weights.entry((a, b)).or_default() += 1.0 / (step + 1) as f32;
                    }
                }
            }
        }
        let mut rules: HashMap<u32, Vec<(u32, f32)>> = HashMap::new();
        for ((a, b), w) in weights {
            rules.entry(a).or_default().push((b, w));
        }
        for followers in rules.values_mut() {
            followers.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        }
        SequentialRules { vocabulary, rules, pop }
    }
}

impl Ranker for SequentialRules<'_> {
    fn next(&self, events: &[String], k: usize) -> Vec<u32> {
        let last = events.iter().rev().find_map(|id| self.vocabulary.get(id));
        let top = last
            .and_then(|a| self.rules.get(&a))
            .map(|followers| followers.iter().take(k).map(|(b, _)| *b).collect())
            .unwrap_or_default();
        self.pop.fill(top, k)
    }
}

impl<'a> PlainKnn<'a> {
    pub fn new(model: &'a BehaviourModel) -> Self {
        let params = KnnParams {
            k: 100,
            sample_per_item: KnnParams::default().sample_per_item,
            lambda_position: f64::INFINITY,
            lambda_recency: f64::INFINITY,
            lambda_neighbour_position: f64::INFINITY,
            anchor_weight: 1.0,
            idf: 0.0,
            repeat: 0.0,
        };
        PlainKnn { model, params }
    }
}

impl Ranker for PlainKnn<'_> {
    fn next(&self, events: &[String], k: usize) -> Vec<u32> {
        self.model.next_with(&self.params, events, k)
    }
}
