//! An import from end to end: a feed read, normalised for its mall, its photos hashed and its
//! items grouped with other malls' listings of the same item, and written as exactly the
//! changes since the last import.

use std::collections::{HashMap, HashSet};

use moa_protocol::model::{PhotoHash, Product};
use serde::Serialize;

use super::format::{parse, Format};
use super::normalise::normalise;
use super::{FeedError, Limits, MallProfile, Parsed, PhotoReport, RowProblem};
use crate::db::{CatalogDb, CatalogError};
use crate::same_item::SameItemGroups;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub mall_id: String,
    pub format: String,
    /// Rows or records read.
    pub read: usize,
    /// Products new or changed (each one change in the feed the apps sync from).
    pub imported: u64,
    /// Products exactly as they were.
    pub unchanged: u64,
    /// Products delisted (missing from a full feed, or deleted by a summary feed).
    pub delisted: u64,
    /// Photos fetched and hashed for this import, and those that could not be (the product is
    /// kept, without a hash, and shown on its own).
    pub photos_hashed: usize,
    pub photos_failed: usize,
    /// Products of this feed sold by other products too (one card per item in the apps).
    pub same_item: usize,
    pub skipped: Vec<RowProblem>,
    /// About the file as a whole: the encoding it was read in, links made https, …
    pub notes: Vec<String>,
}

/// The mall's products after reading `parsed`: normalised, repeated ids merged (the later row
/// wins), problems added to the reader's.
pub struct Normalised {
    pub products: Vec<Product>,
    /// Product ids a summary feed deletes.
    pub deletes: Vec<String>,
    pub problems: Vec<RowProblem>,
    /// Links that were http and became https.
    pub upgraded_links: usize,
}

pub fn products_of(parsed: &Parsed, mall: &MallProfile, now: i64) -> Normalised {
    let hosts = mall.mall().link_hosts;
    let homepage = match url::Url::parse(&mall.homepage) {
        Ok(u) => u,
        Err(e) => {
            let reason = format!("the mall's homepage {:?}: {e}", mall.homepage);
            let problems = parsed.items.iter().map(|i| RowProblem {
                line: i.line,
                id: Some(i.id.clone()),
                reason: reason.clone(),
            });
            return Normalised {
                products: Vec::new(),
                deletes: Vec::new(),
                problems: problems.collect(),
                upgraded_links: 0,
            };
        }
    };
    let mut out = Normalised {
        products: Vec::with_capacity(parsed.items.len()),
        deletes: Vec::new(),
        problems: parsed.problems.clone(),
        upgraded_links: 0,
    };
    let mut index: HashMap<String, usize> = HashMap::new();
    for item in &parsed.items {
        if item.delete {
            out.deletes.push(format!("{}-{}", mall.id, item.id.trim()));
            continue;
        }
        match normalise(item, mall, &homepage, &hosts, now) {
            Ok((product, was_http)) => {
                out.upgraded_links += was_http as usize;
                match index.get(&product.id) {
                    Some(&at) => {
                        out.problems.push(RowProblem {
                            line: item.line,
                            id: Some(item.id.clone()),
                            reason: "the same product id appears again; this later row replaces the earlier".into(),
                        });
                        out.products[at] = product;
                    }
                    None => {
                        index.insert(product.id.clone(), out.products.len());
                        out.products.push(product);
                    }
                }
            }
            Err(reason) => out.problems.push(RowProblem {
                line: item.line,
                id: Some(item.id.clone()).filter(|i| !i.is_empty()),
                reason,
            }),
        }
    }
    out.problems.sort_by_key(|p| p.line);
    out
}

/// Read a feed and import it for `mall_id` (registered with [`CatalogDb::put_mall_profile`]),
/// without fetching photos: products keep the photo hashes they had (same image URL).
pub fn ingest(
    catalog: &CatalogDb,
    mall_id: &str,
    format: Format,
    bytes: &[u8],
    limits: Limits,
    now: i64,
) -> Result<ImportReport, IngestError> {
    let prepared = prepare(catalog, mall_id, format, bytes, limits, now)?;
    commit(catalog, prepared, &PhotoReport::default(), now)
}

/// A feed read and normalised, not yet imported: its photos can be hashed in between.
pub struct Prepared {
    mall: MallProfile,
    format: Format,
    rows: usize,
    notes: Vec<String>,
    normalised: Normalised,
    /// The mall's listed products' photo URLs and hashes, read once for both steps that need them.
    known: HashMap<String, (String, PhotoHash)>,
}

