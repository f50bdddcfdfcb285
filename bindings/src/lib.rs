//! moa-ffi: the UniFFI surface the Android and iOS apps see (Kotlin package `app.moa.core`,
//! Swift module `MoaCore`).
//!
//! This crate only converts types and errors; every decision lives in `moa-core`, where the
//! Rust tests see it. Exports go through `#[moa_ffi_macros::export]`, which runs every async call
//! on the core's own tokio runtime. docs/API.md describes the surface for app developers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use moa_ffi_macros::export;

uniffi::setup_scaffolding!();

/// The version of the Rust core the app is running, for bug reports and the settings screen.
#[export]
pub fn core_version() -> String {
    moa_core::VERSION.to_string()
}

// ── Errors ─────────────────────────────────────────────────────────────────────────────────────

/// Every way a call can fail, small enough to handle in a `when`/`switch`. Messages say what
/// went wrong, never whose data it was.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum MoaError {
    #[error("offline: {reason}")]
    Offline { reason: String },
    #[error("the server did not answer in time")]
    Timeout,
    #[error("network error: {reason}")]
    Network { reason: String },
    #[error("server answered {status}")]
    Server { status: u16, retry_after_secs: Option<u64> },
    #[error("protocol violation: {reason}")]
    Protocol { reason: String },
    #[error("storage error: {reason}")]
    Storage { reason: String },
    /// The database was written by a newer app version: update the app.
    #[error("the database is from a newer app version")]
    NewerDatabase,
    #[error("cancelled")]
    Cancelled,
    /// An image that cannot be shown (not an image, damaged, or too large to decode safely).
    #[error("bad image: {reason}")]
    BadImage { reason: String },
    /// Not signed in, or the session ended: ask the shopper to sign in again. Their lists and
    /// unsent changes stay on the device.
    #[error("not signed in: {reason}")]
    Unauthorized { reason: String },
    #[error("not found: {what}")]
    NotFound { what: String },
    #[error("invalid input: {reason}")]
    InvalidInput { reason: String },
    #[error("internal error: {reason}")]
    Internal { reason: String },
}

impl From<moa_core::Error> for MoaError {
    fn from(e: moa_core::Error) -> Self {
        use moa_core::Error as E;
        match e {
            E::Offline(reason) => MoaError::Offline { reason },
            E::Timeout => MoaError::Timeout,
            E::Network(reason) => MoaError::Network { reason },
            E::Server { status, retry_after, .. } => MoaError::Server { status, retry_after_secs: retry_after },
            E::Protocol(reason) => MoaError::Protocol { reason },
            e @ (E::Storage(_) | E::Io(_) | E::ForeignDatabase) => MoaError::Storage { reason: e.to_string() },
            E::NewerDatabase { .. } => MoaError::NewerDatabase,
            E::Cancelled => MoaError::Cancelled,
            E::NotFound(what) => MoaError::NotFound { what },
            E::Unauthorized(reason) => MoaError::Unauthorized { reason },
            E::Image(problem) => MoaError::BadImage { reason: problem.to_string() },
            E::InvalidInput(reason) => MoaError::InvalidInput { reason },
            E::Internal(reason) => MoaError::Internal { reason },
        }
    }
}

/// What a screen does about an error: the states the apps map every `MoaError` to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ErrorGroup {
    /// No network or no answer: keep the cache on screen, with the offline banner.
    Offline,
    /// Busy or briefly unable: offer "try again".
    RetryLater,
    /// The session ended: ask to sign in again (nothing on the phone is lost).
    SignInAgain,
    /// What was asked for is gone (a delisted product, an old link).
    NotFound,
    /// The phone's data is from a newer Moa: ask to update the app.
    UpdateApp,
    /// Moa's own mistake: "something went wrong".
    Bug,
}

impl MoaError {
    /// The screen state for this error: the core's grouping (`moa_core::Error::group`), which the
    /// conversion from the core's errors keeps (a test checks the two agree).
    pub fn group(&self) -> ErrorGroup {
        match self {
            MoaError::Offline { .. } | MoaError::Timeout | MoaError::Network { .. } => ErrorGroup::Offline,
            MoaError::Server { status: 401 | 403, .. } | MoaError::Unauthorized { .. } => ErrorGroup::SignInAgain,
            MoaError::Server { status: 404 | 410, .. } | MoaError::NotFound { .. } => ErrorGroup::NotFound,
            MoaError::Server { status, .. } if *status >= 500 || *status == 429 || *status == 408 => {
                ErrorGroup::RetryLater
            }
            MoaError::Storage { .. } | MoaError::Cancelled => ErrorGroup::RetryLater,
            MoaError::NewerDatabase => ErrorGroup::UpdateApp,
            MoaError::Server { .. }
            | MoaError::Protocol { .. }
            | MoaError::BadImage { .. }
            | MoaError::InvalidInput { .. }
            | MoaError::Internal { .. } => ErrorGroup::Bug,
        }
    }
}

/// The screen state an error calls for (see `ErrorGroup`).
#[export]
pub fn error_group(error: MoaError) -> ErrorGroup {
    error.group()
}

type Result<T, E = MoaError> = std::result::Result<T, E>;

// ── Records ────────────────────────────────────────────────────────────────────────────────────

