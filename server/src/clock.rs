//! The server's one clock. Every time the server compares against — sessions' expiry, the
//! events' upload window, a demo reprice — comes from here, so a test (or a demo world built at
//! a fixed time) can start the server's clock where its world is, on any date.

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Unix milliseconds, now.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> i64 + Send + Sync>);

impl Clock {
    /// The machine's clock.
    pub fn system() -> Clock {
        Clock(Arc::new(|| SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)))
    }

    /// A clock that reads `start_ms` now and runs on from there at the machine's pace (`moa
    /// serve --demo --now`, and tests whose world was built at a fixed time).
    pub fn starting_at(start_ms: i64) -> Clock {
        let started = Instant::now();
        Clock(Arc::new(move || start_ms + started.elapsed().as_millis() as i64))
    }

    /// Any other source of time (a test's hand-moved clock).
    pub fn from_fn(now_ms: impl Fn() -> i64 + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(now_ms))
    }

    pub fn now_ms(&self) -> i64 {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::system()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_started_at_a_time_runs_on_from_it() {
        let clock = Clock::starting_at(1_000);
        let (a, b) = (clock.now_ms(), clock.now_ms());
        assert!((1_000..1_000 + 60_000).contains(&a) && b >= a);
        // The machine's clock is past the day this was written (2026-11-30).
        assert!(Clock::system().now_ms() > 1_796_000_000_000);
    }
}
