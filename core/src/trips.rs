//! The trips to malls: the click-out (a checked, attributed link, the trip saved so that it
//! survives the app being killed at the mall), the return (timed by the core) and the rescue
//! sheet's rules, the share link, and how long each product sheet was looked at.

use std::sync::Mutex;

use moa_protocol::model::{Mall, Product};

use crate::copy;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::feed::{self, Card};
use crate::outlink;
use crate::parts::Parts;

/// A click-out this soon after opening a nudge about the product is the nudge's click-through.
const NUDGE_CLICK_WINDOW_MS: i64 = 3_600_000;

/// The settings key of the last click-out not yet returned from: the trip survives the app's
/// process being killed while the shopper is at the mall.
const PENDING_OUTLINK_SETTING: &str = "outlink.pending";

/// A trip to a mall: (product, mall, when the shopper left, ms).
type Trip = (String, String, i64);

/// This session's trips to malls and open product sheets (one lock: a return reads and updates
/// both the trips and the rescues).
#[derive(Default)]
pub(crate) struct Trips {
    session: Mutex<Session>,
}

/// What a session remembers of trips, sheets and rescues.
#[derive(Default)]
struct Session {
    /// Outlink id → its trip.
    links: std::collections::HashMap<String, Trip>,
    /// Product sheets open now → when each was opened (ms): the core times the dwell.
    sheets_open: std::collections::HashMap<String, i64>,
    rescued_products: std::collections::HashSet<String>,
    rescued_malls: std::collections::HashSet<String>,
}

/// A link to a mall's product page, ready to open in a Custom Tab / SFSafariViewController.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outlink {
    pub outlink_id: String,
    pub url: String,
    pub product_id: String,
    pub mall_id: String,
}

/// What the share button hands to the platform's share sheet.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ShareLink {
    /// The mall's product page with Moa's attribution as a share.
    pub url: String,
    /// A line to go with it, in the shopper's language: title, price, mall, and where it was found.
    pub text: String,
}

/// One page of alternatives for a shopper who came straight back from a mall.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RescueSheet {
    pub outlink_id: String,
    pub title: String,
    pub cards: Vec<Card>,
}

impl Trips {
    /// The hop to the mall: a checked link with attribution, the click-out recorded.
    pub fn click_out(&self, parts: &Parts, product_id: &str, section: &str, position: u32) -> Result<Outlink> {
        let (product, mall) = product_and_mall(parts, product_id)?;
        // 128 random bits: the id is what ties a mall's order to this install, so nobody may guess one.
        let outlink_id = format!("{:032x}", rand::random::<u128>());
        let url = outlink::build_link(&product.product_url, &mall.link_hosts, section, position, &outlink_id)?;
        parts.record(Event::ClickOut { product_id: product_id.to_string() })?;
        // Straight from a nudge the shopper opened: the nudge worked, and its mall hears so.
        let since = parts.now_ms() - NUDGE_CLICK_WINDOW_MS;
        if let Some(trigger) = parts.guard(parts.store.nudge_opened_since(product_id, since))? {
            let step = crate::events::NudgeStep::Clicked;
            parts.record(Event::Nudge { product_id: product_id.to_string(), trigger, step })?;
        }
        let trip = (product.id.clone(), mall.id.clone(), parts.now_ms());
        let saved = serde_json::json!({ "id": outlink_id, "product": trip.0, "mall": trip.1, "left_at": trip.2 });
        parts.guard(parts.store.set_setting(PENDING_OUTLINK_SETTING, &saved.to_string()))?;
        parts.guard(parts.store.keep_outlink(&outlink_id, &product.id, &mall.id, trip.2))?;
        self.lock().links.insert(outlink_id.clone(), trip);
        Ok(Outlink { outlink_id, url, product_id: product.id, mall_id: mall.id.clone() })
    }

