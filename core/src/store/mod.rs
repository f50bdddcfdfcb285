//! The on-device SQLite cache: opening, migrating, and reading and writing the catalog.
//!
//! One writer connection (sync, user actions) and one reader connection (feed, product sheet),
//! both in WAL mode, so a long sync never blocks the home screen. The schema lives in `.sql`
//! files: `schema.sql` creates a fresh database at [`CURRENT_VERSION`]; `migrations/` upgrades an
//! older one step by step, and a test proves both roads end in the same schema.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::clock::SharedClock;
use crate::error::{Error, Result};
use moa_protocol::model::{AgeBand, Category, Gender, Mall, Money, Platform, Product, Style, Variant};
use moa_protocol::wire::{Change, PopulationStats};

/// Run store work on a blocking thread: SQLite must never stall the async runtime's workers.
pub(crate) async fn blocking<T, F>(store: &Arc<Store>, work: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&Store) -> Result<T> + Send + 'static,
{
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || work(&store))
        .await
        .map_err(|e| Error::Internal(format!("store task failed: {e}")))?
}

/// The schema version this code writes. Bump it with a new file in `migrations/`, update
/// `schema.sql`, and the upgrade test keeps both honest.
pub const CURRENT_VERSION: u32 = 13;

const SCHEMA: &str = include_str!("schema.sql");

/// Upgrade steps: `MIGRATIONS[i]` takes a database from version `i + 1` to `i + 2`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0002_user_data.sql"),
    include_str!("migrations/0003_malls_etag.sql"),
    include_str!("migrations/0004_events.sql"),
    include_str!("migrations/0005_personalisation.sql"),
    include_str!("migrations/0006_accounts_alerts.sql"),
    include_str!("migrations/0007_search.sql"),
    include_str!("migrations/0008_same_item.sql"),
    include_str!("migrations/0009_more_photos.sql"),
    include_str!("migrations/0010_working_set.sql"),
    include_str!("migrations/0011_visiting.sql"),
    include_str!("migrations/0012_orders.sql"),
    include_str!("migrations/0013_mall_contact.sql"),
];

// One upgrade step per version after the first, or an old database could not be opened.
const _: () = assert!(MIGRATIONS.len() == CURRENT_VERSION as usize - 1);

/// The catalog change feed's name in `sync_cursor`.
pub(crate) const CATALOG_FEED: &str = "catalog";
/// The setting that names the shelf the catalog sync follows ("" or absent: the whole catalog).
const CATALOG_SHELF: &str = "catalog_shelf";
/// The mall list's row in `sync_cursor` (it keeps only the list's ETag).
const MALLS_FEED: &str = "malls";
/// The population statistics' row in `sync_cursor` (ETag only).
const STATS_FEED: &str = "stats";
/// The settings key of the session model's parameters the server sent with the stats.
pub(crate) const SESSION_MODEL_SETTING: &str = "stats.session_model";

mod alerts;
mod budget;
mod lists;
mod orders;
mod recovery;
pub(crate) mod search;
mod user;

pub use recovery::Recovery;
pub use user::{Exclusions, FollowedMall, RecentView, WishlistItem};

/// The snapshot of product `p` (joined with its mall `m`) that the wishlist keeps, as SQL.
pub(crate) const SNAPSHOT_JSON: &str = "json_object('title', p.title, 'image_url', p.image_url, \
     'price', p.price, 'original_price', p.original_price, 'currency', p.currency, 'mall_id', p.mall_id, \
     'mall_name', coalesce(m.name, p.mall_id), 'product_url', p.product_url)";

pub struct Store {
    path: PathBuf,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    /// Search's own reader: interrupting a search (a newer keystroke) never stops the feed's
    /// query, and a search never waits for a feed.
    search_reader: Mutex<Connection>,
    recovery: Option<Recovery>,
    /// Stops a search still running on the search reader when a newer one starts.
    search_interrupt: rusqlite::InterruptHandle,
    searching: std::sync::atomic::AtomicBool,
    /// What "now" is for this store's records (the config's clock).
    clock: SharedClock,
}

