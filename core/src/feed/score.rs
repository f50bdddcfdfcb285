//! Every product's score for one shopper, and why it is there. Exclusions make a product
//! ineligible; everything else only moves it. There is no input for paid placement.

use std::collections::HashMap;

use moa_protocol::model::{Category, Gender, Style};
use moa_protocol::prior;
use moa_protocol::wire::segment_key;

use super::{hash, normalise, FeedContext, Scored, Why, DAY};
use crate::profile::StatedTaste;
use crate::rank::catalog::style_bit;

/// How much each signal counts (docs/RANKING.md says why each is what it is). One value, so a
/// tuning is one diff and a test can hold the ranking to it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Weights {
    // What the shopper's behaviour taught: malls, categories, styles, brands.
    pub learned_mall: f32,
    pub learned_category: f32,
    pub learned_style: f32,
    pub learned_brand: f32,
    // What onboarding said.
    pub stated_style: f32,
    pub stated_age: f32,
    /// Behaviour outweighs what was said as evidence grows: learned = e / (e + this).
    pub evidence_half: f64,
    /// How far the stated profile yields to behaviour, for a guest's default and for the shopper's own.
    pub guest_stated_yields: f32,
    pub own_stated_yields: f32,
    /// Viewed together with what the shopper engaged with in this visit.
    pub viewed_together: f32,
    pub segment: f32,
    /// Freshness, decaying over `fresh_days`.
    pub fresh: f32,
    pub fresh_days: f32,
    pub popularity: f32,
    /// Price level fit (a Gaussian of `price_sigma` in log price), once behaviour shows one.
    pub price_fit: f32,
    pub price_sigma: f64,
    /// Another gender's clothes (the stated gender's opposite).
    pub gender_clash: f32,
    /// Shown this many times without engagement, a product starts to sink, by `fatigue_step` a time.
    pub fatigue_after: f32,
    pub fatigue_step: f32,
    /// Per-product jitter of the day, so that equal scores do not always resolve alike.
    pub jitter: f32,
}

pub(crate) const WEIGHTS: Weights = Weights {
    learned_mall: 1.0,
    learned_category: 0.8,
    learned_style: 1.3,
    learned_brand: 0.4,
    stated_style: 1.4,
    stated_age: prior::STATED_AGE,
    evidence_half: 3.0,
    guest_stated_yields: 0.9,
    own_stated_yields: 0.5,
    viewed_together: 1.6,
    segment: prior::SEGMENT,
    fresh: prior::FRESH,
    fresh_days: prior::FRESH_DAYS,
    popularity: prior::POPULARITY,
    price_fit: 0.3,
    price_sigma: 0.45,
    gender_clash: 3.0,
    fatigue_after: 3.0,
    fatigue_step: 0.12,
    jitter: 0.08,
};

/// What scoring reads, gathered once per home as flat arrays over the catalog (the shopper's
/// sets are small and the catalog large: hashing 100,000 ids per home was most of its time).
struct Signals<'a, 'c> {
    ctx: &'a FeedContext<'c>,
    w: Weights,
    stated: StatedTaste,
    stated_styles: Vec<(u16, Style)>,
    /// 0..1: how much behaviour there is to go on.
    learned: f32,
    stated_weight: f32,
    malls: Vec<f32>,
    categories: Vec<f32>,
    styles: Vec<f32>,
    brands: Vec<f32>,
    price_level: Option<f64>,
    together: Vec<f32>,
    segment: Vec<f32>,
    blocked: Vec<bool>,
    hidden_malls: Vec<bool>,
    excluded_styles: u16,
    shown_times: Vec<u32>,
}

/// Score every product for this shopper.
pub(super) fn score(ctx: &FeedContext<'_>) -> Scored {
    let signals = Signals::gather(ctx, WEIGHTS);
    let n = ctx.catalog.len();
    let mut out = Scored { score: vec![f32::NEG_INFINITY; n], why: vec![Why::Popular; n], eligible: vec![false; n] };
    // Two halves on two threads: scoring is the bulk of a home, and phones have cores to spare.
    let threads = std::thread::available_parallelism().map(|t| t.get()).unwrap_or(1).min(4);
    let chunk = n.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let parts = out.score.chunks_mut(chunk).zip(out.why.chunks_mut(chunk)).zip(out.eligible.chunks_mut(chunk));
        for (k, ((score, why), eligible)) in parts.enumerate() {
            let signals = &signals;
            scope.spawn(move || {
                for j in 0..score.len() {
                    if let Some((s, w)) = signals.score_one(k * chunk + j) {
                        score[j] = s;
                        why[j] = w;
                        eligible[j] = true;
                    }
                }
            });
        }
    });
    out
}

