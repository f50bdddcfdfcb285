//! The catalog as the ranker reads it: every in-stock product in compact columns (so scoring
//! 100,000 products is a tight loop), the population's sessions indexed for neighbours, and
//! each segment's most viewed products. Built from the store after a sync, shared read-only.

use std::collections::HashMap;
use std::sync::Arc;

use crate::rank::session_knn::{KnnParams, SessionIndex};
use moa_protocol::model::{AgeBand, Category, Gender, Mall, Product, Style};
use moa_protocol::wire::PopulationStats;

pub struct CatalogIndex {
    /// In-stock products; a product's index here is its id everywhere in ranking.
    pub products: Vec<Product>,
    pub by_id: HashMap<String, u32>,
    pub malls: Vec<Mall>,
    pub mall_by_id: HashMap<String, u16>,
    /// Per product: its mall's index, category, styles as a bit mask, age bands as a bit mask.
    pub mall: Vec<u16>,
    pub category: Vec<Category>,
    pub style_mask: Vec<u16>,
    pub age_mask: Vec<u8>,
    pub gender: Vec<Gender>,
    /// Per product: index into `brands`, or u32::MAX for none.
    pub brand: Vec<u32>,
    pub brands: Vec<String>,
    pub log_price: Vec<f32>,
    pub created_at: Vec<i64>,
    /// Popularity scaled to 0..1 (log).
    pub popularity: Vec<f32>,
    /// Per product: a hash of its id, the same on every device whatever else it holds (the
    /// day's jitter is drawn from it, so a working set and the whole catalog break ties alike).
    pub key: Vec<u64>,
    pub sessions: SessionIndex,
    /// How the feed weighs the sessions: its own rules with what the server tuned on them.
    pub session_params: KnnParams,
    /// Segment key → product indices, most viewed first.
    pub segments: HashMap<String, Vec<u32>>,
    /// The population's products this device does not hold, by their index in `sessions`
    /// less the products held (what a working set could fetch).
    pub unheld: Vec<String>,
    /// Per product: the item it is, as the first product (by index) of its same-item group, or
    /// itself. Shared with the feed's "already shown" sets, which count items, not listings.
    pub item: Arc<Vec<u32>>,
    /// Item → every in-stock listing of it, for items sold by more than one product.
    pub listings: HashMap<u32, Vec<u32>>,
}

/// A product of a mall we have no record of still ranks, under its id.
fn unknown_mall(p: &Product) -> Mall {
    Mall {
        id: p.mall_id.clone(),
        name: p.mall_id.clone(),
        platform: moa_protocol::model::Platform::Cafe24,
        homepage: String::new(),
        link_hosts: Vec::new(),
        styles: Vec::new(),
        gender: p.gender,
        age_bands: Vec::new(),
        contact: None,
    }
}

