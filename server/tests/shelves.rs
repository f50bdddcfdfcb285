//! Working sets (issue #23): each segment's shelf is what fits the segment, bounded, with every
//! style on it; the shelf's feed carries its products' changes and the moves onto and off it, in
//! the catalog's sequence, and nothing else. Runs on SQLite and, in the postgres suite, on
//! PostgreSQL.

use std::collections::{BTreeSet, HashSet};

use moa_protocol::model::{AgeBand, Gender, Money, Product};
use moa_protocol::wire::{segment_key, Change, ChangePage};
use moa_server::demo::{demo_catalog, DemoSpec};
use moa_server::shelves::{choose, is_shelf};

const NOW: i64 = 1_795_000_000;

fn page(json: &str) -> ChangePage {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json:.200}"))
}

#[test]
fn every_segment_gets_a_bounded_shelf_of_what_fits_it_with_every_style() {
    let (catalog, world) = demo_catalog(DemoSpec { seed: 23, products: 3_000, now: NOW }).unwrap();
    let stats = serde_json::from_str(&catalog.stats_json().unwrap()).unwrap();
    let shelves = choose(&world.products, &stats, NOW, (300, 200));
    assert_eq!(shelves.len(), 2 * AgeBand::ALL.len());
    let by_id: std::collections::HashMap<&str, &Product> = world.products.iter().map(|p| (p.id.as_str(), p)).collect();
    for (key, shelf) in &shelves {
        let ids = &shelf.products;
        // What comes after it is none of it.
        assert!(shelf.reserve.len() <= 200 && shelf.reserve.iter().all(|id| !ids.contains(id)), "{key}");
        assert!(is_shelf(key));
        assert!(ids.len() <= 300, "{key}: {}", ids.len());
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len(), "{key}: a product twice");
        let (gender, age) = AgeBand::ALL
            .iter()
            .flat_map(|&a| [(Gender::Women, a), (Gender::Men, a)])
            .find(|&(g, a)| segment_key(g, a) == *key)
            .unwrap();
        let own_age = |p: &&Product| p.age_bands.is_empty() || p.age_bands.contains(&age);
        let of_gender: Vec<&Product> = world
            .products
            .iter()
            .filter(|p| p.in_stock() && (p.gender == gender || p.gender == Gender::Unisex))
            .collect();
        let own: Vec<&Product> = of_gender.iter().copied().filter(own_age).collect();
        for id in ids {
            let p = by_id[id.as_str()];
            assert!(p.in_stock(), "{key}: {id} is sold out");
            assert!(p.gender == gender || p.gender == Gender::Unisex, "{key}: {id} is {:?}", p.gender);
        }
        // Full, even for a segment with few products of its own ages.
        assert_eq!(ids.len(), of_gender.len().min(300), "{key}: {} of its own ages", own.len());
        // Every style that has candidates of the segment's ages is on the shelf, however small its share.
        let offered: BTreeSet<_> = own.iter().filter_map(|p| p.styles.first()).collect();
        let shelved: BTreeSet<_> = ids.iter().filter_map(|id| by_id[id.as_str()].styles.first()).collect();
        assert!(offered.is_subset(&shelved), "{key}: {offered:?} offered, {shelved:?} shelved");
    }
    assert!(!is_shelf("women.somewhere") && !is_shelf("unisex.early_20s"));
}

#[test]
fn a_shelf_feed_carries_its_products_and_their_moves_in_the_catalogs_sequence() {
    let (catalog, world) = demo_catalog(DemoSpec { seed: 23, products: 1_500, now: NOW }).unwrap();
    let shelf = segment_key(Gender::Women, AgeBand::Late20s);
    let on: Vec<String> = world.products.iter().filter(|p| p.in_stock()).take(40).map(|p| p.id.clone()).collect();
    let off = world.products.iter().find(|p| !on.contains(&p.id)).unwrap().clone();
    assert_eq!(catalog.set_shelf(&shelf, &on).unwrap(), (40, 0));
    assert_eq!(catalog.set_shelf(&shelf, &on).unwrap(), (0, 0), "the same shelf again moves nothing");
    assert_eq!(catalog.shelf(&shelf).unwrap().len(), 40);

    // From the beginning: exactly the shelf's products, in sequence order, pages of 25.
    let (mut cursor, mut seen) = (0, Vec::new());
    loop {
        let p = page(&catalog.shelf_changes_json(&shelf, cursor, 25).unwrap());
        let mut last = cursor;
        for c in &p.changes {
            assert!(c.seq() > last, "in order");
            last = c.seq();
            match c {
                Change::Upsert { product, .. } => seen.push(product.id.clone()),
                other => panic!("only products on a fresh shelf: {other:?}"),
            }
        }
        assert_eq!(p.next, last);
        cursor = p.next;
        if !p.more {
            break;
        }
    }
    seen.sort();
    let mut expected = on.clone();
    expected.sort();
    seen.dedup();
    assert_eq!(seen, expected);

    // A change to a product on the shelf is in its feed; one to a product off it is not; a
    // product leaving is a leave, one entering comes with its body.
    let repriced =
        |p: &Product| Product { price: Money::krw(p.price.amount + 1_000), original_price: None, ..p.clone() };
    let on_product = world.products.iter().find(|p| p.id == on[0]).unwrap();
    catalog.upsert_products(&[repriced(on_product), repriced(&off)]).unwrap();
    let mut next_shelf = on[1..].to_vec();
    next_shelf.push(off.id.clone());
    assert_eq!(catalog.set_shelf(&shelf, &next_shelf).unwrap(), (1, 1));
    let p = page(&catalog.shelf_changes_json(&shelf, cursor, 100).unwrap());
    let described: Vec<(String, &str)> = p
        .changes
        .iter()
        .map(|c| match c {
            Change::Upsert { product, .. } => (product.id.clone(), "upsert"),
            Change::Delete { product_id, .. } => (product_id.clone(), "delete"),
            Change::Leave { product_id, .. } => (product_id.clone(), "leave"),
        })
        .collect();
    assert_eq!(
        described,
        vec![(on[0].clone(), "leave"), (off.id.clone(), "upsert")],
        "the repriced product left before its change could be read; the other entered, repriced"
    );
    let entered = p.changes.iter().find_map(|c| match c {
        Change::Upsert { product, .. } => Some(product.price.amount),
        _ => None,
    });
    assert_eq!(entered, Some(off.price.amount + 1_000));
    // The whole catalog's feed is unchanged by shelves: the moves are not in it.
    let whole = page(&catalog.changes_json(0, 1_000).unwrap());
    assert!(whole.changes.iter().all(|c| !matches!(c, Change::Leave { .. })));
}
