//! When a shopper may be told: the daily digest, quiet hours and the day's cap, all in the
//! shopper's local time.

use super::AlertSettings;

/// The shopper's local day and hour at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LocalDay {
    /// Days since the epoch, local.
    pub day: i64,
    pub hour: u8,
    /// When that local day began, in UTC milliseconds.
    pub start_ms: i64,
}

impl LocalDay {
    pub fn at(now_ms: i64, settings: &AlertSettings) -> LocalDay {
        let offset_ms = settings.utc_offset_minutes as i64 * 60_000;
        let local_ms = now_ms + offset_ms;
        let day = local_ms.div_euclid(86_400_000);
        LocalDay {
            day,
            hour: (local_ms.rem_euclid(86_400_000) / 3_600_000) as u8,
            start_ms: day * 86_400_000 - offset_ms,
        }
    }
}

/// Whether `hour` is in the quiet hours (which may wrap midnight; equal hours: none).
pub(crate) fn is_quiet(settings: &AlertSettings, hour: u8) -> bool {
    let (start, end) = (settings.quiet_start_hour, settings.quiet_end_hour);
    if start <= end {
        start <= hour && hour < end
    } else {
        hour >= start || hour < end
    }
}

/// Whether anything may be delivered now: alerts on, not in quiet hours, and — with the daily
/// digest — from the digest hour on, once a day.
pub(crate) fn may_deliver(settings: &AlertSettings, now: LocalDay, digest_sent_today: bool) -> bool {
    let digest_waits = settings.daily_digest && (now.hour < settings.digest_hour || digest_sent_today);
    settings.enabled && !is_quiet(settings, now.hour) && !digest_waits
}

/// How many more alerts the day's cap allows.
pub(crate) fn room_left(settings: &AlertSettings, delivered_today: i64) -> i64 {
    (settings.max_per_day as i64 - delivered_today).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR_MS: i64 = 3_600_000;

    fn seoul() -> AlertSettings {
        AlertSettings::default() // digest at 20:00, quiet 22–8, three a day, UTC+9
    }

    /// 2026-11-30 00:00 in Seoul, as UTC milliseconds.
    const MIDNIGHT_SEOUL_MS: i64 = 1_795_964_400_000;

    #[test]
    fn local_days_begin_at_local_midnight() {
        let s = seoul();
        let midnight = LocalDay::at(MIDNIGHT_SEOUL_MS, &s);
        assert_eq!((midnight.hour, midnight.start_ms), (0, MIDNIGHT_SEOUL_MS));
        let just_before = LocalDay::at(MIDNIGHT_SEOUL_MS - 1, &s);
        assert_eq!((just_before.day + 1, just_before.hour), (midnight.day, 23));
    }

    #[test]
    fn quiet_hours_wrap_midnight_and_equal_hours_mean_none() {
        let s = seoul();
        assert!(is_quiet(&s, 22) && is_quiet(&s, 3) && is_quiet(&s, 7));
        assert!(!is_quiet(&s, 8) && !is_quiet(&s, 21));
        let daytime = AlertSettings { quiet_start_hour: 13, quiet_end_hour: 14, ..s };
        assert!(is_quiet(&daytime, 13) && !is_quiet(&daytime, 14) && !is_quiet(&daytime, 3));
        let none = AlertSettings { quiet_start_hour: 5, quiet_end_hour: 5, ..s };
        assert!((0..24).all(|h| !is_quiet(&none, h)));
    }

    #[test]
    fn the_digest_waits_for_its_hour_and_comes_once_a_day() {
        let s = seoul();
        let at = |hour: i64| LocalDay::at(MIDNIGHT_SEOUL_MS + hour * HOUR_MS, &s);
        assert!(!may_deliver(&s, at(19), false));
        assert!(may_deliver(&s, at(20), false));
        assert!(!may_deliver(&s, at(21), true), "one digest a day");
        assert!(!may_deliver(&s, at(23), false), "quiet hours win over the digest");
        let as_they_come = AlertSettings { daily_digest: false, ..s };
        assert!(may_deliver(&as_they_come, at(9), false) && may_deliver(&as_they_come, at(9), true));
        assert!(!may_deliver(&AlertSettings { enabled: false, ..s }, at(20), false));
    }

    #[test]
    fn the_cap_counts_what_was_delivered_today() {
        let s = seoul();
        assert_eq!((room_left(&s, 0), room_left(&s, 2), room_left(&s, 3), room_left(&s, 9)), (3, 1, 0, 0));
    }
}
