//! moa-core: everything the Moa apps do, in plain Rust.
//!
//! [`Moa`] is the one entry point: open it with a [`MoaConfig`], then sync the catalog from the
//! server into the on-device cache and read the home feed from that cache — offline too.
//! The Kotlin and Swift apps reach the same calls through `moa-ffi`.

pub mod account;
pub mod alerts;
pub mod api;
pub mod changes;
pub mod clock;
pub mod config;
pub mod contact;
mod copy;
mod delivery;
pub mod error;
pub mod events;
pub mod feed;
pub mod images;
pub mod live;
pub mod orders;
pub mod outlink;
mod parts;
pub mod profile;
pub mod rank;
pub mod runtime;
pub mod search;
pub mod store;
pub mod sync;
pub mod text;
pub mod trips;
pub mod upload;

use std::sync::{Arc, Mutex};

pub use account::{Account, AccountSyncReport, SecretStore, SignOutReport};
pub use alerts::{Alert, AlertKind, AlertListener, AlertSettings};
pub use api::{ClientOptions, RetryPolicy};
pub use changes::{ChangeKind, ChangeListener, Subscription};
pub use clock::{Clock, FixedClock, SharedClock, SystemClock};
pub use config::MoaConfig;
pub use error::ErrorGroup;
pub use error::{Error, Result};
pub use events::Event;
pub use feed::{Card, FeedPage, Layout, MallCard, MallPage, Offer, ProductSheet, Section};
pub use live::LiveCheck;
pub use moa_protocol::model::Locale;
pub use orders::{OrderCard, OrdersReport};
// The domain and wire types live in moa-protocol; re-exported so `moa_core::model::…` still reads.
pub use moa_protocol::wire::ProductSnapshot;
pub use moa_protocol::{model, wire};
pub use profile::{Choice, ShopperProfile, Vocabulary};
pub use store::{FollowedMall, Recovery, WishlistItem};
pub use sync::{SkippedProduct, SyncListener, SyncOptions, SyncProgress, SyncReport};
pub use tokio_util::sync::CancellationToken;
pub use trips::{Outlink, RescueSheet, ShareLink};
pub use upload::UploadReport;

use delivery::AlertDelivery;
use model::Product;
use parts::Parts;
use store::Store;
use trips::Trips;

/// The version of this core, shown in the apps' settings and bug reports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Moa on one device. Each call is one line here: the work is in the module named for it.
pub struct Moa {
    parts: Parts,
    accounts: account::Accounts,
    /// This session's trips to malls and the product sheets open now.
    trips: Trips,
    alerts: AlertDelivery,
    /// The last query recorded as a search event.
    last_search: Mutex<String>,
}

impl Moa {
    /// Open (or create) the cache and get ready to sync. Fast and local: no network here, so the
    /// app can show the cached home at once.
    pub fn open(config: MoaConfig) -> Result<Moa> {
        let parts = Parts::open(config)?;
        Ok(Moa {
            parts,
            accounts: account::Accounts::default(),
            trips: Trips::default(),
            alerts: AlertDelivery::default(),
            last_search: Mutex::new(String::new()),
        })
    }

    pub fn config(&self) -> &MoaConfig {
        &self.parts.config
    }

    /// The cache, for QA tools and tests that check what a sync wrote.
    pub fn store(&self) -> &Store {
        &self.parts.store
    }

    /// Bring the cache up to the server's catalog, page by page.
    pub async fn sync(&self) -> Result<SyncReport> {
        self.sync_with(SyncOptions::default()).await
    }

    /// Sync with a page size, a progress listener and a cancellation token. The alerts the sync
    /// found go out at once if the shopper's settings say so; a failure there does not fail it.
    pub async fn sync_with(&self, options: SyncOptions) -> Result<SyncReport> {
        // A shopper who shares behaviour (consent, or an account) may ask for the products
        // viewed together with theirs that a working set lacks: the ids asked say what they saw.
        let shares_behaviour = self.event_consent()? || self.account()?.is_some();
        let report = self.parts.sync(options, shares_behaviour).await?;
        // Orders ride along: their failure (an older server, say) does not fail the sync.
        let _ = orders::sync_orders(&self.parts).await;
        let _ = self.alerts.deliver_after_sync(&self.parts).await;
        Ok(report)
    }

