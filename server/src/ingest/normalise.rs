//! A feed's item made into Moa's product for one mall: ids scoped by the mall, prices and
//! currency, stock per variant, category and styles through the mall's words, links checked
//! against the mall's hosts. Err: why the row is skipped.

use std::collections::HashSet;

use moa_protocol::model::{Money, Product, Variant, MAX_MORE_PHOTOS};

use super::vocab::{category_of, gender_of, styles_of};
use super::{price, text, Item, MallProfile};

/// Moa's product from a feed's item, for `mall`; Err: why the row is skipped.
pub(super) fn normalise(
    item: &Item,
    mall: &MallProfile,
    homepage: &url::Url,
    hosts: &[String],
    now: i64,
) -> Result<(Product, bool), String> {
    let own_id = item.id.trim();
    if own_id.is_empty() {
        return Err("no product id".into());
    }
    if own_id.len() > 100 || own_id.chars().any(|c| c.is_control()) {
        return Err(format!("product id {own_id:?} is not usable"));
    }
    let title = text::clean(&item.title);
    if title.is_empty() {
        return Err("no title".into());
    }
    if title.contains('\u{FFFD}') {
        return Err("the title has undecodable bytes".into());
    }
    let (price, original_price) = prices_of(item, mall)?;

    let category = category_of(item, mall, &title).ok_or_else(|| {
        let words: Vec<&str> = item.categories.iter().map(String::as_str).filter(|c| !c.is_empty()).collect();
        if words.is_empty() {
            "no category, and the mall has no default".to_string()
        } else {
            format!("category {:?} is not mapped for this mall", words.join(" > "))
        }
    })?;
    let styles = styles_of(item, mall);
    let gender = item.gender.as_deref().and_then(gender_of).unwrap_or(mall.gender);

    let link = on_homepage(homepage, item.link.as_deref().ok_or("no product link")?)?;
    let (product_url, upgraded) = check_link(link.as_str(), hosts)?;
    let image_url = image_url_of(item, homepage)?;
    let more_image_urls = more_images_of(item, homepage, &image_url);
    let id = format!("{}-{}", mall.id, own_id);
    let variants = variants_of(item, &id);
    let product = Product {
        id,
        mall_id: mall.id.clone(),
        title,
        brand: item.brand.as_deref().map(text::clean).filter(|b| !b.is_empty()),
        category,
        styles,
        gender,
        age_bands: mall.age_bands.clone(),
        price,
        original_price,
        image_url,
        more_image_urls,
        product_url,
        variants,
        created_at: item.created_at.unwrap_or(now),
        updated_at: item.updated_at.unwrap_or(now),
        popularity: 0.0,
        sale_ends_at: item.sale_ends_at,
        // Hashed and grouped after the feed is read (it needs the photo, fetched once per URL).
        image_hash: None,
        same_item: None,
    };
    product.validate()?;
    Ok((product, upgraded))
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    }
}

