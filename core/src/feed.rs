//! The home feed: a magazine of sections built from the local cache, each card with the short
//! reason it is there.
//!
//! This is the first, unpersonalised ranking (popularity and freshness); the rules that every
//! later ranker keeps start here: nothing sold out, no product twice on one home, and never more
//! than two cards in a row from one mall.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::model::{Locale, Mall, Money, Product, Variant};
use crate::store::Exclusions;

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
    pub product_url: String,
    /// Why this card is here, in a few words.
    pub reason: String,
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
}

impl ProductSheet {
    pub fn new(p: &Product, mall: Option<&Mall>, locale: Locale) -> Self {
        ProductSheet {
            product_id: p.id.clone(),
            mall_id: p.mall_id.clone(),
            mall_name: mall.map(|m| m.name.clone()).unwrap_or_else(|| p.mall_id.clone()),
            title: p.title.clone(),
            brand: p.brand.clone(),
            category: p.category.label(locale).to_string(),
            price: p.price.amount,
            original_price: p.discount_percent().and(p.original_price.as_ref()).map(|m| m.amount),
            currency: p.price.currency.clone(),
            price_text: p.price.display(),
            original_price_text: p.discount_percent().and(p.original_price.as_ref()).map(Money::display),
            discount_percent: p.discount_percent(),
            image_url: p.image_url.clone(),
            product_url: p.product_url.clone(),
            variants: p.variants.clone(),
            in_stock: p.in_stock(),
        }
    }
}

const DAY: i64 = 86_400;
/// How many cards of one mall a section may hold: a home of one mall is no aggregator.
const COVER_SIZE: usize = 1;
const TRENDING_SIZE: usize = 24;
const TRENDING_PER_MALL: usize = 3;
const CAROUSEL_SIZE: usize = 12;
const CAROUSEL_PER_MALL: usize = 2;
const NEW_WITHIN_DAYS: i64 = 7;
const SALE_MIN_PERCENT: u8 = 10;

/// Compose the home from the in-stock products of the cache, leaving out what the shopper said
/// they do not want to see.
pub fn compose_home(products: &[Product], malls: &[Mall], excluded: &Exclusions, locale: Locale, now: i64) -> FeedPage {
    let mall_names: HashMap<&str, &str> = malls.iter().map(|m| (m.id.as_str(), m.name.as_str())).collect();
    let mut ranked: Vec<(&Product, f64)> = products
        .iter()
        .filter(|p| p.in_stock() && !excluded.products.contains(&p.id) && !excluded.malls.contains(&p.mall_id))
        .map(|p| (p, base_score(p, now)))
        .collect();
    // Ties broken by id so that the same cache always gives the same home.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.id.cmp(&b.0.id)));
    let ranked: Vec<&Product> = ranked.into_iter().map(|(p, _)| p).collect();

    let mut shown: HashSet<&str> = HashSet::new();
    let mut sections = Vec::new();
    let ko = locale == Locale::Ko;

    let cover = pick_diverse(&ranked, COVER_SIZE, 1, &mut shown);
    sections.push(section(
        "cover",
        if ko { "오늘의 커버" } else { "Today's cover" },
        Layout::Cover,
        &cover,
        &mall_names,
        |_| if ko { "오늘 가장 주목받는 상품".into() } else { "Most loved today".into() },
    ));

    let trending = pick_diverse(&ranked, TRENDING_SIZE, TRENDING_PER_MALL, &mut shown);
    sections.push(section(
        "trending",
        if ko { "지금 인기 있는 상품" } else { "Popular right now" },
        Layout::Grid,
        &trending,
        &mall_names,
        |p| match (is_new(p, now), ko) {
            (true, true) => "신상 · 인기 상품".into(),
            (true, false) => "New and popular".into(),
            (false, true) => "많이 찾는 상품".into(),
            (false, false) => "Shoppers' favourite".into(),
        },
    ));

    // The best of the week's arrivals (the ranking already favours the newest among equals).
    let fresh: Vec<&Product> = ranked.iter().copied().filter(|p| is_new(p, now)).collect();
    let fresh = pick_diverse(&fresh, CAROUSEL_SIZE, CAROUSEL_PER_MALL, &mut shown);
    sections.push(section(
        "new_this_week",
        if ko { "이번 주 신상" } else { "New this week" },
        Layout::Carousel,
        &fresh,
        &mall_names,
        |p| {
            let days = (now - p.created_at).max(0) / DAY;
            match (days, ko) {
                (0, true) => "오늘 입고".into(),
                (0, false) => "New today".into(),
                (d, true) => format!("{d}일 전 입고"),
                (1, false) => "New yesterday".into(),
                (d, false) => format!("New {d} days ago"),
            }
        },
    ));

    let mut on_sale: Vec<(&Product, f64)> = ranked
        .iter()
        .enumerate()
        .filter_map(|(rank, p)| {
            let pct = p.discount_percent().filter(|pct| *pct >= SALE_MIN_PERCENT)?;
            // A deep discount lifts a product, but popularity still leads: a 70%-off item no one
            // wants is not news.
            Some((*p, (1.0 + pct as f64 / 100.0) / (1.0 + rank as f64).ln_1p()))
        })
        .collect();
    on_sale.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.id.cmp(&b.0.id)));
    let on_sale: Vec<&Product> = on_sale.into_iter().map(|(p, _)| p).collect();
    let on_sale = pick_diverse(&on_sale, CAROUSEL_SIZE, CAROUSEL_PER_MALL, &mut shown);
    sections.push(section(
        "on_sale",
        if ko { "지금 세일 중" } else { "On sale now" },
        Layout::Carousel,
        &on_sale,
        &mall_names,
        |p| {
            let pct = p.discount_percent().unwrap_or(0);
            if ko {
                format!("{pct}% 할인 중")
            } else {
                format!("{pct}% off")
            }
        },
    ));

    sections.retain(|s| !s.cards.is_empty());
    FeedPage { sections, generated_at: now }
}

