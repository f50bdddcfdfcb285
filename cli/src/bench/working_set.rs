//! `moa bench working-set` (issue #23): a phone holding its segment's working set against one
//! holding the whole catalog, on one server (its own process) in the same run — first-sync
//! bytes, cache size, cold start to the first home, and how close the working set's home is to
//! the whole catalog's for a set of personas: the overlap of their "for you" top 24 before and
//! after a few taps (each persona opening the best card of its styles, as the demo population's
//! shoppers do).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::{median, ServerProcess};
use moa_core::model::{AgeBand, Gender, Style};
use moa_core::{FixedClock, Moa, MoaConfig, ShopperProfile, SyncReport};
use moa_server::{CatalogDb, DemoSpec};
use serde::Serialize;

/// The world's time: the demo's new arrivals and sale ends are relative to it.
const NOW: i64 = 1_795_000_000;
/// The home's first screenfuls of "for you", compared.
const TOP: usize = 24;
/// Cards each persona opens before the second comparison.
const TAPS: usize = 5;

#[derive(Debug, Serialize)]
pub struct WorkingSetBench {
    pub products: usize,
    pub shelf_size: usize,
    /// The device's cache budget (`MoaConfig::cache_budget_bytes`), MB.
    pub budget_mb: f64,
    /// The whole catalog on one device: the baseline.
    pub whole: DeviceFigures,
    /// Each persona's device, holding its segment's working set.
    pub personas: Vec<PersonaFigures>,
    /// Medians over the personas.
    pub median_first_sync_mb: f64,
    pub median_cache_mb: f64,
    pub median_cold_start_ms: f64,
    pub median_top_overlap: f64,
    pub median_top_overlap_after_taps: f64,
    pub median_top_held: f64,
    pub median_top_held_after_taps: f64,
    pub median_home_overlap: f64,
    pub median_home_overlap_after_taps: f64,
}

#[derive(Debug, Serialize)]
pub struct DeviceFigures {
    pub first_sync_mb: f64,
    pub first_sync_s: f64,
    pub products_held: u64,
    pub cache_mb: f64,
    /// Launch to the first home (median of the runs): open, build the ranking index, compose.
    pub cold_start_ms: f64,
}

#[derive(Debug, Serialize)]
pub struct PersonaFigures {
    pub persona: String,
    pub device: DeviceFigures,
    /// Share of the whole catalog's "for you" top 24 that the working set's top 24 also has.
    pub top_overlap: f64,
    /// The same after the persona opened the same `TAPS` cards on each device.
    pub top_overlap_after_taps: f64,
    /// Share of the whole catalog's "for you" top 24 that the working set holds at all (it may
    /// show them elsewhere, or further down): what the shelf kept of it.
    pub top_held: f64,
    pub top_held_after_taps: f64,
    /// Share of the whole catalog's first home (every section's cards, "for you"'s first 24)
    /// that the working set's first home also shows, in any section: a card can move from
    /// "for you" to "trending" when the other sections choose from fewer products.
    pub home_overlap: f64,
    pub home_overlap_after_taps: f64,
    /// Share of the top 24 in the persona's styles, working set / whole catalog.
    pub in_style: f64,
    pub whole_in_style: f64,
}

struct Persona {
    gender: Gender,
    age: AgeBand,
    styles: Vec<Style>,
}

impl Persona {
    fn profile(&self) -> ShopperProfile {
        ShopperProfile { gender: Some(self.gender), age_band: Some(self.age), styles: self.styles.clone() }
    }

    fn name(&self) -> String {
        let styles: Vec<&str> = self.styles.iter().map(|s| s.as_str()).collect();
        format!("{} {} {}", self.gender.as_str(), self.age.as_str(), styles.join("+"))
    }
}