#[derive(uniffi::Record)]
pub struct MoaConfig {
    /// The app's private files directory; Moa keeps its database and caches there.
    pub data_dir: String,
    /// The catalog API; None to use only what is cached.
    pub server_url: Option<String>,
    /// BCP 47 tag of the shopper's language, e.g. "ko-KR".
    pub locale: String,
    /// A random id for this installation; the only identifier that leaves the device.
    pub install_id: String,
    /// Whole-request timeout; the core's default (30 s) when None.
    pub request_timeout_ms: Option<u64>,
    /// Where the core reads the time; None (the apps) is the device's clock. Tests and QA pin it
    /// to their demo world's time and move it to see time pass.
    #[uniffi(default)]
    pub clock: Option<Arc<dyn MoaClock>>,
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
    pub took_ms: u64,
    /// The home's ingredients changed (products, malls, tastes): show a new home. The one signal
    /// to reload on.
    pub feed_changed: bool,
}

#[derive(uniffi::Enum)]
pub enum SectionLayout {
    Cover,
    Grid,
    Carousel,
    /// A row of mall cards (`FeedSection.malls`).
    MallCarousel,
}

#[derive(uniffi::Record)]
pub struct MallCard {
    pub mall_id: String,
    pub name: String,
    pub styles: Vec<String>,
    pub image_urls: Vec<String>,
    pub reason: String,
    /// The shopper follows it (as of when the card was read): "following" on the button.
    pub followed: bool,
}

/// A checked link to the mall's product page, with attribution; open it in a Custom Tab /
/// SFSafariViewController and report the return with `returned_from_mall`.
#[derive(uniffi::Record)]
pub struct Outlink {
    pub outlink_id: String,
    pub url: String,
    pub product_id: String,
    pub mall_id: String,
}

/// Price and stock right before the hop to the mall, and what changed.
#[derive(uniffi::Record)]
pub struct LiveCheck {
    pub product_id: String,
    /// False: the server was unreachable and this is the cache.
    pub live: bool,
    pub delisted: bool,
    pub in_stock: bool,
    pub price: i64,
    pub price_text: String,
    pub previous_price_text: Option<String>,
    pub age_secs: i64,
    /// What to tell the shopper before sending them away; None when nothing changed.
    pub notice: Option<String>,
    /// The product can be bought: "go to mall" leads somewhere.
    pub can_go: bool,
    /// Show `notice` and go only on the shopper's next tap (the price changed).
    pub confirm_first: bool,
}

/// What the share button hands to the share sheet (Android) / `ShareLink` (iOS).
#[derive(uniffi::Record)]
pub struct ShareLink {
    /// The mall's product page, attributed to Moa as a share.
    pub url: String,
    /// A line to go with it, in the shopper's language.
    pub text: String,
}

/// One page of alternatives for a shopper who came straight back from a mall.
#[derive(uniffi::Record)]
pub struct RescueSheet {
    pub outlink_id: String,
    pub title: String,
    pub cards: Vec<FeedCard>,
}

/// Onboarding answers; all empty for a guest.
#[derive(uniffi::Record)]
pub struct ShopperProfile {
    /// "women", "men" or "unisex".
    pub gender: Option<String>,
    /// e.g. "early_20s" (see docs/PROTOCOL.md for the list).
    pub age_band: Option<String>,
    /// e.g. ["lovely", "feminine"], strongest first.
    pub styles: Vec<String>,
}

#[derive(uniffi::Record)]
pub struct FeedCard {
    pub product_id: String,
    pub mall_id: String,
    pub mall_name: String,
    pub title: String,
    pub price: i64,
    pub original_price: Option<i64>,
    pub currency: String,
    pub price_text: String,
    pub original_price_text: Option<String>,
    pub discount_percent: Option<u8>,
    pub image_url: String,
    /// Width / height of the photo once known; lay the card out at 4:5 until then.
    pub aspect_ratio: Option<f32>,
    /// "#RRGGBB" to fill the card with before the image loads, once known.
    pub placeholder_color: Option<String>,
    pub product_url: String,
    pub reason: String,
    /// How many other malls sell the same item; the feed shows it once.
    pub also_at_malls: u32,
    /// The item's lowest price across those malls, when others sell it too.
    pub lowest_price: Option<i64>,
    /// E.g. "외 2개 쇼핑몰 · 최저 29,800원", to show as it is.
    pub also_at_text: Option<String>,
    /// On the wishlist when the card was read: the heart to draw (`current_home` reads it again).
    pub wishlisted: bool,
}

/// A mall's own page: what it is, whether the shopper follows it, its products in this
/// shopper's order.
#[derive(uniffi::Record)]
pub struct MallPage {
    pub mall_id: String,
    pub name: String,
    /// Its concept in the shopper's language, strongest first.
    pub styles: Vec<String>,
    /// Who it dresses and which ages, e.g. "여성 · 20대 초반, 20대 중반".
    pub audience: String,
    pub homepage: String,
    pub followed: bool,
    pub products_in_stock: u32,
    pub cards: Vec<FeedCard>,
}

/// One word of Moa's vocabulary: `word` to send back, `label` to show.
#[derive(uniffi::Record)]
pub struct Choice {
    pub word: String,
    pub label: String,
}

/// What onboarding and the search filters offer, in the shopper's language.
#[derive(uniffi::Record)]
pub struct Vocabulary {
    pub genders: Vec<Choice>,
    pub age_bands: Vec<Choice>,
    pub styles: Vec<Choice>,
    pub categories: Vec<Choice>,
}

#[derive(uniffi::Enum)]
pub enum SearchSort {
    Relevance,
    Newest,
    PriceLow,
    PriceHigh,
}

/// A search: text (substrings, 초성 such as "ㅅㅌㅇㄴㄷ", one typo forgiven) and filters. Empty
/// text with filters lists what passes them.
#[derive(uniffi::Record)]
pub struct SearchRequest {
    pub text: String,
    /// "outer", "top", "dress", "pants", "skirt", "bag", "shoes", "accessory".
    pub category: Option<String>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub color: Option<String>,
    /// A size that must be in stock.
    pub size: Option<String>,
    pub mall_id: Option<String>,
    /// A style word, e.g. "lovely".
    pub style: Option<String>,
    pub sort: SearchSort,
    pub offset: u32,
    pub limit: u32,
}

