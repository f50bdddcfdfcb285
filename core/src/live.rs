//! The check before the hop to the mall: price and stock asked of the server now, and what
//! changed since the shopper saw the product. Offline, the cache answers, with its age.

use moa_protocol::model::Product;
use moa_protocol::wire::LiveProduct;
use tokio_util::sync::CancellationToken;

use crate::copy;
use crate::error::{Error, Result};
use crate::parts::Parts;
use crate::store::blocking;

/// What the shopper should know before going to the mall: price and stock now, and how old
/// that knowledge is.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LiveCheck {
    pub product_id: String,
    /// Asked the server just now (false: the server was unreachable; this is the cache).
    pub live: bool,
    pub delisted: bool,
    pub in_stock: bool,
    pub price: i64,
    pub price_text: String,
    /// The price the shopper saw (the cache), when it changed.
    pub previous_price_text: Option<String>,
    /// How old the knowledge of price and stock is, in seconds.
    pub age_secs: i64,
    /// What to tell the shopper before sending them away; None when nothing changed.
    pub notice: Option<String>,
    /// The product can be bought: the "go to mall" button leads somewhere.
    pub can_go: bool,
    /// The notice must be seen before leaving (the price changed): show it, and go only on the
    /// shopper's next tap. Never true without a notice.
    pub confirm_first: bool,
}

/// Check `product_id` with the server. Store reads run off the async workers.
pub(crate) async fn check(parts: &Parts, product_id: &str) -> Result<LiveCheck> {
    let id = product_id.to_string();
    let cached = parts.guard(blocking(&parts.store, move |s| s.product(&id)).await)?;
    let cached = cached.ok_or_else(|| Error::NotFound(format!("product {product_id}")))?;
    let answer = match &parts.api {
        Some(api) => api.live_product(product_id, &CancellationToken::new()).await.map(Some),
        None => Ok(None),
    };
    let now_s = parts.config.clock.now_secs();
    let words = copy::phrases(parts.locale);
    match answer {
        Ok(Some(None)) => Ok(LiveCheck {
            product_id: product_id.into(),
            live: true,
            delisted: true,
            in_stock: false,
            price: cached.price.amount,
            price_text: cached.price.display(),
            previous_price_text: None,
            age_secs: 0,
            notice: Some(words.no_longer_sold.into()),
            can_go: false,
            confirm_first: false,
        }),
        Ok(Some(Some(live))) => Ok(as_checked(&cached, &live, now_s, words)),
        Ok(None) | Err(Error::Offline(_) | Error::Timeout | Error::Network(_)) => {
            // The cache is as old as the last sync that reached the server.
            let synced_at = parts.guard(blocking(&parts.store, |s| s.catalog_synced_at()).await)?;
            Ok(LiveCheck {
                product_id: product_id.into(),
                live: false,
                delisted: false,
                in_stock: cached.in_stock(),
                price: cached.price.amount,
                price_text: cached.price.display(),
                previous_price_text: None,
                age_secs: (now_s - synced_at.unwrap_or(cached.updated_at)).max(0),
                notice: None,
                can_go: cached.in_stock(),
                confirm_first: false,
            })
        }
        Err(e) => Err(e),
    }
}

/// The server's answer against what the shopper saw: sold out, or a new price, is news.
fn as_checked(cached: &Product, live: &LiveProduct, now_s: i64, words: &copy::Phrases) -> LiveCheck {
    let in_stock = live.variants.iter().any(|v| v.available);
    let changed = live.price != cached.price;
    let notice = if !in_stock {
        Some(words.sold_out_now.into())
    } else if changed {
        Some((words.price_changed)(&cached.price.display(), &live.price.display()))
    } else {
        None
    };
    LiveCheck {
        product_id: cached.id.clone(),
        live: true,
        delisted: false,
        in_stock,
        price: live.price.amount,
        price_text: live.price.display(),
        previous_price_text: changed.then(|| cached.price.display()),
        age_secs: (now_s - live.checked_at_ms / 1000).max(0),
        confirm_first: in_stock && notice.is_some(),
        can_go: in_stock,
        notice,
    }
}
