//! One item, many malls, in the demo world: resold designs are grouped with the design they
//! resell, different designs are not, and the hash published is the photo's own.

use std::collections::HashMap;

use moa_imaging::hash::{perceptual_hash, SAME_ITEM_DISTANCE};
use moa_imaging::ImageLimits;
use moa_protocol::model::Product;
use moa_server::demo::{DemoSpec, DemoWorld};
use moa_server::images::{parse_photo_file, product_photo};

const NOW: i64 = 1_795_000_000;

/// The design a product's photo shows (its own id unless it resells another's).
fn design(p: &Product) -> String {
    let file = p.image_url.rsplit('/').next().unwrap();
    parse_photo_file(file).unwrap().0.to_string()
}

#[test]
fn resold_designs_are_one_item_and_different_designs_are_not() {
    let world = DemoWorld::generate(DemoSpec { seed: 11, products: 6_000, now: NOW });
    let products = &world.products;
    assert!(products.iter().all(|p| p.image_hash.is_some()), "every demo photo is hashed");

    let resold: Vec<&Product> = products.iter().filter(|p| design(p) != p.id).collect();
    assert!(resold.len() >= 300, "{} resales in 6,000 products", resold.len());
    let by_id: HashMap<&str, &Product> = products.iter().map(|p| (p.id.as_str(), p)).collect();

    // Recall: a resale is in the same group as the design it resells.
    let found =
        resold.iter().filter(|r| r.same_item.is_some() && r.same_item == by_id[design(r).as_str()].same_item).count();
    let recall = found as f64 / resold.len() as f64;

    // False groupings: products of different designs in one group.
    let mut groups: HashMap<&str, Vec<&Product>> = HashMap::new();
    for p in products {
        if let Some(key) = &p.same_item {
            groups.entry(key.as_str()).or_default().push(p);
        }
    }
    let mut false_pairs = 0usize;
    let mut pairs = 0usize;
    // Products whose group is led by another design: a shopper would see the wrong item's offer.
    let mut misplaced = 0usize;
    for (key, members) in &groups {
        let leader = &by_id[key.strip_prefix("item-").unwrap()];
        misplaced += members.iter().filter(|m| design(m) != design(leader)).count();
        assert!(members.len() >= 2, "a group of one carries no key");
        for i in 0..members.len() {
            for j in i + 1..members.len() {
                pairs += 1;
                false_pairs += (design(members[i]) != design(members[j])) as usize;
            }
        }
    }
    // Among all pairs of different designs of one category and gender (the only ones that
    // could be grouped), how many are within the distance at all.
    let mut close = 0usize;
    let mut compared = 0usize;
    let originals: Vec<&Product> = products.iter().filter(|p| design(p) == p.id).take(2_000).collect();
    for i in 0..originals.len() {
        for j in i + 1..originals.len() {
            let (a, b) = (originals[i], originals[j]);
            if a.category == b.category && a.gender == b.gender {
                compared += 1;
                close += (a.image_hash.unwrap().distance(&b.image_hash.unwrap()) <= SAME_ITEM_DISTANCE) as usize;
            }
        }
    }
    println!(
        "{} products, {} resales: grouped with their design {found} ({:.1}%); {} groups; products in a group \
         of another design {misplaced} ({:.2}% of products); pairs in groups {pairs}, of different designs \
         {false_pairs}; photos of different designs within {SAME_ITEM_DISTANCE} bits: {close} of {compared} pairs",
        products.len(),
        resold.len(),
        recall * 100.0,
        groups.len(),
        misplaced as f64 * 100.0 / products.len() as f64,
    );
    assert!(recall >= 0.95, "recall {recall}");
    assert!(misplaced * 200 <= products.len(), "{misplaced} products grouped with another design");
    assert!(close * 1000 <= compared, "{close} of {compared} pairs of different designs look alike");
}

#[test]
fn the_published_hash_is_the_served_photos_own() {
    let world = DemoWorld::generate(DemoSpec { seed: 3, products: 400, now: NOW });
    let by_id: HashMap<&str, &Product> = world.products.iter().map(|p| (p.id.as_str(), p)).collect();
    let limits = ImageLimits::default();
    let mut worst = 0;
    for p in world.products.iter().step_by(7) {
        let file = p.image_url.rsplit('/').next().unwrap();
        let (design, copy, _) = parse_photo_file(file).unwrap();
        let served = perceptual_hash(&product_photo(by_id[design], copy), &limits).unwrap();
        worst = worst.max(served.distance(&p.image_hash.unwrap()));
    }
    assert!(worst <= SAME_ITEM_DISTANCE / 2, "the served photo's hash is {worst} bits from the published one");
}
