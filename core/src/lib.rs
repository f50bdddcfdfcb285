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
mod copy;
pub mod error;
pub mod events;
pub mod feed;
pub mod images;
pub mod outlink;
pub mod profile;
pub mod rank;
pub mod runtime;
pub mod search;
pub mod store;
pub mod sync;
pub mod text;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

pub use account::{Account, AccountSyncReport, SecretStore, SignOutReport};
pub use alerts::{Alert, AlertKind, AlertListener, AlertSettings};
pub use api::{ClientOptions, RetryPolicy};
pub use changes::{ChangeKind, ChangeListener, Subscription};
pub use clock::{Clock, FixedClock, SharedClock, SystemClock};
pub use error::ErrorGroup;
pub use error::{Error, Result};
pub use events::Event;
pub use feed::{Card, FeedPage, Layout, MallCard, MallPage, Offer, ProductSheet, Section};
pub use moa_protocol::model::Locale;
// The domain and wire types live in moa-protocol; re-exported so `moa_core::model::…` still reads.
pub use moa_protocol::wire::ProductSnapshot;
pub use moa_protocol::{model, wire};
pub use profile::{Choice, ShopperProfile, Vocabulary};
pub use store::{FollowedMall, Recovery, WishlistItem};
pub use sync::{SkippedProduct, SyncListener, SyncOptions, SyncProgress, SyncReport};
pub use tokio_util::sync::CancellationToken;

use api::ApiClient;
use changes::ChangeHub;
use feed::FeedSession;
use model::Product;
use profile::Taste;
use rank::catalog::CatalogIndex;
use store::Store;

/// The version of this core, shown in the apps' settings and bug reports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// How the apps (or the desktop CLI) open Moa.
#[derive(Debug, Clone)]
pub struct MoaConfig {
    /// Where Moa keeps its database and caches; created if missing.
    pub data_dir: PathBuf,
    /// File name of the database inside `data_dir`.
    pub database_file: String,
    /// The catalog API, e.g. "https://api.moa.app/". None: offline use of an existing cache.
    pub server_url: Option<String>,
    /// BCP 47 tag of the shopper's language, e.g. "ko-KR"; decides the words of the feed.
    pub locale: String,
    /// A random id for this installation; the only identifier that ever leaves the device.
    pub install_id: String,
    /// Timeouts and retries of the API client.
    pub network: ClientOptions,
    /// When a quick return from a mall earns a rescue sheet.
    pub rescue: outlink::RescueRules,
    /// Disk budget of the thumbnail cache, in bytes.
    pub image_cache_bytes: u64,
    /// What time it is: the device's clock, or a pinned one in tests and QA replays.
    pub clock: SharedClock,
}

impl MoaConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        MoaConfig {
            data_dir: data_dir.into(),
            database_file: "moa.db".into(),
            server_url: None,
            locale: "ko-KR".into(),
            install_id: String::new(),
            network: ClientOptions::default(),
            rescue: outlink::RescueRules::default(),
            image_cache_bytes: 200 * 1024 * 1024,
            clock: SharedClock::system(),
        }
    }

    /// A config whose database is exactly `path` (the CLI's `--db`).
    pub fn with_database(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).map(PathBuf::from).unwrap_or_else(|| ".".into());
        let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| "moa.db".into());
        MoaConfig { database_file: file, ..MoaConfig::new(dir) }
    }

    pub fn server(mut self, url: impl Into<String>) -> Self {
        self.server_url = Some(url.into());
        self
    }

    pub fn locale(mut self, tag: impl Into<String>) -> Self {
        self.locale = tag.into();
        self
    }

    /// Read the time from `clock` instead of the device's (tests pin it to their world's time).
    pub fn clock(mut self, clock: impl Into<SharedClock>) -> Self {
        self.clock = clock.into();
        self
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join(&self.database_file)
    }
}

pub struct Moa {
    config: MoaConfig,
    locale: Locale,
    store: Arc<Store>,
    api: Option<Arc<ApiClient>>,
    changes: ChangeHub,
    personal: Mutex<Personal>,
    /// This session's outlinks (id → product, mall) and the products and malls already rescued.
    outlinks: Mutex<OutlinkSession>,
    accounts: account::Accounts,
    alert_listener: Mutex<Option<Arc<dyn alerts::AlertListener>>>,
    images: images::cache::ImageCache,
    /// The last query recorded as a search event.
    last_search: Mutex<String>,
}

/// A trip to a mall: (product, mall, when the shopper left, ms).
type Trip = (String, String, i64);

#[derive(Default)]
struct OutlinkSession {
    /// Outlink id → its trip.
    links: std::collections::HashMap<String, Trip>,
    /// Product sheets open now → when each was opened (ms): the core times the dwell.
    sheets_open: std::collections::HashMap<String, i64>,
    rescued_products: std::collections::HashSet<String>,
    rescued_malls: std::collections::HashSet<String>,
}

/// A link to a mall's product page, ready to open in a Custom Tab / SFSafariViewController.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outlink {
    pub outlink_id: String,
    pub url: String,
    pub product_id: String,
    pub mall_id: String,
}

