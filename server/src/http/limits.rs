//! Failed sign-ins, counted per user name and per address: past a limit, sign-in answers 429
//! with `Retry-After` without checking any password, so guessing is slow and a storm of wrong
//! passwords costs the server nothing. An unknown name is counted like a known one: the answers
//! never say which names exist.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The window failures are counted in.
const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failed sign-ins allowed per user name, and per address, in a window.
const PER_NAME: u32 = 10;
const PER_ADDRESS: u32 = 100;
/// Past this many names (or addresses) remembered, windows that ended are forgotten.
const REMEMBERED: usize = 10_000;

#[derive(Default)]
pub(crate) struct FailedSignIns {
    by_name: Mutex<HashMap<String, (Instant, u32)>>,
    by_address: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl FailedSignIns {
    /// A sign-in of `name` from `address` begins: refused (with how long to wait) past the
    /// limits, else counted as a failure until [`FailedSignIns::succeeded`] says otherwise.
    /// Counted before the password is checked, so that many attempts at once cannot all slip
    /// through while the (slow) checks run.
    pub fn begin(&self, name: &str, address: IpAddr, now: Instant) -> Result<(), Duration> {
        let name = name.to_lowercase();
        let mut by_name = lock(&self.by_name);
        let mut by_address = lock(&self.by_address);
        let wait = over(by_name.get(&name), PER_NAME, now).max(over(by_address.get(&address), PER_ADDRESS, now));
        if let Some(wait) = wait {
            return Err(wait);
        }
        count(&mut by_name, name, now);
        count(&mut by_address, address, now);
        Ok(())
    }

    /// The right password: the name's failures are forgotten, and this attempt is not one of
    /// the address's.
    pub fn succeeded(&self, name: &str, address: IpAddr) {
        lock(&self.by_name).remove(&name.to_lowercase());
        if let Some((_, n)) = lock(&self.by_address).get_mut(&address) {
            *n = n.saturating_sub(1);
        }
    }
}

/// New installs registered per address: a phone registers once, so the limit is far above any
/// household or office, yet bounds how many fake installs one address can make to forge events.
/// (Many phones share a carrier's address behind CGNAT, hence not lower.)
pub(crate) struct NewInstalls {
    per_address: u32,
    by_address: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

/// The window new installs are counted in, and how many an address may register in it.
const INSTALL_WINDOW: Duration = Duration::from_secs(60 * 60);
pub(crate) const INSTALLS_PER_ADDRESS: u32 = 1_000;

impl NewInstalls {
    pub fn new(per_address: u32) -> NewInstalls {
        NewInstalls { per_address, by_address: Mutex::default() }
    }

    /// Count a registration from `address`, or refuse it with how long to wait.
    pub fn begin(&self, address: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut by_address = lock(&self.by_address);
        if let Some(wait) = over_in(by_address.get(&address), self.per_address, INSTALL_WINDOW, now) {
            return Err(wait);
        }
        count_in(&mut by_address, address, INSTALL_WINDOW, now);
        Ok(())
    }
}

/// The rest of the window when `failures` reached `limit` in it.
fn over(failures: Option<&(Instant, u32)>, limit: u32, now: Instant) -> Option<Duration> {
    over_in(failures, limit, WINDOW, now)
}

fn over_in(counted: Option<&(Instant, u32)>, limit: u32, window: Duration, now: Instant) -> Option<Duration> {
    match counted {
        Some(&(started, n)) if n >= limit && now < started + window => Some(started + window - now),
        _ => None,
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn count<K: std::hash::Hash + Eq>(failures: &mut HashMap<K, (Instant, u32)>, key: K, now: Instant) {
    count_in(failures, key, WINDOW, now)
}

fn count_in<K: std::hash::Hash + Eq>(counts: &mut HashMap<K, (Instant, u32)>, key: K, window: Duration, now: Instant) {
    if counts.len() >= REMEMBERED {
        counts.retain(|_, (started, _)| now < *started + window);
    }
    let entry = counts.entry(key).or_insert((now, 0));
    if now >= entry.0 + window {
        *entry = (now, 0);
    }
    entry.1 += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_shut_after_its_failures_until_the_window_ends() {
        let guard = FailedSignIns::default();
        let (t0, here) = (Instant::now(), IpAddr::from([10, 0, 0, 1]));
        for _ in 0..PER_NAME {
            assert_eq!(guard.begin("Jiwoo", here, t0), Ok(()));
        }
        assert_eq!(guard.begin("JIWOO", here, t0), Err(WINDOW), "names count without case");
        assert_eq!(guard.begin("minji", here, t0), Ok(()), "another name is not shut");
        assert_eq!(guard.begin("jiwoo", here, t0 + WINDOW), Ok(()), "the window ended");
        guard.succeeded("jiwoo", here);
        assert_eq!(guard.begin("jiwoo", here, t0), Ok(()), "the right password forgets the failures");
    }

    #[test]
    fn an_address_trying_many_names_is_shut_too() {
        let guard = FailedSignIns::default();
        let (t0, here, there) = (Instant::now(), IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        for n in 0..PER_ADDRESS {
            assert_eq!(guard.begin(&format!("name-{n}"), here, t0), Ok(()));
        }
        assert!(guard.begin("someone-new", here, t0).is_err());
        assert_eq!(guard.begin("someone-new", there, t0), Ok(()));
    }

    #[test]
    fn an_address_registering_installs_by_the_thousand_is_stopped_for_the_hour() {
        let installs = NewInstalls::new(3);
        let (t0, here, there) = (Instant::now(), IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        for _ in 0..3 {
            assert_eq!(installs.begin(here, t0), Ok(()));
        }
        assert_eq!(installs.begin(here, t0), Err(INSTALL_WINDOW));
        assert_eq!(installs.begin(there, t0), Ok(()), "another address is not stopped");
        assert_eq!(installs.begin(here, t0 + INSTALL_WINDOW), Ok(()), "the hour ended");
    }
}
