//! The app protocol's messages (docs/PROTOCOL.md), shared by the server that writes them and
//! the client that reads them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Mall, Money, Product};

/// `GET /v1/malls`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MallList {
    pub malls: Vec<Mall>,
}

/// One entry of the catalog change feed. Sequence numbers are strictly increasing within the feed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", try_from = "FlatChange")]
// Upserts are nearly every change in a page, so boxing the product would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum Change {
    Upsert {
        seq: u64,
        product: Product,
    },
    Delete {
        seq: u64,
        product_id: String,
    },
    /// In a shelf's feed (`?shelf=`): the product left the shelf — still sold, no longer among
    /// what a phone of that segment holds. The device drops it unless the shopper needs it
    /// (wishlisted, viewed lately).
    Leave {
        seq: u64,
        product_id: String,
    },
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
    Leave,
}

impl TryFrom<FlatChange> for Change {
    type Error = &'static str;

    fn try_from(c: FlatChange) -> Result<Self, Self::Error> {
        match (c.op, c.product, c.product_id) {
            (Op::Upsert, Some(product), _) => Ok(Change::Upsert { seq: c.seq, product }),
            (Op::Upsert, None, _) => Err("an upsert without a product"),
            (Op::Delete, _, Some(product_id)) => Ok(Change::Delete { seq: c.seq, product_id }),
            (Op::Delete, _, None) => Err("a delete without a product_id"),
            (Op::Leave, _, Some(product_id)) => Ok(Change::Leave { seq: c.seq, product_id }),
            (Op::Leave, _, None) => Err("a leave without a product_id"),
        }
    }
}

impl Change {
    pub fn seq(&self) -> u64 {
        match self {
            Change::Upsert { seq, .. } | Change::Delete { seq, .. } | Change::Leave { seq, .. } => *seq,
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
    /// How the devices' session model should weigh these sessions, as the server tuned it on
    /// them (issue #18); absent from older servers: the device's own defaults stand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_model: Option<SessionModel>,
}

/// The session model's parameters chosen on the population's own sessions: the latest tenth
/// held out, each parameter tried in turn on predicting their next product.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SessionModel {
    /// Neighbour sessions kept.
    pub neighbours: u32,
    /// How fast the shopper's own earlier products count less.
    pub position_decay: f64,
    /// How fast a neighbour's products count less with their distance from the shared one.
    pub neighbour_position_decay: f64,
    /// How fast older neighbour sessions count less, in sessions.
    pub recency_decay: f64,
    /// Weight of rare products over common ones (0: none).
    pub rarity: f64,
    /// Weight of going back to the shared product itself.
    pub anchor: f64,
    /// Weight of products the shopper viewed again.
    pub repeat: f64,
    /// Sessions the choice was measured on, and how well it predicted their next product
    /// (hit rate and mean reciprocal rank at 20): for QA, not for ranking.
    pub holdout_sessions: u32,
    pub holdout_hit_rate: f64,
    pub holdout_mrr: f64,
}

/// The segment key of a gender and age band, as `PopulationStats::segments` uses it.
pub fn segment_key(gender: crate::model::Gender, age: crate::model::AgeBand) -> String {
    format!("{}.{}", gender.as_str(), age.as_str())
}

/// `GET /v1/products/{id}/live`: price and stock as the server knows them at this moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveProduct {
    pub product_id: String,
    pub price: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_price: Option<Money>,
    pub variants: Vec<crate::model::Variant>,
    /// Unix milliseconds the server last heard from the mall about this product.
    pub checked_at_ms: i64,
}

/// `POST /v1/events`: a batch of behaviour events, sent only with the shopper's consent.
/// Idempotent by `event_id`: a batch sent twice is counted once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventBatch {
    /// The install the server registered (`POST /v1/installs`); the only identifier that leaves
    /// the device. The request proves it with the install's key in [`INSTALL_KEY_HEADER`].
    pub install_id: String,
    pub events: Vec<UploadedEvent>,
    /// The device's clock when it sent the batch (Unix ms): the server moves every event by the
    /// difference to its own clock, so a phone set an hour wrong still counts its events on the
    /// right day and inside the upload window (older devices did not say: taken as is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at_ms: Option<i64>,
}

/// `POST /v1/installs`: the server's answer to a new install, kept by the device with its data.
/// Events are accepted only with the key, so nobody can send events as another install.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallCredential {
    pub install_id: String,
    pub key: String,
}

/// The header that carries an install's key with its event batches.
pub const INSTALL_KEY_HEADER: &str = "moa-install-key";
/// The install a request without a body speaks for (`GET /v1/me/orders`), with its key in
/// [`INSTALL_KEY_HEADER`].
pub const INSTALL_ID_HEADER: &str = "moa-install-id";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedEvent {
    pub event_id: String,
    pub at_ms: i64,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mall_id: Option<String>,
    /// Dwell time of a view; time away for a return from the mall.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dwell_ms: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventBatchResult {
    pub accepted: u64,
    pub duplicates: u64,
    /// Events the server would not keep: an unknown kind, a time outside any calendar, a field
    /// over its length (older servers did not say: 0).
    #[serde(default)]
    pub rejected: u64,
}

