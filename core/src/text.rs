//! Text as Korean shoppers type it: initial consonants (초성: "ㅅㅌㅇㄴㄷ" is 스타일난다), and
//! how far a word typed is from one written (edit distance, and how many typos a query of its
//! length may carry). Pure functions, shared by search and the store's search index.

const INITIALS: [char; 19] =
    ['ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ'];

/// The initial consonants of the Hangul syllables in `text`, other letters dropped: 스타일난다 →
/// ㅅㅌㅇㄴㄷ.
pub fn chosung(text: &str) -> String {
    text.chars()
        .filter_map(|c| {
            let code = c as u32;
            (0xAC00..=0xD7A3).contains(&code).then(|| INITIALS[((code - 0xAC00) / 588) as usize])
        })
        .collect()
}

/// Whether a query is typed in initial consonants only.
pub fn is_chosung_query(query: &str) -> bool {
    let letters: Vec<char> = query.chars().filter(|c| !c.is_whitespace()).collect();
    !letters.is_empty() && letters.iter().all(|c| ('\u{3131}'..='\u{314E}').contains(c))
}

/// Edit distance between two strings of characters.
pub fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + (ca != cb) as usize).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The smallest edit distance between `query` and any stretch of `text` about its length.
pub fn best_window_distance(query: &str, text: &str) -> usize {
    let q: Vec<char> = query.to_lowercase().chars().filter(|c| !c.is_whitespace()).collect();
    let t: Vec<char> = text.to_lowercase().chars().filter(|c| !c.is_whitespace()).collect();
    if q.is_empty() {
        return 0;
    }
    if t.len() < q.len().saturating_sub(1) {
        return edit_distance(&q, &t);
    }
    let mut best = usize::MAX;
    // A stretch one letter shorter (a letter typed twice) only for longer queries: for short ones
    // it would let "스커트" match "스트".
    let shortest = if q.len() >= 5 { q.len() - 1 } else { q.len() };
    for len in shortest..=q.len() + 1 {
        if len > t.len() {
            break;
        }
        for start in 0..=t.len() - len {
            best = best.min(edit_distance(&q, &t[start..start + len]));
            if best == 0 {
                return 0;
            }
        }
    }
    best
}

/// Typos forgiven for a query of `n` letters: one, from three letters on (two from eight).
pub fn typos_allowed(n: usize) -> usize {
    match n {
        0..=2 => 0,
        3..=7 => 1,
        _ => 2,
    }
}
