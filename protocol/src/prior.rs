//! The part of a product's place in a home that does not depend on the shopper: how much its
//! segment views it, how new it is, how popular it is, whether it is made for the segment's age.
//! The device's ranker weighs these (core's `feed::score::WEIGHTS` takes them from here) and the
//! server chooses each segment's working set by the same sum, so what a phone holds is what its
//! ranker would have put first had it held everything.

/// Viewed by the shopper's segment: 1 for its most viewed product, falling linearly.
pub const SEGMENT: f32 = 0.7;
/// New arrivals: the weight at day 0, decaying as exp(-days / FRESH_DAYS).
pub const FRESH: f32 = 0.5;
pub const FRESH_DAYS: f32 = 14.0;
/// Popularity, as ln(1 + popularity) over the catalog's largest.
pub const POPULARITY: f32 = 0.6;
/// Made for the shopper's age band (as stated, or the segment's).
pub const STATED_AGE: f32 = 0.5;

/// The prior of one product: `segment_rank` its place in the segment's most viewed (0 first) of
/// `segment_len`, `age_days` its age, `popularity` already scaled to 0..1, `for_the_age` whether
/// it is made for the segment's age band.
pub fn prior(
    segment_rank: Option<usize>,
    segment_len: usize,
    age_days: f32,
    popularity: f32,
    for_the_age: bool,
) -> f32 {
    let segment = segment_rank.map_or(0.0, |rank| 1.0 - rank as f32 / segment_len.max(1) as f32);
    SEGMENT * segment
        + FRESH * (-age_days.max(0.0) / FRESH_DAYS).exp()
        + POPULARITY * popularity
        + if for_the_age { STATED_AGE } else { 0.0 }
}