#[derive(uniffi::Record)]
pub struct SearchResults {
    pub total: u64,
    /// More products matched than are ranked (500): show "500+".
    pub capped: bool,
    pub cards: Vec<FeedCard>,
    /// The words as typed found (almost) nothing; these forgive one typo ("혹시 이 상품?").
    pub typo_tolerant: bool,
}

#[derive(uniffi::Record)]
pub struct MallHit {
    pub mall_id: String,
    pub name: String,
    pub styles: Vec<String>,
}

/// A thumbnail file in the core's cache, ready to show.
#[derive(uniffi::Record)]
pub struct Thumbnail {
    /// Absolute path of a JPEG file.
    pub path: String,
    pub width: u32,
    pub height: u32,
    pub placeholder_color: String,
    /// A tiny blurred preview (BlurHash).
    pub blurhash: String,
    pub aspect_ratio: f32,
}

#[derive(uniffi::Record)]
pub struct FeedSection {
    pub id: String,
    pub title: String,
    pub layout: SectionLayout,
    pub cards: Vec<FeedCard>,
    pub malls: Vec<MallCard>,
}

#[derive(uniffi::Record)]
pub struct FeedPage {
    pub sections: Vec<FeedSection>,
    pub generated_at: i64,
}

#[derive(uniffi::Record)]
pub struct ProductVariant {
    pub id: String,
    pub color: Option<String>,
    pub size: Option<String>,
    pub available: bool,
}

#[derive(uniffi::Record)]
pub struct ProductSheet {
    pub product_id: String,
    pub mall_id: String,
    pub mall_name: String,
    pub title: String,
    pub brand: Option<String>,
    pub category: String,
    pub price: i64,
    pub original_price: Option<i64>,
    pub currency: String,
    pub price_text: String,
    pub original_price_text: Option<String>,
    pub discount_percent: Option<u8>,
    pub image_url: String,
    pub product_url: String,
    pub variants: Vec<ProductVariant>,
    pub in_stock: bool,
    /// The same item at other malls, cheapest first.
    pub elsewhere: Vec<Offer>,
    /// On the wishlist when the sheet was read.
    pub wishlisted: bool,
    /// The shopper follows this product's mall.
    pub mall_followed: bool,
}

/// One mall's listing of the item on the sheet.
#[derive(uniffi::Record)]
pub struct Offer {
    pub product_id: String,
    pub mall_id: String,
    pub mall_name: String,
    pub title: String,
    pub price: i64,
    pub currency: String,
    pub price_text: String,
    /// The listing's own photo.
    pub image_url: String,
    /// The cheapest of all the item's listings.
    pub lowest: bool,
}

#[derive(uniffi::Record)]
pub struct WishlistItem {
    pub product_id: String,
    pub variant_id: Option<String>,
    pub added_at: i64,
    pub title: String,
    pub image_url: String,
    pub price: i64,
    pub price_text: String,
    pub mall_id: String,
    pub mall_name: String,
    pub product_url: String,
    /// False once the mall delisted it: shown from its snapshot.
    pub listed: bool,
    pub in_stock: bool,
}

#[derive(uniffi::Record)]
pub struct FollowedMall {
    pub mall_id: String,
    /// The mall's name, for the malls tab (its id until the mall list has synced).
    pub name: String,
    /// A few of its products' photos.
    pub image_urls: Vec<String>,
    pub followed_at: i64,
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

/// Something the shopper did.
#[derive(uniffi::Enum)]
pub enum ShopperEvent {
    ProductView {
        product_id: String,
        dwell_ms: u64,
    },
    AddToCart {
        product_id: String,
    },
    Purchase {
        product_id: String,
    },
    Search {
        query: String,
    },
    ClickOut {
        product_id: String,
    },
    NotInterested {
        product_id: String,
    },
    HideMall {
        mall_id: String,
    },
    /// A style by its wire name, e.g. "street".
    HideStyle {
        style: String,
    },
    Impression {
        product_id: String,
        section: String,
        position: u32,
    },
    /// A product tapped on the rescue sheet.
    RescueTapped {
        product_id: String,
    },
    /// The rescue sheet closed without a tap.
    RescueDismissed,
}

#[derive(uniffi::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Feed,
    Wishlist,
    FollowedMalls,
}

/// The account this device is signed in to.
#[derive(uniffi::Record)]
pub struct Account {
    pub account_id: String,
    pub username: String,
    /// False when the session ended: ask the shopper to sign in again.
    pub session_valid: bool,
}

#[derive(uniffi::Record)]
pub struct AccountSyncReport {
    pub sent: u64,
    pub duplicates: u64,
    pub superseded: u64,
    /// False when the shopper kept changing the lists during the sync (the next sync catches up).
    pub pulled: bool,
    pub wishlist: u64,
    pub followed_malls: u64,
}

#[derive(uniffi::Enum)]
pub enum AlertKind {
    PriceDrop,
    BackInStock,
    SaleEnding,
}

/// An alert about a wishlisted product, ready to be a notification.
#[derive(uniffi::Record)]
pub struct Alert {
    pub alert_id: i64,
    pub kind: AlertKind,
    pub product_id: String,
    pub variant_id: Option<String>,
    pub title: String,
    pub body: String,
    pub image_url: String,
    pub created_ms: i64,
}