/// What the share button hands to the platform's share sheet.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ShareLink {
    /// The mall's product page with Moa's attribution as a share.
    pub url: String,
    /// A line to go with it, in the shopper's language: title, price, mall, and where it was found.
    pub text: String,
}

/// One page of alternatives for a shopper who came straight back from a mall.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RescueSheet {
    pub outlink_id: String,
    pub title: String,
    pub cards: Vec<Card>,
}

/// What the ranker keeps in memory between calls: the catalog index (rebuilt after a sync
/// changes the catalog), the taste learned from events (updated with each event), and the
/// current home's paging state.
#[derive(Default)]
struct Personal {
    catalog: Option<Arc<CatalogIndex>>,
    taste: Option<Taste>,
    session: Option<FeedSession>,
    /// Every product's taste score, for ranking search results (dropped when the taste moves).
    search_scores: Option<Arc<Vec<f32>>>,
    /// The home as the shopper has it now: composed, then paged and re-ranked (see
    /// [`Moa::current_home`]).
    home: Option<FeedPage>,
}

/// The settings key of the onboarding profile.
const PROFILE_SETTING: &str = "profile";
/// The settings key of the consent to upload behaviour events.
const CONSENT_SETTING: &str = "consent.events";
/// The settings key of the last click-out not yet returned from: the trip survives the app's
/// process being killed while the shopper is at the mall.
const PENDING_OUTLINK_SETTING: &str = "outlink.pending";

/// What the shopper should know before going to the mall: price and stock now, and how old
/// that knowledge is.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LiveCheck {
    pub product_id: String,
    /// Asked the server just now (false: the server was unreachable; this is the cache).
    pub live: bool,
    pub delisted: bool,
    pub in_stock: bool,
    pub price: i64,
    pub price_text: String,
    /// The price the shopper saw (the cache), when it changed.
    pub previous_price_text: Option<String>,
    /// How old the knowledge of price and stock is, in seconds.
    pub age_secs: i64,
    /// What to tell the shopper before sending them away; None when nothing changed.
    pub notice: Option<String>,
    /// The product can be bought: the "go to mall" button leads somewhere.
    pub can_go: bool,
    /// The notice must be seen before leaving (the price changed): show it, and go only on the
    /// shopper's next tap. Never true without a notice.
    pub confirm_first: bool,
}

/// What an event upload did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct UploadReport {
    /// False: the shopper has not consented, and nothing was sent.
    pub consent: bool,
    pub sent: u64,
    /// Events the server already had (a retried batch).
    pub duplicates: u64,
}

impl Moa {
    /// Open (or create) the cache and get ready to sync. Fast and local: no network here, so the
    /// app can show the cached home at once.
    pub fn open(config: MoaConfig) -> Result<Moa> {
        std::fs::create_dir_all(&config.data_dir)?;
        let store = Arc::new(Store::open_with_clock(&config.database_path(), config.clock.clone())?);
        let api =
            config.server_url.as_deref().map(|url| ApiClient::new(url, &config.network).map(Arc::new)).transpose()?;
        let locale = Locale::from_tag(&config.locale);
        let images = images::cache::ImageCache::open(
            &config.data_dir.join("images"),
            config.image_cache_bytes,
            images::ImageLimits::default(),
        )?;
        Ok(Moa {
            config,
            locale,
            store,
            api,
            changes: ChangeHub::new(),
            personal: Mutex::new(Personal::default()),
            outlinks: Mutex::new(OutlinkSession::default()),
            accounts: account::Accounts::default(),
            alert_listener: Mutex::new(None),
            images,
            last_search: Mutex::new(String::new()),
        })
    }

    pub fn config(&self) -> &MoaConfig {
        &self.config
    }

    /// The cache, for QA tools and tests that check what a sync wrote.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Bring the cache up to the server's catalog, page by page.
    pub async fn sync(&self) -> Result<SyncReport> {
        self.sync_with(SyncOptions::default()).await
    }

    /// Sync with a page size, a progress listener and a cancellation token.
    pub async fn sync_with(&self, options: SyncOptions) -> Result<SyncReport> {
        let api = self.api()?;
        let mut result = self.guard(sync::sync_catalog(api, &self.store, options).await);
        if let Ok(report) = &mut result {
            report.feed_changed =
                report.upserted + report.deleted > 0 || report.stats_changed || !report.malls_unchanged;
            if report.feed_changed {
                // The ranker's index is rebuilt from the new catalog at the next feed.
                let mut personal = self.personal();
                personal.catalog = None;
                personal.taste = None;
                drop(personal);
                self.changes.notify(ChangeKind::Feed);
                self.changes.notify(ChangeKind::Wishlist);
            }
            // The alerts this sync found go out now if the shopper's settings say so (otherwise
            // they wait for the digest); a failure here must not fail the sync.
            if self.alert_listener.lock().unwrap_or_else(|e| e.into_inner()).is_some() {
                let _ = self.deliver_alerts();
            }
        }
        result
    }

