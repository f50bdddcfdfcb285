//! Working sets (issue #23). A phone cannot hold a real aggregator's catalog, and most of it is
//! not for its shopper: for each segment of shoppers (gender × age band, the keys of the
//! population statistics) the server keeps a shelf — the products a phone of that segment holds —
//! and a device follows its shelf's change feed (`/v1/catalog/changes?shelf=…`) instead of the
//! whole catalog. Choosing a shelf uses nothing of any one shopper: only the products and what
//! the segment as a whole views, so a guest's device can follow one without sending behaviour.
//!
//! Each product entering or leaving a shelf takes a number in the catalog's change sequence
//! (`ChangeWriter::move_on_shelf`): the shelf's feed is the catalog's changes to its products and
//! those moves, in one order, with the same cursor and the same whole-page rules.

use std::collections::{BTreeMap, HashMap, HashSet};

use moa_protocol::model::{AgeBand, Gender, Product, Style};
use moa_protocol::prior::prior;
use moa_protocol::wire::{segment_key, PopulationStats};

use crate::catalog::page_json;
use crate::db::changes::ChangeWriter;
use crate::db::sql::values;
use crate::{CatalogDb, CatalogError};

/// How many products a shelf holds: what a mid-range phone keeps and ranks at a glance
/// (a launch over 20,000 cached products composes its home in about a fifth of 100,000's time).
pub const DEFAULT_SHELF_SIZE: usize = 20_000;

/// The segments that have shelves: women's and men's, each age band.
fn segments() -> impl Iterator<Item = (Gender, AgeBand)> {
    [Gender::Women, Gender::Men].into_iter().flat_map(|g| AgeBand::ALL.iter().map(move |&a| (g, a)))
}

/// Whether `key` names a shelf ("women.early_20s").
pub fn is_shelf(key: &str) -> bool {
    segments().any(|(g, a)| segment_key(g, a) == key)
}

/// What a refresh changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShelfRefresh {
    pub shelves: usize,
    pub entered: u64,
    pub left: u64,
}

/// Products ranked after each shelf's, kept for a device whose "for you" runs out.
pub const DEFAULT_RESERVE: usize = 5_000;

/// A segment's shelf and what comes after it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shelf {
    pub products: Vec<String>,
    /// The next best candidates not on the shelf, best first (`/v1/shelves/{shelf}/reserve`).
    pub reserve: Vec<String>,
}

/// Every segment's shelf of at most `size` products, and a reserve of at most `reserve` after
/// it, chosen from the listed `products` and the population's `stats`, as of `now` (Unix
/// seconds).
pub fn choose(
    products: &[Product],
    stats: &PopulationStats,
    now: i64,
    (size, reserve): (usize, usize),
) -> BTreeMap<String, Shelf> {
    let mut shelves = BTreeMap::new();
    let max_popularity = products.iter().map(|p| p.popularity).fold(0.0f64, f64::max).ln_1p().max(1e-9);
    for (gender, age) in segments() {
        let key = segment_key(gender, age);
        let viewed: HashMap<&str, usize> = stats
            .segments
            .get(&key)
            .map(|ids| ids.iter().enumerate().map(|(rank, id)| (id.as_str(), rank)).collect())
            .unwrap_or_default();
        let segment = Segment { age, viewed, max_popularity };
        // Every age's products may enter, as every age's may reach a shopper's home: the prior
        // gives the segment's own ages their due, as the device's ranker does.
        let fits = |p: &&Product| p.in_stock() && (p.gender == gender || p.gender == Gender::Unisex);
        let mut candidates: Vec<(&Product, f64)> =
            products.iter().filter(fits).map(|p| (p, worth(p, &segment, now))).collect();
        candidates.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.id.cmp(&b.0.id)));
        let chosen = balanced(&candidates, size);
        let on_shelf: HashSet<&str> = chosen.iter().map(String::as_str).collect();
        let after: Vec<String> = candidates
            .iter()
            .filter(|(p, _)| !on_shelf.contains(p.id.as_str()))
            .take(reserve)
            .map(|(p, _)| p.id.clone())
            .collect();
        shelves.insert(key, Shelf { products: chosen, reserve: after });
    }
    shelves
}

