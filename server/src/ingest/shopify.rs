//! Shopify: the storefront's public `/products.json`, Admin REST product JSON, and the
//! product-import CSV.

use serde_json::Value;

use super::text::{cell, clean, json_products, json_text, strip_html, timestamp};
use super::{FeedError, Format, Item, ItemVariant, Parsed, RowProblem};

/// Option names mean size or colour in the languages malls use.
fn option_kind(name: &str) -> Option<&'static str> {
    let n = name.to_lowercase();
    if n.contains("size") || n.contains("사이즈") || n.contains("치수") {
        Some("size")
    } else if n.contains("color") || n.contains("colour") || n.contains("색상") || n.contains("컬러") {
        Some("color")
    } else {
        None
    }
}

pub(super) fn parse_json(format: Format, text: &str) -> Result<Parsed, FeedError> {
    let wrong = |reason: String| FeedError::WrongFormat { format: format.as_str(), reason };
    let root: Value = serde_json::from_str(text).map_err(|e| wrong(format!("not JSON ({e})")))?;
    let products = json_products(&root, "title", wrong)?;
    let mut parsed = Parsed { rows: products.len(), ..Default::default() };
    for (n, p) in products.into_iter().enumerate() {
        let line = n + 1;
        let id = p.get("id").and_then(json_text).unwrap_or_default();
        if let Some(status) = p.get("status").and_then(Value::as_str) {
            if status != "active" {
                parsed.problems.push(RowProblem {
                    line,
                    id: Some(id),
                    reason: format!("status {status}: not for sale"),
                });
                continue;
            }
        }
        let options: Vec<Option<&'static str>> = p
            .get("options")
            .and_then(Value::as_array)
            .map(|o| o.iter().map(|o| o.get("name").and_then(Value::as_str).and_then(option_kind)).collect())
            .unwrap_or_default();
        let tags: Vec<String> = match p.get("tags") {
            Some(Value::Array(t)) => t.iter().filter_map(json_text).collect(),
            Some(Value::String(s)) => s.split(',').filter_map(cell).collect(),
            _ => Vec::new(),
        };
        let images: Vec<String> = p
            .get("images")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|i| i.get("src").and_then(json_text))
            .collect();
        let mut item = Item {
            line,
            id,
            title: p.get("title").and_then(Value::as_str).map(strip_html).unwrap_or_default(),
            brand: p.get("vendor").and_then(json_text),
            categories: p.get("product_type").and_then(json_text).into_iter().collect(),
            tags,
            image_url: images
                .first()
                .cloned()
                .or_else(|| p.get("image").and_then(|i| i.get("src")).and_then(json_text)),
            // The gallery: every image after the first, in Shopify's `position` order.
            more_image_urls: images.iter().skip(1).cloned().collect(),
            link: p.get("handle").and_then(json_text).map(|h| format!("/products/{h}")),
            created_at: p.get("created_at").and_then(Value::as_str).and_then(timestamp),
            updated_at: p.get("updated_at").and_then(Value::as_str).and_then(timestamp),
            ..Default::default()
        };
        for (vn, v) in p.get("variants").and_then(Value::as_array).into_iter().flatten().enumerate() {
            item.variants.push(json_variant(v, vn, &options));
        }
        parsed.items.push(item);
    }
    Ok(parsed)
}

