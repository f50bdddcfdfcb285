//! Search, as the shopper types: substrings of titles, brands, malls, categories and colours
//! (Korean ones included: trigrams need no word breaks), initial consonants (초성: "ㅅㅌㅇㄴㄷ"
//! finds 스타일난다), one typo forgiven when the exact words find (almost) nothing, filters,
//! sorting — relevance personalised by the same taste as the home feed — and pages. Malls too.

use std::collections::HashSet;

use serde::Serialize;

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
    pub cards: Vec<crate::feed::Card>,
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
