//! English.

use super::Phrases;

pub(super) static PHRASES: Phrases = Phrases {
    alert_price_drop: "A wishlisted item got cheaper",
    alert_price_drop_body: |title, was, now, percent| format!("{title} {was} → {now} ({percent}% off)"),
    alert_back_in_stock: "Back in stock",
    alert_sale_ending: "Sale ends soon",
};
