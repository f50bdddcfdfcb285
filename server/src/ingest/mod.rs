//! Importers of partner malls' catalog feeds, in the formats malls really publish: Shopify
//! (storefront `/products.json`, Admin REST JSON, product-import CSV), Google Merchant Center
//! (RSS 2.0 / Atom XML with the `g:` namespace, and TSV), Naver Shopping EP 3.0 (full and
//! summary TSV) and Cafe24's product API JSON.
//!
//! Each format's reader turns bytes into [`Item`]s (what the feed says, as strings, with the row
//! it came from); `normalise` turns an item into Moa's [`Product`] using the mall's
//! [`MallProfile`] (ids scoped by mall, prices, currency, stock per variant, categories and
//! styles through the mall's mapping table, links checked against the mall's hosts). A row that
//! cannot be used is skipped and reported with its line and reason; a feed that cannot be read at
//! all is rejected whole ([`FeedError`]) and changes nothing. [`CatalogDb::import`] then writes
//! exactly the differences into the change sequence the apps sync from.

mod cafe24;
mod merchant;
mod naver;
mod normalise;
mod photos;
pub mod price;
mod registry;
mod shopify;
mod text;
mod vocab;

use std::collections::{BTreeMap, HashMap, HashSet};

use moa_protocol::model::{AgeBand, Category, Gender, Mall, Platform, Product, Style};
use serde::{Deserialize, Serialize};

use crate::db::{CatalogDb, CatalogError};
use crate::same_item::SameItemGroups;
use moa_protocol::model::PhotoHash;
pub use photos::{hash_photos, PhotoOptions, PhotoReport};

pub use registry::ImportOutcome;

/// The feed formats Moa reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// A Shopify storefront's public `/products.json`.
    ShopifyProducts,
    /// Shopify Admin REST: `{"products": […]}` or `{"product": {…}}`.
    ShopifyAdmin,
    /// Shopify's product-import CSV (one row per variant, product fields on the first).
    ShopifyCsv,
    /// Google Merchant Center XML: RSS 2.0 or Atom with the `g:` namespace.
    MerchantXml,
    /// Google Merchant Center tab-separated feed.
    MerchantTsv,
    /// Naver Shopping EP 3.0, the full file: products missing from it are delisted.
    NaverEp,
    /// Naver Shopping EP 3.0 summary (incremental): `class` I/U/D with `update_time`.
    NaverEpSummary,
    /// Cafe24 product API JSON (`{"products": […]}` or `{"product": {…}}`, variants embedded or not).
    Cafe24,
}

impl Format {
    pub const ALL: [Format; 8] = [
        Format::ShopifyProducts,
        Format::ShopifyAdmin,
        Format::ShopifyCsv,
        Format::MerchantXml,
        Format::MerchantTsv,
        Format::NaverEp,
        Format::NaverEpSummary,
        Format::Cafe24,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::ShopifyProducts => "shopify-products",
            Format::ShopifyAdmin => "shopify-admin",
            Format::ShopifyCsv => "shopify-csv",
            Format::MerchantXml => "merchant-xml",
            Format::MerchantTsv => "merchant-tsv",
            Format::NaverEp => "naver-ep",
            Format::NaverEpSummary => "naver-ep-summary",
            Format::Cafe24 => "cafe24",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// Whether the feed is the whole catalog (missing products are delisted) or only changes.
    pub fn is_full(self) -> bool {
        self != Format::NaverEpSummary
    }
}

/// What Moa knows about a partner mall: what the apps see of it, and how to read its feeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MallProfile {
    pub id: String,
    pub name: String,
    pub platform: Platform,
    pub homepage: String,
    /// Hosts product links may point at (the homepage's host is always allowed).
    #[serde(default)]
    pub link_hosts: Vec<String>,
    /// The currency of prices written without one (and of a bare "$").
    #[serde(default = "default_currency")]
    pub currency: String,
    #[serde(default = "default_gender")]
    pub gender: Gender,
    #[serde(default)]
    pub styles: Vec<Style>,
    #[serde(default)]
    pub age_bands: Vec<AgeBand>,
    /// The mall's own words for categories (a category path segment, a product type, a tag, a
    /// Cafe24 category number) → Moa's category. Checked before the built-in table.
    #[serde(default)]
    pub category_map: BTreeMap<String, Category>,
    /// Where products whose category no table knows go; None: they are skipped and reported.
    #[serde(default)]
    pub default_category: Option<Category>,
    /// The mall's tags → Moa's style tags (the mall's own styles apply when none match).
    #[serde(default)]
    pub style_map: BTreeMap<String, Style>,
}

fn default_currency() -> String {
    "KRW".into()
}

fn default_gender() -> Gender {
    Gender::Women
}