    /// A `width`-pixel-wide thumbnail of a product photo, from the disk cache or fetched and made
    /// now (the same URL asked twice at once is fetched once). Its aspect ratio and colour are
    /// remembered for the feed's cards. A bad image is [`Error::Image`], and nothing is cached.
    pub async fn thumbnail(&self, url: &str, width: u32) -> Result<images::cache::Thumbnail> {
        self.parts.thumbnail(url, width).await
    }

    /// The thumbnail cache (QA tools and tests).
    pub fn image_cache(&self) -> &images::cache::ImageCache {
        &self.parts.images
    }

    /// Give the core the platform's secret store. Without one, signing in is refused.
    pub fn set_secret_store(&self, store: Arc<dyn SecretStore>) {
        self.accounts.set_secret_store(store)
    }

    /// The signed-in account, if any.
    pub fn account(&self) -> Result<Option<Account>> {
        self.accounts.account(&self.parts.store)
    }

    /// Sign in. The guest's wishlist and follows join the account (a later remove wins over an
    /// earlier add of the same item), and the device then shows the account's lists. If that
    /// first account sync fails (the network went), sign-in still holds and the next sync does it.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<Account> {
        self.accounts.sign_in(&self.parts, username, password).await
    }

    /// Send the outbox (in order, in batches; the server ignores what it already has), then make
    /// the device's lists the account's. Safe to call any time, and after any crash.
    pub async fn sync_account(&self) -> Result<AccountSyncReport> {
        self.accounts.sync(&self.parts).await
    }

    /// Sign out. What could still be sent is sent first; the token is revoked and forgotten.
    /// With `keep_on_device` the wishlist and follows stay as the guest's own (and join the
    /// next account signed in to); without, they leave the device.
    pub async fn sign_out(&self, keep_on_device: bool) -> Result<SignOutReport> {
        self.accounts.sign_out(&self.parts, keep_on_device).await
    }

    /// Sign out on every device of the account (a lost phone); needs the server.
    pub async fn sign_out_everywhere(&self) -> Result<SignOutReport> {
        self.accounts.sign_out_everywhere(&self.parts).await
    }

    /// Hear alerts about wishlisted products when they are due (the apps post notifications).
    pub fn set_alert_listener(&self, listener: Option<Arc<dyn alerts::AlertListener>>) {
        self.alerts.set_listener(listener)
    }

    pub fn alert_settings(&self) -> Result<alerts::AlertSettings> {
        self.parts.guard(self.parts.store.alert_settings())
    }

    pub fn set_alert_settings(&self, settings: &alerts::AlertSettings) -> Result<()> {
        self.parts.guard(settings.validate().and_then(|()| self.parts.store.set_alert_settings(settings)))
    }

    /// Deliver the alerts due now to the listener (and return them). Syncs call it; the apps call
    /// it from their periodic background work too, since digests and quiet hours are about time.
    pub fn deliver_alerts(&self) -> Result<Vec<alerts::Alert>> {
        self.alerts.deliver_at(&self.parts, self.parts.now_ms())
    }

    /// [`Moa::deliver_alerts`] as if the time were `now_ms` (tests and QA tools).
    pub fn deliver_alerts_at(&self, now_ms: i64) -> Result<Vec<alerts::Alert>> {
        self.alerts.deliver_at(&self.parts, now_ms)
    }

    /// Hear what changes (feed, wishlist, followed malls) in batches, until the returned
    /// subscription is dropped.
    pub fn subscribe(&self, listener: Arc<dyn ChangeListener>) -> Subscription {
        self.parts.changes.subscribe(listener)
    }

    /// Record something the shopper did. Local and instant; "not interested" and "hide this
    /// mall" take effect on the next home feed read.
    pub fn record(&self, event: Event) -> Result<()> {
        self.parts.record(event)
    }

    /// What opening had to do about a damaged or foreign database file, if anything: the apps
    /// tell the shopper that the catalog is being fetched again and what was kept.
    pub fn recovery(&self) -> Option<&Recovery> {
        self.parts.store.recovery()
    }

    /// The home feed, composed for this shopper from the cache. Synchronous and local: apps call
    /// it off the main thread and get an answer without the network. Starts a new home: paging
    /// with [`Moa::more_for_you`] continues it.
    pub fn home_feed(&self) -> Result<FeedPage> {
        self.parts.home_feed()
    }

    /// The current home again, as the shopper has it (the same sections and cards, the pages of
    /// "for you" loaded so far), with what changed since stamped in: hearts and follows as they
    /// are now, cards of hidden products and malls gone. Nothing is ranked again, so nothing moves
    /// under the shopper's thumb; the apps call it when the core reports a wishlist or follow
    /// change. Composes a new home when there is none yet.
    pub fn current_home(&self) -> Result<FeedPage> {
        self.parts.current_home()
    }

    /// The next page of the "for you" grid of the current home, without repeats; an empty
    /// section when the ranking runs out.
    pub fn more_for_you(&self, count: u32) -> Result<Section> {
        self.parts.more_for_you(count)
    }

    /// [`Moa::more_for_you`], and when the working set has no more for this shopper, online,
    /// the products ranked just after its shelf on the server come in and fill the page
    /// (issue #23). Offline, or holding the whole catalog, exactly `more_for_you`.
    pub async fn more_for_you_everywhere(&self, count: u32) -> Result<Section> {
        self.parts.more_for_you_everywhere(count).await
    }

    /// After an event: the current home's "for you" grid ranked again from its first page for
    /// the shopper's new taste; the other sections stay as they are (no shuffling under the
    /// shopper's thumb) and are not repeated.
    pub fn rerank_for_you(&self) -> Result<Section> {
        self.parts.rerank_for_you()
    }

    /// Check price and stock with the server before the shopper goes to the mall, and say what
    /// changed since they saw the product. Offline, the cache answers, with its age.
    pub async fn live_check(&self, product_id: &str) -> Result<LiveCheck> {
        live::check(&self.parts, product_id).await
    }

    /// The hop to the mall: a checked link with attribution (refused with `InvalidInput` when the
    /// product's link is not https on one of its mall's hosts), and the click-out recorded.
    pub fn click_out(&self, product_id: &str, section: &str, position: u32) -> Result<Outlink> {
        self.trips.click_out(&self.parts, product_id, section, position)
    }

    /// The product to share: its mall's page (checked like a click-out, attributed as a share)
    /// and a line about it. `InvalidInput` when the product's link is not one Moa would open.
    pub fn share_link(&self, product_id: &str) -> Result<ShareLink> {
        trips::share_link(&self.parts, product_id)
    }

    /// The shopper is back from the mall (the core times how long they were away, from the
    /// click-out): whether to show a rescue sheet, and its products. Only for a quick return,
    /// once per product and per mall in a session, never soon after a dismissed sheet, and at
    /// most a few a day (Korean calendar days).
    pub fn returned_from_mall(&self, outlink_id: &str) -> Result<Option<RescueSheet>> {
        self.trips.returned(&self.parts, outlink_id)
    }

    /// The shopper tapped an alert's notification. A nudge's opening counts in its mall's
    /// numbers (an event, sent with consent like every other); a click-out within the hour
    /// counts as clicked through.
    pub fn alert_opened(&self, alert_id: i64) -> Result<()> {
        if let Some((kind, product_id)) = self.parts.guard(self.parts.store.alert_kind(alert_id))? {
            if kind.is_nudge() {
                self.parts.record(Event::Nudge { product_id, trigger: kind, step: events::NudgeStep::Opened })?;
            }
        }
        Ok(())
    }

    /// The shopper's orders across malls ("주문·배송"), the latest moved first, from the cache.
    pub fn orders(&self) -> Result<Vec<OrderCard>> {
        orders::order_cards(&self.parts)
    }

    /// Tell the server about new click-outs and bring the orders malls reported for them (a
    /// sync does this too); new statuses become alerts, new orders purchases.
    pub async fn sync_orders(&self) -> Result<OrdersReport> {
        let report = orders::sync_orders(&self.parts).await?;
        let _ = self.alerts.deliver_after_sync(&self.parts).await;
        Ok(report)
    }

    /// Delete the shopper's order history, on the server and on this device (offline: an
    /// error, and nothing deleted). Returns how many orders the device held.
    pub async fn delete_order_history(&self) -> Result<u64> {
        orders::forget_orders(&self.parts).await
    }

    /// The click-out the shopper has not come back from yet, if any — also after the app was
    /// killed while they were at the mall: report its return with [`Moa::returned_from_mall`].
    pub fn pending_return(&self) -> Result<Option<String>> {
        trips::pending_return(&self.parts)
    }

    /// Whether the shopper agreed that their behaviour events may leave the device.
    pub fn set_event_consent(&self, granted: bool) -> Result<()> {
        self.parts.guard(self.parts.store.set_event_consent(granted))
    }

    pub fn event_consent(&self) -> Result<bool> {
        self.parts.guard(self.parts.store.event_consent())
    }

    /// Send the events not yet sent, in batches, only with consent (without it: nothing leaves
    /// and the report says so). Safe to repeat: the server counts each event id once.
    pub async fn upload_events(&self) -> Result<UploadReport> {
        upload::upload_events(&self.parts).await
    }

    /// Onboarding: the shopper's gender, age band and styles. An empty profile means a guest,
    /// who gets the default persona until behaviour says otherwise.
    pub fn set_profile(&self, profile: &ShopperProfile) -> Result<()> {
        self.parts.set_profile(profile)
    }

    /// The words onboarding and the search filters offer, with their labels in the shopper's
    /// language.
    pub fn vocabulary(&self) -> Vocabulary {
        Vocabulary::new(self.parts.locale)
    }

    /// The onboarding profile (empty for a guest who skipped it).
    pub fn profile(&self) -> Result<ShopperProfile> {
        self.parts.profile()
    }

    /// Search the cached catalog (offline too). The first page of a query is recorded as a
    /// search event. A search still running when the next keystroke's starts is cancelled
    /// ([`Error::Cancelled`]).
    pub fn search(&self, query: &search::SearchQuery) -> Result<search::SearchResults> {
        search::run(&self.parts, &self.last_search, query)
    }

    /// Search the whole catalog when online (issue #23): a device holding a working set first
    /// brings in what the server finds beyond it, then searches its cache as [`Moa::search`]
    /// does, every result ranked for the shopper. Offline, or without a working set, it is
    /// [`Moa::search`]. Products brought in this way go at a sync an hour or more later, unless
    /// the shopper opened or kept them (results still on screen keep opening).
    pub async fn search_everywhere(&self, query: &search::SearchQuery) -> Result<search::SearchResults> {
        self.parts.fetch_search_candidates(&query.text).await?;
        self.search(query)
    }

    /// A mall's page (from a mall card, the sheet or the malls tab): what it is, whether the
    /// shopper follows it, and its first `limit` products in this shopper's order. From the
    /// cache, offline too; `NotFound` for a mall the catalog does not have.
    pub fn mall_page(&self, mall_id: &str, limit: u32) -> Result<MallPage> {
        self.parts.mall_page(mall_id, limit)
    }

    /// Malls by name, id or initials, forgiving a typo.
    pub fn search_malls(&self, text: &str) -> Result<Vec<search::MallHit>> {
        Ok(search::match_malls(&self.parts.guard(self.parts.store.malls())?, text, self.parts.locale))
    }

    /// One product from the cache, for the product sheet.
    pub fn product(&self, product_id: &str) -> Result<Product> {
        self.parts.product(product_id)
    }

    /// The product sheet: the product as the shopper reads it, from the cache, with its heart and
    /// its mall's follow as they are now. Opening it starts the clock of the view:
    /// [`Moa::sheet_closed`] records how long it was looked at.
    pub fn product_sheet(&self, product_id: &str) -> Result<ProductSheet> {
        let sheet = self.parts.product_sheet(product_id)?;
        self.trips.sheet_opened(&self.parts, product_id);
        Ok(sheet)
    }

    /// The product sheet was closed: the view is recorded with how long it was open (false when
    /// no sheet of that product was open).
    pub fn sheet_closed(&self, product_id: &str) -> Result<bool> {
        self.trips.sheet_closed(&self.parts, product_id)
    }

    /// 찜: add a product (optionally a chosen size/colour) to the wishlist. Local and instant.
    pub fn add_to_wishlist(&self, product_id: &str, variant_id: Option<&str>) -> Result<()> {
        self.parts.add_to_wishlist(product_id, variant_id)
    }

    pub fn remove_from_wishlist(&self, product_id: &str) -> Result<bool> {
        self.parts.remove_from_wishlist(product_id)
    }

    /// The wishlist, newest first; delisted products still show from their snapshot.
    pub fn wishlist(&self) -> Result<Vec<WishlistItem>> {
        self.parts.guard(self.parts.store.wishlist())
    }

    pub fn follow_mall(&self, mall_id: &str) -> Result<()> {
        self.parts.follow_mall(mall_id)
    }

    pub fn unfollow_mall(&self, mall_id: &str) -> Result<bool> {
        self.parts.unfollow_mall(mall_id)
    }

    pub fn followed_malls(&self) -> Result<Vec<FollowedMall>> {
        self.parts.guard(self.parts.store.followed_malls())
    }

    /// Run SQLite's full consistency check (slow: call it in the background). Damage found is
    /// recorded, and the next `open` recovers the file.
    pub fn verify_integrity(&self) -> Result<bool> {
        self.parts.verify_integrity()
    }
}