    /// A `width`-pixel-wide thumbnail of a product photo, from the disk cache or fetched and made
    /// now (the same URL asked twice at once is fetched once). Its aspect ratio and colour are
    /// remembered for the feed's cards. A bad image is [`Error::Image`], and nothing is cached.
    pub async fn thumbnail(&self, url: &str, width: u32) -> Result<images::cache::Thumbnail> {
        let api = self.api.clone();
        let max_bytes = images::ImageLimits::default().max_bytes;
        let thumb = self
            .images
            .get(url, width, |url| async move {
                match api {
                    Some(api) => api.fetch_image(&url, max_bytes, &CancellationToken::new()).await,
                    None => Err(Error::Offline("no server configured".into())),
                }
            })
            .await?;
        Ok(thumb)
    }

    /// The thumbnail cache (QA tools and tests).
    pub fn image_cache(&self) -> &images::cache::ImageCache {
        &self.images
    }

    /// What account work needs; `forget_feed` runs when the lists became the account's.
    fn account_parts<'a>(&'a self, forget_feed: &'a (dyn Fn() + Send + Sync)) -> account::Parts<'a> {
        account::Parts {
            store: &self.store,
            api: self.api.as_ref(),
            changes: &self.changes,
            lists_replaced: forget_feed,
        }
    }

    fn forget_feed_session(&self) {
        self.personal().session = None;
    }

    /// Give the core the platform's secret store. Without one, signing in is refused.
    pub fn set_secret_store(&self, store: Arc<dyn SecretStore>) {
        self.accounts.set_secret_store(store)
    }

    /// The signed-in account, if any.
    pub fn account(&self) -> Result<Option<Account>> {
        self.accounts.account(&self.store)
    }

