//! Naver Shopping EP 3.0: tab-separated, header first. The full EP lists the whole catalog; the
//! summary EP lists changes, `class` I (new), U (update) or D (delete) with `update_time`.

use super::text::{cell, timestamp, tsv};
use super::{FeedError, Format, Item, ItemVariant, Parsed, RowProblem};

pub(super) fn parse(format: Format, text: &str) -> Result<Parsed, FeedError> {
    let wrong = |reason: String| FeedError::WrongFormat { format: format.as_str(), reason };
    let (header, rows) = tsv(text);
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(id_col), Some(title_col)) = (col("id"), col("title")) else {
        return Err(wrong(format!("no id and title columns in the header ({})", header.join(", "))));
    };
    if col("price_pc").is_none() && col("price_mobile").is_none() {
        return Err(wrong("no price_pc or price_mobile column".into()));
    }
    let class_col = col("class");
    if format == Format::NaverEpSummary && class_col.is_none() {
        return Err(wrong("a summary EP needs the class column (I/U/D)".into()));
    }
    let mut parsed = Parsed::default();
    for (line, cells) in rows {
        parsed.rows += 1;
        let id = cells.get(id_col).and_then(|c| cell(c));
        if cells.len() != header.len() {
            parsed.problems.push(RowProblem {
                line,
                id,
                reason: format!("{} cells where the header has {}", cells.len(), header.len()),
            });
            continue;
        }
        let get = |name: &str| col(name).and_then(|i| cell(cells[i]));
        let Some(id) = id else {
            parsed.problems.push(RowProblem { line, id: None, reason: "no id".into() });
            continue;
        };
        let class = class_col.and_then(|i| cell(cells[i])).map(|c| c.to_ascii_uppercase());
        if format == Format::NaverEpSummary {
            match class.as_deref() {
                Some("D") => {
                    parsed.items.push(Item { line, id, delete: true, ..Default::default() });
                    continue;
                }
                Some("I" | "U") => {}
                other => {
                    parsed.problems.push(RowProblem {
                        line,
                        id: Some(id),
                        reason: format!("class {other:?} is not I, U or D"),
                    });
                    continue;
                }
            }
        }
        let categories: Vec<String> = ["category_name1", "category_name2", "category_name3", "category_name4"]
            .iter()
            .filter_map(|c| get(c))
            .collect();
        let variants = get("option_detail").map(|detail| options(&detail)).unwrap_or_default();
        parsed.items.push(Item {
            line,
            id,
            title: cells[title_col].to_string(),
            brand: get("brand"),
            price: get("price_pc").or_else(|| get("price_mobile")),
            original_price: get("normal_price"),
            categories,
            tags: get("search_tag").map(|t| t.split('|').filter_map(cell).collect()).unwrap_or_default(),
            gender: get("gender"),
            image_url: get("image_link"),
            // EP 3.0: up to 10 more photos, separated by "|".
            more_image_urls: get("add_image_link")
                .map(|l| l.split('|').map(str::to_string).collect())
                .unwrap_or_default(),
            link: get("link").or_else(|| get("mobile_link")),
            variants,
            updated_at: get("update_time").and_then(|t| timestamp(&t)),
            ..Default::default()
        });
    }
    Ok(parsed)
}

/// option_detail: "사이즈:S, 색상:블랙^0|사이즈:M, 색상:블랙^0" — one variant per entry.
fn options(detail: &str) -> Vec<ItemVariant> {
    detail
        .split('|')
        .filter(|o| !o.trim().is_empty())
        .enumerate()
        .map(|(n, option)| {
            let (pairs, _extra) = option.split_once('^').unwrap_or((option, ""));
            let mut v = ItemVariant { id: format!("o{}", n + 1), available: true, ..Default::default() };
            for pair in pairs.split(',') {
                let Some((name, value)) = pair.split_once(':') else { continue };
                let name = name.trim();
                if name.contains("색") || name.to_lowercase().contains("colo") {
                    v.color = cell(value);
                } else {
                    v.size = cell(value);
                }
            }
            v
        })
        .collect()
}
