//! The personal home on a cache of 100,000 products (issue #5 targets: first page ≤ 30 ms,
//! re-rank after one event ≤ 5 ms), each against a plain popularity sort of the same products in
//! the same run. `cargo bench -p moa-e2e --bench feed`; figures in docs/BENCHMARKS.md.

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use moa_core::events::Event;
use moa_core::feed::{compose_home, daily_seed, rerank_for_you, FeedContext};
use moa_core::model::Locale;
use moa_core::profile::{ShopperProfile, Taste};
use moa_core::rank::catalog::CatalogIndex;
use moa_core::store::Exclusions;
use moa_server::{population, DemoSpec, DemoWorld};

const NOW: i64 = 1_795_000_000;

/// No photo seen yet (a fresh install).
fn no_image_meta() -> &'static HashMap<String, moa_core::images::cache::ImageMeta> {
    static EMPTY: std::sync::OnceLock<HashMap<String, moa_core::images::cache::ImageMeta>> = std::sync::OnceLock::new();
    EMPTY.get_or_init(HashMap::new)
}

/// The context of a guest's home, as the app builds it.
fn guest_home<'a>(
    catalog: &'a CatalogIndex,
    taste: &'a Taste,
    profile: &'a ShopperProfile,
    excluded: &'a Exclusions,
    impressions: &'a HashMap<String, u32>,
) -> FeedContext<'a> {
    FeedContext {
        catalog,
        taste,
        profile,
        guest: true,
        excluded,
        impressions,
        followed: &[],
        wishlist: &[],
        recently_viewed: &[],
        image_meta: no_image_meta(),
        locale: Locale::Ko,
        now: NOW,
        seed: daily_seed("bench", NOW),
    }
}

fn bench(c: &mut Criterion) {
    let world = DemoWorld::generate(DemoSpec { seed: 3, products: 100_000, now: NOW });
    let stats = population::simulate(&world, 4, 10_000);
    let catalog = CatalogIndex::build(world.products.clone(), world.malls.clone(), &stats);
    let profile = ShopperProfile::guest_default();
    let excluded = Exclusions::default();
    let impressions = HashMap::new();
    let mut taste = Taste::new(catalog.malls.len(), NOW * 1000);
    // A shopper with some history: twenty views.
    for (n, p) in catalog.products.iter().step_by(4_999).take(20).enumerate() {
        taste.learn(
            NOW * 1000 + n as i64 * 60_000,
            &Event::ProductView { product_id: p.id.clone(), dwell_ms: 12_000 },
            &catalog,
        );
    }
    let mut group = c.benchmark_group("home_100k");
    group.sample_size(30);
    group.bench_function("baseline_popularity_sort", |b| {
        b.iter(|| {
            let mut order: Vec<u32> = (0..catalog.len() as u32).collect();
            order.sort_unstable_by(|a, b| catalog.popularity[*b as usize].total_cmp(&catalog.popularity[*a as usize]));
            order.truncate(45);
            black_box(order);
        })
    });
    group.bench_function("first_page", |b| {
        b.iter(|| {
            let ctx = guest_home(&catalog, &taste, &profile, &excluded, &impressions);
            black_box(compose_home(&ctx));
        })
    });
    let viewed = catalog.products[77_777].id.clone();
    let (_, session) = compose_home(&guest_home(&catalog, &taste, &profile, &excluded, &impressions));
    group.bench_function("rerank_for_you_after_one_event", |b| {
        b.iter(|| {
            let mut taste = taste.clone();
            let mut session = session.clone();
            taste.learn(
                NOW * 1000 + 3_600_000,
                &Event::ProductView { product_id: viewed.clone(), dwell_ms: 20_000 },
                &catalog,
            );
            let ctx = guest_home(&catalog, &taste, &profile, &excluded, &impressions);
            black_box(rerank_for_you(&ctx, &mut session));
        })
    });
    group.bench_function("whole_home_after_one_event", |b| {
        b.iter(|| {
            let mut taste = taste.clone();
            taste.learn(
                NOW * 1000 + 3_600_000,
                &Event::ProductView { product_id: viewed.clone(), dwell_ms: 20_000 },
                &catalog,
            );
            let ctx = guest_home(&catalog, &taste, &profile, &excluded, &impressions);
            black_box(compose_home(&ctx));
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
