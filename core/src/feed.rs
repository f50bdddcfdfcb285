//! The home feed: a magazine of sections composed for one shopper from the local cache, each
//! card with the short reason it is there. How it ranks is in docs/RANKING.md.
//!
//! The rules every section keeps: nothing sold out (the catalog index holds in-stock products
//! only), nothing dismissed, bought, or from a hidden mall or style, no product twice on one
//! home or across pages, never three cards in a row from one mall or of one category, and a
//! per-mall cap per section. There is no input for paid placement.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;

use crate::profile::{ShopperProfile, StatedTaste, Taste};
use crate::rank::catalog::{style_bit, CatalogIndex};
use crate::rank::session_knn::KnnParams;
use crate::store::{Exclusions, WishlistItem};
use moa_protocol::model::{Category, Gender, Locale, Mall, Money, Product, Style, Variant};
use moa_protocol::wire::segment_key;

/// How the apps draw a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// One large card opening the magazine.
    Cover,
    /// A two-column grid.
    Grid,
    /// A horizontal row the shopper swipes.
    Carousel,
    /// A horizontal row of mall cards.
    MallCarousel,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedPage {
    pub sections: Vec<Section>,
    /// Unix seconds the page was composed at.
    pub generated_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// Stable id, e.g. "cover", "trending"; the apps key their lists on it.
    pub id: String,
    pub title: String,
    pub layout: Layout,
    pub cards: Vec<Card>,
    /// Malls recommended (the "malls you might like" section); empty for product sections.
    pub malls: Vec<MallCard>,
}

/// A mall recommended to the shopper: recommend malls, not only products.
#[derive(Debug, Clone, Serialize)]
pub struct MallCard {
    pub mall_id: String,
    pub name: String,
    /// Followed by the shopper when the card was read: the button says "following".
    pub followed: bool,
    /// The mall's concept in the shopper's language, e.g. ["러블리", "페미닌"].
    pub styles: Vec<String>,
    /// A few of its products' images, for the card.
    pub image_urls: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Card {
    pub product_id: String,
    pub mall_id: String,
    pub mall_name: String,
    pub title: String,
    /// What the shopper pays, in minor units of `currency`.
    pub price: i64,
    /// The struck-through price when on sale.
    pub original_price: Option<i64>,
    pub currency: String,
    /// `price` as shoppers read it, e.g. "39,800원".
    pub price_text: String,
    /// The struck-through price as shoppers read it.
    pub original_price_text: Option<String>,
    pub discount_percent: Option<u8>,
    pub image_url: String,
    /// Width / height of the photo, once known (a thumbnail of it was made): the card keeps this
    /// shape before the image loads. None: use the catalog's usual 4:5.
    pub aspect_ratio: Option<f32>,
    /// The photo's average colour, "#RRGGBB", once known: the placeholder's colour.
    pub placeholder_color: Option<String>,
    pub product_url: String,
    /// Why this card is here, in a few words.
    pub reason: String,
    /// How many other malls sell the same item (in stock): the feed shows it once.
    pub also_at_malls: u32,
    /// The item's lowest price across the malls selling it, when others sell it too.
    pub lowest_price: Option<i64>,
    /// E.g. "외 2개 쇼핑몰 · 최저 29,800원"; None when no other mall sells it.
    pub also_at_text: Option<String>,
    /// On the shopper's wishlist (찜) when the card was read: the heart to draw.
    pub wishlisted: bool,
}

/// Everything the product sheet shows, phrased for the shopper.
#[derive(Debug, Clone, Serialize)]
pub struct ProductSheet {
    pub product_id: String,
    pub mall_id: String,
    pub mall_name: String,
    pub title: String,
    pub brand: Option<String>,
    /// The category in the shopper's language, e.g. "아우터".
    pub category: String,
    pub price: i64,
    pub original_price: Option<i64>,
    pub currency: String,
    pub price_text: String,
    pub original_price_text: Option<String>,
    pub discount_percent: Option<u8>,
    pub image_url: String,
    pub product_url: String,
    pub variants: Vec<Variant>,
    pub in_stock: bool,
    /// The same item at other malls (and other listings at this one), cheapest first.
    pub elsewhere: Vec<Offer>,
    /// On the wishlist when the sheet was read (the sheet's heart).
    pub wishlisted: bool,
    /// The shopper follows this product's mall (the sheet's follow button).
    pub mall_followed: bool,
}

/// One mall's listing of an item the shopper is looking at.
#[derive(Debug, Clone, Serialize)]
pub struct Offer {
    pub product_id: String,
    pub mall_id: String,
    pub mall_name: String,
    pub title: String,
    pub price: i64,
    pub currency: String,
    pub price_text: String,
    /// The listing's own photo (each mall shoots its own).
    pub image_url: String,
    /// This listing is the cheapest of all, the one on the sheet included.
    pub lowest: bool,
}

impl ProductSheet {
    /// The sheet, with the item's other listings (see `Store::same_item_listings`).
    pub fn with_listings(p: &Product, malls: &[Mall], listings: &[Product], locale: Locale) -> Self {
        let mall_name = |id: &str| malls.iter().find(|m| m.id == id).map_or_else(|| id.to_string(), |m| m.name.clone());
        let lowest = listings.iter().map(|o| o.price.amount).chain([p.price.amount]).min().unwrap_or(p.price.amount);
        let mut sheet = ProductSheet::new(p, malls.iter().find(|m| m.id == p.mall_id), locale);
        sheet.elsewhere = listings
            .iter()
            .map(|o| Offer {
                product_id: o.id.clone(),
                mall_id: o.mall_id.clone(),
                mall_name: mall_name(&o.mall_id),
                title: o.title.clone(),
                price: o.price.amount,
                currency: o.price.currency.clone(),
                price_text: o.price.display(),
                image_url: o.image_url.clone(),
                lowest: o.price.amount == lowest,
            })
            .collect();
        sheet
    }