/// How alerts reach the shopper (defaults: a daily digest at 20:00, quiet 22:00–08:00, 3 a day).
#[derive(uniffi::Record)]
pub struct AlertSettings {
    pub enabled: bool,
    pub daily_digest: bool,
    pub digest_hour: u8,
    pub quiet_start_hour: u8,
    pub quiet_end_hour: u8,
    pub max_per_day: u32,
    pub utc_offset_minutes: i32,
}

// ── Listeners and handles ──────────────────────────────────────────────────────────────────────

/// Implemented by the app: hears sync progress after each committed page, on a core thread.
#[uniffi::export(with_foreign)]
pub trait SyncProgressListener: Send + Sync {
    fn on_progress(&self, progress: SyncProgress);
}

/// Implemented by the app: hears batches of changes (feed, wishlist, followed malls) on a core
/// thread; re-read the named parts on the UI thread.
#[uniffi::export(with_foreign)]
pub trait ChangeListener: Send + Sync {
    fn on_changes(&self, changes: Vec<ChangeKind>);
}

/// Implemented by the app with the Android Keystore / iOS Keychain: the only place the session
/// token is kept. Called on core threads.
#[uniffi::export(with_foreign)]
pub trait SecretStore: Send + Sync {
    fn save(&self, key: String, secret: String);
    fn load(&self, key: String) -> Option<String>;
    fn delete(&self, key: String);
}

/// Implemented by the app: turns due alerts into notifications (called on a core thread).
#[uniffi::export(with_foreign)]
pub trait AlertListener: Send + Sync {
    fn on_alerts(&self, alerts: Vec<Alert>);
}

/// A clock the core reads instead of the device's (see `MoaConfig.clock`). Called on core
/// threads, often: answer from memory. (Not `Clock`: Swift's standard library has one.)
#[uniffi::export(with_foreign)]
pub trait MoaClock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

struct ClockBridge(Arc<dyn MoaClock>);

impl moa_core::Clock for ClockBridge {
    fn now_ms(&self) -> i64 {
        self.0.now_ms()
    }
}

struct SecretBridge(Arc<dyn SecretStore>);

impl moa_core::SecretStore for SecretBridge {
    fn save(&self, key: String, secret: String) {
        self.0.save(key, secret)
    }
    fn load(&self, key: String) -> Option<String> {
        self.0.load(key)
    }
    fn delete(&self, key: String) {
        self.0.delete(key)
    }
}

struct AlertBridge(Arc<dyn AlertListener>);

impl moa_core::AlertListener for AlertBridge {
    fn on_alerts(&self, alerts: Vec<moa_core::Alert>) {
        self.0.on_alerts(alerts.into_iter().map(alert).collect());
    }
}

fn alert(a: moa_core::Alert) -> Alert {
    Alert {
        alert_id: a.alert_id,
        kind: match a.kind {
            moa_core::AlertKind::PriceDrop => AlertKind::PriceDrop,
            moa_core::AlertKind::BackInStock => AlertKind::BackInStock,
            moa_core::AlertKind::SaleEnding => AlertKind::SaleEnding,
        },
        product_id: a.product_id,
        variant_id: a.variant_id,
        title: a.title,
        body: a.body,
        image_url: a.image_url,
        created_ms: a.created_ms,
    }
}

/// A live listener registration. Deliveries stop when it is cancelled or released.
#[derive(uniffi::Object)]
pub struct ListenerHandle {
    subscription: Mutex<Option<moa_core::Subscription>>,
}

#[export]
impl ListenerHandle {
    pub fn cancel(&self) {
        self.subscription.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

/// Lets the app stop a running sync between pages (a "stop" button, leaving the screen).
#[derive(uniffi::Object)]
pub struct SyncCancellation {
    token: moa_core::CancellationToken,
}

#[export]
impl SyncCancellation {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(SyncCancellation { token: moa_core::CancellationToken::new() })
    }

    pub fn cancel(&self) {
        self.token.cancel();
    }

    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }
}

struct ProgressBridge(Arc<dyn SyncProgressListener>);

impl moa_core::SyncListener for ProgressBridge {
    fn on_progress(&self, p: moa_core::SyncProgress) {
        self.0.on_progress(SyncProgress {
            pages: p.pages,
            products: p.products,
            skipped: p.skipped,
            bytes: p.bytes,
            cursor: p.cursor,
        });
    }
}

struct ChangeBridge(Arc<dyn ChangeListener>);

impl moa_core::ChangeListener for ChangeBridge {
    fn on_changes(&self, changes: Vec<moa_core::ChangeKind>) {
        self.0.on_changes(
            changes
                .into_iter()
                .map(|c| match c {
                    moa_core::ChangeKind::Feed => ChangeKind::Feed,
                    moa_core::ChangeKind::Wishlist => ChangeKind::Wishlist,
                    moa_core::ChangeKind::FollowedMalls => ChangeKind::FollowedMalls,
                })
                .collect(),
        );
    }
}

/// An optional word of Moa's vocabulary (category, style), or `InvalidInput` naming it.
fn vocabulary<T>(value: Option<String>, parse: fn(&str) -> Option<T>, what: &str) -> Result<Option<T>> {
    value
        .map(|v| parse(&v).ok_or_else(|| MoaError::InvalidInput { reason: format!("unknown {what} {v:?}") }))
        .transpose()
}

fn feed_card(c: moa_core::Card) -> FeedCard {
    FeedCard {
        product_id: c.product_id,
        mall_id: c.mall_id,
        mall_name: c.mall_name,
        title: c.title,
        price: c.price,
        original_price: c.original_price,
        currency: c.currency,
        price_text: c.price_text,
        original_price_text: c.original_price_text,
        discount_percent: c.discount_percent,
        image_url: c.image_url,
        aspect_ratio: c.aspect_ratio,
        placeholder_color: c.placeholder_color,
        product_url: c.product_url,
        reason: c.reason,
        also_at_malls: c.also_at_malls,
        lowest_price: c.lowest_price,
        also_at_text: c.also_at_text,
        wishlisted: c.wishlisted,
    }
}