/// The link, if it is on one of the mall's hosts; http is upgraded to https (Moa never sends a
/// shopper over cleartext), and reported.
fn check_link(link: &str, hosts: &[String]) -> Result<(String, bool), String> {
    let mut url = url::Url::parse(link.trim()).map_err(|e| format!("product link {link:?}: {e}"))?;
    let host = url.host_str().ok_or_else(|| format!("product link {link:?} has no host"))?.to_ascii_lowercase();
    if !hosts.iter().any(|h| host == *h || host.ends_with(&format!(".{h}"))) {
        return Err(format!("product link host {host} is not one of the mall's"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("product link carries credentials".into());
    }
    let upgraded = match url.scheme() {
        "https" => false,
        "http" => {
            url.set_scheme("https").map_err(|_| "cannot make the link https".to_string())?;
            if url.port() == Some(80) {
                let _ = url.set_port(None);
            }
            true
        }
        other => return Err(format!("product link scheme {other} is not https")),
    };
    Ok((url.to_string(), upgraded))
}

/// The price, or else the lowest of the variants', and the struck-through price when it is a sale.
fn prices_of(item: &Item, mall: &MallProfile) -> Result<(Money, Option<Money>), String> {
    let parse_price = |text: &str| price::parse(text, &mall.currency).map_err(|e| format!("price {text:?}: {e}"));
    let mut price = item.price.as_deref().filter(|p| !p.trim().is_empty()).map(parse_price).transpose()?;
    let mut original = item.original_price.as_deref().and_then(|p| price::parse(p, &mall.currency).ok());
    if price.is_none() {
        for v in &item.variants {
            if let Some(p) = v.price.as_deref().map(parse_price).transpose()? {
                if price.as_ref().is_none_or(|best: &Money| p.amount < best.amount) {
                    original = v.original_price.as_deref().and_then(|o| price::parse(o, &mall.currency).ok());
                    price = Some(p);
                }
            }
        }
    }
    let price = price.ok_or("no price")?;
    if price.amount <= 0 {
        return Err(format!("price {} is not positive", price.amount));
    }
    // A "normal price" at or below the price (0 meaning none, another currency) is no sale.
    let original_price = original.filter(|o| o.currency == price.currency && o.amount > price.amount);
    Ok((price, original_price))
}

/// A link as the feed writes it, on the mall's homepage: relative links (Shopify handles, Cafe24
/// product numbers) resolve against it, and Cafe24 writes its own host as "{domain}".
fn on_homepage(homepage: &url::Url, link: &str) -> Result<url::Url, String> {
    let s = link.trim().replace("{domain}", homepage.host_str().unwrap_or_default());
    homepage.join(&s).map_err(|e| format!("{s:?}: {e}"))
}

/// The photo's address. Images too are fetched over https only (App Transport Security, and no
/// mixed content), except from this machine itself (development and tests), as the platforms allow.
fn image_url_of(item: &Item, homepage: &url::Url) -> Result<String, String> {
    let image = item.image_url.as_deref().map(str::trim).filter(|u| !u.is_empty()).ok_or("no image")?;
    photo_address(image, homepage)
}

/// The gallery's other photos, by the same rule as the main one. A product is not refused for
/// a bad extra photo (the main one is what the feed and the cards need): that photo is left
/// out, and so are repeats of the main one and photos past [`MAX_MORE_PHOTOS`].
fn more_images_of(item: &Item, homepage: &url::Url, main: &str) -> Vec<String> {
    let mut seen = HashSet::from([main.to_string()]);
    item.more_image_urls
        .iter()
        .map(|u| u.trim())
        .filter(|u| !u.is_empty())
        .filter_map(|u| photo_address(u, homepage).ok())
        .filter(|u| seen.insert(u.clone()))
        .take(MAX_MORE_PHOTOS)
        .collect()
}

fn photo_address(image: &str, homepage: &url::Url) -> Result<String, String> {
    match on_homepage(homepage, image) {
        Ok(u) if u.scheme() == "https" => Ok(u.to_string()),
        Ok(u) if u.scheme() == "http" && is_loopback(&u) => Ok(u.to_string()),
        Ok(mut u) if u.scheme() == "http" => {
            let _ = u.set_scheme("https");
            Ok(u.to_string())
        }
        _ => Err(format!("image {image:?} is not a web address")),
    }
}

/// The sizes and colours, ids scoped by the product's (one "default" when the feed lists none).
fn variants_of(item: &Item, id: &str) -> Vec<Variant> {
    if item.variants.is_empty() {
        return vec![Variant {
            id: format!("{id}-default"),
            color: None,
            size: None,
            available: item.available.unwrap_or(true),
        }];
    }
    let mut seen = HashSet::new();
    item.variants
        .iter()
        .map(|v| {
            let mut vid = format!("{id}-{}", v.id.trim());
            // Two variants with one id would be one size too few for the shopper.
            let mut n = 2;
            while !seen.insert(vid.clone()) {
                vid = format!("{id}-{}-{n}", v.id.trim());
                n += 1;
            }
            Variant {
                id: vid,
                color: v.color.as_deref().map(text::clean).filter(|c| !c.is_empty()),
                size: v.size.as_deref().map(text::clean).filter(|s| !s.is_empty()),
                available: v.available && item.available != Some(false),
            }
        })
        .collect()
}
