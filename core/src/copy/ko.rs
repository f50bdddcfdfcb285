//! 한국어.

use super::Phrases;

pub(super) static PHRASES: Phrases = Phrases {
    alert_price_drop: "찜한 상품 가격이 내렸어요",
    alert_price_drop_body: |title, was, now, percent| format!("{title} {was} → {now} ({percent}%↓)"),
    alert_back_in_stock: "찜한 상품이 다시 입고됐어요",
    alert_sale_ending: "찜한 상품 세일이 곧 끝나요",
};