impl Store {
    /// Open the database at `path`, creating or upgrading it. A damaged or foreign file is moved
    /// aside and replaced by a fresh database carrying what could be salvaged of the shopper's
    /// data (see [`Store::recovery`]); a database from a newer app is refused and left alone.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with_clock(path, SharedClock::system())
    }

    /// [`Store::open`] with the clock that stamps sync times, alerts and recovered files.
    ///
    /// A recovery is resumable: the damaged file is listed as pending before it is moved aside,
    /// and every open carries the pending files' rows into the database until one restore
    /// commits. A full disk (or a crash) halfway loses nothing; a later open finishes the job.
    pub fn open_with_clock(path: &Path, clock: SharedClock) -> Result<Store> {
        let marker = recovery::damage_marker(path);
        let (mut store, reason) = if marker.exists() {
            let found = std::fs::read_to_string(&marker).unwrap_or_default();
            recovery::move_aside(path, clock.now_secs())?;
            let _ = std::fs::remove_file(&marker);
            (Store::open_unchecked(path, clock)?, Some(format!("damage found while running: {}", found.trim())))
        } else {
            match Store::open_unchecked(path, clock.clone()) {
                Ok(store) => (store, None),
                Err(e) if e.is_corruption() => {
                    recovery::move_aside(path, clock.now_secs())?;
                    (Store::open_unchecked(path, clock)?, Some(e.to_string()))
                }
                Err(e) => return Err(e),
            }
        };
        let reason = reason.unwrap_or_else(|| "an earlier recovery did not finish (the disk was full?)".into());
        let rescued = recovery::rescue(&mut store.writer(), path, reason)?;
        store.recovery = rescued;
        Ok(store)
    }

    fn open_unchecked(path: &Path, clock: SharedClock) -> Result<Store> {
        let writer = Connection::open(path)?;
        configure(&writer)?;
        migrate(&writer)?;
        search::catch_up(&writer, clock.now_secs())?;
        let reader = Connection::open(path)?;
        configure(&reader)?;
        let search_reader = Connection::open(path)?;
        configure(&search_reader)?;
        let search_interrupt = search_reader.get_interrupt_handle();
        Ok(Store {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            search_reader: Mutex::new(search_reader),
            recovery: None,
            search_interrupt,
            searching: std::sync::atomic::AtomicBool::new(false),
            clock,
        })
    }

    /// What opening had to do about a damaged or foreign file, if anything.
    pub fn recovery(&self) -> Option<&Recovery> {
        self.recovery.as_ref()
    }

    /// Record that the file was found damaged while running: the next open moves it aside and
    /// salvages the shopper's data (a live connection cannot safely swap its file).
    pub fn mark_damaged(&self, reason: &str) {
        let _ = std::fs::write(recovery::damage_marker(&self.path), reason);
    }

    /// SQLite's own consistency check (reads the whole file: run it in the background).
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        // On a connection of its own: the reader's FTS5 keeps a cached copy of the search
        // index's structure that PRAGMA integrity_check does not refresh after another
        // connection wrote (searches do), which reads as a false "checksum mismatch".
        let conn = Connection::open(&self.path)?;
        configure(&conn)?;
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let problems: Vec<String> = rows.collect::<rusqlite::Result<_>>()?;
        Ok(if problems == ["ok"] { Vec::new() } else { problems })
    }

    pub(crate) fn writer(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite itself consistent (the transaction rolls
        // back on drop), so a poisoned lock is safe to take over.
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn reader(&self) -> MutexGuard<'_, Connection> {
        self.reader.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn search_reader(&self) -> MutexGuard<'_, Connection> {
        self.search_reader.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Where the catalog sync left off: the seq of the last change committed.
    pub fn catalog_cursor(&self) -> Result<u64> {
        Ok(feed_cursor(&self.reader(), CATALOG_FEED)?.unwrap_or(0) as u64)
    }

    /// The catalog feed the sync follows from now on — a segment's shelf, or "" for the whole
    /// catalog — and the cursor to go on from: where it left off on the same feed, the beginning
    /// on another (a cursor means nothing on a feed it was not read from).
    pub fn follow_catalog_feed(&self, shelf: &str) -> Result<u64> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let followed = read_setting(&tx, CATALOG_SHELF)?.unwrap_or_default();
        if followed != shelf {
            // What the old feed brought goes, but for what the shopper needs; the new feed's
            // products are indexed for search from the start (their seqs can be old ones).
            tx.execute_batch(&format!(
                "DELETE FROM product_search WHERE rowid IN (SELECT rowid FROM products p WHERE NOT ({NEEDED}));
                 DELETE FROM products AS p WHERE NOT ({NEEDED});"
            ))?;
            tx.execute("DELETE FROM sync_cursor WHERE feed IN (?1, ?2)", [CATALOG_FEED, search::SEARCH_FEED])?;
            write_setting(&tx, CATALOG_SHELF, shelf)?;
        }
        let cursor = feed_cursor(&tx, CATALOG_FEED)?;
        tx.commit()?;
        Ok(cursor.unwrap_or(0) as u64)
    }

    /// The ETag of the mall list we hold, to ask the server whether it changed.
    pub fn malls_etag(&self) -> Result<Option<String>> {
        self.etag(MALLS_FEED)
    }

    pub fn stats_etag(&self) -> Result<Option<String>> {
        self.etag(STATS_FEED)
    }

    fn etag(&self, feed: &str) -> Result<Option<String>> {
        let etag: Option<Option<String>> =
            self.reader().query_row("SELECT etag FROM sync_cursor WHERE feed = ?1", [feed], |r| r.get(0)).optional()?;
        Ok(etag.flatten())
    }

    /// Replace the population statistics (a cache of the server's) in one transaction.
    pub fn replace_stats(&self, stats: &PopulationStats, etag: Option<&str>) -> Result<()> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM population_sessions", [])?;
        tx.execute("DELETE FROM segment_popularity", [])?;
        {
            let mut session = tx.prepare("INSERT INTO population_sessions (id, items) VALUES (?1, ?2)")?;
            for (id, items) in stats.sessions.iter().enumerate() {
                session.execute(params![id as i64, to_json(items)])?;
            }
            let mut popular =
                tx.prepare("INSERT INTO segment_popularity (segment, rank, product_id) VALUES (?1, ?2, ?3)")?;
            for (segment, products) in &stats.segments {
                for (rank, product) in products.iter().enumerate() {
                    popular.execute(params![segment, rank as i64, product])?;
                }
            }
        }
        match &stats.session_model {
            Some(model) => write_setting(&tx, SESSION_MODEL_SETTING, &to_json(model))?,
            None => {
                tx.execute("DELETE FROM settings WHERE key = ?1", [SESSION_MODEL_SETTING])?;
            }
        }
        tx.execute(
            "INSERT INTO sync_cursor (feed, cursor, synced_at, etag) VALUES (?1, 0, ?3, ?2)
             ON CONFLICT (feed) DO UPDATE SET synced_at = excluded.synced_at, etag = excluded.etag",
            params![STATS_FEED, etag, self.clock.now_secs()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The population statistics held, as the server sent them.
    pub fn population_stats(&self) -> Result<PopulationStats> {
        let conn = self.reader();
        let mut stats = PopulationStats::default();
        let mut stmt = conn.prepare("SELECT items FROM population_sessions ORDER BY id")?;
        for items in stmt.query_map([], |r| r.get::<_, String>(0))? {
            stats.sessions.push(from_json_col(&items?, 0)?);
        }
        let mut stmt = conn.prepare("SELECT segment, product_id FROM segment_popularity ORDER BY segment, rank")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            let (segment, product) = row?;
            stats.segments.entry(segment).or_default().push(product);
        }
        // Unreadable (written by a newer app, say): the device's own defaults rank instead.
        stats.session_model =
            read_setting(&conn, SESSION_MODEL_SETTING)?.and_then(|json| serde_json::from_str(&json).ok());
        Ok(stats)
    }

    /// When a catalog sync last committed a page (Unix seconds).
    pub fn catalog_synced_at(&self) -> Result<Option<i64>> {
        Ok(self
            .reader()
            .query_row("SELECT synced_at FROM sync_cursor WHERE feed = ?1", [CATALOG_FEED], |r| r.get(0))
            .optional()?)
    }

    /// Replace the mall list with the server's (malls are few; a whole swap is simplest and atomic).
    pub fn replace_malls(&self, malls: &[Mall], etag: Option<&str>) -> Result<()> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM malls", [])?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO malls (id, name, platform, homepage, link_hosts, styles, gender, age_bands, contact)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for m in malls {
                insert.execute(params![
                    m.id,
                    m.name,
                    m.platform.as_str(),
                    m.homepage,
                    to_json(&m.link_hosts),
                    to_json(&m.styles),
                    m.gender.as_str(),
                    to_json(&m.age_bands),
                    m.contact.as_ref().map(to_json),
                ])?;
            }
        }
        tx.execute(
            "INSERT INTO sync_cursor (feed, cursor, synced_at, etag) VALUES (?1, 0, ?3, ?2)
             ON CONFLICT (feed) DO UPDATE SET synced_at = excluded.synced_at, etag = excluded.etag",
            params![MALLS_FEED, etag, self.clock.now_secs()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Passes `result` through; a corrupt database seen in it marks the store damaged, so the
    /// next open recovers it.
    pub(crate) fn guard<T>(&self, result: Result<T>) -> Result<T> {
        if let Err(e) = &result {
            if e.is_corruption() {
                self.mark_damaged(&e.to_string());
            }
        }
        result
    }

    /// Apply one page of validated changes and move the cursor to `next`, in one transaction:
    /// a crash leaves either the whole page and its cursor, or neither.
    pub fn apply_catalog_page(&self, changes: &[Change], next: u64) -> Result<PageOutcome> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Alerts are found in the same transaction: a page and the news it carries commit together.
        let watched = alerts::watch(&tx, changes)?;
        let mut outcome = apply_changes(&tx, changes)?;
        outcome.alerts = alerts::detect(&tx, &watched, changes, self.clock.now_ms())?;
        // Wishlisted products keep an up-to-date snapshot, so that they still show, as last seen,
        // once delisted. The wishlist is small; one statement per page is enough.
        if let Some(first) = changes.first() {
            // Driven by the wishlist's rows (few) with primary-key lookups into the catalog (many).
            tx.execute(
                &format!(
                    "UPDATE wishlist SET snapshot = (SELECT {SNAPSHOT_JSON} FROM products p LEFT JOIN malls m ON m.id = p.mall_id
                                                   WHERE p.id = wishlist.product_id)
                     WHERE EXISTS (SELECT 1 FROM products p WHERE p.id = wishlist.product_id AND p.seq >= ?1)"
                ),
                [first.seq() as i64],
            )?;
        }
        tx.execute(
            "INSERT INTO sync_cursor (feed, cursor, synced_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (feed) DO UPDATE SET cursor = excluded.cursor, synced_at = excluded.synced_at",
            params![CATALOG_FEED, next as i64, self.clock.now_secs()],
        )?;
        tx.commit()?;
        Ok(outcome)
    }

    pub fn malls(&self) -> Result<Vec<Mall>> {
        let conn = self.reader();
        let mut stmt = conn.prepare(
            "SELECT id, name, platform, homepage, link_hosts, styles, gender, age_bands, contact FROM malls ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Mall {
                id: r.get(0)?,
                name: r.get(1)?,
                platform: vocab_col(Platform::parse, &r.get::<_, String>(2)?, 2)?,
                homepage: r.get(3)?,
                link_hosts: from_json_col(&r.get::<_, String>(4)?, 4)?,
                styles: from_json_col(&r.get::<_, String>(5)?, 5)?,
                gender: vocab_col(Gender::parse, &r.get::<_, String>(6)?, 6)?,
                age_bands: from_json_col(&r.get::<_, String>(7)?, 7)?,
                // Unreadable (a newer server's shape): no contact shown rather than no malls.
                contact: r.get::<_, Option<String>>(8)?.and_then(|c| serde_json::from_str(&c).ok()),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn product(&self, id: &str) -> Result<Option<Product>> {
        let conn = self.reader();
        let sql = format!("SELECT {PRODUCT_COLUMNS} FROM products WHERE id = ?1");
        Ok(conn.query_row(&sql, [id], product_from_row).optional()?)
    }

    /// The other listings of the same item (the server's same-item group), in stock, cheapest first.
    pub fn same_item_listings(&self, product: &Product) -> Result<Vec<Product>> {
        let Some(key) = &product.same_item else { return Ok(Vec::new()) };
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {PRODUCT_COLUMNS} FROM products
             WHERE same_item = ?1 AND id != ?2 AND in_stock = 1 ORDER BY price, id"
        ))?;
        let rows = stmt.query_map(params![key, product.id], product_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every cached product, by id. For tests and diagnostics, not for screens.
    pub fn all_products(&self) -> Result<Vec<Product>> {
        self.query_products("1 = 1 ORDER BY id")
    }

    /// Products that can be bought now: the feed's candidates.
    pub fn in_stock_products(&self) -> Result<Vec<Product>> {
        self.query_products("in_stock = 1")
    }

    pub fn product_count(&self) -> Result<u64> {
        let n: i64 = self.reader().query_row("SELECT count(*) FROM products", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    fn query_products(&self, filter: &str) -> Result<Vec<Product>> {
        let conn = self.reader();
        let mut stmt = conn.prepare(&format!("SELECT {PRODUCT_COLUMNS} FROM products WHERE {filter}"))?;
        let rows = stmt.query_map([], product_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// What one page did to the cache.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PageOutcome {
    pub upserted: u64,
    pub deleted: u64,
    /// New alerts about wishlisted products.
    pub alerts: u64,
}

/// Where a feed's sync left off (None: never synced), read on any connection or transaction.
pub(crate) fn feed_cursor(conn: &Connection, feed: &str) -> Result<Option<i64>> {
    Ok(conn.query_row("SELECT cursor FROM sync_cursor WHERE feed = ?1", [feed], |r| r.get(0)).optional()?)
}

/// A setting's value, read on any connection or transaction.
pub(crate) fn read_setting(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

/// A setting written (or replaced), on any connection or transaction.
pub(crate) fn write_setting(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Whether product `p` must stay whatever the working set: the wishlist's, the followed malls'
/// and every product the shopper's events name (views, unsent or not).
const NEEDED: &str = "EXISTS (SELECT 1 FROM wishlist w WHERE w.product_id = p.id)
     OR EXISTS (SELECT 1 FROM events e WHERE e.product_id = p.id)
     OR EXISTS (SELECT 1 FROM followed_malls f WHERE f.mall_id = p.mall_id)";

/// A product as a sync writes it: every column, replaced whole. The feed's (`visiting` 0)
/// always; a search's (`visiting`: when it came, Unix ms) only over another search's, never over
/// what the feed keeps fresh.
const UPSERT_PRODUCT: &str =
    "INSERT INTO products (id, mall_id, title, brand, category, styles, gender, age_bands, price,
         original_price, currency, image_url, product_url, variants, in_stock, created_at,
         updated_at, popularity, seq, sale_ends_at, sizes_in_stock, colors, image_hash, same_item,
         more_image_urls, visiting)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22,
             ?23, ?24, ?25, ?26)
     ON CONFLICT (id) DO UPDATE SET
         mall_id = excluded.mall_id, title = excluded.title, brand = excluded.brand,
         category = excluded.category, styles = excluded.styles, gender = excluded.gender,
         age_bands = excluded.age_bands, price = excluded.price,
         original_price = excluded.original_price, currency = excluded.currency,
         image_url = excluded.image_url, product_url = excluded.product_url,
         variants = excluded.variants, in_stock = excluded.in_stock,
         created_at = excluded.created_at, updated_at = excluded.updated_at,
         popularity = excluded.popularity, seq = excluded.seq, sale_ends_at = excluded.sale_ends_at,
         sizes_in_stock = excluded.sizes_in_stock, colors = excluded.colors,
         image_hash = excluded.image_hash, same_item = excluded.same_item,
         more_image_urls = excluded.more_image_urls, visiting = excluded.visiting
     WHERE excluded.visiting = 0 OR products.visiting > 0";

fn apply_changes(tx: &Transaction<'_>, changes: &[Change]) -> Result<PageOutcome> {
    let mut outcome = PageOutcome::default();
    let mut upsert = tx.prepare_cached(UPSERT_PRODUCT)?;
    let (mut delete, mut rowid_of, mut unindex) = (
        tx.prepare_cached("DELETE FROM products WHERE id = ?1")?,
        tx.prepare_cached("SELECT rowid FROM products WHERE id = ?1")?,
        tx.prepare_cached("DELETE FROM product_search WHERE rowid = ?1")?,
    );
    // A product out of the cache and out of the search index; the rows removed.
    let mut remove = |id: &str| -> Result<usize> {
        if let Some(rowid) = rowid_of.query_row([id], |r| r.get::<_, i64>(0)).optional()? {
            unindex.execute([rowid])?;
        }
        Ok(delete.execute([id])?)
    };
    let mut needed =
        tx.prepare_cached(&format!("SELECT EXISTS (SELECT 1 FROM products p WHERE p.id = ?1 AND ({NEEDED}))"))?;
    for change in changes {
        match change {
            Change::Upsert { seq, product: p } => {
                upsert_product(&mut upsert, p, *seq, 0)?;
                // The search index catches up after the sync's pages (by seq): the page's
                // transaction stays as short as the home feed needs it.
                outcome.upserted += 1;
            }
            Change::Delete { product_id, .. } => {
                remove(product_id)?;
                outcome.deleted += 1;
            }
            // Out of the working set: still sold, kept only when the shopper needs it here.
            Change::Leave { product_id, .. } => {
                if !needed.query_row([product_id], |r| r.get::<_, bool>(0))? {
                    outcome.deleted += remove(product_id)? as u64;
                }
            }
        }
    }
    Ok(outcome)
}

/// Write product `p` (its change's `seq`) with `UPSERT_PRODUCT`; `visiting`: 0 for the feed's,
/// else when a search (or the reserve, or viewed-together) brought it, Unix ms.
fn upsert_product(upsert: &mut rusqlite::CachedStatement<'_>, p: &Product, seq: u64, visiting: i64) -> Result<()> {
    upsert.execute(params![
        p.id,
        p.mall_id,
        p.title,
        p.brand,
        p.category.as_str(),
        to_json(&p.styles),
        p.gender.as_str(),
        to_json(&p.age_bands),
        p.price.amount,
        p.original_price.as_ref().map(|m| m.amount),
        p.price.currency,
        p.image_url,
        p.product_url,
        to_json(&p.variants),
        p.in_stock(),
        p.created_at,
        p.updated_at,
        p.popularity,
        seq as i64,
        p.sale_ends_at,
        search::delimited(p.variants.iter().filter(|v| v.available).filter_map(|v| v.size.as_deref())),
        search::delimited(p.variants.iter().filter_map(|v| v.color.as_deref())),
        p.image_hash.map(|h| h.to_hex()),
        p.same_item,
        to_json(&p.more_image_urls),
        visiting,
    ])?;
    Ok(())
}

const PRODUCT_COLUMNS: &str = "id, mall_id, title, brand, category, styles, gender, age_bands, price, \
     original_price, currency, image_url, product_url, variants, created_at, updated_at, popularity, sale_ends_at, \
     image_hash, same_item, more_image_urls";

fn product_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Product> {
    product_from_row_at(r, 0)
}

/// A product from PRODUCT_COLUMNS starting at column `at`.
fn product_from_row_at(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Product> {
    let currency: String = r.get(at + 10)?;
    Ok(Product {
        id: r.get(at)?,
        mall_id: r.get(at + 1)?,
        title: r.get(at + 2)?,
        brand: r.get(at + 3)?,
        category: vocab_col(Category::parse, &r.get::<_, String>(at + 4)?, at + 4)?,
        styles: from_json_col::<Vec<Style>>(&r.get::<_, String>(at + 5)?, at + 5)?,
        gender: vocab_col(Gender::parse, &r.get::<_, String>(at + 6)?, at + 6)?,
        age_bands: from_json_col::<Vec<AgeBand>>(&r.get::<_, String>(at + 7)?, at + 7)?,
        price: Money { amount: r.get(at + 8)?, currency: currency.clone() },
        original_price: r.get::<_, Option<i64>>(at + 9)?.map(|amount| Money { amount, currency }),
        image_url: r.get(at + 11)?,
        product_url: r.get(at + 12)?,
        variants: from_json_col::<Vec<Variant>>(&r.get::<_, String>(at + 13)?, at + 13)?,
        created_at: r.get(at + 14)?,
        updated_at: r.get(at + 15)?,
        popularity: r.get(at + 16)?,
        sale_ends_at: r.get(at + 17)?,
        image_hash: r.get::<_, Option<String>>(at + 18)?.as_deref().and_then(moa_protocol::model::PhotoHash::from_hex),
        same_item: r.get(at + 19)?,
        more_image_urls: from_json_col::<Vec<String>>(&r.get::<_, String>(at + 20)?, at + 20)?,
    })
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("model types always serialise")
}

fn from_json_col<T: serde::de::DeserializeOwned>(text: &str, col: usize) -> rusqlite::Result<T> {
    serde_json::from_str(text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, Box::new(e)))
}

fn vocab_col<T>(parse: fn(&str) -> Option<T>, text: &str, col: usize) -> rusqlite::Result<T> {
    parse(text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            col,
            rusqlite::types::Type::Text,
            format!("unknown value {text:?}").into(),
        )
    })
}

fn configure(conn: &Connection) -> Result<()> {
    // WAL: readers never wait for the sync's writer. NORMAL is durable across app crashes (only an
    // OS crash can lose the last commits, which the next sync refetches). Android has no usable
    // temp directory, so temp tables stay in memory. The journal is bounded so it cannot eat storage.
    // Incremental auto-vacuum lets a cache over its budget shrink after evicting (it takes only
    // on a new, empty database; an older one keeps its setting and reuses freed pages).
    conn.execute_batch(
        "PRAGMA auto_vacuum = INCREMENTAL;
         PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA temp_store = MEMORY;
         PRAGMA journal_size_limit = 4194304;
         PRAGMA foreign_keys = ON;",
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

/// Bring the database to [`CURRENT_VERSION`] inside one IMMEDIATE transaction, so two processes
/// opening the same file cannot both migrate it.
pub(crate) fn migrate(conn: &Connection) -> Result<()> {
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    let version: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > CURRENT_VERSION {
        return Err(Error::NewerDatabase { found: version, supported: CURRENT_VERSION });
    }
    if version == 0 {
        let objects: i64 = tx.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        if objects > 0 {
            return Err(Error::ForeignDatabase);
        }
        tx.execute_batch(SCHEMA)?;
    } else {
        for step in version..CURRENT_VERSION {
            tx.execute_batch(MIGRATIONS[(step - 1) as usize])?;
        }
    }
    tx.pragma_update(None, "user_version", CURRENT_VERSION)?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A comparable description of a schema: every table's columns and every index's definition.
    fn describe_schema(conn: &Connection) -> Vec<String> {
        let mut out = Vec::new();
        let mut tables = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").unwrap();
        let names: Vec<String> = tables.query_map([], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect();
        for table in names {
            let mut cols = conn
                .prepare("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid")
                .unwrap();
            let rows = cols
                .query_map([&table], |r| {
                    Ok(format!(
                        "{table}.{} {} notnull={} default={:?} pk={}",
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, i64>(4)?
                    ))
                })
                .unwrap();
            out.extend(rows.map(|r| r.unwrap()));
        }
        let mut indexes =
            conn.prepare("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").unwrap();
        let rows = indexes
            .query_map([], |r| {
                let sql: Option<String> = r.get(2)?;
                let sql = sql.map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "));
                Ok(format!("index {} on {}: {:?}", r.get::<_, String>(0)?, r.get::<_, String>(1)?, sql))
            })
            .unwrap();
        out.extend(rows.map(|r| r.unwrap()));
        out
    }

    #[test]
    fn version_1_database_upgrades_to_exactly_the_fresh_schema() {
        let dir = tempfile::tempdir().unwrap();
        let old_path = dir.path().join("old.db");
        {
            let conn = Connection::open(&old_path).unwrap();
            conn.execute_batch(include_str!("schema_v1.sql")).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute("INSERT INTO sync_cursor (feed, cursor, synced_at) VALUES ('catalog', 42, 0)", []).unwrap();
        }
        let upgraded = Store::open(&old_path).unwrap();
        let fresh = Store::open(&dir.path().join("fresh.db")).unwrap();

        let upgraded_schema = describe_schema(&upgraded.reader());
        let fresh_schema = describe_schema(&fresh.reader());
        assert!(upgraded_schema.iter().any(|l| l.starts_with("wishlist.product_id")));
        assert_eq!(upgraded_schema, fresh_schema);
        let version: u32 = upgraded.reader().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, CURRENT_VERSION);
        // Version 8 asks for the catalog again from the start (the products cached before it
        // carry no photo hashes); the catalog is a cache, so nothing of the shopper's is lost.
        assert_eq!(upgraded.catalog_cursor().unwrap(), 0);
    }

    #[test]
    fn database_from_a_newer_app_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newer.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch("CREATE TABLE future_things (x TEXT)").unwrap();
            conn.pragma_update(None, "user_version", CURRENT_VERSION + 1).unwrap();
        }
        match Store::open(&path) {
            Err(Error::NewerDatabase { found, supported }) => {
                assert_eq!(found, CURRENT_VERSION + 1);
                assert_eq!(supported, CURRENT_VERSION);
            }
            Err(other) => panic!("expected NewerDatabase, got {other}"),
            Ok(_) => panic!("a newer database was opened"),
        }
        let err = Store::open(&path).err().unwrap().to_string();
        assert!(err.contains("newer than this app supports"), "{err}");
        let conn = Connection::open(&path).unwrap();
        let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, CURRENT_VERSION + 1);
        let tables: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'products'", [], |r| r.get(0)).unwrap();
        assert_eq!(tables, 0, "nothing of ours was written into the newer database");
    }

    #[test]
    fn foreign_sqlite_file_is_moved_aside_not_adopted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        Connection::open(&path).unwrap().execute_batch("CREATE TABLE notes (body TEXT)").unwrap();
        let store = Store::open(&path).unwrap();
        let recovery = store.recovery().expect("a recovery report");
        assert!(recovery.reason.contains("not one of Moa's"), "{}", recovery.reason);
        let kept = Connection::open(&recovery.moved_to).unwrap();
        let notes: i64 = kept.query_row("SELECT count(*) FROM notes", [], |r| r.get(0)).unwrap();
        assert_eq!(notes, 0, "the foreign file is kept as it was");
        assert_eq!(store.product_count().unwrap(), 0);
    }
}
