//! How the apps (or the desktop CLI) open Moa: where its files live, the server, the language,
//! the network's patience, the rescue sheet's rules, the image budget and the clock.

use std::path::PathBuf;

use crate::api::ClientOptions;
use crate::clock::SharedClock;
use crate::outlink;

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
    /// A random id for this installation; it seeds the daily shuffle and stays on the device
    /// (events leave under the id the server registers, see `upload`).
    pub install_id: String,
    /// Timeouts and retries of the API client.
    pub network: ClientOptions,
    /// When a quick return from a mall earns a rescue sheet.
    pub rescue: outlink::RescueRules,
    /// Disk budget of the thumbnail cache, in bytes.
    pub image_cache_bytes: u64,
    /// What time it is: the device's clock, or a pinned one in tests and QA replays.
    pub clock: SharedClock,
    /// Hold a working set, not the whole catalog (issue #23): the sync follows the shelf the
    /// server keeps for the shopper's segment (gender and age band of the profile, the guest
    /// persona's until onboarding), the products that leave it go unless the shopper needs them.
    /// Off: the whole catalog, as the desktop and QA have it.
    pub working_set: bool,
    /// The most bytes the catalog cache may hold (the database file; thumbnails have their own
    /// budget). After a sync over it, the products this shopper is least likely to need go:
    /// sold-out ones first, then the lowest "for you" scores — never the wishlist's, the
    /// followed malls', or any the shopper's events name. None: no limit (the desktop, QA).
    pub cache_budget_bytes: Option<u64>,
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
            working_set: false,
            cache_budget_bytes: None,
        }
    }

    /// A config whose database is exactly `path` (the CLI's `--db`).
    pub fn with_database(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).map(PathBuf::from).unwrap_or_else(|| ".".into());
        let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| "moa.db".into());
        MoaConfig { database_file: file, ..MoaConfig::new(dir) }
    }

    /// Follow the shopper's segment's shelf instead of the whole catalog (see `working_set`).
    pub fn working_set(mut self, on: bool) -> Self {
        self.working_set = on;
        self
    }

    /// Keep the catalog cache under `bytes` (see `cache_budget_bytes`).
    pub fn cache_budget(mut self, bytes: u64) -> Self {
        self.cache_budget_bytes = Some(bytes);
        self
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
