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

mod score;
mod sections;
pub(crate) mod state;
#[cfg(test)]
mod tests;

pub use sections::compose_home;

use score::score;

use crate::contact::{self, ContactOption};
use crate::copy;
use crate::profile::{ShopperProfile, StatedTaste, Taste};
use crate::rank::catalog::CatalogIndex;
use crate::store::{Exclusions, RecentView, WishlistItem};
use moa_protocol::model::{Locale, Mall, Money, Product, Style, Variant};

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
    /// The gallery, in order: the main photo, then the product's other photos (the sheet
    /// swipes through them; one photo means no gallery to swipe).
    pub photos: Vec<String>,
    pub product_url: String,
    pub variants: Vec<Variant>,
    pub in_stock: bool,
    /// The same item at other malls (and other listings at this one), cheapest first.
    pub elsewhere: Vec<Offer>,
    /// On the wishlist when the sheet was read (the sheet's heart).
    pub wishlisted: bool,
    /// The shopper follows this product's mall (the sheet's follow button).
    pub mall_followed: bool,
    /// "문의하기": the ways to ask the mall about this product, and when it answers.
    pub contact: Vec<ContactOption>,
    pub contact_hours: Option<String>,
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
        let (contact, contact_hours) = mall.map(|m| contact::options(m, Some(p), locale)).unwrap_or_default();
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
            photos: std::iter::once(&p.image_url).chain(&p.more_image_urls).cloned().collect(),
            product_url: p.product_url.clone(),
            variants: p.variants.clone(),
            in_stock: p.in_stock(),
            elsewhere: Vec::new(),
            wishlisted: false,
            mall_followed: false,
            contact,
            contact_hours,
        }
    }
}

const DAY: i64 = 86_400;
const FOR_YOU_PAGE: usize = 24;
const CAROUSEL: usize = 10;
/// Products "recently viewed" looks through (more than a row: some are sold out or hidden).
pub(crate) const RECENTLY_VIEWED_KEPT: usize = 30;
const PER_MALL_GRID: usize = 2;
const PER_MALL_CAROUSEL: usize = 2;
const NEW_WITHIN_DAYS: i64 = 7;
const FOLLOWED_NEW_WITHIN_DAYS: i64 = 14;
/// Every this many cards of "for you", one is something new to try (exploration).
const EXPLORE_EVERY: usize = 8;
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
    /// What the shopper opened, the latest first ("recently viewed").
    pub recently_viewed: &'a [RecentView],
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

fn hash(seed: u64, key: u64) -> f32 {
    // splitmix64: a cheap, well-spread per-product jitter.
    let mut z = seed.wrapping_add(key.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 24) as f32
}

fn normalise(values: &[f64]) -> Vec<f32> {
    let max = values.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-9);
    values.iter().map(|v| (v / max) as f32).collect()
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

/// The ids of the products the population viewed together with the shopper's `recent` ones
/// that this device does not hold, most voted first, at most `n` (issue #23: what a working set
/// could fetch for this shopper).
pub fn unheld_viewed_together(ctx: &FeedContext<'_>, recent: &[RecentView], n: usize) -> Vec<String> {
    let c = ctx.catalog;
    // Oldest first, as a session runs.
    let seeds: Vec<u32> = recent.iter().rev().filter_map(|v| c.get(&v.product_id)).collect();
    let mut voted = c.sessions.score_unheld(&seeds, &c.session_params, c.sessions.len());
    voted.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    voted.into_iter().take(n).filter_map(|(i, _)| c.unheld.get(i as usize - c.len()).cloned()).collect()
}

/// Every product's score for this shopper (0..1, the home feed's), for ranking search results.
pub fn personal_scores(ctx: &FeedContext<'_>) -> Vec<f32> {
    let scored = score(ctx);
    let max = scored.score.iter().cloned().fold(f32::MIN_POSITIVE, f32::max);
    scored.score.iter().map(|s| (s / max).clamp(0.0, 1.0)).collect()
}