/// How much a product is worth a place on a segment's shelf: the prior every device's ranker
/// gives it before knowing the shopper (`moa_protocol::prior`), and a little for a sale (the
/// home's price-drop section draws on them).
fn worth(p: &Product, segment: &Segment<'_>, now: i64) -> f64 {
    let age_days = (now - p.created_at) as f32 / 86_400.0;
    let popularity = (p.popularity.ln_1p() / segment.max_popularity) as f32;
    let for_the_age = p.age_bands.is_empty() || p.age_bands.contains(&segment.age);
    let rank = segment.viewed.get(p.id.as_str()).copied();
    let sale = if p.discount_percent().is_some() { 0.1 } else { 0.0 };
    (prior(rank, segment.viewed.len(), age_days, popularity, for_the_age) + sale) as f64
}

/// What choosing a segment's shelf reads: its age band, its most viewed (id → rank), and the
/// catalog's largest ln(1 + popularity), as the devices scale it.
struct Segment<'a> {
    age: AgeBand,
    viewed: HashMap<&'a str, usize>,
    max_popularity: f64,
}

/// The best `size` of `candidates` (sorted best first), with every style represented: each
/// style gets a share of the shelf by the square root of how many candidates have it (so a
/// niche style is not crowded out by the big ones), filled by worth; a product counts for every
/// style it has, as a shopper of any of them may be shown it. Places a style cannot fill go to
/// the best of the rest.
fn balanced(candidates: &[(&Product, f64)], size: usize) -> Vec<String> {
    if candidates.len() <= size {
        return candidates.iter().map(|(p, _)| p.id.clone()).collect();
    }
    let mut per_style: HashMap<Option<Style>, usize> = HashMap::new();
    for (p, _) in candidates {
        for style in styles_of(p) {
            *per_style.entry(style).or_default() += 1;
        }
    }
    let roots: f64 = per_style.values().map(|&n| (n as f64).sqrt()).sum();
    let mut quota: HashMap<Option<Style>, usize> =
        per_style.iter().map(|(&s, &n)| (s, ((n as f64).sqrt() / roots * size as f64) as usize)).collect();
    let mut chosen: Vec<String> = Vec::with_capacity(size);
    let mut taken = vec![false; candidates.len()];
    for (i, (p, _)) in candidates.iter().enumerate() {
        if chosen.len() >= size {
            break;
        }
        let mut wanted = false;
        for style in styles_of(p) {
            let left = quota.get_mut(&style).expect("every style has a quota");
            if *left > 0 {
                *left -= 1;
                wanted = true;
            }
        }
        if wanted {
            chosen.push(p.id.clone());
            taken[i] = true;
        }
    }
    let rest = candidates.iter().zip(&taken).filter(|(_, &taken)| !taken).map(|((p, _), _)| p.id.clone());
    chosen.extend(rest.take(size - chosen.len()));
    chosen
}

/// A product's styles for the quotas (None: it has none).
fn styles_of(p: &Product) -> Vec<Option<Style>> {
    if p.styles.is_empty() {
        vec![None]
    } else {
        p.styles.iter().copied().map(Some).collect()
    }
}

impl CatalogDb {
    /// Make `shelf` hold exactly `ids`: what is new on it enters, what is not there any more
    /// leaves, each with the next sequence number, in one transaction. Returns (entered, left).
    pub fn set_shelf(&self, shelf: &str, ids: &[String]) -> Result<(u64, u64), CatalogError> {
        self.write(|tx| {
            let mut changes = ChangeWriter::new(tx)?;
            let on_shelf: HashSet<String> = tx
                .query("SELECT product_id FROM shelf_items WHERE shelf = ?1", values![shelf])?
                .into_iter()
                .map(|mut row| crate::db::sql::take(&mut row, 0).text())
                .collect::<Result<_, _>>()?;
            let wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
            let (mut entered, mut left) = (0, 0);
            let mut leaving: Vec<&String> = on_shelf.iter().filter(|id| !wanted.contains(id.as_str())).collect();
            leaving.sort();
            for id in leaving {
                changes.move_on_shelf(shelf, id, false)?;
                left += 1;
            }
            for id in ids.iter().filter(|id| !on_shelf.contains(*id)) {
                changes.move_on_shelf(shelf, id, true)?;
                entered += 1;
            }
            Ok((entered, left))
        })
    }

