//! Catalog sync: the server's change feed into the local cache.
//!
//! Each page is checked, then written together with its cursor in one transaction, so a sync
//! that stops anywhere — killed, cut off, cancelled — resumes from the last committed page and a
//! second run fetches only what changed. A malformed product is skipped and reported with its id
//! and reason; the rest of its page is kept. Pages are fetched ahead while earlier ones are
//! written, and only a few are in memory at once, whatever the size of the catalog.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::api::{ApiClient, Conditional, RawChangePage};
use crate::error::{Error, Result};
use crate::store::{blocking, Store};
use moa_protocol::model::{Product, MAX_MORE_PHOTOS};
use moa_protocol::wire::{Change, DEFAULT_PAGE_LIMIT};

/// A product the sync could not take, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedProduct {
    /// The product id when the record had one that could be read.
    pub product_id: Option<String>,
    pub seq: Option<u64>,
    pub reason: String,
}

/// What a sync did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    pub malls: u64,
    /// The mall list was current (answered 304 to our ETag) and not downloaded again.
    pub malls_unchanged: bool,
    pub pages: u64,
    pub upserted: u64,
    pub deleted: u64,
    pub skipped: Vec<SkippedProduct>,
    /// New population statistics arrived (not a 304).
    pub stats_changed: bool,
    /// What the home is made of changed (products, malls or the population's tastes): show a
    /// new home. The one signal the apps reload on.
    pub feed_changed: bool,
    /// Anonymous population sessions in the new statistics.
    pub population_sessions: u64,
    /// Requests that failed transiently and were tried again.
    pub retries: u64,
    /// Response body bytes received (after decompression).
    pub bytes: u64,
    pub cursor_before: u64,
    pub cursor_after: u64,
    pub products_in_cache: u64,
    /// Products viewed together with the shopper's that the working set lacked, fetched (only
    /// for a shopper who shares behaviour).
    pub viewed_together_fetched: u64,
    /// Products taken out of the cache to keep it under its budget
    /// (`MoaConfig::cache_budget_bytes`).
    pub evicted: u64,
    /// Products (re)indexed for search after the pages.
    pub search_indexed: u64,
    /// How long that took (part of `took`).
    #[serde(serialize_with = "millis")]
    pub search_index_took: Duration,
    #[serde(serialize_with = "millis")]
    pub took: Duration,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

/// Where a running sync is, after each committed page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct SyncProgress {
    pub pages: u64,
    /// Products written or removed so far.
    pub products: u64,
    pub skipped: u64,
    pub bytes: u64,
    /// The committed cursor.
    pub cursor: u64,
}

/// Receives progress while a sync runs. Called from a runtime thread after each committed page
/// (a few times a second at most on a phone): keep it quick and hand work to the UI thread.
pub trait SyncListener: Send + Sync {
    fn on_progress(&self, progress: SyncProgress);
}

/// Options of one sync run.
#[derive(Clone, Default)]
pub struct SyncOptions {
    /// Changes per page; the client's default (500) when None.
    pub page_limit: Option<u32>,
    pub listener: Option<Arc<dyn SyncListener>>,
    /// Cancel to stop the sync: the page being written is finished or not started, never half.
    pub cancel: Option<CancellationToken>,
}

impl std::fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncOptions")
            .field("page_limit", &self.page_limit)
            .field("listener", &self.listener.is_some())
            .field("cancel", &self.cancel)
            .finish()
    }
}

/// Pages fetched ahead of the writer: enough to keep the network and the disk both busy, few
/// enough that memory stays flat whatever the size of the catalog.
const PAGES_AHEAD: usize = 2;

/// Sync the whole catalog, or with `shelf` the server's working set for one segment.
pub(crate) async fn sync_catalog(
    api: &Arc<ApiClient>,
    store: &Arc<Store>,
    options: SyncOptions,
    shelf: Option<String>,
) -> Result<SyncReport> {
    let started = Instant::now();
    let retries_before = api.retries();
    let bytes_before = api.bytes_received();
    let limit = options.page_limit.unwrap_or(DEFAULT_PAGE_LIMIT);
    let cancel = options.cancel.clone().unwrap_or_default();
    let mut report = SyncReport::default();

    let known_malls = sync_malls(api, store, &cancel, &mut report).await?;
    report.malls = known_malls.len() as u64;

    // A cursor belongs to the feed it was read from: another shelf (or the whole catalog after
    // one) starts from the beginning.
    let followed = shelf.clone().unwrap_or_default();
    let cursor = blocking(store, move |s| s.follow_catalog_feed(&followed)).await?;
    report.cursor_before = cursor;
    let mut committed = cursor;

    let (fetcher, mut pages) = fetch_pages_ahead(api, cursor, limit, shelf, &cancel, known_malls);
    let outcome: Result<()> = async {
        while let Some(page) = pages.recv().await {
            let page = page?;
            report.skipped.extend(page.skipped);
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let (changes, next, more) = (page.changes, page.next, page.more);
            // The write is always awaited to its end: a cancel lands between pages, never inside one.
            let written = blocking(store, move |s| s.apply_catalog_page(&changes, next)).await?;
            report.pages += 1;
            report.upserted += written.upserted;
            report.deleted += written.deleted;
            committed = next;
            report_progress(&options, &report, api.bytes_received() - bytes_before, committed);
            if !more {
                return Ok(());
            }
        }
        Err(Error::Internal("the page fetcher stopped early".into()))
    }
    .await;
    fetcher.abort();
    outcome?;

    // The search index catches up with the pages just written (timed apart: the home feed was
    // ready as soon as the pages were).
    let indexing = Instant::now();
    report.search_indexed = blocking(store, |s| s.catch_up_search_index()).await?;
    report.search_index_took = indexing.elapsed();

    sync_population(api, store, &cancel, &mut report).await?;

    report.cursor_after = committed;
    report.retries = api.retries() - retries_before;
    report.bytes = api.bytes_received() - bytes_before;
    report.products_in_cache = blocking(store, |s| s.product_count()).await?;
    report.took = started.elapsed();
    Ok(report)
}

