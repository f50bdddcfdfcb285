//! Catalog sync: the server's change feed into the local cache.
//!
//! Each page is checked, then written together with its cursor in one transaction, so a sync
//! that stops anywhere resumes from the last committed page and a second run fetches only what
//! changed. A malformed product is skipped and reported with its id and reason; the rest of its
//! page is kept.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::api::{ApiClient, RawChangePage};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::wire::{Change, DEFAULT_PAGE_LIMIT};

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
    pub pages: u64,
    pub upserted: u64,
    pub deleted: u64,
    pub skipped: Vec<SkippedProduct>,
    pub cursor_before: u64,
    pub cursor_after: u64,
    pub products_in_cache: u64,
    #[serde(serialize_with = "millis")]
    pub took: Duration,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

pub(crate) async fn sync_catalog(api: &ApiClient, store: &Arc<Store>, page_limit: Option<u32>) -> Result<SyncReport> {
    let started = Instant::now();
    let limit = page_limit.unwrap_or(DEFAULT_PAGE_LIMIT);
    let mut report = SyncReport::default();

    let malls = api.malls().await?.malls;
    report.malls = malls.len() as u64;
    let known_malls: HashSet<String> = malls.iter().map(|m| m.id.clone()).collect();
    blocking(store, move |s| s.replace_malls(&malls)).await?;

    let mut cursor = blocking(store, |s| s.catalog_cursor()).await?;
    report.cursor_before = cursor;
    loop {
        let raw = api.catalog_changes(cursor, limit).await?;
        let more = raw.more;
        let next = raw.next;
        let (changes, skipped) = check_page(api, cursor, raw, &known_malls)?;
        let outcome = blocking(store, move |s| s.apply_catalog_page(&changes, next)).await?;
        report.pages += 1;
        report.upserted += outcome.upserted;
        report.deleted += outcome.deleted;
        report.skipped.extend(skipped);
        cursor = next;
        if !more {
            break;
        }
    }
    report.cursor_after = cursor;
    report.products_in_cache = blocking(store, |s| s.product_count()).await?;
    report.took = started.elapsed();
    Ok(report)
}

/// Read and check every change of a page. A page that breaks the protocol (sequence numbers out
/// of order or beyond `next`) is refused whole; a bad product inside a good page is skipped.
fn check_page(
    api: &ApiClient,
    after: u64,
    raw: RawChangePage,
    known_malls: &HashSet<String>,
) -> Result<(Vec<Change>, Vec<SkippedProduct>)> {
    if raw.next < after {
        return Err(Error::Protocol(format!("cursor went backwards: asked after {after}, got next {}", raw.next)));
    }
    if raw.more && raw.changes.is_empty() {
        return Err(Error::Protocol("empty page that claims more changes follow".into()));
    }
    let mut changes = Vec::with_capacity(raw.changes.len());
    let mut skipped = Vec::new();
    let mut last_seq = after;
    for value in raw.changes {
        let seq = value.get("seq").and_then(|s| s.as_u64());
        match seq {
            Some(seq) if seq > last_seq && seq <= raw.next => last_seq = seq,
            Some(seq) => {
                return Err(Error::Protocol(format!(
                    "change seq {seq} out of order (previous {last_seq}, page next {})",
                    raw.next
                )))
            }
            None => {
                skipped.push(SkippedProduct {
                    product_id: product_id_of(&value),
                    seq: None,
                    reason: "change without a seq".into(),
                });
                continue;
            }
        }
        let id = product_id_of(&value);
        let change = match serde_json::from_value::<Change>(value) {
            Ok(change) => change,
            Err(e) => {
                skipped.push(SkippedProduct { product_id: id, seq, reason: format!("unreadable change: {e}") });
                continue;
            }
        };
        match change {
            Change::Upsert { seq, mut product } => {
                let verdict = product.validate().and_then(|()| {
                    if known_malls.contains(&product.mall_id) {
                        Ok(())
                    } else {
                        Err(format!("unknown mall {:?}", product.mall_id))
                    }
                });
                match verdict {
                    Ok(()) => {
                        product.image_url = api.resolve(&product.image_url);
                        changes.push(Change::Upsert { seq, product });
                    }
                    Err(reason) => {
                        skipped.push(SkippedProduct { product_id: Some(product.id), seq: Some(seq), reason })
                    }
                }
            }
            delete @ Change::Delete { .. } => changes.push(delete),
        }
    }
    Ok((changes, skipped))
}

fn product_id_of(value: &serde_json::Value) -> Option<String> {
    value
        .get("product")
        .and_then(|p| p.get("id"))
        .or_else(|| value.get("product_id"))
        .and_then(|id| id.as_str())
        .map(str::to_string)
}

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
