//! Who the shopper is and what they like.
//!
//! `ShopperProfile` is what they told us at onboarding (gender, age band, styles) — or, for a
//! guest who skipped it, a sensible default persona (Shoa's choice: a woman working in her late
//! 20s, simple and office looks). `Taste` is what their behaviour says: affinities to malls,
//! categories, styles, brands and a price level, learned from every event the moment it is
//! recorded, each weighted by what it means (a glance < a long look < 찜 < cart < purchase) and
//! fading with a two-week half-life. The stated profile matters most at first and yields as
//! behaviour accumulates.

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::events::Event;
use crate::rank::catalog::{age_bit, style_bit, CatalogIndex};
use moa_protocol::model::{AgeBand, Category, Gender, Style};

/// One word of Moa's vocabulary as an app offers it: the `word` to send back, the `label` to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub word: String,
    pub label: String,
}

/// The choices onboarding and the search filters offer, in the shopper's language: the apps keep
/// no copies of these lists or their words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vocabulary {
    /// Who the shopper dresses as (onboarding offers women's and men's; unisex is a product's).
    pub genders: Vec<Choice>,
    pub age_bands: Vec<Choice>,
    pub styles: Vec<Choice>,
    pub categories: Vec<Choice>,
}

impl Vocabulary {
    pub fn new(locale: moa_protocol::model::Locale) -> Vocabulary {
        fn choices<T: Copy>(all: &[T], word: fn(T) -> &'static str, label: impl Fn(T) -> &'static str) -> Vec<Choice> {
            all.iter().map(|&v| Choice { word: word(v).into(), label: label(v).into() }).collect()
        }
        Vocabulary {
            genders: choices(&[Gender::Women, Gender::Men], Gender::as_str, |g| g.label(locale)),
            age_bands: choices(AgeBand::ALL, AgeBand::as_str, |a| a.label(locale)),
            styles: choices(Style::ALL, Style::as_str, |s| s.label(locale)),
            categories: choices(Category::ALL, Category::as_str, |c| c.label(locale)),
        }
    }
}

/// What the shopper told us (onboarding), or the default persona for a guest who did not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ShopperProfile {
    pub gender: Option<Gender>,
    pub age_band: Option<AgeBand>,
    /// Styles chosen at onboarding, strongest first.
    pub styles: Vec<Style>,
}

impl ShopperProfile {
    /// The persona a guest gets until their behaviour says otherwise.
    pub fn guest_default() -> Self {
        ShopperProfile {
            gender: Some(Gender::Women),
            age_band: Some(AgeBand::Late20s),
            styles: vec![Style::SimpleBasic, Style::OfficeLook, Style::Minimal],
        }
    }

    pub fn is_empty(&self) -> bool {
        self.gender.is_none() && self.age_band.is_none() && self.styles.is_empty()
    }
}

const HALF_LIFE_MS: f64 = 14.0 * 86_400_000.0;
/// Events within this much of the latest one belong to the current visit.
const VISIT_GAP_MS: i64 = 30 * 60 * 1000;
const VISIT_MAX: usize = 20;

/// Affinities learned from behaviour. Values are stored scaled to a reference time so that
/// decay costs nothing per event: a weight w at time t is stored as w·2^((t−t0)/half-life).
#[derive(Debug, Clone)]
pub struct Taste {
    t0_ms: i64,
    pub malls: Vec<f64>,
    pub categories: [f64; 8],
    pub styles: [f64; 9],
    pub brands: HashMap<String, f64>,
    log_price_sum: f64,
    log_price_weight: f64,
    /// Total positive weight learned, scaled like the rest.
    pub evidence: f64,
    /// Products engaged with in the current visit, oldest first: the seed of "viewed together".
    pub visit: VecDeque<(i64, u32)>,
    /// Products the shopper engaged with (for fatigue: shown and tapped is not fatigue).
    pub engaged: std::collections::HashSet<u32>,
    latest_ms: i64,
}

fn category_slot(c: Category) -> usize {
    Category::ALL.iter().position(|x| *x == c).unwrap_or(0)
}

impl Taste {
    pub fn new(malls: usize, t0_ms: i64) -> Self {
        Taste {
            t0_ms,
            malls: vec![0.0; malls],
            categories: [0.0; 8],
            styles: [0.0; 9],
            brands: HashMap::new(),
            log_price_sum: 0.0,
            log_price_weight: 0.0,
            evidence: 0.0,
            visit: VecDeque::new(),
            engaged: Default::default(),
            latest_ms: t0_ms,
        }
    }

    /// How much an event says about taste, and of which product.
    fn signal(event: &Event) -> Option<(&str, f64)> {
        Some(match event {
            Event::ProductView { product_id, dwell_ms } => {
                let w = match dwell_ms {
                    0..=1_999 => 0.2, // a bounce says little
                    2_000..=9_999 => 1.0,
                    10_000..=29_999 => 1.5,
                    _ => 2.0,
                };
                (product_id, w)
            }
            Event::WishlistAdd { product_id } => (product_id, 4.0),
            Event::WishlistRemove { product_id } => (product_id, -1.5),
            Event::AddToCart { product_id } => (product_id, 6.0),
            Event::Purchase { product_id } => (product_id, 8.0),
            Event::ClickOut { product_id } => (product_id, 3.0),
            Event::NotInterested { product_id } => (product_id, -1.0),
            _ => return None,
        })
    }

