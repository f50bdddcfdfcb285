//! A simulated population of shoppers for the demo world: each has a persona (gender, age
//! band, one or two styles) and browses the way soho-mall shoppers do — products of their
//! style and age, popular ones more often, and often several products of one mall in a row.
//! From their sessions the server derives what it would derive from real uploaded events:
//! popularity per segment and the anonymous sessions the devices rank with.

use std::collections::{BTreeMap, HashMap};

use moa_protocol::model::{AgeBand, Gender, Product, Style};
use moa_protocol::wire::{segment_key, PopulationStats};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::DemoWorld;

/// Products kept per segment's popularity list.
const SEGMENT_TOP: usize = 300;

#[derive(Debug, Clone)]
pub struct Persona {
    pub gender: Gender,
    pub age: AgeBand,
    pub styles: Vec<Style>,
}

impl Persona {
    /// Would this shopper look at this product?
    pub fn fits(&self, p: &Product) -> bool {
        let gender_ok = match self.gender {
            Gender::Men => p.gender != Gender::Women,
            _ => p.gender != Gender::Men,
        };
        gender_ok && p.in_stock() && p.age_bands.contains(&self.age) && p.styles.iter().any(|s| self.styles.contains(s))
    }
}

fn random_persona(rng: &mut ChaCha8Rng) -> Persona {
    let gender = if rng.random_bool(0.85) { Gender::Women } else { Gender::Men };
    let ages = [
        (AgeBand::Teens, 1.0),
        (AgeBand::Early20s, 3.0),
        (AgeBand::Mid20s, 3.0),
        (AgeBand::Late20s, 2.5),
        (AgeBand::Early30s, 2.0),
        (AgeBand::Mid30s, 1.5),
        (AgeBand::Late30s, 1.0),
        (AgeBand::Forties, 0.7),
    ];
    let age = ages.choose_weighted(rng, |a| a.1).expect("weights").0;
    let first = *Style::ALL.choose(rng).expect("styles");
    let mut styles = vec![first];
    if rng.random_bool(0.4) {
        let second = *Style::ALL.choose(rng).expect("styles");
        if second != first {
            styles.push(second);
        }
    }
    Persona { gender, age, styles }
}

/// Simulate `shoppers` shoppers browsing `world` and derive the population statistics.
pub fn simulate(world: &DemoWorld, seed: u64, shoppers: usize) -> PopulationStats {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let products = &world.products;
    let mut by_style: HashMap<Style, Vec<usize>> = HashMap::new();
    let mut by_mall: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in products.iter().enumerate() {
        for s in &p.styles {
            by_style.entry(*s).or_default().push(i);
        }
        by_mall.entry(p.mall_id.as_str()).or_default().push(i);
    }
    // Draw a product the persona fits, popular ones more often (best of three draws).
    let draw = |rng: &mut ChaCha8Rng, pool: &[usize], persona: &Persona| -> Option<usize> {
        let mut best: Option<usize> = None;
        for _ in 0..40 {
            let &i = pool.choose(rng)?;
            if persona.fits(&products[i]) {
                if best.is_none_or(|b| products[i].popularity > products[b].popularity) {
                    best = Some(i);
                }
                if rng.random_bool(0.35) {
                    break;
                }
            }
        }
        best
    };

    let mut sessions = Vec::new();
    let mut views: HashMap<String, HashMap<usize, u32>> = HashMap::new();
    for _ in 0..shoppers {
        let persona = random_persona(&mut rng);
        let segment = segment_key(persona.gender, persona.age);
        for _ in 0..rng.random_range(1..=2) {
            let length = rng.random_range(3..=9);
            let mut session: Vec<usize> = Vec::with_capacity(length);
            while session.len() < length {
                let pool = match session.last() {
                    // Soho shoppers browse on inside a mall they like.
                    Some(&last) if rng.random_bool(0.5) => &by_mall[products[last].mall_id.as_str()],
                    _ => {
                        let style = persona.styles.choose(&mut rng).expect("persona has a style");
                        match by_style.get(style) {
                            Some(pool) => pool,
                            None => break,
                        }
                    }
                };
                match draw(&mut rng, pool, &persona) {
                    Some(i) => session.push(i),
                    None if session.is_empty() => break,
                    None => continue,
                }
            }
            if session.len() >= 2 {
                let counts = views.entry(segment.clone()).or_default();
                for &i in &session {
                    *counts.entry(i).or_insert(0) += 1;
                }
                sessions.push(session.iter().map(|&i| products[i].id.clone()).collect());
            }
        }
    }
    let segments: BTreeMap<String, Vec<String>> = views
        .into_iter()
        .map(|(segment, counts)| {
            let mut ranked: Vec<(usize, u32)> = counts.into_iter().collect();
            ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            (segment, ranked.into_iter().take(SEGMENT_TOP).map(|(i, _)| products[i].id.clone()).collect())
        })
        .collect();
    PopulationStats { segments, sessions, session_model: None }
}
