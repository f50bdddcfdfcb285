//! Search.

use super::*;

#[derive(uniffi::Enum)]
pub enum SearchSort {
    Relevance,
    Newest,
    PriceLow,
    PriceHigh,
}

/// A search: text (substrings, 초성 such as "ㅅㅌㅇㄴㄷ", one typo forgiven) and filters. Empty
/// text with filters lists what passes them.
#[derive(uniffi::Record)]
pub struct SearchRequest {
    pub text: String,
    /// "outer", "top", "dress", "pants", "skirt", "bag", "shoes", "accessory".
    pub category: Option<String>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub color: Option<String>,
    /// A size that must be in stock.
    pub size: Option<String>,
    pub mall_id: Option<String>,
    /// A style word, e.g. "lovely".
    pub style: Option<String>,
    pub sort: SearchSort,
    pub offset: u32,
    pub limit: u32,
}

#[derive(uniffi::Record)]
pub struct SearchResults {
    pub total: u64,
    /// More products matched than are ranked (500): show "500+".
    pub capped: bool,
    pub cards: Vec<FeedCard>,
    /// The words as typed found (almost) nothing; these forgive one typo ("혹시 이 상품?").
    pub typo_tolerant: bool,
}

#[derive(uniffi::Record)]
pub struct MallHit {
    pub mall_id: String,
    pub name: String,
    pub styles: Vec<String>,
}
