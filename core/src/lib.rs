//! moa-core: everything the Moa apps do, in plain Rust.
//!
//! [`Moa`] is the one entry point: open it with a [`MoaConfig`], then sync the catalog from the
//! server into the on-device cache and read the home feed from that cache — offline too.
//! The Kotlin and Swift apps reach the same calls through `moa-ffi`.

pub mod api;
pub mod changes;
pub mod error;
pub mod events;
pub mod feed;
pub mod model;
pub mod rank;
pub mod replay;
pub mod runtime;
pub mod store;
pub mod sync;
pub mod wire;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

pub use api::{ClientOptions, RetryPolicy};
pub use changes::{ChangeKind, ChangeListener, Subscription};
pub use error::{Error, Result};
pub use events::Event;
pub use feed::{Card, FeedPage, Layout, ProductSheet, Section};
pub use model::Locale;
pub use store::{FollowedMall, ProductSnapshot, Recovery, WishlistItem};
pub use sync::{SkippedProduct, SyncListener, SyncOptions, SyncProgress, SyncReport};
pub use tokio_util::sync::CancellationToken;

use api::ApiClient;
use changes::ChangeHub;
use model::Product;
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
}

impl Moa {
    /// Open (or create) the cache and get ready to sync. Fast and local: no network here, so the
    /// app can show the cached home at once.
    pub fn open(config: MoaConfig) -> Result<Moa> {
        std::fs::create_dir_all(&config.data_dir)?;
        let store = Arc::new(Store::open(&config.database_path())?);
        let api =
            config.server_url.as_deref().map(|url| ApiClient::new(url, &config.network).map(Arc::new)).transpose()?;
        let locale = Locale::from_tag(&config.locale);
        Ok(Moa { config, locale, store, api, changes: ChangeHub::new() })
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
        let api = self.api.as_ref().ok_or_else(|| Error::InvalidInput("no server configured".into()))?;
        let result = self.guard(sync::sync_catalog(api, &self.store, options).await);
        if let Ok(report) = &result {
            if report.upserted + report.deleted > 0 {
                self.changes.notify(ChangeKind::Feed);
                self.changes.notify(ChangeKind::Wishlist);
            }
        }
        result
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
        self.guard(self.store.record_event(&event, &event_id, now_ms()))?;
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

    /// The home feed, composed from the cache. Synchronous and local: apps call it off the main
    /// thread and get an answer without the network.
    pub fn home_feed(&self) -> Result<FeedPage> {
        self.guard((|| {
            let products = self.store.in_stock_products()?;
            let malls = self.store.malls()?;
            let excluded = self.store.exclusions()?;
            Ok(feed::compose_home(&products, &malls, &excluded, self.locale, now()))
        })())
    }

    /// One product from the cache, for the product sheet.
    pub fn product(&self, product_id: &str) -> Result<Product> {
        self.guard(self.store.product(product_id))?.ok_or_else(|| Error::NotFound(format!("product {product_id}")))
    }

    /// The product sheet: the product as the shopper reads it, from the cache.
    pub fn product_sheet(&self, product_id: &str) -> Result<ProductSheet> {
        let product = self.product(product_id)?;
        let malls = self.guard(self.store.malls())?;
        Ok(ProductSheet::new(&product, malls.iter().find(|m| m.id == product.mall_id), self.locale))
    }

    /// 찜: add a product (optionally a chosen size/colour) to the wishlist. Local and instant.
    pub fn add_to_wishlist(&self, product_id: &str, variant_id: Option<&str>) -> Result<()> {
        self.guard(self.store.add_to_wishlist(product_id, variant_id, now()))?;
        self.changes.notify(ChangeKind::Wishlist);
        Ok(())
    }

    pub fn remove_from_wishlist(&self, product_id: &str) -> Result<bool> {
        let removed = self.guard(self.store.remove_from_wishlist(product_id))?;
        if removed {
            self.changes.notify(ChangeKind::Wishlist);
        }
        Ok(removed)
    }

    /// The wishlist, newest first; delisted products still show from their snapshot.
    pub fn wishlist(&self) -> Result<Vec<WishlistItem>> {
        self.guard(self.store.wishlist())
    }

    pub fn follow_mall(&self, mall_id: &str) -> Result<()> {
        self.guard(self.store.follow_mall(mall_id, now()))?;
        self.changes.notify(ChangeKind::FollowedMalls);
        Ok(())
    }

    pub fn unfollow_mall(&self, mall_id: &str) -> Result<bool> {
        let removed = self.guard(self.store.unfollow_mall(mall_id))?;
        if removed {
            self.changes.notify(ChangeKind::FollowedMalls);
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

    /// Every store error passes here: a damaged file is noted so that the next open recovers it.
    fn guard<T>(&self, result: Result<T>) -> Result<T> {
        if let Err(e) = &result {
            if e.is_corruption() {
                self.store.mark_damaged(&e.to_string());
            }
        }
        result
    }
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

pub(crate) fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