/// Popularity with diminishing returns, plus freshness that halves about every ten days.
fn base_score(p: &Product, now: i64) -> f64 {
    let age_days = (now - p.created_at).max(0) as f64 / DAY as f64;
    p.popularity.ln_1p() + 2.0 * (-age_days / 14.0).exp()
}

fn is_new(p: &Product, now: i64) -> bool {
    now - p.created_at < NEW_WITHIN_DAYS * DAY
}

/// Take up to `n` products in ranked order that are not yet on the home, with at most
/// `per_mall` from one mall and never three in a row from one mall. A product that would make
/// a third in a row waits and takes the next place where it fits, so the order stays as close
/// to the ranking as the rules allow.
fn pick_diverse<'a>(
    ranked: &[&'a Product],
    n: usize,
    per_mall: usize,
    shown: &mut HashSet<&'a str>,
) -> Vec<&'a Product> {
    let mut out: Vec<&'a Product> = Vec::with_capacity(n);
    let mut per_mall_count: HashMap<&str, usize> = HashMap::new();
    let mut waiting: Vec<&'a Product> = Vec::new();
    let third_in_a_row = |out: &[&Product], p: &Product| {
        out.len() >= 2 && out[out.len() - 1].mall_id == p.mall_id && out[out.len() - 2].mall_id == p.mall_id
    };
    let mut candidates = ranked.iter();
    while out.len() < n {
        if let Some(pos) = waiting.iter().position(|p| !third_in_a_row(&out, p)) {
            let p = waiting.remove(pos);
            out.push(p);
            continue;
        }
        let Some(&p) = candidates.next() else { break };
        if shown.contains(p.id.as_str()) {
            continue;
        }
        let count = per_mall_count.entry(p.mall_id.as_str()).or_insert(0);
        if *count >= per_mall {
            continue;
        }
        *count += 1;
        shown.insert(p.id.as_str());
        if third_in_a_row(&out, p) {
            waiting.push(p);
        } else {
            out.push(p);
        }
    }
    // Products that never found a place must not count as shown.
    for p in waiting {
        shown.remove(p.id.as_str());
    }
    out
}

