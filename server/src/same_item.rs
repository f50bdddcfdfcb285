//! One item, many malls: many soho malls sell the same Dongdaemun piece with the same photo
//! (re-encoded, resized, a little cropped). The server sees every mall, so it is the server that
//! groups them, by the perceptual hash of each product's main image, and gives each group a key
//! the apps sync with the catalog. The apps then show one card per group.
//!
//! Grouping is by leader: a product joins the closest group whose leader's hash is within
//! `SAME_ITEM_DISTANCE` bits, of the same category and gender (a skirt and a bag never are one
//! item, whatever their photos), or leads a group of its own. Keys never change once given, so
//! a product's group does not move under the apps' feet when others come and go.
//!
//! The photo is not the only evidence: the same item's main photo shows the same colourway (the
//! first colour each mall lists, when both list colours) and malls price it within half again
//! of each other. Studio shots of one
//! category look much alike at hash resolution, and these two facts remove most of the
//! near-misses a hash alone lets through (see the false-grouping figures in docs/BENCHMARKS.md).

use std::collections::HashMap;

use moa_imaging::hash::SAME_ITEM_DISTANCE;
use moa_protocol::model::PhotoHash;
use moa_protocol::model::{Category, Gender, Product};

/// Resellers price one item within this factor of each other.
const PRICE_FACTOR: f64 = 1.5;

/// The colour the main photo shows: the first one the mall lists.
fn main_colour(p: &Product) -> Option<String> {
    p.variants.iter().find_map(|v| v.color.clone())
}

/// Could `p` be the leader's item, apart from the photo?
fn compatible(leader: &Leader, p: &Product, colour: &Option<String>) -> bool {
    let (a, b) = (leader.price.max(1) as f64, p.price.amount.max(1) as f64);
    let prices = a.max(b) / a.min(b) <= PRICE_FACTOR;
    let colours = match (&leader.colour, colour) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    prices && colours
}

struct Leader {
    hash: PhotoHash,
    price: i64,
    colour: Option<String>,
    key: String,
    /// Products in the group, the leader included: a group of one has no key on its products.
    members: usize,
}

/// Where a group can be: its product's category and gender.
type Bucket = (Category, Gender);

/// The groups found so far, by category and gender.
#[derive(Default)]
pub struct SameItemGroups {
    leaders: HashMap<Bucket, Vec<Leader>>,
    /// A bucket's leaders by their colour (None: listed none), so that a product is compared
    /// only with the leaders it could join: at a million products, comparing each with all of
    /// its bucket's tens of thousands of leaders was still running after minutes.
    by_colour: HashMap<Bucket, HashMap<Option<String>, Vec<usize>>>,
    /// Product id → the index of its group among its category's leaders.
    member_of: HashMap<String, (Bucket, usize)>,
}

impl SameItemGroups {
    /// Groups for the products given (in the order given: earlier ones lead).
    pub fn of(products: &[Product]) -> Self {
        let mut groups = SameItemGroups::default();
        for p in products {
            groups.add(p);
        }
        groups
    }

    /// The groups as the catalog has them: products that carry a key keep it (its leader is the
    /// product the key names, when still listed, else the group's first by id), and every other
    /// hashed product leads a group of its own. Resuming this way keeps keys stable across imports.
    pub fn resume(existing: &[Product]) -> Self {
        let mut groups = SameItemGroups::default();
        let mut keyed: HashMap<&str, Vec<&Product>> = HashMap::new();
        for p in existing.iter().filter(|p| p.image_hash.is_some()) {
            if let Some(key) = &p.same_item {
                keyed.entry(key.as_str()).or_default().push(p);
            }
        }
        let mut keys: Vec<&str> = keyed.keys().copied().collect();
        keys.sort_unstable();
        for key in keys {
            let mut members = keyed.remove(key).unwrap_or_default();
            members.sort_by(|a, b| a.id.cmp(&b.id));
            let leader_at = members.iter().position(|p| key.strip_prefix("item-") == Some(p.id.as_str())).unwrap_or(0);
            let leader = members[leader_at];
            let bucket = (leader.category, leader.gender);
            let index = groups.lead(
                bucket,
                Leader {
                    hash: leader.image_hash.expect("filtered on hashes"),
                    price: leader.price.amount,
                    colour: main_colour(leader),
                    key: key.to_string(),
                    members: members.len(),
                },
            );
            for m in members {
                groups.member_of.insert(m.id.clone(), (bucket, index));
            }
        }
        for p in existing.iter().filter(|p| p.same_item.is_none()) {
            groups.add(p);
        }
        groups
    }

    /// Place a product; returns the key of its group. A product placed before keeps its group.
    pub fn add(&mut self, p: &Product) -> Option<String> {
        if let Some((bucket, index)) = self.member_of.get(&p.id) {
            return Some(self.leaders[bucket][*index].key.clone());
        }
        let hash = p.image_hash?;
        let bucket = (p.category, p.gender);
        let colour = main_colour(p);
        let index = match self.closest(bucket, p, &hash, &colour) {
            Some(index) => {
                self.leaders.get_mut(&bucket).expect("the closest is a leader")[index].members += 1;
                index
            }
            None => {
                let leader = Leader { hash, price: p.price.amount, colour, key: format!("item-{}", p.id), members: 1 };
                self.lead(bucket, leader)
            }
        };
        self.member_of.insert(p.id.clone(), (bucket, index));
        Some(self.leaders[&bucket][index].key.clone())
    }

    /// The closest group `p` can join, not the first: a resale is nearer its own design than
    /// any other that happens to be close. Only leaders of its colour or of none can be its
    /// item (a product listing no colour may join any).
    fn closest(&self, bucket: Bucket, p: &Product, hash: &PhotoHash, colour: &Option<String>) -> Option<usize> {
        let leaders = self.leaders.get(&bucket)?;
        let reach = |k: usize| {
            let l = &leaders[k];
            let d = l.hash.distance(hash);
            (d <= SAME_ITEM_DISTANCE && compatible(l, p, colour)).then_some((d, k))
        };
        let closest = match colour {
            None => (0..leaders.len()).filter_map(reach).min(),
            Some(_) => {
                let by_colour = &self.by_colour[&bucket];
                let same = by_colour.get(colour).into_iter().flatten();
                let unlisted = by_colour.get(&None).into_iter().flatten();
                same.chain(unlisted).filter_map(|&k| reach(k)).min()
            }
        };
        closest.map(|(_, k)| k)
    }

    /// A new group in `bucket`, led by `leader`; returns its index.
    fn lead(&mut self, bucket: Bucket, leader: Leader) -> usize {
        let leaders = self.leaders.entry(bucket).or_default();
        let index = leaders.len();
        self.by_colour.entry(bucket).or_default().entry(leader.colour.clone()).or_default().push(index);
        leaders.push(leader);
        index
    }

    /// The key to publish on this product: its group's, when the group has other members.
    pub fn key_of(&self, product_id: &str) -> Option<String> {
        let (bucket, index) = self.member_of.get(product_id)?;
        let leader = &self.leaders[bucket][*index];
        (leader.members > 1).then(|| leader.key.clone())
    }

    /// Set `same_item` on every product from the groups.
    pub fn label(&self, products: &mut [Product]) {
        for p in products {
            p.same_item = self.key_of(&p.id);
        }
    }

    /// How many groups have more than one product.
    pub fn shared_items(&self) -> usize {
        self.leaders.values().flatten().filter(|l| l.members > 1).count()
    }
}