/// The mall list, when it changed (an ETag says so); the ids of the malls known now.
async fn sync_malls(
    api: &Arc<ApiClient>,
    store: &Arc<Store>,
    cancel: &CancellationToken,
    report: &mut SyncReport,
) -> Result<HashSet<String>> {
    let etag = blocking(store, |s| s.malls_etag()).await?;
    let known_malls = match api.malls(etag.as_deref(), cancel).await? {
        Conditional::Changed { body: list, etag } => {
            let ids = list.malls.iter().map(|m| m.id.clone()).collect();
            blocking(store, move |s| s.replace_malls(&list.malls, etag.as_deref())).await?;
            ids
        }
        Conditional::NotModified => {
            report.malls_unchanged = true;
            blocking(store, |s| s.malls()).await?.into_iter().map(|m| m.id).collect()
        }
    };
    Ok(known_malls)
}

/// A task that reads pages ahead (fetch, decompress, parse, check) while the caller writes them
/// in order; the channel bounds how many wait in memory.
fn fetch_pages_ahead(
    api: &Arc<ApiClient>,
    mut cursor: u64,
    limit: u32,
    shelf: Option<String>,
    cancel: &CancellationToken,
    known_malls: HashSet<String>,
) -> (tokio::task::JoinHandle<()>, tokio::sync::mpsc::Receiver<Result<CheckedPage>>) {
    let (pages_tx, pages) = tokio::sync::mpsc::channel::<Result<CheckedPage>>(PAGES_AHEAD);
    let (api, cancel) = (Arc::clone(api), cancel.clone());
    let fetcher = tokio::spawn(async move {
        loop {
            let page = fetch_page(&api, cursor, limit, shelf.as_deref(), &cancel, &known_malls).await;
            let last = match &page {
                Ok(page) => {
                    cursor = page.next;
                    !page.more
                }
                Err(_) => true,
            };
            if pages_tx.send(page).await.is_err() || last {
                break;
            }
        }
    });
    (fetcher, pages)
}

/// What the population does (popularity per segment and anonymous sessions, for ranking), when
/// it changed.
async fn sync_population(
    api: &Arc<ApiClient>,
    store: &Arc<Store>,
    cancel: &CancellationToken,
    report: &mut SyncReport,
) -> Result<()> {
    let etag = blocking(store, |s| s.stats_etag()).await?;
    match api.stats(etag.as_deref(), cancel).await? {
        Conditional::Changed { body, etag } => {
            report.population_sessions = body.sessions.len() as u64;
            blocking(store, move |s| s.replace_stats(&body, etag.as_deref())).await?;
            report.stats_changed = true;
        }
        Conditional::NotModified => {}
    }
    Ok(())
}

fn report_progress(options: &SyncOptions, report: &SyncReport, bytes: u64, cursor: u64) {
    if let Some(listener) = &options.listener {
        listener.on_progress(SyncProgress {
            pages: report.pages,
            products: report.upserted + report.deleted,
            skipped: report.skipped.len() as u64,
            bytes,
            cursor,
        });
    }
}

/// A fetched page, checked and ready to write.
struct CheckedPage {
    changes: Vec<Change>,
    skipped: Vec<SkippedProduct>,
    next: u64,
    more: bool,
}

/// How many times a page that breaks the protocol is fetched again before the sync gives up:
/// a garbled page is more often a proxy's fault than the server's, and the request is idempotent.
const PROTOCOL_RETRIES: u32 = 2;

async fn fetch_page(
    api: &ApiClient,
    after: u64,
    limit: u32,
    shelf: Option<&str>,
    cancel: &CancellationToken,
    known_malls: &HashSet<String>,
) -> Result<CheckedPage> {
    let mut attempt = 0;
    loop {
        let raw = api.catalog_changes(after, limit, shelf, cancel).await?;
        let (next, more) = (raw.next, raw.more);
        match check_page(api, after, raw, known_malls) {
            Ok((changes, skipped)) => return Ok(CheckedPage { changes, skipped, next, more }),
            Err(Error::Protocol(_)) if attempt < PROTOCOL_RETRIES => {
                attempt += 1;
                api.note_retry();
            }
            Err(e) => return Err(e),
        }
    }
}

