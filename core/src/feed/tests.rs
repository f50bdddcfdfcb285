//! The feed's rules held to directly: the diverse picker and the scorer's weights.

use std::collections::HashMap;

use moa_protocol::model::{AgeBand, Category, Gender, Locale, Mall, Money, Platform, Product, Style, Variant};
use moa_protocol::wire::PopulationStats;

use super::score::score;
use super::{pick_diverse, FeedContext, Shown};
use crate::profile::{ShopperProfile, Taste};
use crate::rank::catalog::CatalogIndex;
use crate::store::Exclusions;

const NOW: i64 = 1_795_000_000;

fn product(id: &str, mall: &str, category: Category, style: Style, gender: Gender) -> Product {
    Product {
        id: id.into(),
        mall_id: mall.into(),
        title: format!("상품 {id}"),
        brand: None,
        category,
        styles: vec![style],
        gender,
        age_bands: vec![AgeBand::Early20s],
        price: Money::krw(39_800),
        original_price: None,
        image_url: format!("https://{mall}.example/{id}.jpg"),
        more_image_urls: Vec::new(),
        product_url: format!("https://{mall}.example/p/{id}"),
        variants: vec![Variant { id: format!("{id}-s"), color: None, size: Some("S".into()), available: true }],
        created_at: NOW - 30 * 86_400,
        updated_at: NOW - 30 * 86_400,
        popularity: 1.0,
        sale_ends_at: None,
        image_hash: None,
        same_item: None,
    }
}

fn mall(id: &str) -> Mall {
    Mall {
        id: id.into(),
        name: id.into(),
        platform: Platform::Cafe24,
        homepage: format!("https://{id}.example/"),
        link_hosts: vec![format!("{id}.example")],
        styles: vec![],
        gender: Gender::Women,
        age_bands: vec![],
        contact: None,
    }
}

fn catalog(products: Vec<Product>) -> CatalogIndex {
    let mut malls: Vec<String> = products.iter().map(|p| p.mall_id.clone()).collect();
    malls.dedup();
    CatalogIndex::build(products, malls.iter().map(|m| mall(m)).collect(), &PopulationStats::default())
}

/// Scores of every product for a shopper with `profile`, `excluded` and `impressions`.
fn scores(
    c: &CatalogIndex,
    profile: &ShopperProfile,
    excluded: &Exclusions,
    shown: &[(&str, u32)],
) -> Vec<Option<f32>> {
    let taste = Taste::new(c.malls.len(), NOW * 1000);
    let impressions: HashMap<String, u32> = shown.iter().map(|(id, n)| (id.to_string(), *n)).collect();
    let ctx = FeedContext {
        catalog: c,
        taste: &taste,
        profile,
        guest: false,
        excluded,
        impressions: &impressions,
        followed: &[],
        wishlist: &[],
        recently_viewed: &[],
        image_meta: &HashMap::new(),
        locale: Locale::Ko,
        now: NOW,
        seed: 7,
    };
    let scored = score(&ctx);
    (0..c.len()).map(|i| scored.eligible[i].then_some(scored.score[i])).collect()
}

fn at(c: &CatalogIndex, id: &str) -> usize {
    c.get(id).expect("in the catalog") as usize
}

#[test]
fn the_picker_keeps_malls_and_categories_apart_and_caps_each_mall() {
    let (d, t) = (Category::Dress, Category::Top);
    let items = [
        ("a1", "a", d),
        ("a2", "a", d),
        ("a3", "a", t),
        ("a4", "a", t),
        ("b1", "b", d),
        ("b2", "b", t),
        ("c1", "c", d),
    ];
    let c = catalog(items.iter().map(|(id, m, cat)| product(id, m, *cat, Style::Lovely, Gender::Women)).collect());
    let ranked: Vec<u32> = items.iter().map(|(id, _, _)| at(&c, id) as u32).collect();
    let mut shown = Shown::new(&c);
    shown.insert(at(&c, "b1") as u32); // already on the home: never again
    let picked = pick_diverse(&c, &ranked, 6, 2, &mut shown);
    let ids: Vec<&str> = picked.iter().map(|&i| c.products[i as usize].id.as_str()).collect();
    assert_eq!(ids, ["a1", "a2", "b2", "c1"], "two of mall a at most, b1 skipped");
    for w in picked.windows(3) {
        let (m, k) = (|i: u32| c.mall[i as usize], |i: u32| c.category[i as usize]);
        assert!(!(m(w[0]) == m(w[1]) && m(w[1]) == m(w[2])), "three in a row from one mall: {ids:?}");
        assert!(!(k(w[0]) == k(w[1]) && k(w[1]) == k(w[2])), "three in a row of one category: {ids:?}");
    }
    // What was picked is marked shown; what was held back is not.
    assert!(shown.contains(&(at(&c, "a1") as u32)) && !shown.contains(&(at(&c, "a3") as u32)));
}

