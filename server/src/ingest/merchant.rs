//! Google Merchant Center feeds: XML (RSS 2.0 or Atom, fields in the `g:` namespace) and TSV.
//! Items sharing an `item_group_id` are one product with one variant each (sizes, colours).

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::text::{cell, clean, strip_html, timestamp, tsv};
use super::{FeedError, Format, Item, ItemVariant, Parsed, RowProblem};

/// The line of a byte position, counted as the reader moves on, never from the start again (that
/// was quadratic).
#[derive(Default)]
struct LineCounter {
    counted_to: usize,
    lines: usize,
}

impl LineCounter {
    fn line_of(&mut self, text: &str, pos: u64) -> usize {
        let pos = (pos as usize).min(text.len());
        if pos >= self.counted_to {
            self.lines += text.as_bytes()[self.counted_to..pos].iter().filter(|&&b| b == b'\n').count();
            self.counted_to = pos;
        }
        self.lines + 1
    }
}

/// One `<item>`/`<entry>` (or TSV row): field name (without prefix) → text.
type Fields = HashMap<String, String>;

/// The gallery's photos in a Merchant feed.
const ADDITIONAL_IMAGES: &str = "additional_image_link";

/// A field's first value is the item's; the gallery's repeated element is Google's way to give
/// up to 10 extra photos in XML, kept comma-separated as its TSV writes them.
fn keep_field(fields: &mut Fields, field: String, value: &str) {
    match fields.entry(field) {
        Entry::Occupied(mut e) if e.key() == ADDITIONAL_IMAGES => {
            e.get_mut().push(',');
            e.get_mut().push_str(value);
        }
        Entry::Occupied(_) => {}
        Entry::Vacant(e) => {
            e.insert(value.to_string());
        }
    }
}

pub(super) fn parse_xml(text: &str) -> Result<Parsed, FeedError> {
    let wrong = |reason: String| FeedError::WrongFormat { format: Format::MerchantXml.as_str(), reason };
    let mut lines = LineCounter::default();
    let mut line_of = |pos: u64| lines.line_of(text, pos);
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut records: Vec<(usize, Fields)> = Vec::new();
    let mut root: Option<String> = None;
    let mut google_namespace = false;
    let mut current: Option<(usize, Fields)> = None;
    let mut field: Option<String> = None;
    let mut value = String::new();
    loop {
        let position = reader.buffer_position();
        let event = reader.read_event().map_err(|e| {
            // A broken file is rejected whole: a full feed cut short would delist everything after the cut.
            wrong(format!("broken XML at line {}: {e}", line_of(reader.buffer_position())))
        })?;
        match event {
            Event::Start(e) | Event::Empty(e) if root.is_none() => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).to_string();
                google_namespace =
                    e.attributes().flatten().any(|a| a.value.as_ref() == b"http://base.google.com/ns/1.0");
                root = Some(name);
            }
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).to_lowercase();
                if current.is_none() && (name == "item" || name == "entry") {
                    current = Some((line_of(position), Fields::new()));
                } else if current.is_some() {
                    field = Some(name);
                    value.clear();
                }
            }
            Event::Empty(e) => {
                // Atom links: <link href="…"/>.
                if let (Some((_, fields)), true) = (current.as_mut(), e.local_name().as_ref() == b"link") {
                    if let Some(href) = e.attributes().flatten().find(|a| a.key.as_ref() == b"href") {
                        fields.entry("link".into()).or_insert_with(|| String::from_utf8_lossy(&href.value).to_string());
                    }
                }
            }
            Event::Text(t) if field.is_some() => {
                value.push_str(&t.decode().map_err(|e| wrong(e.to_string()))?);
            }
            Event::GeneralRef(r) if field.is_some() => value.push_str(entity(&String::from_utf8_lossy(r.as_ref()))),
            Event::CData(t) if field.is_some() => value.push_str(&String::from_utf8_lossy(&t)),
            Event::End(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).to_lowercase();
                if let Some(f) = field.take().filter(|f| *f == name) {
                    if let Some((_, fields)) = current.as_mut() {
                        keep_field(fields, f, value.trim());
                    }
                } else if name == "item" || name == "entry" {
                    if let Some(record) = current.take() {
                        records.push(record);
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let root = root.ok_or_else(|| wrong("empty document".into()))?;
    if records.is_empty() {
        return Err(wrong(format!("no <item> or <entry> elements under <{root}>")));
    }
    let mut parsed = Parsed::default();
    if !(root == "rss" || root == "feed") || !google_namespace {
        parsed.notes.push(format!(
            "not a standard Merchant feed (root <{root}>{}): read as a plain list of items",
            if google_namespace { "" } else { ", no g: namespace" }
        ));
    }
    items_of(records, &mut parsed);
    Ok(parsed)
}

/// The text of XML's predefined entities (others, undeclared in a feed, read as nothing).
fn entity(name: &str) -> &'static str {
    match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => "",
    }
}