/// Read and normalise a feed for `mall_id`.
pub fn prepare(
    catalog: &CatalogDb,
    mall_id: &str,
    format: Format,
    bytes: &[u8],
    limits: Limits,
    now: i64,
) -> Result<Prepared, IngestError> {
    let mall = catalog.mall_profile(mall_id)?.ok_or_else(|| IngestError::UnknownMall(mall_id.to_string()))?;
    let parsed = parse(format, bytes, limits)?;
    let normalised = products_of(&parsed, &mall, now);
    if normalised.products.is_empty() && format.is_full() {
        // Delisting a whole mall because its feed came back empty or unreadable would be a
        // disaster; an empty catalog must be said some other way.
        return Err(IngestError::Feed(FeedError::Empty(match normalised.problems.first() {
            Some(p) => {
                format!("all {} rows were skipped, e.g. line {}: {}", normalised.problems.len(), p.line, p.reason)
            }
            None => "no products in it".into(),
        })));
    }
    let known = known_photos(catalog, &mall.id)?;
    Ok(Prepared { mall, format, rows: parsed.rows, notes: parsed.notes, normalised, known })
}

impl Prepared {
    /// Image URLs to hash: those of products new to the catalog or whose photo changed. An
    /// unchanged feed needs no photo fetched again.
    pub fn photos_to_hash(&self) -> Vec<String> {
        let mut urls = Vec::new();
        let mut seen = HashSet::new();
        for p in &self.normalised.products {
            let hashed = self.known.get(&p.id).is_some_and(|(url, _)| *url == p.image_url);
            if !hashed && seen.insert(p.image_url.clone()) {
                urls.push(p.image_url.clone());
            }
        }
        urls
    }
}

/// The mall's listed products' photo URLs and hashes, by product id (those that have a hash).
fn known_photos(catalog: &CatalogDb, mall_id: &str) -> Result<HashMap<String, (String, PhotoHash)>, IngestError> {
    Ok(catalog
        .photo_hashes_of(mall_id)?
        .into_iter()
        .filter_map(|(id, url, hex)| Some((id, (url, PhotoHash::from_hex(&hex)?))))
        .collect())
}

/// Import a prepared feed with the photo hashes found for it; products whose photo has no new
/// hash keep the one they had for the same URL. Products whose photo is another's item are
/// grouped with it (and products of other malls that gain a partner are republished).
pub fn commit(
    catalog: &CatalogDb,
    prepared: Prepared,
    photos: &PhotoReport,
    now: i64,
) -> Result<ImportReport, IngestError> {
    let Prepared { mall, format, rows, mut notes, normalised: mut n, known } = prepared;
    for p in &mut n.products {
        p.image_hash = match photos.hashes.get(&p.image_url) {
            Some(hash) => Some(*hash),
            None => known.get(&p.id).filter(|(url, _)| *url == p.image_url).map(|(_, hash)| *hash),
        };
    }
    let regrouped = group_same_items(catalog, &mall.id, &mut n.products)?;
    let outcome = catalog.import(&mall.mall(), &n.products, &n.deletes, format.is_full(), now)?;
    for id in &outcome.foreign {
        let reason = "the id is another mall's product: not imported".to_string();
        n.problems.push(RowProblem { line: 0, id: Some(id.clone()), reason });
    }
    if !regrouped.is_empty() {
        catalog.upsert_products(&regrouped)?;
    }
    if n.upgraded_links > 0 {
        notes.push(format!("{} product links were http and are served as https", n.upgraded_links));
    }
    for (url, reason) in photos.failed.iter().take(5) {
        notes.push(format!("photo {url} not hashed: {reason}"));
    }
    Ok(ImportReport {
        mall_id: mall.id,
        format: format.as_str().into(),
        read: rows,
        imported: outcome.changed,
        unchanged: outcome.unchanged,
        delisted: outcome.delisted,
        photos_hashed: photos.hashes.len(),
        photos_failed: photos.failed.len(),
        same_item: n.products.iter().filter(|p| p.same_item.is_some()).count(),
        skipped: n.problems,
        notes,
    })
}

/// Place the feed's products among the catalog's same-item groups (built from every live
/// product, earliest first, so that keys stay as they were). Returns other malls' products
/// whose group key changed because one of these joined them.
fn group_same_items(catalog: &CatalogDb, mall_id: &str, products: &mut [Product]) -> Result<Vec<Product>, IngestError> {
    if products.iter().all(|p| p.image_hash.is_none()) {
        return Ok(Vec::new());
    }
    let existing: Vec<Product> = catalog.live_products()?.into_iter().filter(|p| p.mall_id != mall_id).collect();
    let mut groups = SameItemGroups::resume(&existing);
    for p in products.iter() {
        groups.add(p);
    }
    groups.label(products);
    let mut regrouped = Vec::new();
    for mut p in existing {
        let key = groups.key_of(&p.id);
        if key != p.same_item {
            p.same_item = key;
            regrouped.push(p);
        }
    }
    Ok(regrouped)
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Feed(#[from] FeedError),
    #[error("no mall {0:?} is registered (moa mall add)")]
    UnknownMall(String),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}
