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
mod format;
mod merchant;
mod naver;
mod normalise;
mod photos;
mod pipeline;
pub mod price;
mod profile;
mod registry;
mod shopify;
mod text;
mod vocab;

use serde::Serialize;

pub use format::{parse, Format};
pub use photos::{hash_photos, PhotoOptions, PhotoReport};
pub use pipeline::{commit, ingest, prepare, products_of, ImportReport, IngestError, Normalised, Prepared};
pub use profile::MallProfile;

pub use registry::ImportOutcome;

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
    /// The other photos, in the feed's order (the main one may be among them).
    pub more_image_urls: Vec<String>,
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