pub(super) fn parse_tsv(text: &str) -> Result<Parsed, FeedError> {
    let (header, rows) = tsv(text);
    if !(header.iter().any(|h| h == "id") && header.iter().any(|h| h == "price")) {
        return Err(FeedError::WrongFormat {
            format: Format::MerchantTsv.as_str(),
            reason: format!("no id and price columns in the header ({})", header.join(", ")),
        });
    }
    let mut parsed = Parsed::default();
    let mut records = Vec::new();
    for (line, cells) in rows {
        if cells.len() != header.len() {
            parsed.rows += 1;
            parsed.problems.push(RowProblem {
                line,
                id: cells.first().and_then(|c| cell(c)),
                reason: format!("{} cells where the header has {}", cells.len(), header.len()),
            });
            continue;
        }
        records.push((line, header.iter().cloned().zip(cells.into_iter().map(str::to_string)).collect()));
    }
    items_of(records, &mut parsed);
    Ok(parsed)
}

fn availability(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().replace('_', " ").as_str() {
        "in stock" | "available" | "preorder" | "backorder" | "limited availability" => Some(true),
        "out of stock" | "sold out" | "discontinued" => Some(false),
        _ => None,
    }
}

/// Records → items, grouped by `item_group_id`, each record's problems reported on its line.
fn items_of(records: Vec<(usize, Fields)>, parsed: &mut Parsed) {
    let mut groups: HashMap<String, usize> = HashMap::new();
    for (line, f) in records {
        parsed.rows += 1;
        let get = |k: &str| f.get(k).and_then(|v| cell(v));
        let Some(id) = get("id") else {
            parsed.problems.push(RowProblem { line, id: None, reason: "no id".into() });
            continue;
        };
        let available = match get("availability") {
            Some(a) => match availability(&a) {
                Some(a) => a,
                None => {
                    parsed.problems.push(RowProblem {
                        line,
                        id: Some(id),
                        reason: format!("unknown availability {a:?}"),
                    });
                    continue;
                }
            },
            None => true,
        };
        // On sale: the sale price is paid and the price struck through.
        let (price, original) = match get("sale_price") {
            Some(sale) => (Some(sale), get("price")),
            None => (get("price"), None),
        };
        let sale_ends_at = get("sale_price_effective_date").and_then(|d| d.split('/').nth(1).and_then(timestamp));
        let variant = ItemVariant {
            id: id.clone(),
            color: get("color"),
            size: get("size"),
            available,
            price: price.clone(),
            original_price: original.clone(),
        };
        let group = get("item_group_id");
        if let Some(&at) = group.as_ref().and_then(|g| groups.get(g)) {
            let item: &mut Item = &mut parsed.items[at];
            item.variants.push(variant);
            continue;
        }
        let mut categories: Vec<String> =
            get("product_type").map(|t| t.split('>').map(clean).collect()).unwrap_or_default();
        categories.extend(
            get("google_product_category").map(|c| c.split('>').map(clean).collect::<Vec<_>>()).unwrap_or_default(),
        );
        if let Some(g) = &group {
            groups.insert(g.clone(), parsed.items.len());
        }
        parsed.items.push(Item {
            line,
            id: group.unwrap_or(id),
            title: get("title").map(|t| strip_html(&t)).unwrap_or_default(),
            brand: get("brand"),
            categories,
            gender: get("gender"),
            image_url: get("image_link"),
            more_image_urls: get(ADDITIONAL_IMAGES)
                .map(|l| l.split(',').map(str::to_string).collect())
                .unwrap_or_default(),
            link: get("link"),
            variants: vec![variant],
            sale_ends_at,
            ..Default::default()
        });
    }
}