/// The in-stock products' ids, the one the shopper is least likely to need first: by their
/// "for you" score, lowest first, but each style's best `KEEP_PER_STYLE` last of all — the
/// home's exploration picks are the best of the styles the shopper does not (yet) like, and a
/// budget must not leave the feed with nothing new to try.
pub fn least_needed_first(ctx: &FeedContext<'_>) -> Vec<String> {
    const KEEP_PER_STYLE: usize = 100;
    let c = ctx.catalog;
    let scores = personal_scores(ctx);
    let mut order: Vec<u32> = (0..scores.len() as u32).collect();
    order.sort_by(|&a, &b| scores[b as usize].total_cmp(&scores[a as usize]).then(a.cmp(&b)));
    let mut kept_per_style = [0usize; 16];
    let (mut best_of_style, mut rest) = (Vec::new(), Vec::new());
    for i in order {
        let mask = c.style_mask[i as usize];
        let mut among_best = false;
        for (s, kept) in kept_per_style.iter_mut().enumerate() {
            if mask & (1 << s) != 0 && *kept < KEEP_PER_STYLE {
                *kept += 1;
                among_best = true;
            }
        }
        if among_best {
            best_of_style.push(i);
        } else {
            rest.push(i);
        }
    }
    rest.iter().rev().chain(best_of_style.iter().rev()).map(|&i| c.products[i as usize].id.clone()).collect()
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
    /// "문의하기": the ways to ask the mall, and when it answers.
    pub contact: Vec<ContactOption>,
    pub contact_hours: Option<String>,
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
    let (contact, contact_hours) = contact::options(mall, None, ctx.locale);
    MallPage {
        mall_id: mall.id.clone(),
        name: mall.name.clone(),
        styles: mall.styles.iter().map(|s| s.label(ctx.locale).to_string()).collect(),
        audience: format!("{} · {}", mall.gender.label(ctx.locale), ages.join(", ")),
        homepage: mall.homepage.clone(),
        followed: ctx.followed.contains(&mall.id),
        products_in_stock: in_stock,
        cards,
        contact,
        contact_hours,
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
    let also_at_text = lowest.map(|low| (copy::phrases(ctx.locale).also_at)(other_malls.len(), &low.display()));
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
    let words = copy::phrases(ctx.locale);
    match why {
        Why::ViewedTogether => words.viewed_together.into(),
        Why::FavouriteMall => (words.favourite_mall)(&ctx.catalog.mall_of(i).name),
        Why::YourStyle(s) => (words.your_style)(s.label(ctx.locale)),
        Why::Segment => segment_phrase(ctx).unwrap_or_else(|| words.popular.into()),
        Why::New => words.new_this_week.into(),
        Why::Popular => words.popular.into(),
        Why::Explore => words.explore.into(),
    }
}

fn segment_phrase(ctx: &FeedContext<'_>) -> Option<String> {
    let (g, a) = (ctx.profile.gender?, ctx.profile.age_band?);
    Some((copy::phrases(ctx.locale).popular_with)(a.label(ctx.locale), g.label(ctx.locale)))
}

fn section(id: &str, title: String, layout: Layout, cards: Vec<Card>) -> Section {
    Section { id: id.into(), title, layout, cards, malls: Vec::new() }
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

/// A "for you" session over a rebuilt index that continues `home` as the shopper has it:
/// nothing on it — any section, any page loaded — comes again.
pub fn continue_home(ctx: &FeedContext<'_>, home: &FeedPage) -> FeedSession {
    let c = ctx.catalog;
    let scored = score(ctx);
    let ranked = top(&scored, |_| true, RANKED_POOL);
    let mut shown = Shown::new(c);
    for card in home.sections.iter().flat_map(|s| &s.cards) {
        if let Some(i) = c.get(&card.product_id) {
            shown.insert(i);
        }
    }
    let mut session = for_you_session(ctx, &scored, &ranked, shown);
    session.reserved = outside_for_you(c, home);
    session
}

/// The products of `home`'s sections other than "for you": a re-rank of "for you" leaves them
/// out.
fn outside_for_you(c: &CatalogIndex, home: &FeedPage) -> Vec<u32> {
    home.sections
        .iter()
        .filter(|s| s.id != "for_you")
        .flat_map(|s| &s.cards)
        .filter_map(|card| c.get(&card.product_id))
        .collect()
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
    section("for_you", copy::phrases(ctx.locale).for_you.into(), Layout::Grid, cards)
}

/// The rescue sheet's products for a shopper back from the page of `left`: similar products from
/// other malls (what shoppers who viewed it went on to view, or its category and style), then
/// the same mall's best matches for this shopper — in stock, not hidden, never `left` itself.
pub fn rescue(ctx: &FeedContext<'_>, left: u32) -> Vec<Card> {
    let c = ctx.catalog;
    let words = copy::phrases(ctx.locale);
    let scored = score(ctx);
    let l = left as usize;
    let mut together = HashMap::new();
    c.sessions.score_next(&[left], &c.session_params, c.sessions.len(), &mut together);
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
        .map(|i| card(ctx, i, (words.similar_at)(&c.mall_of(i).name)))
        .collect();
    let same_mall = top(&scored, |i| i != l && c.mall[i] == c.mall[l], 20);
    let mall = &c.mall_of(left).name;
    cards.extend(
        pick_diverse(c, &same_mall, 2, 2, &mut shown).into_iter().map(|i| card(ctx, i, (words.more_for_you_at)(mall))),
    );
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
