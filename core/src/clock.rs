//! The one clock the core reads. Everything that depends on "now" — what is new, what is on
//! sale, when an alert is due, how long the shopper was away — asks the [`Clock`] of its
//! [`crate::MoaConfig`], so that tests (and QA replaying a day) can pin or move time instead of
//! depending on today's date.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where the core gets the time from: milliseconds since the Unix epoch.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> i64;

    /// Whole seconds since the Unix epoch (the catalog's unit).
    fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }
}

/// The device's wall clock: what the apps use.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }
}

/// A clock that stands still until told to move: tests pin it to the time their demo world was
/// built at, and advance it to see time pass (a sale ending, a shopper coming back from a mall).
#[derive(Debug)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    pub fn at_ms(ms: i64) -> Arc<FixedClock> {
        Arc::new(FixedClock(AtomicI64::new(ms)))
    }

    pub fn at_secs(secs: i64) -> Arc<FixedClock> {
        FixedClock::at_ms(secs * 1000)
    }

    pub fn set_ms(&self, ms: i64) {
        self.0.store(ms, Ordering::SeqCst);
    }

    pub fn advance_ms(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The clock a config holds: shareable, printable in a `Debug` config.
#[derive(Clone)]
pub struct SharedClock(pub Arc<dyn Clock>);

impl SharedClock {
    pub fn system() -> SharedClock {
        SharedClock(Arc::new(SystemClock))
    }

    pub fn now_ms(&self) -> i64 {
        self.0.now_ms()
    }

    pub fn now_secs(&self) -> i64 {
        self.0.now_secs()
    }
}

impl Default for SharedClock {
    fn default() -> Self {
        SharedClock::system()
    }
}

impl fmt::Debug for SharedClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Clock(now_ms = {})", self.now_ms())
    }
}

impl<C: Clock + 'static> From<Arc<C>> for SharedClock {
    fn from(clock: Arc<C>) -> Self {
        SharedClock(clock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_stands_still_until_moved() {
        let clock = FixedClock::at_secs(1_795_000_000);
        assert_eq!(clock.now_secs(), 1_795_000_000);
        clock.advance_ms(1_500);
        assert_eq!(clock.now_ms(), 1_795_000_001_500);
        assert_eq!(clock.now_secs(), 1_795_000_001);
        clock.set_ms(-1);
        // Before the epoch rounds down, not toward zero.
        assert_eq!(clock.now_secs(), -1);
    }

    #[test]
    fn the_system_clock_is_after_this_code_was_written() {
        assert!(SystemClock.now_secs() > 1_795_000_000);
    }
}
