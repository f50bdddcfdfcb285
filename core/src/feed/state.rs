//! What the ranker keeps in memory between calls.

use std::sync::Arc;

use super::{FeedPage, FeedSession};
use crate::profile::Taste;
use crate::rank::catalog::CatalogIndex;

/// The catalog index (rebuilt after a sync changes the catalog), the taste learned from events
/// (updated with each event), and the current home's paging state.
#[derive(Default)]
pub(crate) struct FeedState {
    pub catalog: Option<Arc<CatalogIndex>>,
    pub taste: Option<Taste>,
    pub session: Option<FeedSession>,
    /// Every product's taste score, for ranking search results (dropped when the taste moves).
    pub search_scores: Option<Arc<Vec<f32>>>,
    /// The home as the shopper has it now: composed, then paged and re-ranked.
    pub home: Option<FeedPage>,
}

impl FeedState {
    /// The catalog changed: the index and the taste over it are built again at the next feed.
    pub fn catalog_changed(&mut self) {
        self.catalog = None;
        self.taste = None;
    }
}