/// Read and check every change of a page. A page that breaks the protocol (sequence numbers out
/// of order, repeated, or not ending at `next`) is refused whole; a bad product inside a good
/// page is skipped.
fn check_page(
    api: &ApiClient,
    after: u64,
    raw: RawChangePage,
    known_malls: &HashSet<String>,
) -> Result<(Vec<Change>, Vec<SkippedProduct>)> {
    if raw.next < after {
        return Err(Error::Protocol(format!("cursor went backwards: asked after {after}, got next {}", raw.next)));
    }
    if raw.changes.is_empty() && (raw.more || raw.next != after) {
        return Err(Error::Protocol(format!("empty page with next {} after {after} (more: {})", raw.next, raw.more)));
    }
    let mut changes = Vec::with_capacity(raw.changes.len());
    let mut skipped = Vec::new();
    let mut last_seq = after;
    for text in raw.changes {
        // The typed read is the fast path; only a change that fails it is looked at as loose
        // JSON, to find its seq and id for the report.
        let (seq, parsed) = match serde_json::from_str::<Change>(text.get()) {
            Ok(change) => (change.seq(), Ok(change)),
            Err(e) => {
                let value: serde_json::Value = serde_json::from_str(text.get())
                    .map_err(|e| Error::Protocol(format!("a change that is not JSON: {e}")))?;
                let seq = value
                    .get("seq")
                    .and_then(|s| s.as_u64())
                    .ok_or_else(|| Error::Protocol("a change without a seq".into()))?;
                (seq, Err((product_id_of(&value), e)))
            }
        };
        if seq <= last_seq || seq > raw.next {
            return Err(Error::Protocol(format!(
                "change seq {seq} out of order (previous {last_seq}, page next {})",
                raw.next
            )));
        }
        last_seq = seq;
        let change = match parsed {
            Ok(change) => change,
            Err((id, e)) => {
                skipped.push(SkippedProduct {
                    product_id: id,
                    seq: Some(seq),
                    reason: format!("unreadable change: {e}"),
                });
                continue;
            }
        };
        match change {
            Change::Upsert { seq, product } => match accept(api, product, known_malls) {
                Ok(product) => changes.push(Change::Upsert { seq, product }),
                Err((id, reason)) => skipped.push(SkippedProduct { product_id: Some(id), seq: Some(seq), reason }),
            },
            delete @ (Change::Delete { .. } | Change::Leave { .. }) => changes.push(delete),
        }
    }
    if last_seq != raw.next {
        // A page whose cursor jumps past its last change would make us skip changes we never saw.
        return Err(Error::Protocol(format!("page ends at seq {last_seq} but says next is {}", raw.next)));
    }
    Ok((changes, skipped))
}

/// A product as the cache may keep it: valid, of a mall we know, its photos' addresses
/// absolute. Refused: its id and why.
fn accept(
    api: &ApiClient,
    mut product: Product,
    known_malls: &HashSet<String>,
) -> std::result::Result<Product, (String, String)> {
    let verdict = product.validate().and_then(|()| {
        if known_malls.contains(&product.mall_id) {
            Ok(())
        } else {
            Err(format!("unknown mall {:?}", product.mall_id))
        }
    });
    match verdict {
        Ok(()) => {
            resolve_photos(api, &mut product);
            Ok(product)
        }
        Err(reason) => Err((product.id, reason)),
    }
}

/// The upserts of a page answered out of sequence order (a search, products by id, a shelf's
/// reserve), each checked as a sync checks it; what fails is left out.
pub(crate) fn accepted_upserts(
    api: &ApiClient,
    raw: RawChangePage,
    known_malls: &HashSet<String>,
) -> Vec<(u64, Product)> {
    let mut found = Vec::with_capacity(raw.changes.len());
    for text in raw.changes {
        if let Ok(Change::Upsert { seq, product }) = serde_json::from_str::<Change>(text.get()) {
            if let Ok(product) = accept(api, product, known_malls) {
                found.push((seq, product));
            }
        }
    }
    found
}

/// Photo addresses relative to the API server made absolute; the gallery capped.
fn resolve_photos(api: &ApiClient, product: &mut Product) {
    let absolute = |url: &str| url.starts_with("https://") || url.starts_with("http://");
    if !absolute(&product.image_url) {
        product.image_url = api.resolve(&product.image_url);
    }
    product.more_image_urls.truncate(MAX_MORE_PHOTOS);
    for url in &mut product.more_image_urls {
        if !absolute(url) {
            *url = api.resolve(url);
        }
    }
}

fn product_id_of(value: &serde_json::Value) -> Option<String> {
    value
        .get("product")
        .and_then(|p| p.get("id"))
        .or_else(|| value.get("product_id"))
        .and_then(|id| id.as_str())
        .map(str::to_string)
}