#[test]
fn exclusions_make_products_ineligible_and_nothing_else_does() {
    let c = catalog(vec![
        product("a1", "a", Category::Dress, Style::Lovely, Gender::Women),
        product("b1", "b", Category::Dress, Style::Lovely, Gender::Women),
        product("c1", "c", Category::Top, Style::Street, Gender::Women),
        product("d1", "d", Category::Top, Style::Casual, Gender::Men),
    ]);
    let excluded = Exclusions {
        products: ["a1".to_string()].into(),
        malls: ["b".to_string()].into(),
        styles: [Style::Street].into(),
    };
    let s = scores(&c, &ShopperProfile::default(), &excluded, &[]);
    assert_eq!(s.iter().map(Option::is_some).collect::<Vec<_>>(), [false, false, false, true]);
}

#[test]
fn the_weights_move_products_the_way_they_say() {
    let c = catalog(vec![
        product("a1", "a", Category::Dress, Style::Lovely, Gender::Women),
        product("a2", "a", Category::Dress, Style::Street, Gender::Women),
        product("a3", "a", Category::Dress, Style::Lovely, Gender::Men),
    ]);
    let lovely = ShopperProfile { gender: Some(Gender::Women), age_band: None, styles: vec![Style::Lovely] };
    let s = scores(&c, &lovely, &Exclusions::default(), &[]);
    let score = |id: &str| s[at(&c, id)].expect("eligible");
    // The stated style lifts, another gender's clothes sink.
    assert!(score("a1") > score("a2") + 1.0, "{s:?}");
    assert!(score("a3") < score("a2"), "{s:?}");
    // Shown many times without a tap, a product sinks (fatigue), by at most a whole point.
    let tired = scores(&c, &lovely, &Exclusions::default(), &[("a1", 20)]);
    let drop = score("a1") - tired[at(&c, "a1")].expect("still eligible");
    assert!(drop > 0.5 && drop <= 1.0 + 1e-6, "fatigue {drop}");
}

#[test]
fn the_feed_weighs_sessions_as_the_server_tuned_them_with_its_own_rules_kept() {
    let products = vec![product("a1", "a", Category::Dress, Style::Lovely, Gender::Women)];
    let untuned = catalog(products.clone());
    assert_eq!(untuned.session_params.k, crate::rank::session_knn::KnnParams::FEED.k);
    let model = moa_protocol::wire::SessionModel {
        neighbours: 37,
        position_decay: 3.0,
        neighbour_position_decay: 4.0,
        recency_decay: 1000.0,
        rarity: 1.0,
        anchor: 2.0,
        repeat: 2.0,
        holdout_sessions: 300,
        holdout_hit_rate: 0.4,
        holdout_mrr: 0.2,
    };
    let stats = PopulationStats { session_model: Some(model), ..PopulationStats::default() };
    let tuned = CatalogIndex::build(products, vec![mall("a")], &stats);
    let p = tuned.session_params;
    assert_eq!((p.k, p.lambda_position, p.lambda_recency, p.idf), (37, 3.0, 1000.0, 1.0));
    // What the shopper just saw is never suggested again on the home, whatever was tuned.
    assert_eq!((p.anchor_weight, p.repeat), (0.0, 0.0));
}