fn section(s: moa_core::Section) -> FeedSection {
    FeedSection {
        id: s.id,
        title: s.title,
        layout: match s.layout {
            moa_core::Layout::Cover => SectionLayout::Cover,
            moa_core::Layout::Grid => SectionLayout::Grid,
            moa_core::Layout::Carousel => SectionLayout::Carousel,
            moa_core::Layout::MallCarousel => SectionLayout::MallCarousel,
        },
        cards: s.cards.into_iter().map(feed_card).collect(),
        malls: s
            .malls
            .into_iter()
            .map(|m| MallCard {
                mall_id: m.mall_id,
                name: m.name,
                styles: m.styles,
                image_urls: m.image_urls,
                reason: m.reason,
                followed: m.followed,
            })
            .collect(),
    }
}

// ── The entry point ────────────────────────────────────────────────────────────────────────────

/// Moa: open it once per app process, keep it, and call everything on it.
#[derive(uniffi::Object)]
pub struct Moa {
    inner: Arc<moa_core::Moa>,
}

#[export]
impl Moa {
    /// Open (or create) the cache. Local and quick: no network, so the cached home can show at
    /// once. A damaged cache is rebuilt here (see `recovery`).
    #[uniffi::constructor]
    pub fn open(config: MoaConfig) -> Result<Arc<Self>> {
        let mut core = moa_core::MoaConfig::new(config.data_dir).locale(config.locale);
        core.server_url = config.server_url;
        core.install_id = config.install_id;
        if let Some(ms) = config.request_timeout_ms {
            core.network.request_timeout = Duration::from_millis(ms);
        }
        if let Some(clock) = config.clock {
            core.clock = moa_core::SharedClock(Arc::new(ClockBridge(clock)));
        }
        Ok(Arc::new(Moa { inner: Arc::new(moa_core::Moa::open(core)?) }))
    }

    /// Bring the cache up to the server's catalog. Runs on the core's runtime; cancelling the
    /// calling coroutine/task, or `cancellation`, stops it between pages.
    pub async fn sync(
        self: Arc<Self>,
        listener: Option<Arc<dyn SyncProgressListener>>,
        cancellation: Option<Arc<SyncCancellation>>,
    ) -> Result<SyncReport> {
        let options = moa_core::SyncOptions {
            page_limit: None,
            listener: listener.map(|l| Arc::new(ProgressBridge(l)) as Arc<dyn moa_core::SyncListener>),
            cancel: cancellation.map(|c| c.token.clone()),
        };
        let r = self.inner.sync_with(options).await?;
        Ok(SyncReport {
            malls: r.malls,
            malls_unchanged: r.malls_unchanged,
            pages: r.pages,
            upserted: r.upserted,
            deleted: r.deleted,
            skipped: r
                .skipped
                .into_iter()
                .map(|s| SkippedProduct { product_id: s.product_id, seq: s.seq, reason: s.reason })
                .collect(),
            retries: r.retries,
            bytes: r.bytes,
            cursor_before: r.cursor_before,
            cursor_after: r.cursor_after,
            products_in_cache: r.products_in_cache,
            took_ms: r.took.as_millis() as u64,
            feed_changed: r.feed_changed,
        })
    }

    /// The home feed from the cache (blocking, local: call it off the main thread). Starts a
    /// new home; `more_for_you` pages its "for you" grid.
    pub fn home_feed(&self) -> Result<FeedPage> {
        let page = self.inner.home_feed()?;
        Ok(FeedPage { generated_at: page.generated_at, sections: page.sections.into_iter().map(section).collect() })
    }

    /// The next `count` cards of the current home's "for you" grid, never repeating.
    pub fn more_for_you(&self, count: u32) -> Result<FeedSection> {
        Ok(section(self.inner.more_for_you(count)?))
    }

    /// After an event: the "for you" grid ranked again from its first page; the home's other
    /// sections stay as they are.
    pub fn rerank_for_you(&self) -> Result<FeedSection> {
        Ok(section(self.inner.rerank_for_you()?))
    }

    /// Whether behaviour events may leave the device (off until the shopper agrees).
    pub fn set_event_consent(&self, granted: bool) -> Result<()> {
        Ok(self.inner.set_event_consent(granted)?)
    }

    /// Whether the shopper agreed to send behaviour events (off until they say so).
    pub fn event_consent(&self) -> Result<bool> {
        Ok(self.inner.event_consent()?)
    }

    /// Send the events not yet sent, only with consent; returns how many were sent.
    pub async fn upload_events(self: Arc<Self>) -> Result<u64> {
        Ok(self.inner.upload_events().await?.sent)
    }

    /// Search the cached catalog (offline too). A search still running when the next starts
    /// ends with `Cancelled`; the first page of a query is recorded as a search event.
    pub fn search(&self, request: SearchRequest) -> Result<SearchResults> {
        let filter = moa_core::search::SearchFilter {
            category: vocabulary(request.category, moa_core::model::Category::parse, "category")?,
            min_price: request.min_price,
            max_price: request.max_price,
            color: request.color,
            size: request.size,
            mall_id: request.mall_id,
            style: vocabulary(request.style, moa_core::model::Style::parse, "style")?,
        };
        let query = moa_core::search::SearchQuery {
            text: request.text,
            filter,
            sort: match request.sort {
                SearchSort::Relevance => moa_core::search::SearchSort::Relevance,
                SearchSort::Newest => moa_core::search::SearchSort::Newest,
                SearchSort::PriceLow => moa_core::search::SearchSort::PriceLow,
                SearchSort::PriceHigh => moa_core::search::SearchSort::PriceHigh,
            },
            offset: request.offset,
            limit: request.limit,
        };
        let r = self.inner.search(&query)?;
        Ok(SearchResults {
            total: r.total,
            capped: r.capped,
            cards: r.cards.into_iter().map(feed_card).collect(),
            typo_tolerant: r.typo_tolerant,
        })
    }