/// A variant of a Shopify JSON product: its price, whether it can be bought, its options read as
/// colour and size by the product's option names.
fn json_variant(v: &Value, n: usize, options: &[Option<&'static str>]) -> ItemVariant {
    let mut variant = ItemVariant {
        id: v.get("id").and_then(json_text).unwrap_or_else(|| format!("v{}", n + 1)),
        price: v.get("price").and_then(json_text),
        original_price: v.get("compare_at_price").and_then(json_text),
        ..Default::default()
    };
    // Storefront JSON says `available`; Admin JSON gives stock and the policy.
    variant.available = match v.get("available").and_then(Value::as_bool) {
        Some(a) => a,
        None => {
            let tracked = v.get("inventory_management").and_then(Value::as_str).is_some();
            let continues = v.get("inventory_policy").and_then(Value::as_str) == Some("continue");
            let quantity = v.get("inventory_quantity").and_then(Value::as_i64).unwrap_or(0);
            !tracked || continues || quantity > 0
        }
    };
    for (i, key) in ["option1", "option2", "option3"].into_iter().enumerate() {
        let Some(value) = v.get(key).and_then(json_text).filter(|o| o != "Default Title") else { continue };
        match options.get(i).copied().flatten() {
            Some("color") => variant.color = Some(value),
            Some("size") => variant.size = Some(value),
            // An option that is neither (a capacity, a style): keep it as the size label.
            _ if variant.size.is_none() => variant.size = Some(value),
            _ => {}
        }
    }
    variant
}

/// Shopify's product-import CSV: one row per variant (and rows that only add images), product
/// fields on the first row of each handle.
pub(super) fn parse_csv(text: &str) -> Result<Parsed, FeedError> {
    let wrong = |reason: String| FeedError::WrongFormat { format: Format::ShopifyCsv.as_str(), reason };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> =
        reader.headers().map_err(|e| wrong(e.to_string()))?.iter().map(|h| h.trim().to_lowercase()).collect();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(handle_col), Some(title_col)) = (col("handle"), col("title")) else {
        return Err(wrong(format!("no Handle and Title columns (headers: {})", headers.join(", "))));
    };
    let get = |record: &csv::StringRecord, name: &str| col(name).and_then(|i| record.get(i)).and_then(cell);
    let mut parsed = Parsed::default();
    let mut option_names: [Option<&'static str>; 3] = [None; 3];
    let mut skipped_handle: Option<String> = None;
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        parsed.rows += 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                parsed.problems.push(RowProblem { line, id: None, reason: format!("unreadable CSV row: {e}") });
                continue;
            }
        };
        let Some(handle) = record.get(handle_col).and_then(cell) else {
            parsed.problems.push(RowProblem { line, id: None, reason: "no handle".into() });
            continue;
        };
        if skipped_handle.as_deref() == Some(handle.as_str()) {
            continue;
        }
        let new_product = parsed.items.last().is_none_or(|i: &Item| i.id != handle);
        if new_product {
            if record.get(title_col).and_then(cell).is_none() {
                parsed.problems.push(RowProblem {
                    line,
                    id: Some(handle),
                    reason: "the first row of a product has no title".into(),
                });
                continue;
            }
            for (i, slot) in option_names.iter_mut().enumerate() {
                *slot = get(&record, &format!("option{} name", i + 1)).and_then(|n| option_kind(&n));
            }
            let published = get(&record, "published").is_none_or(|p| p.eq_ignore_ascii_case("true"));
            let status = get(&record, "status").filter(|s| !s.eq_ignore_ascii_case("active"));
            if !published || status.is_some() {
                // Its other rows (more variants, images) belong to it and go with it.
                parsed.problems.push(RowProblem {
                    line,
                    id: Some(handle.clone()),
                    reason: format!("not for sale ({})", status.unwrap_or_else(|| "not published".into())),
                });
                skipped_handle = Some(handle);
                continue;
            }
            parsed.items.push(csv_product(|name| get(&record, name), line, &handle));
        }
        let item = parsed.items.last_mut().expect("pushed above");
        match (&item.image_url, get(&record, "image src")) {
            (None, image) => item.image_url = image,
            // Later rows' images are the gallery's, in the file's order (`Image Position`).
            (Some(main), Some(image)) if *main != image => item.more_image_urls.push(image),
            _ => {}
        }
        let price = get(&record, "variant price");
        let values: Vec<Option<String>> = (1..=3).map(|i| get(&record, &format!("option{i} value"))).collect();
        if price.is_none() && values.iter().all(Option::is_none) {
            continue; // a row that only adds an image
        }
        item.variants.push(csv_variant(|name| get(&record, name), price, values, &option_names));
    }
    if parsed.rows > 0 && parsed.items.is_empty() && parsed.problems.len() == parsed.rows {
        return Err(wrong("no row could be read as a product".into()));
    }
    Ok(parsed)
}

/// One CSV row's variant: its SKU (or its option values) as id, price, stock by Shopify's
/// inventory rules, and the option values as colour and size by the option names.
fn csv_variant(
    field: impl Fn(&str) -> Option<String>,
    price: Option<String>,
    values: Vec<Option<String>>,
    option_names: &[Option<&'static str>; 3],
) -> ItemVariant {
    let mut variant = ItemVariant {
        id: field("variant sku").unwrap_or_else(|| {
            let joined: Vec<&str> =
                values.iter().flatten().map(String::as_str).filter(|v| *v != "Default Title").collect();
            if joined.is_empty() {
                "default".into()
            } else {
                joined.join("-")
            }
        }),
        price,
        original_price: field("variant compare at price"),
        ..Default::default()
    };
    let tracked = field("variant inventory tracker").is_some();
    let continues = field("variant inventory policy").as_deref() == Some("continue");
    let quantity: i64 = field("variant inventory qty").and_then(|q| q.parse().ok()).unwrap_or(0);
    variant.available = !tracked || continues || quantity > 0;
    for (i, value) in values.into_iter().enumerate() {
        let Some(value) = value.filter(|v| v != "Default Title") else { continue };
        match option_names[i] {
            Some("color") => variant.color = Some(value),
            _ if variant.size.is_none() => variant.size = Some(value),
            _ => {}
        }
    }
    variant
}

/// A product from the first CSV row of its handle (its other rows add variants and images).
fn csv_product(field: impl Fn(&str) -> Option<String>, line: usize, handle: &str) -> Item {
    Item {
        line,
        id: handle.to_string(),
        title: field("title").map(|t| clean(&t)).unwrap_or_default(),
        brand: field("vendor"),
        categories: field("type").into_iter().collect(),
        tags: field("tags").map(|t| t.split(',').filter_map(cell).collect()).unwrap_or_default(),
        gender: field("google shopping / gender"),
        image_url: field("image src"),
        link: Some(format!("/products/{handle}")),
        ..Default::default()
    }
}