    pub fn new(p: &Product, mall: Option<&Mall>, locale: Locale) -> Self {
        ProductSheet {
            product_id: p.id.clone(),
            mall_id: p.mall_id.clone(),
            mall_name: mall.map(|m| m.name.clone()).unwrap_or_else(|| p.mall_id.clone()),
            title: p.title.clone(),
            brand: p.brand.clone(),
            category: p.category.label(locale).to_string(),
            price: p.price.amount,
            original_price: p.struck_price().map(|m| m.amount),
            currency: p.price.currency.clone(),
            price_text: p.price.display(),
            original_price_text: p.struck_price().map(Money::display),
            discount_percent: p.discount_percent(),
            image_url: p.image_url.clone(),
            product_url: p.product_url.clone(),
            variants: p.variants.clone(),
            in_stock: p.in_stock(),
            elsewhere: Vec::new(),
            wishlisted: false,
            mall_followed: false,
        }
    }
}

const DAY: i64 = 86_400;
const FOR_YOU_PAGE: usize = 24;
const CAROUSEL: usize = 10;
const PER_MALL_GRID: usize = 2;
const PER_MALL_CAROUSEL: usize = 2;
const NEW_WITHIN_DAYS: i64 = 7;
const FOLLOWED_NEW_WITHIN_DAYS: i64 = 14;
/// Every this many cards of "for you", one is something new to try (exploration).
const EXPLORE_EVERY: usize = 8;
/// The session model as the feed uses it: the products just seen are not suggested again (the
/// apps show them under "recently viewed"), and a smaller sample keeps a re-rank within budget.
const FEED_KNN: KnnParams = KnnParams {
    k: 100,
    sample_per_item: 300,
    lambda_position: 2.0,
    lambda_recency: 300_000.0,
    lambda_neighbour_position: 5.0,
    anchor_weight: 0.0,
    idf: 0.0,
};
/// Products ranked per home; paging continues down this list.
const RANKED_POOL: usize = 5000;

/// Everything the ranker reads to compose one shopper's home.
pub struct FeedContext<'a> {
    pub catalog: &'a CatalogIndex,
    pub taste: &'a Taste,
    /// Onboarding answers, or the guest default persona.
    pub profile: &'a ShopperProfile,
    /// The profile is the guest default, not the shopper's own answers.
    pub guest: bool,
    pub excluded: &'a Exclusions,
    pub impressions: &'a HashMap<String, u32>,
    pub followed: &'a [String],
    pub wishlist: &'a [WishlistItem],
    /// Aspect ratios and placeholder colours of photos already seen, by image URL.
    pub image_meta: &'a HashMap<String, crate::images::cache::ImageMeta>,
    pub locale: Locale,
    /// Unix seconds.
    pub now: i64,
    /// Varies the exploration picks per install and day, so that homes do not all look alike.
    pub seed: u64,
}

/// Why a card is on the home: the strongest signal behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    ViewedTogether,
    FavouriteMall,
    YourStyle(Style),
    Segment,
    New,
    Popular,
    Explore,
}

/// The rest of the "for you" ranking, for paging without repeats.
#[derive(Debug, Clone, Default)]
pub struct FeedSession {
    ranked: Vec<(u32, Why)>,
    cursor: usize,
    shown: Shown,
    page: u32,
    /// Why each product is here (exploration picks say so).
    why: Vec<Why>,
    /// Products in the home's other sections, never repeated in "for you".
    reserved: Vec<u32>,
}

/// Items already on the home: a flag per catalog product (hashing was a fifth of a home's time),
/// set and read through the item a product is, so that one item sold by several malls shows once.
#[derive(Debug, Clone, Default)]
pub struct Shown {
    seen: Vec<bool>,
    item: Arc<Vec<u32>>,
}

impl Shown {
    fn new(catalog: &CatalogIndex) -> Self {
        Shown { seen: vec![false; catalog.len()], item: catalog.item.clone() }
    }
    fn slot(&self, i: u32) -> usize {
        self.item.get(i as usize).copied().unwrap_or(i) as usize
    }
    fn contains(&self, i: &u32) -> bool {
        self.seen.get(self.slot(*i)).copied().unwrap_or(false)
    }
    fn insert(&mut self, i: u32) {
        let slot = self.slot(i);
        if let Some(seen) = self.seen.get_mut(slot) {
            *seen = true;
        }
    }
    fn remove(&mut self, i: &u32) {
        let slot = self.slot(*i);
        if let Some(seen) = self.seen.get_mut(slot) {
            *seen = false;
        }
    }
}

struct Scored {
    score: Vec<f32>,
    why: Vec<Why>,
    eligible: Vec<bool>,
}

fn hash(seed: u64, i: u32) -> f32 {
    // splitmix64: a cheap, well-spread per-product jitter.
    let mut z = seed.wrapping_add((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 24) as f32
}

fn normalise(values: &[f64]) -> Vec<f32> {
    let max = values.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-9);
    values.iter().map(|v| (v / max) as f32).collect()
}