    /// Sign in. The guest's wishlist and follows join the account (a later remove wins over an
    /// earlier add of the same item), and the device then shows the account's lists. If that
    /// first account sync fails (the network went), sign-in still holds and the next sync does it.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<Account> {
        self.accounts.sign_in(self.account_parts(&|| self.forget_feed_session()), username, password).await
    }

    /// Send the outbox (in order, in batches; the server ignores what it already has), then make
    /// the device's lists the account's. Safe to call any time, and after any crash.
    pub async fn sync_account(&self) -> Result<AccountSyncReport> {
        self.accounts.sync(self.account_parts(&|| self.forget_feed_session())).await
    }

    /// Sign out. What could still be sent is sent first; the token is revoked and forgotten.
    /// With `keep_on_device` the wishlist and follows stay as the guest's own (and join the
    /// next account signed in to); without, they leave the device.
    pub async fn sign_out(&self, keep_on_device: bool) -> Result<SignOutReport> {
        self.accounts.sign_out(self.account_parts(&|| self.forget_feed_session()), keep_on_device).await
    }

    fn api(&self) -> Result<&Arc<ApiClient>> {
        self.api.as_ref().ok_or_else(|| Error::InvalidInput("no server configured".into()))
    }

    /// Hear alerts about wishlisted products when they are due (the apps post notifications).
    pub fn set_alert_listener(&self, listener: Option<Arc<dyn alerts::AlertListener>>) {
        *self.alert_listener.lock().unwrap_or_else(|e| e.into_inner()) = listener;
    }

    pub fn alert_settings(&self) -> Result<alerts::AlertSettings> {
        self.guard(self.store.alert_settings())
    }

    pub fn set_alert_settings(&self, settings: &alerts::AlertSettings) -> Result<()> {
        if settings.digest_hour > 23 || settings.quiet_start_hour > 23 || settings.quiet_end_hour > 23 {
            return Err(Error::InvalidInput("alert hours are 0 to 23".into()));
        }
        self.guard(self.store.set_alert_settings(settings))
    }

    /// Deliver the alerts due now to the listener (and return them). Syncs call it; the apps call
    /// it from their periodic background work too, since digests and quiet hours are about time.
    pub fn deliver_alerts(&self) -> Result<Vec<alerts::Alert>> {
        self.deliver_alerts_at(self.now_ms())
    }

    /// [`Moa::deliver_alerts`] as if the time were `now_ms` (tests and QA tools).
    pub fn deliver_alerts_at(&self, now_ms: i64) -> Result<Vec<alerts::Alert>> {
        let due = self.guard(self.store.take_due_alerts(now_ms, self.locale))?;
        let listener = self.alert_listener.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let (Some(listener), false) = (listener, due.is_empty()) {
            listener.on_alerts(due.clone());
        }
        Ok(due)
    }

    /// Hear what changes (feed, wishlist, followed malls) in batches, until the returned
    /// subscription is dropped.
    pub fn subscribe(&self, listener: Arc<dyn ChangeListener>) -> Subscription {
        self.changes.subscribe(listener)
    }

    /// Record something the shopper did. Local and instant; "not interested" and "hide this
    /// mall" take effect on the next home feed read.
    pub fn record(&self, event: Event) -> Result<()> {
        let event_id = format!("{:032x}", rand::random::<u128>());
        let at = self.now_ms();
        self.guard(self.store.record_event(&event, &event_id, at))?;
        // The profile learns at once, so the next feed already reflects it.
        let mut personal = self.personal();
        if let (Some(catalog), Some(taste)) = (personal.catalog.clone(), personal.taste.as_mut()) {
            taste.learn(at, &event, &catalog);
        }
        // Searching and scrolling past do not move the taste scores search ranks by; keeping
        // them makes the next keystroke's search cheap.
        if !matches!(event, Event::Search { .. } | Event::Impression { .. }) {
            personal.search_scores = None;
        }
        drop(personal);
        if event.changes_feed() {
            self.changes.notify(ChangeKind::Feed);
        }
        Ok(())
    }

    /// What opening had to do about a damaged or foreign database file, if anything: the apps
    /// tell the shopper that the catalog is being fetched again and what was kept.
    pub fn recovery(&self) -> Option<&Recovery> {
        self.store.recovery()
    }

    /// The home feed, composed for this shopper from the cache. Synchronous and local: apps call
    /// it off the main thread and get an answer without the network. Starts a new home: paging
    /// with [`Moa::more_for_you`] continues it.
    pub fn home_feed(&self) -> Result<FeedPage> {
        self.guard(self.compose(|ctx, personal| {
            let (page, session) = feed::compose_home(ctx);
            personal.session = Some(session);
            personal.home = Some(page.clone());
            page
        }))
    }

    /// The current home again, as the shopper has it (the same sections and cards, the pages of
    /// "for you" loaded so far), with what changed since stamped in: hearts and follows as they
    /// are now, cards of hidden products and malls gone. Nothing is ranked again, so nothing moves
    /// under the shopper's thumb; the apps call it when the core reports a wishlist or follow
    /// change. Composes a new home when there is none yet.
    pub fn current_home(&self) -> Result<FeedPage> {
        let page = self.personal().home.clone();
        let Some(mut page) = page else { return self.home_feed() };
        let wishlisted: HashSet<String> =
            self.guard(self.store.wishlist())?.into_iter().map(|w| w.product_id).collect();
        let followed: HashSet<String> = self.guard(self.store.followed_mall_ids())?.into_iter().collect();
        let excluded = self.guard(self.store.exclusions())?;
        for section in &mut page.sections {
            section
                .cards
                .retain(|c| !excluded.products.contains(&c.product_id) && !excluded.malls.contains(&c.mall_id));
            for card in &mut section.cards {
                card.wishlisted = wishlisted.contains(&card.product_id);
            }
            for mall in &mut section.malls {
                mall.followed = followed.contains(&mall.mall_id);
            }
        }
        Ok(page)
    }

    /// The next page of the "for you" grid of the current home, without repeats; an empty
    /// section when the ranking runs out.
    pub fn more_for_you(&self, count: u32) -> Result<Section> {
        self.guard(self.compose(|ctx, personal| {
            let session = personal.session.get_or_insert_with(|| feed::compose_home(ctx).1);
            let more = feed::next_page(ctx, session, count.clamp(1, 100) as usize);
            if let Some(section) = personal.home.as_mut().and_then(|h| h.sections.iter_mut().find(|s| s.id == more.id))
            {
                section.cards.extend(more.cards.iter().cloned());
            }
            more
        }))
    }

    /// After an event: the current home's "for you" grid ranked again from its first page for
    /// the shopper's new taste; the other sections stay as they are (no shuffling under the
    /// shopper's thumb) and are not repeated.
    pub fn rerank_for_you(&self) -> Result<Section> {
        self.guard(self.compose(|ctx, personal| {
            let session = personal.session.get_or_insert_with(|| feed::compose_home(ctx).1);
            let fresh = feed::rerank_for_you(ctx, session);
            if let Some(section) = personal.home.as_mut().and_then(|h| h.sections.iter_mut().find(|s| s.id == fresh.id))
            {
                section.cards = fresh.cards.clone();
            }
            fresh
        }))
    }

    /// Check price and stock with the server before the shopper goes to the mall, and say what
    /// changed since they saw the product. Offline, the cache answers, with its age.
    pub async fn live_check(&self, product_id: &str) -> Result<LiveCheck> {
        let cached = self.product(product_id)?;
        let ko = self.locale == Locale::Ko;
        let answer = match &self.api {
            Some(api) => api.live_product(product_id, &CancellationToken::new()).await.map(Some),
            None => Ok(None),
        };
        let now_s = self.config.clock.now_secs();
        let check = match answer {
            Ok(Some(None)) => LiveCheck {
                product_id: product_id.into(),
                live: true,
                delisted: true,
                in_stock: false,
                price: cached.price.amount,
                price_text: cached.price.display(),
                previous_price_text: None,
                age_secs: 0,
                notice: Some(if ko {
                    "판매가 종료된 상품이에요".into()
                } else {
                    "This product is no longer sold".into()
                }),
                can_go: false,
                confirm_first: false,
            },
            Ok(Some(Some(live))) => {
                let in_stock = live.variants.iter().any(|v| v.available);
                let changed = live.price != cached.price;
                let notice = if !in_stock {
                    Some(if ko { "지금은 품절이에요".into() } else { "Sold out right now".into() })
                } else if changed {
                    Some(if ko {
                        format!("가격이 {}에서 {}(으)로 바뀌었어요", cached.price.display(), live.price.display())
                    } else {
                        format!("The price changed from {} to {}", cached.price.display(), live.price.display())
                    })
                } else {
                    None
                };
                LiveCheck {
                    product_id: product_id.into(),
                    live: true,
                    delisted: false,
                    in_stock,
                    price: live.price.amount,
                    price_text: live.price.display(),
                    previous_price_text: changed.then(|| cached.price.display()),
                    age_secs: (now_s - live.checked_at_ms / 1000).max(0),
                    confirm_first: in_stock && notice.is_some(),
                    can_go: in_stock,
                    notice,
                }
            }
            Ok(None) | Err(Error::Offline(_) | Error::Timeout | Error::Network(_)) => LiveCheck {
                product_id: product_id.into(),
                live: false,
                delisted: false,
                in_stock: cached.in_stock(),
                price: cached.price.amount,
                price_text: cached.price.display(),
                previous_price_text: None,
                // The cache is as old as the last sync that reached the server.
                age_secs: (now_s - self.guard(self.store.catalog_synced_at())?.unwrap_or(cached.updated_at)).max(0),
                notice: None,
                can_go: cached.in_stock(),
                confirm_first: false,
            },
            Err(e) => return Err(e),
        };
        Ok(check)
    }

    /// The hop to the mall: a checked link with attribution (refused with `InvalidInput` when the
    /// product's link is not https on one of its mall's hosts), and the click-out recorded.
    pub fn click_out(&self, product_id: &str, section: &str, position: u32) -> Result<Outlink> {
        let (product, mall) = self.product_and_mall(product_id)?;
        let outlink_id = format!("{:016x}", rand::random::<u64>());
        let url = outlink::build_link(&product.product_url, &mall.link_hosts, section, position, &outlink_id)?;
        self.record(Event::ClickOut { product_id: product_id.to_string() })?;
        let left_at = self.now_ms();
        let trip = (product.id.clone(), mall.id.clone(), left_at);
        let saved = serde_json::json!({ "id": outlink_id, "product": trip.0, "mall": trip.1, "left_at": trip.2 });
        self.guard(self.store.set_setting(PENDING_OUTLINK_SETTING, &saved.to_string()))?;
        self.outlinks.lock().unwrap_or_else(|e| e.into_inner()).links.insert(outlink_id.clone(), trip);
        Ok(Outlink { outlink_id, url, product_id: product.id, mall_id: mall.id.clone() })
    }

    /// The product to share: its mall's page (checked like a click-out, attributed as a share)
    /// and a line about it. `InvalidInput` when the product's link is not one Moa would open.
    pub fn share_link(&self, product_id: &str) -> Result<ShareLink> {
        let (product, mall) = self.product_and_mall(product_id)?;
        let share_id = format!("s{:015x}", rand::random::<u64>() >> 4);
        let url = outlink::build_share_link(&product.product_url, &mall.link_hosts, &share_id)?;
        let text = match self.locale {
            Locale::Ko => {
                format!("{} · {} ({}) — 모아에서 발견했어요", product.title, product.price.display(), mall.name)
            }
            Locale::En => format!("{} · {} ({}) — found on Moa", product.title, product.price.display(), mall.name),
        };
        Ok(ShareLink { url, text })
    }

    /// The shopper is back from the mall (the core times how long they were away, from the
    /// click-out): whether to show a rescue sheet, and its products. Only for a quick return,
    /// once per product and per mall in a session, never soon after a dismissed sheet, and at
    /// most a few a day (Korean calendar days).
    pub fn returned_from_mall(&self, outlink_id: &str) -> Result<Option<RescueSheet>> {
        let rules = self.config.rescue;
        let saved = self.saved_trip()?.filter(|(id, _)| id == outlink_id).map(|(_, trip)| trip);
        let mut session = self.outlinks.lock().unwrap_or_else(|e| e.into_inner());
        if saved.is_some() {
            // Reported now: the saved trip is done.
            self.guard(self.store.set_setting(PENDING_OUTLINK_SETTING, ""))?;
        }
        // This process's trips, or the one saved before the app was killed at the mall.
        let Some((product_id, mall_id, left_at)) = session.links.remove(outlink_id).or(saved) else {
            return Err(Error::NotFound(format!("outlink {outlink_id}")));
        };
        let away_ms = (self.now_ms() - left_at).max(0) as u64;
        // Malls are owed the number of quick returns: every return is an event.
        self.record(Event::ReturnedFromMall { product_id: product_id.clone(), mall_id: mall_id.clone(), away_ms })?;
        if away_ms > rules.quick_return_ms
            || session.rescued_products.contains(&product_id)
            || session.rescued_malls.contains(&mall_id)
        {
            return Ok(None);
        }
        const KST_MS: i64 = 9 * 3_600_000;
        let now = self.now_ms();
        let today = (now + KST_MS) / 86_400_000 * 86_400_000 - KST_MS;
        let (shown_today, last_dismissed) = self.guard(self.store.rescue_history(today))?;
        if shown_today >= rules.max_per_day || last_dismissed.is_some_and(|t| now - t < rules.quiet_after_dismiss_ms) {
            return Ok(None);
        }
        let cards = self.guard(self.compose(|ctx, _| ctx.catalog.get(&product_id).map(|i| feed::rescue(ctx, i))))?;
        let Some(cards) = cards.filter(|c| !c.is_empty()) else { return Ok(None) };
        session.rescued_products.insert(product_id.clone());
        session.rescued_malls.insert(mall_id.clone());
        drop(session);
        self.record(Event::RescueShown { product_id, mall_id })?;
        let title = match self.locale {
            Locale::Ko => "이런 상품은 어떠세요?".to_string(),
            Locale::En => "How about these?".to_string(),
        };
        Ok(Some(RescueSheet { outlink_id: outlink_id.to_string(), title, cards }))
    }

    /// A cached product and its mall (whose hosts its links are checked against).
    fn product_and_mall(&self, product_id: &str) -> Result<(Product, model::Mall)> {
        let product = self.product(product_id)?;
        let mall = self
            .guard(self.store.malls())?
            .into_iter()
            .find(|m| m.id == product.mall_id)
            .ok_or_else(|| Error::NotFound(format!("mall {}", product.mall_id)))?;
        Ok((product, mall))
    }

    /// The click-out the shopper has not come back from yet, if any — also after the app was
    /// killed while they were at the mall: report its return with [`Moa::returned_from_mall`].
    pub fn pending_return(&self) -> Result<Option<String>> {
        Ok(self.saved_trip()?.map(|(id, _)| id))
    }

    /// The saved click-out not yet returned from: (outlink id, trip).
    fn saved_trip(&self) -> Result<Option<(String, Trip)>> {
        let saved = self.guard(self.store.setting(PENDING_OUTLINK_SETTING))?.unwrap_or_default();
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&saved) else { return Ok(None) };
        let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        Ok(match (field("id"), field("product"), field("mall"), v.get("left_at").and_then(|x| x.as_i64())) {
            (Some(id), Some(product), Some(mall), Some(left_at)) => Some((id, (product, mall, left_at))),
            _ => None,
        })
    }

    /// Whether the shopper agreed that their behaviour events may leave the device.
    pub fn set_event_consent(&self, granted: bool) -> Result<()> {
        self.guard(self.store.set_setting(CONSENT_SETTING, if granted { "granted" } else { "refused" }))
    }

    pub fn event_consent(&self) -> Result<bool> {
        Ok(self.guard(self.store.setting(CONSENT_SETTING))?.as_deref() == Some("granted"))
    }

    /// Send the events not yet sent, in batches, only with consent (without it: nothing leaves
    /// and the report says so). Safe to repeat: the server counts each event id once.
    pub async fn upload_events(&self) -> Result<UploadReport> {
        let api = self.api()?;
        let mut report = UploadReport { consent: self.event_consent()?, ..Default::default() };
        if !report.consent {
            return Ok(report);
        }
        let cancel = CancellationToken::new();
        loop {
            let store = Arc::clone(&self.store);
            let pending = self.guard(store::blocking(&store, |s| s.pending_events(wire::MAX_EVENT_BATCH)).await)?;
            if pending.is_empty() {
                return Ok(report);
            }
            let (ids, events): (Vec<i64>, Vec<wire::UploadedEvent>) = pending.into_iter().unzip();
            let batch = wire::EventBatch { install_id: self.config.install_id.clone(), events };
            let result = api.post_events(&batch, &cancel).await?;
            self.guard(store::blocking(&store, move |s| s.mark_uploaded(&ids)).await)?;
            report.sent += batch.events.len() as u64;
            report.duplicates += result.duplicates;
        }
    }

    /// Onboarding: the shopper's gender, age band and styles. An empty profile means a guest,
    /// who gets the default persona until behaviour says otherwise.
    pub fn set_profile(&self, profile: &ShopperProfile) -> Result<()> {
        let json = serde_json::to_string(profile).map_err(|e| Error::Internal(e.to_string()))?;
        self.guard(self.store.set_setting(PROFILE_SETTING, &json))?;
        self.changes.notify(ChangeKind::Feed);
        Ok(())
    }

    /// The words onboarding and the search filters offer, with their labels in the shopper's
    /// language.
    pub fn vocabulary(&self) -> Vocabulary {
        Vocabulary::new(self.locale)
    }

    /// The onboarding profile (empty for a guest who skipped it).
    pub fn profile(&self) -> Result<ShopperProfile> {
        Ok(self
            .guard(self.store.setting(PROFILE_SETTING))?
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default())
    }

    fn personal(&self) -> MutexGuard<'_, Personal> {
        self.personal.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Gather what the ranker reads and run `work` with it.
    fn compose<T>(&self, work: impl FnOnce(&feed::FeedContext<'_>, &mut Personal) -> T) -> Result<T> {
        let mut personal = self.personal();
        if personal.catalog.is_none() {
            let catalog = CatalogIndex::build(
                self.store.in_stock_products()?,
                self.store.malls()?,
                &self.store.population_stats()?,
            );
            let mut taste = Taste::new(catalog.malls.len(), self.now_ms());
            for (at, event) in self.store.profile_events()? {
                taste.learn(at, &event, &catalog);
            }
            personal.catalog = Some(Arc::new(catalog));
            personal.taste = Some(taste);
            personal.session = None;
            personal.home = None;
            personal.search_scores = None;
        }
        let catalog = personal.catalog.clone().expect("built above");
        let taste = personal.taste.clone().expect("built with the catalog");
        let stated = self.profile()?;
        let guest = stated.is_empty();
        let profile = if guest { ShopperProfile::guest_default() } else { stated };
        let excluded = self.store.exclusions()?;
        let impressions = self.store.impressions()?;
        let followed = self.store.followed_mall_ids()?;
        let wishlist = self.store.wishlist()?;
        let image_meta = self.images.metas()?;
        let now = self.config.clock.now_secs();
        let ctx = feed::FeedContext {
            catalog: &catalog,
            taste: &taste,
            profile: &profile,
            guest,
            excluded: &excluded,
            impressions: &impressions,
            followed: &followed,
            wishlist: &wishlist,
            image_meta: &image_meta,
            locale: self.locale,
            now,
            seed: feed::daily_seed(&self.config.install_id, now),
        };
        Ok(work(&ctx, &mut personal))
    }

    /// Search the cached catalog (offline too). The first page of a query is recorded as a
    /// search event. A search still running when the next keystroke's starts is cancelled
    /// ([`Error::Cancelled`]).
    pub fn search(&self, query: &search::SearchQuery) -> Result<search::SearchResults> {
        let text = query.text.trim().to_string();
        let how = if search::is_chosung_query(&text) { search::Match::Chosung } else { search::Match::Exact };
        let mut hits = self.guard(self.store.search_products(&text, how, &query.filter, search::MAX_CANDIDATES))?;
        let capped = hits.len() >= search::MAX_CANDIDATES;
        let mut typo_tolerant = false;
        let letters = text.chars().filter(|c| !c.is_whitespace()).count();
        let allowed = search::typos_allowed(letters);
        if how == search::Match::Exact && hits.len() < 5 && allowed > 0 {
            // The words as typed find (almost) nothing: products sharing three letters with them,
            // kept when a stretch of their title or brand is within the typos allowed.
            let seen: HashSet<String> = hits.iter().map(|h| h.id.clone()).collect();
            let mut near: Vec<(usize, search::SearchHit)> = self
                .guard(self.store.search_products(
                    &text,
                    search::Match::AnyTrigram,
                    &query.filter,
                    search::TYPO_CANDIDATES,
                ))?
                .into_iter()
                .filter(|h| !seen.contains(&h.id))
                .filter_map(|h| {
                    let distance = search::best_window_distance(&text, &h.title)
                        .min(h.brand.as_deref().map_or(usize::MAX, |b| search::best_window_distance(&text, b)));
                    (distance <= allowed).then_some((distance, h))
                })
                .collect();
            near.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.rank.total_cmp(&b.1.rank)));
            typo_tolerant = !near.is_empty();
            hits.extend(near.into_iter().map(|(_, h)| h));
        }
        let limit = query.limit.clamp(1, 100) as usize;
        let offset = query.offset as usize;
        let results = self.guard(self.compose(|ctx, personal| {
            let excluded = ctx.excluded;
            let hits: Vec<&search::SearchHit> = hits
                .iter()
                .filter(|h| !excluded.products.contains(&h.id) && !excluded.malls.contains(&h.mall_id))
                .collect();
            let mut order: Vec<usize> = (0..hits.len()).collect();
            match query.sort {
                search::SearchSort::Relevance => {
                    // Text rank (the order SQL returned, typo matches after) blended with the
                    // shopper's taste, so that among equal matches theirs come first.
                    let scores =
                        personal.search_scores.get_or_insert_with(|| Arc::new(feed::personal_scores(ctx))).clone();
                    let n = hits.len().max(1) as f32;
                    let value: Vec<f32> = (0..hits.len())
                        .map(|k| {
                            let text_rank = 1.0 - k as f32 / n;
                            let taste = ctx.catalog.get(&hits[k].id).map_or(0.0, |i| scores[i as usize]);
                            0.7 * text_rank + 0.3 * taste
                        })
                        .collect();
                    order.sort_by(|&a, &b| value[b].total_cmp(&value[a]));
                }
                search::SearchSort::Newest => order.sort_by_key(|&k| std::cmp::Reverse(hits[k].created_at)),
                search::SearchSort::PriceLow => order.sort_by_key(|&k| hits[k].price),
                search::SearchSort::PriceHigh => order.sort_by_key(|&k| std::cmp::Reverse(hits[k].price)),
            }
            let cards = order
                .iter()
                .skip(offset)
                .take(limit)
                .filter_map(|&k| ctx.catalog.get(&hits[k].id))
                .map(|i| feed::search_card(ctx, i))
                .collect();
            search::SearchResults { total: hits.len() as u64, capped, cards, typo_tolerant }
        }))?;
        // One search event per query typed: the same query run again (results refreshed after a
        // heart was tapped, the tab shown again) is not another search.
        let mut last = self.last_search.lock().unwrap_or_else(|e| e.into_inner());
        if offset == 0 && !text.is_empty() && *last != text {
            *last = text.clone();
            drop(last);
            self.record(Event::Search { query: text })?;
        }
        Ok(results)
    }

    /// A mall's page (from a mall card, the sheet or the malls tab): what it is, whether the
    /// shopper follows it, and its first `limit` products in this shopper's order. From the
    /// cache, offline too; `NotFound` for a mall the catalog does not have.
    pub fn mall_page(&self, mall_id: &str, limit: u32) -> Result<MallPage> {
        let page = self.guard(self.compose(|ctx, _| {
            ctx.catalog.mall_by_id.get(mall_id).map(|&m| feed::mall_page(ctx, m, limit.clamp(1, 200) as usize))
        }))?;
        page.ok_or_else(|| Error::NotFound(format!("mall {mall_id}")))
    }

    /// Malls by name, id or initials, forgiving a typo.
    pub fn search_malls(&self, text: &str) -> Result<Vec<search::MallHit>> {
        Ok(search::match_malls(&self.guard(self.store.malls())?, text, self.locale))
    }

    /// One product from the cache, for the product sheet.
    pub fn product(&self, product_id: &str) -> Result<Product> {
        self.guard(self.store.product(product_id))?.ok_or_else(|| Error::NotFound(format!("product {product_id}")))
    }

    /// The product sheet: the product as the shopper reads it, from the cache, with its heart and
    /// its mall's follow as they are now. Opening it starts the clock of the view:
    /// [`Moa::sheet_closed`] records how long it was looked at.
    pub fn product_sheet(&self, product_id: &str) -> Result<ProductSheet> {
        let product = self.product(product_id)?;
        let malls = self.guard(self.store.malls())?;
        let listings = self.guard(self.store.same_item_listings(&product))?;
        let mut sheet = ProductSheet::with_listings(&product, &malls, &listings, self.locale);
        sheet.wishlisted = self.guard(self.store.is_wishlisted(product_id))?;
        sheet.mall_followed = self.guard(self.store.followed_mall_ids())?.contains(&sheet.mall_id);
        // Read again while open (a heart tapped), the sheet keeps the time it was opened at.
        let opened = self.now_ms();
        self.outlinks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .sheets_open
            .entry(product_id.to_string())
            .or_insert(opened);
        Ok(sheet)
    }

    /// The product sheet was closed: the view is recorded with how long it was open (false when
    /// no sheet of that product was open).
    pub fn sheet_closed(&self, product_id: &str) -> Result<bool> {
        let opened = self.outlinks.lock().unwrap_or_else(|e| e.into_inner()).sheets_open.remove(product_id);
        let Some(opened) = opened else { return Ok(false) };
        let dwell_ms = (self.now_ms() - opened).max(0) as u64;
        self.record(Event::ProductView { product_id: product_id.to_string(), dwell_ms })?;
        Ok(true)
    }

    /// 찜: add a product (optionally a chosen size/colour) to the wishlist. Local and instant.
    pub fn add_to_wishlist(&self, product_id: &str, variant_id: Option<&str>) -> Result<()> {
        self.guard(self.store.add_to_wishlist(product_id, variant_id, self.now_ms()))?;
        self.changes.notify(ChangeKind::Wishlist);
        self.record(Event::WishlistAdd { product_id: product_id.to_string() })
    }

    pub fn remove_from_wishlist(&self, product_id: &str) -> Result<bool> {
        let removed = self.guard(self.store.remove_from_wishlist(product_id, self.now_ms()))?;
        if removed {
            self.changes.notify(ChangeKind::Wishlist);
            self.record(Event::WishlistRemove { product_id: product_id.to_string() })?;
        }
        Ok(removed)
    }

    /// The wishlist, newest first; delisted products still show from their snapshot.
    pub fn wishlist(&self) -> Result<Vec<WishlistItem>> {
        self.guard(self.store.wishlist())
    }

    pub fn follow_mall(&self, mall_id: &str) -> Result<()> {
        self.guard(self.store.follow_mall(mall_id, self.now_ms()))?;
        self.changes.notify(ChangeKind::FollowedMalls);
        self.record(Event::FollowMall { mall_id: mall_id.to_string() })
    }

    pub fn unfollow_mall(&self, mall_id: &str) -> Result<bool> {
        let removed = self.guard(self.store.unfollow_mall(mall_id, self.now_ms()))?;
        if removed {
            self.changes.notify(ChangeKind::FollowedMalls);
            self.record(Event::UnfollowMall { mall_id: mall_id.to_string() })?;
        }
        Ok(removed)
    }

    pub fn followed_malls(&self) -> Result<Vec<FollowedMall>> {
        self.guard(self.store.followed_malls())
    }

    /// Run SQLite's full consistency check (slow: call it in the background). Damage found is
    /// recorded, and the next `open` recovers the file.
    pub fn verify_integrity(&self) -> Result<bool> {
        let problems = self.guard(self.store.integrity_check())?;
        if !problems.is_empty() {
            self.store.mark_damaged(&problems.join("; "));
        }
        Ok(problems.is_empty())
    }

    /// The time by the config's clock, in milliseconds since the epoch.
    fn now_ms(&self) -> i64 {
        self.config.clock.now_ms()
    }

    /// Every store error passes here: a damaged file is noted so that the next open recovers it.
    fn guard<T>(&self, result: Result<T>) -> Result<T> {
        self.store.guard(result)
    }
}
