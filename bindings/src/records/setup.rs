//! Opening Moa, syncing, and what changed.

use std::sync::Arc;

#[derive(uniffi::Record)]
pub struct MoaConfig {
    /// The app's private files directory; Moa keeps its database and caches there.
    pub data_dir: String,
    /// The catalog API; None to use only what is cached.
    pub server_url: Option<String>,
    /// BCP 47 tag of the shopper's language, e.g. "ko-KR".
    pub locale: String,
    /// A random id for this installation; it seeds the daily shuffle and stays on the device
    /// (events leave under an install id the server registers).
    pub install_id: String,
    /// Whole-request timeout; the core's default (30 s) when None.
    pub request_timeout_ms: Option<u64>,
    /// Where the core reads the time; None (the apps) is the device's clock. Tests and QA pin it
    /// to their demo world's time and move it to see time pass.
    #[uniffi(default)]
    pub clock: Option<Arc<dyn MoaClock>>,
    /// Hold the working set the server keeps for the shopper's segment, not the whole catalog
    /// (products leaving it go unless wishlisted or viewed). Off by default for now.
    #[uniffi(default = false)]
    pub working_set: bool,
    /// The most bytes the catalog cache may hold; after a sync over it, the products the shopper
    /// is least likely to need go (never the wishlist's, the followed malls' or viewed ones).
    /// None: no limit.
    #[uniffi(default)]
    pub cache_budget_bytes: Option<u64>,
}

#[derive(uniffi::Record)]
pub struct SyncProgress {
    pub pages: u64,
    pub products: u64,
    pub skipped: u64,
    pub bytes: u64,
    pub cursor: u64,
}

#[derive(uniffi::Record)]
pub struct SkippedProduct {
    pub product_id: Option<String>,
    pub seq: Option<u64>,
    pub reason: String,
}

#[derive(uniffi::Record)]
pub struct SyncReport {
    pub malls: u64,
    pub malls_unchanged: bool,
    pub pages: u64,
    pub upserted: u64,
    pub deleted: u64,
    pub skipped: Vec<SkippedProduct>,
    pub retries: u64,
    pub bytes: u64,
    pub cursor_before: u64,
    pub cursor_after: u64,
    pub products_in_cache: u64,
    /// Products evicted to keep the cache under `MoaConfig.cacheBudgetBytes`.
    pub evicted: u64,
    pub took_ms: u64,
    /// The home's ingredients changed (products, malls, tastes): show a new home. The one signal
    /// to reload on.
    pub feed_changed: bool,
}

#[derive(uniffi::Record)]
pub struct RecoveryReport {
    pub reason: String,
    pub moved_to: String,
    pub salvaged_wishlist: u64,
    pub salvaged_followed_malls: u64,
    pub salvaged_settings: u64,
    pub salvaged_events: u64,
    /// Wishlist and follow changes not yet sent to the account.
    pub salvaged_unsent_changes: u64,
}

#[derive(uniffi::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Feed,
    Wishlist,
    FollowedMalls,
    Orders,
}

/// A clock the core reads instead of the device's (see `MoaConfig.clock`). Called on core
/// threads, often: answer from memory. (Not `Clock`: Swift's standard library has one.)
#[uniffi::export(with_foreign)]
pub trait MoaClock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}
