//! Search, as the shopper types: substrings of titles, brands, malls, categories and colours
//! (Korean ones included: trigrams need no word breaks), initial consonants (초성: "ㅅㅌㅇㄴㄷ"
//! finds 스타일난다), one typo forgiven when the exact words find (almost) nothing, filters,
//! sorting — relevance personalised by the same taste as the home feed — and pages. Malls too.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::error::Result;
use crate::events::Event;
use crate::feed::state::FeedState;
use crate::feed::{self, FeedContext};
use crate::parts::Parts;

pub use crate::store::search::{Match, SearchFilter, SearchHit};
pub use crate::text::{best_window_distance, chosung, edit_distance, is_chosung_query, typos_allowed};

/// How results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum SearchSort {
    /// Text match first, then the shopper's taste (the home feed's scores).
    #[default]
    Relevance,
    Newest,
    PriceLow,
    PriceHigh,
}

#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub text: String,
    pub filter: SearchFilter,
    pub sort: SearchSort,
    pub offset: u32,
    /// Results per page (1..=100).
    pub limit: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    /// All results, over every page (at most the candidates ranked; see `capped`).
    pub total: u64,
    /// The query matched more products than are ranked (500): the shopper sees the best of
    /// them; "500+" is the honest count, and a filter narrows it.
    pub capped: bool,
    pub cards: Vec<feed::Card>,
    /// The words as typed found (almost) nothing; these forgive one typo.
    pub typo_tolerant: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MallHit {
    pub mall_id: String,
    pub name: String,
    /// The mall's styles in the shopper's language.
    pub styles: Vec<String>,
}

/// Candidates the ranking looks at, at most (25 pages of 20). Broad words ("원피스") match tens
/// of thousands of products; ranking them all would cost the 20 ms a keystroke may take.
pub(crate) const MAX_CANDIDATES: usize = 500;
/// Candidates of the typo pass: those sharing the most three-letter runs with the query.
pub(crate) const TYPO_CANDIDATES: usize = 300;

/// Malls whose name (or id, or initials) has `text` in it, or is one typo away.
pub fn match_malls(
    malls: &[moa_protocol::model::Mall],
    text: &str,
    locale: moa_protocol::model::Locale,
) -> Vec<MallHit> {
    let q = text.trim().to_lowercase();
    if q.is_empty() {
        return Vec::new();
    }
    let initials_query: String = q.chars().filter(|c| !c.is_whitespace()).collect();
    let by_initials = is_chosung_query(&q);
    let mut exact = Vec::new();
    let mut near = Vec::new();
    for m in malls {
        let name = m.name.to_lowercase();
        let hit = if by_initials {
            chosung(&m.name).contains(&initials_query)
        } else {
            name.contains(&q) || m.id.contains(&q)
        };
        let hit_entry = || MallHit {
            mall_id: m.id.clone(),
            name: m.name.clone(),
            styles: m.styles.iter().map(|s| s.label(locale).to_string()).collect(),
        };
        if hit {
            exact.push(hit_entry());
        } else if !by_initials {
            let allowed = typos_allowed(q.chars().count());
            if allowed > 0 && best_window_distance(&q, &name).min(best_window_distance(&q, &m.id)) <= allowed {
                near.push(hit_entry());
            }
        }
    }
    let seen: HashSet<String> = exact.iter().map(|h| h.mall_id.clone()).collect();
    exact.extend(near.into_iter().filter(|h| !seen.contains(&h.mall_id)));
    exact
}

/// Search the cached catalog (offline too). The first page of a query is recorded as a search
/// event, once per query typed (`last_search` holds the last one recorded). A search still
/// running when the next keystroke's starts is cancelled ([`crate::Error::Cancelled`]).
pub(crate) fn run(parts: &Parts, last_search: &Mutex<String>, query: &SearchQuery) -> Result<SearchResults> {
    let text = query.text.trim().to_string();
    let (hits, capped, typo_tolerant) = candidates(parts, &text, &query.filter)?;
    let (limit, offset) = (query.limit.clamp(1, 100) as usize, query.offset as usize);
    let results = parts.compose(|ctx, state| {
        let hits: Vec<&SearchHit> = hits
            .iter()
            .filter(|h| !ctx.excluded.products.contains(&h.id) && !ctx.excluded.malls.contains(&h.mall_id))
            .collect();
        let order = order(ctx, state, &hits, query.sort);
        let cards = order
            .iter()
            .skip(offset)
            .take(limit)
            .filter_map(|&k| ctx.catalog.get(&hits[k].id))
            .map(|i| feed::search_card(ctx, i))
            .collect();
        SearchResults { total: hits.len() as u64, capped, cards, typo_tolerant }
    })?;
    // One search event per query typed: the same query run again (results refreshed after a
    // heart was tapped, the tab shown again) is not another search.
    let mut last = last_search.lock().unwrap_or_else(|e| e.into_inner());
    if offset == 0 && !text.is_empty() && *last != text {
        *last = text.clone();
        drop(last);
        parts.record(Event::Search { query: text })?;
    }
    Ok(results)
}

