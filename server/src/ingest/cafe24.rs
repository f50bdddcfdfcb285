//! Cafe24's product API JSON (Admin or Front): `{"products": […]}` or `{"product": {…}}`, with
//! variants embedded (`embed=variants`) or not. Cafe24 gives no product link: it is the mall's
//! `/product/detail.html?product_no=N`; image URLs may say `{domain}` for the mall's own host.

use serde_json::Value;

use super::text::{json_products, json_text, strip_html, timestamp};
use super::{FeedError, Format, Item, ItemVariant, Parsed, RowProblem};

fn yes(v: Option<&Value>) -> Option<bool> {
    v.and_then(Value::as_str).map(|s| s == "T")
}

pub(super) fn parse(text: &str) -> Result<Parsed, FeedError> {
    let wrong = |reason: String| FeedError::WrongFormat { format: Format::Cafe24.as_str(), reason };
    let root: Value = serde_json::from_str(text).map_err(|e| wrong(format!("not JSON ({e})")))?;
    let products = json_products(&root, "product_no", wrong)?;
    let mut parsed = Parsed { rows: products.len(), ..Default::default() };
    for (n, p) in products.into_iter().enumerate() {
        let line = n + 1;
        let id = p.get("product_no").and_then(json_text).unwrap_or_default();
        if yes(p.get("display")) == Some(false) {
            parsed.problems.push(RowProblem {
                line,
                id: Some(id),
                reason: "not displayed in the mall (display F)".into(),
            });
            continue;
        }
        // Not selling, or sold out: listed, but nothing can be bought.
        let buyable = yes(p.get("selling")) != Some(false) && yes(p.get("sold_out")) != Some(true);
        let mut categories: Vec<String> = p
            .get("category")
            .and_then(Value::as_array)
            .map(|c| c.iter().filter_map(|c| c.get("category_no").and_then(json_text)).collect())
            .unwrap_or_default();
        categories.extend(
            p.get("clearance_category_kor")
                .and_then(json_text)
                .map(|c| c.split('>').map(|s| s.trim().to_string()).collect::<Vec<_>>())
                .unwrap_or_default(),
        );
        let variants = p.get("variants").and_then(Value::as_array).map(|vs| variants(vs)).unwrap_or_default();
        parsed.items.push(Item {
            line,
            title: p.get("product_name").and_then(Value::as_str).map(strip_html).unwrap_or_default(),
            price: p.get("price").and_then(json_text),
            original_price: p.get("retail_price").and_then(json_text),
            categories,
            tags: p
                .get("product_tag")
                .and_then(Value::as_array)
                .map(|t| t.iter().filter_map(json_text).collect())
                .unwrap_or_default(),
            image_url: ["detail_image", "list_image", "small_image"].iter().find_map(|k| p.get(*k).and_then(json_text)),
            // `additional_images`: each photo at three sizes; the sheet wants the big one.
            more_image_urls: p
                .get("additional_images")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|i| ["big", "medium", "small"].iter().find_map(|k| i.get(*k).and_then(json_text)))
                .collect(),
            link: Some(format!("/product/detail.html?product_no={id}")),
            variants,
            available: Some(buyable),
            created_at: p.get("created_date").and_then(Value::as_str).and_then(timestamp),
            updated_at: p.get("updated_date").and_then(Value::as_str).and_then(timestamp),
            id,
            ..Default::default()
        });
    }
    Ok(parsed)
}

/// Cafe24's variants: options named like colour (색상, Color) are the colour, others the size;
/// a variant can be bought when selling, displayed, and in stock where stock is tracked.
fn variants(vs: &[Value]) -> Vec<ItemVariant> {
    vs.iter()
        .enumerate()
        .map(|(vn, v)| {
            let mut variant = ItemVariant {
                id: v.get("variant_code").and_then(json_text).unwrap_or_else(|| format!("v{}", vn + 1)),
                ..Default::default()
            };
            for option in v.get("options").and_then(Value::as_array).into_iter().flatten() {
                let name = option.get("name").and_then(Value::as_str).unwrap_or("").to_lowercase();
                let value = option.get("value").and_then(json_text);
                if name.contains("colo") || name.contains("색") {
                    variant.color = value;
                } else {
                    variant.size = value;
                }
            }
            let tracked = yes(v.get("use_inventory")) == Some(true);
            let quantity = v.get("quantity").and_then(Value::as_i64).unwrap_or(0);
            variant.available = yes(v.get("selling")) != Some(false)
                && yes(v.get("display")) != Some(false)
                && (!tracked || quantity > 0);
            variant
        })
        .collect()
}