/// FNV-1a of a product id: stable across devices, releases and catalogs.
fn id_key(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

pub fn style_bit(style: Style) -> u16 {
    1 << Style::ALL.iter().position(|s| *s == style).unwrap_or(0)
}

pub fn age_bit(age: AgeBand) -> u8 {
    1 << AgeBand::ALL.iter().position(|a| *a == age).unwrap_or(0)
}

impl CatalogIndex {
    pub fn build(mut products: Vec<Product>, malls: Vec<Mall>, stats: &PopulationStats) -> Self {
        products.retain(Product::in_stock);
        products.sort_by(|a, b| a.id.cmp(&b.id));
        let by_id: HashMap<String, u32> = products.iter().enumerate().map(|(i, p)| (p.id.clone(), i as u32)).collect();
        let mut mall_by_id: HashMap<String, u16> =
            malls.iter().enumerate().map(|(i, m)| (m.id.clone(), i as u16)).collect();
        let mut malls = malls;
        let max_pop = products.iter().map(|p| p.popularity).fold(0.0f64, f64::max).ln_1p().max(1e-9);
        let mut index = CatalogIndex {
            mall: Vec::with_capacity(products.len()),
            category: Vec::with_capacity(products.len()),
            style_mask: Vec::with_capacity(products.len()),
            age_mask: Vec::with_capacity(products.len()),
            gender: Vec::with_capacity(products.len()),
            brand: Vec::with_capacity(products.len()),
            brands: Vec::new(),
            log_price: Vec::with_capacity(products.len()),
            created_at: Vec::with_capacity(products.len()),
            popularity: Vec::with_capacity(products.len()),
            key: Vec::with_capacity(products.len()),
            sessions: SessionIndex::build(Vec::new(), 0),
            session_params: KnnParams::FEED,
            unheld: Vec::new(),
            segments: HashMap::new(),
            item: Arc::new(Vec::new()),
            listings: HashMap::new(),
            products: Vec::new(),
            by_id,
            malls: Vec::new(),
            mall_by_id: HashMap::new(),
        };
        let mut brand_ids: HashMap<String, u32> = HashMap::new();
        for p in &products {
            index.brand.push(match &p.brand {
                Some(b) => *brand_ids.entry(b.clone()).or_insert_with(|| {
                    index.brands.push(b.clone());
                    index.brands.len() as u32 - 1
                }),
                None => u32::MAX,
            });
            let mall = match mall_by_id.get(&p.mall_id) {
                Some(&m) => m,
                None => {
                    let m = malls.len() as u16;
                    mall_by_id.insert(p.mall_id.clone(), m);
                    malls.push(unknown_mall(p));
                    m
                }
            };
            index.mall.push(mall);
            index.category.push(p.category);
            index.style_mask.push(p.styles.iter().fold(0, |m, s| m | style_bit(*s)));
            index.age_mask.push(p.age_bands.iter().fold(0, |m, a| m | age_bit(*a)));
            index.gender.push(p.gender);
            index.log_price.push((p.price.amount.max(1) as f32).ln());
            index.created_at.push(p.created_at);
            index.popularity.push((p.popularity.ln_1p() / max_pop) as f32);
            index.key.push(id_key(&p.id));
        }
        index.learn_population(stats, products.len());
        index.item = Arc::new(index.group_same_items(&products));
        index.products = products;
        index.malls = malls;
        index.mall_by_id = mall_by_id;
        index
    }

    /// The population's sessions and segment lists, in catalog indices (products no longer in
    /// stock drop out).
    fn learn_population(&mut self, stats: &PopulationStats, products: usize) {
        // Every session whole, in its order: a product this device does not hold (a working set,
        // or sold out) still makes two sessions alike, under an index of its own past the
        // products, so the neighbours are the same as with the whole catalog held.
        let mut unheld: HashMap<&str, u32> = HashMap::new();
        let sessions: Vec<Vec<u32>> = stats
            .sessions
            .iter()
            .map(|s| {
                s.iter()
                    .map(|id| match self.by_id.get(id) {
                        Some(&i) => i,
                        None => {
                            let next = (products + unheld.len()) as u32;
                            *unheld.entry(id.as_str()).or_insert(next)
                        }
                    })
                    .collect::<Vec<u32>>()
            })
            .collect();
        self.sessions = SessionIndex::build(sessions, products + unheld.len()).scoring_below(products);
        self.session_params = KnnParams::feed_tuned(stats.session_model.as_ref());
        let mut by_index: Vec<(u32, &str)> = unheld.into_iter().map(|(id, i)| (i, id)).collect();
        by_index.sort_unstable();
        self.unheld = by_index.into_iter().map(|(_, id)| id.to_string()).collect();
        self.segments = stats
            .segments
            .iter()
            .map(|(k, ids)| (k.clone(), ids.iter().filter_map(|id| self.by_id.get(id).copied()).collect()))
            .collect();
    }

    /// The item each product is (the first listing of its same-item group), and the listings of
    /// each item sold by several malls.
    fn group_same_items(&mut self, products: &[Product]) -> Vec<u32> {
        let mut first_of_group: HashMap<&str, u32> = HashMap::new();
        let mut item = Vec::with_capacity(products.len());
        for (i, p) in products.iter().enumerate() {
            let me = i as u32;
            let it = match &p.same_item {
                Some(key) => *first_of_group.entry(key.as_str()).or_insert(me),
                None => me,
            };
            item.push(it);
            if it != me {
                self.listings.entry(it).or_insert_with(|| vec![it]).push(me);
            }
        }
        item
    }

    pub fn len(&self) -> usize {
        self.products.len()
    }

    pub fn is_empty(&self) -> bool {
        self.products.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    /// The other in-stock listings of the item product `i` is (other malls' and its own mall's).
    pub fn other_listings(&self, i: u32) -> impl Iterator<Item = u32> + '_ {
        let item = self.item.get(i as usize).copied().unwrap_or(i);
        self.listings.get(&item).into_iter().flatten().copied().filter(move |&j| j != i)
    }

    pub fn mall_of(&self, i: u32) -> &Mall {
        &self.malls[self.mall[i as usize] as usize]
    }
}
