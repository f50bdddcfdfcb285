//! The app protocol's messages (docs/PROTOCOL.md), shared by the server that writes them and
//! the client that reads them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Mall, Product};

/// `GET /v1/malls`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MallList {
    pub malls: Vec<Mall>,
}

/// One entry of the catalog change feed. Sequence numbers are strictly increasing within the feed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", try_from = "FlatChange")]
pub enum Change {
    Upsert { seq: u64, product: Product },
    Delete { seq: u64, product_id: String },
}

/// How a change is read: as one flat object. serde reads an internally tagged enum by first
/// buffering the whole object, which made reading a page several times slower than it needs to
/// be; a flat struct reads the product straight from the bytes.
#[derive(Deserialize)]
struct FlatChange {
    seq: u64,
    op: Op,
    product: Option<Product>,
    product_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Op {
    Upsert,
    Delete,
}

impl TryFrom<FlatChange> for Change {
    type Error = &'static str;

    fn try_from(c: FlatChange) -> Result<Self, Self::Error> {
        match (c.op, c.product, c.product_id) {
            (Op::Upsert, Some(product), _) => Ok(Change::Upsert { seq: c.seq, product }),
            (Op::Upsert, None, _) => Err("an upsert without a product"),
            (Op::Delete, _, Some(product_id)) => Ok(Change::Delete { seq: c.seq, product_id }),
            (Op::Delete, _, None) => Err("a delete without a product_id"),
        }
    }
}

impl Change {
    pub fn seq(&self) -> u64 {
        match self {
            Change::Upsert { seq, .. } | Change::Delete { seq, .. } => *seq,
        }
    }
}

/// `GET /v1/catalog/changes?after=SEQ&limit=N`. The client reads each change on its own
/// (as raw JSON) so that one malformed product is skipped and counted, not fatal to the page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangePage<C = Change> {
    pub changes: Vec<C>,
    /// The cursor to ask with next: the seq of the last change in this page, or `after` when empty.
    pub next: u64,
    /// Whether more changes exist after `next` right now.
    pub more: bool,
}

/// `GET /v1/stats`: what the population of shoppers does, for ranking on the device. Nothing
/// in it identifies a shopper: sessions are anonymous sequences of product ids.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PopulationStats {
    /// The most viewed products per segment ("women.early_20s"), most viewed first.
    pub segments: BTreeMap<String, Vec<String>>,
    /// Recent anonymous shopping sessions, oldest first: product ids in the order viewed.
    pub sessions: Vec<Vec<String>>,
}

/// The segment key of a gender and age band, as `PopulationStats::segments` uses it.
pub fn segment_key(gender: crate::model::Gender, age: crate::model::AgeBand) -> String {
    format!("{}.{}", gender.as_str(), age.as_str())
}

/// RFC 9457 problem details, served as `application/problem+json` for every error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// Largest page the server hands out; larger `limit`s are refused, not silently clamped.
pub const MAX_PAGE_LIMIT: u32 = 1000;
/// Page size when the client does not say.
pub const DEFAULT_PAGE_LIMIT: u32 = 500;