    /// Replace what comes after `shelf` (no sequence numbers: it is read by rank, not followed).
    pub fn set_reserve(&self, shelf: &str, ids: &[String]) -> Result<(), CatalogError> {
        self.write(|tx| {
            tx.execute("DELETE FROM shelf_reserve WHERE shelf = ?1", values![shelf])?;
            for (rank, id) in ids.iter().enumerate() {
                tx.execute(
                    "INSERT INTO shelf_reserve (shelf, rank, product_id) VALUES (?1, ?2, ?3)",
                    values![shelf, rank as i64, id.as_str()],
                )?;
            }
            Ok(())
        })
    }

    /// The in-stock products of `shelf`'s reserve ranked `offset..offset + window`, as a change
    /// page of upserts in rank order.
    pub fn reserve_json(&self, shelf: &str, offset: u32, window: u32) -> Result<String, CatalogError> {
        let rows = self.read(|db| {
            db.query(
                "SELECT p.seq, p.id, p.body, 'change' FROM shelf_reserve r
                   JOIN products p ON p.id = r.product_id JOIN product_words w ON w.product_id = p.id
                  WHERE r.shelf = ?1 AND r.rank >= ?2 AND r.rank < ?2 + ?3 AND w.in_stock = 1 AND p.body IS NOT NULL
                  ORDER BY r.rank",
                values![shelf, offset as i64, window as i64],
            )
        })?;
        page_json(rows, 0, window)
    }

    /// Whether the shelves were ever stocked (a new catalog's are empty until `refresh_shelves`).
    pub fn shelves_stocked(&self) -> Result<bool, CatalogError> {
        let row = self.read(|db| db.query_opt("SELECT 1 FROM shelf_items LIMIT 1", &[]))?;
        Ok(row.is_some())
    }

    /// The products on `shelf` now.
    pub fn shelf(&self, shelf: &str) -> Result<Vec<String>, CatalogError> {
        let rows = self.read(|db| {
            db.query("SELECT product_id FROM shelf_items WHERE shelf = ?1 ORDER BY product_id", values![shelf])
        })?;
        rows.into_iter().map(|mut row| crate::db::sql::take(&mut row, 0).text()).collect()
    }

    /// Choose every segment's shelf again (`choose`) and record what moved.
    pub fn refresh_shelves(&self, now: i64, size: usize) -> Result<ShelfRefresh, CatalogError> {
        let products = self.live_products()?;
        let stats: PopulationStats = serde_json::from_str(&self.stats_json()?)?;
        let mut refresh = ShelfRefresh::default();
        for (shelf, chosen) in choose(&products, &stats, now, (size, DEFAULT_RESERVE)) {
            self.set_reserve(&shelf, &chosen.reserve)?;
            let (entered, left) = self.set_shelf(&shelf, &chosen.products)?;
            refresh.shelves += 1;
            refresh.entered += entered;
            refresh.left += left;
        }
        Ok(refresh)
    }

    /// A shelf's change page after `after`: the catalog's changes to the products on it and the
    /// products that entered (with their body) or left it, in sequence order. A change made
    /// before the product entered is not sent: its entering carries the body as it is now.
    pub fn shelf_changes_json(&self, shelf: &str, after: u64, limit: u32) -> Result<String, CatalogError> {
        let rows = self.read(|db| {
            db.query(
                "SELECT seq, id, body, 'change' FROM products
                  WHERE seq > ?2 AND id IN (SELECT product_id FROM shelf_items WHERE shelf = ?1)
                    AND NOT EXISTS (SELECT 1 FROM shelf_moves e WHERE e.shelf = ?1 AND e.product_id = products.id
                                                                  AND e.entered = 1 AND e.seq > products.seq)
                 UNION ALL
                 SELECT m.seq, m.product_id, p.body, CASE WHEN m.entered = 1 THEN 'enter' ELSE 'leave' END
                   FROM shelf_moves m LEFT JOIN products p ON p.id = m.product_id
                  WHERE m.shelf = ?1 AND m.seq > ?2
                 ORDER BY 1 LIMIT ?3",
                values![shelf, after as i64, limit as i64 + 1],
            )
        })?;
        page_json(rows, after, limit)
    }
}