/// Shoppers of the demo's segments and concepts, a mainstream and a niche taste in each.
fn personas() -> Vec<Persona> {
    use AgeBand::*;
    use Style::*;
    let p = |gender, age, styles: &[Style]| Persona { gender, age, styles: styles.to_vec() };
    vec![
        p(Gender::Women, Early20s, &[Lovely, Casual]),
        p(Gender::Women, Mid20s, &[Vintage]),
        p(Gender::Women, Late20s, &[SimpleBasic, Minimal]),
        p(Gender::Women, Early30s, &[OfficeLook, ModernChic]),
        p(Gender::Women, Late30s, &[Feminine]),
        p(Gender::Men, Early20s, &[Street, Casual]),
        p(Gender::Men, Late20s, &[Minimal]),
        p(Gender::Men, Mid30s, &[ModernChic, SimpleBasic]),
    ]
}

/// What to measure: a world of `products` (kept in `database` when given), shelves of
/// `shelf_size`, devices with a budget of `budget_mb`, `runs` launches each.
pub struct WorkingSetSpec {
    pub products: usize,
    pub database: Option<PathBuf>,
    pub shelf_size: usize,
    pub budget_mb: u64,
    pub runs: usize,
}

pub async fn working_set_bench(spec: WorkingSetSpec) -> Result<WorkingSetBench, String> {
    let WorkingSetSpec { products, database, shelf_size, budget_mb, runs } = spec;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let database = database.unwrap_or_else(|| dir.path().join("catalog.db"));
    prepare_catalog(&database, products, shelf_size)?;
    let db = database.to_string_lossy().into_owned();
    let (_server, url) = ServerProcess::start(&["serve", "--database", &db, "--port", "0"])?;
    let budget = budget_mb * 1024 * 1024;
    // One clock for every device: taps move it on (a sheet is looked at for a while).
    let clock = FixedClock::at_secs(NOW);
    let config = |name: &str| MoaConfig::new(dir.path().join(name)).clock(clock.clone()).server(&url);

    let whole_config = config("whole");
    let (whole_moa, whole_report, first_sync_s) = synced(whole_config.clone(), None).await?;
    let whole_products = whole_moa.store().product_count().map_err(|e| e.to_string())?;
    drop(whole_moa);
    let whole = figures(&whole_config, &whole_report, first_sync_s, whole_products, runs)?;

    let mut figures_per_persona = Vec::new();
    let personas = personas();
    let count = personas.len();
    for (k, persona) in personas.into_iter().enumerate() {
        eprintln!("persona {} of {count}: {}", k + 1, persona.name());
        let device = config(&format!("persona-{k}")).working_set(true).cache_budget(budget);
        figures_per_persona.push(compare(&persona, &whole_config, device, &clock, runs).await?);
    }
    let med = |f: &dyn Fn(&PersonaFigures) -> f64| median(figures_per_persona.iter().map(f).collect());
    Ok(WorkingSetBench {
        products,
        shelf_size,
        budget_mb: budget_mb as f64,
        median_first_sync_mb: med(&|p| p.device.first_sync_mb),
        median_cache_mb: med(&|p| p.device.cache_mb),
        median_cold_start_ms: med(&|p| p.device.cold_start_ms),
        median_top_overlap: med(&|p| p.top_overlap),
        median_top_overlap_after_taps: med(&|p| p.top_overlap_after_taps),
        median_top_held: med(&|p| p.top_held),
        median_top_held_after_taps: med(&|p| p.top_held_after_taps),
        median_home_overlap: med(&|p| p.home_overlap),
        median_home_overlap_after_taps: med(&|p| p.home_overlap_after_taps),
        whole,
        personas: figures_per_persona,
    })
}