    /// Learn from one event, now. Products not in the catalog teach nothing (yet).
    pub fn learn(&mut self, at_ms: i64, event: &Event, catalog: &CatalogIndex) {
        let scale = 2f64.powf((at_ms - self.t0_ms) as f64 / HALF_LIFE_MS);
        self.latest_ms = self.latest_ms.max(at_ms);
        match event {
            Event::FollowMall { mall_id } | Event::UnfollowMall { mall_id } => {
                if let Some(&m) = catalog.mall_by_id.get(mall_id) {
                    let w = if matches!(event, Event::FollowMall { .. }) { 5.0 } else { -3.0 };
                    self.malls[m as usize] += w * scale;
                }
                return;
            }
            Event::HideMall { mall_id } => {
                if let Some(&m) = catalog.mall_by_id.get(mall_id) {
                    self.malls[m as usize] -= 5.0 * scale;
                }
                return;
            }
            _ => {}
        }
        let Some((product_id, weight)) = Self::signal(event) else { return };
        let Some(i) = catalog.get(product_id) else { return };
        let p = &catalog.products[i as usize];
        let w = weight * scale;
        if let Some(slot) = self.malls.get_mut(catalog.mall[i as usize] as usize) {
            *slot += w;
        }
        self.categories[category_slot(p.category)] += w;
        let styles = p.styles.len().max(1) as f64;
        for s in &p.styles {
            self.styles[Style::ALL.iter().position(|x| x == s).unwrap_or(0)] += w / styles;
        }
        if let Some(brand) = &p.brand {
            *self.brands.entry(brand.clone()).or_insert(0.0) += w;
        }
        if weight > 0.0 {
            self.evidence += w;
            self.log_price_sum += w * catalog.log_price[i as usize] as f64;
            self.log_price_weight += w;
            self.engaged.insert(i);
            // The visit: engagement within half an hour of the previous one.
            if self.visit.back().is_some_and(|(t, _)| at_ms - t > VISIT_GAP_MS) {
                self.visit.clear();
            }
            self.visit.retain(|(_, p)| *p != i);
            self.visit.push_back((at_ms, i));
            if self.visit.len() > VISIT_MAX {
                self.visit.pop_front();
            }
        }
    }

    /// Evidence in "views" at the time of the latest event, after decay.
    pub fn evidence_now(&self) -> f64 {
        self.evidence / 2f64.powf((self.latest_ms - self.t0_ms) as f64 / HALF_LIFE_MS)
    }

    /// The shopper's usual price level (log of won) and how sure we are of it.
    pub fn price_level(&self) -> Option<f64> {
        (self.log_price_weight > 0.0).then(|| self.log_price_sum / self.log_price_weight)
    }

    /// Products of the current visit, oldest first.
    pub fn visit_products(&self) -> Vec<u32> {
        self.visit.iter().map(|(_, p)| *p).collect()
    }

    /// The mall the shopper likes most, if behaviour says so.
    pub fn favourite_mall(&self) -> Option<usize> {
        self.malls.iter().enumerate().filter(|(_, w)| **w > 0.0).max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i)
    }
}

/// The stated profile as masks, for scoring.
pub struct StatedTaste {
    pub gender: Option<Gender>,
    pub age_mask: u8,
    pub style_mask: u16,
}

impl From<&ShopperProfile> for StatedTaste {
    fn from(p: &ShopperProfile) -> Self {
        StatedTaste {
            gender: p.gender,
            age_mask: p.age_band.map(age_bit).unwrap_or(0),
            style_mask: p.styles.iter().fold(0, |m, s| m | style_bit(*s)),
        }
    }
}

#[cfg(test)]
mod vocabulary_tests {
    use super::*;
    use moa_protocol::model::Locale;

    #[test]
    fn the_vocabulary_has_every_word_with_its_label() {
        let ko = Vocabulary::new(Locale::Ko);
        assert_eq!(ko.genders.iter().map(|c| c.word.as_str()).collect::<Vec<_>>(), ["women", "men"]);
        assert_eq!(ko.age_bands.len(), AgeBand::ALL.len());
        assert_eq!(ko.styles.len(), Style::ALL.len());
        assert_eq!(ko.styles.iter().find(|c| c.word == "lovely").unwrap().label, "러블리");
        let en = Vocabulary::new(Locale::En);
        assert_eq!(en.age_bands.iter().find(|c| c.word == "forties").unwrap().label, "40s");
        // Every word is one the core reads back.
        assert!(ko.styles.iter().all(|c| Style::parse(&c.word).is_some()));
        assert!(ko.categories.iter().all(|c| Category::parse(&c.word).is_some()));
    }
}