    /// Malls by name, id or 초성, forgiving a typo.
    pub fn search_malls(&self, text: String) -> Result<Vec<MallHit>> {
        Ok(self
            .inner
            .search_malls(&text)?
            .into_iter()
            .map(|m| MallHit { mall_id: m.mall_id, name: m.name, styles: m.styles })
            .collect())
    }

    /// A `width`-pixel-wide thumbnail of a product photo: from the core's disk cache, or fetched
    /// and made now. A bad image is `BadImage` and nothing is cached.
    pub async fn thumbnail(self: Arc<Self>, url: String, width: u32) -> Result<Thumbnail> {
        let t = self.inner.thumbnail(&url, width).await?;
        Ok(Thumbnail {
            path: t.path.display().to_string(),
            width: t.width,
            height: t.height,
            placeholder_color: t.placeholder_color,
            blurhash: t.blurhash,
            aspect_ratio: t.aspect_ratio,
        })
    }

    /// Give the core the platform's secret store (Keystore/Keychain) before signing in.
    pub fn set_secret_store(&self, store: Arc<dyn SecretStore>) {
        self.inner.set_secret_store(Arc::new(SecretBridge(store)));
    }

    /// The signed-in account, if any.
    pub fn account(&self) -> Result<Option<Account>> {
        Ok(self.inner.account()?.map(|a| Account {
            account_id: a.account_id,
            username: a.username,
            session_valid: a.session_valid,
        }))
    }

    /// Sign in; the guest's wishlist and follows join the account. Wrong credentials are
    /// `Unauthorized`.
    pub async fn sign_in(self: Arc<Self>, username: String, password: String) -> Result<Account> {
        let a = self.inner.sign_in(&username, &password).await?;
        Ok(Account { account_id: a.account_id, username: a.username, session_valid: a.session_valid })
    }

    /// Send unsent wishlist/follow changes and bring the account's lists to this device.
    pub async fn sync_account(self: Arc<Self>) -> Result<AccountSyncReport> {
        let r = self.inner.sync_account().await?;
        Ok(AccountSyncReport {
            sent: r.sent,
            duplicates: r.duplicates,
            superseded: r.superseded,
            pulled: r.pulled,
            wishlist: r.wishlist,
            followed_malls: r.followed_malls,
        })
    }

    /// Sign out; with `keep_on_device` the lists stay as the guest's. Returns how many changes
    /// could not reach the account first (offline).
    pub async fn sign_out(self: Arc<Self>, keep_on_device: bool) -> Result<u64> {
        Ok(self.inner.sign_out(keep_on_device).await?.unsent)
    }

    /// Hear alerts about wishlisted products when due; None stops.
    pub fn set_alert_listener(&self, listener: Option<Arc<dyn AlertListener>>) {
        self.inner.set_alert_listener(listener.map(|l| Arc::new(AlertBridge(l)) as Arc<dyn moa_core::AlertListener>));
    }

    pub fn alert_settings(&self) -> Result<AlertSettings> {
        let s = self.inner.alert_settings()?;
        Ok(AlertSettings {
            enabled: s.enabled,
            daily_digest: s.daily_digest,
            digest_hour: s.digest_hour,
            quiet_start_hour: s.quiet_start_hour,
            quiet_end_hour: s.quiet_end_hour,
            max_per_day: s.max_per_day,
            utc_offset_minutes: s.utc_offset_minutes,
        })
    }

    pub fn set_alert_settings(&self, settings: AlertSettings) -> Result<()> {
        Ok(self.inner.set_alert_settings(&moa_core::AlertSettings {
            enabled: settings.enabled,
            daily_digest: settings.daily_digest,
            digest_hour: settings.digest_hour,
            quiet_start_hour: settings.quiet_start_hour,
            quiet_end_hour: settings.quiet_end_hour,
            max_per_day: settings.max_per_day,
            utc_offset_minutes: settings.utc_offset_minutes,
        })?)
    }

    /// Deliver the alerts due now to the listener (and return them): call it from periodic
    /// background work; syncs call it too.
    pub fn deliver_alerts(&self) -> Result<Vec<Alert>> {
        Ok(self.inner.deliver_alerts()?.into_iter().map(alert).collect())
    }

    /// Check price and stock with the server before opening the mall (the cache answers offline).
    pub async fn live_check(self: Arc<Self>, product_id: String) -> Result<LiveCheck> {
        let c = self.inner.live_check(&product_id).await?;
        Ok(LiveCheck {
            product_id: c.product_id,
            live: c.live,
            delisted: c.delisted,
            in_stock: c.in_stock,
            price: c.price,
            price_text: c.price_text,
            previous_price_text: c.previous_price_text,
            age_secs: c.age_secs,
            notice: c.notice,
            can_go: c.can_go,
            confirm_first: c.confirm_first,
        })
    }

    /// The hop to the mall: the checked, attributed link (refused with `InvalidInput` when it is
    /// not https on one of the mall's hosts); the click-out is recorded.
    pub fn click_out(&self, product_id: String, section: String, position: u32) -> Result<Outlink> {
        let o = self.inner.click_out(&product_id, &section, position)?;
        Ok(Outlink { outlink_id: o.outlink_id, url: o.url, product_id: o.product_id, mall_id: o.mall_id })
    }