/// Score every product for this shopper. Exclusions make a product ineligible; everything else
/// only moves it. No input exists for paid placement.
fn score(ctx: &FeedContext<'_>) -> Scored {
    let c = ctx.catalog;
    let t = ctx.taste;
    let n = c.len();
    let stated = StatedTaste::from(ctx.profile);
    let evidence = t.evidence_now();
    // Behaviour weighs in as it accumulates; the stated profile yields (a guest's default more).
    let learned = (evidence / (evidence + 3.0)) as f32;
    let stated_weight = if ctx.guest { 1.0 - 0.9 * learned } else { 1.0 - 0.5 * learned };
    let malls = normalise(&t.malls);
    let categories = normalise(&t.categories);
    let styles = normalise(&t.styles);
    let brands_max = t.brands.values().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-9);
    let price_level = t.price_level();

    // Viewed together with what the shopper engaged with in this visit.
    let mut together = vec![0f32; n];
    let visit = t.visit_products();
    if !visit.is_empty() {
        let mut scores = HashMap::new();
        c.sessions.score_next(&visit, &FEED_KNN, c.sessions.len(), &mut scores);
        let max = scores.values().fold(0.0f64, |m, v| m.max(*v)).max(1e-9);
        for (i, s) in scores {
            together[i as usize] = (s / max) as f32;
        }
        for i in &visit {
            together[*i as usize] = 0.0;
        }
    }
    // Popular in the shopper's segment.
    let mut segment = vec![0f32; n];
    if let (Some(g), Some(a)) = (ctx.profile.gender, ctx.profile.age_band) {
        if let Some(list) = c.segments.get(&segment_key(g, a)) {
            let len = list.len().max(1) as f32;
            for (rank, &i) in list.iter().enumerate() {
                segment[i as usize] = 1.0 - rank as f32 / len;
            }
        }
    }
    let excluded_styles = ctx.excluded.styles.iter().fold(0u16, |m, s| m | style_bit(*s));
    // The shopper's sets are small and the catalog large: turn them into per-product arrays
    // once, instead of hashing 100,000 ids per home.
    let mut blocked = vec![false; n];
    for id in &ctx.excluded.products {
        if let Some(i) = c.get(id) {
            blocked[i as usize] = true;
        }
    }
    let hidden_malls: Vec<bool> = c.malls.iter().map(|m| ctx.excluded.malls.contains(&m.id)).collect();
    let mut shown_times = vec![0u32; n];
    for (id, times) in ctx.impressions {
        if let Some(i) = c.get(id) {
            shown_times[i as usize] = *times;
        }
    }
    let brand_scores: Vec<f32> =
        c.brands.iter().map(|b| t.brands.get(b).map(|v| (v / brands_max) as f32).unwrap_or(0.0)).collect();
    let stated_styles: Vec<(u16, Style)> = ctx.profile.styles.iter().map(|s| (style_bit(*s), *s)).collect();
    let score_one = |i: usize| -> Option<(f32, Why)> {
        if blocked[i] || hidden_malls[c.mall[i] as usize] || c.style_mask[i] & excluded_styles != 0 {
            return None;
        }
        let mall = malls.get(c.mall[i] as usize).copied().unwrap_or(0.0);
        let category = categories[Category::ALL.iter().position(|x| *x == c.category[i]).unwrap_or(0)];
        // Only the compact columns are read here: touching the products themselves (strings on
        // the heap) made this loop ten times slower.
        let mask = c.style_mask[i];
        let (mut style_best, mut style_of) = (0f32, None);
        for (k, style) in Style::ALL.iter().enumerate() {
            if mask & (1 << k) != 0 && styles[k] > style_best {
                style_best = styles[k];
                style_of = Some(*style);
            }
        }
        let brand = brand_scores.get(c.brand[i] as usize).copied().unwrap_or(0.0);
        let taste = 1.0 * mall + 0.8 * category + 1.3 * style_best + 0.4 * brand;
        let stated_style = if c.style_mask[i] & stated.style_mask != 0 { 1.0 } else { 0.0 };
        let stated_style_of = stated_styles.iter().find(|(bit, _)| mask & bit != 0).map(|(_, s)| *s);
        let stated_age = if c.age_mask[i] & stated.age_mask != 0 { 1.0 } else { 0.0 };
        let gender_clash = match (stated.gender, c.gender[i]) {
            (Some(Gender::Women), Gender::Men) | (Some(Gender::Men), Gender::Women) => 3.0,
            _ => 0.0,
        };
        let age_days = (ctx.now - c.created_at[i]).max(0) as f32 / DAY as f32;
        let fresh = (-age_days / 14.0).exp();
        let price_fit = match price_level {
            Some(level) => (-((c.log_price[i] as f64 - level).powi(2)) / (2.0 * 0.45f64.powi(2))).exp() as f32,
            None => 0.0,
        };
        let fatigue = match shown_times[i] {
            0 => 0.0,
            shown if !t.engaged.contains(&(i as u32)) => (0.12 * (shown as f32 - 3.0)).clamp(0.0, 1.0),
            _ => 0.0,
        };
        let parts = [
            (
                learned * taste,
                if mall >= style_best.max(category) {
                    Why::FavouriteMall
                } else {
                    style_of.map(Why::YourStyle).unwrap_or(Why::Popular)
                },
            ),
            (
                stated_weight * (1.4 * stated_style + 0.5 * stated_age),
                stated_style_of.map(Why::YourStyle).unwrap_or(Why::Segment),
            ),
            (1.6 * together[i], Why::ViewedTogether),
            (0.7 * segment[i], Why::Segment),
            (0.5 * fresh, Why::New),
            (0.6 * c.popularity[i], Why::Popular),
        ];
        let total: f32 = parts.iter().map(|(v, _)| v).sum::<f32>() + 0.3 * learned * price_fit - gender_clash - fatigue
            + 0.08 * hash(ctx.seed, i as u32);
        let why = parts.iter().max_by(|a, b| a.0.total_cmp(&b.0)).map(|(_, w)| *w).unwrap_or(Why::Popular);
        Some((total, why))
    };
    let mut out = Scored { score: vec![f32::NEG_INFINITY; n], why: vec![Why::Popular; n], eligible: vec![false; n] };
    // Two halves on two threads: scoring is the bulk of a home, and phones have cores to spare.
    let threads = std::thread::available_parallelism().map(|t| t.get()).unwrap_or(1).min(4);
    let chunk = n.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let parts = out.score.chunks_mut(chunk).zip(out.why.chunks_mut(chunk)).zip(out.eligible.chunks_mut(chunk));
        for (k, ((score, why), eligible)) in parts.enumerate() {
            let score_one = &score_one;
            scope.spawn(move || {
                for j in 0..score.len() {
                    if let Some((s, w)) = score_one(k * chunk + j) {
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

/// Indices of eligible products, best first, at most `limit`.
fn top(scored: &Scored, filter: impl Fn(usize) -> bool, limit: usize) -> Vec<u32> {
    let mut idx: Vec<u32> =
        (0..scored.score.len()).filter(|&i| scored.eligible[i] && filter(i)).map(|i| i as u32).collect();
    let by_score = |a: &u32, b: &u32| scored.score[*b as usize].total_cmp(&scored.score[*a as usize]).then(a.cmp(b));
    if idx.len() > limit {
        idx.select_nth_unstable_by(limit, by_score);
        idx.truncate(limit);
    }
    idx.sort_by(by_score);
    idx
}

/// Take up to `n` in order, skipping what is already on the home, at most `per_mall` of one
/// mall, never three in a row from one mall or of one category (a product that would make a
/// third waits for the next place where it fits, so the order stays close to the ranking).
fn pick_diverse(catalog: &CatalogIndex, ranked: &[u32], n: usize, per_mall: usize, shown: &mut Shown) -> Vec<u32> {
    let mut out: Vec<u32> = Vec::with_capacity(n);
    let mut per_mall_count = vec![0usize; catalog.malls.len()];
    let mut waiting: Vec<u32> = Vec::new();
    let third = |out: &[u32], p: u32| {
        let k = out.len();
        k >= 2 && {
            let (a, b) = (out[k - 1] as usize, out[k - 2] as usize);
            let p = p as usize;
            (catalog.mall[a] == catalog.mall[p] && catalog.mall[b] == catalog.mall[p])
                || (catalog.category[a] == catalog.category[p] && catalog.category[b] == catalog.category[p])
        }
    };
    let mall = |p: u32| catalog.mall[p as usize] as usize;
    let mut candidates = ranked.iter();
    while out.len() < n {
        // The first waiting product that fits now; those whose mall filled up meanwhile go.
        let mut fits = None;
        let mut k = 0;
        while k < waiting.len() {
            let p = waiting[k];
            if per_mall_count[mall(p)] >= per_mall {
                shown.remove(&p);
                waiting.remove(k);
            } else if !third(&out, p) {
                fits = Some(k);
                break;
            } else {
                k += 1;
            }
        }
        if let Some(k) = fits {
            let p = waiting.remove(k);
            per_mall_count[mall(p)] += 1;
            out.push(p);
            continue;
        }
        let Some(&p) = candidates.next() else { break };
        if shown.contains(&p) || per_mall_count[mall(p)] >= per_mall {
            continue;
        }
        shown.insert(p);
        if third(&out, p) {
            waiting.push(p);
        } else {
            per_mall_count[mall(p)] += 1;
            out.push(p);
        }
    }
    for p in waiting {
        shown.remove(&p);
    }
    out
}

/// Every product's score for this shopper (0..1, the home feed's), for ranking search results.
pub fn personal_scores(ctx: &FeedContext<'_>) -> Vec<f32> {
    let scored = score(ctx);
    let max = scored.score.iter().cloned().fold(f32::MIN_POSITIVE, f32::max);
    scored.score.iter().map(|s| (s / max).clamp(0.0, 1.0)).collect()
}

/// A mall's own page: what it is, whether the shopper follows it, and its products in this
/// shopper's order (their taste first, one card per item, nothing hidden or sold out).
#[derive(Debug, Clone, Serialize)]
pub struct MallPage {
    pub mall_id: String,
    pub name: String,
    /// Its concept in the shopper's language, strongest first.
    pub styles: Vec<String>,
    /// Who it dresses and which ages, in the shopper's language, e.g. "여성 · 20대 초반, 20대 중반".
    pub audience: String,
    pub homepage: String,
    pub followed: bool,
    /// How many of its products can be bought now.
    pub products_in_stock: u32,
    pub cards: Vec<Card>,
}

/// The page of the mall at `m` (index in the catalog): its first `limit` products for this shopper.
pub fn mall_page(ctx: &FeedContext<'_>, m: u16, limit: usize) -> MallPage {
    let c = ctx.catalog;
    let mall = &c.malls[m as usize];
    let scored = score(ctx);
    let mut order: Vec<u32> = (0..c.products.len() as u32).filter(|&i| c.mall[i as usize] == m).collect();
    let in_stock = order.len() as u32;
    order.retain(|&i| scored.eligible[i as usize]);
    order.sort_by(|&a, &b| scored.score[b as usize].total_cmp(&scored.score[a as usize]).then(a.cmp(&b)));
    // One card per item: another listing of the same item at this mall would be a repeat.
    let mut items = HashSet::new();
    order.retain(|&i| items.insert(c.item[i as usize]));
    let cards = order
        .into_iter()
        .take(limit)
        .map(|i| card(ctx, i, c.category[i as usize].label(ctx.locale).to_string()))
        .collect();
    let ages: Vec<&str> = mall.age_bands.iter().take(2).map(|a| a.label(ctx.locale)).collect();
    MallPage {
        mall_id: mall.id.clone(),
        name: mall.name.clone(),
        styles: mall.styles.iter().map(|s| s.label(ctx.locale).to_string()).collect(),
        audience: format!("{} · {}", mall.gender.label(ctx.locale), ages.join(", ")),
        homepage: mall.homepage.clone(),
        followed: ctx.followed.contains(&mall.id),
        products_in_stock: in_stock,
        cards,
    }
}

/// A search result's card: the home's card, its reason the mall's name.
pub fn search_card(ctx: &FeedContext<'_>, i: u32) -> Card {
    card(ctx, i, ctx.catalog.mall_of(i).name.clone())
}

fn card(ctx: &FeedContext<'_>, i: u32, reason: String) -> Card {
    let c = ctx.catalog;
    let p = &c.products[i as usize];
    let others: Vec<u32> = c.other_listings(i).collect();
    let mut other_malls: Vec<u16> =
        others.iter().map(|&j| c.mall[j as usize]).filter(|&m| m != c.mall[i as usize]).collect();
    other_malls.sort_unstable();
    other_malls.dedup();
    let lowest = others
        .iter()
        .map(|&j| &c.products[j as usize].price)
        .filter(|m| m.currency == p.price.currency)
        .chain([&p.price])
        .min_by_key(|m| m.amount)
        .filter(|_| !other_malls.is_empty());
    let also_at_text = lowest.map(|low| {
        let n = other_malls.len();
        if ctx.locale == Locale::Ko {
            format!("외 {n}개 쇼핑몰 · 최저 {}", low.display())
        } else {
            format!("Also at {n} mall{} · from {}", if n == 1 { "" } else { "s" }, low.display())
        }
    });
    Card {
        wishlisted: ctx.wishlist.iter().any(|w| w.product_id == p.id),
        also_at_malls: other_malls.len() as u32,
        lowest_price: lowest.map(|m| m.amount),
        also_at_text,
        product_id: p.id.clone(),
        mall_id: p.mall_id.clone(),
        mall_name: ctx.catalog.mall_of(i).name.clone(),
        title: p.title.clone(),
        price: p.price.amount,
        original_price: p.struck_price().map(|m| m.amount),
        currency: p.price.currency.clone(),
        price_text: p.price.display(),
        original_price_text: p.struck_price().map(Money::display),
        discount_percent: p.discount_percent(),
        image_url: p.image_url.clone(),
        aspect_ratio: ctx.image_meta.get(&p.image_url).map(|m| m.aspect_ratio),
        placeholder_color: ctx.image_meta.get(&p.image_url).map(|m| m.placeholder_color.clone()),
        product_url: p.product_url.clone(),
        reason,
    }
}

fn reason(ctx: &FeedContext<'_>, i: u32, why: Why) -> String {
    let ko = ctx.locale == Locale::Ko;
    let mall = &ctx.catalog.mall_of(i).name;
    match why {
        Why::ViewedTogether if ko => "방금 본 상품과 함께 많이 봤어요".into(),
        Why::ViewedTogether => "Often viewed with what you just saw".into(),
        Why::FavouriteMall if ko => format!("자주 보는 {mall}"),
        Why::FavouriteMall => format!("From {mall}, a favourite"),
        Why::YourStyle(s) if ko => format!("{} 취향", s.label(ctx.locale)),
        Why::YourStyle(s) => format!("Your {} taste", s.label(ctx.locale).to_lowercase()),
        Why::Segment => segment_phrase(ctx).unwrap_or_else(|| {
            if ko {
                "많이 찾는 상품".into()
            } else {
                "Shoppers' favourite".into()
            }
        }),
        Why::New if ko => "이번 주 신상".into(),
        Why::New => "New this week".into(),
        Why::Popular if ko => "많이 찾는 상품".into(),
        Why::Popular => "Shoppers' favourite".into(),
        Why::Explore if ko => "새로운 스타일 제안".into(),
        Why::Explore => "Something new to try".into(),
    }
}

fn segment_phrase(ctx: &FeedContext<'_>) -> Option<String> {
    let (g, a) = (ctx.profile.gender?, ctx.profile.age_band?);
    Some(if ctx.locale == Locale::Ko {
        format!("{} {}에게 인기", a.label(ctx.locale), g.label(ctx.locale))
    } else {
        format!("Popular with {} in their {}", g.label(ctx.locale).to_lowercase(), a.label(ctx.locale).to_lowercase())
    })
}

fn section(id: &str, title: String, layout: Layout, cards: Vec<Card>) -> Section {
    Section { id: id.into(), title, layout, cards, malls: Vec::new() }
}

/// Compose the shopper's home. Also returns the session that pages "for you" further.
pub fn compose_home(ctx: &FeedContext<'_>) -> (FeedPage, FeedSession) {
    let c = ctx.catalog;
    let ko = ctx.locale == Locale::Ko;
    let scored = score(ctx);
    let ranked = top(&scored, |_| true, RANKED_POOL);
    let mut shown = Shown::new(c);
    let mut sections = Vec::new();

    let cover = pick_diverse(c, &ranked, 1, 1, &mut shown);
    let cards = cover.iter().map(|&i| card(ctx, i, reason(ctx, i, scored.why[i as usize]))).collect();
    sections.push(section(
        "cover",
        if ko { "오늘의 커버".into() } else { "Today's cover".into() },
        Layout::Cover,
        cards,
    ));

    // Price drops on the wishlist: the shopper's own intent, worth a place near the top.
    let drops: Vec<(u32, u8)> = ctx
        .wishlist
        .iter()
        .filter_map(|w| {
            let i = c.get(&w.product_id)?;
            let then = w.price_at_add?;
            let now = &c.products[i as usize].price;
            // The alert's rule exactly: a drop the home shows is one the shopper was told about.
            let pct = moa_protocol::model::discount_percent(now.amount, Some(then))?;
            moa_protocol::model::is_price_drop_worth_telling(then, now.amount, &now.currency).then_some((i, pct))
        })
        .filter(|(i, _)| scored.eligible[*i as usize])
        .collect();
    if !drops.is_empty() {
        let cards = drops
            .iter()
            .take(CAROUSEL)
            .map(|&(i, pct)| {
                shown.insert(i);
                card(
                    ctx,
                    i,
                    if ko {
                        format!("찜할 때보다 {pct}% 내렸어요")
                    } else {
                        format!("{pct}% below when you saved it")
                    },
                )
            })
            .collect();
        sections.push(section(
            "price_drops",
            if ko { "찜한 상품 가격 인하".into() } else { "Price drops on your wishlist".into() },
            Layout::Carousel,
            cards,
        ));
    }

    // For you, with something new to try every few cards.
    let mut session = for_you_session(ctx, &scored, &ranked, shown.clone());
    let for_you = next_page(ctx, &mut session, FOR_YOU_PAGE);
    shown = session.shown.clone();

    // Because you like {mall}: what that mall's fans look at, in keeping with its concept.
    let favourite = ctx
        .taste
        .favourite_mall()
        .or_else(|| ctx.followed.first().and_then(|m| c.mall_by_id.get(m)).map(|m| *m as usize));
    if let Some(m) = favourite {
        let mall = &c.malls[m];
        let mut seed: Vec<u32> =
            ctx.taste.visit_products().into_iter().filter(|&i| c.mall[i as usize] as usize == m).collect();
        if seed.is_empty() {
            seed = top(&scored, |i| c.mall[i] as usize == m, 5);
        }
        let mut scores = HashMap::new();
        c.sessions.score_next(&seed, &FEED_KNN, c.sessions.len(), &mut scores);
        let concept = mall.styles.iter().fold(0u16, |acc, s| acc | style_bit(*s));
        let mut fans: Vec<(u32, f64)> = scores
            .into_iter()
            .filter(|(i, _)| scored.eligible[*i as usize] && (concept == 0 || c.style_mask[*i as usize] & concept != 0))
            .collect();
        fans.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut order: Vec<u32> = fans.into_iter().map(|(i, _)| i).collect();
        order.extend(top(&scored, |i| c.style_mask[i] & concept != 0, 200));
        let picked = pick_diverse(c, &order, CAROUSEL, PER_MALL_CAROUSEL + 1, &mut shown);
        if picked.len() >= 4 {
            let cards = picked
                .iter()
                .map(|&i| {
                    card(
                        ctx,
                        i,
                        if ko {
                            format!("{} 팬들의 선택", mall.name)
                        } else {
                            format!("Picked by {} fans", mall.name)
                        },
                    )
                })
                .collect();
            sections.push(section(
                "because_you_like",
                if ko {
                    format!("{} 팬들이 좋아하는 상품", mall.name)
                } else {
                    format!("Because you like {}", mall.name)
                },
                Layout::Carousel,
                cards,
            ));
        }
    }

    // New from malls you follow.
    if !ctx.followed.is_empty() {
        let followed: HashSet<u16> = ctx.followed.iter().filter_map(|m| c.mall_by_id.get(m).copied()).collect();
        let order = top(
            &scored,
            |i| followed.contains(&c.mall[i]) && ctx.now - c.created_at[i] < FOLLOWED_NEW_WITHIN_DAYS * DAY,
            200,
        );
        let picked = pick_diverse(c, &order, CAROUSEL, CAROUSEL, &mut shown);
        if !picked.is_empty() {
            let cards = picked
                .iter()
                .map(|&i| {
                    let days = (ctx.now - c.created_at[i as usize]).max(0) / DAY;
                    let mall = &c.mall_of(i).name;
                    card(
                        ctx,
                        i,
                        if ko {
                            format!("{mall} 신상 · {days}일 전")
                        } else {
                            format!("New at {mall} · {days} days ago")
                        },
                    )
                })
                .collect();
            sections.push(section(
                "new_from_followed",
                if ko { "팔로우한 몰의 신상".into() } else { "New from malls you follow".into() },
                Layout::Carousel,
                cards,
            ));
        }
    }

    // New this week, in the shopper's order.
    let order = top(&scored, |i| ctx.now - c.created_at[i] < NEW_WITHIN_DAYS * DAY, 300);
    let picked = pick_diverse(c, &order, CAROUSEL, PER_MALL_CAROUSEL, &mut shown);
    let cards = picked
        .iter()
        .map(|&i| {
            let days = (ctx.now - c.created_at[i as usize]).max(0) / DAY;
            card(
                ctx,
                i,
                match (days, ko) {
                    (0, true) => "오늘 입고".into(),
                    (0, false) => "New today".into(),
                    (d, true) => format!("{d}일 전 입고"),
                    (d, false) => format!("New {d} days ago"),
                },
            )
        })
        .collect();
    sections.push(section(
        "new_this_week",
        if ko { "이번 주 신상".into() } else { "New this week".into() },
        Layout::Carousel,
        cards,
    ));

    // Trending in the shopper's segment.
    if let (Some(g), Some(a)) = (ctx.profile.gender, ctx.profile.age_band) {
        if let Some(list) = c.segments.get(&segment_key(g, a)) {
            let mut order: Vec<u32> = list.iter().copied().filter(|i| scored.eligible[*i as usize]).collect();
            // A small segment's list runs short: go on with what suits its age and gender best.
            let age = crate::rank::catalog::age_bit(a);
            order.extend(top(&scored, |i| c.age_mask[i] & age != 0 && c.popularity[i] > 0.5, 300));
            let picked = pick_diverse(c, &order, CAROUSEL, PER_MALL_CAROUSEL, &mut shown);
            let phrase = segment_phrase(ctx).unwrap_or_default();
            let cards = picked.iter().map(|&i| card(ctx, i, phrase.clone())).collect();
            sections.push(section(
                "trending",
                if ko {
                    format!("{} {}에게 인기", a.label(ctx.locale), g.label(ctx.locale))
                } else {
                    format!(
                        "Trending with {} in their {}",
                        g.label(ctx.locale).to_lowercase(),
                        a.label(ctx.locale).to_lowercase()
                    )
                },
                Layout::Carousel,
                cards,
            ));
        }
    }

    // Malls you might like.
    sections.push(malls_for_you(ctx, &scored, favourite));
    // Ranked in its place above (the carousels after it leave its cards out) but shown last: it pages on
    // without end, and a section after it would move away each time the shopper neared it.
    sections.push(for_you);

    sections.retain(|s| !s.cards.is_empty() || !s.malls.is_empty());
    let page = FeedPage { sections, generated_at: ctx.now };
    session.shown = shown;
    session.reserved = page
        .sections
        .iter()
        .filter(|s| s.id != "for_you")
        .flat_map(|s| &s.cards)
        .filter_map(|card| c.get(&card.product_id))
        .collect();
    (page, session)
}

/// The "for you" ranking with an exploration pick every few cards, to page through.
fn for_you_session(ctx: &FeedContext<'_>, scored: &Scored, ranked: &[u32], shown: Shown) -> FeedSession {
    let c = ctx.catalog;
    let mut session =
        FeedSession { ranked: Vec::new(), cursor: 0, shown, page: 0, why: scored.why.clone(), reserved: Vec::new() };
    let liked_styles: u16 = {
        let mut order: Vec<(f64, usize)> = ctx.taste.styles.iter().copied().zip(0..).collect();
        order.sort_by(|a, b| b.0.total_cmp(&a.0));
        order
            .iter()
            .take(3)
            .filter(|(w, _)| *w > 0.0)
            .fold(StatedTaste::from(ctx.profile).style_mask, |m, (_, s)| m | (1 << s))
    };
    let mut explore = top(scored, |i| c.style_mask[i] & liked_styles == 0, 400);
    let rotate = if explore.is_empty() { 0 } else { (ctx.seed as usize) % explore.len().min(40) };
    explore.rotate_left(rotate);
    let mut explore = explore.into_iter();
    for (n, &i) in ranked.iter().enumerate() {
        if n > 0 && n % EXPLORE_EVERY == 0 {
            if let Some(e) = explore.next() {
                session.ranked.push((e, Why::Explore));
                session.why[e as usize] = Why::Explore;
            }
        }
        session.ranked.push((i, scored.why[i as usize]));
    }
    session
}

/// After an event: the "for you" grid ranked again for the shopper's new taste, from its first
/// page, while the rest of the home stays where it is (carousels do not shuffle under the
/// shopper's thumb). Products in the other sections are not repeated.
pub fn rerank_for_you(ctx: &FeedContext<'_>, session: &mut FeedSession) -> Section {
    let scored = score(ctx);
    let ranked = top(&scored, |_| true, RANKED_POOL);
    let mut shown = Shown::new(ctx.catalog);
    for &i in &session.reserved {
        shown.insert(i);
    }
    let reserved = std::mem::take(&mut session.reserved);
    *session = for_you_session(ctx, &scored, &ranked, shown);
    session.reserved = reserved;
    next_page(ctx, session, FOR_YOU_PAGE)
}

/// The next page of "for you" (the first comes with the home). Never repeats a product
/// already on the home or an earlier page.
pub fn next_page(ctx: &FeedContext<'_>, session: &mut FeedSession, n: usize) -> Section {
    let c = ctx.catalog;
    let ko = ctx.locale == Locale::Ko;
    let rest: Vec<u32> = session.ranked[session.cursor..].iter().map(|(i, _)| *i).collect();
    let picked = pick_diverse(
        c,
        &rest,
        n,
        if session.page == 0 { PER_MALL_GRID } else { PER_MALL_GRID + 1 },
        &mut session.shown,
    );
    // Move the cursor past what is on the home already; products held back by a page's per-mall
    // cap stay ahead of it for the next page.
    while session.cursor < session.ranked.len() && session.shown.contains(&session.ranked[session.cursor].0) {
        session.cursor += 1;
    }
    session.page += 1;
    let cards = picked.iter().map(|&i| card(ctx, i, reason(ctx, i, session.why[i as usize]))).collect();
    section("for_you", if ko { "당신을 위한 추천".into() } else { "For you".into() }, Layout::Grid, cards)
}

fn malls_for_you(ctx: &FeedContext<'_>, scored: &Scored, favourite: Option<usize>) -> Section {
    let c = ctx.catalog;
    let ko = ctx.locale == Locale::Ko;
    let stated = StatedTaste::from(ctx.profile);
    let styles = normalise(&ctx.taste.styles);
    // Malls whose products the favourite mall's fans also view.
    let mut co_view = vec![0f64; c.malls.len()];
    if let Some(f) = favourite {
        let seed = top(scored, |i| c.mall[i] as usize == f, 5);
        let mut scores = HashMap::new();
        c.sessions.score_next(&seed, &FEED_KNN, c.sessions.len(), &mut scores);
        for (i, s) in scores {
            co_view[c.mall[i as usize] as usize] += s;
        }
    }
    let co_view = normalise(&co_view);
    let mut ranked: Vec<(usize, f32, bool)> = c
        .malls
        .iter()
        .enumerate()
        .filter(|(m, mall)| {
            Some(*m) != favourite && !ctx.followed.contains(&mall.id) && !ctx.excluded.malls.contains(&mall.id)
        })
        .map(|(m, mall)| {
            let style: f32 = mall
                .styles
                .iter()
                .enumerate()
                .map(|(k, s)| {
                    let weight = if k == 0 { 1.0 } else { 0.5 };
                    let learned = styles[Style::ALL.iter().position(|x| x == s).unwrap_or(0)];
                    let said = if stated.style_mask & style_bit(*s) != 0 { 1.0 } else { 0.0 };
                    weight * (learned + said)
                })
                .sum();
            let age = mall.age_bands.iter().any(|a| ctx.profile.age_band == Some(*a)) as u8 as f32;
            let clash = matches!(
                (ctx.profile.gender, mall.gender),
                (Some(Gender::Women), Gender::Men) | (Some(Gender::Men), Gender::Women)
            );
            let co = co_view[m];
            (
                m,
                style + 0.5 * age + 1.5 * co - if clash { 5.0 } else { 0.0 } + 0.05 * hash(ctx.seed, m as u32),
                co > 0.3,
            )
        })
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let cards = ranked
        .into_iter()
        .take(6)
        .map(|(m, _, co)| {
            let mall = &c.malls[m];
            let images = top(scored, |i| c.mall[i] as usize == m, 3)
                .iter()
                .map(|&i| c.products[i as usize].image_url.clone())
                .collect();
            let labels: Vec<String> = mall.styles.iter().map(|s| s.label(ctx.locale).to_string()).collect();
            let reason = match (favourite.filter(|_| co), ko) {
                (Some(f), true) => format!("{} 팬들이 자주 가요", c.malls[f].name),
                (Some(f), false) => format!("{} fans shop here too", c.malls[f].name),
                (None, _) => {
                    let ages: Vec<&str> = mall.age_bands.iter().take(2).map(|a| a.label(ctx.locale)).collect();
                    format!("{} · {}", labels.join(" "), ages.join(", "))
                }
            };
            MallCard {
                followed: ctx.followed.contains(&mall.id),
                mall_id: mall.id.clone(),
                name: mall.name.clone(),
                styles: labels,
                image_urls: images,
                reason,
            }
        })
        .collect();
    Section {
        id: "malls_for_you".into(),
        title: if ko { "취향에 맞는 쇼핑몰".into() } else { "Malls you might like".into() },
        layout: Layout::MallCarousel,
        cards: Vec::new(),
        malls: cards,
    }
}

/// The rescue sheet's products for a shopper back from the page of `left`: similar products from
/// other malls (what shoppers who viewed it went on to view, or its category and style), then
/// the same mall's best matches for this shopper — in stock, not hidden, never `left` itself.
pub fn rescue(ctx: &FeedContext<'_>, left: u32) -> Vec<Card> {
    let c = ctx.catalog;
    let ko = ctx.locale == Locale::Ko;
    let scored = score(ctx);
    let l = left as usize;
    let mut together = HashMap::new();
    c.sessions.score_next(&[left], &FEED_KNN, c.sessions.len(), &mut together);
    let similar = |i: usize| {
        i != l && c.mall[i] != c.mall[l] && c.category[i] == c.category[l] && c.style_mask[i] & c.style_mask[l] != 0
    };
    let mut others: Vec<(u32, f64)> = together
        .into_iter()
        .filter(|(i, _)| *i != left && scored.eligible[*i as usize] && c.mall[*i as usize] != c.mall[l])
        .collect();
    others.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut order: Vec<u32> = others.into_iter().map(|(i, _)| i).collect();
    order.extend(top(&scored, similar, 50));
    let mut shown = Shown::new(c);
    shown.insert(left);
    let mut cards: Vec<Card> = pick_diverse(c, &order, 4, 1, &mut shown)
        .into_iter()
        .map(|i| {
            let reason = if ko {
                format!("{}에도 비슷한 상품이 있어요", c.mall_of(i).name)
            } else {
                format!("Something similar at {}", c.mall_of(i).name)
            };
            card(ctx, i, reason)
        })
        .collect();
    let same_mall = top(&scored, |i| i != l && c.mall[i] == c.mall[l], 20);
    let mall = &c.mall_of(left).name;
    cards.extend(pick_diverse(c, &same_mall, 2, 2, &mut shown).into_iter().map(|i| {
        card(ctx, i, if ko { format!("{mall}에서 취향에 맞는 상품") } else { format!("More for you at {mall}") })
    }));
    cards
}

/// A stable per-install seed for the day, so exploration varies by shopper and by day.
pub fn daily_seed(install_id: &str, now: i64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in install_id.bytes().chain((now / DAY).to_le_bytes()) {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    h
}
