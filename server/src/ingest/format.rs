//! The feed formats Moa reads, and reading a feed's bytes as one of them.

use serde::{Deserialize, Serialize};

use super::{cafe24, merchant, naver, shopify, text, FeedError, Limits, Parsed};

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