    /// The click-out the shopper has not come back from yet (also after the app was killed
    /// while they were at the mall): report it with `returned_from_mall` when the app is back.
    pub fn pending_return(&self) -> Result<Option<String>> {
        Ok(self.inner.pending_return()?)
    }

    /// The product to share: its mall's page, attributed as a share, and a line about it.
    pub fn share_link(&self, product_id: String) -> Result<ShareLink> {
        let s = self.inner.share_link(&product_id)?;
        Ok(ShareLink { url: s.url, text: s.text })
    }

    /// The shopper is back from the mall (the core times how long they were away since the
    /// click-out): a rescue sheet to show, or None.
    pub fn returned_from_mall(&self, outlink_id: String) -> Result<Option<RescueSheet>> {
        Ok(self.inner.returned_from_mall(&outlink_id)?.map(|r| RescueSheet {
            outlink_id: r.outlink_id,
            title: r.title,
            cards: r.cards.into_iter().map(feed_card).collect(),
        }))
    }

    /// Onboarding answers (or all empty for a guest). Unknown words are refused.
    pub fn set_profile(&self, profile: ShopperProfile) -> Result<()> {
        let bad = |what: &str, v: &str| MoaError::InvalidInput { reason: format!("unknown {what} {v:?}") };
        let core = moa_core::ShopperProfile {
            gender: profile
                .gender
                .map(|g| moa_core::model::Gender::parse(&g).ok_or_else(|| bad("gender", &g)))
                .transpose()?,
            age_band: profile
                .age_band
                .map(|a| moa_core::model::AgeBand::parse(&a).ok_or_else(|| bad("age band", &a)))
                .transpose()?,
            styles: profile
                .styles
                .iter()
                .map(|s| moa_core::model::Style::parse(s).ok_or_else(|| bad("style", s)))
                .collect::<Result<_>>()?,
        };
        Ok(self.inner.set_profile(&core)?)
    }

    /// The onboarding answers given so far; all empty for a guest who skipped (or never saw)
    /// onboarding.
    pub fn profile(&self) -> Result<ShopperProfile> {
        let p = self.inner.profile()?;
        Ok(ShopperProfile {
            gender: p.gender.map(|g| g.as_str().to_string()),
            age_band: p.age_band.map(|a| a.as_str().to_string()),
            styles: p.styles.iter().map(|s| s.as_str().to_string()).collect(),
        })
    }

    /// The product sheet was closed: the view is recorded with how long the sheet was open (the
    /// core timed it from `product`). False when no sheet of that product was open.
    pub fn sheet_closed(&self, product_id: String) -> Result<bool> {
        Ok(self.inner.sheet_closed(&product_id)?)
    }

    /// The current home again, as the shopper has it (the same cards, the pages loaded so far),
    /// with hearts and follows as they are now and hidden cards gone; nothing re-ranked. Call it
    /// when a `ChangeListener` reports a wishlist or follow change.
    pub fn current_home(&self) -> Result<FeedPage> {
        let page = self.inner.current_home()?;
        Ok(FeedPage { sections: page.sections.into_iter().map(section).collect(), generated_at: page.generated_at })
    }

    /// A mall's page (from a mall card, the sheet or the malls tab): name, concept, follow, and
    /// its first `limit` products in this shopper's order. From the cache; `NotFound` for an
    /// unknown mall.
    pub fn mall_page(&self, mall_id: String, limit: u32) -> Result<MallPage> {
        let p = self.inner.mall_page(&mall_id, limit)?;
        Ok(MallPage {
            mall_id: p.mall_id,
            name: p.name,
            styles: p.styles,
            audience: p.audience,
            homepage: p.homepage,
            followed: p.followed,
            products_in_stock: p.products_in_stock,
            cards: p.cards.into_iter().map(feed_card).collect(),
        })
    }

    /// The words onboarding and the search filters offer, with labels in the shopper's language.
    pub fn vocabulary(&self) -> Vocabulary {
        let v = self.inner.vocabulary();
        let choices =
            |c: Vec<moa_core::Choice>| c.into_iter().map(|c| Choice { word: c.word, label: c.label }).collect();
        Vocabulary {
            genders: choices(v.genders),
            age_bands: choices(v.age_bands),
            styles: choices(v.styles),
            categories: choices(v.categories),
        }
    }

    /// The product sheet, from the cache. Opening it starts the clock of the view (see
    /// `sheet_closed`).
    pub fn product(&self, product_id: String) -> Result<ProductSheet> {
        let p = self.inner.product_sheet(&product_id)?;
        Ok(ProductSheet {
            product_id: p.product_id,
            mall_id: p.mall_id,
            mall_name: p.mall_name,
            title: p.title,
            brand: p.brand,
            category: p.category,
            price: p.price,
            original_price: p.original_price,
            currency: p.currency,
            price_text: p.price_text,
            original_price_text: p.original_price_text,
            discount_percent: p.discount_percent,
            image_url: p.image_url,
            product_url: p.product_url,
            variants: p
                .variants
                .into_iter()
                .map(|v| ProductVariant { id: v.id, color: v.color, size: v.size, available: v.available })
                .collect(),
            in_stock: p.in_stock,
            elsewhere: p
                .elsewhere
                .into_iter()
                .map(|o| Offer {
                    product_id: o.product_id,
                    mall_id: o.mall_id,
                    mall_name: o.mall_name,
                    title: o.title,
                    price: o.price,
                    currency: o.currency,
                    price_text: o.price_text,
                    image_url: o.image_url,
                    lowest: o.lowest,
                })
                .collect(),
            wishlisted: p.wishlisted,
            mall_followed: p.mall_followed,
        })
    }