impl MallProfile {
    /// The mall as the apps see it.
    pub fn mall(&self) -> Mall {
        let mut hosts = self.link_hosts.clone();
        if let Some(host) = url::Url::parse(&self.homepage).ok().and_then(|u| u.host_str().map(str::to_string)) {
            if !hosts.contains(&host) {
                hosts.insert(0, host);
            }
        }
        Mall {
            id: self.id.clone(),
            name: self.name.clone(),
            platform: self.platform,
            homepage: self.homepage.clone(),
            link_hosts: hosts,
            styles: self.styles.clone(),
            gender: self.gender,
            age_bands: self.age_bands.clone(),
        }
    }

    /// Problems that make the profile unusable.
    pub fn validate(&self) -> Result<(), String> {
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 40
            && self.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !id_ok {
            return Err(format!("mall id {:?}: 1 to 40 of a-z, 0-9, '-' and '_'", self.id));
        }
        if self.name.trim().is_empty() {
            return Err("the mall needs a name".into());
        }
        match url::Url::parse(&self.homepage) {
            Ok(u) if u.scheme() == "https" && u.host_str().is_some() => {}
            _ => return Err(format!("homepage {:?} is not an https URL", self.homepage)),
        }
        if moa_protocol::model::minor_digits(&self.currency) > 3 || self.currency.len() != 3 {
            return Err(format!("currency {:?} is not an ISO 4217 code", self.currency));
        }
        Ok(())
    }
}

/// One product as a feed describes it, before normalisation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Item {
    /// Where it came from in the file: line (text formats) or position (JSON), 1-based.
    pub line: usize,
    /// The mall's own product id.
    pub id: String,
    pub title: String,
    pub brand: Option<String>,
    /// As written: "39,800원", "$2,030", "5499.00", "3.99 AUD".
    pub price: Option<String>,
    /// The compare-at / normal / retail price, as written.
    pub original_price: Option<String>,
    /// The mall's category words (path segments, product type, Cafe24 numbers).
    pub categories: Vec<String>,
    pub tags: Vec<String>,
    pub gender: Option<String>,
    pub image_url: Option<String>,
    pub link: Option<String>,
    pub variants: Vec<ItemVariant>,
    /// Whether the product can be bought, when the feed says so for the product as a whole.
    pub available: Option<bool>,
    /// Unix seconds.
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
    pub sale_ends_at: Option<i64>,
    /// Summary feeds: insert/update or delete.
    pub delete: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemVariant {
    pub id: String,
    pub color: Option<String>,
    pub size: Option<String>,
    pub available: bool,
    /// A variant's own price, when the feed gives one (the product's is the lowest).
    pub price: Option<String>,
    pub original_price: Option<String>,
}

/// A row that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    pub line: usize,
    /// The mall's product id, when the row had one.
    pub id: Option<String>,
    pub reason: String,
}

/// What reading a feed produced: items, rows skipped, and notes about the file as a whole.
#[derive(Debug, Default)]
pub struct Parsed {
    pub items: Vec<Item>,
    pub problems: Vec<RowProblem>,
    pub notes: Vec<String>,
    /// Rows (or records) read, usable or not.
    pub rows: usize,
}

/// A feed that cannot be read at all: nothing of it is imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    #[error("the feed is not {format}: {reason}")]
    WrongFormat { format: &'static str, reason: String },
    #[error("the feed is too large: {what} (limit {limit})")]
    TooLarge { what: String, limit: u64 },
    #[error("the feed could not be fetched: {0}")]
    Fetch(String),
    #[error("the feed has no usable product: {0}")]
    Empty(String),
}

/// Limits that keep one bad feed from taking the server down.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: u64,
    pub max_rows: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: 256 * 1024 * 1024, max_rows: 1_000_000 }
    }
}

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

/// Read `bytes` as `format`: items and the rows that could not be used.
pub fn parse(format: Format, bytes: &[u8], limits: Limits) -> Result<Parsed, FeedError> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(FeedError::TooLarge { what: format!("{} bytes", bytes.len()), limit: limits.max_bytes });
    }
    let (text, encoding_note) = text::decode(bytes);
    let mut parsed = match format {
        Format::ShopifyProducts | Format::ShopifyAdmin => shopify::parse_json(format, &text)?,
        Format::ShopifyCsv => shopify::parse_csv(&text)?,
        Format::MerchantXml => merchant::parse_xml(&text)?,
        Format::MerchantTsv => merchant::parse_tsv(&text)?,
        Format::NaverEp | Format::NaverEpSummary => naver::parse(format, &text)?,
        Format::Cafe24 => cafe24::parse(&text)?,
    };
    if parsed.rows > limits.max_rows {
        return Err(FeedError::TooLarge { what: format!("{} rows", parsed.rows), limit: limits.max_rows as u64 });
    }
    if let Some(note) = encoding_note {
        parsed.notes.insert(0, note);
    }
    Ok(parsed)
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
        match normalise::normalise(item, mall, &homepage, &hosts, now) {
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