/// The candidates in the store's text-rank order, whether there were more than are ranked, and
/// whether the typo pass found them: when the words as typed find (almost) nothing, products
/// sharing three letters with them are kept when a stretch of their title or brand is within
/// the typos allowed.
fn candidates(parts: &Parts, text: &str, filter: &SearchFilter) -> Result<(Vec<SearchHit>, bool, bool)> {
    let how = if is_chosung_query(text) { Match::Chosung } else { Match::Exact };
    let mut hits = parts.guard(parts.store.search_products(text, how, filter, MAX_CANDIDATES))?;
    let capped = hits.len() >= MAX_CANDIDATES;
    let allowed = typos_allowed(text.chars().filter(|c| !c.is_whitespace()).count());
    if how != Match::Exact || hits.len() >= 5 || allowed == 0 {
        return Ok((hits, capped, false));
    }
    let seen: HashSet<String> = hits.iter().map(|h| h.id.clone()).collect();
    let mut near: Vec<(usize, SearchHit)> = parts
        .guard(parts.store.search_products(text, Match::AnyTrigram, filter, TYPO_CANDIDATES))?
        .into_iter()
        .filter(|h| !seen.contains(&h.id))
        .filter_map(|h| {
            let distance = best_window_distance(text, &h.title)
                .min(h.brand.as_deref().map_or(usize::MAX, |b| best_window_distance(text, b)));
            (distance <= allowed).then_some((distance, h))
        })
        .collect();
    near.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.rank.total_cmp(&b.1.rank)));
    let typo_tolerant = !near.is_empty();
    hits.extend(near.into_iter().map(|(_, h)| h));
    Ok((hits, capped, typo_tolerant))
}

/// The hits' order: by relevance (text rank, the order SQL returned with typo matches after,
/// blended with the shopper's taste so that among equal matches theirs come first), or by date
/// or price.
fn order(ctx: &FeedContext<'_>, state: &mut FeedState, hits: &[&SearchHit], sort: SearchSort) -> Vec<usize> {
    let mut order: Vec<usize> = (0..hits.len()).collect();
    match sort {
        SearchSort::Relevance => {
            let scores = state.search_scores.get_or_insert_with(|| Arc::new(feed::personal_scores(ctx))).clone();
            let n = hits.len().max(1) as f32;
            let value: Vec<f32> = (0..hits.len())
                .map(|k| {
                    let text_rank = 1.0 - k as f32 / n;
                    let taste = ctx.catalog.get(&hits[k].id).map_or(0.0, |i| scores[i as usize]);
                    0.7 * text_rank + 0.3 * taste
                })
                .collect();
            order.sort_by(|&a, &b| value[b].total_cmp(&value[a]));
        }
        SearchSort::Newest => order.sort_by_key(|&k| std::cmp::Reverse(hits[k].created_at)),
        SearchSort::PriceLow => order.sort_by_key(|&k| hits[k].price),
        SearchSort::PriceHigh => order.sort_by_key(|&k| std::cmp::Reverse(hits[k].price)),
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_and_typos() {
        assert_eq!(chosung("스타일난다"), "ㅅㅌㅇㄴㄷ");
        assert!(is_chosung_query("ㅅㅌㅇ ㄴㄷ"));
        assert!(!is_chosung_query("스타일"));
        assert_eq!(best_window_distance("스타일넌다", "[당일] 스타일난다 원피스"), 1);
        assert_eq!(best_window_distance("원피스", "플라워 원피스"), 0);
        assert_eq!(typos_allowed(2), 0);
    }
}