/// The demo world of `products` in the server's database, with its shelves of `shelf_size`;
/// kept for the next run when the file is the caller's (a million products take minutes to
/// build; its shelves are kept too, whatever their size).
fn prepare_catalog(database: &Path, products: usize, shelf_size: usize) -> Result<(), String> {
    let catalog = CatalogDb::open_at(&database.to_string_lossy()).map_err(|e| e.to_string())?;
    if catalog.last_seq().map_err(|e| e.to_string())? == 0 {
        let spec = DemoSpec { seed: DemoSpec::DEFAULT_SEED, products, now: NOW };
        crate::output::long_step(&format!("building the demo world of {products} products"), || {
            moa_server::populate(&catalog, spec).map(|_| ())
        })
        .map_err(|e| e.to_string())?;
    }
    if !catalog.shelves_stocked().map_err(|e| e.to_string())? {
        crate::output::long_step("stocking the shelves", || catalog.refresh_shelves(NOW, shelf_size))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// A device's first sync (its shopper's `profile` set first, when given): the device, its report,
/// the seconds it took.
async fn synced(config: MoaConfig, profile: Option<&ShopperProfile>) -> Result<(Moa, SyncReport, f64), String> {
    let moa = Moa::open(config).map_err(|e| e.to_string())?;
    if let Some(profile) = profile {
        moa.set_profile(profile).map_err(|e| e.to_string())?;
    }
    let started = Instant::now();
    let report = moa.sync().await.map_err(|e| e.to_string())?;
    Ok((moa, report, started.elapsed().as_secs_f64()))
}

/// What a device cost: its first sync, its cache file, its cold start (the median of `runs`
/// launches, each opening the cache and composing the first home).
fn figures(
    config: &MoaConfig,
    report: &SyncReport,
    first_sync_s: f64,
    held: u64,
    runs: usize,
) -> Result<DeviceFigures, String> {
    let mut starts = Vec::new();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let moa = Moa::open(config.clone()).map_err(|e| e.to_string())?;
        moa.home_feed().map_err(|e| e.to_string())?;
        starts.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let file = |suffix: &str| {
        let mut path = config.database_path().into_os_string();
        path.push(suffix);
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
    };
    Ok(DeviceFigures {
        first_sync_mb: report.bytes as f64 / 1e6,
        first_sync_s,
        products_held: held,
        cache_mb: (file("") + file("-wal")) as f64 / 1e6,
        cold_start_ms: median(starts),
    })
}

/// One persona on its working-set device and on the whole catalog's: the devices' figures and
/// the overlap of their homes before and after the same number of taps.
async fn compare(
    persona: &Persona,
    whole_config: &MoaConfig,
    config: MoaConfig,
    clock: &FixedClock,
    runs: usize,
) -> Result<PersonaFigures, String> {
    let (moa, report, first_sync_s) = synced(config.clone(), Some(&persona.profile())).await?;
    let held = moa.store().product_count().map_err(|e| e.to_string())?;
    drop(moa);
    let device = figures(&config, &report, first_sync_s, held, runs)?;

    // The whole catalog's device takes the persona's profile (and forgets it after: its events
    // are the persona's alone, cleared before the next).
    let whole = Moa::open(whole_config.clone()).map_err(|e| e.to_string())?;
    whole.set_profile(&persona.profile()).map_err(|e| e.to_string())?;
    let moa = Moa::open(config).map_err(|e| e.to_string())?;
    let (top, whole_top) = (for_you(&moa)?, for_you(&whole)?);
    let top_overlap = overlap(&top, &whole_top);
    let top_held = share_held(&moa, &whole_top);
    let home_overlap = overlap(&home_cards(&moa)?, &home_cards(&whole)?);
    let (in_style, whole_in_style) = (in_style(&moa, &top, persona)?, in_style(&whole, &whole_top, persona)?);
    // The same shopper does the same on both: what they open on the working set's home, they
    // open on the whole catalog's too (it holds every product the working set does).
    for _ in 0..TAPS {
        let opened = choose(&moa, persona)?;
        for device in [&moa, &whole] {
            look_at(device, &opened, clock)?;
        }
    }
    let whole_top_after_taps = for_you(&whole)?;
    let top_overlap_after_taps = overlap(&for_you(&moa)?, &whole_top_after_taps);
    let top_held_after_taps = share_held(&moa, &whole_top_after_taps);
    let home_overlap_after_taps = overlap(&home_cards(&moa)?, &home_cards(&whole)?);
    drop(whole);
    forget_events(&whole_config.database_path())?;
    Ok(PersonaFigures {
        persona: persona.name(),
        device,
        top_overlap,
        top_overlap_after_taps,
        top_held,
        top_held_after_taps,
        home_overlap,
        home_overlap_after_taps,
        in_style,
        whole_in_style,
    })
}

/// The first `TOP` cards of the home's "for you", as it stands now (after taps: re-ranked).
fn for_you(moa: &Moa) -> Result<Vec<String>, String> {
    let home = moa.current_home().map_err(|e| e.to_string())?;
    let mut cards: Vec<String> = match home.sections.iter().find(|s| s.id == "for_you") {
        Some(section) => section.cards.iter().map(|c| c.product_id.clone()).collect(),
        None => Vec::new(),
    };
    while cards.len() < TOP {
        let more = moa.more_for_you((TOP - cards.len()) as u32).map_err(|e| e.to_string())?;
        if more.cards.is_empty() {
            break;
        }
        cards.extend(more.cards.into_iter().map(|c| c.product_id));
    }
    cards.truncate(TOP);
    Ok(cards)
}

/// Every product card of the home as it stands, "for you" to its first `TOP`.
fn home_cards(moa: &Moa) -> Result<Vec<String>, String> {
    let home = moa.current_home().map_err(|e| e.to_string())?;
    let mut cards: Vec<String> = home
        .sections
        .iter()
        .filter(|s| s.id != "for_you")
        .flat_map(|s| s.cards.iter().map(|c| c.product_id.clone()))
        .collect();
    cards.extend(for_you(moa)?);
    Ok(cards)
}

/// Share of `ids` that `moa` holds.
fn share_held(moa: &Moa, ids: &[String]) -> f64 {
    ids.iter().filter(|id| moa.product(id).is_ok()).count() as f64 / ids.len().max(1) as f64
}

fn overlap(a: &[String], b: &[String]) -> f64 {
    let b: HashSet<&String> = b.iter().collect();
    a.iter().filter(|id| b.contains(id)).count() as f64 / b.len().max(1) as f64
}

fn in_style(moa: &Moa, cards: &[String], persona: &Persona) -> Result<f64, String> {
    let mut fits = 0;
    for id in cards {
        let product = moa.product(id).map_err(|e| e.to_string())?;
        fits += product.styles.iter().any(|s| persona.styles.contains(s)) as usize;
    }
    Ok(fits as f64 / cards.len().max(1) as f64)
}

/// The card the persona opens: the best of the "for you" grid in its styles (the first card
/// when none is).
fn choose(moa: &Moa, persona: &Persona) -> Result<String, String> {
    let cards = for_you(moa)?;
    for id in &cards {
        let product = moa.product(id).map_err(|e| e.to_string())?;
        if product.styles.iter().any(|s| persona.styles.contains(s)) {
            return Ok(id.clone());
        }
    }
    cards.first().cloned().ok_or_else(|| format!("{}: an empty \"for you\"", persona.name()))
}

/// Open a product's sheet, look at it for 25 s, close it; "for you" is ranked again for the
/// taste that taught.
fn look_at(moa: &Moa, id: &str, clock: &FixedClock) -> Result<(), String> {
    moa.product_sheet(id).map_err(|e| e.to_string())?;
    clock.advance_ms(25_000);
    moa.sheet_closed(id).map_err(|e| e.to_string())?;
    moa.rerank_for_you().map_err(|e| e.to_string())?;
    Ok(())
}

/// The whole catalog's device forgets the last persona's taps (the bench's own reset: the app
/// has no such thing).
fn forget_events(database: &Path) -> Result<(), String> {
    let conn = rusqlite::Connection::open(database).map_err(|e| e.to_string())?;
    conn.execute_batch("DELETE FROM events").map_err(|e| e.to_string())
}
