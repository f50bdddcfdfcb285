//! Text as malls write it: byte-order marks, EUC-KR files, stray whitespace, literal "null"s.

use encoding_rs::{EUC_KR, UTF_16BE, UTF_16LE};

/// The feed's text and, when it was not plain UTF-8, a note saying how it was read.
pub(super) fn decode(bytes: &[u8]) -> (String, Option<String>) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let (text, note) = decode(rest);
        return (text, Some(note.unwrap_or_else(|| "UTF-8 with a byte-order mark".into())));
    }
    for (bom, encoding, name) in [(&b"\xFF\xFE"[..], UTF_16LE, "UTF-16LE"), (&b"\xFE\xFF"[..], UTF_16BE, "UTF-16BE")] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, _) = encoding.decode_without_bom_handling(rest);
            return (text.into_owned(), Some(format!("read as {name}")));
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (text.to_string(), None);
    }
    // Korean malls' older software still writes EUC-KR (CP949).
    let (text, had_errors) = EUC_KR.decode_without_bom_handling(bytes);
    if !had_errors {
        return (text.into_owned(), Some("read as EUC-KR (CP949)".into()));
    }
    let text = String::from_utf8_lossy(bytes).into_owned();
    let bad = text.matches('\u{FFFD}').count();
    (text, Some(format!("{bad} invalid UTF-8 sequences; rows with them are skipped")))
}

/// Trimmed, with runs of whitespace made one space.
pub(super) fn clean(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A JSON scalar as text (APIs write numbers and strings for the same field).
pub(super) fn json_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => cell(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The product objects of a platform's JSON: `{"products": […]}`, `{"product": {…}}`, or a bare
/// array (as API client libraries save them). `key` is a field every product of the platform
/// has, to tell another platform's JSON apart.
pub(super) fn json_products<'a>(
    root: &'a serde_json::Value,
    key: &str,
    wrong: impl Fn(String) -> super::FeedError,
) -> Result<Vec<&'a serde_json::Value>, super::FeedError> {
    use serde_json::Value;
    let products: Vec<&Value> = match (root, root.get("products"), root.get("product")) {
        (Value::Array(list), _, _) => list.iter().collect(),
        (_, Some(Value::Array(list)), _) => list.iter().collect(),
        (_, _, Some(p @ Value::Object(_))) => vec![p],
        _ => return Err(wrong("no \"products\" array or \"product\" object at the top".into())),
    };
    if products.first().is_some_and(|p| p.get(key).is_none()) {
        return Err(wrong(format!("products have no \"{key}\" (another platform's JSON?)")));
    }
    Ok(products)
}

/// A cell as a value: empty, "null", "NULL" and "-" mean nothing.
pub(super) fn cell(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("null") || t == "-" {
        None
    } else {
        Some(t.to_string())
    }
}

/// Unix seconds from RFC 3339 ("2026-06-06T18:11:05+05:30") or a Korean "YYYY-MM-DD HH:MM:SS"
/// (Korean time, as Naver EP writes it).
pub(super) fn timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp());
    }
    let kst = chrono::FixedOffset::east_opt(9 * 3600)?;
    for pattern in ["%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, pattern) {
            return t.and_local_timezone(kst).single().map(|t| t.timestamp());
        }
    }
    None
}

/// Strip HTML tags and decode the common entities (descriptions, titles in XML feeds).
pub(super) fn strip_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    clean(
        &out.replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euc_kr_and_bom_are_read_and_said() {
        let (text, note) = decode(b"\xEF\xBB\xBFid\ttitle");
        assert_eq!(text, "id\ttitle");
        assert!(note.unwrap().contains("byte-order mark"));
        let (euc, _, _) = EUC_KR.encode("원피스");
        let (text, note) = decode(&euc);
        assert_eq!(text, "원피스");
        assert!(note.unwrap().contains("EUC-KR"));
    }

    #[test]
    fn timestamps_in_both_forms() {
        assert_eq!(timestamp("2026-06-06T18:11:05+05:30"), Some(1_780_749_665));
        assert_eq!(timestamp("2026-06-06 21:41:05"), Some(1_780_749_665));
        assert_eq!(timestamp("yesterday"), None);
    }
}

/// A tab-separated file as malls write it: a header row, then one record per line; CRLF or LF;
/// no quoting (titles carry quotes as they are); blank lines ignored. Returns the header cells
/// (trimmed, lowercased, a `g:` prefix dropped) and each record with its 1-based line number.
pub(super) fn tsv(text: &str) -> (Vec<String>, Vec<(usize, Vec<&str>)>) {
    let mut lines = text.split('\n').enumerate().map(|(n, l)| (n + 1, l.strip_suffix('\r').unwrap_or(l)));
    let header = lines
        .by_ref()
        .find(|(_, l)| !l.trim().is_empty())
        .map(|(_, l)| l.split('\t').map(|h| h.trim().to_lowercase().trim_start_matches("g:").to_string()).collect())
        .unwrap_or_default();
    let records = lines.filter(|(_, l)| !l.trim().is_empty()).map(|(n, l)| (n, l.split('\t').collect())).collect();
    (header, records)
}