    /// The shopper is back: whether to show a rescue sheet, and its products.
    pub fn returned(&self, parts: &Parts, outlink_id: &str) -> Result<Option<RescueSheet>> {
        let rules = parts.config.rescue;
        let saved = saved_trip(parts)?.filter(|(id, _)| id == outlink_id).map(|(_, trip)| trip);
        let mut session = self.lock();
        if saved.is_some() {
            // Reported now: the saved trip is done.
            parts.guard(parts.store.set_setting(PENDING_OUTLINK_SETTING, ""))?;
        }
        // This process's trips, or the one saved before the app was killed at the mall.
        let Some((product_id, mall_id, left_at)) = session.links.remove(outlink_id).or(saved) else {
            return Err(Error::NotFound(format!("outlink {outlink_id}")));
        };
        let away_ms = (parts.now_ms() - left_at).max(0) as u64;
        // Malls are owed the number of quick returns: every return is an event.
        parts.record(Event::ReturnedFromMall { product_id: product_id.clone(), mall_id: mall_id.clone(), away_ms })?;
        if away_ms > rules.quick_return_ms
            || session.rescued_products.contains(&product_id)
            || session.rescued_malls.contains(&mall_id)
            || !rescue_allowed_today(parts)?
        {
            return Ok(None);
        }
        let cards = parts.compose(|ctx, _| ctx.catalog.get(&product_id).map(|i| feed::rescue(ctx, i)))?;
        let Some(cards) = cards.filter(|c| !c.is_empty()) else { return Ok(None) };
        session.rescued_products.insert(product_id.clone());
        session.rescued_malls.insert(mall_id.clone());
        drop(session);
        parts.record(Event::RescueShown { product_id, mall_id })?;
        let title = copy::phrases(parts.locale).rescue_title.to_string();
        Ok(Some(RescueSheet { outlink_id: outlink_id.to_string(), title, cards }))
    }

    /// A product sheet opened: the core times the view (read again while open, it keeps the
    /// time it was first opened at).
    pub fn sheet_opened(&self, parts: &Parts, product_id: &str) {
        let opened = parts.now_ms();
        self.lock().sheets_open.entry(product_id.to_string()).or_insert(opened);
    }

    /// The sheet was closed: the view is recorded with how long it was open (false when no
    /// sheet of that product was open).
    pub fn sheet_closed(&self, parts: &Parts, product_id: &str) -> Result<bool> {
        let opened = self.lock().sheets_open.remove(product_id);
        let Some(opened) = opened else { return Ok(false) };
        let dwell_ms = (parts.now_ms() - opened).max(0) as u64;
        parts.record(Event::ProductView { product_id: product_id.to_string(), dwell_ms })?;
        Ok(true)
    }
}

impl Trips {
    fn lock(&self) -> std::sync::MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// At most a few rescue sheets a day (Korean calendar days), never soon after one was dismissed.
fn rescue_allowed_today(parts: &Parts) -> Result<bool> {
    const KST_MS: i64 = 9 * 3_600_000;
    let rules = parts.config.rescue;
    let now = parts.now_ms();
    let today = (now + KST_MS) / 86_400_000 * 86_400_000 - KST_MS;
    let (shown_today, last_dismissed) = parts.guard(parts.store.rescue_history(today))?;
    Ok(shown_today < rules.max_per_day && last_dismissed.is_none_or(|t| now - t >= rules.quiet_after_dismiss_ms))
}

/// The product to share: its mall's page (checked like a click-out, attributed as a share)
/// and a line about it.
pub(crate) fn share_link(parts: &Parts, product_id: &str) -> Result<ShareLink> {
    let (product, mall) = product_and_mall(parts, product_id)?;
    let share_id = format!("s{:015x}", rand::random::<u64>() >> 4);
    let url = outlink::build_share_link(&product.product_url, &mall.link_hosts, &share_id)?;
    let text = (copy::phrases(parts.locale).share_text)(&product.title, &product.price.display(), &mall.name);
    Ok(ShareLink { url, text })
}

/// The click-out the shopper has not come back from yet, if any.
pub(crate) fn pending_return(parts: &Parts) -> Result<Option<String>> {
    Ok(saved_trip(parts)?.map(|(id, _)| id))
}

/// A cached product and its mall (whose hosts its links are checked against).
fn product_and_mall(parts: &Parts, product_id: &str) -> Result<(Product, Mall)> {
    let product = parts.product(product_id)?;
    let mall = parts
        .guard(parts.store.malls())?
        .into_iter()
        .find(|m| m.id == product.mall_id)
        .ok_or_else(|| Error::NotFound(format!("mall {}", product.mall_id)))?;
    Ok((product, mall))
}

/// The saved click-out not yet returned from: (outlink id, trip).
fn saved_trip(parts: &Parts) -> Result<Option<(String, Trip)>> {
    let saved = parts.guard(parts.store.setting(PENDING_OUTLINK_SETTING))?.unwrap_or_default();
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&saved) else { return Ok(None) };
    let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    Ok(match (field("id"), field("product"), field("mall"), v.get("left_at").and_then(|x| x.as_i64())) {
        (Some(id), Some(product), Some(mall), Some(left_at)) => Some((id, (product, mall, left_at))),
        _ => None,
    })
}