    /// Record something the shopper did; "not interested" and "hide this mall" apply at once.
    pub fn record(&self, event: ShopperEvent) -> Result<()> {
        use moa_core::Event as E;
        Ok(self.inner.record(match event {
            ShopperEvent::ProductView { product_id, dwell_ms } => E::ProductView { product_id, dwell_ms },
            ShopperEvent::AddToCart { product_id } => E::AddToCart { product_id },
            ShopperEvent::Purchase { product_id } => E::Purchase { product_id },
            ShopperEvent::Search { query } => E::Search { query },
            ShopperEvent::ClickOut { product_id } => E::ClickOut { product_id },
            ShopperEvent::NotInterested { product_id } => E::NotInterested { product_id },
            ShopperEvent::HideMall { mall_id } => E::HideMall { mall_id },
            ShopperEvent::HideStyle { style } => E::HideStyle {
                style: moa_core::model::Style::parse(&style)
                    .ok_or_else(|| MoaError::InvalidInput { reason: format!("unknown style {style:?}") })?,
            },
            ShopperEvent::Impression { product_id, section, position } => {
                E::Impression { product_id, section, position }
            }
            ShopperEvent::RescueTapped { product_id } => E::RescueTapped { product_id },
            ShopperEvent::RescueDismissed => E::RescueDismissed,
        })?)
    }

    pub fn add_to_wishlist(&self, product_id: String, variant_id: Option<String>) -> Result<()> {
        Ok(self.inner.add_to_wishlist(&product_id, variant_id.as_deref())?)
    }

    /// True when it was on the wishlist.
    pub fn remove_from_wishlist(&self, product_id: String) -> Result<bool> {
        Ok(self.inner.remove_from_wishlist(&product_id)?)
    }

    pub fn wishlist(&self) -> Result<Vec<WishlistItem>> {
        Ok(self
            .inner
            .wishlist()?
            .into_iter()
            .map(|w| WishlistItem {
                product_id: w.product_id,
                variant_id: w.variant_id,
                added_at: w.added_at,
                title: w.snapshot.title,
                image_url: w.snapshot.image_url,
                price: w.snapshot.price,
                price_text: w.price_text,
                mall_id: w.snapshot.mall_id,
                mall_name: w.snapshot.mall_name,
                product_url: w.snapshot.product_url,
                listed: w.listed,
                in_stock: w.in_stock,
            })
            .collect())
    }

    pub fn follow_mall(&self, mall_id: String) -> Result<()> {
        Ok(self.inner.follow_mall(&mall_id)?)
    }

    pub fn unfollow_mall(&self, mall_id: String) -> Result<bool> {
        Ok(self.inner.unfollow_mall(&mall_id)?)
    }

    pub fn followed_malls(&self) -> Result<Vec<FollowedMall>> {
        Ok(self
            .inner
            .followed_malls()?
            .into_iter()
            .map(|f| FollowedMall {
                mall_id: f.mall_id,
                name: f.name,
                image_urls: f.image_urls,
                followed_at: f.followed_at,
            })
            .collect())
    }

    /// Hear what changes, in batches, on a core thread, until the handle is cancelled or
    /// released.
    pub fn subscribe(&self, listener: Arc<dyn ChangeListener>) -> Arc<ListenerHandle> {
        let subscription = self.inner.subscribe(Arc::new(ChangeBridge(listener)));
        Arc::new(ListenerHandle { subscription: Mutex::new(Some(subscription)) })
    }

    /// What opening had to do about a damaged cache file, if anything.
    pub fn recovery(&self) -> Option<RecoveryReport> {
        self.inner.recovery().map(|r| RecoveryReport {
            reason: r.reason.clone(),
            moved_to: r.moved_to.display().to_string(),
            salvaged_wishlist: r.salvaged_wishlist,
            salvaged_followed_malls: r.salvaged_followed_malls,
            salvaged_settings: r.salvaged_settings,
            salvaged_events: r.salvaged_events,
            salvaged_unsent_changes: r.salvaged_list_ops,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The apps group errors by the bindings' error; Rust callers by the core's. They agree.
    #[test]
    fn error_groups_agree_with_the_cores() {
        use moa_core::Error as E;
        let server = |status| E::Server { status, problem: None, retry_after: None };
        let errors = vec![
            E::Offline("x".into()),
            E::Timeout,
            E::Network("x".into()),
            server(500),
            server(429),
            server(401),
            server(404),
            server(400),
            E::Protocol("x".into()),
            E::Io(std::io::Error::other("disk full")),
            E::ForeignDatabase,
            E::NewerDatabase { found: 9, supported: 8 },
            E::Cancelled,
            E::Unauthorized("x".into()),
            E::InvalidInput("x".into()),
            E::NotFound("x".into()),
            E::Internal("x".into()),
        ];
        for e in errors {
            let core = e.group();
            let app = MoaError::from(e).group();
            assert_eq!(format!("{core:?}"), format!("{app:?}"));
        }
    }
    /// Every export goes through `#[export]` (which puts async work on the core's runtime);
    /// uniffi's own attribute is used only for the foreign traits, which have no Rust bodies.
    #[test]
    fn exports_go_through_the_runtime_enforcing_macro() {
        let source = include_str!("lib.rs");
        for (n, line) in source.lines().enumerate() {
            let line = line.trim();
            if line.starts_with("#[uniffi::export") {
                assert_eq!(line, "#[uniffi::export(with_foreign)]", "line {}: use #[export]", n + 1);
            }
        }
    }
}