impl<'a, 'c> Signals<'a, 'c> {
    fn gather(ctx: &'a FeedContext<'c>, w: Weights) -> Self {
        let (c, t) = (ctx.catalog, ctx.taste);
        let n = c.len();
        let evidence = t.evidence_now();
        // Behaviour weighs in as it accumulates; the stated profile yields (a guest's default more).
        let learned = (evidence / (evidence + w.evidence_half)) as f32;
        let yields = if ctx.guest { w.guest_stated_yields } else { w.own_stated_yields };
        let brands_max = t.brands.values().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-9);
        let mut blocked = vec![false; n];
        for i in ctx.excluded.products.iter().filter_map(|id| c.get(id)) {
            blocked[i as usize] = true;
        }
        let mut shown_times = vec![0u32; n];
        for (id, times) in ctx.impressions {
            if let Some(i) = c.get(id) {
                shown_times[i as usize] = *times;
            }
        }
        Signals {
            ctx,
            w,
            stated: StatedTaste::from(ctx.profile),
            stated_styles: ctx.profile.styles.iter().map(|s| (style_bit(*s), *s)).collect(),
            learned,
            stated_weight: 1.0 - yields * learned,
            malls: normalise(&t.malls),
            categories: normalise(&t.categories),
            styles: normalise(&t.styles),
            brands: c.brands.iter().map(|b| t.brands.get(b).map(|v| (v / brands_max) as f32).unwrap_or(0.0)).collect(),
            price_level: t.price_level(),
            together: viewed_together(ctx),
            segment: segment_ranks(ctx),
            blocked,
            hidden_malls: c.malls.iter().map(|m| ctx.excluded.malls.contains(&m.id)).collect(),
            excluded_styles: ctx.excluded.styles.iter().fold(0u16, |m, s| m | style_bit(*s)),
            shown_times,
        }
    }

    /// One product's score and its strongest reason; None when it may not be shown at all.
    fn score_one(&self, i: usize) -> Option<(f32, Why)> {
        let (c, w, ctx) = (self.ctx.catalog, &self.w, self.ctx);
        if self.blocked[i] || self.hidden_malls[c.mall[i] as usize] || c.style_mask[i] & self.excluded_styles != 0 {
            return None;
        }
        let mall = self.malls.get(c.mall[i] as usize).copied().unwrap_or(0.0);
        let category = self.categories[Category::ALL.iter().position(|x| *x == c.category[i]).unwrap_or(0)];
        // Only the compact columns are read here: touching the products themselves (strings on
        // the heap) made this loop ten times slower.
        let mask = c.style_mask[i];
        let (mut style_best, mut style_of) = (0f32, None);
        for (k, style) in Style::ALL.iter().enumerate() {
            if mask & (1 << k) != 0 && self.styles[k] > style_best {
                style_best = self.styles[k];
                style_of = Some(*style);
            }
        }
        let brand = self.brands.get(c.brand[i] as usize).copied().unwrap_or(0.0);
        let taste = w.learned_mall * mall
            + w.learned_category * category
            + w.learned_style * style_best
            + w.learned_brand * brand;
        let stated_style = if mask & self.stated.style_mask != 0 { 1.0 } else { 0.0 };
        let stated_style_of = self.stated_styles.iter().find(|(bit, _)| mask & bit != 0).map(|(_, s)| *s);
        let stated_age = if c.age_mask[i] & self.stated.age_mask != 0 { 1.0 } else { 0.0 };
        let gender_clash = match (self.stated.gender, c.gender[i]) {
            (Some(Gender::Women), Gender::Men) | (Some(Gender::Men), Gender::Women) => w.gender_clash,
            _ => 0.0,
        };
        let age_days = (ctx.now - c.created_at[i]).max(0) as f32 / DAY as f32;
        let fresh = (-age_days / w.fresh_days).exp();
        let price_fit = match self.price_level {
            Some(level) => (-((c.log_price[i] as f64 - level).powi(2)) / (2.0 * w.price_sigma.powi(2))).exp() as f32,
            None => 0.0,
        };
        let fatigue = match self.shown_times[i] {
            0 => 0.0,
            shown if !ctx.taste.engaged.contains(&(i as u32)) => {
                (w.fatigue_step * (shown as f32 - w.fatigue_after)).clamp(0.0, 1.0)
            }
            _ => 0.0,
        };
        let learned_why = if mall >= style_best.max(category) {
            Why::FavouriteMall
        } else {
            style_of.map(Why::YourStyle).unwrap_or(Why::Popular)
        };
        let parts = [
            (self.learned * taste, learned_why),
            (
                self.stated_weight * (w.stated_style * stated_style + w.stated_age * stated_age),
                stated_style_of.map(Why::YourStyle).unwrap_or(Why::Segment),
            ),
            (w.viewed_together * self.together[i], Why::ViewedTogether),
            (w.segment * self.segment[i], Why::Segment),
            (w.fresh * fresh, Why::New),
            (w.popularity * c.popularity[i], Why::Popular),
        ];
        let total: f32 =
            parts.iter().map(|(v, _)| v).sum::<f32>() + w.price_fit * self.learned * price_fit - gender_clash - fatigue
                + w.jitter * hash(ctx.seed, ctx.catalog.key[i]);
        let why = parts.iter().max_by(|a, b| a.0.total_cmp(&b.0)).map(|(_, w)| *w).unwrap_or(Why::Popular);
        Some((total, why))
    }
}

/// 0..1 per product: viewed together with what the shopper engaged with in this visit (the
/// visit's own products are 0: they are not suggested back).
fn viewed_together(ctx: &FeedContext<'_>) -> Vec<f32> {
    let c = ctx.catalog;
    let mut together = vec![0f32; c.len()];
    let visit = ctx.taste.visit_products();
    if visit.is_empty() {
        return together;
    }
    let mut scores = HashMap::new();
    c.sessions.score_next(&visit, &c.session_params, c.sessions.len(), &mut scores);
    let max = scores.values().fold(0.0f64, |m, v| m.max(*v)).max(1e-9);
    for (i, s) in scores {
        together[i as usize] = (s / max) as f32;
    }
    for i in &visit {
        together[*i as usize] = 0.0;
    }
    together
}

/// 1 for the most popular product in the shopper's segment (gender × age), down towards 0.
fn segment_ranks(ctx: &FeedContext<'_>) -> Vec<f32> {
    let c = ctx.catalog;
    let mut segment = vec![0f32; c.len()];
    if let (Some(g), Some(a)) = (ctx.profile.gender, ctx.profile.age_band) {
        if let Some(list) = c.segments.get(&segment_key(g, a)) {
            let len = list.len().max(1) as f32;
            for (rank, &i) in list.iter().enumerate() {
                segment[i as usize] = 1.0 - rank as f32 / len;
            }
        }
    }
    segment
}
