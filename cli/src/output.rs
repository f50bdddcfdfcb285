//! What the CLI prints: progress lines, reports and the feed as text.

use std::io::IsTerminal;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use indicatif::{ProgressBar, ProgressStyle};

use moa_core::{FeedPage, Moa, SyncListener, SyncProgress, SyncReport};
use serde::Serialize;

/// What a command ends with: nothing, or the message `moa` prints before exiting non-zero.
pub type CliResult = Result<(), String>;

/// The wall clock, in Unix seconds (the demo world is built at it unless told otherwise).
pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Pretty JSON on standard output (for --json).
pub fn print_json(value: &impl Serialize) {
    println!("{}", serde_json::to_string_pretty(value).expect("output serialises"));
}

/// Sync progress on standard error, so that standard output stays clean for --json: one line
/// rewritten in place on a terminal, a line per page otherwise (logs and CI keep every page).
pub struct SyncProgressView {
    started: Instant,
    spinner: Option<ProgressBar>,
}

impl SyncProgressView {
    pub fn new() -> Self {
        SyncProgressView { started: Instant::now(), spinner: spinner_on_a_terminal() }
    }

    /// Clear the line before the report is printed.
    pub fn finish(&self) {
        if let Some(s) = &self.spinner {
            s.finish_and_clear();
        }
    }
}

impl SyncListener for SyncProgressView {
    fn on_progress(&self, p: SyncProgress) {
        let line = format!(
            "page {:>4}: {} products, {} skipped, {} KB, cursor {}",
            p.pages,
            p.products,
            p.skipped,
            p.bytes / 1024,
            p.cursor
        );
        match &self.spinner {
            Some(s) => s.set_message(line),
            None => eprintln!("  {line} {}", took(self.started)),
        }
    }
}

/// A long step that reports only its end (building the demo world): a spinner on a terminal,
/// a line when it starts and one when it ends otherwise.
pub fn long_step<T>(what: &str, step: impl FnOnce() -> T) -> T {
    let started = step_started(what);
    let done = step();
    step_done(what, started);
    done
}

/// [`long_step`] for a step that awaits (fetching photos, syncing).
pub async fn long_step_async<T>(what: &str, step: impl std::future::Future<Output = T>) -> T {
    let started = step_started(what);
    let done = step.await;
    step_done(what, started);
    done
}

fn step_started(what: &str) -> (Instant, Option<ProgressBar>) {
    let spinner = spinner_on_a_terminal();
    match &spinner {
        Some(s) => s.set_message(format!("{what}…")),
        None => eprintln!("{what}…"),
    }
    (Instant::now(), spinner)
}

fn step_done(what: &str, (started, spinner): (Instant, Option<ProgressBar>)) {
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    eprintln!("{what}: done {}", took(started));
}

fn spinner_on_a_terminal() -> Option<ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let spinner = ProgressBar::new_spinner();
        spinner.set_style(
            ProgressStyle::with_template("{spinner} {elapsed:>3} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        spinner.enable_steady_tick(Duration::from_millis(120));
        spinner
    })
}

/// Say so when the cache had to be rebuilt, and what of the shopper's data was kept.
pub fn report_recovery(moa: &Moa) {
    if let Some(r) = moa.recovery() {
        eprintln!(
            "moa: the cache was unreadable ({}); moved to {} and started fresh, keeping {} wishlist items, {} followed malls, {} settings",
            r.reason,
            r.moved_to.display(),
            r.salvaged_wishlist,
            r.salvaged_followed_malls,
            r.salvaged_settings
        );
    }
}

pub fn took(since: Instant) -> String {
    let d: Duration = since.elapsed();
    if d.as_secs() >= 1 {
        format!("({:.2} s)", d.as_secs_f64())
    } else {
        format!("({} ms)", d.as_millis())
    }
}

pub fn print_sync_report(report: &SyncReport) {
    println!(
        "synced: {} upserted, {} deleted, {} skipped in {} pages ({} retries); cursor {} → {}; {} products cached; {} malls ({} ms)",
        report.upserted,
        report.deleted,
        report.skipped.len(),
        report.pages,
        report.retries,
        report.cursor_before,
        report.cursor_after,
        report.products_in_cache,
        report.malls,
        report.took.as_millis()
    );
    if report.viewed_together_fetched > 0 {
        println!("  fetched {} products viewed together with the shopper's", report.viewed_together_fetched);
    }
    if report.evicted > 0 {
        println!("  evicted {} products to stay within the cache budget", report.evicted);
    }
    for s in &report.skipped {
        println!(
            "  skipped {} (seq {}): {}",
            s.product_id.as_deref().unwrap_or("?"),
            s.seq.map(|n| n.to_string()).unwrap_or("?".into()),
            s.reason
        );
    }
}

pub fn print_feed(page: &FeedPage) {
    for section in &page.sections {
        println!(
            "━━ {} ({}) ━━",
            section.title,
            serde_json::to_value(section.layout).expect("layout").as_str().unwrap_or("")
        );
        for (i, card) in section.cards.iter().enumerate() {
            let price = match (card.original_price, card.discount_percent) {
                (Some(original), Some(pct)) => {
                    format!(
                        "{} (was {}, -{pct}%)",
                        card.price_text,
                        moa_core::model::Money { amount: original, currency: card.currency.clone() }.display()
                    )
                }
                _ => card.price_text.clone(),
            };
            println!("{:>3}. [{}] {} · {} — {}", i + 1, card.mall_name, card.title, price, card.reason);
        }
        for (i, mall) in section.malls.iter().enumerate() {
            println!("{:>3}. {} ({}) — {}", i + 1, mall.name, mall.styles.join(", "), mall.reason);
        }
        println!();
    }
}