fn section(
    id: &str,
    title: &str,
    layout: Layout,
    products: &[&Product],
    mall_names: &HashMap<&str, &str>,
    reason: impl Fn(&Product) -> String,
) -> Section {
    let cards = products
        .iter()
        .map(|p| Card {
            original_price_text: p.discount_percent().and(p.original_price.as_ref()).map(Money::display),
            product_id: p.id.clone(),
            mall_id: p.mall_id.clone(),
            mall_name: mall_names.get(p.mall_id.as_str()).copied().unwrap_or(p.mall_id.as_str()).to_string(),
            title: p.title.clone(),
            price: p.price.amount,
            original_price: p.original_price.as_ref().map(|m| m.amount).filter(|a| *a > p.price.amount),
            currency: p.price.currency.clone(),
            price_text: p.price.display(),
            discount_percent: p.discount_percent(),
            image_url: p.image_url.clone(),
            product_url: p.product_url.clone(),
            reason: reason(p),
        })
        .collect();
    Section { id: id.into(), title: title.into(), layout, cards }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, Gender, Money, Variant};

    fn product(id: &str, mall: &str, popularity: f64, in_stock: bool) -> Product {
        Product {
            id: id.into(),
            mall_id: mall.into(),
            title: format!("상품 {id}"),
            brand: None,
            category: Category::Top,
            styles: vec![],
            gender: Gender::Women,
            age_bands: vec![],
            price: Money::krw(29_800),
            original_price: None,
            image_url: String::new(),
            product_url: format!("https://{mall}.example/p/{id}"),
            variants: vec![Variant { id: "v".into(), color: None, size: None, available: in_stock }],
            created_at: 0,
            updated_at: 0,
            popularity,
        }
    }

    #[test]
    fn never_three_in_a_row_from_one_mall_even_when_one_mall_dominates() {
        // Mall "a" holds the ten most popular products; the rule must still interleave.
        let mut products: Vec<Product> =
            (0..10).map(|i| product(&format!("a{i}"), "a", 1000.0 - i as f64, true)).collect();
        products.extend((0..5).map(|i| product(&format!("b{i}"), "b", 10.0 - i as f64, true)));
        let refs: Vec<&Product> = products.iter().collect();
        let mut shown = HashSet::new();
        let picked = pick_diverse(&refs, 12, 100, &mut shown);
        for w in picked.windows(3) {
            assert!(
                !(w[0].mall_id == w[1].mall_id && w[1].mall_id == w[2].mall_id),
                "three in a row: {:?}",
                w.iter().map(|p| &p.id).collect::<Vec<_>>()
            );
        }
        assert_eq!(picked[0].id, "a0");
        assert_eq!(picked[1].id, "a1");
        assert_eq!(picked[2].mall_id, "b");
        // Every product picked is recorded as shown, and only those.
        assert_eq!(shown.len(), picked.len());
    }

    #[test]
    fn sold_out_products_and_repeats_never_reach_the_home() {
        let mut products: Vec<Product> =
            (0..60).map(|i| product(&format!("p{i}"), &format!("m{}", i % 12), i as f64, i % 7 != 0)).collect();
        products[3].original_price = Some(Money::krw(59_800));
        let page = compose_home(&products, &[], &Exclusions::default(), Locale::Ko, 30 * DAY);
        assert!(page.sections.iter().all(|s| s.id != "new_this_week"), "nothing is new a month later");
        let mut seen = HashSet::new();
        for card in page.sections.iter().flat_map(|s| &s.cards) {
            let p = products.iter().find(|p| p.id == card.product_id).unwrap();
            assert!(p.in_stock(), "sold-out {} on the home", p.id);
            assert!(seen.insert(card.product_id.clone()), "{} shown twice", card.product_id);
        }
        let sale = page.sections.iter().find(|s| s.id == "on_sale").unwrap();
        assert_eq!(sale.cards[0].product_id, "p3");
        assert_eq!(sale.cards[0].reason, "50% 할인 중");
        assert_eq!(sale.cards[0].original_price, Some(59_800));
    }
}