/// The behaviour event kinds the protocol carries (`UploadedEvent.kind`).
pub const EVENT_KINDS: &[&str] = &[
    "product_view",
    "wishlist_add",
    "wishlist_remove",
    "add_to_cart",
    "purchase",
    "search",
    "click_out",
    "not_interested",
    "hide_mall",
    "hide_style",
    "follow_mall",
    "unfollow_mall",
    "impression",
    "rescue_shown",
    "rescue_tapped",
    "rescue_dismissed",
    "returned_from_mall",
    // Nudges (issue #22): `nudge_{step}.{trigger}`, one kind per step (sent, opened, clicked)
    // and trigger, so a mall's numbers say which nudge worked.
    "nudge_sent.viewed_cheaper",
    "nudge_sent.last_size",
    "nudge_sent.cart_reminder",
    "nudge_opened.viewed_cheaper",
    "nudge_opened.last_size",
    "nudge_opened.cart_reminder",
    "nudge_clicked.viewed_cheaper",
    "nudge_clicked.last_size",
    "nudge_clicked.cart_reminder",
];

/// The longest event id, install id or product id a server keeps.
pub const MAX_EVENT_FIELD: usize = 200;
/// The longest dwell (or time away) an event counts for: a day.
pub const MAX_DWELL_MS: i64 = 86_400_000;
/// Event times a server keeps: from the epoch to the end of year 9999 (what SQLite's dates reach).
pub const EVENT_TIME_RANGE_MS: std::ops::RangeInclusive<i64> = 0..=253_402_300_799_999;
/// How old an event may be when it arrives (after the clock correction): thirty days. Older
/// ones (a device that was offline for months, or consent given long after) are rejected.
pub const EVENT_UPLOAD_WINDOW_MS: i64 = 30 * 86_400_000;
/// How far ahead of the server's clock an event may be (after the correction): five minutes.
pub const EVENT_FUTURE_SLACK_MS: i64 = 5 * 60_000;

/// Most events in one batch.
pub const MAX_EVENT_BATCH: usize = 1000;

/// `GET /v1/malls/{id}/stats`: what Moa's shoppers did with one mall on one day (Korean time).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MallDayStats {
    /// YYYY-MM-DD, Korean Standard Time.
    pub day: String,
    pub impressions: u64,
    pub product_views: u64,
    pub dwell_ms: u64,
    pub wishlist_adds: u64,
    pub click_outs: u64,
    /// Returns from the mall within a minute.
    pub quick_returns: u64,
    pub rescue_shown: u64,
    pub rescue_tapped: u64,
    /// Purchases recorded in the app.
    pub purchases: u64,
    /// Purchases the mall reported (`POST /v1/malls/{id}/conversions`), and their amount in
    /// minor units of KRW.
    pub reported_purchases: u64,
    pub reported_amount: i64,
    /// Per nudge trigger that day (issue #22): sent, opened, clicked through to the mall
    /// (counted only from shoppers who share their behaviour).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nudges: Vec<NudgeStats>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NudgeStats {
    /// `viewed_cheaper`, `last_size` or `cart_reminder`.
    pub trigger: String,
    pub sent: u64,
    pub opened: u64,
    pub clicked: u64,
}

/// `POST /v1/malls/{id}/conversions`: a purchase the mall reports for a Moa click-out (the
/// `moa_outlink` parameter of the link). Reported once per outlink.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversion {
    pub outlink_id: String,
    pub amount: Money,
    pub at_ms: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MallStats {
    pub mall_id: String,
    pub days: Vec<MallDayStats>,
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

/// `POST /v1/session`: sign in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignIn {
    pub username: String,
    pub password: String,
}

/// The answer to a sign-in. The token goes to the device's secret store and nowhere else.
#[derive(Clone, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    pub account_id: String,
    pub username: String,
    pub expires_at_ms: i64,
}

impl std::fmt::Debug for Session {
    // A session printed in a log or a panic message must not carry the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("token", &"<secret>")
            .field("account_id", &self.account_id)
            .field("username", &self.username)
            .field("expires_at_ms", &self.expires_at_ms)
            .finish()
    }
}

/// Which of the shopper's lists an operation changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// 찜: products, keyed by product id.
    Wishlist,
    /// Followed malls, keyed by mall id.
    Follows,
}

impl ListKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Wishlist => "wishlist",
            ListKind::Follows => "follows",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "wishlist" => Some(ListKind::Wishlist),
            "follows" => Some(ListKind::Follows),
            _ => None,
        }
    }
}

/// One change to a list, as the device recorded it. Applying an operation twice is applying it
/// once (the id), and of two operations on the same item the later one wins (`at_ms`, then the
/// id), whatever order they arrive in: devices and a guest's history merge without losing a
/// later remove to an earlier add.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListOp {
    pub op_id: String,
    /// Unix milliseconds on the device.
    pub at_ms: i64,
    /// true: add (찜, follow); false: remove.
    pub present: bool,
    /// The product id (wishlist) or mall id (follows).
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
    /// What the product looked like, so that another device shows it before its catalog has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<ProductSnapshot>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_at_add: Option<i64>,
}

/// `POST /v1/me/wishlist/ops` and `POST /v1/me/follows/ops`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListOpBatch {
    pub ops: Vec<ListOp>,
}

/// Operations a batch may carry at most.
pub const MAX_LIST_OP_BATCH: usize = 500;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListOpResult {
    /// Operations that changed the account's list.
    pub applied: u64,
    /// Operations the server already had (a retried batch).
    pub duplicates: u64,
    /// Operations older than what the account already holds for their item (a later change won).
    pub superseded: u64,
}

/// `GET /v1/me/wishlist` and `GET /v1/me/follows`: the items present, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountList {
    pub items: Vec<AccountItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountItem {
    pub target: String,
    /// When the operation that put it there happened (Unix milliseconds).
    pub at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<ProductSnapshot>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_at_add: Option<i64>,
}

/// What a wishlisted product looked like when last seen, so it still shows when delisted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSnapshot {
    pub title: String,
    pub image_url: String,
    pub price: i64,
    pub original_price: Option<i64>,
    pub currency: String,
    pub mall_id: String,
    pub mall_name: String,
    pub product_url: String,
}
